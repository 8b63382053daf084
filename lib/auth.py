"""Access control: who is looking (``Viewer``), what each role may do, users stored in the
database, password hashes, and the scope a user may see.

No Streamlit here. Invariants:
- Roles are cumulative: viewer (pages only) < uploader (+ imports and undo) < editor (+ the
  ledger, plan notes and plan settings) < admin (+ users, roles, scopes and the audit log).
- Every write path in lib/ calls ``check(viewer, action)`` itself (ingest, undo, settings,
  ledger, PDCA plan, users), so a refused role fails even when the code is called directly.
  ``check`` takes the viewer passed in, else the *acting* viewer: the one set with
  ``acting_as(v)`` (CLI, tests) or, inside the app, the signed-in user of the Streamlit session
  (a resolver that lib.ui registers). With nobody known it refuses.
- A user's scope is a ``lib.db.Scope`` (whole bank, a region, or a set of branches, optionally
  one customer type). ``narrow(allowed, chosen)`` intersects what the sidebar asks for with it;
  a choice outside the allowed scope yields an empty scope, never a wider one.
- Passwords are stored only as salted scrypt hashes (``hash_password``); plain passwords are
  never written anywhere. Users are created by an admin in the app or with
  ``python -m lib.auth add-user`` (run it while the app is stopped: DuckDB lets one process
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
from datetime import datetime
from typing import Callable

import pandas as pd

from lib import i18n
from lib.db import WHOLE_BANK, Scope

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
    """lib.ui registers a function returning the signed-in user of the current Streamlit
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


def check(viewer: Viewer | None, action: str) -> Viewer:
    """The viewer a write runs for (explicit, else acting), refused unless it may `action`."""
    return require(acting(viewer), action)


# ---------------------------------------------------------------- scope
def narrow(allowed: Scope, chosen: Scope) -> Scope:
    """What `chosen` (the sidebar) may show within `allowed` (the user's scope): never wider
    than `allowed`; a choice outside it gives an empty scope."""
    empty = Scope(region=allowed.region, branch_ids=(), customer_type=allowed.customer_type)
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
    return int(db.scalar("SELECT count(*) FROM qd_users"))


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


def _admins_left(cur, without: str) -> int:
    return cur.execute("SELECT count(*) FROM qd_users WHERE role = 'admin' AND NOT coalesce(disabled, FALSE) "
                       "AND lower(username) <> lower(?)", [without]).fetchone()[0]


def save_user(db, user: User, password: str | None = None, viewer: Viewer | None = None) -> None:
    """Create or update a user (admins only); `password` sets a new password hash. Refuses to
    demote or disable the last admin when users sign in with the app (nobody could manage users)."""
    from lib import audit
    actor = check(viewer, "admin")
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
                and not _admins_left(cur, username):
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


def delete_user(db, username: str, viewer: Viewer | None = None) -> None:
    from lib import audit
    actor = check(viewer, "admin")
    with db.transaction() as cur:
        row = cur.execute("SELECT role FROM qd_users WHERE lower(username) = lower(?)", [username]).fetchone()
        if row is None:
            return
        if row[0] == "admin" and not _admins_left(cur, username):
            raise ValueError(i18n.t("auth.err.last_admin", "en"))
        cur.execute("DELETE FROM qd_users WHERE lower(username) = lower(?)", [username])
        audit.record(db, actor, "user_deleted", {"user": username}, cur=cur)


def authenticate(db, username: str, password: str) -> Viewer | None:
    """The viewer for a correct username and password of an enabled user, else None. Both
    outcomes are written to the audit log; the time taken does not tell whether the user exists."""
    from lib import audit
    u = get_user(db, username)
    ok = verify_password(password, u.password_hash if u and u.password_hash else _DUMMY_HASH)
    if u is None or u.disabled or not u.password_hash or not ok:
        audit.record(db, str(username or "")[:200], "sign_in_failed", {"mode": "password"})
        return None
    v = u.viewer("password")
    audit.record(db, v, "sign_in", {"mode": "password"})
    return v


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
def _cli(argv=None) -> int:
    from lib.db import default_db_path, open_database
    ap = argparse.ArgumentParser(prog="python -m lib.auth", description="Quarterdeck users (run while the app is stopped).")
    ap.add_argument("--db", default=default_db_path(), help="DuckDB file (default: QUARTERDECK_DB or data/quarterdeck.duckdb)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-user", help="create or update a user")
    add.add_argument("username", help="login name, or the e-mail the identity provider reports")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", help="display name")
    add.add_argument("--region", help="limit the user to one region")
    add.add_argument("--branch", action="append", help="limit the user to these branches (repeat)")
    add.add_argument("--customer-type", choices=("retail", "corporate"))
    add.add_argument("--personal", choices=("yes", "no"), help="may see customer names (default: by role)")
    add.add_argument("--password", action="store_true",
                     help="ask for a password (or read QUARTERDECK_PASSWORD); not needed for identity-provider users")
    sub.add_parser("list-users", help="list users")
    rm = sub.add_parser("remove-user", help="delete a user")
    rm.add_argument("username")
    args = ap.parse_args(argv)
    db = open_database(args.db)
    try:
        with acting_as(system_viewer(os.environ.get("USER"))):
            if args.cmd == "list-users":
                print(users(db).to_string(index=False))
                return 0
            if args.cmd == "remove-user":
                delete_user(db, args.username)
                return 0
            pw = None
            if args.password:
                pw = os.environ.get("QUARTERDECK_PASSWORD") or getpass.getpass("Password: ")
                if not os.environ.get("QUARTERDECK_PASSWORD") and getpass.getpass("Again: ") != pw:
                    print("error: the passwords differ", file=sys.stderr)
                    return 1
            old = get_user(db, args.username)
            u = User(args.username, args.role, args.name or (old.display_name if old else None), args.region,
                     tuple(args.branch) if args.branch else None, args.customer_type,
                     None if args.personal is None else args.personal == "yes")
            save_user(db, u, password=pw)
            print(f"saved {args.username} ({args.role})")
            return 0
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(_cli())
