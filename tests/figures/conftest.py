"""The open-data tables of the default wave as a user downloads them, built once per session for
the screener and interval tests (the files that use it are one unit of work: tests/conftest.py)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from pipeline import analyse, derive, present, public
from pipeline.config import Settings
from pipeline.ingest import read_wave
from pipeline.validate import validate


@pytest.fixture(scope="session")
def written_tables():
    """``({table key: (data, meta)}, LA names)``: each table through its CSV text and back, as text."""
    settings = Settings("2018")
    raw, problems = read_wave(settings, "calamine")
    clean, _, respondents = validate(
        raw, problems, public.la_frame(settings), settings.codebook, settings.validation["severity"]
    )
    derived = derive.run(settings, clean, respondents, public.context(settings))
    out = {}
    for ft in analyse.run(settings, derived):
        data, meta = present.open_data_table(ft, settings.figures.get(ft.key, {}), settings)
        read = lambda df: pd.read_csv(io.StringIO(present.csv_text(df)), dtype=str, keep_default_na=False)  # noqa: E731
        out[ft.key] = (read(data), read(meta))
    la_names = set(public.la_frame(settings)["la_name"])
    return out, la_names
