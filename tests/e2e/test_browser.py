"""A clerk in a real browser (headless Chromium): `wf serve` on a fresh `wf demo` register; log in, find
HSN 501-2023 by its diary number, record a decision and see it in the history and in `wf case history`;
the conflict page when another clerk decided first; the minutes downloaded.  Every page is checked with
axe-core (no serious or critical violation of WCAG 2.1 AA) and photographed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import serious_violations
from tests.web.live import PASSWORD, free_port

WF = str(Path(sys.executable).parent / "wf")
REFERENCE = "HSN 2026-04-15 § 30"


def wf(database: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([WF, "--db", database, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _serve_command(port: int) -> list[str]:
    """``wf serve``; until the command is registered in wf, the same click command run by Python."""
    from workflow_cli.main import COMMANDS

    if "serve" in COMMANDS:
        return [WF, "serve", "--port", str(port)]
    return [sys.executable, "-c", "import sys; from workflow_cli.serve import serve; sys.exit(serve())",
            "--port", str(port)]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`wf demo` into a fresh database, an account for anna, and `wf serve` on it: (base URL, database)."""
    import httpx

    database = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    wf(database, "demo")
    from click.testing import CliRunner
    from workflow_cli.serve import serve

    made = CliRunner().invoke(serve, ["account", "add", "anna", "--password", PASSWORD],
                              env={"WF_DATABASE_URL": database})
    assert made.exit_code == 0, made.output
    port = free_port()
    env = {**os.environ, "WF_DATABASE_URL": database, "XDG_DATA_HOME": str(tmp_path / "data")}
    server = subprocess.Popen(_serve_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("wf serve did not start: " + (server.stderr.read().decode() if server.stderr else ""))
        time.sleep(0.1)
    try:
        yield base, database
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if server.stderr:
            server.stderr.close()


def settle(driver: Any, done: Any, what: str) -> None:
    """Wait (up to 20 s) until ``done(driver)`` holds: a click's page is loading in the browser meanwhile."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # While the next page replaces the old one, an element just found may go stale: look again.
    WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        done, what)


def look(driver: Any, folder: Path, name: str) -> None:
    """Photograph the page and hold it to WCAG 2.1 AA with axe-core."""
    driver.save_screenshot(str(folder / f"{name}.png"))
    found = serious_violations(driver)
    assert not found, f"{name}: {found}"


def test_a_clerk_records_a_decision_in_the_browser(browser: Any, served: tuple[str, str], screenshots: Path,
                                                   downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    base, database = served
    browser.get(base + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Logga in"
    look(browser, screenshots, "1-login")
    browser.find_element(By.ID, "name").send_keys("anna")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    settle(browser, lambda d: d.current_url.endswith("/cases"), "the case list after logging in")

    search = browser.find_element(By.ID, "q")
    search.send_keys("HSN 501-2023")
    search.submit()
    settle(browser, lambda d: "q=HSN" in d.current_url, "the search's results")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1 and "Gemensam systemledning i Dorotea" in rows[0].text
    look(browser, screenshots, "2-cases")
    rows[0].find_element(By.LINK_TEXT, "Gemensam systemledning i Dorotea").click()
    settle(browser, lambda d: d.current_url.endswith("/cases/demo-dorotea"), "the case page")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Gemensam systemledning i Dorotea"
    look(browser, screenshots, "3-case")

    browser.find_element(By.CSS_SELECTOR, "a[href$='trigger=approve_report_back']").click()
    settle(browser, lambda d: "/decide" in d.current_url, "the decision form")
    assert "Godkänn återrapportering" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.ID, "f-reference").send_keys(REFERENCE)
    look(browser, screenshots, "4-decide")
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()
    settle(browser, lambda d: "recorded=" in d.current_url, "the case page after recording")
    assert "Beslutet registrerades" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    history = browser.find_element(By.ID, "history").text
    assert REFERENCE in history and "Godkänn återrapportering" in history and "anna" in history
    look(browser, screenshots, "5-recorded")
    cli_history = wf(database, "case", "history", "HSN 501-2023")
    assert REFERENCE in cli_history and "anna" in cli_history

    # Another clerk decides while anna fills in the next form: she gets the conflict page, nothing recorded.
    browser.get(base + "/cases/demo-dorotea/decide?trigger=extend_pilot")
    browser.find_element(By.ID, "f-reference").send_keys("HSN 2026-04-20 § 33")
    browser.find_element(By.ID, "f-due-pilot-end").send_keys("2027-09")
    from workflow import Decision, DecisionRef, DueSpec
    from workflow.web.facade import WebWorkflow

    other = WebWorkflow(database).for_person("bo")
    other.advance("demo-dorotea", Decision("extend_pilot", DecisionRef.parse("HSN 2026-04-20 § 32"),
                                           due=(DueSpec.parse("pilot_end=2027-06"),)))
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()
    settle(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Någon annan hann före", "the conflict page")
    assert "HSN 2026-04-20 § 32" in browser.find_element(By.TAG_NAME, "main").text
    look(browser, screenshots, "6-conflict")
    assert "HSN 2026-04-20 § 33" not in wf(database, "case", "history", "HSN 501-2023")

    # The meeting's minutes: HSN notes the chair's urgent decision (item 2), and anna downloads the minutes.
    other.decide_item("HSN", "2026-05-08", "2", "noted")
    other.close()
    browser.get(base + "/meetings")
    look(browser, screenshots, "7-meetings")
    browser.find_element(By.PARTIAL_LINK_TEXT, "HSN").click()
    settle(browser, lambda d: "/meetings/HSN/" in d.current_url, "the meeting page")
    look(browser, screenshots, "8-meeting")
    browser.find_element(By.ID, "minutes-pdf").click()
    deadline = time.monotonic() + 30
    while not [f for f in downloads.glob("*.pdf")] and time.monotonic() < deadline:
        time.sleep(0.2)
    pdfs = list(downloads.glob("*.pdf"))
    assert pdfs, "the minutes were not downloaded"
    assert pdfs[0].read_bytes().startswith(b"%PDF")
    browser.get(base + "/due")
    look(browser, screenshots, "9-due")
    browser.get(base + "/definitions/systemledning")
    look(browser, screenshots, "10-definition")
