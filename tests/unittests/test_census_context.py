"""AP census context: survey places regrouped into census categories, compared with the census shares."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.census_context import comparison, key_message, survey_shares, survey_year
from pipeline.config import Settings

SPEC = {
    "categories": {"state": "State-funded schools", "indep": "Independent schools", "unreg": "Unregistered"},
    "survey": {
        "table": "fig02_places",
        "filter": "provider_type",
        "dimension": "provider_type",
        "count": "places",
        "base": "n_las",
        "groups": {"state": ["pru", "ap_academy"], "indep": ["independent_registered"], "unreg": ["other"]},
    },
}


def test_survey_places_are_pooled_into_census_categories(make_project):
    settings = make_project()
    settings.processed_dir.mkdir(parents=True)
    pd.DataFrame(
        {
            "provider_type": [
                "Pupil referral unit (PRU)",
                "AP academy",
                "Independent AP registered as a school",
                "Other provider",
                "Special school",
            ],
            "places": ["60", "15", "20", "5", "100"],
            "n_las": ["10", "8", "9", "4", "3"],
        }
    ).to_csv(settings.processed_dir / "fig02_places.csv", index=False)
    shares = survey_shares(settings, SPEC).set_index("provider_type")
    # special school is in no group: the total is 60 + 15 + 20 + 5 = 100 places
    assert shares["places"].to_dict() == {"state": 75, "indep": 20, "unreg": 5}
    assert shares["survey_share"].to_dict() == {"state": 75.0, "indep": 20.0, "unreg": 5.0}
    assert set(shares["n_las"]) == {10}


def test_comparison_with_the_census_of_the_same_spring():
    series = pd.DataFrame(
        {
            "census_year": [2018, 2018, 2018, 2019],
            "provider_type": ["state", "indep", "unreg", "state"],
            "placement_share": [53, 34, 13, 49],
        }
    )
    survey = pd.DataFrame(
        {
            "provider_type": ["state", "indep", "unreg"],
            "places": [81, 3, 16],
            "survey_share": [80.5, 3.4, 16.1],
            "n_las": [9, 9, 9],
        }
    )
    table = comparison(series, survey, 2018, SPEC).set_index("provider_type")
    assert table.loc["State-funded schools", "survey_share_rounded"] == 81  # 80.5 half up
    assert table.loc["State-funded schools", "difference_pp"] == 81 - 53
    assert table.loc["Independent schools", "difference_pp"] == 3 - 34
    assert table.loc["Total", "census_share"] == 100
    assert math.isclose(table.loc["Total", "survey_share"], 100.0)
    assert math.isnan(table.loc["Total", "difference_pp"])
    assert comparison(series, survey, 2025, SPEC)["census_share"].iloc[:3].isna().all()


def test_survey_year_is_the_spring_of_the_academic_year():
    assert survey_year(Settings("2018")) == 2018


def test_key_message_names_the_moves_of_five_points_or_more():
    series = pd.DataFrame(
        {
            "census_year": [2010, 2010, 2010, 2023, 2023, 2023],
            "provider_type": ["state", "indep", "unreg"] * 2,
            "placement_share": [52, 31, 17, 37, 46, 17],
        }
    )
    message = key_message(series, 2010, 2023, SPEC)
    assert message == (
        "Between 2010 and 2023 the share of LA-arranged AP placements in state-funded schools fell from 52% "
        "to 37% and in independent schools rose from 31% to 46%."
    )
    assert len(message) <= 250
