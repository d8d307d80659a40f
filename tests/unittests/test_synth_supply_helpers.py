"""Generator helpers added for the plausibility targets (issue 9.1), on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.synth.supply import _keep_group_sums, pru_anchor_weight


def test_clipping_is_given_back_within_the_group_to_its_free_las():
    before = np.array([10.0, 20.0, 30.0, 40.0])
    after = np.array([10.0, 15.0, 30.0, 40.0])  # LA 2 clipped from 20 to 15
    ok = np.array([True, True, True, True])
    free = np.array([True, False, True, True])
    groups = np.array(["a", "a", "b", "b"])
    out = _keep_group_sums(before, after, ok, free, groups)
    # group a lost 5; its only free LA (10) gets it all: 10 x (1 + 5 / 10) = 15
    assert out.tolist() == [15.0, 15.0, 30.0, 40.0]
    assert out[:2].sum() == before[:2].sum() and out[2:].sum() == before[2:].sum()


def test_pru_places_follow_the_real_ap_school_headcount_within_five_and_95_percent():
    las = pd.DataFrame({"ap_school_headcount": [100.0, 200.0, 2000.0, np.nan]}, index=list("ABCD"))
    w = pd.DataFrame(
        {"pru": [1.0, 1.0, 1.0, 2.0], "ap_academy": [1.0, 1.0, 1.0, 1.0], "ap_free_school": 0.0},
        index=las.index,
    )
    uses = pd.DataFrame({"pru": [True, True, True, True]}, index=las.index)
    totals = pd.DataFrame({"primary": [0.0] * 4, "secondary": [1000.0] * 4}, index=las.index)
    shares = pd.DataFrame({"state_funded": [1.0] * 4}, index=las.index)
    # PRU places wanted: 43.75% of 4000 = 1750 = k x (100 + 200) + min(2000 k, 950) + half of D's 1000,
    # so k = 1: A 100 (10%), B 200 (20%), C at the 95% ceiling; D has no headcount: its weight is kept
    weight = pru_anchor_weight(w, uses, totals, shares, las, share=0.4375)
    frac = weight / (weight + w["ap_academy"])  # PRU share of the LA's state-funded places
    assert frac[["A", "B", "C"]].tolist() == pytest.approx([0.10, 0.20, 0.95], rel=1e-6)
    assert weight["D"] == 2.0
