"""Reminders (bevakning): an e-mail before a due date and after it has passed, each sent once.

A due date kind says when (``remind: {before: [30, 7], after: [1, 14]}``, in
days) and may name a step offered once the date has passed (``on_overdue:
{offer: postpone}``).  The rule, for each open due date of a case (never a
closed one, nor one of a case in a final state):

* its reminders fall on the date minus each ``before`` and plus each ``after``;
* on a given day the one to send is the **latest that has fallen**: a
  reminder skipped (the command did not run that day, or the date was set
  closer than 30 days) is never sent late beside a newer one, and once the date
  has passed the ``after`` reminders take over;
* each is sent **once** for the date it was computed from: a ``reminder_sent``
  entry of the register log names the case, the due date, its date, the
  reminder (``before-7``, ``after-14``) and the recipients.  A date moved by a
  later decision (a postponement) gets its own reminders;
* a reminder goes to the holders of the task assigned under the due date's name
  (``--assign report_back=...``: the assignee and whoever it was passed on to),
  and to the register's registrars (holders of the ``registrar`` role; in a
  register whose roles were never enabled, its owner), each where the address
  book knows an address.  A reminder with no known address is not sent and is
  reported;
* after the date, the step ``on_overdue`` offers is named in the message when
  the case can take it now.  Nothing is decided: a reminder informs people.

The address book is kept as ``contact`` entries of the register log
(``wf due contacts set NAME EMAIL``): one book for every clerk and for the
cron job on the same database, with who changed an address and when, covered by
the ledger like the grants.  Being a log, an old address is never erased: keep
functional addresses (``kansliet@...``) rather than private ones.

Sending is idempotent and safe beside other runs and ``wf serve``: the SMTP
connection (and its login) is opened before anything is locked; then, per
reminder, the register is locked, the log read again (a reminder another run
sent meanwhile is skipped), the message handed to the server and the entry
written in the same transaction.  A message the server took whose entry then
failed to commit is sent again next time: a reminder may come twice, never
be lost.  A mail server that cannot be reached is :class:`InvalidInput` (as an
output that cannot be written is, exit 5), naming the host, with nothing
recorded for what was not sent.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from workflow.core.definition import Definition, DueKind
from workflow.core.errors import InvalidInput, PermissionDenied
from workflow.i18n import format_date, language, t

if TYPE_CHECKING:  # smtplib, ssl and email are imported when a reminder is written or sent
    import smtplib
    from email.message import EmailMessage

    from workflow.access import Access, Identity
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.store.repository import Store, UnitOfWork

Drafts = list[tuple[str, dict[str, object]]]
SENT = "reminder_sent"
CONTACT = "contact"
REGISTRAR = "registrar"
HORIZON = dt.timedelta(days=3661)
"""How far ahead an open due date can have a reminder: the schema's largest ``before``."""
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


# -- the rule -----------------------------------------------------------------------------------------


def stage_on(kind: DueKind, due_on: dt.date, today: dt.date) -> str | None:
    """The reminder of a due date (``before-7``, ``after-1``) to send on ``today``: the latest that has
    fallen, or None when none has (or the kind has none)."""
    falls = [(due_on - dt.timedelta(days=d), f"before-{d}") for d in kind.remind_before]
    falls += [(due_on + dt.timedelta(days=d), f"after-{d}") for d in kind.remind_after]
    fallen = [f for f in falls if f[0] <= today]
    return max(fallen)[1] if fallen else None


def stage_words(stage: str, lang: str | None = None) -> str:
    """``7 dagar före`` / ``14 dagar efter``, ``på dagen``: a reminder as people read it."""
    when, _, days = stage.partition("-")
    if days == "0":
        return t("on the day", lang)
    if when == "before":
        return t("1 day before", lang) if days == "1" else t("{days} days before", lang, days=days)
    return t("1 day after", lang) if days == "1" else t("{days} days after", lang, days=days)


def overdue_offers(definition: Definition, case: "Case", today: dt.date) -> dict[str, list[str]]:
    """The steps ``on_overdue`` offers that the case can take now, each with the open due dates that have
    passed and offer it: ``{"postpone": ["report_back"]}`` -- for marking them overdue where steps are listed."""
    out: dict[str, list[str]] = {}
    for name, d in sorted(case.data.get("due", {}).items()):
        kind = definition.due_kinds.get(name)
        if (kind is None or kind.offer_when_overdue is None or d.get("status") != "open"
                or _last_day(d["date"]) >= today or definition.transition(case.state, kind.offer_when_overdue) is None):
            continue
        out.setdefault(kind.offer_when_overdue, []).append(name)
    return out


def contacts_in(log: Iterable["Entry"]) -> dict[str, str]:
    """The address book the register log gives: name -> e-mail address."""
    book: dict[str, str] = {}
    for e in log:
        if e.kind == CONTACT:
            if e.payload.get("email"):
                book[str(e.payload["name"])] = str(e.payload["email"])
            else:
                book.pop(str(e.payload["name"]), None)
    return book


def sent_in(log: Iterable["Entry"]) -> set[tuple[str, str, str, str]]:
    """(case, due date, its date, reminder) of every reminder the register log says was sent."""
    return {(str(e.payload["case"]), str(e.payload["due"]), str(e.payload["date"]), str(e.payload["reminder"]))
            for e in log if e.kind == SENT}


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: of which due date of which case, and to whom."""

    case_id: str
    case_label: str
    title: str
    due: str
    date: str
    due_on: dt.date
    stage: str
    what: str
    when: str
    names: tuple[str, ...]
    """Everyone it is for: the task's holders and the registrars, by name."""
    recipients: tuple[str, ...]
    """Their addresses, where the address book knows one."""
    offer: str | None = None
    """The step offered because the date has passed (its label), when the case can take it now."""
    message: EmailMessage | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.case_id, self.due, self.date, self.stage)

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case": self.case_label, "title": self.title, "due": self.due,
                "date": self.date, "due_on": self.due_on.isoformat(), "reminder": self.stage, "what": self.what,
                "when": self.when, "to": list(self.names), "recipients": list(self.recipients),
                "offer": self.offer}


@dataclass
class RemindReport:
    """What a run did: reminders sent (or, dry, to send), already sent before, and without an address."""

    sent: list[Reminder] = field(default_factory=list)
    already: int = 0
    unaddressed: list[Reminder] = field(default_factory=list)


# -- mail ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminders are sent from and through; :meth:`from_env` reads ``WF_SMTP_*`` and ``WF_MAIL_FROM``."""

    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SmtpSettings":
        """``WF_SMTP_HOST`` (localhost), ``WF_SMTP_PORT`` (25), ``WF_SMTP_USER`` and ``WF_SMTP_PASSWORD`` (a
        login), ``WF_SMTP_STARTTLS`` (1/0; on by default when there is a login, so no password goes in clear),
        ``WF_MAIL_FROM`` (the sender, required to send), ``WF_SMTP_TIMEOUT`` (seconds, 30)."""
        env = os.environ if env is None else env
        port_text = env.get("WF_SMTP_PORT", "25").strip() or "25"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidInput(f"WF_SMTP_PORT {port_text!r} is not a port number (1-65535)")
        timeout_text = env.get("WF_SMTP_TIMEOUT", "30").strip() or "30"
        try:
            timeout = float(timeout_text)
        except ValueError:
            raise InvalidInput(f"WF_SMTP_TIMEOUT {timeout_text!r} is not a number of seconds") from None
        user = env.get("WF_SMTP_USER") or None
        flag = env.get("WF_SMTP_STARTTLS", "").strip().lower()
        if flag not in ("", "1", "0", "true", "false", "yes", "no"):
            raise InvalidInput(f"WF_SMTP_STARTTLS {flag!r}: write 1 or 0")
        starttls = flag in ("1", "true", "yes") if flag else user is not None
        return cls(host=env.get("WF_SMTP_HOST", "").strip() or "localhost", port=int(port_text), user=user,
                   password=env.get("WF_SMTP_PASSWORD") or None, starttls=starttls,
                   sender=env.get("WF_MAIL_FROM", "").strip(), timeout=timeout)


class Mailer(Protocol):
    """What sending needs of a mail connection: the SMTP one, or a test's.  :meth:`open` is called before
    anything is locked, :meth:`close` when the run ends."""

    sender: str

    def open(self) -> None: ...
    def send(self, message: EmailMessage) -> None: ...
    def close(self) -> None: ...


class SmtpMailer:
    """One SMTP connection for a run, opened (and logged in) before anything is locked."""

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.sender or not _EMAIL.match(settings.sender):
            raise InvalidInput(f"WF_MAIL_FROM {settings.sender!r} is not an e-mail address to send reminders from")
        self.settings = settings
        self.sender = settings.sender
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        import smtplib
        import ssl

        s = self.settings
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as e:
            raise InvalidInput(f"cannot reach the mail server {self.where} (WF_SMTP_HOST, WF_SMTP_PORT): "
                               f"{_reason(e)}; no reminder was sent") from None
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError:
            smtp.close()
            raise InvalidInput(f"the mail server {self.where} refused the login of WF_SMTP_USER {s.user!r}; "
                               "no reminder was sent") from None
        except (OSError, smtplib.SMTPException) as e:
            smtp.close()
            raise InvalidInput(f"the mail server {self.where} failed at {'STARTTLS' if s.starttls else 'login'}: "
                               f"{_reason(e)}; no reminder was sent") from None
        self._smtp = smtp

    def close(self) -> None:
        import smtplib

        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        import smtplib

        if self._smtp is None:
            raise RuntimeError("SmtpMailer.send before open")
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            raise InvalidInput(f"the mail server {self.where} refused every recipient: "
                               f"{', '.join(sorted(e.recipients))}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise InvalidInput(f"the mail server {self.where} did not take the message: {_reason(e)}") from None
        if refused:
            raise InvalidInput(f"the mail server {self.where} refused {', '.join(sorted(refused))}")


def _reason(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


# -- the mixin ------------------------------------------------------------------------------------------


class RemindersMixin:
    """Reminders of due dates and their address book, on the :class:`~workflow.api.Workflow` mixed into."""

    if TYPE_CHECKING:  # what the mixin uses of the facade
        @property
        def _db(self) -> Store: ...
        @property
        def identity(self) -> Identity: ...
        clock: Callable[[], dt.datetime]

        def access(self) -> Access: ...
        def register_log(self) -> list[Entry]: ...
        def definition_of(self, case: Case, uow: UnitOfWork | None = None) -> Definition: ...
        def cases(self, *, definition: str | None = None, state: str | None = None, overdue: bool = False,
                  due_before: str | dt.date | None = None, today: dt.date | None = None,
                  limit: int | None = None) -> list[Case]: ...
        def _register(self, make: Callable[[Identity, Access], Drafts]) -> list[Entry]: ...
        def _register_in(self, uow: UnitOfWork, make: Callable[[Identity, Access], Drafts]) -> list[Entry]: ...

    # -- the address book ----------------------------------------------------------------------------

    def contacts(self) -> dict[str, str]:
        """Name -> e-mail address: whom reminders can reach."""
        return contacts_in(self.register_log())

    def set_contact(self, name: str, email: str) -> bool:
        """Give ``name`` (a login, or an assignee as decisions name them) an address; False if it had it."""
        from workflow.core.limits import check_text

        who = check_text("actor", name or "")
        address = (email or "").strip()
        if len(address) > 254 or not _EMAIL.match(address):
            raise InvalidInput(f"{address!r} is not an e-mail address (name@example.se)", field="email")

        def make(identity: "Identity", access: "Access") -> Drafts:
            _check_clerk(identity, access, "change the address book")
            return [] if self.contacts().get(who) == address else [(CONTACT, {"name": who, "email": address})]

        return bool(self._register(make))

    def remove_contact(self, name: str) -> bool:
        """Remove ``name``'s address (the log keeps that it was there); False if it had none."""
        who = (name or "").strip()

        def make(identity: "Identity", access: "Access") -> Drafts:
            _check_clerk(identity, access, "change the address book")
            return [(CONTACT, {"name": who, "email": None})] if who in self.contacts() else []

        return bool(self._register(make))

    # -- reminders ------------------------------------------------------------------------------------

    def reminders_sent(self) -> list["Entry"]:
        """Every ``reminder_sent`` entry of the register log, oldest first."""
        return [e for e in self.register_log() if e.kind == SENT]

    def due_reminders(self, today: dt.date | None = None, *, lang: str | None = None,
                      sender: str = "") -> tuple[list[Reminder], int]:
        """The reminders to send on ``today`` (default: the clock's day) that were not sent before, with their
        messages in ``lang`` (default: Swedish unless chosen otherwise); and how many had been sent already."""
        day = today or self.clock().date()
        lang = language(lang)
        log = self.register_log()
        book, done = contacts_in(log), sent_in(log)
        registrars = self._registrars(log)
        out: list[Reminder] = []
        already = 0
        for case in self.cases(due_before=day + HORIZON):
            definition = self.definition_of(case)
            for name, d in sorted(case.data.get("due", {}).items()):
                kind = definition.due_kinds.get(name)
                if d.get("status") != "open" or kind is None:
                    continue
                due_on = _last_day(d["date"])
                stage = stage_on(kind, due_on, day)
                if stage is None:
                    continue
                if (case.id, name, d["date"], stage) in done:
                    already += 1
                    continue
                out.append(_reminder(definition, case, name, d, due_on, stage, kind, registrars, book, lang, sender,
                                     day))
        out.sort(key=lambda r: (r.due_on, r.case_label, r.due))
        return out, already

    def send_reminders(self, mailer: Mailer | None = None, *, today: dt.date | None = None,
                       lang: str | None = None) -> RemindReport:
        """Send the reminders due on ``today``, each once, and record each as it goes; without a ``mailer``
        (a dry run) only say what would be sent.  The mailer is opened (:class:`SmtpMailer`: connected and
        logged in) only when there is something to send, and before anything is locked."""
        reminders, already = self.due_reminders(today, lang=lang, sender=mailer.sender if mailer else "")
        report = RemindReport(already=already)
        report.unaddressed = [r for r in reminders if not r.recipients]
        todo = [r for r in reminders if r.recipients]
        if mailer is None:
            report.sent = todo
            return report
        if not todo:
            return report
        _check_clerk(self.identity, self.access(), "send reminders")
        mailer.open()
        try:
            for r in todo:
                if self._send_one(mailer, r):
                    report.sent.append(r)
                else:
                    report.already += 1
        except InvalidInput as e:
            if report.sent:
                raise InvalidInput(f"{e.message}; {len(report.sent)} reminder(s) were sent and recorded before, "
                                   "the rest were not") from None
            raise
        finally:
            mailer.close()
        return report

    def _send_one(self, mailer: Mailer, r: Reminder) -> bool:
        """Send and record one reminder, under the register's lock; False if another run sent it meanwhile."""
        assert r.message is not None
        with self._db.unit_of_work() as uow:
            uow.lock_register()
            if r.key in sent_in(uow.register_log()):
                return False

            def make(identity: "Identity", access: "Access") -> Drafts:
                _check_clerk(identity, access, "send reminders")
                return [(SENT, {"case": r.case_id, "due": r.due, "date": r.date, "due_on": r.due_on.isoformat(),
                                "reminder": r.stage, "to": list(r.names), "recipients": list(r.recipients)})]

            mailer.send(r.message)
            self._register_in(uow, make)
        return True

    def _registrars(self, log: list["Entry"]) -> list[str]:
        """Holders of the registrar role; the owner, in a register whose roles were never enabled."""
        from workflow.access import replay

        access = replay(log)
        if access.enabled:
            return sorted(who for who, roles in access.grants.items() if REGISTRAR in roles)
        identity = self.identity
        return [identity.login] if identity.owner else []


def _check_clerk(identity: "Identity", access: "Access", what: str) -> None:
    """The register's owner, an administrator, a registrar or a trusted service may; no one else."""
    from workflow.access import SERVICE, check_user, is_admin

    check_user(identity, access)
    if is_admin(identity, access) or (access.enabled and access.holds(identity.user) & {REGISTRAR, SERVICE}):
        return
    raise PermissionDenied(f"{identity.user!r} may not {what}: only the register's owner, an administrator, "
                           f"a {REGISTRAR} or a service may")


def _last_day(date: str) -> dt.date:
    from workflow.core.decisions import PartialDate

    return PartialDate.parse(date).last_day()


def _reminder(definition: Definition, case: "Case", name: str, d: Mapping[str, Any], due_on: dt.date, stage: str,
              kind: DueKind, registrars: list[str], book: Mapping[str, str], lang: str, sender: str,
              today: dt.date) -> Reminder:
    from email.message import EmailMessage
    from email.utils import formataddr, formatdate, make_msgid

    from workflow.core.present import state_label, step_label
    from workflow.exchange.ical import describe

    holders = [h["holder"] for h in case.data.get("assignments", {}).get(name, {}).get("chain", [])]
    names = tuple(dict.fromkeys([*holders, *registrars]))
    to = {book[n]: n for n in reversed(names) if n in book}  # one name per address: the first that has it
    recipients = tuple(dict.fromkeys(book[n] for n in names if n in book))
    what, when = describe(definition, {"name": name, "date": d["date"], "meeting": d.get("meeting")}, lang)
    offer = None
    if stage.startswith("after-") and kind.offer_when_overdue and definition.transition(
            case.state, kind.offer_when_overdue) is not None:
        offer = step_label(definition, kind.offer_when_overdue, lang)
    label = case.label
    r = Reminder(case.id, label, case.title, name, d["date"], due_on, stage, what, when, names, recipients, offer)
    if not recipients:
        return r
    days = (due_on - today).days
    lines = [
        t("Due date in case {case}: {title}", lang, case=label, title=case.title),
        "",
        t("{what}: {when} (on {day} at the latest)", lang, what=what, when=when, day=format_date(due_on, lang)),
        (t("Due today.", lang) if days == 0 else
         t("1 day left.", lang) if days == 1 else
         t("{days} days left.", lang, days=days) if days > 0 else
         t("Passed yesterday.", lang) if days == -1 else
         t("Passed {days} days ago.", lang, days=-days)),
        t("The case is in the state: {state}.", lang, state=state_label(definition, case.state, lang)),
    ]
    if holders:
        lines.append(t("Assigned to: {names}.", lang, names=", ".join(dict.fromkeys(holders))))
    if offer:
        lines.append(t("Overdue: the step {step} can be taken in the case.", lang, step=offer))
    lines += ["", t("A reminder from the register ({stage}), sent once. Decisions are taken by the deciding body.",
                    lang, stage=stage_words(stage, lang))]
    message = EmailMessage()
    message["Subject"] = (t("Overdue: {what} {when}, case {case}", lang, what=what, when=when, case=label)
                          if days < 0 else t("Reminder: {what} {when}, case {case}", lang, what=what, when=when,
                                             case=label))
    message["From"] = sender
    message["To"] = ", ".join(formataddr((to[a], a)) for a in recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["X-Wf-Reminder"] = f"{case.id} {name} {d['date']} {stage}"
    message.set_content("\n".join(lines) + "\n")
    return Reminder(case.id, label, case.title, name, d["date"], due_on, stage, what, when, names, recipients,
                    offer, message)
