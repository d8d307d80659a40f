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
    # the fixture answers no SEN-profile or EHE question
    assert skipped["fig12"] == "no answers to question 'pupils_by_sen'"
    assert skipped["fig32"] == "no answers to question 'ehe'"
    assert "fig29" not in skipped.index and "fig24" not in skipped.index


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
    # of the four journey items only placement history was answered (A, B); destinations by none
    assert v(values, "txt.pupils_journeys.item_response_count.min") == 0
    assert v(values, "txt.pupils_journeys.item_response_count.max") == 2
    assert v(values, "txt.pupils_journeys.item_response_rate.max") == pytest.approx(40)
    assert v(values, "txt.pupils_journeys.destinations_response_count") == 0
