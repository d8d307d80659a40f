"""The typed wave file: one-line errors naming file and key, placeholders, default wave, CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.__main__ import main
from pipeline.config import ConfigError, Settings, default_wave

REPO = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, change: dict | None = None, drop: tuple[str, ...] = ()) -> Settings:
    """A root with the real config and data/raw (symlinked) and a wave file 'w1' edited as asked."""
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    shutil.copytree(REPO / "config", root / "config", ignore=shutil.ignore_patterns("waves"))
    (root / "config" / "waves").mkdir()
    wave = yaml.safe_load((REPO / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8"))
    wave["wave"] = "w1"
    wave.update(change or {})
    for key in drop:
        wave.pop(key)
    (root / "config" / "waves" / "w1.yaml").write_text(yaml.safe_dump(wave), encoding="utf-8")
    return Settings("w1", root=root)


def _error(settings: Settings, what=lambda s: s.wave_settings) -> str:
    with pytest.raises(ConfigError) as info:
        what(settings)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_valid_wave_file_is_typed(tmp_path):
    w = _project(tmp_path).wave_settings
    assert w.time_period == 201718 and isinstance(w.time_period, int)
    assert w.survey_year == 2018
    assert w.denominators.primary == "primary_headcount"
    assert w.exclusions.national_file.endswith("national_regional.csv")


def test_unknown_key_names_file_and_key(tmp_path):
    msg = _error(_project(tmp_path, {"finance_yaer": "2017-18"}))
    assert msg.startswith("config/waves/w1.yaml:") and "unknown key 'finance_yaer'" in msg


def test_unknown_nested_key(tmp_path):
    real = yaml.safe_load((REPO / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8"))
    msg = _error(_project(tmp_path, {"denominators": {**real["denominators"], "tertiary": "x"}}))
    assert "config/waves/w1.yaml:" in msg and "denominators" in msg and "'tertiary'" in msg


def test_missing_required_key(tmp_path):
    msg = _error(_project(tmp_path, drop=("finance_year",)))
    assert msg == "config/waves/w1.yaml: finance_year: required key missing"


def test_missing_public_file(tmp_path):
    msg = _error(_project(tmp_path, {"frame": "data/raw/public/no_such_frame.csv"}))
    assert msg == "config/waves/w1.yaml: frame: file data/raw/public/no_such_frame.csv does not exist"


def test_missing_nested_public_file(tmp_path):
    real = yaml.safe_load((REPO / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8"))
    spec = {**real["exclusions"], "file": "data/raw/public/none.csv"}
    msg = _error(_project(tmp_path, {"exclusions": spec}))
    assert msg == "config/waves/w1.yaml: exclusions.file: file data/raw/public/none.csv does not exist"


def test_wrong_type(tmp_path):
    msg = _error(_project(tmp_path, {"time_period": "2017/18"}))
    assert msg.startswith("config/waves/w1.yaml: time_period: expected a whole number")


def test_finance_year_format(tmp_path):
    msg = _error(_project(tmp_path, {"finance_year": "2017/18"}))
    assert msg == "config/waves/w1.yaml: finance_year: expected a financial year like 2022-23, got '2017/18'"
    assert _project(tmp_path / "b", {"finance_year": "2030-31"}).time_period_for("Financial year") == 203031


def test_missing_returns_folder_only_when_running(tmp_path):
    settings = _project(tmp_path, {"returns_dir": "data/raw/w1/returns"})
    assert settings.wave_settings.returns_dir == "data/raw/w1/returns"  # a template needs no returns
    msg = _error(settings, lambda s: s.require("returns_dir"))
    assert (
        msg == "config/waves/w1.yaml: returns_dir: folder data/raw/w1/returns does not exist (no returns yet)"
    )


def test_wave_without_config(tmp_path):
    settings = _project(tmp_path)
    msg = _error(Settings("w9", root=settings.root))
    assert msg == "config/waves/w9.yaml: no such wave configuration (add config/waves/<wave>.yaml)"


def test_unknown_instrument_version(tmp_path):
    msg = _error(_project(tmp_path, {"instrument": "v1999"}), lambda s: s.codebook)
    assert msg.startswith("config/waves/w1.yaml: instrument:") and "'v1999'" in msg


def test_fill_uses_the_wave_file(tmp_path):
    s = _project(tmp_path, {"finance_year": "2030-31", "survey_year": 2031, "census_date": "January 2031"})
    assert (
        s.fill("financial year {finance_year}, England, {survey_year}")
        == "financial year 2030-31, England, 2031"
    )
    assert s.fill("({census_date} census), {frame_size} LAs") == "(January 2031 census), 152 LAs"
    assert "financial year 2030-31" in s.codebook.sections["costs"].title
    assert "financial year 2030-31" in s.codebook.questions["costs"].text
    assert s.figures["fig08"]["subtitle"].endswith("financial year 2030-31")
    assert _error(s, lambda x: x.fill("year {finance_yr}")).startswith("unknown placeholder {finance_yr}")


def test_no_published_values_is_allowed(tmp_path):
    s = _project(tmp_path, {"published_values": None, "reproduction_manifest": None})
    assert not s.has_published_values


def test_exactly_one_default_wave():
    assert default_wave() == "2018"
    assert Settings(default_wave()).wave_settings.default


def test_real_wave_files_load():
    for path in sorted((REPO / "config" / "waves").glob("*.yaml")):
        s = Settings(path.stem)
        assert s.wave_settings.wave == path.stem
        assert s.codebook.questions


def test_cli_prints_one_line_and_exits_2(capsys):
    assert main(["template", "--wave", "w0", "--out", "unused"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no wave configuration config/waves/w0.yaml for wave 'w0'")
    assert "\n" not in err


def test_cli_frame_only_wave_cannot_run(capsys):
    assert main(["run", "--wave", "2025"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: config/waves/2025.yaml: no returns for wave '2025'") and "\n" not in err


def test_cli_config_error_is_one_line(tmp_path, capsys, monkeypatch):
    """A ConfigError raised anywhere under a command is printed as one line, exit 2."""
    import pipeline.__main__ as cli

    def broken(*args, **kwargs):
        raise ConfigError("config/waves/w1.yaml: finance_year: required key missing")

    monkeypatch.setattr(cli, "checked_settings", broken)
    assert main(["template", "--wave", "w1", "--out", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err.strip() == "error: config/waves/w1.yaml: finance_year: required key missing"
    )


def test_cli_no_traceback_in_a_subprocess():
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "template", "--wave", "w0", "--out", "unused"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_filter_hints_keep_acronyms_and_lower_ordinary_words():
    from pipeline.present import lower_first

    assert lower_first("LA group") == "LA group"
    assert lower_first("SEN status") == "SEN status"
    assert lower_first("LAs compared") == "LAs compared"
    assert lower_first("Type of AP provider") == "type of AP provider"
    assert lower_first("Measure") == "measure"


def test_unknown_key_message_has_one_colon(tmp_path):
    msg = _error(_project(tmp_path, {"finanse_year": "2017-18"}))
    assert msg.startswith("config/waves/w1.yaml: unknown key 'finanse_year' (allowed: academic_year, ")
    assert "::" not in msg


@pytest.mark.parametrize("typed", [2030, "2030", "2030-31", "2030/32", "2030/2031"])
def test_academic_year_must_be_text_like_2030_31(tmp_path, typed):
    msg = _error(_project(tmp_path, {"academic_year": typed}))
    assert (
        msg
        == f'config/waves/w1.yaml: academic_year: expected an academic year in quotes like "2022/23", got {typed!r}'
    )


def test_academic_year_across_a_century(tmp_path):
    settings = _project(tmp_path, {"academic_year": "2099/00", "time_period": 209900})
    assert settings.wave_settings.academic_year == "2099/00"


def test_time_period_must_match_the_academic_year(tmp_path):
    msg = _error(_project(tmp_path, {"academic_year": "2030/31", "time_period": 203132}))
    assert msg == (
        "config/waves/w1.yaml: time_period: 203132 does not match academic_year '2030/31' (expected 203031)"
    )


def _real(key: str) -> dict:
    return yaml.safe_load((REPO / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8"))[key]


def test_denominator_column_not_in_the_file_is_one_line(tmp_path):
    from pipeline import public

    settings = _project(tmp_path, {"denominators": {**_real("denominators"), "primary": "primary_pupils"}})
    msg = _error(settings, public.context)
    assert msg.startswith(
        "config/waves/w1.yaml: denominators.primary: column 'primary_pupils' is not in "
        "data/raw/public/pupils_jan2018_by_la.csv (columns: new_la_code, old_la_code, la_name, "
    )
    assert "primary_headcount" in msg


def test_deprivation_measure_not_in_the_file_is_one_line(tmp_path):
    from pipeline import public

    settings = _project(tmp_path, {"deprivation": {**_real("deprivation"), "measure": "imd_score"}})
    msg = _error(settings, public.context)
    assert msg.startswith(
        "config/waves/w1.yaml: deprivation.measure: column 'imd_score' is not in data/raw/public/"
    )


def test_frame_la_missing_from_a_context_file_is_named_and_left_out(tmp_path):
    import pandas as pd

    from pipeline import public
    from pipeline.nonresponse import context_frame

    real = _real("denominators")
    lines = (REPO / real["file"]).read_text(encoding="utf-8").splitlines(keepends=True)
    short = tmp_path / "root" / "data" / "pupils_short.csv"
    settings = _project(tmp_path, {"denominators": {**real, "file": "data/pupils_short.csv"}})
    short.write_text("".join(line for line in lines if not line.startswith("E09000003,")), encoding="utf-8")
    gaps: list[str] = []
    ctx = public.context(settings, gaps)
    assert gaps == [
        "data/pupils_short.csv (denominators): no row for 1 LA(s) of the frame (E09000003 Barnet); "
        "left out wherever its values are needed"
    ]
    barnet = ctx.set_index("la_code").loc["E09000003"]
    assert pd.isna(barnet["pupils_primary"]) and pd.isna(barnet["pupils_secondary"])
    assert len(ctx) == 152  # still in the frame
    frame = context_frame(ctx.assign(responded=False))
    assert pd.isna(frame.set_index("la_code").loc["E09000003", "pupils_all"])  # not 0
    complete: list[str] = []
    public.context(_project(tmp_path / "b"), complete)
    assert complete == []  # the real 2018 files have every frame LA
