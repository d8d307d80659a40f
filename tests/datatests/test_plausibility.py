"""Plausibility of the default 2018 wave LA by LA against the real census (issue 9.1).

Measured on the outputs (``la_frame.csv``, ``responses.csv``) of a full run of the default wave
(the session fixture ``full_run_2018``) and the real AP file. The unit tests on
hand-made tables check the measures themselves. Every target must hold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.synth import plausibility as P

ROOT = Path(__file__).resolve().parents[2]
AP_FILE = ROOT / "data" / "raw" / "public" / "ap_pupils_by_la.csv"


# ---- the measures on hand-made tables ----------------------------------------------------------


def _table(places, pupils, heads, real_ap, pru, real_pru) -> pd.DataFrame:
    n = len(places)
    return pd.DataFrame(
        {
            "pupils_primary": np.full(n, 10_000.0),
            "pupils_secondary": np.asarray(heads, dtype=float),
            "headcount": np.asarray(heads, dtype=float) + 10_000,
            "places_total": places,
            "places_primary": np.full(n, 5.0),
            "places_secondary": np.asarray(places, dtype=float) - 5,
            "pru_places": pru,
            "pupils_total": pupils,
            "pupils_primary_placed": np.full(n, 10.0),
            "pupils_secondary_placed": np.asarray(pupils, dtype=float) - 10,
            "real_pru_headcount": real_pru,
            "real_ap_pupils": real_ap,
        }
    )


def test_measures_on_a_hand_made_table():
    # Four LAs; places rise with size except the last pair swapped: ranks 1,2,4,3 vs 1,2,3,4.
    t = _table(
        places=[20, 40, 100, 80],
        pupils=[30, 50, 70, 90],
        heads=[10_000, 20_000, 30_000, 40_000],
        real_ap=[10, 20, 30, 40],
        pru=[5, 10, 15, 20],
        real_pru=[1, 2, 3, 0],  # the last LA has no real PRU: left out of that correlation
    )
    m = P.measures(t)
    assert m["spearman_places_vs_headcount"] == pytest.approx(0.8)  # 1 - 6*2/(4*15)
    assert m["spearman_pupils_placed_vs_real_ap_pupils"] == pytest.approx(1.0)
    assert m["spearman_pru_places_vs_real_pru_headcount"] == pytest.approx(1.0)
    # secondary pupils per 10,000: 20/1, 40/2, 60/3, 80/4 -> 20 each
    assert m["max_secondary_pupils_per_10k"] == pytest.approx(20.0)
    # secondary places per 10,000: 15/1, 35/2, 95/3, 75/4 -> the highest is 95/3
    assert m["max_secondary_places_per_10k"] == pytest.approx(95 / 3)
    assert m["min_pupils_per_place"] == pytest.approx(0.7)  # 70 / 100
    assert m["max_pupils_per_place"] == pytest.approx(1.5)  # 30 / 20


def test_modal_band_counts_both_edges():
    # bands of 44: 1-44 holds 3 LAs, 45-88 holds 2; 0 is its own band; 44.4 rounds to 44.
    assert P.modal_band(pd.Series([44.4, 1.0, 30.0, 45.0, 88.0]), 44) == "1-44"
    assert P.modal_band(pd.Series([44.5, 1.0, 50.0, 88.0]), 44) == "45-88"
    assert P.modal_band(pd.Series([0.2, 0.0, 3.0]), 8) == "0"


# ---- the default wave -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured(full_run_2018) -> dict:
    """The measures on a full run of the default wave (outputs in tmp, made by the session fixture)."""
    return P.measures(P.la_table(full_run_2018.processed_dir, AP_FILE, full_run_2018.time_period))


@pytest.mark.parametrize("name", sorted(P.TARGETS))
def test_rank_correlation_targets(measured, name):
    assert measured[name] >= P.TARGETS[name], f"{name} = {measured[name]:.3f}"


def test_no_la_places_an_implausible_share_of_its_secondary_pupils(measured):
    assert measured["max_secondary_pupils_per_10k"] <= P.MAX_SECONDARY_PUPILS_PER_10K


def test_pupils_per_place_within_range(measured):
    lo, hi = P.PUPILS_PER_PLACE
    assert lo <= measured["min_pupils_per_place"] and measured["max_pupils_per_place"] <= hi


def test_report_distribution_statements_of_places(measured):
    n = measured["n_places_las"]
    assert measured["places_primary_modal_band"] == "1-8"
    assert measured["places_secondary_modal_band"] == "1-44"
    assert measured["places_primary_over_30"] <= P.SMALL_NUMBER * n
    assert measured["places_secondary_over_130"] <= P.SMALL_NUMBER * n


def test_report_distribution_statements_of_pupils(measured):
    n = measured["n_pupil_las"]
    assert measured["pupils_primary_over_20"] <= P.SMALL_NUMBER * n
    assert measured["pupils_primary_within_half_of_mean"] > 0.5
    assert measured["pupils_secondary_within_half_of_mean"] > 0.5


def test_very_small_number_above_145_secondary_pupils(measured):
    assert measured["pupils_secondary_over_145"] <= P.VERY_SMALL_NUMBER * measured["n_pupil_las"]
