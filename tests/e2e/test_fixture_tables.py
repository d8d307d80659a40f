"""Hand-computed expectations for the figure and prose tables of the five-LA fixture wave.

Every expected number below is worked out from the answers in tests/fixtures/fixture_wave.py
(see its docstring), never copied from the pipeline's output. Costs (Figures 8-11) are in
test_fixture_wave.py.

    places    A pru 10/20/30 + ind_reg ks4 10 = 70; B pru ks3 10, ks4 30 = 40; C none;
              D pru ks3 10, ks4 10, apfs ks4 10, ind_reg ks4 10 = 40; E pru 50/100/150 = 300
    pupils    A pru 30/60/70 + ind_reg ks4 20 = 180; B pru ks3 70, ks4 90 = 160;
              C pru 3/6/12 + ind_unreg ks4 4 = 25; D pru ks3 9, ks4 10, apfs ks4 8, ind_reg ks4 9 = 36;
              E pru 40/90/140 = 270
    models    secondary: A devolved_partial, C devolved_full, B D E centralised; only A has
              separate phase arrangements (primary centralised)
    headcount primary + secondary (January 2018 census, data/raw/public/pupils_jan2018_by_la.csv):
              A 26,793 + 15,962 = 42,755; B 21,549 + 11,755 = 33,304; C 13,580 + 12,927 = 26,507;
              D 31,755 + 25,587 = 57,342; E 116,573 + 79,001 = 195,574
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    settings = build_project(tmp_path_factory.mktemp("tables"))
    fw.write_workbooks(settings.codebook, settings.returns_dir)
    assert run(settings, until="analyse", workers=1, quiet=True) == 0
    values = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")
    return settings, values


def v(values, id_):
    return values.loc[id_, "value"]


def n(values, id_):
    return values.loc[id_, "n_las"]


def test_fig01_reasons(wave):
    _, values = wave
    # all five tick every reason but 'other'; B also leaves out mid-year arrivals
    assert v(values, "fig01.la_share.reason.excluded_pupils") == 100
    assert v(values, "fig01.la_share.reason.mid_year_arrivals") == pytest.approx(80)
    assert n(values, "fig01.la_share.reason.mid_year_arrivals") == 5
    # options ticked: A, C, D, E 7 and B 6 -> all five in the 5-7 band
    assert v(values, "fig01.la_count.options_selected.5_7") == 5
    assert v(values, "fig01.la_count.options_selected.2_4") == 0


def test_fig02_place_shares(wave):
    _, values = wave
    # 450 places from A, B, D, E; PRU 60 + 40 + 20 + 300 = 420
    assert v(values, "fig02.n_las") == 4
    assert v(values, "fig02.place_share.pru") == pytest.approx(100 * 420 / 450)
    assert v(values, "fig02.place_share.ap_free_school") == pytest.approx(100 * 10 / 450)
    assert v(values, "fig02.place_share.state_funded") == pytest.approx(100 * 430 / 450)
    assert v(values, "fig02.place_share.independent") == pytest.approx(100 * 20 / 450)
    assert v(values, "fig02.places_total.school_age") == 450


def test_fig05_phase_shares(wave):
    _, values = wave
    # primary A 10 + E 50 = 60; KS3 + KS4 = 390; KS5 none
    assert v(values, "fig05.place_share.primary") == pytest.approx(100 * 60 / 450)
    assert v(values, "fig05.place_share.secondary") == pytest.approx(100 * 390 / 450)
    assert v(values, "fig05.place_share.ks5") == 0
    assert n(values, "fig05.place_share.ks5") == 4


def test_fig19_pupils_placed(wave):
    _, values = wave
    # 671 pupils from 5 LAs; independent 20 + 4 + 9 = 33; primary 30 + 3 + 40 = 73
    assert v(values, "fig19.pupils_placed.total") == 671
    assert v(values, "fig19.n_las.pupils_placed_question") == 5
    assert v(values, "fig19.pupil_share.provider_type.state_funded") == pytest.approx(100 * 638 / 671)
    assert v(values, "fig19.pupil_share.phase.secondary") == pytest.approx(100 * 598 / 671)
    # KS4: 90 + 90 + 16 + 27 + 140 = 363, independent 33
    assert v(values, "fig19.pupil_share.ks4.independent") == pytest.approx(100 * 33 / 363)


def test_fig16_and_decision_models(wave):
    _, values = wave
    # separate arrangements: A only; primary centralised, secondary partially devolved
    assert v(values, "fig16.model_share.primary.centralised") == 100
    assert v(values, "fig16.model_share.secondary.devolved_partial") == 100
    assert n(values, "fig16.model_share.secondary.devolved") == 1
    # secondary models of all five: 3 centralised, A partial, C full
    assert v(values, "txt.centralised_devolved.la_count.centralised") == 3
    assert v(values, "txt.centralised_devolved.la_share.devolved") == pytest.approx(40)
    assert v(values, "txt.centralised_devolved.la_share.same_arrangements_both_phases") == pytest.approx(80)


def test_fig35_self_evaluation(wave):
    _, values = wave
    # D disagrees with all six; A says can't say on value for money; the rest agree
    assert v(values, "fig35.agree_share.sufficient_places") == pytest.approx(80)
    assert v(values, "fig35.agree_share.value_for_money") == pytest.approx(60)
    assert v(values, "fig35.cant_say_share.value_for_money") == pytest.approx(20)
    assert n(values, "fig35.cant_say_share.value_for_money") == 5
    assert v(values, "fig35.disagree_share.most_statements.min") == pytest.approx(20)
    # agreeing with all six: B, C, E; typical (median of 80, 80, 80, 80, 80, 60) = 80
    assert v(values, "fig35.agree_share.all_six_statements") == pytest.approx(60)
    assert v(values, "fig35.agree_share.most_statements.typical") == pytest.approx(80)


def test_spend_vs_budget_spec_table(wave):
    settings, values = wave
    # 4 LAs answered (E blank): in line A; more B, C; can't say D
    assert v(values, "txt.demand_trends.spend_vs_budget.la_share.in_line") == pytest.approx(25)
    assert v(values, "txt.demand_trends.spend_vs_budget.la_share.over_budget") == pytest.approx(50)
    assert v(values, "txt.demand_trends.spend_vs_budget.la_share.under_budget") == 0
    assert n(values, "txt.demand_trends.spend_vs_budget.la_share.cant_say") == 4
    t = pd.read_csv(settings.processed_dir / "txt_spend_vs_budget.csv", dtype=str)
    assert t["response"].tolist() == [
        "In line with budget",
        "More than budgeted",
        "Less than budgeted",
        "Can't say",
        "Total",
    ]
    assert t["n_las"].tolist() == ["4"] * 5


def test_fig29_spec_table(wave):
    _, values = wave
    # secondary: A, B increased, C same, D decreased (4 LAs); primary: A same, C increased (2)
    assert v(values, "fig29.pex_rate_change_12m.la_share.secondary.increased") == pytest.approx(50)
    assert v(values, "fig29.pex_rate_change_12m.la_share.secondary.decreased") == pytest.approx(25)
    assert n(values, "fig29.pex_rate_change_12m.la_share.secondary.same") == 4
    assert v(values, "fig29.pex_rate_change_12m.la_share.primary.increased") == pytest.approx(50)
    assert n(values, "fig29.pex_rate_change_12m.la_share.primary.cant_say") == 2


def test_fig24_pooled_spec_table(wave):
    _, values = wave
    # KS3: A first 20, previous 10; B first 10 -> 40 pupils: first 75%, previous 25%
    assert v(values, "fig24.placement_history_share.ks3.first_ap") == pytest.approx(75)
    assert v(values, "fig24.placement_history_share.ks3.not_known") == 0
    # KS4: A first 30; B previous 30, not known 10 -> 70 pupils
    assert v(values, "fig24.placement_history_share.ks4.previous_ap") == pytest.approx(100 * 30 / 70)
    assert v(values, "fig24.placement_history_share.ks4.not_known") == pytest.approx(100 * 10 / 70)
    assert v(values, "fig24.n_las.any_phase") == 2
    assert v(values, "fig24.n_las.ks4") == 2


def test_respondent_profile(wave):
    _, values = wave
    assert v(values, "txt.approach.survey.respondents") == 5
    assert v(values, "txt.approach.survey.response_rate") == pytest.approx(100 * 5 / 152)


def test_tables_without_answers_are_listed(wave):
    settings, _ = wave
    skipped = pd.read_csv(settings.processed_dir / "skipped_tables.csv").set_index("table")["reason"]
    # the fixture answers no destinations or placement-reasons question
    assert skipped["fig26"] == "no answers to question 'destinations'"
    assert skipped["fig20"] == "no answers to question 'placement_reasons'"
    assert skipped["txt_changing_demand"] == "no answers to question 'delegated_use_change'"
    for answered in (
        "fig03",
        "fig06",
        "fig12",
        "fig13",
        "fig14",
        "fig24",
        "fig25",
        "fig29",
        "fig32",
        "fig33",
    ):
        assert answered not in skipped.index, answered


def test_strategic_planning_spec_tables(wave):
    settings, values = wave
    # A agree, B strongly agree, C disagree, D agree, E can't say
    assert v(values, "txt.strategic_planning.la_share.strongly_agree") == pytest.approx(20)
    assert v(values, "txt.strategic_planning.la_share.agree") == pytest.approx(40)
    assert v(values, "txt.strategic_planning.la_share.agree_or_strongly_agree") == pytest.approx(60)
    assert v(values, "txt.strategic_planning.n_las") == 5
    # nobody's comments were coded: that table alone is skipped
    skipped = pd.read_csv(settings.processed_dir / "skipped_tables.csv").set_index("table")["reason"]
    assert skipped["txt_reviewing_ap_system"] == "no answers to question 'reviewing_ap_system'"
    assert "txt_strategic_planning" not in skipped.index


def test_fig04_provider_mix_groups(wave):
    _, values = wave
    # state-funded share of each LA's places: A 60/70 = 85.7%, B 100%, D (20 + 10)/40 = 75%,
    # E 100% (C gave no places): all four at or above the 75% threshold
    assert v(values, "fig04.la_share.mostly_state_funded") == 100
    assert v(values, "fig04.la_share.wider_range") == 0
    assert n(values, "fig04.la_share.mostly_state_funded") == 4
    # one main provider: at most 2 state-funded providers -> A, B, E (D has 3 PRUs + 2 free schools)
    assert v(values, "fig04.la_share.one_main_provider") == pytest.approx(75)


def test_provider_mix(wave):
    _, values = wave
    # providers: A 1 + 2, B 1, C 2 + 4, D 3 + 2 + 5 + 2, E 1 = 23; state-funded PRU 8 + free school 2
    assert v(values, "txt.provider_mix.providers.total") == 23
    assert v(values, "txt.provider_mix.providers.n_las") == 5
    assert v(values, "txt.provider_mix.providers.share.state_funded") == pytest.approx(100 * 10 / 23)
    assert v(values, "txt.provider_mix.providers.share.independent") == pytest.approx(100 * 11 / 23)
    assert v(values, "txt.provider_mix.providers.share.independent_unregistered") == pytest.approx(
        100 * 4 / 23
    )


def test_pupils_journeys_item_response(wave):
    _, values = wave
    # journey items: reasons and place types by none, placement history by A and B, placement
    # length by B and D; destinations by none
    assert v(values, "txt.pupils_journeys.item_response_count.min") == 0
    assert v(values, "txt.pupils_journeys.item_response_count.max") == 2
    assert v(values, "txt.pupils_journeys.item_response_rate.max") == pytest.approx(40)
    assert v(values, "txt.pupils_journeys.destinations_response_count") == 0


# ------------------------------------------------------------------------------------------------
# Figures 3, 6, 12, 13, 14, 25, 32, 33 and 36 (rates use the census headcounts of the docstring)

PRIMARY = {fw.A: 26_793, fw.B: 21_549, fw.C: 13_580, fw.D: 31_755, fw.E: 116_573}
SECONDARY = {fw.A: 15_962, fw.B: 11_755, fw.C: 12_927, fw.D: 25_587, fw.E: 79_001}
SCHOOL_AGE = {la: PRIMARY[la] + SECONDARY[la] for la in PRIMARY}


def per_10k(count, la, denominators=SCHOOL_AGE):
    return 10_000 * count / denominators[la]


def table(settings, name):
    """A figure table as written (rounded, labelled), indexed by its filter columns."""
    return pd.read_csv(settings.processed_dir / f"{name}.csv", dtype=str, keep_default_na=False)


def test_fig03_places_per_10k_by_provider_type(wave):
    settings, _ = wave
    t = table(settings, "fig03_places_per_10k_by_provider_type").set_index("provider_type")
    # mean over the four LAs with places (A, B, D, E), 0 where an LA has none of the type.
    # PRU: 60/42,755 = 14.03; 40/33,304 = 12.01; 20/57,342 = 3.49; 300/195,574 = 15.34 (per 10,000)
    # -> 44.87 / 4 = 11.22, written with 0 decimals: 11
    pru = (per_10k(60, fw.A) + per_10k(40, fw.B) + per_10k(20, fw.D) + per_10k(300, fw.E)) / 4
    assert pru == pytest.approx(11.22, abs=0.01)
    assert t.loc["Pupil referral unit (PRU)", "places_per_10k"] == "11"
    # independent registered: (10/42,755 = 2.34 + 0 + 10/57,342 = 1.74 + 0) / 4 = 1.02 -> 1
    assert t.loc["Independent AP registered as a school", "places_per_10k"] == "1"
    # AP free school: 1.74 / 4 = 0.44 -> 0
    assert t.loc["AP free school", "places_per_10k"] == "0"
    assert set(t["n_las"]) == {"4"}


def test_fig06_phase_share_within_provider_type(wave):
    settings, _ = wave
    t = table(settings, "fig06_place_share_by_phase_and_provider_type").set_index(["provider_type", "phase"])
    # PRU places: primary A 10 + E 50 = 60; KS3 20 + 10 + 10 + 100 = 140; KS4 30 + 30 + 10 + 150 = 220;
    # all 420: 14.3% -> 14, 33.3% -> 33, 52.4% -> 52
    pru = "Pupil referral unit (PRU)"
    assert t.loc[(pru, "Primary (KS1-2)"), "place_share"] == "14"
    assert t.loc[(pru, "Key Stage 3"), "place_share"] == "33"
    assert t.loc[(pru, "Key Stage 4"), "place_share"] == "52"
    assert t.loc[(pru, "Post-16 (KS5)"), "place_share"] == "0"
    assert t.loc[(pru, "Key Stage 4"), "n_las"] == "4"
    # independent registered: A 10 + D 10, all KS4 (2 LAs); AP free school: D 10 in KS4
    ind = "Independent AP registered as a school"
    assert t.loc[(ind, "Key Stage 4"), "place_share"] == "100"
    assert t.loc[(ind, "Key Stage 3"), "place_share"] == "0"
    assert t.loc[(ind, "Key Stage 4"), "n_las"] == "2"
    assert t.loc[("AP free school", "Key Stage 4"), "n_las"] == "1"


def test_fig12_sen_profile(wave):
    _, values = wave
    # A, D, E gave SEN profiles. Primary: A 30 + E 40 = 70, EHCP 8 + 10 = 18
    assert v(values, "fig12.n_las") == 3
    assert v(values, "fig12.pupil_share.ehcp.primary") == pytest.approx(100 * 18 / 70)
    # KS3: 60 + 9 + 90 = 159, EHCP 10 + 2 + 20 = 32; KS4: 90 + 27 + 140 = 257, EHCP 15 + 7 + 30 = 52
    assert v(values, "fig12.pupil_share.ehcp.ks3") == pytest.approx(100 * 32 / 159)
    assert v(values, "fig12.pupil_share.ehcp.ks4") == pytest.approx(100 * 52 / 257)
    # school age: SEN support 12 + 30 + 35 + 4 + 10 + 20 + 40 + 50 = 201 of 70 + 159 + 257 = 486
    assert v(values, "fig12.pupil_share.sen_support.school_age") == pytest.approx(100 * 201 / 486)


def test_fig13_semh_places(wave):
    _, values = wave
    # SEMH provision: A, B, D yes; C, E no -> 3 of 5
    assert v(values, "txt.semh.la_share.has_specialist_provision") == pytest.approx(60)
    # places (A, B): primary special 10, unit 5 + 5 = 20; secondary special 30 + 20, unit 15 = 65
    assert v(values, "fig13.place_share.primary") == pytest.approx(100 * 20 / 85)
    assert v(values, "fig13.place_share.secondary") == pytest.approx(100 * 65 / 85)
    assert v(values, "fig13.semh_unit_share.primary") == pytest.approx(50)
    assert v(values, "fig13.semh_unit_share.secondary") == pytest.approx(100 * 15 / 65)
    assert n(values, "fig13.place_share.primary") == 2


def test_fig14_places_by_semh_provision(wave):
    _, values = wave
    # LAs with places and SEN-profile pupils in the phase. Primary: A (SEMH yes) 10 places, E (no) 50
    assert v(values, "fig14.n_las.primary") == 2
    some = "fig14.places_per_10k.primary.semh_provision_some"
    assert v(values, some) == pytest.approx(per_10k(10, fw.A, PRIMARY))
    assert v(values, "fig14.places_per_10k.primary.semh_provision_none") == pytest.approx(
        per_10k(50, fw.E, PRIMARY)
    )
    # secondary (KS3 + KS4): A 20 + 30 + 10 = 60 and D 10 + 30 = 40 (yes), E 100 + 150 = 250 (no)
    # some: (60/15,962 = 37.59 + 40/25,587 = 15.63) / 2 = 26.61 per 10,000
    assert v(values, "fig14.n_las.secondary") == 3
    sec_some = (per_10k(60, fw.A, SECONDARY) + per_10k(40, fw.D, SECONDARY)) / 2
    assert sec_some == pytest.approx(26.61, abs=0.01)
    assert v(values, "fig14.places_per_10k.secondary.semh_provision_some") == pytest.approx(sec_some)
    assert n(values, "fig14.places_per_10k.secondary.semh_provision_some") == 2
    assert v(values, "fig14.places_per_10k.secondary.semh_provision_none") == pytest.approx(
        per_10k(250, fw.E, SECONDARY)
    )


def test_fig25_placement_length(wave):
    _, values = wave
    # mean of LA percentages: primary D only; KS3 D and B; Year 10 B only
    assert v(values, "fig25.n_las.any_phase") == 2
    assert v(values, "fig25.n_las.ks3") == 2
    assert v(values, "fig25.placement_length_share.primary.term_to_year") == pytest.approx(40)
    # KS3: up to half a term (20 + 10) / 2 = 15; half a term to a term (20 + 30) / 2 = 25
    assert v(values, "fig25.placement_length_share.ks3.up_to_half_term") == pytest.approx(15)
    assert v(values, "fig25.placement_length_share.ks3.up_to_term") == pytest.approx(40)
    assert v(values, "fig25.placement_length_share.year10.more_than_term") == pytest.approx(90)
    # all: the four LA x group answers; more than a year (30 + 20 + 30 + 40) / 4 = 30,
    # a term to a year (40 + 40 + 30 + 50) / 4 = 40
    assert v(values, "fig25.placement_length_share.all.more_than_year") == pytest.approx(30)
    assert v(values, "fig25.placement_length_share.all.more_than_term") == pytest.approx(70)
    assert v(values, "fig25.placement_length_share.all.up_to_half_term") == pytest.approx(10)


def test_fig32_devolved_vs_centralised(wave):
    _, values = wave
    # devolved (secondary model): A (partial), C (full); centralised B, D, E
    # secondary pupils placed: A 150, B 160, C 22, D 36, E 230
    devolved = (per_10k(150, fw.A, SECONDARY) + per_10k(22, fw.C, SECONDARY)) / 2
    centralised = (
        per_10k(160, fw.B, SECONDARY) + per_10k(36, fw.D, SECONDARY) + per_10k(230, fw.E, SECONDARY)
    ) / 3
    assert v(values, "fig32.ap_pupils_per_10k.secondary.devolved_vs_centralised") == pytest.approx(
        devolved - centralised
    )
    # EHE secondary: A 80, C 65 (devolved); B 100, D 128 (centralised); E gave none
    assert v(values, "fig32.ehe_per_10k.secondary.devolved") == pytest.approx(
        (per_10k(80, fw.A, SECONDARY) + per_10k(65, fw.C, SECONDARY)) / 2
    )
    assert v(values, "fig32.ehe_per_10k.secondary.centralised") == pytest.approx(
        (per_10k(100, fw.B, SECONDARY) + per_10k(128, fw.D, SECONDARY)) / 2
    )
    assert n(values, "fig32.ehe_per_10k.secondary.centralised") == 2


def test_fig33_places_by_model(wave):
    _, values = wave
    # LAs with places: A devolved; B, D, E centralised. State-funded places A 60, B 40, D 20 + 10, E 300
    state = per_10k(60, fw.A) - (per_10k(40, fw.B) + per_10k(30, fw.D) + per_10k(300, fw.E)) / 3
    assert v(values, "fig33.places_per_10k.state_funded.devolved_vs_centralised") == pytest.approx(state)
    # independent: A 10; B 0, D 10, E 0
    independent = per_10k(10, fw.A) - per_10k(10, fw.D) / 3
    assert v(values, "fig33.places_per_10k.independent.devolved_vs_centralised") == pytest.approx(independent)


def test_fig36_la_series(wave):
    settings, values = wave
    # as Figure 35: D disagrees with all six, A can't say on value for money
    assert v(values, "fig36.agree_share.good_outcomes.la") == pytest.approx(80)
    assert v(values, "fig36.agree_share.value_for_money.la") == pytest.approx(60)
    t = table(settings, "fig36_self_evaluation_las_schools_providers")
    la = t[t["respondent_type"] == "LAs (survey returns)"]
    # written with 0 decimals: five statements at 80, value for money 60
    assert la["agree_share"].tolist() == ["80"] * 5 + ["60"]


def test_total_rows_of_additive_filters(wave):
    settings, _ = wave
    # Figure 13 places: primary 10 + 5 + 5 = 20, secondary 30 + 20 + 15 = 65; special school
    # 10 + 30 + 20 = 60, SEMH unit 5 + 5 + 15 = 25; grand total 85 (2 LAs)
    t = table(settings, "fig13_semh_places_by_phase").set_index(["school_phase", "semh_setting"])
    assert t.loc[("Primary", "Total"), "places"] == "20"
    assert t.loc[("Secondary", "Total"), "places"] == "65"
    assert t.loc[("Total", "SEMH special school"), "places"] == "60"
    assert t.loc[("Total", "SEMH unit or resourced provision"), "places"] == "25"
    assert t.loc[("Total", "Total"), "places"] == "85"
    assert t.loc[("Total", "Total"), "n_las"] == "2"
    # Figure 2: 450 places, shares add to 100; provider types partition the places
    f2 = table(settings, "fig02_place_share_by_provider_type").set_index("provider_type")
    assert f2.loc["Total", "places"] == "450" and f2.loc["Total", "place_share"] == "100"
    # Figure 3: the Total is the mean of the LAs' all-type rates: (70/42,755 = 16.37 + 40/33,304
    # = 12.01 + 40/57,342 = 6.98 + 300/195,574 = 15.34) / 4 = 12.67 -> 13
    f3 = table(settings, "fig03_places_per_10k_by_provider_type").set_index("provider_type")
    assert f3.loc["Total", "places_per_10k"] == "13"
    # Figure 1 (multi-select reasons) gets none
    assert "Total" not in set(table(settings, "fig01_reasons_ap_is_used")["ap_reason"])


def test_demand_prose_tables(wave):
    _, values = wave
    # demand over 3 years (all five): increased A, B, D = 3/5; same C; can't say E
    assert v(values, "txt.demand_trends.demand_change_3y.la_share.increased") == pytest.approx(60)
    assert v(values, "txt.demand_trends.demand_change_3y.la_share.same") == pytest.approx(20)
    assert v(values, "txt.demand_trends.demand_change_3y.la_share.decreased") == 0
    assert v(values, "txt.demand_trends.n_las") == 5
    # outlook (A-D): rise A, B = 2/4
    assert v(values, "txt.demand_trends.expect_demand_rise_la_share") == pytest.approx(50)
    # reintegration (A-D): significant A 1/4, some B, C 2/4, not very well D
    assert v(values, "txt.reintegration.la_share.significant_extent") == pytest.approx(25)
    assert v(values, "txt.reintegration.la_share.significant_or_some_extent") == pytest.approx(75)
    assert v(values, "txt.reintegration.la_share.not_very") == pytest.approx(25)
    assert n(values, "txt.reintegration.la_share.not_at_all") == 4


def test_provision_by_phase(wave):
    _, values = wave
    # mean of LA rates over the LAs with places (A, B, D, E); a phase without places counts 0.
    # primary: A 10/26,793 = 3.73, B 0, D 0, E 50/116,573 = 4.29 per 10,000 -> 8.02 / 4 = 2.01
    primary = (per_10k(10, fw.A, PRIMARY) + per_10k(50, fw.E, PRIMARY)) / 4
    assert primary == pytest.approx(2.005, abs=0.001)
    assert v(values, "txt.provision_by_phase.places_per_10k.primary") == pytest.approx(primary)
    assert n(values, "txt.provision_by_phase.places_per_10k.primary") == 4
    # secondary (KS3 + KS4): A 60/15,962 = 37.59, B 40/11,755 = 34.03, D 40/25,587 = 15.63,
    # E 250/79,001 = 31.65 -> 118.90 / 4 = 29.72
    secondary = (
        per_10k(60, fw.A, SECONDARY)
        + per_10k(40, fw.B, SECONDARY)
        + per_10k(40, fw.D, SECONDARY)
        + per_10k(250, fw.E, SECONDARY)
    ) / 4
    assert secondary == pytest.approx(29.72, abs=0.01)
    assert v(values, "txt.provision_by_phase.places_per_10k.secondary") == pytest.approx(secondary)
