"""Accounts of the web app and tokens of the tools around it, kept in the register's own log.

People who record decisions in a browser log in with a local account (a name and
a password, hashed with Argon2id); programs (a diary system, a meeting system)
send a token an administrator issued.  Both are facts of the register, so both
are entries of its hash-chained log (``account_created``, ``account_password``,
``account_disabled``, ``account_enabled``, ``token_issued``, ``token_revoked``),
covered by the ledger and its digests like grants: who made a person an account
and when, which tokens were ever valid, cannot be rewritten unseen.  There is no
table to drift from the log: :func:`replay` gives the accounts and tokens.

What the log keeps of a secret is one-way: the Argon2id hash of a password (salted,
memory-hard), the SHA-256 of a token (256 random bits, so a hash cannot be
searched back).  A token itself is shown once, when issued.

The account's name is the person the web app records for
(``Workflow(url, user=name)``): the roles a person holds are the grants to that
name (:mod:`workflow.access`), the same for an account, a token or a login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.core.audit import Entry
from workflow.core.errors import DecisionRefused, InvalidInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    import argon2

    from workflow.access import Access, Identity

KINDS = ("account_created", "account_password", "account_disabled", "account_enabled", "token_issued",
         "token_revoked")
"""The register entries of accounts and tokens."""

SCOPES = ("api", "feed")
"""What a token opens: the whole HTTP API as its person (``api``), or only their calendar feed (``feed``)."""

TOKEN_PREFIX = "wft_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

Drafts = list[tuple[str, dict[str, object]]]


@dataclass(frozen=True)
class Account:
    name: str
    password_hash: str
    created_at: str
    created_by: str
    disabled: bool = False

    @property
    def fingerprint(self) -> str:
        """A short digest of the password hash: a session made with an older password no longer matches."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Token:
    name: str
    person: str
    digest: str
    """The SHA-256 of the token, hex."""
    scope: str
    issued_at: str
    issued_by: str


@dataclass
class Accounts:
    """What the register log says of accounts and tokens."""

    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    """Tokens in force, by name."""

    def token_for(self, secret: str) -> Token | None:
        """The token in force whose hash is the hash of ``secret``, compared in constant time."""
        wanted = token_digest(secret)
        found = None
        for token in self.tokens.values():
            if hmac.compare_digest(token.digest, wanted):
                found = token
        return found

    def active(self, name: str) -> Account | None:
        account = self.accounts.get(name)
        return account if account is not None and not account.disabled else None


def replay(entries: Iterable[Entry]) -> Accounts:
    """The accounts and tokens the register log gives, entry by entry."""
    out = Accounts()
    for e in entries:
        if e.kind not in KINDS:
            continue
        p = e.payload
        name = str(p.get("name", ""))
        if e.kind == "account_created":
            out.accounts[name] = Account(name, str(p["hash"]), e.recorded_at, e.actor)
        elif e.kind == "account_password" and name in out.accounts:
            old = out.accounts[name]
            out.accounts[name] = Account(name, str(p["hash"]), old.created_at, old.created_by, old.disabled)
        elif e.kind in ("account_disabled", "account_enabled") and name in out.accounts:
            old = out.accounts[name]
            out.accounts[name] = Account(name, old.password_hash, old.created_at, old.created_by,
                                         e.kind == "account_disabled")
        elif e.kind == "token_issued":
            out.tokens[name] = Token(name, str(p["person"]), str(p["digest"]), str(p.get("scope", "api")),
                                     e.recorded_at, e.actor)
        elif e.kind == "token_revoked":
            out.tokens.pop(name, None)
    return out


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A token: the prefix (so a leaked one is recognisable) and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _hasher() -> "argon2.PasswordHasher":
    import argon2  # imported lazily: only logins need it

    return argon2.PasswordHasher()


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher().hash(password)


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD or not password.isprintable():
        raise InvalidInput(f"a password is at most {MAX_PASSWORD} printable characters", field="password")
    return password


_DUMMY: list[str] = []


def verify_password(account: Account | None, password: str) -> bool:
    """Whether ``password`` is the account's; as slow for an unknown name as for a known one."""
    import argon2

    hasher = _hasher()
    if account is None or account.disabled:
        if not _DUMMY:
            _DUMMY.append(hasher.hash(secrets.token_hex(16)))
        try:
            hasher.verify(_DUMMY[0], password or "x")
        except argon2.exceptions.VerificationError:
            pass
        return False
    try:
        return bool(hasher.verify(account.password_hash, password))
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def _name(value: str, what: str = "actor") -> str:
    from workflow.core.limits import check_text

    return check_text(what, value or "")


class AccountsMixin:
    """Accounts and tokens, on the :class:`~workflow.api.Workflow` they are mixed into.

    Only the register's owner (in person) and holders of ``admin`` create,
    disable and enable accounts and issue and revoke tokens (``check_admin``);
    a person changes their own password knowing the old one, and issues a
    calendar-feed token for themselves.
    """

    if TYPE_CHECKING:  # what the mixin uses of the facade
        def register_log(self) -> list[Entry]: ...
        def _register(self, make: Callable[[Identity, Access], Drafts]) -> list[Entry]: ...

    def accounts(self) -> Accounts:
        """The accounts and the tokens in force, as the register log gives them."""
        return replay(self.register_log())

    def _accounts_act(self, make: Callable[["Identity", "Access", Accounts], Drafts]) -> list[Entry]:
        def drafts(identity: "Identity", access: "Access") -> Drafts:
            # The register log as this unit of work read it is what _register_in replays for access;
            # read it here again for accounts (the register is locked, so it is the same log).
            return make(identity, access, self.accounts())

        return self._register(drafts)

    def add_account(self, name: str, password: str) -> Account:
        """A new account for the person ``name`` (the name their roles are granted to)."""
        from workflow.access import check_admin

        who = _name(name)
        hashed = hash_password(password)

        def make(identity: "Identity", access: "Access", known: Accounts) -> Drafts:
            check_admin(identity, access, "create accounts")
            if who in known.accounts:
                raise DecisionRefused(f"an account {who!r} exists already")
            return [("account_created", {"name": who, "hash": hashed})]

        self._accounts_act(make)
        return self.accounts().accounts[who]

    def set_password(self, name: str, password: str, *, old_password: str | None = None) -> None:
        """Set an account's password: an administrator for anyone, a person for themselves with the old one."""
        from workflow.access import check_admin

        who = _name(name)
        hashed = hash_password(password)

        def make(identity: "Identity", access: "Access", known: Accounts) -> Drafts:
            account = known.accounts.get(who)
            if account is None:
                raise NotFound(f"no account {who!r}")
            if old_password is not None and identity.user == who:
                if not verify_password(account, old_password):
                    raise PermissionDenied("the old password is not right", field="old_password")
            else:
                check_admin(identity, access, "set other people's passwords")
            return [("account_password", {"name": who, "hash": hashed})]

        self._accounts_act(make)

    def disable_account(self, name: str, *, disabled: bool = True) -> bool:
        """Disable (or enable again) an account; its sessions end. False if it was so already."""
        from workflow.access import check_admin

        who = _name(name)

        def make(identity: "Identity", access: "Access", known: Accounts) -> Drafts:
            check_admin(identity, access, "disable accounts" if disabled else "enable accounts")
            account = known.accounts.get(who)
            if account is None:
                raise NotFound(f"no account {who!r}")
            if account.disabled == disabled:
                return []
            return [("account_disabled" if disabled else "account_enabled", {"name": who})]

        return bool(self._accounts_act(make))

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account whose name and password these are, if it is in force."""
        account = self.accounts().active((name or "").strip())
        return account if verify_password(account, password) else None

    def issue_token(self, name: str, *, person: str | None = None, scope: str = "api") -> str:
        """Issue a token called ``name`` that records as ``person`` (default: ``name``); returns it, once.

        A token of the same name is replaced.  An administrator issues any
        token; a person issues a ``feed`` token for themselves.
        """
        from workflow.access import check_admin

        label = _name(name, "actor")
        who = _name(person or label)
        if scope not in SCOPES:
            raise InvalidInput(f"scope {scope!r}: one of {', '.join(SCOPES)}", field="scope")
        secret = new_token()

        def make(identity: "Identity", access: "Access", _known: Accounts) -> Drafts:
            if not (scope == "feed" and who == identity.user):
                check_admin(identity, access, "issue tokens")
            return [("token_issued", {"name": label, "person": who, "scope": scope,
                                      "digest": token_digest(secret)})]

        self._accounts_act(make)
        return secret

    def revoke_token(self, name: str) -> bool:
        """Revoke the token called ``name``; False if none is in force."""
        from workflow.access import check_admin

        label = _name(name, "actor")

        def make(identity: "Identity", access: "Access", known: Accounts) -> Drafts:
            token = known.tokens.get(label)
            if token is None:
                return []
            if not (token.scope == "feed" and token.person == identity.user):
                check_admin(identity, access, "revoke tokens")
            return [("token_revoked", {"name": label})]

        return bool(self._accounts_act(make))
