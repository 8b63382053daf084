"""Access control: who is looking (``Viewer``), what each role may do, users stored in the
database, password hashes, and the scope a user may see.

No Streamlit here. Invariants:
- Roles are cumulative: viewer (pages only) < uploader (+ imports and undo) < editor (+ the
  ledger, plan notes and plan settings) < admin (+ users, roles, scopes and the audit log).
- Every write path in lib/ calls ``check(viewer, action)`` itself (ingest, undo, settings,
  ledger, PDCA plan, users), so a refused role fails even when the code is called directly.
  ``check`` takes the viewer passed in, else the *acting* viewer: the one set with
  ``acting_as(v)`` (CLI, tests) or, inside the app, the signed-in user of the Streamlit session
  (a resolver that lib.ui.shell registers). With nobody known it refuses.
- A user's scope is a ``lib.core.db.Scope`` (whole bank, a region, or a set of branches, optionally
  one customer type). ``narrow(allowed, chosen)`` intersects what the sidebar asks for with it;
  a choice outside the allowed scope yields an empty scope, never a wider one.
- Passwords are stored only as salted scrypt hashes (``hash_password``); plain passwords are
  never written anywhere. Users are created by an admin in the app or with
  ``python -m lib.core.auth add-user`` (run it while the app is stopped: DuckDB lets one process
  write the file).
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import os
import secrets as _secrets
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import pandas as pd

from lib.core import i18n
from lib.core.db import WHOLE_BANK, Scope
from lib.core.db import default_db_path, open_database
from lib.core import audit

ROLES = ("viewer", "uploader", "editor", "admin")
ACTIONS = ("view", "import", "undo", "ledger", "settings", "personal", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view"}),
    "uploader": frozenset({"view", "import", "undo"}),
    "editor": frozenset({"view", "import", "undo", "ledger", "settings", "personal"}),
    "admin": frozenset(ACTIONS),
}
LOCAL_NAME = "local"      # the single user of local mode (no sign-in configured)
SYSTEM_NAME = "system"    # command-line jobs and the app's inbox worker


@dataclass(frozen=True)
class Viewer:
    """The person (or job) a request runs for."""
    name: str
    role: str
    scope: Scope = WHOLE_BANK
    may_see_personal: bool = False
    email: str | None = None
    mode: str = "password"   # oidc / password / local / system
    username: str | None = None  # the login name stored in qd_users (None for local/system)

    @property
    def label(self) -> str:
        """Who, in the audit log and history: the e-mail, else the login name, else the name."""
        return self.email or self.username or self.name

    def can(self, action: str) -> bool:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if action == "personal":
            return self.may_see_personal
        return action in PERMISSIONS.get(self.role, frozenset())


def local_admin() -> Viewer:
    """Local single-user mode: one person on their own machine, admin of the whole bank."""
    return Viewer(LOCAL_NAME, "admin", WHOLE_BANK, True, None, "local")


def system_viewer(user: str | None = None) -> Viewer:
    """Command-line jobs (whoever may run them can write the database file anyway)."""
    name = f"{SYSTEM_NAME}:{user}" if user else SYSTEM_NAME
    return Viewer(name, "admin", WHOLE_BANK, True, None, "system")


class AccessDenied(PermissionError):
    """A role may not do an action; the message names the user, the role and the action and
    says whom to ask."""

    def __init__(self, viewer: Viewer | None, action: str):
        self.viewer, self.action = viewer, action
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        what = i18n.t(f"auth.action.{self.action}", lang)
        if self.viewer is None:
            return i18n.t("auth.err.nobody", lang, action=what)
        return i18n.t("auth.err.denied", lang, user=self.viewer.label,
                      role=i18n.t(f"auth.role.{self.viewer.role}", lang), action=what)


def require(viewer: Viewer | None, action: str) -> Viewer:
    """Return `viewer` when its role allows `action`, else raise ``AccessDenied``."""
    if viewer is None or not viewer.can(action):
        raise AccessDenied(viewer, action)
    return viewer


# ---------------------------------------------------------------- the acting viewer
_acting: ContextVar[Viewer | None] = ContextVar("qd_acting_viewer", default=None)
_resolver: Callable[[], Viewer | None] | None = None


@contextmanager
def acting_as(viewer: Viewer | None):
    """Run a block as `viewer` (CLI jobs, tests)."""
    token = _acting.set(viewer)
    try:
        yield viewer
    finally:
        _acting.reset(token)


def set_session_resolver(fn: Callable[[], Viewer | None] | None) -> None:
    """lib.ui.shell registers a function returning the signed-in user of the current Streamlit
    session (None outside a session)."""
    global _resolver
    _resolver = fn


def acting(viewer: Viewer | None = None) -> Viewer | None:
    if viewer is not None:
        return viewer
    v = _acting.get()
    if v is not None:
        return v
    return _resolver() if _resolver is not None else None


_db_resolver: Callable[[], object] | None = None


def set_database_resolver(fn: Callable[[], object] | None) -> None:
    """lib.ui.shell registers a function returning the app's database, where a refusal is audited
    when the refusing write path did not name its database."""
    global _db_resolver
    _db_resolver = fn


def check(viewer: Viewer | None, action: str, db=None, target=None) -> Viewer:
    """The viewer a write runs for (explicit, else acting), refused unless it may `action`.
    A refusal is written to the audit log (``access_denied``: who, action, target) in `db`
    (default: the app's database, when lib.ui.shell registered one) before ``AccessDenied`` is raised."""
    v = acting(viewer)
    try:
        return require(v, action)
    except AccessDenied:
        audit_refusal(db, v, action, target)
        raise


def audit_refusal(db, viewer: Viewer | None, action: str, target=None) -> None:
    """One ``access_denied`` audit row (a failing audit write never hides the refusal itself)."""
    if db is None and _db_resolver is not None:
        try:
            db = _db_resolver()
        except Exception:  # noqa: BLE001 - no app database here (a bare script)
            db = None
    if db is None:
        return
    try:
        audit.record(db, viewer, "access_denied", {"action": action, "target": target})
    except Exception:  # noqa: BLE001 - e.g. a read-only database: the refusal still stands
        pass


# ---------------------------------------------------------------- scope
def narrow(allowed: Scope, chosen: Scope) -> Scope:
    """What `chosen` (the sidebar) may show within `allowed` (the user's scope): never wider
    than `allowed`; a choice outside it gives an empty scope."""
    empty = Scope(region=allowed.region, branch_ids=(), customer_type=allowed.customer_type)
    if allowed.unassigned and not chosen.unassigned:
        return empty  # (no viewer's own scope is "unassigned"; never widen one that were)
    if chosen.unassigned:  # rows of no known branch belong to no branch: whole-bank viewers only
        if not (allowed.is_whole_bank or allowed.unassigned):
            return empty
        if allowed.customer_type is not None and chosen.customer_type not in (None, allowed.customer_type):
            return empty
        return Scope(customer_type=chosen.customer_type or allowed.customer_type, unassigned=True)
    region = allowed.region
    if chosen.region is not None:
        if region is not None and chosen.region != region:
            return empty
        region = chosen.region
    if allowed.branch_ids is None:
        branches = chosen.branch_ids
    elif chosen.branch_ids is None:
        branches = allowed.branch_ids
    else:
        branches = tuple(b for b in chosen.branch_ids if b in allowed.branch_ids)
    ctype = allowed.customer_type
    if chosen.customer_type is not None:
        if ctype is not None and chosen.customer_type != ctype:
            return empty
        ctype = chosen.customer_type
    return Scope(region=region, branch_ids=branches, customer_type=ctype)


def allowed_org(org: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The rows of a branch list (branch_id, region, …) inside `scope`."""
    out = org
    if scope.region is not None:
        out = out[out["region"] == scope.region]
    if scope.branch_ids is not None:
        out = out[out["branch_id"].isin(list(scope.branch_ids))]
    return out


# ---------------------------------------------------------------- passwords
_N, _R, _P = 2 ** 14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` with a random 16-byte salt per call."""
    if not password or len(password) < 8:
        raise ValueError(i18n.t("auth.err.short_password", "en"))
    salt = _secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${dk.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    try:
        algo, n, r, p, salt, want = (stored or "").split("$")
        if algo != "scrypt":
            return False
        dk = hashlib.scrypt((password or "").encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                            p=int(p), dklen=len(bytes.fromhex(want)))
        return hmac.compare_digest(dk, bytes.fromhex(want))
    except (ValueError, TypeError):
        return False


_DUMMY_HASH = f"scrypt${_N}${_R}${_P}${'00' * 16}${'00' * 32}"


# ---------------------------------------------------------------- users in the database
USER_COLUMNS = ("username", "display_name", "role", "region", "branch_ids", "customer_type", "personal",
                "disabled", "has_password", "updated_at", "updated_by")


@dataclass
class User:
    username: str
    role: str
    display_name: str | None = None
    region: str | None = None
    branch_ids: tuple[str, ...] | None = None
    customer_type: str | None = None
    personal: bool | None = None          # None: the role's default (editor and admin see names)
    disabled: bool = False
    password_hash: str | None = field(default=None, repr=False)

    @property
    def scope(self) -> Scope:
        return Scope(region=self.region, branch_ids=self.branch_ids, customer_type=self.customer_type)

    def viewer(self, mode: str, email: str | None = None) -> Viewer:
        default = "personal" in PERMISSIONS.get(self.role, frozenset())
        personal = default if self.personal is None else bool(self.personal)
        return Viewer(self.display_name or self.username, self.role, self.scope, personal,
                      email or (self.username if "@" in self.username else None), mode, self.username)


def _split(v) -> tuple[str, ...] | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or not str(v).strip():
        return None
    return tuple(b.strip() for b in str(v).split(",") if b.strip())


def _user_from_row(row) -> User:
    (username, display, role, region, branches, ctype, personal, disabled, pwh) = row
    return User(username, role, display, region or None, _split(branches), ctype or None,
                None if personal is None else bool(personal), bool(disabled), pwh)


_SELECT = ("SELECT username, display_name, role, region, branch_ids, customer_type, personal, disabled, "
           "password_hash FROM qd_users")


def get_user(db, username: str) -> User | None:
    rows = db.rows(_SELECT + " WHERE lower(username) = lower(?)", [str(username or "").strip()])
    return _user_from_row(rows[0]) if rows else None


def users(db) -> pd.DataFrame:
    """Every user (no password hashes): USER_COLUMNS."""
    return db.query("SELECT username, display_name, role, region, branch_ids, customer_type, personal, disabled, "
                    "password_hash IS NOT NULL AS has_password, updated_at, updated_by FROM qd_users "
                    "ORDER BY username")


def user_count(db) -> int:
    """Users on file (kept until the next write: every page run asks, lib.core.db.Database.memo)."""
    return int(db.memo(("rows", "qd_users"), lambda: db.scalar("SELECT count(*) FROM qd_users")))


def sign_in_mode(db, oidc_configured: bool) -> str:
    """``oidc`` when an identity provider is configured; else ``password`` when users exist
    (they sign in with a password); else ``local`` single-user mode."""
    if oidc_configured:
        return "oidc"
    return "password" if user_count(db) else "local"


def validate_user(db, user: User) -> list[str]:
    """Error keys (empty when fine)."""
    errs = []
    if not user.username or not user.username.strip() or len(user.username) > 200:
        errs.append("auth.err.username")
    if user.role not in ROLES:
        errs.append("auth.err.role")
    if user.customer_type not in (None, "retail", "corporate"):
        errs.append("auth.err.customer_type")
    if user.region is not None and not db.scalar("SELECT count(*) FROM branches WHERE region = ?", [user.region]):
        errs.append("auth.err.region")
    if user.branch_ids is not None:
        known = {r[0] for r in db.rows("SELECT branch_id FROM branches")}
        if not user.branch_ids or any(b not in known for b in user.branch_ids):
            errs.append("auth.err.branches")
    return errs


def identity_provider_configured(root: str | None = None) -> bool:
    """Whether an ``[auth]`` section (an identity provider for ``st.login``) is configured in
    Streamlit's secrets files (the project's ``.streamlit/secrets.toml`` or the user's). The app
    asks ``st.secrets`` instead; this is for the command line."""
    import tomllib
    from pathlib import Path
    base = Path(root) if root else Path(__file__).resolve().parent.parent.parent
    for p in (base / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            if "auth" in tomllib.loads(p.read_text(encoding="utf-8")):
                return True
        except (OSError, ValueError):
            continue
    return False


def _admins_left(cur, without: str, identity_provider: bool = False) -> int:
    """Enabled admins other than `without` who can sign in: with an identity provider, those
    whose user name is an e-mail it can report; else those with a password."""
    can_sign_in = "position('@' IN username) > 0" if identity_provider else "password_hash IS NOT NULL"
    return cur.execute("SELECT count(*) FROM qd_users WHERE role = 'admin' AND NOT coalesce(disabled, FALSE) "
                       f"AND {can_sign_in} AND lower(username) <> lower(?)", [without]).fetchone()[0]


def save_user(db, user: User, password: str | None = None, viewer: Viewer | None = None,
              identity_provider: bool = False) -> None:
    """Create or update a user (admins only); `password` sets a new password hash. Refuses to
    demote or disable the last admin who can sign in (nobody could manage users): with an
    identity provider (`identity_provider`) an admin whose user name is an e-mail, else one with a
    password."""
    actor = check(viewer, "admin", db=db, target=f"user {user.username}")
    errs = validate_user(db, user)
    if errs:
        raise ValueError(" ".join(i18n.t(e, "en") for e in errs))
    username = user.username.strip()
    pwh = hash_password(password) if password else None
    with db.transaction() as cur:
        if not cur.execute("SELECT count(*) FROM qd_users").fetchone()[0] and user.role != "admin":
            raise ValueError(i18n.t("auth.err.first_admin", "en"))
        old = cur.execute("SELECT password_hash, role FROM qd_users WHERE lower(username) = lower(?)",
                          [username]).fetchone()
        if old is not None and old[1] == "admin" and (user.role != "admin" or user.disabled) \
                and not _admins_left(cur, username, identity_provider):
            raise ValueError(i18n.t("auth.err.last_admin", "en"))
        cur.execute("DELETE FROM qd_users WHERE lower(username) = lower(?)", [username])
        cur.execute("INSERT INTO qd_users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [username, user.display_name, user.role, user.region,
                     ",".join(user.branch_ids) if user.branch_ids is not None else None, user.customer_type,
                     user.personal, bool(user.disabled), pwh or (old[0] if old else None), datetime.now(),
                     actor.label])
        audit.record(db, actor, "user_saved", {
            "user": username, "role": user.role, "region": user.region,
            "branches": list(user.branch_ids) if user.branch_ids is not None else None,
            "customer_type": user.customer_type, "personal": user.personal, "disabled": bool(user.disabled),
            "new": old is None, "password_set": bool(password)}, cur=cur)


def delete_user(db, username: str, viewer: Viewer | None = None, identity_provider: bool = False) -> None:
    actor = check(viewer, "admin", db=db, target=f"user {username}")
    with db.transaction() as cur:
        row = cur.execute("SELECT role FROM qd_users WHERE lower(username) = lower(?)", [username]).fetchone()
        if row is None:
            return
        if row[0] == "admin" and not _admins_left(cur, username, identity_provider):
            raise ValueError(i18n.t("auth.err.last_admin", "en"))
        cur.execute("DELETE FROM qd_users WHERE lower(username) = lower(?)", [username])
        audit.record(db, actor, "user_deleted", {"user": username}, cur=cur)


# ---------------------------------------------------------------- sign-in throttle
THROTTLE_AFTER = 5          # failures (per account, per client address) before attempts are spaced out
LOCK_AFTER = 10             # failures before a temporary lock
LOCK_MINUTES = 15           # how long a lock lasts (it always expires; an admin can lift it sooner)
FORGET_MINUTES = 15         # failures older than this, with no lock, are forgotten
MAX_DELAY_SECONDS = 60


def throttle_delay(failures: int) -> float:
    """Seconds that must pass after the last failure before the next attempt is checked:
    none before ``THROTTLE_AFTER`` failures, then 1, 2, 4, … s (at most ``MAX_DELAY_SECONDS``)."""
    if failures < THROTTLE_AFTER:
        return 0.0
    return float(min(2 ** (failures - THROTTLE_AFTER), MAX_DELAY_SECONDS))


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password sign-in: ``ok`` (with the viewer), ``failed`` (wrong name or
    password), ``wait`` (too many failures: try again in `retry_after` seconds, the password was
    not checked) or ``locked`` (until `locked_until`, the password was not checked)."""
    outcome: str
    viewer: Viewer | None = None
    retry_after: float = 0.0
    locked_until: datetime | None = None
    kind: str | None = None   # account / address: which counter refused


def _throttle_keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", str(username or "").strip().lower()[:200])]
    if address:
        keys.append(("address", str(address)[:200]))
    return keys


def _reserve(db, keys, now: datetime) -> SignIn | None:
    """In one short transaction (no sleeping, no password hashing inside): refuse when a key is
    locked or still in its delay; else count this attempt as a failure of every key until it
    succeeds, so parallel guesses see each other at once."""
    with db.transaction() as cur:
        counts = {}
        for kind, key in keys:
            row = cur.execute("SELECT failures, last_failed_at, locked_until FROM qd_sign_in_throttle "
                              "WHERE kind = ? AND key = ?", [kind, key]).fetchone()
            failures, last, locked = row if row else (0, None, None)
            if locked is not None and locked > now:
                return SignIn("locked", locked_until=locked, kind=kind)
            if locked is not None:           # an expired lock: the next failures are spaced out again
                failures = THROTTLE_AFTER
            elif last is not None and now - last > timedelta(minutes=FORGET_MINUTES):
                failures = 0
            if last is not None and failures >= THROTTLE_AFTER:
                wait = (last + timedelta(seconds=throttle_delay(failures)) - now).total_seconds()
                if wait > 0:
                    return SignIn("wait", retry_after=round(wait, 1), kind=kind)
            counts[(kind, key)] = failures
        for (kind, key), failures in counts.items():
            failures += 1
            locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER else None
            cur.execute("INSERT OR REPLACE INTO qd_sign_in_throttle VALUES (?, ?, ?, ?, ?)",
                        [kind, key, failures, now, locked])
    return None


def _succeeded(db, keys) -> None:
    """A right password: the account's failures are forgotten; the address gives back the
    attempt counted in advance (other accounts' failures from it stand)."""
    with db.transaction() as cur:
        for kind, key in keys:
            if kind == "account":
                cur.execute("DELETE FROM qd_sign_in_throttle WHERE kind = ? AND key = ?", [kind, key])
            else:
                cur.execute("UPDATE qd_sign_in_throttle SET failures = greatest(failures - 1, 0), "
                            "locked_until = CASE WHEN failures - 1 >= ? THEN locked_until END "
                            "WHERE kind = ? AND key = ?", [LOCK_AFTER, kind, key])


def sign_in(db, username: str, password: str, address: str | None = None,
            now: datetime | None = None) -> SignIn:
    """Check a user name and password, throttled per account and per client `address` across
    sessions and restarts (``qd_sign_in_throttle``): after ``THROTTLE_AFTER`` failures each next
    attempt waits ``throttle_delay`` seconds after the last one (earlier attempts are refused at
    once, without checking the password — nothing sleeps); after ``LOCK_AFTER`` failures the
    account or address is locked for ``LOCK_MINUTES`` (an admin can unlock sooner). Every outcome
    is written to the audit log; the time taken does not tell whether the user exists."""
    now = now or datetime.now()
    name = str(username or "")[:200]
    keys = _throttle_keys(name, address)
    refused = _reserve(db, keys, now)
    if refused is not None:
        audit.record(db, name, "sign_in_failed", {
            "mode": "password", "reason": refused.outcome, "by": refused.kind, "address": address,
            "retry_after": refused.retry_after or None, "locked_until": refused.locked_until})
        return refused
    u = get_user(db, name)
    ok = verify_password(password, u.password_hash if u and u.password_hash else _DUMMY_HASH)
    if u is None or u.disabled or not u.password_hash or not ok:
        audit.record(db, name, "sign_in_failed", {"mode": "password", "address": address})
        for kind, key in keys:
            row = db.rows("SELECT failures, locked_until FROM qd_sign_in_throttle WHERE kind = ? AND key = ?",
                          [kind, key])
            failures, locked = row[0] if row else (0, None)
            if failures == LOCK_AFTER and locked is not None:
                audit.record(db, name, "sign_in_locked", {kind: key, "failures": failures, "locked_until": locked})
            elif failures == THROTTLE_AFTER:
                audit.record(db, name, "sign_in_throttled", {kind: key, "failures": failures})
        return SignIn("failed")
    _succeeded(db, keys)
    v = u.viewer("password")
    audit.record(db, v, "sign_in", {"mode": "password", "address": address})
    return SignIn("ok", v)


def authenticate(db, username: str, password: str, address: str | None = None,
                 now: datetime | None = None) -> Viewer | None:
    """The viewer for a correct username and password of an enabled user, else None (wrong,
    throttled or locked: see ``sign_in``)."""
    return sign_in(db, username, password, address, now).viewer


THROTTLE_COLUMNS = ("kind", "key", "failures", "last_failed_at", "locked_until", "locked")


def throttled(db, now: datetime | None = None) -> pd.DataFrame:
    """Accounts and client addresses with recent failed sign-ins or a lock (for admins):
    THROTTLE_COLUMNS, locked ones first."""
    now = now or datetime.now()
    return db.query("SELECT kind, key, failures, last_failed_at, locked_until, "
                    "coalesce(locked_until > ?, FALSE) AS locked FROM qd_sign_in_throttle "
                    "WHERE failures > 0 OR locked_until IS NOT NULL "
                    "ORDER BY locked DESC, last_failed_at DESC", [now])


def unlock(db, kind: str, key: str, viewer: Viewer | None = None) -> bool:
    """Lift a lock and forget the failures of one account or client address (admins only);
    audited. Returns whether there was anything to lift."""
    actor = check(viewer, "admin", db=db, target=f"sign-in lock {kind} {key}")
    with db.transaction() as cur:
        row = cur.execute("SELECT failures, locked_until FROM qd_sign_in_throttle WHERE kind = ? AND key = ?",
                          [kind, key]).fetchone()
        if row is None:
            return False
        cur.execute("DELETE FROM qd_sign_in_throttle WHERE kind = ? AND key = ?", [kind, key])
        audit.record(db, actor, "sign_in_unlocked", {kind: key, "failures": row[0], "locked_until": row[1]},
                     cur=cur)
    return True


def oidc_viewer(db, email: str | None, name: str | None = None) -> Viewer | None:
    """The viewer for an identity-provider account: the user whose username is its e-mail."""
    u = get_user(db, email) if email else None
    if u is None or u.disabled:
        return None
    return u.viewer("oidc", email=email)


def viewer_for(db, username: str, mode: str = "password") -> Viewer | None:
    """A signed-in user's viewer as stored now (role or scope changes apply on the next run)."""
    u = get_user(db, username)
    if u is None or u.disabled:
        return None
    return u.viewer(mode)


# ---------------------------------------------------------------- command line
def updated_user(old: User, args) -> User:
    """`old` with only what the command line gave changed (``add-user`` on an existing user)."""
    region, branches = old.region, old.branch_ids
    if args.whole_bank:
        region, branches = None, None
    elif args.region is not None or args.branch:
        region, branches = args.region, tuple(args.branch) if args.branch else None
    ctype = old.customer_type if args.customer_type is None else (
        None if args.customer_type == "all" else args.customer_type)
    personal = old.personal if args.personal is None else (
        None if args.personal == "default" else args.personal == "yes")
    disabled = True if args.disable else False if args.enable else old.disabled
    return User(old.username, args.role or old.role, args.name if args.name is not None else old.display_name,
                region, branches, ctype, personal, disabled)


def describe_scope(u: User) -> str:
    parts = ([f"region {u.region}"] if u.region else []) + (
        [f"branches {', '.join(u.branch_ids)}"] if u.branch_ids is not None else [])
    if u.customer_type:
        parts.append(f"{u.customer_type} customers")
    return " · ".join(parts) or "the whole bank"


def user_changes(old: User, new: User) -> list[str]:
    """What differs between two versions of a user, e.g. ``role viewer → editor``."""
    out = []
    for label, attr in (("role", "role"), ("name", "display_name"), ("customer names", "personal"),
                        ("disabled", "disabled")):
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            out.append(f"{label} {a if a is not None else '(default)'} → {b if b is not None else '(default)'}")
    if describe_scope(old) != describe_scope(new):
        out.append(f"sees {describe_scope(old)} → {describe_scope(new)}")
    return out


def _cli(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.core.auth", description="Quarterdeck users (run while the app is stopped).")
    ap.add_argument("--db", default=default_db_path(), help="DuckDB file (default: QUARTERDECK_DB or data/quarterdeck.duckdb)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-user", help="create a user, or change an existing one (what is not given is kept)")
    add.add_argument("username", help="login name, or the e-mail the identity provider reports")
    add.add_argument("--role", choices=ROLES, help="required for a new user")
    add.add_argument("--name", help="display name")
    add.add_argument("--region", help="limit the user to one region (replaces the user's scope)")
    add.add_argument("--branch", action="append", help="limit the user to these branches (repeat; replaces the scope)")
    add.add_argument("--whole-bank", action="store_true", help="let the user see the whole bank (clears the scope)")
    add.add_argument("--customer-type", choices=("retail", "corporate", "all"), help="'all' clears the limit")
    add.add_argument("--personal", choices=("yes", "no", "default"), help="may see customer names (default: by role)")
    add.add_argument("--enable", action="store_true", help="enable a disabled user")
    add.add_argument("--disable", action="store_true", help="disable the user (cannot sign in)")
    add.add_argument("--password", action="store_true",
                     help="ask for a password (or read QUARTERDECK_PASSWORD); not needed for identity-provider users")
    sub.add_parser("list-users", help="list users")
    rm = sub.add_parser("remove-user", help="delete a user")
    rm.add_argument("username")
    ul = sub.add_parser("unlock", help="lift a sign-in lock (an account name, or --address for a client address)")
    ul.add_argument("key", help="the account name (or the client address with --address)")
    ul.add_argument("--address", action="store_true", help="KEY is a client address")
    args = ap.parse_args(argv)
    db = open_database(args.db)
    try:
        with acting_as(system_viewer(os.environ.get("USER"))):
            if args.cmd == "list-users":
                print(users(db).to_string(index=False))
                return 0
            idp = identity_provider_configured()
            if args.cmd == "remove-user":
                delete_user(db, args.username, identity_provider=idp)
                return 0
            if args.cmd == "unlock":
                kind = "address" if args.address else "account"
                key = args.key if args.address else args.key.strip().lower()
                print(f"unlocked {kind} {key}" if unlock(db, kind, key) else f"{kind} {key} was not locked")
                return 0
            pw = None
            if args.password:
                pw = os.environ.get("QUARTERDECK_PASSWORD") or getpass.getpass("Password: ")
                if not os.environ.get("QUARTERDECK_PASSWORD") and getpass.getpass("Again: ") != pw:
                    print("error: the passwords differ", file=sys.stderr)
                    return 1
            old = get_user(db, args.username)
            if old is None and args.role is None:
                print(f"error: {args.username} is a new user: give --role", file=sys.stderr)
                return 1
            u = updated_user(old, args) if old else User(
                args.username, args.role, args.name, args.region, tuple(args.branch) if args.branch else None,
                None if args.customer_type in (None, "all") else args.customer_type,
                None if args.personal in (None, "default") else args.personal == "yes", bool(args.disable))
            save_user(db, u, password=pw, identity_provider=idp)
            if old is None:
                print(f"added {u.username} ({u.role}, sees {describe_scope(u)})")
            else:
                changes = user_changes(old, u) + (["password set"] if pw else [])
                print(f"changed {old.username}: " + "; ".join(changes) if changes else f"{old.username}: nothing changed")
            return 0
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(_cli())
