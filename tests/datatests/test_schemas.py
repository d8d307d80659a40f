"""Stage contracts (pipeline/schemas.py): the fixture's tables conform, broken ones do not."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import public, schemas
from pipeline.ingest import read_wave
from pipeline.validate import validate

from ..fixtures.fixture_wave import A


@pytest.fixture
def clean(fixture_settings) -> pd.DataFrame:
    raw, problems = read_wave(fixture_settings)
    frame = public.la_frame(fixture_settings)
    out, report, _ = validate(
        raw, problems, frame, fixture_settings.codebook, fixture_settings.validation["severity"]
    )
    assert report.empty
    return out


def _broken(codebook, df) -> list[str]:
    return schemas.check(schemas.responses_schema(codebook), df)


def test_fixture_responses_conform(clean, fixture_settings):
    assert _broken(fixture_settings.codebook, clean) == []


def test_unknown_item_and_question_are_caught(clean, fixture_settings):
    df = clean.copy()
    df.loc[0, "item"] = "costs__pru__ks9"
    df.loc[1, "question_id"] = "cost"
    lines = _broken(fixture_settings.codebook, df)
    assert any("'item'" in line and "costs__pru__ks9" in line for line in lines)
    assert any("'question_id'" in line and "'cost'" in line for line in lines)


def test_bad_la_code_is_caught(clean, fixture_settings):
    df = clean.copy()
    df.loc[0, "la_code"] = "W06000001"  # a Welsh code is not an English LA
    lines = _broken(fixture_settings.codebook, df)
    assert any("'la_code'" in line and "W06000001" in line for line in lines)


def test_duplicate_answer_is_caught(clean, fixture_settings):
    df = pd.concat([clean, clean.iloc[[0]]], ignore_index=True)
    assert _broken(fixture_settings.codebook, df) != []


def test_unknown_dimension_value_is_caught(clean, fixture_settings):
    df = clean.copy()
    i = df.index[df["item"] == "costs__pru__ks3"][0]
    df.loc[i, "provider_type"] = "academy"
    lines = _broken(fixture_settings.codebook, df)
    assert any("'provider_type'" in line and "academy" in line for line in lines)


def test_extra_or_reordered_columns_are_caught(clean, fixture_settings):
    assert _broken(fixture_settings.codebook, clean.assign(extra="x")) != []
    cols = list(clean.columns)
    cols[0], cols[1] = cols[1], cols[0]
    assert _broken(fixture_settings.codebook, clean[cols]) != []


def test_la_frame_contract():
    ok = pd.DataFrame(
        {
            "la_code": [A, "E08000016"],
            "la_name": ["Barking and Dagenham", "Barnsley"],
            "responded": [True, False],
            "providers_total": [3.0, float("nan")],
        }
    )
    assert schemas.check(schemas.la_frame_schema(), ok) == []
    negative = ok.assign(providers_total=[-1.0, 2.0])
    lines = schemas.check(schemas.la_frame_schema(), negative)
    assert any("'providers_total'" in line for line in lines)
    duplicated = ok.assign(la_code=[A, A])
    assert schemas.check(schemas.la_frame_schema(), duplicated) != []


def test_la_frame_concepts_from_closed_sets():
    ok = pd.DataFrame({"la_code": [A], "la_name": ["Barking and Dagenham"], "responded": [True]})
    assert schemas.check(schemas.la_frame_schema(), ok.assign(la_model=["devolved"])) == []
    lines = schemas.check(schemas.la_frame_schema(), ok.assign(la_model=["devolved_full"]))
    assert any("'la_model'" in line for line in lines)
    lines = schemas.check(schemas.la_frame_schema(), ok.assign(usage_band_primary=["very high"]))
    assert any("'usage_band_primary'" in line for line in lines)
