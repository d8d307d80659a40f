"""Public context data: the LA frame, pupil headcounts, exclusions, deprivation, rurality.

All files are read-only inputs under ``data/raw/public`` (see its README for provenance).
"""

from __future__ import annotations

import pandas as pd

from .config import ConfigError, Settings, _relative


def _read(path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"old_la_code": str}, encoding="utf-8")
    return df.rename(columns={"new_la_code": "la_code"})


def _read_spec(settings: Settings, key: str, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """The file of the wave file's ``key`` (``<key>.file``), checked to have the LA code and
    ``columns`` ((the key of ``key`` naming it, or "file" for a fixed name, column) pairs): a
    missing one is a ConfigError naming the wave file, the key and the column."""
    name = settings.wave_config[key]["file"]
    df = _read(settings.path(name))
    for where, column in [("file", "new_la_code"), *columns]:
        if ("la_code" if column == "new_la_code" else column) not in df.columns:
            rel = _relative(settings.wave_file, settings.root)
            raise ConfigError(
                f"{rel}: {key}.{where}: column {column!r} is not in {name} "
                f"(columns: {', '.join('new_la_code' if c == 'la_code' else str(c) for c in df.columns)})"
            )
    return df


def la_frame(settings: Settings) -> pd.DataFrame:
    """The LAs of the survey frame: la_code, old_la_code, la_name, region, LA type."""
    df = _read(settings.path(settings.wave_config["frame"]))
    return df[["la_code", "old_la_code", "la_name", "region_code", "region_name", "la_type"]]


def headcounts(settings: Settings) -> pd.DataFrame:
    """Pupil headcounts used as per-10,000 denominators: la_code, pupils_primary, pupils_secondary."""
    spec = settings.wave_config["denominators"]
    df = _read_spec(
        settings, "denominators", [("primary", spec["primary"]), ("secondary", spec["secondary"])]
    )
    return pd.DataFrame(
        {
            "la_code": df["la_code"],
            "pupils_primary": df[spec["primary"]],
            "pupils_secondary": df[spec["secondary"]],
        }
    )


def context(settings: Settings, gaps: list[str] | None = None) -> pd.DataFrame:
    """One row per frame LA: headcounts, secondary exclusion rate, deprivation, rurality.

    An LA of the frame without a row in a context file gets missing values from it and is left
    out wherever they are needed (rates per 10,000, non-response margins, regressions); a line per
    such file, naming those LAs, is appended to ``gaps`` when given."""
    frame = la_frame(settings)
    counts = headcounts(settings)
    _gap(gaps, settings, "denominators", frame, counts)
    out = frame.merge(counts, on="la_code", how="left")
    exc_spec = settings.wave_config.get("exclusions")
    if exc_spec:
        exc = _read_spec(
            settings, "exclusions", [("file", "secondary_perm_excl_rate"), ("file", "primary_perm_excl_rate")]
        )
        _gap(gaps, settings, "exclusions", frame, exc)
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
        dep = _read_spec(settings, "deprivation", [("measure", dep_spec["measure"])])
        _gap(gaps, settings, "deprivation", frame, dep)
        out = out.merge(
            dep[["la_code", dep_spec["measure"]]].rename(columns={dep_spec["measure"]: "deprivation"}),
            on="la_code",
            how="left",
        )
    rur_spec = settings.wave_config.get("rurality")
    if rur_spec:
        rur = _read_spec(settings, "rurality", [("file", "broad_ruc11")])
        _gap(gaps, settings, "rurality", frame, rur)
        out = out.merge(
            rur[["la_code", "broad_ruc11"]].rename(columns={"broad_ruc11": "rurality"}),
            on="la_code",
            how="left",
        )
    return out


def _gap(gaps: list[str] | None, settings: Settings, key: str, frame: pd.DataFrame, df: pd.DataFrame) -> None:
    """Append to ``gaps`` a line naming the frame LAs that have no row in the file of ``key``."""
    if gaps is None:
        return
    lacking = frame[~frame["la_code"].isin(df["la_code"])]
    if len(lacking):
        shown = ", ".join(f"{c} {n}" for c, n in zip(lacking["la_code"], lacking["la_name"], strict=True))
        gaps.append(
            f"{settings.wave_config[key]['file']} ({key}): no row for {len(lacking)} LA(s) of the frame "
            f"({shown}); left out wherever its values are needed"
        )
