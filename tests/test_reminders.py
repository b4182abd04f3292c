"""Reminders (bevakning) by e-mail, against a real SMTP server (aiosmtpd on a free local port).

The oracle is what people get: the messages the server received (envelope recipients, Swedish subject
and text) on the days the definition says, and the register log's ``reminder_sent`` entries; on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from workflow.api import Workflow
from workflow.core.definition import DueKind, Label
from workflow.core.errors import InvalidDefinition
from workflow.reminders import SmtpMailer, SmtpSettings, overdue_offers, stage_on

DIRECTOR = "Hälso- och sjukvårdsdirektören"
DELEGATE = "Isabelle Zemrén"
SENDER = "diariet@region.example"
DUE = "2026-09-30"  # the report-back; its reminders fall on 08-31, 09-23 (before) and 10-01, 10-14 (after)


RemindingWorkflow = Workflow  # the reminders are part of the facade


# -- a real SMTP server -----------------------------------------------------------------------------------


class Inbox:
    """The messages an aiosmtpd server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append((sorted(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def take(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            got, self.received = self.received, []
        return got


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    box = Inbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    for name in ("WF_SMTP_USER", "WF_SMTP_PASSWORD", "WF_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WF_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WF_SMTP_PORT", str(port))
    monkeypatch.setenv("WF_MAIL_FROM", SENDER)
    monkeypatch.setenv("WF_LANG", "sv")
    try:
        yield box
    finally:
        controller.stop()


# -- a register with two cases --------------------------------------------------------------------------


@pytest.fixture
def register(cli: Any, db_url: str) -> dict[str, str]:
    """Case HSN 10-2026 (utredning) with its report-back due 2026-09-30, assigned to the director, who passed
    it on; case HSN 11-2026 with the same due date, closed.  Registrars: the recorder and Bertil; Cecilia is
    an officer.  Addresses for all but the delegate.  Returns the recorder's login."""
    with Workflow(db_url) as wf:
        me = wf.identity.login
    cli("case", "open", "utredning", "--title", "Mobilt verksamhetssystem", "--dnr", "HSN 10-2026", "--date", "2026-03-01")
    cli("case", "advance", "HSN 10-2026", "postpone", "--decision", "HSN 2026-03-20 § 5", "--due",
        f"report_back={DUE}", "--assign", f"report_back={DIRECTOR}", "--may-subdelegate")
    cli("case", "delegate", "HSN 10-2026", "report_back", "--to", DELEGATE)
    cli("case", "open", "utredning", "--title", "Avslutad studie", "--dnr", "HSN 11-2026", "--date", "2026-03-01")
    cli("case", "advance", "HSN 11-2026", "postpone", "--decision", "HSN 2026-03-20 § 6", "--due", f"report_back={DUE}")
    cli("case", "advance", "HSN 11-2026", "close", "--decision", "HSN 2026-04-24 § 9")
    for who, role in ((me, "registrar"), ("bertil", "registrar"), ("cecilia", "officer")):
        cli("roles", "grant", who, role)
    for who, address in ((me, "kansli@region.example"), ("bertil", "bertil@region.example"),
                         ("cecilia", "cecilia@region.example"), (DIRECTOR, "hsd@region.example")):
        cli("due", "contacts", "set", who, address)
    return {"me": me}


def _sent(db_url: str) -> list[dict[str, Any]]:
    with Workflow(db_url) as wf:
        return [e.payload for e in wf.register_log() if e.kind == "reminder_sent"]


def remind(cli: Any, day: str, *args: str, code: int = 0) -> Any:
    return cli("due", "remind", "--today", day, *args, code=code)


WANTED = ["bertil@region.example", "hsd@region.example", "kansli@region.example"]


def test_the_right_reminders_go_out_on_the_right_days_to_the_right_people_once(
        register: dict[str, str], inbox: Inbox, cli: Any, db_url: str) -> None:
    assert "skickade 0 påminnelse(r); 0 skickade tidigare" in remind(cli, "2026-08-30").output
    assert inbox.take() == []

    out = remind(cli, "2026-08-31").output  # 30 days before
    assert "30 dagar före" in out and "HSN 10-2026" in out and "skickade 1 påminnelse(r)" in out
    [(to, message)] = inbox.take()
    assert to == WANTED  # the director (not the delegate: no address), the registrars, not the officer
    assert message["Subject"] == "Bevakning: Återrapportering 30 september 2026, ärende HSN 10-2026"
    assert message["From"] == SENDER
    body = message.get_content()
    for line in ("Bevakning i ärende HSN 10-2026: Mobilt verksamhetssystem",
                 "Återrapportering: 30 september 2026 (senast 30 september 2026)", "30 dagar kvar.",
                 "Ärendets läge: Pågår.", f"Uppdraget har gått till: {DIRECTOR}, {DELEGATE}.",
                 "En påminnelse från diariet (30 dagar före), skickad en gång."):
        assert line in body, body
    assert "Försenad" not in body
    for english in ("Reminder", "days", "case", "state", "Overdue", "before-30", "report_back"):
        assert english not in body + str(message["Subject"]), english

    # Running again, the same day or the next, sends nothing new.
    assert "skickade 0 påminnelse(r); 1 skickade tidigare" in remind(cli, "2026-08-31").output
    remind(cli, "2026-09-10")
    assert inbox.take() == []

    remind(cli, "2026-09-23")  # 7 days before
    [(to, message)] = inbox.take()
    assert to == WANTED and "7 dagar kvar." in message.get_content()

    remind(cli, "2026-09-30")  # the day itself: no reminder falls on it
    assert inbox.take() == []

    remind(cli, "2026-10-01")  # the day after: overdue, and the step the definition offers
    [(to, message)] = inbox.take()
    assert message["Subject"] == "Försenad: Återrapportering 30 september 2026, ärende HSN 10-2026"
    body = message.get_content()
    assert "Passerades i går." in body
    assert "Försenad: steget Senarelägg återrapportering kan tas i ärendet." in body

    remind(cli, "2026-12-01")  # a run long after 14 days: the latest reminder fallen goes out, once
    [(to, message)] = inbox.take()
    assert "Passerades för 62 dagar sedan." in message.get_content()
    remind(cli, "2026-12-02")
    assert inbox.take() == []

    sent = _sent(db_url)
    assert [(s["case"] != "", s["due"], s["date"], s["reminder"]) for s in sent] == [
        (True, "report_back", DUE, stage) for stage in ("before-30", "before-7", "after-1", "after-14")]
    registrars = sorted([register["me"], "bertil"])  # the task's holders first, then the registrars
    assert sent[0]["to"] == [DIRECTOR, DELEGATE, *registrars]
    assert sent[0]["recipients"] == ["hsd@region.example", *(
        "bertil@region.example" if r == "bertil" else "kansli@region.example" for r in registrars)]
    with Workflow(db_url) as wf:
        assert {s["case"] for s in sent} == {wf.case("HSN 10-2026").id}  # the closed case got none
        assert wf.verify().ok  # the entries are in the register log and its ledger


def test_a_skipped_reminder_is_not_sent_late_and_a_moved_date_gets_its_own(
        register: dict[str, str], inbox: Inbox, cli: Any, db_url: str) -> None:
    remind(cli, "2026-09-25")  # the first run after both before-reminders fell: only the latest
    assert [m["Subject"] for _, m in inbox.take()] == [
        "Bevakning: Återrapportering 30 september 2026, ärende HSN 10-2026"]
    assert [s["reminder"] for s in _sent(db_url)] == ["before-7"]
    cli("case", "advance", "HSN 10-2026", "postpone", "--decision", "HSN 2026-09-25 § 50", "--due",
        "report_back=2026-12-31")
    remind(cli, "2026-12-01")  # 30 days before the new date
    [(_to, message)] = inbox.take()
    assert "31 december 2026" in str(message["Subject"]) and "30 dagar kvar." in message.get_content()
    assert [(s["date"], s["reminder"]) for s in _sent(db_url)] == [(DUE, "before-7"), ("2026-12-31", "before-30")]


def test_a_dry_run_sends_and_records_nothing(register: dict[str, str], inbox: Inbox, cli: Any, db_url: str) -> None:
    out = remind(cli, "2026-10-01", "--dry-run", "--json").output
    report = json.loads(out)
    assert report["dry_run"] is True and report["already_sent"] == 0 and report["unaddressed"] == []
    [item] = report["sent"]
    assert (item["case"], item["due"], item["reminder"], sorted(item["recipients"])) == (
        "HSN 10-2026", "report_back", "after-1", WANTED)
    assert item["offer"] == "Senarelägg återrapportering"
    assert inbox.take() == [] and _sent(db_url) == []


def test_a_wrong_mail_server_is_named_and_nothing_is_recorded(
        register: dict[str, str], inbox: Inbox, cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WF_SMTP_HOST", "mail.example.invalid")
    monkeypatch.setenv("WF_SMTP_TIMEOUT", "5")
    result = remind(cli, "2026-08-31", code=5)
    assert "cannot reach the mail server mail.example.invalid:" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert _sent(db_url) == []
    monkeypatch.setenv("WF_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WF_MAIL_FROM", "not an address")
    assert "WF_MAIL_FROM 'not an address'" in remind(cli, "2026-08-31", code=5).stderr
    assert _sent(db_url) == [] and inbox.take() == []


def test_a_reminder_no_one_can_be_reached_for_is_reported_not_recorded(
        inbox: Inbox, cli: Any, db_url: str) -> None:
    cli("case", "open", "utredning", "--title", "Utan adress", "--dnr", "HSN 12-2026", "--date", "2026-03-01")
    cli("case", "advance", "HSN 12-2026", "postpone", "--decision", "HSN 2026-03-20 § 7", "--due", f"report_back={DUE}")
    result = remind(cli, "2026-09-23", code=5)
    assert "(ingen adress:" in result.output
    assert "1 reminder(s) have no recipient with a known e-mail address (the first: HSN 12-2026 report_back" \
        in result.stderr
    assert inbox.take() == [] and _sent(db_url) == []
    with Workflow(db_url) as wf:  # in a register whose roles were never enabled, the owner is the registrar
        me = wf.identity.login
    cli("due", "contacts", "set", me, "agare@region.example")
    remind(cli, "2026-09-23")
    assert [to for to, _ in inbox.take()] == [["agare@region.example"]]


def test_the_address_book(cli: Any, db_url: str) -> None:
    assert cli("due", "contacts", "set", DIRECTOR, "hsd@region.example").output.strip() == f"{DIRECTOR}: hsd@region.example"
    assert "har redan den adressen" in cli("due", "contacts", "set", DIRECTOR, "hsd@region.example").output
    assert json.loads(cli("due", "contacts", "list", "--json").output) == {DIRECTOR: "hsd@region.example"}
    assert "is not an e-mail address" in cli("due", "contacts", "set", "x", "nej", code=5).stderr
    assert "tog bort adressen" in cli("due", "contacts", "remove", DIRECTOR).output
    assert "har ingen adress" in cli("due", "contacts", "remove", DIRECTOR).output
    assert json.loads(cli("due", "contacts", "list", "--json").output) == {}
    with Workflow(db_url) as wf:
        assert [e.payload for e in wf.register_log() if e.kind == "contact"] == [
            {"name": DIRECTOR, "email": "hsd@region.example"}, {"name": DIRECTOR, "email": None}]


def test_wf_due_still_lists_due_dates(register: dict[str, str], cli: Any) -> None:
    out = cli("due", "--today", "2026-10-01").output
    assert "HSN 10-2026" in out and "FÖRSENAD" in out and "HSN 11-2026" not in out


# -- the API, through a subclass ----------------------------------------------------------------------------


class Recording:
    """A mailer that keeps what it is given."""

    sender = SENDER

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.opened = 0

    def open(self) -> None:
        self.opened += 1

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)

    def close(self) -> None:
        pass


def test_a_reminder_another_run_sent_meanwhile_is_not_sent_again(register: dict[str, str], db_url: str) -> None:
    day = dt.date(2026, 9, 23)
    with RemindingWorkflow(db_url) as wf:
        [listed], already = wf.due_reminders(day, sender=SENDER)
        assert already == 0 and listed.stage == "before-7"
        other = Recording()
        assert len(wf.send_reminders(other, today=day).sent) == 1  # another run, in between
        late = Recording()
        assert wf._send_one(late, listed) is False and late.messages == []
        nothing = Recording()
        report = wf.send_reminders(nothing, today=day)
        assert (report.sent, report.already, nothing.opened) == ([], 1, 0)  # nothing to send: no connection


def test_smtp_through_the_api_with_settings(register: dict[str, str], inbox: Inbox, db_url: str) -> None:
    import os

    with RemindingWorkflow(db_url) as wf:
        report = wf.send_reminders(SmtpMailer(SmtpSettings.from_env(os.environ)), today=dt.date(2026, 8, 31))
    assert [r.stage for r in report.sent] == ["before-30"]
    assert len(inbox.take()) == 1


def test_the_step_offered_once_the_date_has_passed(register: dict[str, str], db_url: str) -> None:
    with Workflow(db_url) as wf:
        case, closed = wf.case("HSN 10-2026"), wf.case("HSN 11-2026")
        d = wf.definition_of(case)
    assert overdue_offers(d, case, dt.date(2026, 9, 30)) == {}
    assert overdue_offers(d, case, dt.date(2026, 10, 1)) == {"postpone": ["report_back"]}
    assert overdue_offers(d, closed, dt.date(2026, 10, 1)) == {}


# -- the rule and the definition ------------------------------------------------------------------------------


KIND = DueKind("report_back", Label("Återrapportering", "Report-back"), (30, 7), (1, 14))


@pytest.mark.parametrize(("today", "stage"), [
    ("2026-08-30", None), ("2026-08-31", "before-30"), ("2026-09-22", "before-30"), ("2026-09-23", "before-7"),
    ("2026-09-30", "before-7"), ("2026-10-01", "after-1"), ("2026-10-13", "after-1"), ("2026-10-14", "after-14"),
    ("2030-01-01", "after-14"),
])
def test_the_latest_reminder_fallen_is_the_one_to_send(today: str, stage: str | None) -> None:
    assert stage_on(KIND, dt.date(2026, 9, 30), dt.date.fromisoformat(today)) == stage


def test_a_kind_without_reminders_has_none() -> None:
    assert stage_on(DueKind("x", Label("x", "x")), dt.date(2026, 9, 30), dt.date(2030, 1, 1)) is None


def test_the_shipped_definitions_remind() -> None:
    from workflow.registry import default_registry

    for d in default_registry().latest():
        for kind in d.due_kinds.values():
            assert kind.remind_before and kind.remind_after, (d.id, kind.id)
    utredning = default_registry().get("utredning").due_kinds["report_back"]
    assert (utredning.remind_before, utredning.remind_after, utredning.offer_when_overdue) == (
        (30, 7), (1, 14), "postpone")


def _with_due(extra: str) -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "definitions" / "utredning.yaml").read_text(encoding="utf-8")
    start = text.index("    remind: {before: [30, 7], after: [1, 14]}")
    end = text.index("\n", text.index("    on_overdue:")) + 1
    return text[:start] + extra + text[end:]


def test_an_offered_step_must_exist() -> None:
    with pytest.raises(InvalidDefinition) as e:
        from workflow.core.loading import load_text

        load_text(_with_due("    on_overdue: {offer: extend}\n"), "x.yaml")
    assert e.value.element == "due_dates[0].on_overdue.offer" and "unknown step 'extend'" in str(e.value)
    assert e.value.line is not None


@pytest.mark.parametrize("bad", ["    remind: {before: [-1]}\n", "    remind: {after: [0]}\n",
                                 "    remind: {before: [7, 7]}\n", "    remind: {every: [7]}\n",
                                 "    on_overdue: {}\n"])
def test_malformed_reminders_are_refused_on_load(bad: str) -> None:
    from workflow.core.loading import load_text

    with pytest.raises(InvalidDefinition) as e:
        load_text(_with_due(bad), "x.yaml")
    assert e.value.element.startswith("due_dates[0]")
