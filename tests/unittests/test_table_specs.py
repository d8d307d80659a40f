"""The generic table builders on hand-made answers, and the checks of config/tables specs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analyse import NoAnswers
from pipeline.analysis.specs import (
    TableSpecError,
    estimate_share,
    load_specs,
    pooled_share_table,
    share_of_las_table,
)


def _clean(rows):
    """Validated answers: la_code, question_id, dims..., value (the columns builders read)."""
    cols = ["la_code", "question_id", "school_phase", "phase", "placement_history", "value"]
    return pd.DataFrame(rows, columns=cols)


def test_estimate_share_base_is_the_las_answering():
    # 4 LAs, one blank: 2 of the 3 answering said yes -> 66.7%, base 3
    est = estimate_share(pd.Series(["yes", "no", None, "yes"]), ["yes"])
    assert est.value == pytest.approx(200 / 3)
    assert est.n_las == 3
    assert math.isnan(est.lower) and math.isnan(est.upper)


def test_share_of_las_by_phase_with_total(make_project):
    settings = make_project()
    clean = _clean(
        [
            ["L1", "pex_rate_change", "secondary", None, None, "increased"],
            ["L2", "pex_rate_change", "secondary", None, None, "increased"],
            ["L3", "pex_rate_change", "secondary", None, None, "same"],
            ["L1", "pex_rate_change", "primary", None, None, "decreased"],
        ]
    )
    spec = {
        "question": "pex_rate_change",
        "by": "school_phase",
        "by_values": ["secondary", "primary"],
        "measure": "t.{by}.{category}",
        "measures": {"t.{by}.changed": ["increased", "decreased"]},
        "n_las_measure": "t.n.{by}",
        "total": True,
        "base": "LAs answering",
    }
    ft = share_of_las_table("txt_t", spec, settings, {"clean": clean})
    vals = {v["id"]: (v["value"], v["n_las"]) for v in ft.values}
    # secondary: 2 of 3 increased, 1 of 3 same; primary: 1 of 1 decreased
    assert vals["t.secondary.increased"] == (pytest.approx(200 / 3), 3)
    assert vals["t.secondary.same"] == (pytest.approx(100 / 3), 3)
    assert vals["t.primary.decreased"] == (100.0, 1)
    assert vals["t.primary.increased"] == (0.0, 1)
    assert vals["t.secondary.changed"] == (pytest.approx(200 / 3), 3)
    assert vals["t.n.secondary"] == (3.0, None)
    t = ft.table
    total = t[(t["school_phase"] == "primary") & (t["response"] == "Total")].iloc[0]
    assert (total["la_share"], total["n_las"]) == (100.0, 1)
    # not a figure: answers shown by their codebook labels
    assert "Increased" in set(t["response"])


def test_pooled_share_base_per_group(make_project):
    settings = make_project()
    clean = _clean(
        [
            ["L1", "placement_history", None, "ks3", "first_ap", "30"],
            ["L1", "placement_history", None, "ks3", "previous_ap", "10"],
            ["L2", "placement_history", None, "ks3", "first_ap", "10"],
            ["L2", "placement_history", None, "ks4", "previous_ap", "50"],
        ]
    )
    spec = {
        "question": "placement_history",
        "by": "phase",
        "category": "placement_history",
        "measure": "h.{by}.{category}",
        "n_las_measure": "h.n.{by}",
        "base": "LAs giving data",
    }
    ft = pooled_share_table("fig99", spec, settings, {"clean": clean})
    vals = {v["id"]: (v["value"], v["n_las"]) for v in ft.values}
    # KS3: first 30 + 10 = 40 of 50 pupils -> 80%, from 2 LAs; KS4: L2 only, all previously in AP
    assert vals["h.ks3.first_ap"] == (pytest.approx(80.0), 2)
    assert vals["h.ks4.previous_ap"] == (pytest.approx(100.0), 1)
    assert vals["h.n.ks4"][0] == 1
    # primary: nobody gave data -> no row rather than a 0 share
    assert "h.primary.first_ap" not in vals


def test_no_answers_is_raised_not_a_key_error(make_project):
    settings = make_project()
    spec = {"question": "demand_outlook", "base": "LAs answering"}
    with pytest.raises(NoAnswers, match="demand_outlook"):
        share_of_las_table("txt_x", spec, settings, {"clean": _clean([])})


def test_spec_mistakes_name_file_and_key(make_project):
    settings = make_project()
    path = settings.cfg / "tables" / "demand.yaml"
    path.write_text("txt_x:\n  builder: share_of_las\n  question: no_such_question\n  base: b\n")
    with pytest.raises(TableSpecError, match=r"demand.yaml: txt_x: unknown question 'no_such_question'"):
        load_specs(settings, "demand")
    path.write_text("txt_x:\n  builder: share_of_las\n  question: demand_outlook\n  base: b\n  colour: red\n")
    with pytest.raises(TableSpecError, match=r"demand.yaml: txt_x: unknown key\(s\) \['colour'\]"):
        load_specs(settings, "demand")
    path.write_text("txt_x:\n  builder: mean_of_everything\n  question: demand_outlook\n  base: b\n")
    with pytest.raises(TableSpecError, match="unknown builder 'mean_of_everything'"):
        load_specs(settings, "demand")
