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

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from workflow.core import engine
from workflow.core.audit import Entry, verify_chain
from workflow.core.case import Case, DiaryNumber
from workflow.core.definition import Definition
from workflow.core.errors import AuditFailure, InvalidDefinition, InvalidInput, WorkflowError
from workflow.core.limits import check_case_values

if TYPE_CHECKING:
    from workflow.api import Workflow
    from workflow.store.repository import Log

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
"""``progress(stage, done, total)``; stages ``verify`` (each case checked and queued for writing) and
``write`` (everything written), counted in entries."""

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


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    cases: int
    entries: int


def _logs_in_order(wf: "Workflow", keys: Iterable[str] | None) -> "Iterator[Log]":
    """The logs to export, by case id as Python orders them (the canonical order), a page at a time."""
    if keys is not None:
        return wf.logs(sorted({wf.case(k).id for k in keys}))
    return wf.logs(ordered=True)


def _exported(wf: "Workflow", keys: Iterable[str] | None, counts: list[int],
              definitions: dict[tuple[str, int], Definition]) -> Iterator[dict[str, Any]]:
    """Each case of the document, its log checked first; the definitions they need are gathered on the way."""
    for case, entries, _due in _logs_in_order(wf, keys):
        problems = verify_chain(case.id, entries, case.head_seq, case.head_hash)
        if problems:
            raise AuditFailure(f"not exported: {problems[0]} (verify the audit log)")
        key = (case.definition_id, case.definition_version)
        if key not in definitions:
            definitions[key] = wf.definition_of(case)
        counts[0] += 1
        counts[1] += len(entries)
        yield case_json(case, entries)


def _definitions_json(definitions: dict[tuple[str, int], Definition]) -> list[dict[str, Any]]:
    return [{"id": d.id, "version": d.version, "digest": d.digest, "text": d.text}
            for _k, d in sorted(definitions.items())]


def export_cases(wf: "Workflow", keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The document for the given cases (ids or diary numbers), or for every case, in memory.

    Refuses (:class:`AuditFailure`) a case whose log does not verify: an export
    is a copy of the record, and a broken record must be looked at first.  For
    a whole register, :func:`write_export` writes the same bytes a case at a time.
    """
    definitions: dict[tuple[str, int], Definition] = {}
    out_cases = list(_exported(wf, keys, [0, 0], definitions))
    return {"format": FORMAT, "version": FORMAT_VERSION, "definitions": _definitions_json(definitions),
            "cases": out_cases}


def dumps(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a document: UTF-8, sorted keys, one-space indent, final newline."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _nested(value: Any, level: int) -> str:
    """``value`` as :func:`dumps` writes it ``level`` deep in the document (its first line not indented)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False).replace(
        "\n", "\n" + " " * level)


def canonical_chunks(cases: Iterable[dict[str, Any]], header: Callable[[], dict[str, Any]]) -> Iterator[bytes]:
    """The bytes of :func:`dumps` of ``{"cases": [...], **header()}``, a case at a time.

    ``header()`` (the other members: definitions, format, version, signature) is
    called once the cases are written, so it may name what they needed.  The
    cases come first because ``"cases"`` sorts first; JSON text holds no raw
    newline in a string, so indenting line by line is exact.
    """
    yield b'{\n "cases": ['
    first = True
    for case in cases:
        yield (("\n  " if first else ",\n  ") + _nested(case, 2)).encode("utf-8")
        first = False
    rest = header()
    members = [f" {json.dumps(k, ensure_ascii=False)}: {_nested(rest[k], 1)}" for k in sorted(rest)]
    yield (("]" if first else "\n ]") + "".join(",\n" + m for m in members) + "\n}\n").encode("utf-8")


def write_export(wf: "Workflow", out: BinaryIO, keys: Iterable[str] | None = None,
                 private_key: bytes | None = None) -> ExportReport:
    """Write the canonical file to ``out`` a case at a time: the memory held is one page of cases.

    The bytes are :func:`export_bytes`'s.  Signed with ``private_key``
    (Ed25519, PEM), the document without its signature is written to a
    temporary file first, signed reading it twice, and copied to ``out`` with
    the signature in its place.  A case whose log does not verify stops the
    export (:class:`AuditFailure`) with part of the file written: write to a
    temporary file and keep it only if this returns.
    """
    counts = [0, 0]
    definitions: dict[tuple[str, int], Definition] = {}

    def header() -> dict[str, Any]:
        return {"definitions": _definitions_json(definitions), "format": FORMAT, "version": FORMAT_VERSION}

    chunks = canonical_chunks(_exported(wf, keys, counts, definitions), header)
    if private_key is None:
        for chunk in chunks:
            out.write(chunk)
        return ExportReport(*counts)
    import tempfile

    from workflow.ledger import sign_chunks

    with tempfile.TemporaryFile() as unsigned:
        for chunk in chunks:
            unsigned.write(chunk)
        tail = _nested(FORMAT_VERSION, 1) + "\n}\n"  # the last member, "version", and the end
        size = unsigned.tell()

        def message() -> Iterator[bytes]:
            unsigned.seek(0)
            while block := unsigned.read(1 << 20):
                yield block

        signature = sign_chunks(message, private_key, "the signing key")
        end = size - len(f' "version": {tail}'.encode())
        unsigned.seek(0)
        left = end
        while left > 0:
            block = unsigned.read(min(left, 1 << 20))
            out.write(block)
            left -= len(block)
        out.write(f' "signature": {json.dumps(signature)},\n "version": {tail}'.encode())
    return ExportReport(*counts)


def export_bytes(wf: "Workflow", keys: Iterable[str] | None = None, private_key: bytes | None = None) -> bytes:
    """The canonical file; signed with ``private_key`` (Ed25519, PEM) if given."""
    import io

    out = io.BytesIO()
    write_export(wf, out, keys, private_key)
    return out.getvalue()


def sign(doc: dict[str, Any], private_key: bytes) -> dict[str, Any]:
    """The document with its ``signature``: over the SHA-256 of the canonical bytes of the document without one."""
    from workflow.ledger import sign_chunks

    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    return {**unsigned, "signature": sign_chunks(lambda: [dumps(unsigned)], private_key, "the signing key")}


def signed_by(doc: dict[str, Any], public_key: bytes, source: str = "<input>") -> str:
    """The fingerprint of ``public_key`` if it signed the document; :class:`AuditFailure` if not."""
    import hashlib

    from workflow.ledger import signature_holds_chunks

    signature = doc.get("signature")
    if not isinstance(signature, str):
        raise AuditFailure(f"{source}: the file is not signed, and a signature is required")
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    if not signature_holds_chunks(lambda: [dumps(unsigned)], signature, public_key, "the required key"):
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


class _Reader:
    """A JSON document read from a binary file a block at a time: the top-level object's members, the
    elements of ``"cases"`` one by one (each given to a callback and dropped), the rest kept.

    Each value is decoded with the standard decoder (``raw_decode``) once the
    buffer holds all of it; a value cut by the end of a block is decoded again
    after the next one is read.  The SHA-256 of the bytes read is kept.
    """

    BLOCK = 1 << 20
    _SPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, f: BinaryIO, source: str) -> None:
        import codecs
        import hashlib

        self.f, self.source = f, source
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf, self.pos, self.eof, self.read_bytes = "", 0, False, 0
        self.sha256 = hashlib.sha256()
        self._json = json.JSONDecoder(parse_constant=_reject_constant)

    def _more(self) -> bool:
        if self.eof:
            return False
        block = self.f.read(self.BLOCK)
        try:
            text = self.decoder.decode(block, final=not block)
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{self.source}: not UTF-8 text (byte {self.read_bytes + e.start})")
        self.read_bytes += len(block)
        self.sha256.update(block)
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        self.eof = not block
        return True

    def _peek(self) -> str:
        while True:
            self.pos = self._SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos:self.pos + 1]

    def _syntax(self, wanted: str) -> InvalidInput:
        got = self.buf[self.pos:self.pos + 20] or "the end of the file"
        return InvalidInput(f"{self.source}: not valid JSON: expected {wanted} near byte {self.read_bytes}, "
                            f"found {got!r}")

    def value(self) -> Any:
        self._peek()
        while True:
            try:
                found, end = self._json.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise InvalidInput(f"{self.source}: not a case export: JSON nested too deeply")
            except json.JSONDecodeError as e:
                if self._more():  # perhaps only cut by the block's end
                    continue
                raise InvalidInput(f"{self.source}: not valid JSON: {e}")
            except ValueError as e:  # NaN, Infinity
                raise InvalidInput(f"{self.source}: not valid JSON: {e}")
            if end == len(self.buf) and self._more():  # a number may go on in the next block
                continue
            self.pos = end
            return found

    def document(self, on_case: Callable[[Any, int], None]) -> dict[str, Any]:
        """Read the whole document: each element of ``"cases"`` to ``on_case(item, index)``; the other
        members returned (``"cases"`` as how many there were, when it is an array)."""
        members: dict[str, Any] = {}
        for n, (kind, item) in enumerate(self.events()):
            if kind == "case":
                on_case(item, n)
            else:
                members = item
        return members

    def events(self) -> Iterator[tuple[str, Any]]:
        """``("case", element)`` for each element of ``"cases"`` as it is read, then ``("members", the
        other members)``."""
        if self._peek() != "{":
            whole = self.value()  # as json.loads would: too deep, or not an object
            self._end()
            raise InvalidInput(f"{self.source}: not a case export (format {type(whole).__name__!r}, "
                               f"expected {FORMAT!r})")
        self.pos += 1
        members: dict[str, Any] = {}
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                key = self.value() if self._peek() == '"' else None
                if not isinstance(key, str):
                    raise self._syntax("a member name")
                if self._peek() != ":":
                    raise self._syntax("':'")
                self.pos += 1
                if key == "cases" and self._peek() == "[":
                    self.pos += 1
                    n = 0
                    if self._peek() == "]":
                        self.pos += 1
                    else:
                        while True:
                            yield "case", self.value()
                            n += 1
                            ch = self._peek()
                            self.pos += 1
                            if ch == "]":
                                break
                            if ch != ",":
                                self.pos -= 1
                                raise self._syntax("',' or ']'")
                    members[key] = n
                else:
                    members[key] = self.value()
                ch = self._peek()
                self.pos += 1
                if ch == "}":
                    break
                if ch != ",":
                    self.pos -= 1
                    raise self._syntax("',' or '}'")
        self._end()
        yield "members", members

    def _end(self) -> None:
        if self._peek():
            raise InvalidInput(f"{self.source}: not valid JSON: extra data after the document "
                               f"(near byte {self.read_bytes})")


def _migrated(version: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (the header, or one case as ``{"cases": [item]}``) brought from ``version`` to the current."""
    while isinstance(version, int) and not isinstance(version, bool) and version in MIGRATIONS:
        doc = MIGRATIONS[version]({**doc, "version": version})
        version = doc["version"]
    return doc


def _schema_problem(e: Exception, source: str, index: int | None = None) -> InvalidInput:
    text = str(e)
    if index is not None:
        text = text.replace("data.cases[0]", f"data.cases[{index}]")
    return InvalidInput(f"{source}: not a valid case export: {text}")


@contextlib.contextmanager
def _opened(data: "bytes | str | dict[str, Any] | os.PathLike[str] | BinaryIO") -> Iterator[BinaryIO]:
    """The input as a seekable binary file (it is read more than once); a pipe is spooled to a temporary file."""
    import io

    if isinstance(data, dict):  # checked like a file, so nothing unchecked gets in
        yield io.BytesIO(json.dumps(data).encode("utf-8"))
    elif isinstance(data, bytes):
        yield io.BytesIO(data)
    elif isinstance(data, str):
        yield io.BytesIO(data.encode("utf-8"))
    elif isinstance(data, os.PathLike):
        try:
            f = open(data, "rb")  # noqa: SIM115 -- closed below
        except OSError as e:
            raise InvalidInput(f"cannot read {os.fspath(data)}: {e.strerror or e}")
        with f, _seekable(f) as seekable:
            yield seekable
    else:
        with _seekable(data) as seekable:
            yield seekable


@contextlib.contextmanager
def _seekable(f: BinaryIO) -> Iterator[BinaryIO]:
    """``f`` itself if it can be read again from the start, else (a pipe, ``/dev/stdin``) a temporary copy."""
    import shutil
    import tempfile

    if f.seekable():
        yield f
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(f, spool, 1 << 20)
        spool.seek(0)
        yield spool


def _cases_of(f: BinaryIO, source: str, digest: str) -> Iterator[Any]:
    """The elements of ``"cases"``, read again from the start of ``f``, one at a time.

    ``digest`` is the SHA-256 of the file as the first reading checked it: a
    file changed since (rewritten in place while it is imported) is refused when
    this reading ends, so that nothing but the checked bytes is verified,
    signed for or written -- the caller's transaction rolls back.
    """
    f.seek(0)
    reader = _Reader(f, source)
    for kind, item in reader.events():
        if kind == "case":
            yield item
    if reader.sha256.hexdigest() != digest:
        raise InvalidInput(f"{source}: the file changed while it was being read; nothing was imported")


def import_cases(
    wf: "Workflow", data: "bytes | str | dict[str, Any] | os.PathLike[str] | BinaryIO", *,
    source: str = "<input>", progress: Progress | None = None, require_key: bytes | None = None,
) -> ImportReport:
    """Check a whole document, then write all of it in one transaction, or nothing.

    ``data`` is the file's bytes, a path, or a binary file (read more than once;
    a pipe is spooled to a temporary file), or a document as a dict.  It is
    read as a stream, a case at a time, so the memory held does not grow with
    the file: a first reading checks its form (the schema, the format and its
    version) and every value against the limits it would have if typed now; a
    second -- with ``require_key`` (an Ed25519 public key, PEM), after one that
    checks the signature over the canonical document -- verifies each case's
    chain and replays its log, and writes the cases a batch at a time in one
    transaction, which a refused case rolls back.
    """
    with _opened(data) as f:
        now = wf.clock()
        shape: list[InvalidInput] = []
        values: list[InvalidInput] = []
        entries = [0]

        def survey(item: Any, index: int) -> None:
            if shape:
                return
            try:
                _schema_validator()({"format": FORMAT, "version": FORMAT_VERSION, "definitions": [], "cases": [item]})
            except RecursionError:
                shape.append(InvalidInput(f"{source}: not a case export: nested too deeply"))
                return
            except Exception as e:  # fastjsonschema.JsonSchemaValueException, imported lazily
                if type(e).__name__ != "JsonSchemaValueException":
                    raise
                shape.append(_schema_problem(e, source, index))
                return
            entries[0] += len(item["entries"])
            if not values:
                try:  # every value within the limits it would have if typed now
                    check_case_values(item, now, source)
                except InvalidInput as e:
                    values.append(e)

        reader = _Reader(f, source)
        header = reader.document(survey)
        digest = reader.sha256.hexdigest()
        if header.get("format") != FORMAT:
            raise InvalidInput(f"{source}: not a case export (format {header.get('format')!r}, expected {FORMAT!r})")
        version = header.get("version")
        skeleton = _migrated(version, {**header, "cases": [] if isinstance(header.get("cases"), int)
                                       else header.get("cases")})
        if skeleton.get("version") != FORMAT_VERSION:
            raise InvalidInput(
                f"{source}: case export format version {version!r} is not supported "
                f"(this program reads versions up to {FORMAT_VERSION})")
        try:
            _schema_validator()(skeleton)
        except RecursionError:
            raise InvalidInput(f"{source}: not a case export: nested too deeply")
        except Exception as e:
            if type(e).__name__ != "JsonSchemaValueException":
                raise
            raise _schema_problem(e, source)
        if shape:
            raise shape[0]
        signer = None
        if require_key is not None:
            signer = _signed_by_stream(f, source, skeleton, require_key, digest)
        if values:
            raise values[0]
        definitions = _definitions(wf, skeleton, source)
        if not header["cases"]:
            raise InvalidInput(f"{source}: the file holds no cases")
        total = entries[0]
        done = [0]

        def checked() -> Iterator[tuple[Case, list[Entry]]]:
            seen_ids: set[str] = set()
            seen_numbers: dict[str, str] = {}
            for raw in _cases_of(f, source, digest):
                item = _migrated(version, {"cases": [raw]})["cases"][0]
                case_id = item["id"]
                if case_id in seen_ids:
                    raise InvalidInput(f"{source}: case {case_id} is given twice")
                seen_ids.add(case_id)
                for n in item["numbers"]:
                    if n["number"] in seen_numbers:
                        raise InvalidInput(f"{source}: diary number {n['number']!r} is given to cases "
                                           f"{seen_numbers[n['number']]} and {case_id}")
                    seen_numbers[n["number"]] = case_id
                key = (item["definition"], item["definition_version"])
                if key not in definitions:
                    raise InvalidInput(
                        f"{source}: case {case_id} needs definition {key[0]} v{key[1]}, which the file does not carry")
                yield _check_case(definitions[key][0], item)
                done[0] += len(item["entries"])
                if progress:
                    progress("verify", done[0], total)

        provenance: dict[str, object] = {"file": source[-200:], "sha256": digest, "signed_by_key": signer}
        ids: list[str] = []

        def kept() -> Iterator[tuple[Case, list[Entry]]]:
            for case, log in checked():
                ids.append(case.id)
                yield case, log

        # Checking and writing go together, a batch at a time: "verify" counts them as they go, and
        # "write" is told once, when everything is written and committed.
        wf.insert_verified(list(definitions.values()), kept(), provenance)
        if progress:
            progress("write", total, total)
    return ImportReport(
        cases=len(ids), entries=total,
        definitions=tuple(f"{d.id} v{d.version}" for d, _t in definitions.values()),
        case_ids=tuple(ids),
    )


def _signed_by_stream(f: BinaryIO, source: str, header: dict[str, Any], public_key: bytes, digest: str) -> str:
    """:func:`signed_by` over the file, read once more: its canonical bytes without the signature, streamed."""
    import hashlib

    from workflow.ledger import signature_holds_chunks

    signature = header.get("signature")
    if not isinstance(signature, str):
        raise AuditFailure(f"{source}: the file is not signed, and a signature is required")
    rest = {k: v for k, v in header.items() if k not in ("signature", "cases")}
    if not signature_holds_chunks(lambda: canonical_chunks(_cases_of(f, source, digest), lambda: rest), signature,
                                  public_key, "the required key"):
        raise AuditFailure(f"{source}: the file's signature was not made with the required key: "
                           "it was changed after signing, or signed by someone else")
    return hashlib.sha256(public_key.strip()).hexdigest()[:16]
