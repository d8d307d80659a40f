"""Plausibility of a synthetic wave LA by LA against the real census (issue 9.1).

Computed from the pipeline's outputs (``la_frame.csv``, ``responses.csv``) and the real public
files, so it measures what the pipeline reads, not what the generator intended. Used by
``tests/datatests/test_plausibility.py`` and printed into ``docs/synthetic-data.md`` with
``python -m pipeline.synth.plausibility``.

Rates per 10,000 are the report's: primary places or pupils per 10,000 state-funded primary
pupils, KS3 + KS4 per 10,000 state-funded secondary pupils (January census of the wave).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# Targets of issue 9.1 (minimum Spearman correlations and LA-level bounds).
TARGETS = {
    "spearman_pupils_placed_vs_real_ap_pupils": 0.7,
    "spearman_places_vs_headcount": 0.6,
    "spearman_pupils_placed_vs_secondary_headcount": 0.6,
    "spearman_pru_places_vs_real_pru_headcount": 0.6,
}
MAX_SECONDARY_PUPILS_PER_10K = 300
PUPILS_PER_PLACE = (0.2, 6.0)
# Readings of the report's distribution words (the reproduction config uses the same ones).
SMALL_NUMBER = 0.15
VERY_SMALL_NUMBER = 0.075


def _grid(responses: pd.DataFrame, question: str) -> pd.DataFrame:
    """LA x phase sums of a places / pupils grid over provider types (type rows only)."""
    r = responses[(responses["question_id"] == question) & responses["provider_type"].notna()]
    r = r[r["provider_type"] != "total"]
    v = pd.to_numeric(r["value"], errors="coerce")
    return r.assign(v=v).pivot_table(index="la_code", columns="phase", values="v", aggfunc="sum")


def la_table(processed: Path, ap_file: Path, time_period: int) -> pd.DataFrame:
    """One row per responding LA: headcounts, generated places and pupils, real AP counts."""
    frame = pd.read_csv(processed / "la_frame.csv", dtype={"old_la_code": str})
    frame = frame[frame["responded"]].set_index("la_code")
    resp = pd.read_csv(processed / "responses.csv", dtype=str, low_memory=False)
    places = _grid(resp, "places")
    pupils = _grid(resp, "pupils_placed")
    pru = resp[(resp["question_id"] == "places") & (resp["provider_type"] == "pru")]
    pru = pd.to_numeric(pru["value"], errors="coerce").groupby(pru["la_code"]).sum()
    ap = pd.read_csv(ap_file, dtype={"old_la_code": str})
    ap = ap[ap["time_period"] == time_period].set_index("old_la_code")
    out = frame[["old_la_code", "la_name", "pupils_primary", "pupils_secondary"]].copy()
    out["headcount"] = out["pupils_primary"].fillna(0) + out["pupils_secondary"].fillna(0)
    out["places_total"] = places.sum(axis=1)
    out["places_primary"] = places.get("primary")
    out["places_secondary"] = places.get("ks3", 0) + places.get("ks4", 0)
    out["pru_places"] = pru
    out["pupils_total"] = pupils.sum(axis=1)
    out["pupils_primary_placed"] = pupils.get("primary")
    out["pupils_secondary_placed"] = pupils.get("ks3", 0) + pupils.get("ks4", 0)
    real_census = out["old_la_code"].map(ap["ap_census_pupils"])
    real_school = out["old_la_code"].map(ap["ap_school_headcount"]).fillna(0.0)
    out["real_pru_headcount"] = real_school
    out["real_ap_pupils"] = real_census + real_school
    return out


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den * 10_000).where(den > 0)


def measures(t: pd.DataFrame) -> dict[str, float]:
    """The plausibility measures and the report's distribution statements as counts."""
    sp = lambda a, b: float(t[[a, b]].dropna().corr(method="spearman").iloc[0, 1])  # noqa: E731
    has_pru = t[t["real_pru_headcount"] > 0]
    pru_corr = float(
        has_pru[["pru_places", "real_pru_headcount"]].dropna().corr(method="spearman").iloc[0, 1]
    )
    sec_pupils = _rate(t["pupils_secondary_placed"], t["pupils_secondary"]).dropna()
    pri_pupils = _rate(t["pupils_primary_placed"], t["pupils_primary"]).dropna()
    sec_places = _rate(t["places_secondary"], t["pupils_secondary"]).dropna()
    pri_places = _rate(t["places_primary"], t["pupils_primary"]).dropna()
    ratio = (t["pupils_total"] / t["places_total"]).replace([np.inf, -np.inf], np.nan).dropna()
    return {
        "spearman_pupils_placed_vs_real_ap_pupils": sp("pupils_total", "real_ap_pupils"),
        "spearman_places_vs_headcount": sp("places_total", "headcount"),
        "spearman_pupils_placed_vs_secondary_headcount": sp("pupils_total", "pupils_secondary"),
        "spearman_pru_places_vs_real_pru_headcount": pru_corr,
        "max_secondary_pupils_per_10k": float(sec_pupils.max()),
        "max_secondary_places_per_10k": float(sec_places.max()),
        "min_pupils_per_place": float(ratio.min()),
        "max_pupils_per_place": float(ratio.max()),
        "n_places_las": int(pri_places.size),
        "places_primary_mean": float(pri_places.mean()),
        "places_primary_over_30": int((pri_places > 30).sum()),
        "places_primary_modal_band": modal_band(pri_places, 8),
        "places_secondary_mean": float(sec_places.mean()),
        "places_secondary_over_130": int((sec_places > 130).sum()),
        "places_secondary_modal_band": modal_band(sec_places, 44),
        "n_pupil_las": int(sec_pupils.size),
        "pupils_primary_mean": float(pri_pupils.mean()),
        "pupils_primary_over_20": int((pri_pupils > 20).sum()),
        "pupils_primary_within_half_of_mean": float((abs(pri_pupils / pri_pupils.mean() - 1) <= 0.5).mean()),
        "pupils_secondary_mean": float(sec_pupils.mean()),
        "pupils_secondary_over_145": int((sec_pupils > 145).sum()),
        "pupils_secondary_within_half_of_mean": float(
            (abs(sec_pupils / sec_pupils.mean() - 1) <= 0.5).mean()
        ),
    }


def band_index(rates: np.ndarray, width: float) -> np.ndarray:
    """Per rate, its band of whole rates (half up): 0 for 1..width, 1 for width+1..2 x width, ...;
    -1 for a rate that rounds to 0."""
    r = np.floor(np.asarray(rates, dtype=float) + 0.5)
    return np.where(r < 1, -1, np.ceil(r / width) - 1).astype(int)


def modal_band(rates: pd.Series, width: float) -> str:
    """The most common band of whole rates 1..width, width+1..2 x width, ... ('0' for none)."""
    band = band_index(rates.to_numpy(), width)
    values, counts = np.unique(band, return_counts=True)
    b = int(values[np.argmax(counts)])
    return "0" if b < 0 else f"{b * width + 1:g}-{(b + 1) * width:g}"


def main(wave: str | None = None) -> int:
    """Print the measures of ``wave`` (default: the wave whose wave file says ``default: true``)."""
    from ..config import Settings, default_wave

    wave = wave or default_wave()
    settings = Settings(wave)
    t = la_table(
        settings.root / "data" / "processed" / wave,
        settings.root / "data" / "raw" / "public" / "ap_pupils_by_la.csv",
        int(settings.wave_config["time_period"]),
    )
    for k, v in measures(t).items():
        print(f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
