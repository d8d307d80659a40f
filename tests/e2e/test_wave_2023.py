"""The synthetic 2023 wave runs end to end, and its generated picture follows its real anchors.

Anchors (docs/synthetic-data.md, "The 2023 wave"): LA-arranged AP placements by provider type in
the AP census, Ofsted/CQC (2024) annex, state-funded 53% -> 37% and independent 34% -> 46% from
2018 to 2023, so the odds of an independent over a state-funded placement rise by
(46 / 37) / (34 / 53) = 1.938; and the real size of each LA's AP in January 2023.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.synth import plausibility as P

REPO = Path(__file__).resolve().parents[2]
AP_FILE = REPO / "data" / "raw" / "public" / "ap_pupils_by_la.csv"
ANNEX_ODDS_RATIO = (46 / 37) / (34 / 53)
STATE = {"Pupil referral unit (PRU)", "AP academy", "AP free school"}
INDEPENDENT = {"Independent AP registered as a school", "Independent AP not registered as a school"}
# The 2018 wave's published place shares by provider type (report Figure 2): state-funded 78%,
# independent 14%; the 2023 wave is calibrated from these, shifted by the annex.
ODDS_2018 = 14 / 78


def _processed(settings) -> Path:
    return settings.root / "data" / "processed" / "2023"


def test_2023_wave_runs_to_the_end(full_run_2023):
    out = _processed(full_run_2023)
    frame = pd.read_csv(out / "la_frame.csv")
    assert 115 <= int(frame["responded"].sum()) <= 125
    assert len(frame) == 152  # the January 2023 frame
    fig02 = pd.read_csv(out / "fig02_place_share_by_provider_type.csv")
    assert set(fig02["time_period"]) == {202223}
    assert (out / "fig02_place_share_by_provider_type.meta.csv").exists()


def test_place_mix_shifts_from_state_funded_to_independent_as_the_annex(full_run_2023):
    fig02 = pd.read_csv(_processed(full_run_2023) / "fig02_place_share_by_provider_type.csv")
    shares = fig02.set_index("provider_type")["place_share"]
    state, independent = shares[list(STATE)].sum(), shares[list(INDEPENDENT)].sum()
    assert state < 78 and independent > 14  # 2018's published shares
    odds_ratio = (independent / state) / ODDS_2018
    assert odds_ratio == pytest.approx(ANNEX_ODDS_RATIO, rel=0.25)


def test_pupil_mix_shifts_in_every_phase(full_run_2023):
    fig19 = pd.read_csv(_processed(full_run_2023) / "fig19_pupils_in_ap_by_provider_group_and_phase.csv")
    state = fig19[fig19["provider_group"] == "State-funded AP"].set_index("phase")["pupil_share"]
    # 2018 published state-funded pupil shares by phase (Figure 19): 87, 82, 75, 44.
    for phase, was in zip(
        ["Primary (KS1-2)", "Key Stage 3", "Key Stage 4", "Post-16 (KS5)"], [87, 82, 75, 44], strict=True
    ):
        assert state[phase] < was, phase


def test_la_values_follow_real_2023_ap_size(full_run_2023):
    m = P.measures(P.la_table(_processed(full_run_2023), AP_FILE, 202223))
    assert m["spearman_pupils_placed_vs_real_ap_pupils"] >= 0.4
    assert m["spearman_pru_places_vs_real_pru_headcount"] >= 0.4
    assert m["spearman_pupils_placed_vs_secondary_headcount"] >= 0.3
