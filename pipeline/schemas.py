"""Stage contracts as pandera schemas, built from the codebook.

``responses`` (validate's output) and ``la_frame`` (derive's output) are checked against these
before they are written, so a later stage can rely on their shape. Cell-level rules with their
file/sheet/cell messages live in pipeline/validate.py; these schemas guard the tables.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .codebook import TOTAL, Codebook
from .ingest import response_columns

LA_CODE = r"^E(06|08|09|10)\d{6}$"


def responses_schema(codebook: Codebook) -> pa.DataFrameSchema:
    """One row per answered cell, every question and dimension value known to the codebook."""
    dims = {
        d: pa.Column(None, pa.Check.isin([*codebook.dimensions[d].values, TOTAL]), nullable=True)
        for d in codebook.dimension_columns
    }
    text = pa.Column(str, pa.Check.str_length(min_value=1))
    return pa.DataFrameSchema(
        {
            "wave": text,
            "la_code": pa.Column(str, pa.Check.str_matches(LA_CODE)),
            "question_id": pa.Column(str, pa.Check.isin(list(codebook.questions))),
            "item": pa.Column(str, pa.Check.isin(list(codebook.items))),
            **dims,
            "value": text,
            "kind": pa.Column(str, pa.Check.isin(["number", "text", "bool", "date"])),
            "source_file": text,
            "source_sheet": pa.Column(str, nullable=True),
            "source_cell": text,
        },
        strict=True,
        ordered=True,
        unique=["la_code", "item"],
        coerce=False,
        name="responses",
    )


def la_frame_schema() -> pa.DataFrameSchema:
    """One row per frame LA with the per-LA concepts derive owns (rates never negative, bands and
    decision-making groups from their closed sets); analysis reads them only from here."""
    non_negative = pa.Column(float, pa.Check.ge(0), nullable=True, required=False)
    band = pa.Column(None, pa.Check.isin(["low", "medium", "high"]), nullable=True, required=False)
    return pa.DataFrameSchema(
        {
            "la_code": pa.Column(str, pa.Check.str_matches(LA_CODE), unique=True),
            "la_name": pa.Column(str),
            "responded": pa.Column(bool),
            "pupils_primary": non_negative,
            "pupils_secondary": non_negative,
            "providers_total": non_negative,
            "places_total": non_negative,
            "pupils_placed_total": non_negative,
            "ap_use_per_10k_primary": non_negative,
            "ap_use_per_10k_secondary": non_negative,
            "places_per_10k_primary": non_negative,
            "places_per_10k_secondary": non_negative,
            "ehe_per_10k_primary": non_negative,
            "ehe_per_10k_secondary": non_negative,
            "semh_places_per_10k_secondary": non_negative,
            "usage_band_primary": band,
            "usage_band_secondary": band,
            "la_model": pa.Column(
                None, pa.Check.isin(["devolved", "centralised"]), nullable=True, required=False
            ),
        },
        strict=False,
        name="la_frame",
    )


def check(schema: pa.DataFrameSchema, df: pd.DataFrame) -> list[str]:
    """All schema failures of a table as readable lines (empty when it conforms)."""
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        return [
            f"{schema.name}: column {r.column!r} check {r.check!r} failed for {r.failure_case!r}"
            for r in fc.head(50).itertuples(index=False)
        ]
    return []


__all__ = ["check", "la_frame_schema", "response_columns", "responses_schema"]
