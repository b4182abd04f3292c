"""The root ``wf`` group: global options, lazy subcommands, and the one place errors become exit codes."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click
from workflow_cli.context import LazyCommands

from workflow.core.errors import WorkflowError

COMMANDS = {
    "definitions": ("workflow_cli.definitions", "definitions", "Process definitions: list, show, validate, draw."),
    "case": ("workflow_cli.case", "case", "Open cases, record decisions, read where they stand."),
    "audit": ("workflow_cli.audit", "audit", "Prove the register was not rewritten: verify, digest, keys."),
    "db": ("workflow_cli.db", "db", "The database schema: status and upgrade."),
    "roles": ("workflow_cli.roles", "roles", "Who may record: enable roles, grant, revoke and list them."),
    "serve": ("workflow_cli.serve", "serve", "The web app and HTTP API; its accounts and API tokens."),
    "replay": ("workflow_cli.replay", "replay", "Record scenario files (a case and its decisions), each in one transaction."),
    "cases": ("workflow_cli.cases", "cases", "Acts on many cases at once: migrate open cases to a new version."),
    "meeting": ("workflow_cli.meeting", "meeting", "Meetings: plan, agenda, decide items, adjust, post, documents."),
    "due": ("workflow_cli.due", "due", "Due dates and unreported urgent decisions across cases (--ics for calendars)."),
    "demo": ("workflow_cli.demo", "demo", "Replay the two real cases of the seeds into a fresh database."),
    "diagrams": ("workflow_cli.diagrams", "diagrams", "Rebuild or check the committed process and case diagrams."),
    "export": ("workflow_cli.exchange", "export_cmd", "Export cases with their full history as JSON."),
    "import": ("workflow_cli.exchange", "import_cmd", "Import cases from a JSON export (verified, all or nothing)."),
    "archive": ("workflow_cli.exchange", "archive", "Archive closed cases as CITS ERMS (FGS Ärendehantering)."),
}

INTERNAL_ERROR = 70
USAGE_ERROR = 2

# What to run, for errors whose remedy is a command of this CLI (the library does not name commands).
# Errors are in English, as the library's messages are (they are not yet in the catalogues): a line
# half in Swedish would be worse than one in English.
_REMEDIES = {
    "SchemaOutdated": "run 'wf db upgrade'",
    "GraphvizMissing": "or use --format dot or --format mermaid",
}


def message(e: WorkflowError) -> str:
    """An error's message, with the option that supplies its field and the command that mends it."""
    from workflow_cli.context import flag_for

    text = str(e)
    flag = flag_for(e.field)
    if flag:
        text += f" ({flag})"
    if e.field == "proposal_outcome":
        text += " (wf case proposal-outcome)"
    for cls in type(e).__mro__:
        if cls.__name__ in _REMEDIES:
            text += f"; {_REMEDIES[cls.__name__]}"
            break
    return text


def exit_code_table() -> list[tuple[int, str]]:
    """Every exit code of ``wf``: those of the error classes, with usage and internal errors."""
    from workflow.core.errors import exit_codes

    return sorted([(0, "ok"), *exit_codes(), (USAGE_ERROR, "usage error: an unknown option, a missing argument"),
                   (INTERNAL_ERROR, "internal error (a bug; WF_DEBUG=1 shows the traceback)")])


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that flushing what is left at exit
    raises no second BrokenPipeError (the recipe of Python's documentation of SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (captured output): nothing to flush to a pipe
        pass


class LazyGroup(LazyCommands):
    """The root group: lazy subcommands, and the one place errors become exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WorkflowError as e:
            click.echo(f"error: {message(e)}", err=True)
            ctx.exit(e.exit_code)
        except BrokenPipeError:  # the reader has gone (wf case show X | head -1): nothing more to say
            _quiet_stdout()
            ctx.exit(0)
        except KeyboardInterrupt as e:
            click.echo("interrupted; nothing half-written was kept", err=True)
            ctx.exit(128 + getattr(e, "signal", signal.SIGINT))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # the last guard: never a traceback for a user
            if os.environ.get("WF_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e} (set WF_DEBUG=1 for details)", err=True)
            ctx.exit(INTERNAL_ERROR)


class _Root(LazyGroup):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Exit codes"):
            formatter.write_dl([(str(code), meaning) for code, meaning in exit_code_table()])


@click.group(cls=_Root, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", envvar="WF_DATABASE_URL", metavar="URL",
              help="Database URL (default: SQLite in ~/.local/share/wf/wf.sqlite3; env WF_DATABASE_URL).")
@click.option("--lang", type=click.Choice(["sv", "en"]),
              help="Language of the output: sv (default) or en; else WF_LANG, else the locale's if English.")
@click.version_option(package_name="kansli-workflow", prog_name="wf")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, lang: str | None) -> None:
    """wf -- record the decisions of committees and councils, case by case."""
    from workflow_cli.context import Context

    from workflow.i18n import set_language

    set_language(lang)  # every run chooses afresh (None: WF_LANG, the locale, Swedish)
    ctx.obj = Context(database_url)
    ctx.call_on_close(ctx.obj.close)


class Stopped(KeyboardInterrupt):
    """A termination signal, ended like Ctrl-C: open transactions roll back and a file being written
    (an export) is removed, not left behind half-written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signum


def _stop(signum: int, _frame: Any) -> None:
    raise Stopped(signum)


def main() -> None:
    for stop in (signal.SIGTERM, signal.SIGHUP):  # a service manager, timeout(1), a closed terminal
        signal.signal(stop, _stop)
    try:
        cli.main(prog_name="wf")
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)
    except SystemExit as e:
        # Click ends with 1 when its own output (help, a usage error) met a closed pipe, after
        # wrapping the streams so that nothing more is said: for wf that is a quiet end too.
        if e.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            sys.exit(0)
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
