"""Whole cases with their full audit history, as canonical JSON.

The document (``"format": "kansli-workflow/cases", "version": 2``, described by
``cases.schema.json``) holds the definition sources the cases need and, for
each case, its stored state and every audit entry.  It is written in one
canonical form -- sorted keys, cases by id, entries by sequence number, no
export timestamp -- so export, import into an empty database, export again
gives the same bytes.

Import trusts nothing in the file: every hash chain is recomputed, every log
is replayed through the engine and must give the exported case, the
definitions must match their digests and what the database already knows,
and no case id or diary number may exist already.  Only then is anything
written, in one transaction.

The imported cases keep their logs exactly as recorded elsewhere -- who
entered each entry and when stay as the source said, as provenance -- and the
importing register records the import itself in its own log, and so in its
ledger: who imported, when, the file's SHA-256 and the key that signed it.
An export can be signed (Ed25519, over the canonical bytes of the document
without its signature); an import can require a signature by a given key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core import engine
from workflow.core.audit import Entry, verify_chain
from workflow.core.case import Case, DiaryNumber
from workflow.core.definition import Definition
from workflow.core.errors import AuditFailure, InvalidDefinition, InvalidInput, WorkflowError
from workflow.core.limits import check_case_values

if TYPE_CHECKING:
    from workflow.api import Workflow

FORMAT = "kansli-workflow/cases"
FORMAT_VERSION = 2


def _from_1(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no recorders: its entries read as recorded by nobody known (``recorded_by: null``)."""
    for case in doc.get("cases", []) if isinstance(doc.get("cases"), list) else []:
        for e in case.get("entries", []) if isinstance(case, dict) and isinstance(case.get("entries"), list) else []:
            if isinstance(e, dict):
                e.setdefault("recorded_by", None)
    return {**doc, "version": 2}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}
"""Version N -> N + 1: an old file is upgraded step by step, never refused."""
SCHEMA_PATH = Path(__file__).with_name("cases.schema.json")

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages ``verify`` and ``write``, counted in entries."""

_validator: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote."""

    cases: int
    entries: int
    definitions: tuple[str, ...]
    """``id vN`` of each definition the file carried."""
    case_ids: tuple[str, ...] = ()


# -- export ---------------------------------------------------------------------


def case_json(case: Case, entries: Sequence[Entry]) -> dict[str, Any]:
    """One case of the document: its stored state, its chain head and its log."""
    out = case.to_json()
    out["head_seq"] = case.head_seq
    out["head_hash"] = case.head_hash
    out["entries"] = [e.to_json() for e in entries]
    return out


def export_cases(wf: "Workflow", keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The document for the given cases (ids or diary numbers), or for every case.

    Refuses (:class:`AuditFailure`) a case whose log does not verify: an export
    is a copy of the record, and a broken record must be looked at first.
    """
    ids = None if keys is None else sorted({wf.case(k).id for k in keys})
    definitions: dict[tuple[str, int], Definition] = {}
    out_cases = []
    for case, entries, _due in wf.logs(ids):
        problems = verify_chain(case.id, entries, case.head_seq, case.head_hash)
        if problems:
            raise AuditFailure(f"not exported: {problems[0]} (verify the audit log)")
        key = (case.definition_id, case.definition_version)
        if key not in definitions:
            definitions[key] = wf.definition_of(case)
        out_cases.append(case_json(case, entries))
    out_cases.sort(key=lambda c: c["id"])
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "definitions": [
            {"id": d.id, "version": d.version, "digest": d.digest, "text": d.text}
            for _k, d in sorted(definitions.items())
        ],
        "cases": out_cases,
    }


def dumps(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a document: UTF-8, sorted keys, one-space indent, final newline."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)
    return (text + "\n").encode("utf-8")


def export_bytes(wf: "Workflow", keys: Iterable[str] | None = None, private_key: bytes | None = None) -> bytes:
    """The canonical file; signed with ``private_key`` (Ed25519, PEM) if given."""
    doc = export_cases(wf, keys)
    return dumps(sign(doc, private_key) if private_key is not None else doc)


def sign(doc: dict[str, Any], private_key: bytes) -> dict[str, Any]:
    """The document with its ``signature``: over the canonical bytes of the document without one."""
    from workflow.ledger import sign_text

    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    return {**unsigned, "signature": sign_text(dumps(unsigned), private_key, "the signing key")}


def signed_by(doc: dict[str, Any], public_key: bytes, source: str = "<input>") -> str:
    """The fingerprint of ``public_key`` if it signed the document; :class:`AuditFailure` if not."""
    import hashlib

    from workflow.ledger import signature_holds

    signature = doc.get("signature")
    if not isinstance(signature, str):
        raise AuditFailure(f"{source}: the file is not signed, and a signature is required")
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    if not signature_holds(dumps(unsigned), signature, public_key, "the required key"):
        raise AuditFailure(f"{source}: the file's signature was not made with the required key: "
                           "it was changed after signing, or signed by someone else")
    return hashlib.sha256(public_key.strip()).hexdigest()[:16]


# -- reading and checking a document ---------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def load_document(data: bytes | str, source: str = "<input>") -> dict[str, Any]:
    """Parse and schema-check a document; :class:`InvalidInput` names what is wrong."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{source}: not UTF-8 text (byte {e.start})")
    else:
        text = data
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidInput(f"{source}: not a case export: JSON nested too deeply")
    except ValueError as e:
        raise InvalidInput(f"{source}: not valid JSON: {e}")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInput(f"{source}: not a case export (format {found!r}, expected {FORMAT!r})")
    version = doc.get("version")
    while isinstance(version, int) and not isinstance(version, bool) and version in MIGRATIONS:
        doc = MIGRATIONS[version](doc)
        version = doc["version"]
    if version != FORMAT_VERSION:
        raise InvalidInput(
            f"{source}: case export format version {doc.get('version')!r} is not supported "
            f"(this program reads versions up to {FORMAT_VERSION})"
        )
    try:
        _schema_validator()(doc)
    except RecursionError:
        raise InvalidInput(f"{source}: not a case export: nested too deeply")
    except Exception as e:  # fastjsonschema.JsonSchemaValueException, imported lazily
        if type(e).__name__ != "JsonSchemaValueException":
            raise
        raise InvalidInput(f"{source}: not a valid case export: {e}")
    return doc


def _schema_validator() -> Callable[[Any], Any]:
    global _validator
    if _validator is None:
        import fastjsonschema

        _validator = fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return _validator


def _definitions(wf: "Workflow", doc: dict[str, Any], source: str) -> dict[tuple[str, int], tuple[Definition, str]]:
    """The file's definitions, loaded and checked against their digests, the registry and the database."""
    from workflow.core.loading import load_text

    found: dict[tuple[str, int], tuple[Definition, str]] = {}
    for item in doc["definitions"]:
        key = (item["id"], item["version"])
        where = f"{source}: definition {item['id']} v{item['version']}"
        if key in found:
            raise InvalidInput(f"{where}: given twice")
        try:
            d = load_text(item["text"], f"<{where}>")
        except InvalidDefinition as e:
            raise InvalidInput(f"{where}: {e.problem} ({e.element})")
        if d.key != key:
            raise InvalidInput(f"{where}: its text defines {d.id} v{d.version}")
        if d.digest != item["digest"]:
            raise InvalidInput(f"{where}: its text does not match its digest (changed after export)")
        if wf.registry.has(*key) and wf.registry.get(*key).digest != d.digest:
            raise InvalidInput(
                f"{where}: this installation has a different definition under the same id and version"
            )
        stored = wf.stored_definition(*key)
        if stored is not None and stored[1] != d.digest:
            raise InvalidInput(
                f"{where}: the database has a different definition under the same id and version"
            )
        found[key] = (d, item["text"])
    return found


def _check_case(definition: Definition, item: dict[str, Any]) -> tuple[Case, list[Entry]]:
    """The case and entries of one document item, after verifying chain and replay."""
    case_id = item["id"]
    entries = [Entry.from_json(e) for e in item["entries"]]
    for e in entries:
        if e.case_id != case_id:
            raise AuditFailure(f"case {case_id}: entry {e.seq} belongs to case {e.case_id}")
    problems = verify_chain(case_id, entries, item["head_seq"], item["head_hash"])
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AuditFailure(f"refused: {problems[0]}{more}")
    try:
        replayed = engine.replay(definition, entries)
    except WorkflowError as e:
        raise AuditFailure(f"refused: case {case_id}: the log does not replay: {e}")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise AuditFailure(f"refused: case {case_id}: the log does not replay: malformed entry ({e!r})")
    stated = Case(
        id=case_id, definition_id=item["definition"], definition_version=item["definition_version"],
        state=item["state"], title=item["title"],
        numbers=[DiaryNumber(n["number"], n.get("party")) for n in item["numbers"]],
        data=item["data"], version=item["version"], opened_at=item["opened_at"],
        updated_at=item["updated_at"], head_seq=item["head_seq"], head_hash=item["head_hash"],
    )
    differs = [
        name for name in (
            "id", "definition_id", "definition_version", "state", "title", "numbers", "data", "version",
            "opened_at", "updated_at", "head_seq", "head_hash",
        )
        if getattr(replayed, name) != getattr(stated, name)
    ]
    if differs:
        raise AuditFailure(
            f"refused: case {case_id}: the exported case differs from its replayed log in: {', '.join(differs)}"
        )
    return stated, entries


def import_cases(
    wf: "Workflow", data: bytes | str | dict[str, Any], *, source: str = "<input>",
    progress: Progress | None = None,
    require_key: bytes | None = None,
) -> ImportReport:
    """Check a whole document, then write all of it in one transaction, or nothing.

    ``require_key`` (an Ed25519 public key, PEM) refuses a file not signed with it.
    """
    import hashlib

    # A document given as a dict is checked like a file, so nothing unchecked gets in.
    raw = json.dumps(data).encode("utf-8") if isinstance(data, dict) else data
    doc = load_document(raw, source)
    signer = signed_by(doc, require_key, source) if require_key is not None else None
    now = wf.clock()
    for item in doc["cases"]:  # every value within the limits it would have if typed now, before anything else
        check_case_values(item, now, source)
    definitions = _definitions(wf, doc, source)
    total = sum(len(c["entries"]) for c in doc["cases"])
    seen_ids: set[str] = set()
    seen_numbers: dict[str, str] = {}
    checked: list[tuple[Case, list[Entry]]] = []
    done = 0
    for item in doc["cases"]:
        case_id = item["id"]
        if case_id in seen_ids:
            raise InvalidInput(f"{source}: case {case_id} is given twice")
        seen_ids.add(case_id)
        for n in item["numbers"]:
            if n["number"] in seen_numbers:
                raise InvalidInput(
                    f"{source}: diary number {n['number']!r} is given to cases {seen_numbers[n['number']]} and {case_id}"
                )
            seen_numbers[n["number"]] = case_id
        key = (item["definition"], item["definition_version"])
        if key in definitions:
            definition = definitions[key][0]
        else:
            raise InvalidInput(
                f"{source}: case {case_id} needs definition {key[0]} v{key[1]}, which the file does not carry"
            )
        checked.append(_check_case(definition, item))
        done += len(item["entries"])
        if progress:
            progress("verify", done, total)
    if not checked:
        raise InvalidInput(f"{source}: the file holds no cases")
    provenance: dict[str, object] = {
        "file": source[-200:], "sha256": hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode("utf-8")).hexdigest(),
        "signed_by_key": signer,
    }
    wf.insert_verified(list(definitions.values()), checked, provenance,
                       progress=(lambda n: progress("write", n, total)) if progress else None)
    return ImportReport(
        cases=len(checked), entries=total,
        definitions=tuple(f"{d.id} v{d.version}" for d, _t in definitions.values()),
        case_ids=tuple(c.id for c, _e in checked),
    )
