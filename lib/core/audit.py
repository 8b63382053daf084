"""The audit log: who did what, when (``qd_audit``, append-only).

No Streamlit here. ``record(db, viewer, action, detail)`` is the only writer; nothing in the
project updates or deletes audit rows. A write path that has a transaction open passes its
cursor (``cur=``) so the audit row commits or rolls back together with the change it describes.

Actions recorded: ``sign_in``, ``sign_in_failed``, ``sign_out``, ``import``, ``undo``,
``ledger_edit``, ``setting``, ``export``, ``user_saved``, ``user_deleted``, ``access_denied`` (a refused
write: who, action, target), ``sign_in_throttled`` / ``sign_in_locked`` (an account or client address
reached the delay or the lock of lib.core.auth's sign-in throttle), ``sign_in_unlocked`` (an admin lifted it),
``team_edit`` (a playbook case, a mentor's journal entry or a training enrolment written in the app).
"""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "import", "undo", "ledger_edit", "setting", "export",
           "user_saved", "user_deleted", "access_denied", "sign_in_throttled", "sign_in_locked", "sign_in_unlocked",
           "team_edit")

_INSERT = ("INSERT INTO qd_audit SELECT coalesce(max(audit_id), 0) + 1, ?, ?, ?, ?, ? FROM qd_audit")


def _who(viewer) -> tuple[str, str | None]:
    if viewer is None:
        return "(nobody)", None
    if isinstance(viewer, str):
        return viewer, None
    return viewer.label, viewer.role


def record(db, viewer, action: str, detail=None, cur=None) -> None:
    """Append one audit row. `viewer` is a ``lib.core.auth.Viewer`` (or a plain user name);
    `detail` is text or anything JSON-able (dicts are stored as JSON)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who, role = _who(viewer)
    text = detail if isinstance(detail, str) or detail is None else json.dumps(detail, ensure_ascii=False,
                                                                                default=str)
    params = [datetime.now(), who, role, action, text]
    if cur is not None:
        cur.execute(_INSERT, params)
    else:
        with db.transaction() as c:
            c.execute(_INSERT, params)


def entries(db, since: datetime | None = None, action: str | None = None, user: str | None = None,
            limit: int = 5000) -> pd.DataFrame:
    """Audit rows, newest first: audit_id, happened_at, username, role, action, detail."""
    where, params = [], []
    if since is not None:
        where.append("happened_at >= ?")
        params.append(since)
    if action:
        where.append("action = ?")
        params.append(action)
    if user:
        where.append("username = ?")
        params.append(user)
    sql = ("SELECT audit_id, happened_at, username, role, action, detail FROM qd_audit "
           + ("WHERE " + " AND ".join(where) + " " if where else "") + "ORDER BY audit_id DESC LIMIT ?")
    return db.query(sql, [*params, limit])
