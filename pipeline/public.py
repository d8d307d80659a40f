"""Public context data: the LA frame, pupil headcounts, exclusions, deprivation, rurality.

All files are read-only inputs under ``data/raw/public`` (see its README for provenance).
"""

from __future__ import annotations

import pandas as pd

from .config import Settings


def _read(path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"old_la_code": str}, encoding="utf-8")
    return df.rename(columns={"new_la_code": "la_code"})


def la_frame(settings: Settings) -> pd.DataFrame:
    """The LAs of the survey frame: la_code, old_la_code, la_name, region, LA type."""
    df = _read(settings.path(settings.wave_config["frame"]))
    return df[["la_code", "old_la_code", "la_name", "region_code", "region_name", "la_type"]]


def headcounts(settings: Settings) -> pd.DataFrame:
    """Pupil headcounts used as per-10,000 denominators: la_code, pupils_primary, pupils_secondary."""
    spec = settings.wave_config["denominators"]
    df = _read(settings.path(spec["file"]))
    return pd.DataFrame(
        {
            "la_code": df["la_code"],
            "pupils_primary": df[spec["primary"]],
            "pupils_secondary": df[spec["secondary"]],
        }
    )


def context(settings: Settings) -> pd.DataFrame:
    """One row per frame LA: headcounts, secondary exclusion rate, deprivation, rurality."""
    out = la_frame(settings).merge(headcounts(settings), on="la_code", how="left")
    exc_spec = settings.wave_config.get("exclusions")
    if exc_spec:
        exc = _read(settings.path(exc_spec["file"]))
        out = out.merge(
            exc[["la_code", "secondary_perm_excl_rate", "primary_perm_excl_rate"]].rename(
                columns={
                    "secondary_perm_excl_rate": "pex_rate_secondary",
                    "primary_perm_excl_rate": "pex_rate_primary",
                }
            ),
            on="la_code",
            how="left",
        )
    dep_spec = settings.wave_config.get("deprivation")
    if dep_spec:
        dep = _read(settings.path(dep_spec["file"]))
        out = out.merge(
            dep[["la_code", dep_spec["measure"]]].rename(columns={dep_spec["measure"]: "deprivation"}),
            on="la_code",
            how="left",
        )
    rur_spec = settings.wave_config.get("rurality")
    if rur_spec:
        rur = _read(settings.path(rur_spec["file"]))
        out = out.merge(
            rur[["la_code", "broad_ruc11"]].rename(columns={"broad_ruc11": "rurality"}),
            on="la_code",
            how="left",
        )
    return out
