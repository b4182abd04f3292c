"""Who is asking: a session cookie, an API token, or a trusted header from the single sign-on proxy.

* **Sessions** are signed cookies (HMAC-SHA256 with the server's secret key),
  ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the request came over https.
  A session names the account and the fingerprint of its password hash, so a
  new password or a disabled account ends every session made before; it
  expires after :data:`SESSION_HOURS`.  Every session, also the anonymous one
  of the login page, carries a random CSRF token that every form posts back
  (the synchroniser-token pattern), compared in constant time.
* **Tokens** (``Authorization: Bearer wft_...``) are the ones an administrator
  issued (:mod:`workflow.accounts`); only their SHA-256 is stored.
* **A trusted header** (``--trusted-header X-Remote-User``, off by default) names
  the person a reverse proxy authenticated; only set it when the app is reachable
  through that proxy alone.

The secret key is read from a file (created, mode 0600, on first start), so
sessions survive a restart and several processes share them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.accounts import Accounts

if TYPE_CHECKING:
    from workflow.access import Access
    from workflow.web.facade import WebWorkflow

SESSION_COOKIE = "wf_session"
LANG_COOKIE = "wf_lang"
SESSION_HOURS = 12
ACCOUNTS_TTL = 2.0
"""Seconds a read of the accounts and tokens is reused: a revoked token or disabled account stops within it."""


def default_secret_file() -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "wf" / "web-secret"


def load_secret(path: Path | None) -> bytes:
    """The server's secret key from ``path`` (made, readable by its owner alone, when missing)."""
    path = path or default_secret_file()
    try:
        data = path.read_bytes().strip()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
    return key


@dataclass(frozen=True)
class Principal:
    """Who a request comes from."""

    person: str
    how: str
    """``session``, ``token`` or ``header``."""
    scope: str = "api"


@dataclass
class Session:
    csrf: str
    person: str | None = None
    fingerprint: str | None = None
    issued: float = 0.0
    how: str = "session"

    def dump(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.person, "f": self.fingerprint, "t": int(self.issued), "h": self.how}


class Signer:
    """Signs and reads session cookies."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"wf-session\x00" + secret).digest()

    def sign(self, session: Session) -> str:
        body = base64.urlsafe_b64encode(json.dumps(session.dump(), separators=(",", ":")).encode()).decode()
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        return f"{body}.{mac}"

    def read(self, cookie: str | None) -> Session | None:
        if not cookie or "." not in cookie or len(cookie) > 4096:
            return None
        body, _, mac = cookie.rpartition(".")
        want = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, mac):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body))
            session = Session(csrf=str(data["c"]), person=data.get("u"), fingerprint=data.get("f"),
                              issued=float(data.get("t", 0)), how=str(data.get("h", "session")))
        except (ValueError, KeyError, TypeError):
            return None
        if session.person is not None and time.time() - session.issued > SESSION_HOURS * 3600:
            return None
        return session


def new_session(person: str | None = None, fingerprint: str | None = None, how: str = "session") -> Session:
    return Session(csrf=secrets.token_urlsafe(24), person=person, fingerprint=fingerprint, issued=time.time(), how=how)


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    return bool(session and sent and hmac.compare_digest(session.csrf.encode(), sent.encode()))


class AccountsCache:
    """The accounts and tokens, read again from the register log at most every :data:`ACCOUNTS_TTL` seconds."""

    def __init__(self, wf: "WebWorkflow") -> None:
        self._wf = wf
        self._lock = threading.Lock()
        self._read: tuple[float, Accounts, Access] | None = None

    def get(self) -> tuple[Accounts, "Access"]:
        """The accounts and tokens, and the roles, from one read of the register log."""
        from workflow import access, accounts

        now = time.monotonic()
        read = self._read
        if read is not None and now - read[0] < ACCOUNTS_TTL:
            return read[1], read[2]
        with self._lock:
            read = self._read
            if read is not None and now - read[0] < ACCOUNTS_TTL:
                return read[1], read[2]
            log = self._wf.register_log()
            self._read = (time.monotonic(), accounts.replay(log), access.replay(log))
            return self._read[1], self._read[2]

    def forget(self) -> None:
        self._read = None
