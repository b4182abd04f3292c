"""A case (ärende): a plain object, never an ORM row and never a machine of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class DiaryNumber:
    """A case's registration number at one organisation (``HSN 501-2023``)."""

    number: str
    party: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "party": self.party}


@dataclass(slots=True)
class Case:
    """One instance of a process.

    ``version`` counts committed changes and is checked on every write
    (optimistic locking); ``head_seq``/``head_hash`` name the last audit entry.
    ``data`` holds what decisions gave the case: due dates, joint-decision
    progress, amounts, proposals, links.  Everything in it can be rebuilt by
    replaying the audit log.
    """

    id: str
    definition_id: str
    definition_version: int
    state: str
    title: str
    numbers: list[DiaryNumber] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    opened_at: str = ""
    updated_at: str = ""
    head_seq: int = 0
    head_hash: str = ""

    @property
    def label(self) -> str:
        """How people name the case: its first diary number, else its id."""
        return self.numbers[0].number if self.numbers else self.id

    def due_dates(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("due", {}))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "definition": self.definition_id,
            "definition_version": self.definition_version,
            "state": self.state,
            "title": self.title,
            "numbers": [n.to_json() for n in self.numbers],
            "data": self.data,
            "version": self.version,
            "opened_at": self.opened_at,
            "updated_at": self.updated_at,
        }
