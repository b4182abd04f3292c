"""``wf serve``: the web app and HTTP API; its accounts and API tokens.

    wf serve [--host 127.0.0.1] [--port 8000] [--trusted-header X-Remote-User]
    wf serve account add anna.svensson            # asks for the password
    wf serve token issue diariet                  # prints the token, once
    wf serve token revoke diariet
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click
from workflow_cli.context import Context, emit_json, json_option, table

from workflow.i18n import t

if TYPE_CHECKING:
    from workflow.web.facade import WebWorkflow


def _database(ctx: click.Context) -> str | None:
    found = ctx.find_object(Context)
    return (found.database_url if found is not None else None) or os.environ.get("WF_DATABASE_URL")


def _facade(ctx: click.Context) -> "WebWorkflow":
    from workflow.web.facade import WebWorkflow

    wf = WebWorkflow(_database(ctx))
    ctx.call_on_close(wf.close)
    return wf


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port.")
@click.option("--trusted-header", metavar="HEADER", envvar="WF_TRUSTED_HEADER",
              help="Trust this request header to name the person the single sign-on proxy logged in "
                   "(e.g. X-Remote-User); only behind that proxy. Off by default.")
@click.option("--secret-file", type=click.Path(dir_okay=False), envvar="WF_WEB_SECRET_FILE",
              help="The file holding the key that signs sessions (made when missing; default in the data folder).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-Proto (https: Secure cookies) is believed.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, trusted_header: str | None, secret_file: str | None,
          forwarded_allow_ips: str) -> None:
    """Serve the web app and the HTTP API (pages at /, the API's description at /openapi.json)."""
    if ctx.invoked_subcommand is not None:
        return
    from pathlib import Path

    import uvicorn

    from workflow.web.app import WebConfig, create_app

    config = WebConfig(database_url=_database(ctx), trusted_header=trusted_header,
                       secret_file=Path(secret_file) if secret_file else None)
    app = create_app(config)
    click.echo(t("serving {url} on http://{host}:{port}/", url=app.state.web.wf.database, host=host, port=port),
               err=True)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                log_level="warning", access_log=False)


@serve.group()
def account() -> None:
    """Local accounts of the web app (the name is the person roles are granted to)."""


def _password(password: str | None) -> str:
    if password is not None:
        return password
    env = os.environ.get("WF_PASSWORD")
    if env:
        return env
    return str(click.prompt(t("Password"), hide_input=True, confirmation_prompt=True))


@account.command("add")
@click.argument("name")
@click.option("--password", help="The password (default: WF_PASSWORD, else asked for).")
@click.pass_context
def account_add(ctx: click.Context, name: str, password: str | None) -> None:
    """Create an account NAME."""
    made = _facade(ctx).add_account(name, _password(password))
    click.echo(t("account {name} created", name=made.name))


@account.command("password")
@click.argument("name")
@click.option("--password", help="The new password (default: WF_PASSWORD, else asked for).")
@click.pass_context
def account_password(ctx: click.Context, name: str, password: str | None) -> None:
    """Set the password of account NAME; its sessions end."""
    _facade(ctx).set_password(name, _password(password))
    click.echo(t("password of {name} set", name=name))


@account.command("disable")
@click.argument("name")
@click.pass_context
def account_disable(ctx: click.Context, name: str) -> None:
    """Disable account NAME; its sessions end."""
    changed = _facade(ctx).disable_account(name)
    click.echo(t("account {name} disabled", name=name) if changed else t("account {name} was disabled already", name=name))


@account.command("enable")
@click.argument("name")
@click.pass_context
def account_enable(ctx: click.Context, name: str) -> None:
    """Enable account NAME again."""
    changed = _facade(ctx).disable_account(name, disabled=False)
    click.echo(t("account {name} enabled", name=name) if changed else t("account {name} was enabled already", name=name))


@account.command("list")
@json_option
@click.pass_context
def account_list(ctx: click.Context, as_json: bool) -> None:
    """The accounts."""
    found = _facade(ctx).accounts()
    rows = [{"name": a.name, "disabled": a.disabled, "created_at": a.created_at, "created_by": a.created_by}
            for a in sorted(found.accounts.values(), key=lambda a: a.name)]
    if as_json:
        emit_json(rows)
        return
    table([t("NAME"), t("STATUS"), t("CREATED"), t("BY")],
          [(r["name"], t("disabled") if r["disabled"] else t("active"), str(r["created_at"])[:16], r["created_by"])
           for r in rows])


@serve.group()
def token() -> None:
    """API tokens for the tools around the register (only a hash of each is kept)."""


@token.command("issue")
@click.argument("name")
@click.option("--person", help="Whom the token records as (default: NAME); their roles apply.")
@click.option("--scope", type=click.Choice(["api", "feed"]), default="api", show_default=True,
              help="api: the HTTP API; feed: only the calendar feed.")
@click.pass_context
def token_issue(ctx: click.Context, name: str, person: str | None, scope: str) -> None:
    """Issue a token NAME (replacing one of the same name) and print it: it is shown this once."""
    click.echo(_facade(ctx).issue_token(name, person=person, scope=scope))


@token.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the token NAME."""
    done = _facade(ctx).revoke_token(name)
    click.echo(t("token {name} revoked", name=name) if done else t("no token {name} in force", name=name))


@token.command("list")
@json_option
@click.pass_context
def token_list(ctx: click.Context, as_json: bool) -> None:
    """The tokens in force (never the tokens themselves)."""
    found = _facade(ctx).accounts()
    rows = [{"name": x.name, "person": x.person, "scope": x.scope, "issued_at": x.issued_at, "issued_by": x.issued_by}
            for x in sorted(found.tokens.values(), key=lambda x: x.name)]
    if as_json:
        emit_json(rows)
        return
    table([t("NAME"), t("PERSON"), t("SCOPE"), t("ISSUED"), t("BY")],
          [(r["name"], r["person"], r["scope"], str(r["issued_at"])[:16], r["issued_by"]) for r in rows])
