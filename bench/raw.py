"""The yardsticks for durable decisions: the same operation with nothing but the driver.

One decision, one transaction: read the case, check the transition,
version-checked ``UPDATE``, ``INSERT`` the audit entry with its SHA-256 chain
hash (entered by the same recorder, so the database's ledger trigger fires as
for the library), commit.  Two readings:

* ``floor``: the least a correct decision must read -- the case's state,
  version, data and chain head, by its id;
* ``same``: the very statement the library's hot path reads with
  (:class:`workflow.store.repository._Statements`), found by diary number and
  parsed the same way -- the yardstick for "the same reads we do".

What :meth:`workflow.api.Workflow.advance` does on top of this (the engine's
checks, roles, the definition, the machine, the due dates) is what the ratio
measures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from workflow.core.audit import canonical_json
from workflow.store.repository import _Statements

_SELECT = "SELECT state, version, data, head_seq, head_hash FROM cases WHERE id = {p}"
_UPDATE = ("UPDATE cases SET state = {p}, version = {p}, data = {p}, updated_at = {p}, head_seq = {p}, "
           "head_hash = {p} WHERE id = {p} AND version = {p}")
_INSERT = ("INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, "
           "to_state, reference, payload, request_id, prev_hash, hash, recorded_by) VALUES ({ps})")


class RawDecider:
    """Records one trigger (with a fixed decision payload) on cases, through a DB-API connection."""

    def __init__(self, conn: Any, dialect: str, trigger: str, sources: set[str], dest: str | None,
                 payload: dict[str, Any], reference: str, effective: str, actor: str, recorder: str,
                 reads: str = "floor") -> None:
        p = "?" if dialect == "sqlite" else "%s"
        self.conn, self.dialect, self.reads = conn, dialect, reads
        self.select = _SELECT.format(p=p) if reads == "floor" else _Statements(dialect).lookup
        self.update = _UPDATE.format(p=p)
        self.insert = _INSERT.format(ps=",".join([p] * 15))
        self.trigger, self.sources, self.dest = trigger, sources, dest
        self.payload, self.reference, self.effective, self.actor = payload, reference, effective, actor
        self.recorder = recorder
        self.due = {d["name"]: d for d in payload.get("due", [])}

    def decide(self, key: str) -> None:
        """One decision on the case ``key`` (its id for ``floor``, a diary number for ``same``)."""
        cur = self.conn.cursor()
        if self.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
        try:
            if self.reads == "floor":
                cur.execute(self.select, (key,))
                state, version, data_text, head_seq, head_hash = cur.fetchone()
                case_id = key
            else:
                cur.execute(self.select, (None, key, key))
                r = cur.fetchone()
                case_id, state, version, data_text, head_seq, head_hash = r[0], r[3], r[5], r[6], r[9], r[10]
                json.loads(r[11])  # the diary numbers, as the library reads them
            if state not in self.sources:
                raise ValueError(f"{self.trigger} not possible in {state}")
            dest = self.dest or state
            data = json.loads(data_text)
            for name, d in self.due.items():
                data.setdefault("due", {})[name] = {"date": d["date"], "meeting": d["meeting"],
                                                   "reference": self.reference, "status": "open"}
            now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
            seq = head_seq + 1
            payload_text = canonical_json(self.payload)
            fields = [case_id, seq, "decision", self.actor, now, self.effective, self.trigger, state, dest,
                      self.reference, self.payload, None, head_hash, self.recorder]
            h = hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()
            cur.execute(self.update, (dest, version + 1, canonical_json(data), now, seq, h, case_id, version))
            if cur.rowcount != 1:
                raise RuntimeError("concurrent update")
            cur.execute(self.insert, (case_id, seq, "decision", self.actor, now, self.effective, self.trigger,
                                      state, dest, self.reference, payload_text, None, head_hash, h, self.recorder))
            if self.dialect == "sqlite":
                cur.execute("COMMIT")
            else:
                self.conn.commit()
        except BaseException:
            if self.dialect == "sqlite":
                cur.execute("ROLLBACK")
            else:
                self.conn.rollback()
            raise
        finally:
            cur.close()
