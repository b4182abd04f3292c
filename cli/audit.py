"""``wf audit``: prove the register was not rewritten -- verify, digest, keys."""

from __future__ import annotations

from pathlib import Path

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context

from workflow.i18n import t


@click.group()
def audit() -> None:
    """Prove the register was not rewritten: verify, digest, keys."""


@audit.command()
@click.argument("key", metavar="[CASE]", required=False)
@click.option("--digest", "digest_line", metavar="LINE",
              help="Also prove the ledger extends the one this digest (from 'wf audit digest') describes; "
                   "'@FILE' reads it from a file.")
@click.option("--public-key", type=click.Path(dir_okay=False), metavar="FILE",
              help="The digest must be signed with the private half of this Ed25519 key (PEM).")
@json_option
@pass_context
def verify(ctx: Context, key: str | None, digest_line: str | None, public_key: str | None, as_json: bool) -> None:
    """Recompute every hash chain, replay every log, and check the ledger.

    Each case's stored row, diary numbers and due dates must be what its log
    gives; the roles table what the register log gives; every entry must be
    in the ledger as the database appended it.  With --digest, the ledger must
    extend the one a digest taken earlier describes: any entry it covers that
    was changed, removed or re-hashed since is named.
    """
    from workflow.ledger import Digest

    if public_key is not None and digest_line is None:
        from workflow.core.errors import InvalidInput

        raise InvalidInput("--public-key checks the signature of a digest: give --digest too")
    digest = Digest.parse(_read_arg(digest_line, "digest")) if digest_line is not None else None
    report = ctx.workflow.verify(key, digest=digest,
                                 public_key=_read_file(public_key, "public key") if public_key else None)
    if as_json:
        out: dict[str, object] = {
            "ok": report.ok, "cases": report.cases, "entries": report.entries, "ledger": report.ledger_size,
            "problems": [{"log": p.log, "case": p.case_id or None, "seq": p.seq, "problem": p.problem}
                         for p in report.problems]}
        if report.consistency is not None:
            c = report.consistency
            out["consistency"] = {"from": c.old.line, "to": c.new.line, "proof": list(c.proof)}
        emit_json(out)
    else:
        for p in report.problems:
            click.echo(f"FAIL {p}", err=True)  # English, as the library's messages are
        if report.ok:
            extends = (t("; it extends the digest of {size} entries", size=digest.size) if digest is not None else "")
            click.echo(t("ok: {cases} case(s), {entries} entries verified; ledger of {size} entries",
                         cases=report.cases, entries=report.entries, size=report.ledger_size) + extends)
    report.raise_for_problems()


@audit.command()
@click.option("--sign", "private_key", type=click.Path(dir_okay=False), metavar="FILE",
              help="Sign the digest with this Ed25519 private key (PEM), kept outside the database.")
@json_option
@pass_context
def digest(ctx: Context, private_key: str | None, as_json: bool) -> None:
    """Print one line -- the ledger's size and root -- to paste into the minutes.

    'wf audit verify --digest LINE' later proves that nothing the digest
    covers was changed, removed or re-hashed.  Refused while the ledger does
    not match the entries.
    """
    taken = ctx.workflow.digest(_read_file(private_key, "private key") if private_key else None)
    if as_json:
        emit_json({"line": taken.line, "size": taken.size, "root": taken.root, "signed": bool(taken.signature)})
        return
    click.echo(taken.line)


@audit.command()
@click.argument("private", type=click.Path(dir_okay=False))
@click.argument("public", type=click.Path(dir_okay=False))
def keygen(private: str, public: str) -> None:
    """Make an Ed25519 key pair for signing digests: PRIVATE (kept secret, mode 600) and PUBLIC."""
    import os

    from workflow.core.errors import InvalidInput
    from workflow.ledger import new_keys
    from workflow.outfile import write_atomically

    if os.path.lexists(private) or os.path.lexists(public):
        raise InvalidInput(f"{private if os.path.lexists(private) else public} exists; keys are never overwritten")
    secret, shared = new_keys()
    write_atomically(private, secret)
    os.chmod(private, 0o600)
    write_atomically(public, shared)
    click.echo(t("wrote {private} (keep it outside the database, readable by you alone) and {public}",
                 private=private, public=public))


def _read_arg(value: str, what: str) -> str:
    if not value.startswith("@"):
        return value
    return _read_file(value[1:], what).decode("utf-8", errors="replace").strip()


def _read_file(path: str, what: str) -> bytes:
    from workflow.core.errors import InvalidInput

    try:
        with Path(path).open("rb") as f:
            return f.read(1024 * 1024)
    except OSError as e:
        raise InvalidInput(f"cannot read the {what} file {path!r}: {e.strerror or e}")
