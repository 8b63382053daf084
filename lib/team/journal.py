"""The mentor's customer journal (客户经营日志): the senior RM's monthly log, for one mentee, of
customer needs and the logic of matching products to them. Reads, the write path, and the
monthly due rule that the mentor list and the scorecard share.

No Streamlit here. Rules:
- One entry a month is due per mentor pair (``staff.mentor_rm_id``) for every month of the quarter
  from the mentee's hire month on. A month is *due* once it has ended (the data's as-of day is past
  it) or as soon as it has an entry; the as-of day's own month is not due before it has one.
- Status of a pair for the quarter: ``overdue`` when an ended month has no entry, else ``done`` when
  the as-of month has an entry, else ``due`` (this month's entry is still to write). Quarters that
  have ended have no "due": a missing month is overdue.
- *Completion* of a pair = months with an entry ÷ months due (NaN when nothing is due yet); a
  mentor's ``mentor_journal`` behaviour dimension (lib.team.scorecard) is their pairs' months with
  an entry ÷ their pairs' months due. A bank whose journal table is empty has the dimension missing
  for everyone (the data cannot give it), so it changes no score until journals are kept.
- Writes (``add_entry``): editors and admins (lib.core.auth action ``ledger``) or the mentor
  themselves — a signed-in user whose login name (or e-mail name before the @) is the mentor's RM id. Needs are required, the
  month is ``YYYY-MM``, both RMs and the customer (when given) must exist, and the mentee must be
  the mentor's. A refused write is audited (``access_denied``); a saved one writes a ``team_edit``
  audit row in the same transaction (lib.core.writes).
"""
from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from lib.core import audit
from lib.core import auth
from lib.core import i18n
from lib.core import writes
from lib.core.db import Database
from lib.core.periods import Quarter
from lib.metrics import registry as metrics

STATUSES = ("overdue", "due", "done")
MAX_TEXT = 2000
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?(?:[ T]\d[\d:.]*)?\s*$")


class JournalError(ValueError):
    """A refused journal entry; ``messages(lang)`` gives one sentence per problem."""

    def __init__(self, problems: list[tuple[str, dict]]):
        self.problems = problems
        super().__init__(" ".join(self.messages("en")))

    def messages(self, lang: str = "en") -> list[str]:
        return [i18n.t(f"team.journal.err.{code}", lang,
                       **{k: (i18n.t(f"team.journal.field.{v}", lang) if k == "field" else v) for k, v in params.items()})
                for code, params in self.problems]


def month_key(v) -> str | None:
    """``YYYY-MM`` of a month written as 2026-03, 2026/3, 2026年3月 or a date; None when it is none."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (date, datetime, pd.Timestamp)):
        return f"{v.year:04d}-{v.month:02d}"
    m = _MONTH.match(str(v))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def quarter_months(q: Quarter) -> list[str]:
    return [f"{q.start.year:04d}-{m:02d}" for m in range(q.start.month, q.start.month + 3)]


def current_month(db: Database, quarter: str) -> str:
    """The month of the data's as-of day in `quarter` (its last month once the quarter has ended)."""
    q = Quarter.parse(quarter)
    return month_key(min(metrics.period(db, q).period_end, q.end))


def has_rows(db: Database) -> bool:
    return bool(db.scalar("SELECT count(*) FROM mentor_journal"))


def entries(db: Database, mentor_rm_id: str | None = None, mentee_rm_id: str | None = None,
            quarter: str | None = None) -> pd.DataFrame:
    """Journal entries (newest month first) with both RMs' names: entry_id, mentor_rm_id, mentor_name,
    mentee_rm_id, mentee_name, month, customer_id, needs, matching_logic, created_by, created_on."""
    where, params = ["TRUE"], {}
    if mentor_rm_id:
        where.append("j.mentor_rm_id = $mentor")
        params["mentor"] = mentor_rm_id
    if mentee_rm_id:
        where.append("j.mentee_rm_id = $mentee")
        params["mentee"] = mentee_rm_id
    df = db.query(f"""
SELECT j.entry_id, j.mentor_rm_id, coalesce(m.rm_name, j.mentor_rm_id) AS mentor_name, j.mentee_rm_id,
  coalesce(e.rm_name, j.mentee_rm_id) AS mentee_name, j.month, j.customer_id, j.needs, j.matching_logic,
  j.created_by, j.created_on
FROM mentor_journal j
LEFT JOIN staff m ON m.rm_id = j.mentor_rm_id
LEFT JOIN staff e ON e.rm_id = j.mentee_rm_id
WHERE {' AND '.join(where)}
ORDER BY j.month DESC, j.entry_id DESC""", params)
    df["month"] = df["month"].map(month_key)
    if quarter:
        df = df[df["month"].isin(quarter_months(Quarter.parse(quarter)))].reset_index(drop=True)
    return df


def months_due(q: Quarter, as_of: date, hire_date=None) -> tuple[list[str], str | None]:
    """(ended months of the quarter from the hire month on, the as-of month when it is in the quarter
    and not ended)."""
    hire = month_key(hire_date) if hire_date is not None and not pd.isna(hire_date) else None
    now = month_key(as_of)
    ended, current = [], None
    for m in quarter_months(q):
        if hire and m < hire:
            continue
        if m < now:
            ended.append(m)
        elif m == now and as_of < q.end:
            current = m
        elif m == now:
            ended.append(m)  # the quarter's last day: its month has ended with it
    return ended, current


def pair_status(ended: list[str], current: str | None, done: set[str]) -> dict:
    """Status, months due, months with an entry and completion of one pair (rules in the docstring)."""
    missing = [m for m in ended if m not in done]
    due = ended + ([current] if current and current in done else [])
    n_done = sum(1 for m in due if m in done)
    if missing:
        status = "overdue"
    elif current is None or current in done:
        status = "done"
    else:
        status = "due"
    return {"journal_status": status, "journal_due": len(due), "journal_done": n_done,
            "journal_missing": missing, "journal_month": current or (ended[-1] if ended else None),
            "journal_completion": (n_done / len(due)) if due else np.nan}


def pair_statuses(db: Database, quarter: Quarter | str, as_of: date, pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` (columns mentor_rm_id, mentee_rm_id, hire_date of the mentee) with the journal columns
    of ``pair_status``."""
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    got = db.query("SELECT mentor_rm_id, mentee_rm_id, month FROM mentor_journal")
    got["month"] = got["month"].map(month_key)
    done = got.groupby(["mentor_rm_id", "mentee_rm_id"])["month"].agg(set).to_dict() if len(got) else {}
    rows = []
    for r in pairs.itertuples():
        ended, current = months_due(q, as_of, getattr(r, "hire_date", None))
        rows.append(pair_status(ended, current, done.get((r.mentor_rm_id, r.mentee_rm_id), set())))
    cols = ["journal_status", "journal_due", "journal_done", "journal_missing", "journal_month", "journal_completion"]
    out = pd.DataFrame(rows, columns=cols, index=pairs.index)
    return pd.concat([pairs, out], axis=1)


def mentor_completion(db: Database, quarter: Quarter, as_of: date, staff: pd.DataFrame) -> pd.Series:
    """Per RM of `staff` (rm_id, mentor_rm_id, hire_date): their pairs' months with an entry ÷ months
    due; NaN for RMs without mentees in `staff`, for pairs with nothing due, and for everyone when the
    journal table is empty."""
    out = pd.Series(np.nan, index=staff["rm_id"].to_numpy(), dtype=float)
    if staff.empty or not has_rows(db):
        return out
    mentees = staff[staff["mentor_rm_id"].notna() & staff["mentor_rm_id"].isin(staff["rm_id"])]
    if mentees.empty:
        return out
    st = pair_statuses(db, quarter, as_of, mentees[["rm_id", "mentor_rm_id", "hire_date"]]
                       .rename(columns={"rm_id": "mentee_rm_id"}))
    g = st.groupby("mentor_rm_id")[["journal_done", "journal_due"]].sum()
    g = g[g["journal_due"] > 0]
    out.loc[g.index] = (g["journal_done"] / g["journal_due"]).to_numpy(dtype=float)
    return out


# ---------------------------------------------------------------- the write path
def may_write(viewer, mentor_rm_id: str) -> bool:
    """Editors and admins, or the mentor (a user whose login name, or e-mail name before the @, is the
    mentor's RM id)."""
    if viewer is None:
        return False
    if viewer.can("ledger"):
        return True
    rm = str(mentor_rm_id).strip().lower()
    names = {(viewer.username or "").strip().lower(), (viewer.email or "").split("@")[0].strip().lower()}
    return bool(rm) and rm in names


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def add_entry(db: Database, mentor_rm_id: str, mentee_rm_id: str, month, needs: str,
              matching_logic: str | None = None, customer_id: str | None = None, viewer=None,
              today: date | None = None) -> str:
    """Add one journal entry (rules in the module docstring); returns its entry id."""
    v = auth.acting(viewer)
    if not may_write(v, mentor_rm_id):
        auth.audit_refusal(db, v, "ledger", f"mentor journal {mentor_rm_id}")
        raise auth.AccessDenied(v, "ledger")
    today = today or date.today()
    problems: list[tuple[str, dict]] = []
    mk = month_key(month)
    if mk is None:
        problems.append(("month", {"value": "" if month is None else str(month)}))
    needs_t, logic_t, cust = _text(needs), _text(matching_logic), _text(customer_id)
    if needs_t is None:
        problems.append(("needs_required", {}))
    for name, val in (("needs", needs_t), ("matching_logic", logic_t)):
        if val is not None and len(val) > MAX_TEXT:
            problems.append(("too_long", {"field": name, "max": MAX_TEXT}))
    mentor_of = db.scalar("SELECT mentor_rm_id FROM staff WHERE rm_id = ?", [mentee_rm_id])
    if not db.scalar("SELECT count(*) FROM staff WHERE rm_id = ?", [mentor_rm_id]):
        problems.append(("unknown_rm", {"rm": mentor_rm_id}))
    if not db.scalar("SELECT count(*) FROM staff WHERE rm_id = ?", [mentee_rm_id]):
        problems.append(("unknown_rm", {"rm": mentee_rm_id}))
    elif mentor_of != mentor_rm_id:
        problems.append(("not_pair", {"mentor": mentor_rm_id, "mentee": mentee_rm_id}))
    if cust is not None and not db.scalar("SELECT count(*) FROM customers WHERE customer_id = ?", [cust]):
        problems.append(("unknown_customer", {"customer": cust}))
    if problems:
        raise JournalError(problems)
    with writes.transaction(db, "plan") as cur:
        n = cur.execute("SELECT count(*) FROM mentor_journal WHERE mentor_rm_id = ? AND mentee_rm_id = ?",
                        [mentor_rm_id, mentee_rm_id]).fetchone()[0]
        entry_id = f"MJ-{mentor_rm_id}-{mentee_rm_id}-{mk}-{n + 1:03d}"
        while cur.execute("SELECT count(*) FROM mentor_journal WHERE entry_id = ?", [entry_id]).fetchone()[0]:
            n += 1
            entry_id = f"MJ-{mentor_rm_id}-{mentee_rm_id}-{mk}-{n + 1:03d}"
        cur.execute("INSERT INTO mentor_journal (entry_id, mentor_rm_id, mentee_rm_id, month, customer_id, needs, "
                    "matching_logic, created_by, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [entry_id, mentor_rm_id, mentee_rm_id, mk, cust, needs_t, logic_t, v.label, today])
        audit.record(db, v, "team_edit", {"journal": entry_id, "mentor": mentor_rm_id, "mentee": mentee_rm_id,
                                          "month": mk}, cur=cur)
    return entry_id
