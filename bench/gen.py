"""Many cases with valid audit chains, fast: a few real histories as templates, cloned.

Each template is a real history recorded through :class:`workflow.api.Workflow`
(so it replays through the engine and verifies); a clone gets its own case id
and diary number, and its chain is re-hashed with those, so every clone's
chain and replay hold exactly as if it had been recorded one decision at a
time.  Rows go in with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL),
bypassing the library, which is the point: the bench needs a big database
quickly, not a test of the import path.

The mix: 97 % of cases carry a finished pre-study commission and two notes
(no open due date); 3 % are postponed with a report-back due in one of 60
months from 2022-01 to 2026-12 -- the first month getting a fifth of its
share, 0.01 % of all cases -- so on :data:`TODAY` about 2 % of all cases are
overdue and on :data:`TODAY_RARE` 0.01 %.  Every case has exactly 5 entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.core import derive
from workflow.core.audit import canonical_json

TODAY = dt.date(2025, 6, 15)
"""The day the scale figures are measured on (``--today``): about 2 % of the cases overdue."""

TODAY_RARE = dt.date(2022, 2, 15)
"""A day when only the cases due in January 2022 are overdue: 0.01 % of them."""

ENTRIES_PER_CASE = 5
_CID = "QQCASEIDQQQQ"  # 12 characters, like a real case id
_NUM = "QQNUMQQ"
DUE_MONTHS = [f"{y}-{m:02d}" for y in range(2022, 2027) for m in range(1, 13)]


@dataclass
class Template:
    data: str
    state: str
    version: int
    opened_at: str
    updated_at: str
    title: str
    due: list[tuple[Any, ...]]  # due_dates rows without the case id, from the one builder
    entries: list[tuple[list[Any], str, str]]  # row fields without hashes, hashed prefix, hashed suffix


def case_id(i: int) -> str:
    return f"b{i:011d}"


def diary_number(i: int) -> str:
    return f"HSN {i}-2023"


def _record(due_month: str | None) -> Template:
    from workflow.api import Workflow
    from workflow.core.decisions import Decision, DecisionRef, DueSpec

    t0 = dt.datetime(2021, 12, 1, 9, 0, tzinfo=dt.UTC)  # entered after the decisions it back-registers
    ticks = iter(range(100))
    clock = lambda: t0 + dt.timedelta(hours=next(ticks))  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp, Workflow(f"sqlite:///{tmp}/t.sqlite3", clock=clock) as wf:
        wf.open_case("systemledning", title="Gemensam systemledning, förstudie", numbers=[f"HSN {_NUM}-2023"],
                     actor="registrator", case_id=_CID, effective="2021-06-01")
        wf.advance(_CID, Decision("commission_pre_study", DecisionRef.parse("HSN 2021-06-10 § 3"), "registrator"))
        wf.advance(_CID, Decision("commission_pre_study", DecisionRef.parse("KS 2021-06-12 § 4"), "registrator"))
        if due_month is None:
            wf.add_note(_CID, "Förstudien har påbörjats.", actor="handläggare")
            wf.add_note(_CID, "Handlingsplan under arbete.", actor="handläggare")
        else:
            wf.advance(_CID, Decision("postpone", DecisionRef.parse("HSN 2021-11-16 § 21"), "registrator",
                                      due=(DueSpec.parse(f"report_back={due_month}"),)))
        case = wf.case(_CID)
        history = wf.history(_CID)
    assert len(history) == ENTRIES_PER_CASE, len(history)
    entries = []
    for e in history:
        fields = e.hashed_fields()
        fields[12] = "QQPREVQQ"  # prev_hash, the 13th hashed field
        text = canonical_json(fields)
        prefix, suffix = text.split("QQPREVQQ")
        row = [e.seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state, e.to_state,
               e.reference, canonical_json(e.payload), e.request_id, e.recorded_by]
        entries.append((row, prefix, suffix))
    due = [tuple(r.values())[1:] for r in derive.due_rows(case).values()]
    return Template(canonical_json(case.data), case.state, case.version, case.opened_at, case.updated_at,
                    case.title, due, entries)


class Generator:
    """Rows for cases ``0 .. n-1``, in chunks, deterministic."""

    def __init__(self) -> None:
        self.plain = _record(None)
        self.postponed = [_record(m) for m in DUE_MONTHS]

    def template(self, i: int) -> Template:
        if i % 100 < 3:
            month = (i // 100) % len(self.postponed)
            if month == 0 and (i // 100 // len(self.postponed)) % 5:
                month = 1  # four fifths of the first month's share go to the second
            return self.postponed[month]
        return self.plain

    def chunks(self, n: int, size: int = 20_000, start: int = 0) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
        """Chunks of ``{"cases": ..., "numbers": ..., "entries": ..., "due": ...}`` rows, columns as in the tables."""
        sha = hashlib.sha256
        for lo in range(start, start + n, size):
            out: dict[str, list[tuple[Any, ...]]] = {"cases": [], "numbers": [], "entries": [], "due": []}
            cases_, numbers, entries, due = out["cases"], out["numbers"], out["entries"], out["due"]
            for i in range(lo, min(lo + size, start + n)):
                t = self.template(i)
                cid, num = case_id(i), str(i)
                prev = "0" * 64
                for row, prefix, suffix in t.entries:
                    h = sha((prefix.replace(_CID, cid).replace(_NUM, num) + prev + suffix).encode()).hexdigest()
                    payload = row[9].replace(_NUM, num) if row[0] == 1 else row[9]
                    entries.append((cid, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                                    payload, row[10], prev, h, row[11]))
                    prev = h
                cases_.append((cid, "systemledning", 1, t.state, t.title, t.version, t.data, t.opened_at,
                               t.updated_at, t.version, prev))
                numbers.append((diary_number(i), cid, "region", 0))
                due.extend((cid, *row) for row in t.due)
            yield out

    def definition_row(self) -> tuple[str, int, str, str]:
        from workflow.registry import default_registry

        d = default_registry().get("systemledning", 1)
        return (d.id, d.version, d.digest, d.text)

    def document(self, n: int, start: int = 0) -> dict[str, Any]:
        """A ``wf export`` document of ``n`` generated cases (for the import figure)."""
        from workflow.registry import default_registry

        d = default_registry().get("systemledning", 1)
        cols = ["case_id", "seq", "kind", "actor", "recorded_at", "effective", "trigger", "from_state",
                "to_state", "reference", "payload", "request_id", "prev_hash", "hash", "recorded_by"]
        items = []
        for chunk in self.chunks(n, start=start):
            by_case: dict[str, list[dict[str, Any]]] = {}
            for r in chunk["entries"]:
                e = dict(zip(cols, r, strict=True))
                e["payload"] = json.loads(e["payload"])
                by_case.setdefault(r[0], []).append(e)
            for c in chunk["cases"]:
                i = int(c[0][1:])
                items.append({
                    "id": c[0], "definition": c[1], "definition_version": c[2], "state": c[3], "title": c[4],
                    "numbers": [{"number": diary_number(i), "party": "region"}], "data": json.loads(c[6]),
                    "version": c[5], "opened_at": c[7], "updated_at": c[8], "head_seq": c[9], "head_hash": c[10],
                    "entries": by_case[c[0]],
                })
        return {"format": "kansli-workflow/cases", "version": 2,
                "definitions": [{"id": d.id, "version": d.version, "digest": d.digest, "text": d.text}],
                "cases": items}


_INSERTS = {
    "cases": "INSERT INTO cases (id, definition_id, definition_version, state, title, version, data, opened_at, "
             "updated_at, head_seq, head_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "numbers": "INSERT INTO case_numbers (number, case_id, party, position) VALUES (?,?,?,?)",
    "entries": "INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, "
               "to_state, reference, payload, request_id, prev_hash, hash, recorded_by) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "due": "INSERT INTO due_dates (case_id, name, date, due_on, meeting, status) VALUES (?,?,?,?,?,?)",
}
_COPY = {
    "cases": "COPY cases (id, definition_id, definition_version, state, title, version, data, opened_at, "
             "updated_at, head_seq, head_hash) FROM STDIN",
    "numbers": "COPY case_numbers (number, case_id, party, position) FROM STDIN",
    "entries": "COPY audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, "
               "to_state, reference, payload, request_id, prev_hash, hash, recorded_by) FROM STDIN",
    "due": "COPY due_dates (case_id, name, date, due_on, meeting, status) FROM STDIN",
}


def _tsv(rows: list[tuple[Any, ...]]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return "\\N"
        s = str(v)
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") if ("\\" in s or "\t" in s or "\n" in s) else s
    return "".join("\t".join(cell(v) for v in r) + "\n" for r in rows)


def fill_sqlite(path: Path, n: int, gen: Generator | None = None) -> None:
    """Create the schema (through the library) and insert ``n`` generated cases with raw ``sqlite3``."""
    import sqlite3

    from workflow.store.repository import Store, os_user

    gen = gen or Generator()
    store = Store(f"sqlite:///{path}")
    store.ensure_schema()
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("wf_login", 0, os_user)  # who the ledger trigger records: this user, as the library does
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # loading only; the figures are taken with the library's FULL
    db.execute("PRAGMA cache_size=-400000")
    db.execute("BEGIN")
    db.execute("INSERT INTO definition_versions (id, version, digest, source) VALUES (?,?,?,?)", gen.definition_row())
    for chunk in gen.chunks(n):
        for table, rows in chunk.items():
            if rows:
                db.executemany(_INSERTS[table], [tuple(str(v) if isinstance(v, dt.date) else v for v in r)
                                                 for r in rows] if table == "due" else rows)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def fill_postgres(url: str, n: int, gen: Generator | None = None) -> None:
    """Create the schema (through the library) and ``COPY`` ``n`` generated cases in."""
    import psycopg

    from workflow.store.repository import Store

    gen = gen or Generator()
    store = Store(url)
    store.ensure_schema()
    store.close()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("INSERT INTO definition_versions (id, version, digest, source) VALUES (%s,%s,%s,%s)",
                     gen.definition_row())
        with conn.cursor() as cur:
            for chunk in gen.chunks(n):
                for table, rows in chunk.items():
                    if rows:
                        with cur.copy(_COPY[table]) as copy:
                            copy.write(_tsv(rows))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
