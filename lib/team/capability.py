"""Capability radar from assessments: each RM's latest scores, team averages, the team's common
weak spots and the training list they suggest for next quarter.

No Streamlit here. Definitions:
- The *round* an RM is judged on is their latest assessment on or before the quarter's end (or
  the data's as-of day in a running quarter); the *previous* score is the one of their round
  before that, per dimension. Dimensions are whatever the assessments table holds (known ones
  are shown in a fixed order and translated, others follow by name).
- RMs in scope are those of ``lib.team.scorecard`` (branch scope, customer-type filter → lines).
- A team's *average* per dimension is the mean of its RMs' latest scores; *below* counts RMs
  under the ``capability_weak_score`` setting (default 70).
- A *weak spot* of a team is a dimension whose average is under the threshold or where at least
  half of the team scores under it; weak spots are ordered by average (lowest first). Each weak
  spot becomes a training item for next quarter with the RMs under the threshold as participants.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core import i18n
from lib.metrics import registry as metrics
from lib.core import settings
from lib.team import scorecard as team
from lib.core.db import Database, Scope
from lib.core.periods import Quarter

KNOWN_DIMENSIONS = ("product_knowledge", "sales_skills", "digital_tools", "compliance", "service",
                    "risk_management")
WEAK_SHARE = 0.5  # at least this share of the team under the threshold makes a weak spot


def threshold(db: Database) -> float:
    return float(settings.get(db, "capability_weak_score"))


def scores(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Latest score per RM in scope and dimension (columns rm_id, rm_name, branch_id, branch_name,
    line, dimension, score, assessed_on, prev_score, prev_assessed_on)."""
    q = Quarter.parse(quarter)
    end = metrics.period(db, q).period_end
    flt, params = team._staff_filter(scope)
    params["cap_end"] = end
    return db.query(f"""
WITH a AS (
  SELECT a.rm_id, a.dimension, a.assessed_on, a.score,
    row_number() OVER (PARTITION BY a.rm_id, a.dimension ORDER BY a.assessed_on DESC) AS k
  FROM assessments a JOIN staff s ON s.rm_id = a.rm_id
  WHERE a.assessed_on <= $cap_end AND a.score IS NOT NULL AND {flt}
)
SELECT s.rm_id, s.rm_name, s.branch_id, coalesce(br.branch_name, s.branch_id) AS branch_name, s.line,
  cur.dimension, cur.score, cur.assessed_on, prev.score AS prev_score, prev.assessed_on AS prev_assessed_on
FROM a cur
JOIN staff s ON s.rm_id = cur.rm_id
LEFT JOIN branches br ON br.branch_id = s.branch_id
LEFT JOIN a prev ON prev.rm_id = cur.rm_id AND prev.dimension = cur.dimension AND prev.k = 2
WHERE cur.k = 1
ORDER BY s.rm_id, cur.dimension""", params)


def dimensions(sc: pd.DataFrame) -> list[str]:
    present = set(sc["dimension"].dropna().astype(str)) if len(sc) else set()
    return [d for d in KNOWN_DIMENSIONS if d in present] + sorted(present - set(KNOWN_DIMENSIONS))


def dim_label(key: str, lang: str) -> str:
    k = f"team.cap.dim.{key}"
    return i18n.t(k, lang) if k in i18n.STRINGS else str(key).replace("_", " ").strip().capitalize()


def members(sc: pd.DataFrame, team_by: str | None = None, team_id: str | None = None) -> pd.DataFrame:
    return sc if team_by is None or team_id is None else sc[sc[team_by] == team_id]


def profile(sc: pd.DataFrame, limit: float, team_by: str | None = None, team_id: str | None = None) -> pd.DataFrame:
    """Per dimension (in display order) of a team (or all RMs in scope): mean, prev_mean, change,
    n, below, share_below, weak (bool), gap (threshold − mean)."""
    sub = members(sc, team_by, team_id)
    dims = dimensions(sc)
    rows = []
    for d in dims:
        s = sub[sub["dimension"] == d]
        n = int(s["score"].notna().sum())
        mean = float(s["score"].mean()) if n else np.nan
        prev = float(s["prev_score"].mean()) if s["prev_score"].notna().any() else np.nan
        below = int((s["score"] < limit).sum())
        share = below / n if n else np.nan
        rows.append({"dimension": d, "mean": mean, "prev_mean": prev, "change": mean - prev, "n": n,
                     "below": below, "share_below": share,
                     "weak": bool(n and (mean < limit or share >= WEAK_SHARE)), "gap": limit - mean})
    return pd.DataFrame(rows, columns=["dimension", "mean", "prev_mean", "change", "n", "below", "share_below",
                                       "weak", "gap"])


def weak_spots(prof: pd.DataFrame) -> pd.DataFrame:
    return prof[prof["weak"]].sort_values(["mean", "dimension"]).reset_index(drop=True)


def rm_profile(sc: pd.DataFrame, rm_id: str, team_by: str = "branch_id") -> pd.DataFrame:
    """One RM's latest and previous score per dimension next to their team's average."""
    me = sc[sc["rm_id"] == rm_id]
    if me.empty:
        return pd.DataFrame(columns=["dimension", "score", "prev_score", "team_mean"])
    team_id = me[team_by].iloc[0]
    tm = sc[sc[team_by] == team_id].groupby("dimension")["score"].mean()
    dims = dimensions(sc)
    me = me.set_index("dimension").reindex(dims)
    return pd.DataFrame({"dimension": dims, "score": me["score"].to_numpy(dtype=float),
                         "prev_score": me["prev_score"].to_numpy(dtype=float),
                         "team_mean": tm.reindex(dims).to_numpy(dtype=float)})


def training_plan(sc: pd.DataFrame, limit: float, lang: str, team_by: str | None = None,
                  team_id: str | None = None) -> pd.DataFrame:
    """Suggested training for next quarter, one row per weak spot (lowest average first):
    priority, dimension, label, course, participants (names of RMs under the threshold),
    participant_ids, n_participants, mean, gap. The programme each weak spot maps to and who is
    enrolled come from lib.team.training."""
    sub = members(sc, team_by, team_id)
    weak = weak_spots(profile(sc, limit, team_by, team_id))
    rows = []
    for i, w in enumerate(weak.itertuples(), start=1):
        below = sub[(sub["dimension"] == w.dimension) & (sub["score"] < limit)].sort_values("score")
        key = f"team.cap.course.{w.dimension}"
        course = i18n.t(key, lang) if key in i18n.STRINGS else i18n.t(
            "team.cap.course.generic", lang, dim=dim_label(w.dimension, lang))
        rows.append({"priority": i, "dimension": w.dimension, "label": dim_label(w.dimension, lang),
                     "course": course, "participants": list(below["rm_name"]),
                     "participant_ids": list(below["rm_id"]),
                     "n_participants": len(below), "mean": w.mean, "gap": w.gap})
    return pd.DataFrame(rows, columns=["priority", "dimension", "label", "course", "participants",
                                       "participant_ids", "n_participants", "mean", "gap"])


def teams(sc: pd.DataFrame, team_by: str) -> pd.DataFrame:
    """Teams present in the assessments (team, size), largest first."""
    g = sc.groupby(team_by)["rm_id"].nunique().rename("size").reset_index()
    return g.rename(columns={team_by: "team"}).sort_values(["size", "team"], ascending=[False, True])


def rm_choices(sc: pd.DataFrame, first: list[str]) -> list[str]:
    """The assessed RMs, once each: those in `first` (e.g. the radar's picks) that were assessed,
    then the rest in the scores' order."""
    assessed = dict.fromkeys(sc["rm_id"])
    return list(dict.fromkeys([*(r for r in first if r in assessed), *assessed]))


def round_dates(sc: pd.DataFrame) -> list:
    return sorted(set(sc["assessed_on"].dropna())) if len(sc) else []
