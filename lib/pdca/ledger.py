"""The problem-resolution ledger: validated create / edit / close / delete, an audit trail, and
the rule for two people editing the same item at once.

No Streamlit here. Every write runs in one ``db.transaction()`` that also writes the audit rows
and bumps the data version, so a refused or failed save leaves the ledger exactly as it was.

Rules:
- Required: owner, problem, status, due date. Status is one of ``STATUSES`` (Chinese and other
  synonyms of the data contract are accepted and stored canonically). The due date must fall
  inside the item's quarter.
- Setting an item to resolved / closed without a resolution day sets it to ``today``; reopening it
  (open / in progress) clears the resolution day. Both are audited like any other change.
- Audit trail (``qd_ledger_audit``): one row per changed field, with who (the ``user`` argument;
  there are no logins yet), when, the old and the new value (as text; dates ISO). Creating an
  item writes one row per filled field (action ``create``); deleting writes one row with the
  whole item as JSON (action ``delete``). Rows loaded through the import pipeline carry their
  ``import_id``; ``history`` shows that load as a line of its own, and each field the load changed
  as an ``import`` row (see "file imports" below: a file never overwrites a field the app changed
  after the file was exported).
- Concurrent edits (optimistic, compare-on-save): a save carries each item *as it was loaded*.
  For every field the user changed, the value now in the database is compared with the loaded one:
  unchanged -> the new value is written; someone else already wrote the same value -> nothing to
  do; someone else wrote a different value -> the whole save is refused with ``ConflictError``
  naming the item, the field, who changed it and what to do. Fields the user did not change keep
  whatever is in the database now, so two people editing different fields of one item are merged
  field by field. Editing an item that someone deleted is refused as well.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from lib.core import i18n
from lib.core import schema
from lib.core.db import Database
from lib.core.periods import Quarter
from lib.core import auth
from lib.core import audit

STATUSES = tuple(schema.LEDGER_STATUS)  # open, in_progress, resolved, closed
DONE = ("resolved", "closed")
FIELDS = ("week", "owner", "category", "problem", "action", "due_date", "status", "resolved_on", "notes")
REQUIRED = ("owner", "problem", "status", "due_date")
DATE_FIELDS = ("due_date", "resolved_on")
MAX_TEXT = 1000
CATEGORIES = ("customers", "channels", "products", "team", "compliance", "data", "other")
LOCAL_USER = "local user"


# ---------------------------------------------------------------- errors
@dataclass
class Problem:
    item_id: str | None
    field: str
    code: str
    params: dict = field(default_factory=dict)
    row: int | None = None  # a new row without an id: its place among the new rows (1-based)

    def message(self, lang: str = "en") -> str:
        if self.item_id:
            item = self.item_id
        elif self.row is not None:
            item = i18n.t("pdca.ledger.new_row", lang, n=self.row)
        else:
            item = i18n.t("pdca.ledger.new_item", lang)
        return i18n.t(f"pdca.err.{self.code}", lang, item=item,
                      field=i18n.t(f"pdca.field.{self.field}", lang), **self.params)


class LedgerError(ValueError):
    """A refused save; ``messages(lang)`` gives one sentence per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(" ".join(self.messages("en")))

    def messages(self, lang: str = "en") -> list[str]:
        return [p.message(lang) for p in self.problems]


class ValidationError(LedgerError):
    pass


class ConflictError(LedgerError):
    pass


# ---------------------------------------------------------------- values
def _missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        if v is pd.NaT or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(v, str) and not v.strip()


def to_date(v) -> date | None:
    if _missing(v):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    return date.fromisoformat(str(v).strip()[:10])


def norm(fld: str, v):
    """A field value in canonical form (None, str, int or date) for comparing and storing."""
    if _missing(v):
        return None
    if fld in DATE_FIELDS:
        return to_date(v)
    if fld == "week":
        return int(v)
    if fld == "status":
        s = schema.match_category(schema.table("ledger").column("status"), v)
        return s or str(v).strip()
    return str(v).strip()


def as_text(v) -> str | None:
    v = None if _missing(v) else v
    if v is None:
        return None
    return v.isoformat() if isinstance(v, date) else str(v)


def clean(item: dict) -> dict:
    return {f: norm(f, item.get(f)) for f in FIELDS if f in item}


# ---------------------------------------------------------------- validation
def validate(item: dict, quarter: str, item_id: str | None = None, row: int | None = None) -> list[Problem]:
    """Problems with one item (already cleaned): required fields, known status, due date in the
    quarter, resolution day not before the week it was raised, text length. `row` names a new
    row that has no id yet (its place among the new rows)."""
    out = _validate(item, quarter, item_id)
    for p in out:
        p.row = row
    return out


def _validate(item: dict, quarter: str, item_id: str | None) -> list[Problem]:
    out = []
    q = Quarter.parse(quarter)
    for f in REQUIRED:
        if item.get(f) is None:
            out.append(Problem(item_id, f, "required"))
    st = item.get("status")
    if st is not None and st not in STATUSES:
        out.append(Problem(item_id, "status", "status", {"value": st, "allowed": ", ".join(STATUSES)}))
    due = item.get("due_date")
    if due is not None and not q.contains(due):
        out.append(Problem(item_id, "due_date", "due_out", {"value": due.isoformat(), "quarter": quarter,
                                                            "start": q.start.isoformat(),
                                                            "end": q.end.isoformat()}))
    wk = item.get("week")
    if wk is not None and not 1 <= wk <= q.weeks:
        out.append(Problem(item_id, "week", "week", {"weeks": q.weeks}))
    for f in ("owner", "category", "problem", "action", "notes"):
        v = item.get(f)
        if v is not None and len(v) > MAX_TEXT:
            out.append(Problem(item_id, f, "too_long", {"max": MAX_TEXT}))
    return out


def _derive(item: dict, today: date) -> dict:
    """Resolution day follows the status."""
    st = item.get("status")
    if st in DONE and item.get("resolved_on") is None:
        item["resolved_on"] = today
    elif st in ("open", "in_progress") and item.get("resolved_on") is not None:
        item["resolved_on"] = None
    return item


# ---------------------------------------------------------------- reads
_COLS = "item_id, quarter, week, owner, category, problem, action, due_date, status, resolved_on, notes, import_id"


def load(db: Database, quarter: str | None = None) -> pd.DataFrame:
    """The ledger (one quarter or all), dates as ``datetime.date``, ordered by item id."""
    where, params = ("WHERE quarter = ?", [quarter]) if quarter else ("", [])
    df = db.query(f"SELECT {_COLS} FROM ledger {where} ORDER BY item_id", params)
    for c in DATE_FIELDS:
        df[c] = pd.Series([to_date(v) for v in df[c]], index=df.index, dtype=object)
    df["week"] = pd.Series([None if _missing(v) else int(v) for v in df["week"]], index=df.index, dtype=object)
    return df


def _current(cur, item_id: str) -> dict | None:
    row = cur.execute(f"SELECT {_COLS} FROM ledger WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        return None
    names = [c.strip() for c in _COLS.split(",")]
    return {n: (norm(n, v) if n in FIELDS else v) for n, v in zip(names, row)}


def overdue(df: pd.DataFrame, today: date) -> pd.Series:
    """True for items not resolved or closed whose due date has passed."""
    if df.empty:
        return pd.Series([], dtype=bool)
    return pd.Series([(d is not None and not _missing(d) and to_date(d) < today and s not in DONE)
                      for d, s in zip(df["due_date"], df["status"])], index=df.index)


def due_soon(df: pd.DataFrame, today: date, days: int = 7) -> pd.Series:
    """Items not done that are due from today up to `days` ahead."""
    if df.empty:
        return pd.Series([], dtype=bool)
    return pd.Series([(d is not None and not _missing(d) and 0 <= (to_date(d) - today).days <= days
                       and s not in DONE) for d, s in zip(df["due_date"], df["status"])], index=df.index)


def filter_items(df: pd.DataFrame, owners=(), statuses=(), categories=()) -> pd.DataFrame:
    out = df
    if owners:
        out = out[out["owner"].isin(list(owners))]
    if statuses:
        out = out[out["status"].isin(list(statuses))]
    if categories:
        out = out[out["category"].isin(list(categories))]
    return out


def history(db: Database, item_id: str) -> pd.DataFrame:
    """An item's audit trail, oldest first: changed_at, username, action, field, old_value,
    new_value (a load through the import pipeline appears as action ``import``)."""
    df = db.query("SELECT changed_at, username, action, field, old_value, new_value FROM qd_ledger_audit "
                  "WHERE item_id = ? ORDER BY changed_at, audit_id", [item_id])
    imp = db.query("SELECT i.finished_at AS changed_at, i.username, 'import' AS action, NULL AS field, "
                   "NULL AS old_value, i.file_name AS new_value FROM ledger l JOIN qd_imports i "
                   "ON i.import_id = l.import_id WHERE l.item_id = ?", [item_id])
    if not imp.empty:
        df = pd.concat([imp.astype(object), df.astype(object)], ignore_index=True)
        df = df.sort_values("changed_at", kind="stable").reset_index(drop=True)
    return df


def changes_since(db: Database, since: datetime, quarter: str | None = None) -> pd.DataFrame:
    """Every audited change after `since` (newest first), with the item's problem text."""
    where = "AND l.quarter = ?" if quarter else ""
    params = [since] + ([quarter] if quarter else [])
    return db.query(f"""
SELECT a.changed_at, a.username, a.item_id, a.action, a.field, a.old_value, a.new_value, l.problem
FROM qd_ledger_audit a LEFT JOIN ledger l ON l.item_id = a.item_id
WHERE a.changed_at > ? {where}
ORDER BY a.changed_at DESC, a.audit_id DESC""", params)


def created_since(db: Database, since: datetime, quarter: str) -> list[str]:
    return [r[0] for r in db.rows(
        "SELECT DISTINCT item_id FROM qd_ledger_audit WHERE action = 'create' AND changed_at > ? "
        "AND item_id LIKE ? ORDER BY 1", [since, f"{quarter}-%"])]


def owners(db: Database) -> list[str]:
    return [r[0] for r in db.rows("SELECT DISTINCT owner FROM ledger WHERE owner IS NOT NULL ORDER BY 1")]


def categories(db: Database) -> list[str]:
    have = [r[0] for r in db.rows("SELECT DISTINCT category FROM ledger WHERE category IS NOT NULL ORDER BY 1")]
    return list(dict.fromkeys([*CATEGORIES, *have]))


# ---------------------------------------------------------------- writes
def _audit(cur, item_id: str, action: str, fld: str | None, old, new, user: str, when: datetime) -> None:
    cur.execute("INSERT INTO qd_ledger_audit SELECT coalesce(max(audit_id), 0) + 1, ?, ?, ?, ?, ?, ?, ? "
                "FROM qd_ledger_audit", [item_id, action, fld, as_text(old), as_text(new), user, when])


def _next_id(cur, quarter: str, taken: set[str]) -> str:
    ids = [r[0] for r in cur.execute("SELECT item_id FROM ledger WHERE item_id LIKE ?", [f"{quarter}-%"]).fetchall()]
    n = 0
    for i in [*ids, *taken]:
        tail = i.rsplit("-", 1)[-1]
        if tail.isdigit():
            n = max(n, int(tail))
    return f"{quarter}-{n + 1:03d}"


def _last_change(cur, item_id: str, fld: str) -> tuple[str, str]:
    row = cur.execute("SELECT username, strftime(changed_at, '%Y-%m-%d %H:%M') FROM qd_ledger_audit "
                      "WHERE item_id = ? AND (field = ? OR action = 'delete') ORDER BY changed_at DESC, "
                      "audit_id DESC LIMIT 1", [item_id, fld]).fetchone()
    return (row[0], row[1]) if row else ("?", "?")


def _insert(cur, item_id: str, quarter: str, item: dict, user: str, now: datetime) -> None:
    cur.execute("INSERT INTO ledger (item_id, quarter, week, owner, category, problem, action, due_date, status, "
                "resolved_on, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item_id, quarter, *[item.get(f) for f in FIELDS]])
    for f in FIELDS:
        if item.get(f) is not None:
            _audit(cur, item_id, "create", f, None, item[f], user, now)


def _default_week(quarter: str, today: date) -> int:
    q = Quarter.parse(quarter)
    return q.week_of(today) if q.contains(today) else (1 if today < q.start else q.weeks)


def create(db: Database, quarter: str, item: dict, user: str = LOCAL_USER, today: date | None = None) -> str:
    """Add one item; returns its id (``<quarter>-<nnn>``)."""
    return save_changes(db, quarter, [], [item], user, today)["created"][0]


def update(db: Database, item_id: str, loaded: dict, new: dict, user: str = LOCAL_USER,
           today: date | None = None) -> list[str]:
    """Save the fields of `new` that differ from `loaded` (the item as the user loaded it);
    returns the fields written."""
    quarter = loaded.get("quarter") or db.scalar("SELECT quarter FROM ledger WHERE item_id = ?", [item_id])
    res = save_changes(db, quarter, [{**loaded, "item_id": item_id}], [{**loaded, **new, "item_id": item_id}],
                       user, today)
    return res["updated"].get(item_id, [])


def close(db: Database, item_id: str, loaded: dict, user: str = LOCAL_USER, today: date | None = None,
          status: str = "closed") -> list[str]:
    return update(db, item_id, loaded, {"status": status}, user, today)


def delete(db: Database, item_id: str, loaded: dict, user: str = LOCAL_USER) -> None:
    quarter = loaded.get("quarter") or db.scalar("SELECT quarter FROM ledger WHERE item_id = ?", [item_id])
    save_changes(db, quarter, [{**loaded, "item_id": item_id}], [], user)


def _records(rows) -> list[dict]:
    if isinstance(rows, pd.DataFrame):
        return rows.to_dict("records")
    return [dict(r) for r in rows]


def save_changes(db: Database, quarter: str, loaded, edited, user: str = LOCAL_USER,
                 today: date | None = None, viewer=None) -> dict:
    """Apply an edited copy of the ledger (rows of `edited`) against the rows as loaded (`loaded`):
    rows without an item id are new, rows whose id is missing from `edited` are deleted, the rest
    are updated field by field (see the module docstring for the concurrency rule). Everything is
    written in one transaction or nothing is. Returns {"created": [ids], "updated": {id: [fields]},
    "deleted": [ids], "merged": {id: [fields others changed that were kept]}}.
    Only roles allowed to edit the ledger may (`viewer`, default: the acting viewer, see lib.core.auth);
    the save is also written to the audit log (lib.core.audit) in the same transaction."""
    who = auth.check(viewer, "ledger", db=db, target=f"ledger {quarter}")
    if user in (None, LOCAL_USER):
        user = who.label
    today = today or date.today()
    now = datetime.now()
    before = {str(r["item_id"]): r for r in _records(loaded) if not _missing(r.get("item_id"))}
    after, new_rows = {}, []
    for r in _records(edited):
        if _missing(r.get("item_id")):
            # a row the grid added and nobody typed into carries only defaults (week, status)
            if any(not _missing(r.get(f)) for f in FIELDS if f not in ("week", "status")):
                new_rows.append(r)
        else:
            after[str(r["item_id"])] = r
    unknown = [i for i in after if i not in before]
    problems: list[Problem] = []
    for i in unknown:  # an id typed by hand: treat as a new item with that id
        new_rows.append(after.pop(i))

    # ---- validate everything first
    creates = []
    for n, r in enumerate(new_rows, 1):
        item = clean(r)
        item.setdefault("week", None)
        if item.get("week") is None:
            item["week"] = _default_week(quarter, today)
        item = _derive(item, today)
        rid = None if _missing(r.get("item_id")) else str(r["item_id"]).strip()
        problems += validate(item, quarter, rid, row=n)
        creates.append((rid, item))
    updates = []
    for i, r in after.items():
        old, new = clean(before[i]), clean(r)
        changed = {f: new[f] for f in FIELDS if f in new and new.get(f) != old.get(f)}
        if not changed:
            continue
        full = _derive({**old, **changed}, today)
        for f in ("resolved_on",):
            if full.get(f) != old.get(f) and f not in changed:
                changed[f] = full[f]
        problems += validate(full, quarter, i)
        updates.append((i, old, changed))
    if problems:
        raise ValidationError(problems)
    deletes = [i for i in before if i not in after]

    result = {"created": [], "updated": {}, "deleted": [], "merged": {}}
    with db.transaction() as cur:
        conflicts: list[Problem] = []
        for i, old, changed in updates:
            cur_row = _current(cur, i)
            if cur_row is None:
                who, when = _last_change(cur, i, "")
                conflicts.append(Problem(i, "item", "deleted", {"user": who, "when": when}))
                continue
            write, kept = {}, []
            for f, v in changed.items():
                if cur_row.get(f) == old.get(f):
                    write[f] = v
                elif cur_row.get(f) == v:
                    continue
                else:
                    who, when = _last_change(cur, i, f)
                    conflicts.append(Problem(i, f, "conflict", {
                        "user": who, "when": when, "theirs": as_text(cur_row.get(f)) or "—",
                        "mine": as_text(v) or "—"}))
            kept = [f for f in FIELDS if f not in changed and cur_row.get(f) != old.get(f)]
            if kept:
                result["merged"][i] = kept
            if write:
                sets = ", ".join(f'"{f}" = ?' for f in write)
                cur.execute(f"UPDATE ledger SET {sets} WHERE item_id = ?", [*write.values(), i])
                for f, v in write.items():
                    _audit(cur, i, "update", f, cur_row.get(f), v, user, now)
                result["updated"][i] = list(write)
        for i in deletes:
            cur_row = _current(cur, i)
            if cur_row is None:
                continue
            old = clean(before[i])
            diff = [f for f in FIELDS if f in old and cur_row.get(f) != old.get(f)]
            if diff:
                who, when = _last_change(cur, i, diff[0])
                conflicts.append(Problem(i, diff[0], "changed_before_delete", {"user": who, "when": when}))
                continue
            cur.execute("DELETE FROM ledger WHERE item_id = ?", [i])
            _audit(cur, i, "delete", None, json.dumps({f: as_text(cur_row.get(f)) for f in FIELDS},
                                                      ensure_ascii=False), None, user, now)
            result["deleted"].append(i)
        if conflicts:
            raise ConflictError(conflicts)
        taken: set[str] = set()
        for rid, item in creates:
            if rid is None:
                rid = _next_id(cur, quarter, taken)
            elif cur.execute("SELECT count(*) FROM ledger WHERE item_id = ?", [rid]).fetchone()[0]:
                raise ValidationError([Problem(rid, "item_id", "duplicate_id")])
            taken.add(rid)
            _insert(cur, rid, quarter, item, user, now)
            result["created"].append(rid)
        if result["created"] or result["updated"] or result["deleted"]:
            audit.record(db, who, "ledger_edit", {"quarter": quarter, "created": result["created"],
                                                  "updated": result["updated"], "deleted": result["deleted"]}, cur=cur)
            db.bump_data_version(cur, facts=False)
    return result


# ---------------------------------------------------------------- file imports
# A ledger file loaded through the import pipeline (lib.ingest) is merged field by field: the
# pipeline calls ``guard_import`` on its staged rows before it writes them and ``audit_import``
# after. A field the app changed after the file was exported keeps the app's value and is reported
# (file row, column, both values, who changed it and when); every field the load did change is
# written to the audit trail like an edit in the app (action ``import``).
EXPORT_HEADERS = ("exported_at", "export_time", "exported", "导出时间", "導出時間")


def _norm_header(h: str) -> str:
    return str(h).strip().lower().replace(" ", "_").replace("-", "_")


def export_time_column(headers) -> int | None:
    """The position of the file's export-time column (written by the ledger download), if any."""
    want = {_norm_header(h) for h in EXPORT_HEADERS}
    for i, h in enumerate(headers):
        if _norm_header(h) in want:
            return i
    return None


def _parse_time(v) -> datetime | None:
    if _missing(v):
        return None
    try:
        return datetime.fromisoformat(str(v).strip())
    except ValueError:
        return None


def guard_import(cur, columns: dict[str, str], headers, lang: str = "en") -> list[tuple]:
    """Before a file's staged ledger rows (temp table ``qd_stg_t`` / view ``qd_stg`` of lib.ingest,
    raw cells in ``qd_raw``) are written: for each existing item and each field the file carries
    whose value differs from the ledger's, if the app changed that field after the file was
    exported (its export-time column; without one, after the item was last loaded from a file, or
    ever when it never was), the staged value is replaced by the ledger's, so the load keeps it.
    `columns` maps the file's ledger fields to their headers. Returns the conflicts as
    (file row, header, file value, message) for the import report."""
    fields = [f for f in FIELDS if f in columns]
    have = {r[0] for r in cur.execute("DESCRIBE qd_stg_t").fetchall()}
    at = export_time_column(headers)
    exported = {}
    if at is not None:
        exported = {r: _parse_time(v) for r, v in cur.execute(f"SELECT _row, c{at} FROM qd_raw").fetchall()}
        if "_extra" in have:  # the export time describes the file, not the item: not kept as an attribute
            cur.execute("UPDATE qd_stg_t SET _extra = map_from_entries(list_filter(map_entries(_extra), "
                        "lambda x: x.key <> ?))", [headers[at]])
    if not fields:
        return []
    sel = ", ".join(f's."v_{f}"' for f in fields)
    rows = cur.execute(
        f"SELECT s._row, s.v_item_id, {sel}, i.finished_at FROM qd_stg s JOIN ledger l ON l.item_id = s.v_item_id "
        f"LEFT JOIN qd_imports i ON i.import_id = l.import_id "
        f"WHERE s._row NOT IN (SELECT _row FROM qd_issues WHERE sev = 'error') ORDER BY s._row").fetchall()
    out = []
    for row in rows:
        r, item_id, vals, last_import = row[0], row[1], row[2:-1], row[-1]
        cur_row = _current(cur, item_id)
        since = exported.get(r) or last_import
        for f, v in zip(fields, vals):
            mine, theirs = norm(f, v), cur_row.get(f)
            if mine == theirs:
                continue
            q = ("SELECT username, changed_at FROM qd_ledger_audit WHERE item_id = ? AND field = ? "
                 "AND action IN ('create', 'update')" + (" AND changed_at > ?" if since else "") +
                 " ORDER BY changed_at DESC, audit_id DESC LIMIT 1")
            hit = cur.execute(q, [item_id, f, *([since] if since else [])]).fetchone()
            if hit is None:
                continue
            col = f"v_{f}" if f"v_{f}" in have else f"r_{f}"
            cur.execute(f'UPDATE qd_stg_t SET "{col}" = ? WHERE _row = ?', [theirs, r])
            out.append((r, columns[f], as_text(mine), i18n.t(
                "pdca.err.import_conflict", lang, item=item_id, field=i18n.t(f"pdca.field.{f}", lang),
                user=hit[0], when=hit[1].strftime("%Y-%m-%d %H:%M"), theirs=as_text(theirs) or "—",
                mine=as_text(mine) or "—")))
    return out


def audit_import(cur, import_id: int, user: str | None, when: datetime | None = None) -> int:
    """After a load into the ledger: one audit row (action ``import``) per field the load changed
    (old value from the load's undo copy) or filled (a new item). Returns the rows written."""
    when = when or datetime.now()
    user = user or LOCAL_USER
    names = [c.strip() for c in _COLS.split(",")]
    new = cur.execute(f"SELECT {_COLS} FROM ledger WHERE import_id = ?", [import_id]).fetchall()
    old = {}
    if cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'qd_undo_ledger'").fetchone()[0]:
        old = {r[0]: r for r in cur.execute(f"SELECT {_COLS} FROM qd_undo_ledger WHERE undo_import_id = ?",
                                            [import_id]).fetchall()}
    n = 0
    for row in new:
        now = dict(zip(names, row))
        before = dict(zip(names, old[row[0]])) if row[0] in old else {}
        for f in FIELDS:
            a, b = norm(f, before.get(f)), norm(f, now.get(f))
            if a != b:
                _audit(cur, row[0], "import", f, a, b, user, when)
                n += 1
    return n


# ---------------------------------------------------------------- carry-over
def open_items(db: Database, quarter: str) -> pd.DataFrame:
    df = load(db, quarter)
    return df[~df["status"].isin(DONE)].reset_index(drop=True)


def carried_ids(db: Database, quarter: str) -> set[str]:
    """Items of `quarter` already carried into the next quarter (their copy's notes end with
    ``[<source item id>]``)."""
    nxt = str(Quarter.parse(quarter).next())
    notes = " ".join(str(n) for (n,) in db.rows("SELECT notes FROM ledger WHERE quarter = ? AND notes IS NOT NULL",
                                                 [nxt]))
    ids = [r[0] for r in db.rows("SELECT item_id FROM ledger WHERE quarter = ?", [quarter])]
    return {i for i in ids if f"[{i}]" in notes}


def carry_over(db: Database, quarter: str, user: str = LOCAL_USER, lang: str = "en",
               item_ids: list[str] | None = None) -> list[str]:
    """Copy the open items of `quarter` into the next quarter (week 1, due at the end of its week 2,
    status kept, notes naming the source item); items already carried are skipped. The source
    items stay as they are. Returns the new ids."""
    nxt = Quarter.parse(quarter).next()
    done = carried_ids(db, quarter)
    src = open_items(db, quarter)
    if item_ids is not None:
        src = src[src["item_id"].isin(item_ids)]
    rows = []
    for r in src.to_dict("records"):
        if r["item_id"] in done:
            continue
        note = i18n.t("pdca.carry.note", lang, quarter=quarter) + f" [{r['item_id']}]"
        rows.append({**{f: r.get(f) for f in FIELDS}, "week": 1, "due_date": nxt.week_end(2), "resolved_on": None,
                     "notes": " ".join(x for x in (r.get("notes") or "", note) if x).strip()})
    if not rows:
        return []
    return save_changes(db, str(nxt), [], rows, user, today=nxt.start)["created"]
