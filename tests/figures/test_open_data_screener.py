"""Every open-data table of the default wave passes the DfE screener's checks: 0 fails, 0 warnings.

The tables are built in memory exactly as ``present.write_tables`` writes them (same functions,
then through CSV text and back, so what is checked is what a user downloads): the session fixture
``written_tables`` in tests/figures/conftest.py, shared with test_intervals_in_tables.py.
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings

from .screener import duplicate_rows, missing_totals, screen


def test_every_table_screens_clean(written_tables):
    tables, la_names = written_tables
    assert len(tables) > 40
    findings = {key: screen(d, m, la_names) for key, (d, m) in tables.items()}
    findings = {k: v for k, v in findings.items() if v}
    assert not findings, "\n".join(f"{k}: {f}" for k, v in findings.items() for f in v[:4])


def test_no_duplicate_rows(written_tables):
    tables, _ = written_tables
    assert {k: n for k, (d, m) in tables.items() if (n := duplicate_rows(d, m))} == {}


def additivity_gaps(tables: dict, specs: dict) -> dict[str, list[str]]:
    """Per table, the filters that break the Total rule: declared additive (spec ``additive``)
    but without a 'Total' item, or not declared at all and without one. Measure/question lists
    are not additive and are exempt."""
    exempt = {"measure", "question", "source_table", "statement"}
    gaps = {}
    for key, (d, m) in tables.items():
        declared = specs.get(key, {}).get("additive") or {}
        filters = [f for f in m.loc[m["col_type"] == "Filter", "col_name"] if f not in exempt]
        undeclared = [f for f in filters if f not in declared]
        additive = {f for f in filters if declared.get(f) is True}
        found = [f"{f} (additive, no Total)" for f in missing_totals(d, m, additive)]
        found += [f"{f} (not declared additive: true|false)" for f in missing_totals(d, m, set(undeclared))]
        if found:
            gaps[key] = found
    return gaps


def test_additive_filters_have_a_total(written_tables):
    """Filters over categories that partition a whole (phases, provider types, responses...) need a
    'Total' item as the EES default; every other filter is declared not additive in its spec."""
    tables, _ = written_tables
    missing = additivity_gaps(tables, Settings("2018").figures)
    assert not missing, "\n".join(f"{k}: {v}" for k, v in sorted(missing.items()))


def test_additivity_check_can_fail():
    data = pd.DataFrame({"phase": ["primary", "ks3"], "ap_reason": ["a", "b"], "share": ["40", "60"]})
    meta = pd.DataFrame(
        {"col_name": ["phase", "ap_reason", "share"], "col_type": ["Filter", "Filter", "Indicator"]}
    )
    tables = {"figX": (data, meta)}
    assert additivity_gaps(tables, {"figX": {"additive": {"phase": True}}}) == {
        "figX": ["phase (additive, no Total)", "ap_reason (not declared additive: true|false)"]
    }
    assert additivity_gaps(tables, {"figX": {"additive": {"phase": False, "ap_reason": False}}}) == {}


def test_screener_can_fail():
    data = pd.DataFrame(
        {"time_period": ["201819"], "time_identifier": ["Academic year"], "geographic_level": ["National"],
         "country_code": ["E92000001"], "country_name": ["England"], "ap_reason": ["excluded_pupils"],
         "Share": ["12.345"], "la": ["Barnsley"]}
    )  # fmt: skip
    meta = pd.DataFrame(
        [["ap_reason", "Filter", "Ap reason", "", "", "", "", ""],
         ["Share", "Indicator", "Share", "", "%", "1", "", ""],
         ["la", "Filter", "LA", "", "", "", "Which LA", ""]],
        columns=["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                 "filter_hint", "filter_grouping_column"],
    )  # fmt: skip
    checks = {c for _, c, _ in screen(data, meta, {"Barnsley"})}
    assert {
        "column_names",
        "label_acronyms",
        "filter_hint",
        "filter_items",
        "indicator_dp",
        "la_rows",
    } <= checks
    bad_time = data.assign(time_period="201820")
    assert "time_period" in {c for _, c, _ in screen(bad_time, meta)}
