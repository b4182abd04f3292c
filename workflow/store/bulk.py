"""Bulk insertion of whole, already verified cases: the write half of an import.

Everything goes in one write transaction -- definitions, case rows, diary
numbers, audit entries, the due-date index -- with ``executemany`` batches, so
a hundred thousand decisions take seconds, not one commit each.  The cases may
come as a stream, taken a batch at a time.  Existing case ids and diary
numbers are checked inside the same transaction, so two imports racing for
the same case cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from workflow.core import derive
from workflow.core.audit import Entry
from workflow.core.case import Case
from workflow.core.definition import Definition
from workflow.core.errors import DuplicateCase, InvalidInput, StorageError
from workflow.store.repository import Store, UnitOfWork
from workflow.store.tables import audit_entries, case_numbers, cases, definition_versions, due_dates

BATCH = 2000
"""Rows per ``executemany``."""

LOOKUP = 500
"""Keys per ``IN (...)`` lookup."""


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _entry_row(e: Entry) -> tuple[Any, ...]:
    return (
        e.case_id, e.seq, e.kind, e.actor, e.recorded_at, e.effective, e.trigger, e.from_state,
        e.to_state, e.reference, e.payload_text(), e.request_id, e.prev_hash, e.hash, e.recorded_by,
    )


def _insert_sql(conn: sa.Connection, table: sa.Table) -> str:
    """A plain ``INSERT`` for ``executemany`` through the driver, positional, in column order.

    A hundred thousand rows through a compiled Core statement spend more time in
    per-row parameter processing than in the database; the values here are
    plain strings and integers, which need none.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in table.c)
    return f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(table.c))})"


def insert_cases(
    store: Store,
    definitions: Sequence[tuple[Definition, str]],
    items: Iterable[tuple[Case, Sequence[Entry]]],
    *,
    progress: Callable[[int], None] | None = None,
    then: "Callable[[UnitOfWork], object] | None" = None,
) -> None:
    """Insert new cases with their logs and the definitions they need, all or nothing.

    ``items`` may be a stream: they are taken a batch at a time, each batch
    checked against the cases and diary numbers already there and written,
    all in one transaction -- the memory held is one batch's.  ``then`` runs
    last in the same transaction (the import's own register entry).

    Raises :class:`DuplicateCase` if a case id or diary number exists already,
    and :class:`InvalidInput` if the database holds a different definition
    under an id and version given here.  ``progress(n)`` is told how many
    entries are written so far.
    """
    try:
        with store.writing() as conn:
            for d, source in definitions:
                row = conn.execute(
                    sa.select(definition_versions.c.digest).where(
                        definition_versions.c.id == d.id, definition_versions.c.version == d.version
                    )
                ).first()
                if row is None:
                    conn.execute(definition_versions.insert().values(
                        id=d.id, version=d.version, digest=d.digest, source=source,
                    ))
                elif row[0] != d.digest:
                    raise InvalidInput(
                        f"definition {d.id} v{d.version}: the database has a different definition "
                        "under the same id and version; nothing was imported"
                    )
            insert_case, insert_number = _insert_sql(conn, cases), _insert_sql(conn, case_numbers)
            insert_entry = _insert_sql(conn, audit_entries)
            written = 0
            for chunk in _batches(items, BATCH // 2):
                _refuse_taken(conn, chunk)
                conn.exec_driver_sql(insert_case, [tuple(derive.case_row(c).values()) for c, _e in chunk])
                rows = [tuple(r.values()) for c, _e in chunk for r in derive.number_rows(c)]
                if rows:
                    conn.exec_driver_sql(insert_number, rows)
                dues = [r for c, _e in chunk for r in derive.due_rows(c).values()]
                if dues:
                    conn.execute(due_dates.insert(), dues)
                entries = [_entry_row(e) for _c, es in chunk for e in es]
                for part in _chunks(entries, BATCH):
                    conn.exec_driver_sql(insert_entry, list(part))
                    written += len(part)
                    if progress:
                        progress(written)
            if then is not None:
                then(UnitOfWork(store, conn))
    except StorageError as e:
        if "UNIQUE" in str(e).upper() or "duplicate key" in str(e):
            raise DuplicateCase(f"a case or diary number in the file was created meanwhile; nothing was imported ({e})")
        raise


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _refuse_taken(conn: sa.Connection, chunk: Sequence[tuple[Case, Sequence[Entry]]]) -> None:
    """:class:`DuplicateCase` if a case id or diary number of the batch is in the database already."""
    for part in _chunks([c.id for c, _e in chunk], LOOKUP):
        taken = conn.execute(sa.select(cases.c.id).where(cases.c.id.in_(part)).limit(1)).first()
        if taken is not None:
            raise DuplicateCase(f"case {taken[0]} already exists; nothing was imported")
    for part in _chunks([n.number for c, _e in chunk for n in c.numbers], LOOKUP):
        found = conn.execute(
            sa.select(case_numbers.c.number, case_numbers.c.case_id).where(case_numbers.c.number.in_(part)).limit(1)
        ).first()
        if found is not None:
            raise DuplicateCase(f"diary number {found[0]!r} already belongs to case {found[1]}; nothing was imported")
