"""Mentor / mentee pairs: each mentee's target attainment this quarter and since pairing, how it
counts towards the mentor's score under the configured rule, and pairs falling behind.

No Streamlit here. Definitions:
- A pair is a staff row with ``mentor_rm_id``; both RMs must be in scope.
- The data has no pairing date, so a pair counts as paired from the quarter the mentee was hired
  in, or the first quarter in the data when that is later (``paired_since``).
- Attainment is ``lib.team.scorecard.rm_attainment`` (mean of actual ÷ plan pace over the RM's targets).
  The *trend* is that attainment for each quarter from ``paired_since`` to the selected quarter;
  *change* is the selected quarter minus the first quarter of the trend.
- The mentor rule (``lib.team.scorecard.apply_mentor_rule``) blends the mentees' attainment into the
  mentor's; *score effect* is the mentor's score with the rule minus without it.
- Status: ``behind`` when the mentee's attainment is under the ``status_at_risk`` setting (the
  Diagnosis page's "at risk" line), ``slipping`` when it is above it but at least ``SLIP`` (10 pp)
  lower than when the pair started, ``on_track`` otherwise, ``no_target`` without attainment. Behind and slipping pairs are
  the ones *falling behind*.
- Mentor's customer journal (客户经营日志, ``lib.team.journal``): one entry a month is due per pair
  from the mentee's hire month on; each pair shows this month's entry as ``done``, ``due`` (this
  month's entry still to write) or ``overdue`` (an ended month of the quarter has none), and the
  months written ÷ months due. That completion, over all of a mentor's pairs, is the mentor's
  ``mentor_journal`` behaviour dimension, so it counts in the mentor's behaviour score and total
  score with the weight of the ``team_weights`` setting (missing while no journal is kept at all).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from lib.metrics import registry as metrics
from lib.core import settings
from lib.team import scorecard as team
from lib.core.db import Database, Scope
from lib.core.periods import Quarter
from lib.team import journal

STATUSES = ("behind", "slipping", "on_track", "no_target")
SLIP = 0.10  # a fall of at least this much attainment since pairing (10 pp) is slipping
COLUMNS = ["mentor_rm_id", "mentor_name", "mentee_rm_id", "mentee_name", "branch_id", "branch_name", "line",
           "paired_since", "attainment", "attainment_start", "change", "trend", "trend_quarters", "status",
           "mentor_own", "mentor_credit", "mentor_counted", "mentor_score", "mentor_score_without", "score_effect",
           "hire_date", "journal_status", "journal_due", "journal_done", "journal_missing", "journal_month",
           "journal_completion"]


def pair_status(attainment: float | None, change: float | None, at_risk: float) -> str:
    if attainment is None or pd.isna(attainment):
        return "no_target"
    if attainment < at_risk:
        return "behind"
    if change is not None and not pd.isna(change) and change <= -SLIP:
        return "slipping"
    return "on_track"


def paired_since(hire_date, first: Quarter) -> Quarter:
    if hire_date is None or pd.isna(hire_date):
        return first
    return max(first, Quarter.of(pd.Timestamp(hire_date).date()))


def pairs(db: Database, quarter: str, scope: Scope, w: dict | None = None, rule: dict | None = None) -> pd.DataFrame:
    """One row per pair in scope (see the module docstring), behind pairs first."""
    q = Quarter.parse(quarter)
    w = team.weights(db) if w is None else team.clean_weights(w)
    rule = team.mentor_rule(db) if rule is None else team.clean_rule(rule)
    raw = team.raw_dimensions(db, q, scope)
    if raw.empty:
        return pd.DataFrame(columns=COLUMNS)
    with_rule = team.score(raw, w, rule).set_index("rm_id")
    without = team.score(raw, w, {"aggregate": "none", "share": 0}).set_index("rm_id")
    staff = raw.set_index("rm_id")
    mentees = raw[raw["mentor_rm_id"].notna() & raw["mentor_rm_id"].isin(raw["rm_id"])]
    if mentees.empty:
        return pd.DataFrame(columns=COLUMNS)
    in_data = sorted(x for x in metrics.quarters_in_data(db) if x <= q)
    first = in_data[0] if in_data else q
    since = {r.rm_id: paired_since(r.hire_date, first) for r in mentees.itertuples()}
    wanted = sorted({x for x in in_data if x >= min(since.values())} | {q})
    with ThreadPoolExecutor(max_workers=3) as pool:
        atts = dict(zip(wanted, pool.map(lambda hq: team.rm_attainment(db, hq, scope, mentees["rm_id"]), wanted)))
    history = {hq: att["target_attainment"] if "target_attainment" in att else pd.Series(dtype=float)
               for hq, att in atts.items()}
    at_risk = float(settings.get(db, "status_at_risk"))
    rows = []
    for r in mentees.itertuples():
        qs = [hq for hq in sorted(history) if hq >= since[r.rm_id]]
        series = [(str(hq), history[hq].get(r.rm_id, np.nan)) for hq in qs]
        series = [(s, float(v)) for s, v in series if not pd.isna(v)]
        now = with_rule.at[r.rm_id, "own_attainment"]
        start = series[0][1] if series else np.nan
        change = (now - start) if len(series) > 1 and not pd.isna(now) else np.nan
        m = r.mentor_rm_id
        rows.append({
            "mentor_rm_id": m, "mentor_name": staff.at[m, "rm_name"], "mentee_rm_id": r.rm_id,
            "mentee_name": r.rm_name, "branch_id": r.branch_id, "branch_name": r.branch_name, "line": r.line,
            "paired_since": str(since[r.rm_id]), "attainment": now, "attainment_start": start, "change": change,
            "trend": [v for _, v in series], "trend_quarters": [s for s, _ in series],
            "status": pair_status(now, change, at_risk),
            "mentor_own": with_rule.at[m, "own_attainment"], "mentor_credit": with_rule.at[m, "mentee_credit"],
            "mentor_counted": with_rule.at[m, "target_attainment"], "mentor_score": with_rule.at[m, "score"],
            "mentor_score_without": without.at[m, "score"],
            "score_effect": with_rule.at[m, "score"] - without.at[m, "score"],
            "hire_date": r.hire_date,
        })
    out = journal.pair_statuses(db, q, metrics.period(db, q).period_end,
                                pd.DataFrame(rows, columns=COLUMNS[:COLUMNS.index("journal_status")]))[COLUMNS]
    order = {s: i for i, s in enumerate(STATUSES)}
    out["_o"] = out["status"].map(order)
    return out.sort_values(["_o", "attainment", "mentee_rm_id"]).drop(columns="_o").reset_index(drop=True)


def falling_behind(p: pd.DataFrame) -> pd.DataFrame:
    return p[p["status"].isin(("behind", "slipping"))].reset_index(drop=True)
