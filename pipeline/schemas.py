"""Stage contracts as small declarative schemas, built from the codebook.

``responses`` (validate's output) and ``la_frame`` (derive's output) are checked against these
before they are written, so a later stage can rely on their shape. Cell-level rules with their
file/sheet/cell messages live in pipeline/validate.py; these schemas guard the tables.

The checks are the usual dataframe-schema ones (column types, nulls, closed sets, patterns,
bounds, uniqueness, strict and ordered columns), written here in vectorised pandas: a schema
library cost about 0.45 s of import on every run for two table checks. As in such libraries,
value checks skip missing values (``nullable`` decides whether those are allowed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .codebook import TOTAL, Codebook
from .ingest import response_columns

LA_CODE = r"^E(06|08|09|10)\d{6}$"


@dataclass(frozen=True)
class Check:
    """A test of each non-missing value of a column: ``name`` (shown in messages) and a
    vectorised function of the values returning a boolean array (True = passes)."""

    name: str
    test: object

    def failures(self, values: pd.Series) -> pd.Series:
        ok = np.asarray(self.test(values), dtype=bool)
        return values[~ok]


def isin(allowed) -> Check:
    allowed = list(allowed)
    shown = allowed if len(allowed) <= 8 else [*allowed[:8], "..."]
    return Check(f"isin({shown})", lambda s: s.isin(allowed))


def str_matches(pattern: str) -> Check:
    return Check(f"str_matches('{pattern}')", lambda s: s.astype(str).str.match(pattern))


def str_length(min_value: int) -> Check:
    return Check(f"str_length({min_value}, None)", lambda s: s.astype(str).str.len() >= min_value)


def ge(bound: float) -> Check:
    return Check(f"greater_than_or_equal_to({bound})", lambda s: s >= bound)


@dataclass(frozen=True)
class Column:
    """``dtype``: ``str`` (object column of strings), ``float``, ``bool`` or None (any)."""

    dtype: type | None = None
    checks: tuple[Check, ...] = ()
    nullable: bool = False
    required: bool = True
    unique: bool = False


@dataclass(frozen=True)
class Schema:
    name: str
    columns: dict[str, Column]
    strict: bool = False
    ordered: bool = False
    unique: list[str] = field(default_factory=list)


def responses_schema(codebook: Codebook) -> Schema:
    """One row per answered cell, every question and dimension value known to the codebook."""
    dims = {
        d: Column(None, (isin([*codebook.dimensions[d].values, TOTAL]),), nullable=True)
        for d in codebook.dimension_columns
    }
    text = Column(str, (str_length(1),))
    return Schema(
        "responses",
        {
            "wave": text,
            "la_code": Column(str, (str_matches(LA_CODE),)),
            "question_id": Column(str, (isin(codebook.questions),)),
            "item": Column(str, (isin(codebook.items),)),
            **dims,
            "value": text,
            "kind": Column(str, (isin(["number", "text", "bool", "date"]),)),
            "source_file": text,
            "source_sheet": Column(str, nullable=True),
            "source_cell": text,
        },
        strict=True,
        ordered=True,
        unique=["la_code", "item"],
    )


def la_frame_schema() -> Schema:
    """One row per frame LA with the per-LA concepts derive owns (rates never negative, bands and
    decision-making groups from their closed sets); analysis reads them only from here."""
    non_negative = Column(float, (ge(0),), nullable=True, required=False)
    band = Column(None, (isin(["low", "medium", "high"]),), nullable=True, required=False)
    return Schema(
        "la_frame",
        {
            "la_code": Column(str, (str_matches(LA_CODE),), unique=True),
            "la_name": Column(str),
            "responded": Column(bool),
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
            "la_model": Column(None, (isin(["devolved", "centralised"]),), nullable=True, required=False),
        },
        strict=False,
    )


def _dtype_failures(dtype, s: pd.Series) -> list:
    """Values (or the column's dtype) that break the column's type."""
    if dtype is None:
        return []
    if dtype is str:
        if isinstance(s.dtype, pd.StringDtype):
            return []
        if s.dtype != object:
            return [str(s.dtype)]
        bad = s[~(s.map(lambda v: isinstance(v, str)) | s.isna())]
        return list(bad)
    want = np.dtype(dtype)
    return [] if s.dtype == want else [str(s.dtype)]


def _column_failures(name: str, col: Column, s: pd.Series) -> list[tuple[str, str, object]]:
    out = [(name, f"dtype('{col.dtype.__name__}')", v) for v in _dtype_failures(col.dtype, s)]
    missing = s.isna()
    if not col.nullable and missing.any():
        out.append((name, "not_nullable", None))
    if col.unique:
        out += [(name, "field_uniqueness", v) for v in s[s.duplicated(keep=False)].unique()]
    present = s[~missing]
    for check in col.checks:
        try:
            bad = check.failures(present)
        except (TypeError, ValueError, AttributeError):  # values of the wrong type for the check
            bad = present
        out += [(name, check.name, v) for v in bad.unique()]
    return out


def failures(schema: Schema, df: pd.DataFrame) -> list[tuple[str, str, object]]:
    """Every (column, check, failure case) of a table against a schema."""
    out: list[tuple[str, str, object]] = []
    expected = list(schema.columns)
    if schema.strict:
        out += [(c, "column_in_schema", c) for c in df.columns if c not in schema.columns]
    if schema.ordered:
        present = [c for c in df.columns if c in schema.columns]
        if present != [c for c in expected if c in df.columns]:
            out.append((schema.name, "column_ordered", ", ".join(map(str, df.columns))))
    for name, col in schema.columns.items():
        if name not in df.columns:
            if col.required:
                out.append((name, "column_in_dataframe", name))
            continue
        out += _column_failures(name, col, df[name])
    if schema.unique and all(c in df.columns for c in schema.unique):
        dup = df[df.duplicated(subset=schema.unique, keep=False)]
        out += [
            (str(schema.unique), "multiple_fields_uniqueness", tuple(r))
            for r in dup[schema.unique].drop_duplicates().itertuples(index=False)
        ]
    return out


def check(schema: Schema, df: pd.DataFrame) -> list[str]:
    """All schema failures of a table as readable lines (empty when it conforms)."""
    return [
        f"{schema.name}: column {column!r} check {name!r} failed for {case!r}"
        for column, name, case in failures(schema, df)[:50]
    ]


__all__ = ["check", "la_frame_schema", "response_columns", "responses_schema"]
