"""The yardstick for durable decisions: the same operation with nothing but the driver.

One decision, one transaction: read the case row, check the transition,
version-checked ``UPDATE``, ``INSERT`` the audit entry with its SHA-256 chain
hash, commit.  What :meth:`workflow.api.Workflow.advance` does on top of this
(looking the case up by key, roles, the engine's checks, SQLAlchemy) is what
the ratio measures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

_SELECT = "SELECT state, version, data, head_seq, head_hash FROM cases WHERE id = {p}"
_UPDATE = ("UPDATE cases SET state = {p}, version = {p}, data = {p}, updated_at = {p}, head_seq = {p}, "
           "head_hash = {p} WHERE id = {p} AND version = {p}")
_INSERT = ("INSERT INTO audit_entries (case_id, seq, kind, actor, recorded_at, effective, trigger, from_state, "
           "to_state, reference, payload, request_id, prev_hash, hash) VALUES ({ps})")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RawDecider:
    """Records one trigger (with a fixed decision payload) on cases, through a DB-API connection."""

    def __init__(self, conn: Any, dialect: str, trigger: str, sources: set[str], dest: str | None,
                 payload: dict[str, Any], reference: str, effective: str, actor: str) -> None:
        p = "?" if dialect == "sqlite" else "%s"
        self.conn, self.dialect = conn, dialect
        self.select = _SELECT.format(p=p)
        self.update = _UPDATE.format(p=p)
        self.insert = _INSERT.format(ps=",".join([p] * 14))
        self.trigger, self.sources, self.dest = trigger, sources, dest
        self.payload, self.reference, self.effective, self.actor = payload, reference, effective, actor
        self.due = {d["name"]: d for d in payload.get("due", [])}

    def decide(self, case_id: str) -> None:
        cur = self.conn.cursor()
        if self.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
        try:
            cur.execute(self.select, (case_id,))
            state, version, data_text, head_seq, head_hash = cur.fetchone()
            if state not in self.sources:
                raise ValueError(f"{self.trigger} not possible in {state}")
            dest = self.dest or state
            data = json.loads(data_text)
            for name, d in self.due.items():
                data.setdefault("due", {})[name] = {"date": d["date"], "meeting": d["meeting"],
                                                   "reference": self.reference, "status": "open"}
            now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
            seq = head_seq + 1
            payload_text = _canonical(self.payload)
            fields = [case_id, seq, "decision", self.actor, now, self.effective, self.trigger, state, dest,
                      self.reference, self.payload, None, head_hash]
            h = hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()
            cur.execute(self.update, (dest, version + 1, _canonical(data), now, seq, h, case_id, version))
            if cur.rowcount != 1:
                raise RuntimeError("concurrent update")
            cur.execute(self.insert, (case_id, seq, "decision", self.actor, now, self.effective, self.trigger,
                                      state, dest, self.reference, payload_text, None, head_hash, h))
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
