"""The reviewer's report of a full 2018 run, opened from files in Debian's headless Chromium.

Every page loads without a console error, every image resolves, every figure page has its image
and data table, and the check fails when an image is removed. Screenshots of every page are kept
in out/test-artifacts/report/. Without Chromium the test is skipped, except in CI (CI=true),
where it fails naming the missing program (`make browser` installs it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..browser import site_check
from ..browser.site_check import check_site, find_browser, first_tab_target, start_browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "test-artifacts" / "report"


def require_browser() -> tuple[str, str]:
    """Paths of Chromium and chromedriver; skip without them, but fail in CI (CI=true)."""
    chromium, driver_path = find_browser()
    if not (chromium and driver_path):
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver_path)) if not p)
        message = (
            f"{missing} not found: run `make browser` (Debian: apt-get install -y chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser test cannot run in CI: {message}", pytrace=False)
        pytest.skip(message)
    return chromium, driver_path


@pytest.fixture(scope="module")
def browser():
    driver = start_browser(*require_browser())
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(full_run_2018):
    return full_run_2018


def test_every_page_loads_with_its_images_and_tables(browser, site):
    index = site.processed_dir / "report" / "index.html"
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    problems, pages = check_site(browser, index, screenshots=ARTIFACTS)
    assert problems == []
    figures = sorted(site.figures_dir.glob("fig*.svg"))
    figure_pages = [p for p in pages if p.name.startswith("fig")]
    assert len(figures) >= 27
    assert len(figure_pages) == len(figures)
    assert {p.name for p in pages} >= {"index.html", "validation.html", "run.html"}
    assert (ARTIFACTS / "index.png").stat().st_size > 0


def test_a_removed_image_fails_the_check(browser, site, tmp_path):
    copy = tmp_path / "report"
    shutil.copytree(site.processed_dir / "report", copy)
    removed = sorted((copy / "figures").glob("*.svg"))[0]
    removed.unlink()
    problems, _ = check_site(browser, copy / "index.html")
    broken = [p for p in problems if removed.name in p]
    assert any("image did not load" in p for p in broken)
    assert any("console error" in p for p in broken)


def test_keyboard_reaches_the_skip_link_first(browser, site):
    assert first_tab_target(browser, site.processed_dir / "report" / "index.html") == "Skip to main content"


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    monkeypatch.setattr(site_check.shutil, "which", lambda name: None)
    monkeypatch.setattr(site_check, "CHROMIUM_CANDIDATES", ())
    monkeypatch.setattr(site_check, "DRIVER_CANDIDATES", ())
    monkeypatch.setattr("tests.e2e.test_report_browser.find_browser", site_check.find_browser)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium and chromedriver not found"):
        require_browser()
