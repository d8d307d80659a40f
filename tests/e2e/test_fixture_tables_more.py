"""Hand-computed expectations for the fixture tables that test_fixture_tables.py and
test_fixture_wave.py do not check: Figures 20, 23, 26, 27 and 34 and the prose tables.

Most of these tables need answers the five-LA fixture (tests/fixtures/fixture_wave.py) leaves
blank, so this module runs the fixture with the answers below added (``MORE``); every answer of
the fixture is kept, so the per-LA concepts of its docstring (models, pupils placed, costs and
their weights, SEMH provision, EHE) still hold. The other modules keep the fixture as it is.

What each LA adds (phases primary/ks3/ks4; leaver groups ks3/year11/ks5)::

    LA  placement reasons (pupils)                      types of place (pupils)
    A   KS3 preventative 10, pex 20, health 10 = 40     KS3 full-time 30, split mainstream 10 = 40
        KS4 preventative 20, pex 40, health 10,         KS4 full-time 50, split mainstream 20,
            not known 10 = 80                               reduced timetable 10 = 80
    B   KS3 preventative 12, pex 20, in-year 8 = 40     KS4 full-time 40, split mainstream 20 = 60
        KS4 preventative 10, pex 30, other 20 = 60
    D   primary health 5, pex 5 = 10;                   -
        KS3 preventative 3, pex 10, health 7 = 20
    E   -                                               KS3 full-time 60, split mainstream 20 = 80
                                                        KS4 full-time 100, split mainstream 30,
                                                            split other AP 10 = 140

    LA  destinations of leavers (pupils)
    A   KS3 mainstream school 10, other AP 10 = 20; Year 11 FE 20, employment 10, NEET 5,
        not known 5 = 40
    B   KS3 mainstream school 6, special school 2, other AP 2 = 10; Year 11 FE 30, employment 5,
        NEET 5 = 40
    D   Year 11 FE 10, NEET 10 = 20; KS5 employment 4, NEET 1 = 5

    LA  exclusion arrangement      SEMH model   EHC assess.%  EHCP pupils  delegated use
        (primary / secondary)                                              (info; % prim/sec/special)
    A   none / funding removed     integrated   10            25           holds; 10/40/50
    B   funding removed / charge   separate     30            -            can estimate; -/60/100
        (secondary charge 4,000)
    C   - / none                   separate     40            -            no
    D   - / charge (6,000)         -            50            5            holds; 20/50/0
    E   - / unspecified            combined     20            60           -

    LA  other services (tuition/pupil)  post-16   not in full-time education (in AP)   reviewing  schools' own use
    A   commission (5,000)              yes       10/20/30 (5/10/15)                   yes        increased
    B   commission (8,000)              no        5/15/20 (1/5/10)                     no         increased
    C   do not commission               -         -                                    yes        no information
    D   -                               yes       -                                    yes        same
    E   commission (12,000)             not sure  -                                    -          decreased

From the fixture (docstring of fixture_wave.py and test_fixture_tables.py): secondary models
A devolved (partial), C devolved (full), B, D, E centralised; SEMH provision A, B, D yes;
spend vs budget A in line, B C more, D can't say; D disagrees with all six self-evaluation
statements; pupils placed (secondary) A 150, B 160, C 22, D 36, E 230, (primary) A 30, C 3, E 40;
census headcounts primary / secondary A 26,793 / 15,962, B 21,549 / 11,755, C 13,580 / 12,927,
D 31,755 / 25,587, E 116,573 / 79,001.

Intervals (docs/methods.md, "Uncertainty"): N = 152 LAs in the frame, n the LAs in the
estimate, fpc = 1 - n/N, 95% interval = estimate +/- t(0.975, n - 1) x se, shares clipped to
[0, 100], costs at 0; one worked cell per table. t quantiles (statistical tables):
t(0.975, 1) = 12.7062, t(0.975, 2) = 4.3027, t(0.975, 3) = 3.1824, t(0.975, 4) = 2.7764.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import A, B, C, D, E
from ..fixtures.project import build_project

N = 152
T = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764}

# fmt: off
MORE: dict[str, dict[str, object]] = {
    A: {
        "placement_reasons__preventative__ks3": 10, "placement_reasons__permanent_exclusion__ks3": 20,
        "placement_reasons__health__ks3": 10,
        "placement_reasons__preventative__ks4": 20, "placement_reasons__permanent_exclusion__ks4": 40,
        "placement_reasons__health__ks4": 10, "placement_reasons__not_known__ks4": 10,
        "place_types__full_time_single_ap__ks3": 30, "place_types__split_with_mainstream__ks3": 10,
        "place_types__full_time_single_ap__ks4": 50, "place_types__split_with_mainstream__ks4": 20,
        "place_types__reduced_timetable__ks4": 10,
        "destinations__mainstream_school__ks3": 10, "destinations__other_ap__ks3": 10,
        "destinations__fe_college__year11": 20, "destinations__employment__year11": 10,
        "destinations__neet__year11": 5, "destinations__not_known__year11": 5,
        "pex_financial_arrangement__primary": "none", "pex_financial_arrangement__secondary": "funding_removed",
        "semh_ap_model": "integrated", "ehc_assessment_share": 10, "ehcp_pupils_in_ap": 25,
        "delegated_use_information": "holds",
        "delegated_use_school_share__primary": 10, "delegated_use_school_share__secondary": 40,
        "delegated_use_school_share__special": 50,
        "other_services": "commission", "tuition_cost_per_pupil": 5000,
        "post16_placements": "yes",
        "not_full_time__primary": 10, "not_full_time__ks3": 20, "not_full_time__ks4": 30,
        "not_full_time_in_ap__primary": 5, "not_full_time_in_ap__ks3": 10, "not_full_time_in_ap__ks4": 15,
        "reviewing_ap_system": "yes", "delegated_use_change": "increased",
    },
    B: {
        "placement_reasons__preventative__ks3": 12, "placement_reasons__permanent_exclusion__ks3": 20,
        "placement_reasons__in_year_arrival__ks3": 8,
        "placement_reasons__preventative__ks4": 10, "placement_reasons__permanent_exclusion__ks4": 30,
        "placement_reasons__other__ks4": 20,
        "place_types__full_time_single_ap__ks4": 40, "place_types__split_with_mainstream__ks4": 20,
        "destinations__mainstream_school__ks3": 6, "destinations__special_school__ks3": 2,
        "destinations__other_ap__ks3": 2,
        "destinations__fe_college__year11": 30, "destinations__employment__year11": 5,
        "destinations__neet__year11": 5,
        "pex_financial_arrangement__primary": "funding_removed",
        "pex_financial_arrangement__secondary": "additional_charge", "pex_charge_amount__secondary": 4000,
        "semh_ap_model": "separate", "ehc_assessment_share": 30,
        "delegated_use_information": "can_estimate",
        "delegated_use_school_share__secondary": 60, "delegated_use_school_share__special": 100,
        "other_services": "commission", "tuition_cost_per_pupil": 8000,
        "post16_placements": "no",
        "not_full_time__primary": 5, "not_full_time__ks3": 15, "not_full_time__ks4": 20,
        "not_full_time_in_ap__primary": 1, "not_full_time_in_ap__ks3": 5, "not_full_time_in_ap__ks4": 10,
        "reviewing_ap_system": "no", "delegated_use_change": "increased",
    },
    C: {
        "pex_financial_arrangement__secondary": "none",
        "semh_ap_model": "separate", "ehc_assessment_share": 40,
        "delegated_use_information": "no",
        "other_services": "do_not_commission",
        "reviewing_ap_system": "yes", "delegated_use_change": "no_information",
    },
    D: {
        "placement_reasons__health__primary": 5, "placement_reasons__permanent_exclusion__primary": 5,
        "placement_reasons__preventative__ks3": 3, "placement_reasons__permanent_exclusion__ks3": 10,
        "placement_reasons__health__ks3": 7,
        "destinations__fe_college__year11": 10, "destinations__neet__year11": 10,
        "destinations__employment__ks5": 4, "destinations__neet__ks5": 1,
        "pex_financial_arrangement__secondary": "additional_charge", "pex_charge_amount__secondary": 6000,
        "ehc_assessment_share": 50, "ehcp_pupils_in_ap": 5,
        "delegated_use_information": "holds",
        "delegated_use_school_share__primary": 20, "delegated_use_school_share__secondary": 50,
        "delegated_use_school_share__special": 0,
        "post16_placements": "yes",
        "reviewing_ap_system": "yes", "delegated_use_change": "same",
    },
    E: {
        "place_types__full_time_single_ap__ks3": 60, "place_types__split_with_mainstream__ks3": 20,
        "place_types__full_time_single_ap__ks4": 100, "place_types__split_with_mainstream__ks4": 30,
        "place_types__split_with_other_ap__ks4": 10,
        "pex_financial_arrangement__secondary": "unspecified",
        "semh_ap_model": "combined", "ehc_assessment_share": 20, "ehcp_pupils_in_ap": 60,
        "other_services": "commission", "tuition_cost_per_pupil": 12000,
        "post16_placements": "not_sure",
        "delegated_use_change": "decreased",
    },
}
# fmt: on


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    settings = build_project(tmp_path_factory.mktemp("tables_more"))
    answers = fw.answers_copy()
    for la, extra in MORE.items():
        answers[la].update(extra)
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=answers)
    assert run(settings, until="analyse", workers=1, quiet=True) == 0
    values = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")
    return settings, values


def v(values, id_):
    return values.loc[id_, "value"]


def n(values, id_):
    return values.loc[id_, "n_las"]


def table(settings, stem: str, index) -> pd.DataFrame:
    """An open-data table as written (rounded, labelled, GSS symbols), indexed by its filters."""
    t = pd.read_csv(settings.processed_dir / f"{stem}.csv", dtype=str, keep_default_na=False)
    return t.set_index(index)


def cells(row: pd.Series, *columns: str) -> list[str]:
    return [row[c] for c in columns]


# ------------------------------------------------------------------------------------------------
# The exact list: every table the wave writes, and the test that checks it by hand

CHECKED_ELSEWHERE = {
    # tests/e2e/test_fixture_tables.py (the fixture as it is)
    "fig01_reasons_ap_is_used",
    "fig02_place_share_by_provider_type",
    "fig03_places_per_10k_by_provider_type",
    "fig04_las_by_state_funded_share",
    "fig05_place_share_by_phase",
    "fig06_place_share_by_phase_and_provider_type",
    "fig12_pupils_in_ap_by_sen_status",
    "fig13_semh_places_by_phase",
    "fig14_ap_places_by_semh_provision",
    "fig16_decision_making_by_phase",
    "fig19_pupils_in_ap_by_provider_group_and_phase",
    "fig24_first_or_previous_placement",
    "fig25_placement_length",
    "fig29_change_in_permanent_exclusion",
    "fig32_secondary_ap_and_ehe_by_model",
    "fig33_places_per_10k_by_provider_type_and_model",
    "fig35_self_evaluation",
    "fig36_self_evaluation_las_schools_providers",
    "txt_centralised_devolved",
    "txt_demand_change",
    "txt_demand_outlook",
    "txt_provider_mix",
    "txt_provision_by_phase",
    "txt_pupils_journeys",
    "txt_reintegration",
    "txt_spend_vs_budget",
    "txt_strategic_planning",
    # tests/e2e/test_fixture_wave.py (costs)
    "fig08_cost_by_provider_type",
    "fig09_cost_by_phase",
    "fig10_cost_by_level_of_ap_use",
    "fig11_cost_by_number_of_providers",
    "sens_cost_without_fallback",
}
CHECKED_HERE = {
    "fig20_reasons_for_placement_by_phase": "test_fig20_reasons_by_phase",
    "fig23_type_of_place_by_phase": "test_fig23_type_of_place",
    "fig26_destinations_after_ap": "test_fig26_destinations",
    "fig27_any_mainstream_destination": "test_fig27_any_mainstream",
    "fig34_cost_by_decision_making_model": "test_fig34_cost_by_model",
    "txt_ap_sen": "test_txt_ap_sen",
    "txt_approach": "test_txt_approach",
    "txt_changing_demand": "test_txt_changing_demand",
    "txt_delegated_use": "test_txt_delegated_use",
    "txt_devolved_vs_centralised": "test_txt_devolved_vs_centralised",
    "txt_ehc_assessment": "test_txt_ehc_assessment",
    "txt_other_services": "test_txt_other_services",
    "txt_pex_financial_arrangements": "test_txt_pex_financial_arrangements",
    "txt_public_context": "test_txt_public_context",
    "txt_pupils_placed": "test_txt_pupils_placed",
    "txt_reviewing_ap_system": "test_txt_reviewing_ap_system",
    "txt_semh_interface": "test_txt_semh_interface",
    "txt_semh_models": "test_txt_semh_models",
    "txt_strategic_plan": "test_txt_strategic_plan",
    "nonresponse_headline_estimates": "test_nonresponse_headline_unweighted",
    "nonresponse_grossed_up_totals": "test_nonresponse_expansion_total",
}
# Not checked by hand: respondents against all 152 LAs of the frame (frame means and
# standardised differences of real context data, not of the fixture's answers).
NOT_BY_HAND = {"nonresponse_respondents_vs_frame"}


def test_every_table_is_written_and_checked(wave):
    settings, _ = wave
    skipped = pd.read_csv(settings.processed_dir / "skipped_tables.csv")
    assert skipped.empty, skipped.to_dict("records")  # the added answers leave no table skipped
    written = {p.name.removesuffix(".meta.csv") for p in settings.processed_dir.glob("*.meta.csv")}
    assert written == CHECKED_ELSEWHERE | set(CHECKED_HERE) | NOT_BY_HAND
    assert set(CHECKED_HERE.values()) <= set(globals()), "every table names a test of this module"


# ------------------------------------------------------------------------------------------------
# Figures 20, 23, 26, 27 (pooled shares of pupils)


def test_fig20_reasons_by_phase(wave):
    settings, values = wave
    # KS3 (A, B, D): A 10/20/10 = 40, B 12/20/8 = 40, D 3/10/7 = 20 -> 100 pupils;
    # preventative 10 + 12 + 3 = 25 -> 25%; permanent exclusion 20 + 20 + 10 = 50%;
    # health 10 + 7 = 17%; in-year arrival 8%
    assert v(values, "fig20.reason_share.ks3.preventative") == pytest.approx(25)
    assert v(values, "fig20.reason_share.ks3.permanent_exclusion") == pytest.approx(50)
    assert v(values, "fig20.reason_share.ks3.health") == pytest.approx(17)
    assert v(values, "fig20.reason_share.ks3.in_year_arrival") == pytest.approx(8)
    assert n(values, "fig20.reason_share.ks3.preventative") == 3
    # KS4 (A, B): 80 + 60 = 140; preventative 20 + 10 = 30; other B 20; not known A 10
    assert v(values, "fig20.reason_share.ks4.preventative") == pytest.approx(100 * 30 / 140)
    assert v(values, "fig20.reason_share.ks4.other") == pytest.approx(100 * 20 / 140)
    assert v(values, "fig20.reason_share.ks4.not_known") == pytest.approx(100 * 10 / 140)
    assert v(values, "fig20.n_las.primary") == 1  # D only
    assert v(values, "fig20.n_las.ks3") == 3
    assert v(values, "fig20.n_las.ks4") == 2
    assert v(values, "fig20.n_las.any_phase") == 3
    # health over the school-age phases: primary D 5/10 = 50%, KS3 17%, KS4 A 10/140 = 7.14%
    assert v(values, "fig20.reason_share.school_age.health.min") == pytest.approx(100 * 10 / 140)
    assert v(values, "fig20.reason_share.school_age.health.max") == pytest.approx(50)
    # interval of KS3 preventative, a ratio of per-LA totals y / x: A 10/40, B 12/40, D 3/20;
    # R = 0.25; e = y - R x: A 10 - 10 = 0, B 12 - 10 = 2, D 3 - 5 = -2; sum e^2 = 8;
    # n = 3, xbar = 100/3, fpc = 1 - 3/152 = 149/152;
    # var = fpc x 8 / ((n - 1) n xbar^2) = 0.98026 x 8 / (2 x 3 x 1,111.11) = 0.0011763, se = 0.034297;
    # 0.25 +/- 4.3027 x 0.034297 = 0.25 +/- 0.14757 -> 10.24% to 39.76%
    se = math.sqrt((1 - 3 / N) * 8 / (2 * 3 * (100 / 3) ** 2))
    assert 100 * (0.25 - T[2] * se) == pytest.approx(10.24, abs=0.01)
    assert 100 * (0.25 + T[2] * se) == pytest.approx(39.76, abs=0.01)
    t = table(settings, "fig20_reasons_for_placement_by_phase", ["phase", "placement_reason"])
    prev = t.loc[("Key Stage 3", "Preventative (to avoid permanent exclusion)")]
    assert cells(prev, "share", "lower", "upper", "n_las", "reliability") == ["25", "10", "40", "3", "u"]
    # permanent exclusion is 50% in every LA (A 20/40, B 20/40, D 10/20): e = 0, no width
    pex = t.loc[("Key Stage 3", "Permanent exclusion")]
    assert cells(pex, "share", "lower", "upper") == ["50", "50", "50"]
    # primary: D alone -> a single LA's answer is not published
    health = t.loc[("Primary (KS1-2)", "Health-related (physical or mental health)")]
    assert cells(health, "share", "lower", "upper", "n_las", "reliability") == ["c", "c", "c", "1", "c"]
    assert cells(t.loc[("Key Stage 4", "Total")], "share", "lower", "n_las") == ["100", "x", "2"]


def test_fig23_type_of_place(wave):
    settings, values = wave
    # KS4 (A, B, E): A 50/20/-/10 = 80, B 40/20 = 60, E 100/30/10 = 140 -> 280 pupils;
    # full-time 190 -> 67.86%; split with mainstream 20 + 20 + 30 = 70 -> 25%; other AP 10 -> 3.57%
    assert v(values, "fig23.place_type_share.ks4.full_time_single_ap") == pytest.approx(100 * 190 / 280)
    assert v(values, "fig23.place_type_share.ks4.split_with_mainstream") == pytest.approx(25)
    assert v(values, "fig23.place_type_share.ks4.split_with_other_ap") == pytest.approx(100 * 10 / 280)
    assert n(values, "fig23.place_type_share.ks4.split_with_mainstream") == 3
    assert v(values, "fig23.place_type_share.ks4.split_with_mainstream.exec_summary") == pytest.approx(25)
    # KS3 (A, E): 40 + 80 = 120, split 10 + 20 = 30 -> 25%
    assert v(values, "fig23.place_type_share.ks3.split_with_mainstream") == pytest.approx(25)
    assert n(values, "fig23.place_type_share.ks3.split_with_mainstream") == 2
    # 'All' pools every phase an LA gave: A 120, B 60, E 220 = 400; full-time 80 + 40 + 160 = 280
    assert v(values, "fig23.place_type_share.all.full_time_single_ap") == pytest.approx(70)
    assert n(values, "fig23.place_type_share.all.full_time_single_ap") == 3
    # school-age bases: KS3 2, KS4 3 (nobody gave primary)
    assert v(values, "fig23.n_las.school_age.min") == 2
    assert v(values, "fig23.n_las.school_age.max") == 3
    # interval of KS4 split with mainstream: A 20/80, B 20/60, E 30/140; R = 0.25;
    # e: A 20 - 20 = 0, B 20 - 15 = 5, E 30 - 35 = -5; sum e^2 = 50; n = 3, xbar = 280/3;
    # var = (149/152) x 50 / (2 x 3 x 93.33^2) = 0.00093775, se = 0.030623;
    # 0.25 +/- 4.3027 x 0.030623 = 0.25 +/- 0.13176 -> 11.82% to 38.18%
    se = math.sqrt((1 - 3 / N) * 50 / (2 * 3 * (280 / 3) ** 2))
    assert 100 * (0.25 - T[2] * se) == pytest.approx(11.82, abs=0.01)
    assert 100 * (0.25 + T[2] * se) == pytest.approx(38.18, abs=0.01)
    t = table(settings, "fig23_type_of_place_by_phase", ["phase", "place_type"])
    split = t.loc[("Key Stage 4", "Split with mainstream")]
    assert cells(split, "share", "lower", "upper", "n_las") == ["25", "12", "38", "3"]
    assert t.loc[("Key Stage 4", "Full-time, single AP"), "share"] == "68"  # 67.86
    # KS3: both LAs place a quarter split (A 10/40, E 20/80): e = 0, the interval has no width
    assert cells(t.loc[("Key Stage 3", "Split with mainstream")], "share", "lower", "upper") == ["25"] * 3
    assert t.loc[("All phases", "Full-time, single AP"), "share"] == "70"
    assert "Primary (KS1-2)" not in t.index.get_level_values("phase")


def test_fig26_destinations(wave):
    settings, values = wave
    # Year 11 (A, B, D): A 20/10/5/5 = 40, B 30/5/5 = 40, D 10/-/10 = 20 -> 100 leavers;
    # FE 20 + 30 + 10 = 60%; employment 10 + 5 = 15%; NEET 5 + 5 + 10 = 20%; not known 5%
    assert v(values, "fig26.destination_share.year11.fe_college") == pytest.approx(60)
    assert v(values, "fig26.destination_share.year11.employment") == pytest.approx(15)
    assert v(values, "fig26.destination_share.year11.neet") == pytest.approx(20)
    assert v(values, "fig26.destination_share.year11.mainstream_school") == 0
    assert n(values, "fig26.destination_share.year11.fe_college") == 3
    # KS3 (A, B): 20 + 10 = 30; mainstream 10 + 6 = 16; special 2; other AP 10 + 2 = 12
    assert v(values, "fig26.destination_share.ks3.mainstream_school") == pytest.approx(100 * 16 / 30)
    assert v(values, "fig26.destination_share.ks3.other_ap") == pytest.approx(40)
    assert v(values, "fig26.n_las.ks3") == 2
    assert v(values, "fig26.n_las.year11") == 3
    assert v(values, "fig26.n_las.ks5") == 1
    # interval of Year 11 FE: A 20/40, B 30/40, D 10/20; R = 0.6; e: A 20 - 24 = -4,
    # B 30 - 24 = 6, D 10 - 12 = -2; sum e^2 = 56; n = 3, xbar = 100/3;
    # var = (149/152) x 56 / (2 x 3 x 1,111.11) = 0.0082342, se = 0.090742;
    # 0.6 +/- 4.3027 x 0.090742 = 0.6 +/- 0.39043 -> 20.96% to 99.04%
    se = math.sqrt((1 - 3 / N) * 56 / (2 * 3 * (100 / 3) ** 2))
    assert 100 * (0.6 - T[2] * se) == pytest.approx(20.96, abs=0.01)
    assert 100 * (0.6 + T[2] * se) == pytest.approx(99.04, abs=0.01)
    t = table(settings, "fig26_destinations_after_ap", ["leaver_group", "destination"])
    fe = t.loc[("Year 11", "FE college or other further education")]
    assert cells(fe, "share", "lower", "upper", "n_las", "reliability") == ["60", "21", "99", "3", "u"]
    assert t.loc[("Key Stage 3", "Returned to previous or another mainstream school"), "share"] == "53"
    assert t.loc[("Post-16 (KS5)", "Employment or training"), "share"] == "c"  # D alone
    assert "Year 10" not in t.index.get_level_values("leaver_group")  # nobody gave Year 10


def test_fig27_any_mainstream(wave):
    settings, values = wave
    # any mainstream = mainstream school + FE: KS3 (16 + 0) / 30 = 53.33%; Year 11 (0 + 60) / 100
    assert v(values, "fig27.destination_share.ks3.any_mainstream") == pytest.approx(100 * 16 / 30)
    assert v(values, "fig27.destination_share.year11.any_mainstream") == pytest.approx(60)
    assert n(values, "fig27.destination_share.year11.any_mainstream") == 3
    # with employment: KS3 53.33%, Year 11 60 + 15 = 75%; KS5 (D) employment 4 of 5 = 80%
    assert v(values, "fig27.destination_share.ks5.any_mainstream_or_employment") == pytest.approx(80)
    assert n(values, "fig27.destination_share.ks5.any_mainstream_or_employment") == 1
    assert v(values, "fig27.destination_share.school_age.any_mainstream_or_employment.min") == pytest.approx(
        100 * 16 / 30
    )
    assert v(values, "fig27.destination_share.school_age.any_mainstream_or_employment.max") == pytest.approx(
        75
    )
    t = table(settings, "fig27_any_mainstream_destination", ["leaver_group", "measure"])
    y11 = t.loc[("Year 11", "Any mainstream destination or employment")]
    # no interval is computed for these sums of shares (docs/methods.md): x
    assert cells(y11, "share", "lower", "upper", "n_las") == ["75", "x", "x", "3"]
    assert t.loc[("Key Stage 3", "Any mainstream destination"), "n_las"] == "2"
    assert t.loc[("Post-16 (KS5)", "Any mainstream destination or employment"), "share"] == "c"


# ------------------------------------------------------------------------------------------------
# Figure 34: place-weighted cost by model (the cost cells and weights of test_fixture_wave.py)


def test_fig34_cost_by_model(wave):
    settings, values = wave
    # devolved A, C; centralised B, D (E gave no costs). Type costs x weights:
    #   A pru 18,000 x 60, A ind_reg 25,000 x 10; C pru 22,000 x 40 (fallback), C ind_unreg 30,000 x 1
    #   B pru 19,000 x 40; D pru 15,000 x 20, D apfs 20,000 x 10, D ind_reg 35,000 x 10
    # devolved all: (1,080,000 + 250,000 + 880,000 + 30,000) / (60 + 10 + 40 + 1) = 2,240,000 / 111
    # = 20,180.18; centralised all: (760,000 + 300,000 + 200,000 + 350,000) / 80 = 20,125
    devolved = 2_240_000 / 111
    assert v(values, "fig34.average_cost.all.devolved") == pytest.approx(devolved)
    assert v(values, "fig34.average_cost.all.centralised") == pytest.approx(20_125)
    assert n(values, "fig34.average_cost.all.devolved") == 2
    assert v(values, "fig34.average_cost.all.devolved_vs_centralised") == pytest.approx(devolved - 20_125)
    # PRU: devolved (1,080,000 + 880,000) / 100 = 19,600; centralised (760,000 + 300,000) / 60 = 17,666.67
    assert v(values, "fig34.average_cost.pru.devolved_vs_centralised") == pytest.approx(
        19_600 - 1_060_000 / 60
    )
    # interval of the devolved average, per LA y = sum(cost x weight), x = sum(weight):
    # A 1,330,000 / 70, C 910,000 / 41; R = 20,180.18; e_A = 1,330,000 - 70 R = -82,612.6,
    # e_C = 910,000 - 41 R = +82,612.6; sum e^2 = 1.36497e10; n = 2, xbar = 55.5, fpc = 150/152;
    # var = 0.98684 x 1.36497e10 / (1 x 2 x 3,080.25) = 2,186,536, se = 1,478.7;
    # 20,180.18 +/- 12.7062 x 1,478.7 = +/- 18,788.5 -> 1,391.7 to 38,968.7
    e = 1_330_000 - 70 * devolved
    se = math.sqrt((1 - 2 / N) * 2 * e**2 / (1 * 2 * 55.5**2))
    assert devolved - T[1] * se == pytest.approx(1_391.7, abs=1)
    assert devolved + T[1] * se == pytest.approx(38_968.7, abs=1)
    t = table(settings, "fig34_cost_by_decision_making_model", ["provider_type", "la_model"])
    total = t.loc[("Total", "Devolved")]
    assert cells(total, "average_cost", "lower", "upper", "n_las", "reliability") == [
        "20180",
        "1392",
        "38969",
        "2",
        "u",
    ]
    assert t.loc[("Total", "Centralised"), "average_cost"] == "20125"
    assert t.loc[("Pupil referral unit (PRU)", "Centralised"), "average_cost"] == "17667"
    # the PRU interval reaches below 0 and is clipped: 19,600 - 12.7062 x se < 0
    assert t.loc[("Pupil referral unit (PRU)", "Devolved"), "lower"] == "0"
    # AP free school: D alone -> c; AP academy: nobody -> x with base 0
    assert t.loc[("AP free school", "Centralised"), "average_cost"] == "c"
    assert cells(t.loc[("AP academy", "Devolved")], "average_cost", "n_las") == ["x", "0"]


# ------------------------------------------------------------------------------------------------
# Prose tables


def test_txt_ap_sen(wave):
    _, values = wave
    # EHCP pupils placed in AP (fixture): A yes, B not sure, C yes, D no, E yes -> 5 LAs
    assert v(values, "txt.ap_sen.ehcp_ap_use.n_las") == 5
    assert v(values, "txt.ap_sen.ehcp_ap_use.la_share.yes") == pytest.approx(60)
    assert v(values, "txt.ap_sen.ehcp_ap_use.la_share.not_sure") == pytest.approx(20)
    assert v(values, "txt.ap_sen.ehcp_ap_use.la_share.no") == pytest.approx(20)
    # EHCP pupils in AP: A 25, D 5, E 60 -> mean 90 / 3 = 30
    assert v(values, "txt.ap_sen.ehcp_pupils_in_ap_per_la") == pytest.approx(30)
    assert n(values, "txt.ap_sen.ehcp_pupils_in_ap_per_la") == 3


def test_txt_semh_models(wave):
    _, values = wave
    # of all 5 respondents: separate B, C (40%); integrated A, combined E (20% each); D blank
    assert v(values, "txt.semh_models.la_share.semh_separate") == pytest.approx(40)
    assert v(values, "txt.semh_models.la_share.semh_integrated") == pytest.approx(20)
    assert v(values, "txt.semh_models.la_share.semh_combined") == pytest.approx(20)
    assert v(values, "txt.semh_models.la_share.semh_other_arrangements") == 0
    assert v(values, "txt.semh_models.la_share.semh_not_stated") == pytest.approx(20)
    assert v(values, "txt.semh_models.la_share.semh_integrated_or_combined") == pytest.approx(40)
    assert n(values, "txt.semh_models.la_share.semh_separate") == 5
    # specialist SEMH provision but no model given: D
    assert v(values, "txt.semh_models.la_count.provision_but_no_detail") == 1


def test_txt_ehc_assessment(wave):
    _, values = wave
    # integrated or combined: A 10%, E 20% -> mean 15 (the Figure 15 quote, min and max alike)
    assert v(values, "fig15.la_quote.ap_students_undergoing_ehcp_application.min") == pytest.approx(15)
    assert v(values, "fig15.la_quote.ap_students_undergoing_ehcp_application.max") == pytest.approx(15)
    assert n(values, "fig15.la_quote.ap_students_undergoing_ehcp_application.min") == 2
    # the others: B 30 and C 40 (separate), D 50 (no model stated) -> 120 / 3 = 40
    assert v(values, "txt.ehc_assessment.mean_share.other_models") == pytest.approx(40)
    assert n(values, "txt.ehc_assessment.mean_share.other_models") == 3


def test_txt_semh_interface(wave):
    _, values = wave
    # groups: separate B, C; integrated or combined A, E (D gave no model)
    # secondary pupils placed per 10,000: B 160 / 11,755 = 136.11, C 22 / 12,927 = 17.02 -> 76.57;
    # A 150 / 15,962 = 93.97, E 230 / 79,001 = 29.11 -> 61.54
    separate = 10_000 * (160 / 11_755 + 22 / 12_927) / 2
    combined = 10_000 * (150 / 15_962 + 230 / 79_001) / 2
    assert (separate, combined) == pytest.approx((76.57, 61.54), abs=0.01)
    prefix = "txt.semh_interface.ap_pupils_per_10k.secondary"
    assert v(values, f"{prefix}.semh_separate") == pytest.approx(separate)
    assert v(values, f"{prefix}.semh_integrated_or_combined") == pytest.approx(combined)
    assert n(values, f"{prefix}.semh_separate") == 2
    # real secondary permanent-exclusion rates 2016/17 (data/raw/public/exclusions_2016_17_by_la.csv,
    # secondary_perm_excl_rate): B 0.16, C 0.16 -> 0.16; A 0.18, E 0.20 -> 0.19
    assert v(values, "txt.semh_interface.pex_rate.secondary.semh_separate") == pytest.approx(0.16)
    assert v(values, "txt.semh_interface.pex_rate.secondary.semh_integrated_or_combined") == pytest.approx(
        0.19
    )
    # SEMH places per 10,000 secondary pupils: only A (30 + 15 = 45) and B (20) gave SEMH places
    assert v(values, "txt.semh_interface.semh_pupils_per_10k.secondary.semh_separate") == pytest.approx(
        10_000 * 20 / 11_755
    )
    assert v(values, "txt.semh_interface.semh_pupils_per_10k.secondary.semh_integrated_or_combined") == (
        pytest.approx(10_000 * 45 / 15_962)
    )
    assert n(values, "txt.semh_interface.semh_pupils_per_10k.secondary.semh_separate") == 1


def test_txt_delegated_use(wave):
    _, values = wave
    # information: A holds, B can estimate, C no, D holds (E blank) -> 3 of 4
    assert v(values, "txt.delegated_use.la_share.holds_information") == pytest.approx(75)
    assert n(values, "txt.delegated_use.la_share.holds_information") == 4
    # % of schools placing: secondary A 40, B 60, D 50 -> 50; primary A 10, D 20 -> 15;
    # special A 50, B 100, D 0 -> 50
    assert v(values, "txt.delegated_use.school_share_placing.secondary") == pytest.approx(50)
    assert n(values, "txt.delegated_use.school_share_placing.secondary") == 3
    assert v(values, "txt.delegated_use.school_share_placing.primary") == pytest.approx(15)
    assert n(values, "txt.delegated_use.school_share_placing.primary") == 2
    assert v(values, "txt.delegated_use.school_share_placing.special") == pytest.approx(50)
    # special range without 0% and 100% answers: A's 50 alone
    assert v(values, "txt.delegated_use.school_share_placing.special.range.min") == pytest.approx(50)
    assert n(values, "txt.delegated_use.school_share_placing.special.range.max") == 1


def test_txt_other_services(wave):
    _, values = wave
    # of 5 respondents: commission A, B, E (3); do not commission C (1); D blank (1)
    assert v(values, "txt.other_services.n_las") == 4
    assert v(values, "txt.other_services.la_count.commission_services") == 3
    assert v(values, "txt.other_services.la_share.commission_services") == pytest.approx(60)
    assert v(values, "txt.other_services.la_share.no_services") == pytest.approx(20)
    assert v(values, "txt.other_services.la_count.no_response") == 1
    assert n(values, "txt.other_services.la_share.no_response") == 5
    # range: 3 of all 5 (60%) to 3 of the 4 answering (75%)
    assert v(values, "txt.other_services.la_share_commissioning.range.min") == pytest.approx(60)
    assert v(values, "txt.other_services.la_share_commissioning.range.max") == pytest.approx(75)
    assert n(values, "txt.other_services.la_share_commissioning.range.max") == 4
    # tuition per pupil: A 5,000, B 8,000, E 12,000
    assert v(values, "txt.other_services.tuition_cost_per_pupil.min") == 5_000
    assert v(values, "txt.other_services.tuition_cost_per_pupil.max") == 12_000
    assert n(values, "txt.other_services.tuition_cost_per_pupil.max") == 3


def test_txt_pupils_placed(wave):
    _, values = wave
    # post-16 placements: A yes, B no, D yes, E not sure (C blank) -> 4 LAs
    assert v(values, "txt.pupils_placed.post16_placements.la_share.yes") == pytest.approx(50)
    assert v(values, "txt.pupils_placed.post16_placements.la_share.not_sure") == pytest.approx(25)
    assert n(values, "txt.pupils_placed.post16_placements.la_share.no") == 4
    # not in full-time education: A 10/20/30, B 5/15/20 -> 100; primary 15, KS3 35, KS4 50
    assert v(values, "txt.pupils_placed.not_full_time_education.n_las") == 2
    assert v(values, "txt.pupils_placed.not_full_time_education.total") == 100
    assert v(values, "txt.pupils_placed.not_full_time_education.phase_share.ks3") == pytest.approx(35)
    # of those in AP: primary (5 + 1) / 15 = 40%; KS3 (10 + 5) / 35 = 42.86%; KS4 (15 + 10) / 50 = 50%
    assert v(values, "txt.pupils_placed.not_full_time_education.in_ap_share.primary") == pytest.approx(40)
    assert v(values, "txt.pupils_placed.not_full_time_education.in_ap_share.ks3") == pytest.approx(
        100 * 15 / 35
    )
    assert v(values, "txt.pupils_placed.not_full_time_education.in_ap_share.ks4") == pytest.approx(50)
    # EHE (fixture): A 40 + 80, B 100, C 65, D 128 = 413 from 4 LAs (E blank);
    # England: 413 x 152 / 4 = 15,694 (a whole number, nothing to truncate)
    assert v(values, "txt.pupils_placed.ehe.total") == 413
    assert n(values, "txt.pupils_placed.ehe.total") == 4
    assert v(values, "txt.pupils_placed.ehe.extrapolated_england") == 15_694
    assert v(values, "txt.pupils_placed.ehe.phase_share.primary") == pytest.approx(100 * 40 / 413)
    # per 10,000 primary pupils: A 40 / 26,793 = 14.93, B, C, D 0 (answered, no primary) -> 3.73
    assert v(values, "txt.pupils_placed.ehe.per_10k.primary") == pytest.approx(10_000 * 40 / 26_793 / 4)
    # secondary: 80 / 15,962 = 50.12, 100 / 11,755 = 85.07, 65 / 12,927 = 50.28,
    # 128 / 25,587 = 50.03 (per 10,000) -> 235.50 / 4 = 58.87
    secondary = 10_000 * (80 / 15_962 + 100 / 11_755 + 65 / 12_927 + 128 / 25_587) / 4
    assert secondary == pytest.approx(58.87, abs=0.01)
    assert v(values, "txt.pupils_placed.ehe.per_10k.secondary") == pytest.approx(secondary)
    assert n(values, "txt.pupils_placed.ehe.per_10k.secondary") == 4


def test_txt_reviewing_ap_system(wave):
    settings, values = wave
    # A yes, B no, C yes, D yes (E blank) -> 3 of 4
    assert v(values, "txt.strategic_planning.la_share.reviewing_ap_system") == pytest.approx(75)
    assert n(values, "txt.strategic_planning.la_share.reviewing_ap_system") == 4
    # interval: p = 0.75, n = 4, fpc = 148/152; var = fpc x p (1 - p) / (n - 1)
    # = 0.97368 x 0.1875 / 3 = 0.060855, se = 0.24669; 0.75 +/- 3.1824 x 0.24669 = +/- 0.78507
    # -> -0.035 to 1.535, clipped to 0% and 100%
    se = math.sqrt((1 - 4 / N) * 0.75 * 0.25 / 3)
    assert 0.75 - T[3] * se < 0 and 0.75 + T[3] * se > 1
    t = table(settings, "txt_reviewing_ap_system", "response")
    assert cells(t.loc["Yes"], "la_share", "lower", "upper", "n_las") == ["75", "0", "100", "4"]
    assert cells(t.loc["No"], "la_share", "n_las") == ["25", "4"]
    assert cells(t.loc["Total"], "la_share", "lower", "n_las") == ["100", "z", "4"]


def test_txt_changing_demand(wave):
    settings, values = wave
    # schools' own use: A, B increased, C no information, D same, E decreased -> 5 LAs
    prefix = "txt.changing_demand.schools_own_ap_use_3y.la_share"
    assert v(values, f"{prefix}.increased") == pytest.approx(40)
    assert v(values, f"{prefix}.decreased") == pytest.approx(20)
    assert v(values, f"{prefix}.same") == pytest.approx(20)
    assert v(values, f"{prefix}.no_information") == pytest.approx(20)
    assert v(values, "txt.changing_demand.schools_own_ap_use.n_las") == 5
    # interval of 'decreased': p = 0.2, n = 5, fpc = 147/152; var = 0.96711 x 0.16 / 4 = 0.038684,
    # se = 0.19668; 0.2 +/- 2.7764 x 0.19668 = 0.2 +/- 0.54607 -> -0.346 (clipped: 0%) to 74.6%
    se = math.sqrt((1 - 5 / N) * 0.2 * 0.8 / 4)
    assert 100 * (0.2 + T[4] * se) == pytest.approx(74.6, abs=0.05)
    t = table(settings, "txt_changing_demand", "response")
    assert cells(t.loc["Decreased"], "la_share", "lower", "upper", "n_las") == ["20", "0", "75", "5"]
    assert cells(t.loc["Increased"], "la_share", "upper") == ["40", "100"]


def test_txt_strategic_plan(wave):
    settings, values = wave
    # pupils placed per 10,000 primary pupils: A 30 / 26,793 = 11.197, B 0, C 3 / 13,580 = 2.209,
    # D 0, E 40 / 116,573 = 3.431 -> 16.837 / 5 = 3.367
    primary = 10_000 * (30 / 26_793 + 3 / 13_580 + 40 / 116_573) / 5
    assert primary == pytest.approx(3.367, abs=0.001)
    assert v(values, "txt.strategic_plan.pupils_per_10k.primary") == pytest.approx(primary)
    assert n(values, "txt.strategic_plan.pupils_per_10k.primary") == 5
    # Tukey fence over 0, 0, 2.209, 3.431, 11.197 (linear quantiles): Q1 = 0, Q3 = 3.431,
    # fence 3.431 + 1.5 x 3.431 = 8.578 -> lowest rate above it: A 11.197
    assert v(values, "txt.strategic_plan.pupils_per_10k.primary.outlier_threshold") == pytest.approx(
        10_000 * 30 / 26_793
    )
    # secondary: A 150 / 15,962 = 93.97, B 160 / 11,755 = 136.11, C 22 / 12,927 = 17.02,
    # D 36 / 25,587 = 14.07, E 230 / 79,001 = 29.11 -> 290.28 / 5 = 58.06
    secondary = 10_000 * (150 / 15_962 + 160 / 11_755 + 22 / 12_927 + 36 / 25_587 + 230 / 79_001) / 5
    assert secondary == pytest.approx(58.06, abs=0.01)
    assert v(values, "txt.strategic_plan.pupils_per_10k.secondary") == pytest.approx(secondary)
    # fence: Q1 = 17.02, Q3 = 93.97, 93.97 + 1.5 x 76.95 = 209.4: no LA above it
    assert math.isnan(v(values, "txt.strategic_plan.pupils_per_10k.secondary.outlier_threshold"))
    t = table(settings, "txt_strategic_plan", "measure")
    assert cells(t.loc["Pupils per 10k secondary"], "value", "n_las") == ["58.06", "5"]
    assert t.loc["Pupils per 10k secondary outlier threshold", "value"] == "x"


def test_txt_approach(wave):
    settings, values = wave
    # regions (data/raw/public/la_lookup_2018.csv): A Barking and Dagenham and D Barnet London,
    # B Yorkshire and The Humber, C South West, E West Midlands -> London 2 of 5 = 40%, others 20%
    assert v(values, "txt.approach.respondents.region_share.london") == pytest.approx(40)
    assert v(values, "txt.approach.respondents.region_share.north_west") == 0
    assert n(values, "txt.approach.respondents.region_share.london") == 5
    assert v(values, "txt.approach.respondents.regions_represented") == 4
    # rurality (data/raw/public/rural_urban_by_la.csv, broad_ruc11): all 'Predominantly Urban'
    # but C ('Urban with Significant Rural') -> urban 4 of 5
    assert v(values, "txt.approach.respondents.area_share.urban") == pytest.approx(80)
    assert v(values, "txt.approach.respondents.area_share.rural") == pytest.approx(20)
    t = table(settings, "txt_approach", "measure")
    assert t.loc["Respondents", "value"] == "5"
    assert t.loc["LAs in england", "value"] == "152"
    # one row per region of the respondents, shares adding to 100
    regions = t[t.index.str.contains("region", case=False)]
    assert sorted(regions["value"]) == ["20", "20", "20", "40"]
    assert regions.index.str.contains("London").sum() == 1


def test_txt_devolved_vs_centralised(wave):
    settings, values = wave
    # KS4 reasons: devolved A 20/40/10/-/-/-/10 of 80; centralised B 10/30/-/-/-/20/- of 60
    prefix = "txt.devolved_vs_centralised.reason_share.ks4"
    assert v(values, f"{prefix}.preventative.devolved") == pytest.approx(25)
    assert v(values, f"{prefix}.preventative.centralised") == pytest.approx(100 * 10 / 60)
    assert v(values, f"{prefix}.permanent_exclusion.devolved") == pytest.approx(50)
    assert n(values, f"{prefix}.permanent_exclusion.centralised") == 1
    # spend in line with budget: devolved A in line, C more -> 1 of 2; centralised B more,
    # D can't say (E blank) -> 0 of 2
    assert v(values, "txt.devolved_vs_centralised.spend_in_line_with_budget.devolved") == pytest.approx(50)
    assert v(values, "txt.devolved_vs_centralised.spend_in_line_with_budget.centralised") == 0
    assert n(values, "txt.devolved_vs_centralised.spend_in_line_with_budget.centralised") == 2
    # disagreeing: devolved A, C none (0%); centralised D of B, D, E (33.33%) -> 0 - 33.33
    assert v(values, "txt.devolved_vs_centralised.disagree_good_outcomes") == pytest.approx(-100 / 3)
    assert v(values, "txt.devolved_vs_centralised.disagree_responsive_to_local_needs") == pytest.approx(
        -100 / 3
    )
    t = table(settings, "txt_devolved_vs_centralised", ["measure", "model"])
    assert t.loc[("KS4 reason other", "Centralised"), "value"] == "33"  # B 20 / 60
    assert t.loc[("KS4 reason health", "Devolved"), "value"] == "13"  # A 10 / 80 = 12.5, half up
    assert t.loc[("Disagree value for money", "Centralised"), "value"] == "33"


def test_txt_pex_financial_arrangements(wave):
    settings, values = wave
    prefix = "txt.pex_financial_arrangements"
    # secondary (5 LAs): A funding removed, B charge, C none, D charge, E unspecified
    # -> any arrangement 4 of 5; of those 4: removal only 1 (25%), charge 2 (50%)
    assert v(values, f"{prefix}.la_share.secondary.any_arrangement") == pytest.approx(80)
    assert n(values, f"{prefix}.la_share.secondary.any_arrangement") == 5
    assert v(values, f"{prefix}.arrangement_share.secondary.awpu_removal_only") == pytest.approx(25)
    assert v(values, f"{prefix}.arrangement_share.secondary.additional_charge") == pytest.approx(50)
    assert n(values, f"{prefix}.arrangement_share.secondary.additional_charge") == 4
    # charges B 4,000, D 6,000 -> mean 5,000 (2 LAs); charging LAs of all answering: 2 of 5
    assert v(values, f"{prefix}.average_additional_charge.secondary") == pytest.approx(5_000)
    assert n(values, f"{prefix}.average_additional_charge.secondary") == 2
    assert v(values, f"{prefix}.la_share_contribution_beyond_awpu.secondary") == pytest.approx(40)
    # primary (2 LAs): A none, B funding removed -> 1 of 2; of that one: removal 100%; no charge
    assert v(values, f"{prefix}.la_share.primary.any_arrangement") == pytest.approx(50)
    assert n(values, f"{prefix}.la_share.primary.any_arrangement") == 2
    assert v(values, f"{prefix}.arrangement_share.primary.awpu_removal_only") == pytest.approx(100)
    assert math.isnan(v(values, f"{prefix}.average_additional_charge.primary"))
    assert v(values, f"{prefix}.la_share_contribution_beyond_awpu.primary") == 0
    t = table(settings, "txt_pex_financial_arrangements", "school_phase")
    sec = t.loc["Secondary"]
    assert cells(sec, "any_arrangement", "funding_removed", "additional_charge", "average_charge") == [
        "80",
        "25",
        "50",
        "5000",
    ]
    assert t.loc["Primary", "average_charge"] == "x"  # nobody charges for primary exclusions


def test_txt_public_context(wave):
    settings, values = wave
    # public data, read by hand: data/raw/public/exclusions_2016_17_by_la.csv, Birmingham
    # secondary_perm_excl 152; ..._national_regional.csv, England Secondary perm_excl_rate 0.2
    # (x 100 = 20 per 10,000), Primary 0.03
    assert v(values, "txt.case_birmingham.secondary_pex.count.2016_17") == 152
    assert v(values, "txt.reasons.national_pex_rate.secondary") == pytest.approx(0.2)
    assert v(values, "txt.reasons.national_pex_per_10k.secondary") == pytest.approx(20)
    assert v(values, "txt.reasons.national_pex_per_10k.primary") == pytest.approx(3)
    t = table(settings, "txt_public_context", ["measure", "source_table"])
    assert t.loc[("Case birmingham secondary pex count 2016 17", "LA"), "value"] == "152"


# ------------------------------------------------------------------------------------------------
# Non-response sensitivity tables (the unweighted side; the raking is tested in
# tests/unittests/test_nonresponse.py)

SECONDARY_RATES = [
    10_000 * k / p for k, p in ((150, 15_962), (160, 11_755), (22, 12_927), (36, 25_587), (230, 79_001))
]


def test_nonresponse_headline_unweighted(wave):
    settings, _ = wave
    t = table(settings, "nonresponse_headline_estimates", "measure")
    row = t.loc["Secondary pupils placed in AP per 10,000 secondary pupils (mean of LA rates)"]
    # rates 93.97, 136.11, 17.02, 14.07, 29.11 -> mean 58.06; deviations 35.92, 78.05, -41.04,
    # -43.99, -28.94 -> s^2 = 11,839 / 4 = 2,959.8; var = (147/152) x 2,959.8 / 5 = 572.5,
    # se = 23.93; upper 58.06 + 2.7764 x 23.93 = 124.49
    mean = sum(SECONDARY_RATES) / 5
    s2 = sum((r - mean) ** 2 for r in SECONDARY_RATES) / 4
    assert s2 == pytest.approx(2_959.8, abs=0.5)
    se = math.sqrt((1 - 5 / N) * s2 / 5)
    assert float(row["unweighted"]) == pytest.approx(mean, rel=1e-4)
    assert float(row["upper"]) == pytest.approx(mean + T[4] * se, rel=1e-3)
    assert row["n_las"] == "5"
    # share of LAs with a devolved model: A, C of 5 = 0.4 (a proportion in this table)
    devolved = t.loc["Share of LAs with a devolved decision-making model"]
    assert float(devolved["unweighted"]) == pytest.approx(0.4)


def test_nonresponse_expansion_total(wave):
    settings, _ = wave
    t = table(settings, "nonresponse_grossed_up_totals", "measure")
    # expansion total x N / n: places 450 from 4 LAs -> 450 x 152 / 4 = 17,100;
    # pupils placed 671 from 5 -> 20,398.4; EHE 413 from 4 -> 15,694
    places = t.loc["AP places commissioned by LAs"]
    assert cells(places, "n_las", "total_answering_las") == ["4", "450"]
    assert float(places["expansion"]) == pytest.approx(17_100)
    assert float(t.loc["Pupils placed in AP by LAs", "expansion"]) == pytest.approx(671 * 152 / 5)
    assert float(t.loc["Children in elective home education", "expansion"]) == pytest.approx(15_694)


# ------------------------------------------------------------------------------------------------
# Differences from docs/methods.md found by hand (reported; pipeline code not changed here).
# Not strict, so a fix merged from elsewhere does not fail the suite: an XPASS says the marker
# can go.

MISSING_BASES = [
    # table, filter columns, row, the base worked by hand
    ("txt_pex_financial_arrangements", "school_phase", "Secondary", "5"),  # A-E answered
    (
        "txt_devolved_vs_centralised",
        ["measure", "model"],
        ("KS4 reason preventative", "Centralised"),
        "1",
    ),  # B
    (
        "fig36_self_evaluation_las_schools_providers",
        ["statement", "respondent_type"],
        ("There are sufficient places in local AP", "LAs (survey returns)"),
        "5",
    ),
    ("txt_approach", "measure", "Region share London", "5"),  # share of the 5 respondents
]


@pytest.mark.xfail(
    reason="rows built without a base write n_las 'x' (docs/methods.md: every table has its base)"
)
@pytest.mark.parametrize(("stem", "index", "row", "base"), MISSING_BASES, ids=[m[0] for m in MISSING_BASES])
def test_base_written(wave, stem, index, row, base):
    settings, _ = wave
    assert table(settings, stem, index).loc[row, "n_las"] == base


def test_nonresponse_interval_of_rates_clipped_at_zero(wave):
    settings, _ = wave
    # docs/methods.md: bounds of means of non-negative values (rates) are clipped at 0;
    # 58.06 - 2.7764 x 23.93 = -8.37 should read 0
    t = table(settings, "nonresponse_headline_estimates", "measure")
    row = t.loc["Secondary pupils placed in AP per 10,000 secondary pupils (mean of LA rates)"]
    assert float(row["lower"]) == 0


def test_txt_approach_region_labels(wave):
    settings, _ = wave
    measures = table(settings, "txt_approach", "measure").index
    assert not any(m.startswith("region_share.") for m in measures)
    assert "Region share South West" in measures  # as 'Region share London'
    assert "Region share London" in measures
