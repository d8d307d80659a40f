"""Back-test: the default 2018 wave reproduces the report's published values.

The run uses the real config and the real (read-only) data/raw through a symlink, but writes
its outputs into a temporary root, so the repository's data/processed and figures are untouched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.run import run

REPO = Path(__file__).resolve().parents[2]
COST_FIGURES = ("fig08.", "fig09.", "fig11.")


@pytest.fixture(scope="module")
def reproduction(full_run_2018_result):
    """The session's full run of the 2018 wave (tests/conftest.py), its exit code and reproduction table."""
    settings, rc = full_run_2018_result
    table = pd.read_csv(settings.processed_dir / "reproduction.csv", dtype={"id": str, "status": str})
    return settings, rc, table


def test_returns_validate_and_outputs_stay_in_tmp(reproduction):
    settings, _, table = reproduction
    report = pd.read_csv(settings.processed_dir / "validation_report.csv")
    errors = report[report["severity"] == "error"]
    assert errors.empty, errors.to_string()
    # every stage ran and wrote into the temporary root, not into the repository
    assert len(table) > 0
    assert (settings.processed_dir / "summary.txt").is_file()
    assert settings.processed_dir.resolve().is_relative_to(settings.root.resolve())
    assert not settings.processed_dir.is_symlink()


def test_118_returns_were_read(reproduction):
    settings, _, _ = reproduction
    lf = pd.read_csv(settings.processed_dir / "la_frame.csv")
    assert len(lf) == 152  # LAs of the 2018 frame
    assert lf["responded"].sum() == 118  # returns in data/raw/2018/returns


def test_cost_figures_reproduce(reproduction):
    _, _, table = reproduction
    costs = table[table["id"].str.startswith(COST_FIGURES)]
    # every published value of Figures 8, 9 and 11 is in the table ...
    assert len(costs) >= 30
    for prefix in COST_FIGURES:
        assert (costs["id"].str.startswith(prefix)).any(), prefix
    # ... and each is reproduced (or is outside the survey)
    bad = costs[~costs["status"].isin(["match", "definition", "external"])]
    assert bad.empty, f"not reproduced:\n{bad[['id', 'published', 'computed', 'status']].to_string()}"
    assert (costs["status"] == "match").sum() >= 30
    # the headline values (report: £18,000 overall, £17,600 PRU; figure 9 post-16 £18,600)
    t = costs.set_index("id")
    for id_ in ("fig08.cost.all", "fig08.cost.pru", "fig09.cost.post16", "fig11.cost.providers_gt10"):
        assert t.loc[id_, "status"] == "match", id_


def test_no_mismatch_anywhere(reproduction):
    _, rc, table = reproduction
    mismatches = table[table["status"] == "mismatch"]
    assert mismatches.empty, mismatches[["id", "published", "computed"]].to_string()
    assert set(table["status"]) <= {
        "match",
        "external",
        "not_computed",
        "known_inconsistency",
        "definition",
        "pending_data",  # temporary: config/reproduction/pending.yaml, listed in the summary
    }
    assert rc == 0  # run() fails on any mismatch


REGRESSION_FINDINGS = "txt.regression."
NOT_A_SURVEY_STATISTIC: tuple[str, ...] = ()


def test_every_regression_finding_is_checked(reproduction):
    """Each regression finding is computed by regress and matches, or is listed as pending data."""
    from pipeline.config import read_yaml

    _, _, table = reproduction
    pending = read_yaml(REPO / "config" / "reproduction" / "pending.yaml").get("pending_data") or []
    reg = table[table["id"].str.startswith(REGRESSION_FINDINGS)].set_index("id")
    assert len(reg) >= 6
    for id_, status in reg["status"].items():
        assert status == ("pending_data" if id_ in pending and status != "match" else "match"), id_


def test_every_published_value_has_a_row(reproduction):
    import yaml

    _, _, table = reproduction
    with open(REPO / "data" / "raw" / "reference" / "isos2018_published_values.yaml", encoding="utf-8") as fh:
        published = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert sorted(table["id"]) == sorted(p["id"] for p in published)


def test_survey_and_public_values_are_computed(reproduction):
    _, _, table = reproduction
    own = table[table["source"].isin(["survey", "public"])]
    left = own[(own["status"] == "not_computed")]
    left = left[~left["id"].str.startswith(NOT_A_SURVEY_STATISTIC)] if NOT_A_SURVEY_STATISTIC else left
    assert left.empty, left[["id", "published"]].to_string()
    # external values are never computed
    ext = table[table["source"] == "external"]
    assert (ext["status"] == "external").all()
    assert ext["computed"].isna().all()


def test_known_inconsistencies_are_documented(reproduction):
    _, _, table = reproduction
    doc = (REPO / "docs" / "reproduction.md").read_text(encoding="utf-8")
    ki = table[table["status"] == "known_inconsistency"]
    assert len(ki) > 0
    for id_ in ki["id"]:
        assert id_ in doc, f"{id_} is not explained in docs/reproduction.md"


def test_every_figure_has_its_four_files_and_nothing_was_skipped(reproduction):
    settings, _, _ = reproduction
    skipped = pd.read_csv(settings.processed_dir / "skipped_tables.csv")
    assert skipped.empty, skipped.to_string()
    figures = settings.root / "figures" / "2018"
    stems = {p.stem for p in figures.glob("fig*.png")}
    numbers = sorted(int(s[3:5]) for s in stems)
    assert numbers == [
        1,
        2,
        3,
        4,
        5,
        6,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        16,
        19,
        20,
        23,
        24,
        25,
        26,
        27,
        29,
        32,
        33,
        34,
        35,
        36,
    ]
    for stem in stems:
        for ext in (".png", ".svg", ".csv", ".txt"):
            assert (figures / f"{stem}{ext}").is_file(), stem + ext
        alt = (figures / f"{stem}.txt").read_text(encoding="utf-8")
        assert "Synthetic" in alt and "Base:" in alt and "Method:" in alt


@pytest.mark.slow  # a second full run of the 2018 wave
def test_removing_one_la_still_runs_with_smaller_bases(tmp_path, reproduction):
    """The pipeline does not assume the default wave: drop one LA's return and run again."""
    import shutil

    settings_full, _, full = reproduction
    root = tmp_path / "minus_one"
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    for name in ("public", "reference", "external"):
        (raw / name).symlink_to(REPO / "data" / "raw" / name, target_is_directory=True)
    shutil.copytree(REPO / "data" / "raw" / "2018", raw / "2018")
    dropped = sorted((raw / "2018" / "returns").glob("*.xlsx"))[0]
    code = dropped.name.split("_")[0]
    dropped.unlink()
    settings = Settings("2018", root=root, config_dir=REPO / "config")
    # the returns no longer match the reproduction manifest: mismatches are reported, not fatal
    assert run(settings, workers=1, quiet=True) == 0
    assert (settings.processed_dir / "reproduction.csv").is_file()
    lf = pd.read_csv(settings.processed_dir / "la_frame.csv")
    assert lf["responded"].sum() == 117
    assert not lf.loc[lf["la_code"] == code, "responded"].item()
    # bases of questions that LA answered are one lower
    full_resp = pd.read_csv(settings_full.processed_dir / "responses.csv", dtype=str)
    answered = set(full_resp.loc[full_resp["la_code"] == code, "question_id"])
    computed_full = pd.read_csv(settings_full.processed_dir / "computed_values.csv").set_index("id")
    computed = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")
    if "costs" in answered:
        assert computed.loc["fig08.n_las", "value"] == computed_full.loc["fig08.n_las", "value"] - 1
    if "places" in answered:
        assert computed.loc["fig02.n_las", "value"] == computed_full.loc["fig02.n_las", "value"] - 1
    assert computed.loc["fig35.n_las", "value"] == computed_full.loc["fig35.n_las", "value"] - 1


def test_regression_outputs_are_written(reproduction):
    settings, _, _ = reproduction
    reg = pd.read_csv(settings.processed_dir / "regressions.csv")
    from pipeline.config import read_yaml

    models = [m["id"] for m in read_yaml(REPO / "config" / "regressions.yaml")["models"]]
    assert set(reg["model"]) == set(models)
    assert {"coefficient", "robust_se", "ci_lower", "ci_upper", "p_value", "n_las", "r_squared"} <= set(reg)
    assert (reg["sample"] == "without_influential").any()  # the robustness rows
    for stem in ("regression_coefficients", "regression_residuals", "exclusions_vs_deprivation"):
        for ext in (".png", ".svg", ".csv", ".txt"):
            assert (settings.figures_dir / f"{stem}{ext}").is_file(), stem + ext


def test_published_la_table_has_no_small_or_recoverable_count(reproduction):
    """No published count below the threshold; no suppressed count recoverable from the totals."""
    import numpy as np

    from pipeline.disclosure import PHASES, ranges

    settings, _, _ = reproduction
    min_count = settings.analysis["suppression"]["min_count"]
    pub = pd.read_csv(settings.processed_dir / "publication" / "la_pupils_placed.csv", dtype=str)
    cols = [*PHASES, "pupils_placed_total"]
    shown = pub[pub["geographic_level"] == "Local authority"].set_index("new_la_code")[cols]
    shown = shown[~(shown == "x").all(axis=1)]
    numbers = pd.to_numeric(shown.stack(), errors="coerce").dropna()
    assert (numbers >= min_count).all()
    national = pub[pub["geographic_level"] == "National"][cols].iloc[0]
    assert (pd.to_numeric(national, errors="coerce").dropna() >= min_count).all()
    # the true values, from the working file, and the suppression pattern as published
    frame = pd.read_csv(settings.processed_dir / "la_frame.csv").set_index("la_code").loc[shown.index]
    truth = pd.DataFrame(
        {
            "pupils_placed_primary": frame["pupils_placed_primary"],
            "pupils_placed_secondary": frame["pupils_placed_secondary"],
            "pupils_placed_post16": frame["pupils_placed_total"]
            - frame["pupils_placed_primary"]
            - frame["pupils_placed_secondary"],
        }
    )
    truth["pupils_placed_total"] = truth.sum(axis=1)
    truth.loc["total"] = truth.sum(axis=0)
    mask = np.vstack([(shown == "c").to_numpy(), (national == "c").to_numpy()[None, :]])
    published = truth.to_numpy(float)[~mask]
    shown_numbers = np.vstack([shown.to_numpy(), national.to_numpy()[None, :]])[~mask].astype(float)
    assert np.allclose(published, shown_numbers)  # the published cells are the true counts
    assert mask.any()
    for cell, (lo, hi) in ranges(truth.to_numpy(float), mask).items():
        assert hi - lo >= 1, f"suppressed cell {cell} recoverable"
    # rates from a suppressed count are suppressed
    for rate, count in (
        ("ap_use_per_10k_primary", "pupils_placed_primary"),
        ("ap_use_per_10k_secondary", "pupils_placed_secondary"),
    ):
        sub = pub[pub[count] == "c"]
        assert (sub[rate] == "c").all()


def test_definitions_are_not_counted_as_reproduced(reproduction):
    settings, _, table = reproduction
    definitions = table[table["basis"] == "definition"]
    assert len(definitions) >= 10  # usage-band edges, the state-funded and high-cost thresholds
    assert (definitions["status"] == "definition").all()
    counted = table[~table["status"].isin(["external", "definition"])]
    line = (settings.processed_dir / "summary.txt").read_text(encoding="utf-8")
    n_match = int((table["status"] == "match").sum())
    assert line.startswith(f"reproduced {n_match} of {len(counted)} published survey and public values;")
    pending = table.loc[table["status"] == "pending_data", "id"]
    for id_ in pending:  # never silent
        assert id_ in line


def test_claims_are_checked_on_the_distributions_whose_mean_is_published(reproduction):
    """The per-LA distributions the claims use are those whose mean the analysis publishes."""
    from pipeline import derive, public, reproduce
    from pipeline.run import Log, stage_validate

    settings, _, table = reproduction
    computed = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")["value"]
    clean, respondents = stage_validate(settings, Log(True))
    derived = derive.run(settings, clean, respondents, public.context(settings))
    dist = reproduce.la_distributions(settings, derived)
    pairs = {
        "places_per_10k.primary": "txt.provision_by_phase.places_per_10k.primary",
        "places_per_10k.secondary": "txt.provision_by_phase.places_per_10k.secondary",
        "pupils_per_10k.primary": "txt.strategic_plan.pupils_per_10k.primary",
        "pupils_per_10k.secondary": "txt.strategic_plan.pupils_per_10k.secondary",
        "wider_range.independent_place_share": "fig04.wider_range.mean_independent_place_share",
    }
    for name, id_ in pairs.items():
        assert dist[name].mean() == pytest.approx(computed[id_]), name
    claimed = table[table["claim"].fillna("") != ""]
    assert len(claimed) >= 20
    assert not claimed["claim"].str.contains("no per-LA data").any()
