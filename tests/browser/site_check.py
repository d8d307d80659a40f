"""Drive Debian's headless Chromium (selenium + chromedriver) over a static report site.

``check_site`` visits index.html and every local page it links to and returns the problems it
finds: console errors, images that did not load, figure pages without an image or a data table,
tables without a caption, pages without lang or a single h1.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlparse

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
BROKEN_IMAGES_JS = (
    "return Array.from(document.images)"
    ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));"
)
PAGE_FACTS_JS = """
return {
  lang: document.documentElement.lang,
  h1: document.querySelectorAll('h1').length,
  tablesWithoutCaption: Array.from(document.querySelectorAll('table')).filter(t => !t.caption || !t.caption.textContent.trim()).length,
  figureImages: document.querySelectorAll('figure img').length,
  imagesWithoutAlt: Array.from(document.images).filter(i => !(i.getAttribute('alt') || '').trim()).length,
  figureDataRows: document.querySelectorAll('table#figure-data tbody tr').length,
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
};
"""


def find_browser() -> tuple[str | None, str | None]:
    """Paths of the system Chromium and its chromedriver (None where missing)."""
    browser = next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), shutil.which("chromium"))
    driver = next((p for p in DRIVER_CANDIDATES if Path(p).exists()), shutil.which("chromedriver"))
    return browser, driver


def start_browser(browser: str, driver_path: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_AVOID_STATS", "true")
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def _local_page(url: str, root: Path) -> Path | None:
    url = urldefrag(url)[0]
    parsed = urlparse(url)
    if parsed.scheme != "file" or not parsed.path.endswith(".html"):
        return None
    path = Path(parsed.path)
    return path if path.resolve().is_relative_to(root.resolve()) else None


def check_site(driver, index: Path, screenshots: Path | None = None) -> tuple[list[str], list[Path]]:
    """(problems, pages visited) of the site whose home page is ``index``."""
    root = index.parent
    problems: list[str] = []
    todo, seen = [index.resolve()], set()
    while todo:
        page = todo.pop(0)
        if page in seen:
            continue
        seen.add(page)
        name = page.relative_to(root.resolve()).as_posix()
        if not page.exists():
            problems.append(f"{name}: linked but missing")
            continue
        driver.get(page.as_uri())
        for entry in driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                problems.append(f"{name}: console error: {entry.get('message')}")
        for src in driver.execute_script(BROKEN_IMAGES_JS):
            problems.append(f"{name}: image did not load: {src}")
        facts = driver.execute_script(PAGE_FACTS_JS)
        if not facts["lang"]:
            problems.append(f"{name}: no lang attribute")
        if facts["h1"] != 1:
            problems.append(f"{name}: {facts['h1']} h1 headings (want 1)")
        if facts["tablesWithoutCaption"]:
            problems.append(f"{name}: {facts['tablesWithoutCaption']} tables without a caption")
        if facts["imagesWithoutAlt"]:
            problems.append(f"{name}: {facts['imagesWithoutAlt']} images without alt text")
        if name not in ("index.html", "validation.html", "run.html"):
            if facts["figureImages"] != 1:
                problems.append(f"{name}: figure page without its image")
            if facts["figureDataRows"] == 0:
                problems.append(f"{name}: figure page without its data table")
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(screenshots / f"{page.stem}.png"))
        for link in facts["links"]:
            target = _local_page(link, root)
            if target is not None and target.resolve() not in seen:
                todo.append(target.resolve())
    return problems, sorted(seen)


def first_tab_target(driver, index: Path) -> str:
    """Text of the element that the first Tab key press focuses (keyboard navigation)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get(index.resolve().as_uri())
    ActionChains(driver).send_keys(Keys.TAB).perform()
    return driver.execute_script("return document.activeElement.textContent.trim();")
