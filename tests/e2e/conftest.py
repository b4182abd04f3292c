"""The browser: Debian's Chromium, headless, driven by Selenium through Debian's chromedriver.

Installed by scripts/ensure-chromium.sh.  Without it the browser tests skip and say why; in CI
(``CI=true``) they fail instead, so a machine that lost its browser cannot pass unseen.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def _missing() -> str | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return "Chromium is not installed (scripts/ensure-chromium.sh installs Debian's chromium)"
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (scripts/ensure-chromium.sh installs Debian's chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not AXE.is_file():
        return "axe-core is not installed (scripts/ensure-chromium.sh runs npm ci in tools/axe)"
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: the browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[Any]:
    reason = _missing()
    if reason:
        _unavailable(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=sv-SE", "--disable-extensions"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True, "intl.accept_languages": "sv-SE,sv"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the pages' screenshots go: WF_SCREENSHOT_DIR if set (to look at them), else the test's folder."""
    folder = Path(os.environ.get("WF_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def serious_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.1 A and AA on the page now, those of serious or critical impact."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e)}]));")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v.get("help"),
         "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
        for v in result if v.get("impact") in ("serious", "critical")
    ]
