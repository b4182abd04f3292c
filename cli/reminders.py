"""``wf due remind`` and ``wf due contacts``: reminders of due dates by e-mail, and their address book."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

from workflow.i18n import t

if TYPE_CHECKING:
    from workflow.reminders import Reminder, RemindersMixin


def _reminding(ctx: Context) -> "RemindersMixin":
    """The API object (its reminders are part of it)."""
    return ctx.workflow


@click.command()
@click.option("--today", metavar="DATE", help="What day it is (default: today).")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send and record nothing.")
@json_option
@pass_context
def remind(ctx: Context, today: str | None, dry_run: bool, as_json: bool) -> None:
    """Send by e-mail the reminders of due dates that fall today, each once.

    A due date's kind says when (remind: before/after, in days). A reminder goes to the holders of the
    task assigned under the due date's name and to the registrars, where the address book (wf due
    contacts) has their address; each is recorded in the register log and never sent twice, so the
    command can run from cron every day, or beside wf serve. Exit 0 when every reminder due went out;
    5 when one has no known address or the mail server cannot be reached (nothing is recorded for what
    was not sent).

    The mail server: WF_SMTP_HOST (localhost), WF_SMTP_PORT (25), WF_SMTP_USER and WF_SMTP_PASSWORD,
    WF_SMTP_STARTTLS (1 or 0; on with a login), WF_MAIL_FROM (the sender; needed to send).
    """
    from workflow.api import _as_date
    from workflow.core.errors import InvalidInput
    from workflow.reminders import SmtpMailer, SmtpSettings

    day = _as_date(today) if today else dt.date.today()
    wf = _reminding(ctx)
    mailer = None if dry_run else SmtpMailer(SmtpSettings.from_env())
    report = wf.send_reminders(mailer, today=day)
    if as_json:
        emit_json({"dry_run": dry_run, "sent": [r.to_json() for r in report.sent], "already_sent": report.already,
                   "unaddressed": [r.to_json() for r in report.unaddressed]})
    else:
        rows = [*((r, ", ".join(r.recipients)) for r in report.sent),
                *((r, t("(no address: {names})", names=", ".join(r.names) or "-")) for r in report.unaddressed)]
        if rows:
            _table(rows)
        if dry_run:
            click.echo(t("would send {count} reminder(s); {already} sent before", count=len(report.sent),
                         already=report.already))
        else:
            click.echo(t("sent {count} reminder(s); {already} sent before", count=len(report.sent),
                         already=report.already))
    if report.unaddressed:
        first = report.unaddressed[0]
        raise InvalidInput(
            f"{len(report.unaddressed)} reminder(s) have no recipient with a known e-mail address (the first: "
            f"{first.case_label} {first.due}, for {', '.join(first.names) or 'no one'}); give an address with "
            "'wf due contacts set NAME EMAIL' (the task's holder or a registrar)", field="email")


def _table(rows: list[tuple["Reminder", str]]) -> None:
    from workflow.reminders import stage_words

    table([t("DUE ON"), t("WHAT"), t("WHEN"), t("CASE"), t("REMINDER"), t("TO")], [
        (r.due_on.isoformat(), r.what, r.when, r.case_label, stage_words(r.stage), to) for r, to in rows
    ], wrap=[1, 2, 5])


@click.group()
def contacts() -> None:
    """The address book of reminders: who can be reached at which e-mail address."""


@contacts.command("set")
@click.argument("name")
@click.argument("email")
@pass_context
def set_(ctx: Context, name: str, email: str) -> None:
    """Give NAME (a login, or an assignee as decisions name them) the address EMAIL."""
    changed = _reminding(ctx).set_contact(name, email)
    click.echo(t("{name}: {email}", name=name.strip(), email=email.strip()) if changed else
               t("{name} has that address already", name=name.strip()))


@contacts.command()
@click.argument("name")
@pass_context
def remove(ctx: Context, name: str) -> None:
    """Remove NAME's address (the register log keeps that it was there)."""
    removed = _reminding(ctx).remove_contact(name)
    click.echo(t("removed the address of {name}", name=name.strip()) if removed else
               t("{name} has no address", name=name.strip()))


@contacts.command("list")
@json_option
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """Every name with its address."""
    book: dict[str, Any] = _reminding(ctx).contacts()
    if as_json:
        emit_json(book)
        return
    table([t("NAME"), t("E-MAIL")], sorted(book.items()), wrap=[0])
