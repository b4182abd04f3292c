"""Migrating open cases to a new version of their definition (see :mod:`workflow.core.migration`).

Each case moves in its own unit of work -- all of it or none of it -- and gets
one audit entry naming the plan and the SHA-256 of its text.  The new version
must be published in the register (the plan's author publishes it first); a dry
run reports per case what would change and what cannot, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.core.errors import DecisionRefused, InvalidInput, PermissionDenied

if TYPE_CHECKING:
    import datetime as dt

    from workflow.access import Access, Identity
    from workflow.core import migration
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.core.definition import Definition
    from workflow.store.repository import Store


class MigratingMixin:
    """Case migration, on the :class:`~workflow.api.Workflow` it is mixed into."""

    if TYPE_CHECKING:  # what the mixin uses of the facade
        @property
        def _db(self) -> Store: ...
        @property
        def identity(self) -> Identity: ...
        clock: Callable[[], dt.datetime]

        def definition_at(self, definition_id: str, version: int) -> Definition: ...
        def access(self) -> Access: ...
        def _stamped(self, case: Case, entries: list[Entry]) -> tuple[Case, list[Entry]]: ...

    def migration_plan(self, path: str | Path) -> tuple[migration.Plan, Definition, Definition]:
        """A plan file, read and checked against both versions (the new one must be published)."""
        from workflow.core import migration  # not at start-up: only migrating reads plans

        where = Path(path)
        try:
            text = where.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInput(f"cannot read the migration plan {where}: {getattr(e, 'strerror', None) or e}")
        plan = migration.load_plan(text, str(where))
        old = self.definition_at(plan.definition, plan.from_version)
        new = self.definition_at(plan.definition, plan.to_version)
        stored = self._db.definition_source(new.id, new.version)
        if stored is None or stored[1] != new.digest:
            raise DecisionRefused(f"{new.id} v{new.version} is not published in this register as this process "
                                  "knows it: publish it before migrating cases to it", field="plan")
        migration.check_plan(plan, old, new)
        return plan, old, new

    def migrate_cases(self, path: str | Path, *, dry_run: bool = False) -> list[migration.Move]:
        """Every open case of the plan's old version, moved (or, with ``dry_run``, what would happen)."""
        from workflow.access import is_admin
        from workflow.core import migration

        plan, old, new = self.migration_plan(path)
        if not dry_run and not is_admin(self.identity, self.access()):
            raise PermissionDenied("only the register's owner and administrators migrate cases")
        moves = []
        for case in self._db.cases(definition=plan.definition, state=None, overdue_on=None, due_before=None,
                                   limit=None):
            if case.definition_version != plan.from_version:
                continue
            move = migration.plan_case(plan, old, new, case)
            if move.problem is None and not dry_run:
                with self._db.unit_of_work() as uow:
                    current = uow.case(case.id)
                    after, entries = self._stamped(*migration.migrate(
                        plan, old, new, current, self.identity.user, self.clock()))
                    uow.update(current, after, entries)
            moves.append(move)
        return moves
