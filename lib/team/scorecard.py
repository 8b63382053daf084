"""Team scorecards: one row per relationship manager (RM) with performance and behaviour
dimensions, normalised against line peers, weighted into a score, ranked, with the star of the
quarter per team and the data of the performance-vs-behaviour quadrant and the radar charts.

No Streamlit here. Definitions (the page and the tests rely on them):

- *RMs in scope* are the staff whose branch is in the viewer's scope; with the customer-type
  filter on, the lines that serve that type (retail → retail and private, corporate → corporate).
  Performance dimensions are computed over the RM's customers in scope with the metric registry
  (``lib.metrics.registry.compute_grouped(..., "rm_id")``), so they match every other page.
- Performance dimensions: ``target_attainment`` (mean over the RM-level targets of the quarter of
  actual ÷ plan pace — plan × elapsed share for flow metrics, the plan for stocks — each capped at
  ``ATTAINMENT_CAP``; plan pace and attainment of ``lib.metrics.plan``), ``aum_growth`` (registry
  ``aum_growth`` of the RM's book), ``product_penetration`` (registry ``products_per_customer``:
  distinct product types held per open customer of the book), ``new_customers`` and ``fee_income``
  (registry), ``cross_referrals`` (converted referrals the RM made in the quarter).
- Behaviour dimensions: quantities of the quarter's activities by type — ``visits``, ``calls``,
  ``digital_tools`` (digital-tool uses), ``livestreams``, ``training_hours``. An RM without
  activity rows has 0 of each (not "unknown"). ``mentor_journal``: for mentors, the share of their
  pairs' months due with a customer-journal entry (``lib.team.journal``); missing for RMs without
  mentees and for everyone while the journal table is empty.
- A dimension is *missing* (NaN) when the data cannot give it: AUM growth or products per
  customer of an empty book, target attainment without RM targets. Staff with neither customers
  in scope nor RM targets (e.g. a branch manager) have no performance dimensions at all: they
  keep their behaviour score but get no total score, no rank and cannot be star.
- *Normalisation*: each dimension becomes a percentile within peers of the same line (retail /
  corporate / private) among the RMs in scope: (average rank − 1) ÷ (peers with a value − 1) ×
  100, so the lowest peer is 0, the highest 100 and ties share the average of their places. A
  line with a single RM gets 50 (neither ahead nor behind). Missing stays missing.
- *Score* = Σ weight × percentile ÷ Σ weight over the dimensions the RM has (0–100); the
  performance and behaviour scores do the same over their own dimensions. Weights come from the
  ``team_weights`` setting (negative weights count as 0).
- *Mentor rule* (``mentor_rule`` setting): before normalisation a mentor's target attainment
  becomes (1 − share) × own + share × credit, where credit is the average (or the minimum) of
  their mentees' attainment in scope; ``aggregate = "none"`` switches it off.
- *Rank* is 1 for the highest score in scope (ties share the best place); *rank change* is last
  quarter's rank − this quarter's (positive: moved up), computed with the same weights and scope.
- *Star of the quarter* per team (branch or line): the highest score, ties broken by the
  performance score, then the RM id.
- *Quadrant*: behaviour score ≥ 50 and performance score < 50 is "working hard, not converting";
  behaviour < 50 and performance ≥ 50 is "converting with little activity" (50 is the peer median).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import i18n
from lib.metrics import registry as metrics
from lib.metrics import plan
from lib.core import settings
from lib.core.db import Database, Scope
from lib.core.periods import Quarter
from lib.team import journal


@dataclass(frozen=True)
class Dimension:
    key: str
    group: str  # performance | behaviour
    unit: str   # pct | ratio | count | cny | hours


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("target_attainment", "performance", "pct"),
    Dimension("aum_growth", "performance", "pct"),
    Dimension("product_penetration", "performance", "ratio"),
    Dimension("new_customers", "performance", "count"),
    Dimension("fee_income", "performance", "cny"),
    Dimension("cross_referrals", "performance", "count"),
    Dimension("visits", "behaviour", "count"),
    Dimension("calls", "behaviour", "count"),
    Dimension("digital_tools", "behaviour", "count"),
    Dimension("livestreams", "behaviour", "count"),
    Dimension("training_hours", "behaviour", "hours"),
    Dimension("mentor_journal", "behaviour", "pct"),
)
DIM_KEYS = tuple(d.key for d in DIMENSIONS)
PERFORMANCE = tuple(d.key for d in DIMENSIONS if d.group == "performance")
BEHAVIOUR = tuple(d.key for d in DIMENSIONS if d.group == "behaviour")
DIM_BY_KEY = {d.key: d for d in DIMENSIONS}
LINES = ("retail", "corporate", "private")
LINES_FOR_CTYPE = {"retail": ("retail", "private"), "corporate": ("corporate",)}
ACTIVITY_OF = {"visits": "visit", "calls": "call", "digital_tools": "digital_tool",
               "livestreams": "livestream", "training_hours": "training"}
REGISTRY_OF = {"aum_growth": "aum_growth", "product_penetration": "products_per_customer",
               "new_customers": "new_customers", "fee_income": "fee_income"}
ZERO_WHEN_ABSENT = ("new_customers", "fee_income")  # flows: no row means nothing happened
ATTAINMENT_CAP = 2.0
QUADRANT_SPLIT = 50.0
QUADRANTS = ("both_high", "busy_not_converting", "converting_little_activity", "both_low")
TEAM_BY = ("branch_id", "line")
PCT = "pct_"  # prefix of percentile columns


# ---------------------------------------------------------------- settings
def weights(db: Database) -> dict[str, float]:
    return clean_weights(settings.get(db, "team_weights"))


def clean_weights(raw: dict | None) -> dict[str, float]:
    """Known dimensions only, as non-negative floats; a dimension the saved value lacks takes its default."""
    default = settings.DEFAULTS["team_weights"]
    raw = dict(raw or {})  # a dict, or (key, value) pairs as cached callers pass them
    out = {}
    for k in DIM_KEYS:
        v = raw.get(k, default.get(k, 0.0))
        try:
            v = float(v)
        except (TypeError, ValueError):
            v = float(default.get(k, 0.0))
        out[k] = max(0.0, v) if np.isfinite(v) else 0.0
    return out


def save_weights(db: Database, w: dict) -> dict[str, float]:
    clean = clean_weights(w)
    settings.put(db, "team_weights", clean)
    return clean


def mentor_rule(db: Database) -> dict:
    return clean_rule(settings.get(db, "mentor_rule"))


def clean_rule(raw: dict | None) -> dict:
    raw = dict(raw or {})
    agg = raw.get("aggregate", "average")
    if agg not in ("average", "minimum", "none"):
        agg = "average"
    try:
        share = float(raw.get("share", 0.2))
    except (TypeError, ValueError):
        share = 0.2
    return {"aggregate": agg, "share": float(min(max(share, 0.0), 1.0))}


def save_rule(db: Database, rule: dict) -> dict:
    clean = clean_rule(rule)
    settings.put(db, "mentor_rule", clean)
    return clean


# ---------------------------------------------------------------- raw dimensions (SQL)
def _staff_filter(scope: Scope) -> tuple[str, dict]:
    sql, params = scope.rm_filter("s", "tm")
    lines = LINES_FOR_CTYPE.get(scope.customer_type or "")
    if lines:
        names = [f"tm_line{i}" for i in range(len(lines))]
        sql += f" AND s.line IN ({', '.join('$' + n for n in names)})"
        params.update(zip(names, lines))
    return sql, params


def staff_in_scope(db: Database, quarter: Quarter, scope: Scope) -> pd.DataFrame:
    """RMs in scope with their branch, line, mentor, book size and the quarter's behaviour
    dimensions and converted referrals (one query; an RM without activity rows gets zeros)."""
    p = metrics.period(db, quarter)
    flt, params = _staff_filter(scope)
    acts = ",\n  ".join(
        f"coalesce(sum(coalesce(a.quantity, 1)) FILTER (WHERE a.activity_type = '{t}'), 0) AS {k}"
        for k, t in ACTIVITY_OF.items())
    ctype = "AND c.customer_type = $tm_ctype" if scope.customer_type else ""
    if scope.customer_type:
        params["tm_ctype"] = scope.customer_type
    sql = f"""
WITH book AS (
  SELECT c.rm_id, count(*) AS book
  FROM customers c
  WHERE c.open_date <= $q_end AND (c.close_date IS NULL OR c.close_date > $q_end) {ctype}
  GROUP BY 1
), refs AS (
  SELECT from_rm_id AS rm_id, count(*) FILTER (WHERE converted) AS cross_referrals, count(*) AS referrals_made
  FROM referrals WHERE referral_date BETWEEN $q_start AND $q_end
  GROUP BY 1
)
SELECT s.rm_id, s.rm_name, s.branch_id, coalesce(br.branch_name, s.branch_id) AS branch_name, s.line, s.role,
  s.hire_date, s.mentor_rm_id, coalesce(any_value(bk.book), 0) AS book,
  coalesce(any_value(r.cross_referrals), 0) AS cross_referrals,
  coalesce(any_value(r.referrals_made), 0) AS referrals_made,
  {acts}
FROM staff s
LEFT JOIN branches br ON br.branch_id = s.branch_id
LEFT JOIN book bk ON bk.rm_id = s.rm_id
LEFT JOIN refs r ON r.rm_id = s.rm_id
LEFT JOIN activities a ON a.rm_id = s.rm_id AND a.activity_date BETWEEN $q_start AND $q_end
WHERE {flt}
GROUP BY s.rm_id, s.rm_name, s.branch_id, br.branch_name, s.line, s.role, s.hire_date, s.mentor_rm_id
ORDER BY s.rm_id"""
    params.update({"q_start": quarter.start, "q_end": p.period_end})
    df = db.query(sql, params)
    for k in (*ACTIVITY_OF, "cross_referrals", "referrals_made", "book"):
        df[k] = df[k].astype(float)
    df["line"] = df["line"].fillna("").astype(str)
    return df


def _per_rm(db: Database, key: str, quarter: Quarter, scope: Scope) -> pd.Series:
    df = metrics.compute_grouped(db, key, quarter, scope, "rm_id")
    df = df[df["grp"].notna() & (df["grp"] != "")]
    return pd.Series(df["value"].to_numpy(dtype=float), index=df["grp"].astype(str), dtype=float)


def rm_attainment(db: Database, quarter: Quarter, scope: Scope, rm_ids=None) -> pd.DataFrame:
    """Per RM with RM-level targets in the quarter: attainment of each targeted metric (columns
    ``att_<metric>``) and their capped mean ``target_attainment``."""
    tg = db.query("SELECT scope_id AS rm_id, metric, target_value FROM targets "
                  "WHERE quarter = $q AND scope = 'rm' AND coalesce(week, 0) = 0", {"q": str(quarter)})
    tg = tg[tg["metric"].isin(metrics.METRIC_BY_KEY)]
    if rm_ids is not None:
        tg = tg[tg["rm_id"].isin(list(rm_ids))]
    if tg.empty:
        return pd.DataFrame({"target_attainment": pd.Series(dtype=float)}, index=pd.Index([], name="rm_id"))
    share = plan.share(db, quarter)
    cols = {}
    for key, grp in tg.groupby("metric"):
        m = metrics.metric(key)
        if not plan.applies(key, scope):
            continue
        values = _per_rm(db, key, quarter, scope)
        actual = values.reindex(grp["rm_id"].to_numpy())
        if m.additive == "sum":
            actual = actual.fillna(0.0)
        expected = [plan.expected(t, m.kind, share) for t in grp["target_value"].to_numpy(dtype=float)]
        att = [plan.attainment(None if pd.isna(v) else float(v), e, m.higher_is_better)
               for v, e in zip(actual.to_numpy(), expected)]
        cols[f"att_{key}"] = pd.Series(att, index=grp["rm_id"].to_numpy(), dtype=float)
    out = pd.DataFrame(cols)
    out.index.name = "rm_id"
    out["target_attainment"] = out.clip(upper=ATTAINMENT_CAP).mean(axis=1, skipna=True) if cols else np.nan
    return out


def raw_dimensions(db: Database, quarter: Quarter | str, scope: Scope) -> pd.DataFrame:
    """One row per RM in scope: identity columns and the raw value of every dimension."""
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    df = staff_in_scope(db, q, scope)
    if df.empty:
        for k in DIM_KEYS:
            df[k] = pd.Series(dtype=float)
        return df
    ids = df["rm_id"]
    # each registry query runs on its own cursor; DuckDB releases the GIL while it works
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {dim: pool.submit(_per_rm, db, key, q, scope) for dim, key in REGISTRY_OF.items()}
        att = rm_attainment(db, q, scope, ids)
        per_rm = {dim: fut.result() for dim, fut in futures.items()}
    for dim, values in per_rm.items():
        v = values.reindex(ids.to_numpy())
        if dim in ZERO_WHEN_ABSENT:
            v = v.fillna(0.0)
        df[dim] = v.to_numpy()
    df = df.merge(att, how="left", left_on="rm_id", right_index=True)
    df["mentor_journal"] = journal.mentor_completion(db, q, metrics.period(db, q).period_end, df).to_numpy()
    no_book = (df["book"] <= 0) & df["target_attainment"].isna()
    df.loc[no_book, list(PERFORMANCE)] = np.nan
    df["has_book"] = ~no_book
    return df


# ---------------------------------------------------------------- normalisation and scoring (pure)
def peer_percentile(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Percentile of each value among the values of its group: (average rank − 1) ÷ (n − 1) ×
    100; 50 for a group with a single value; NaN stays NaN and does not count in n."""
    values = pd.to_numeric(values, errors="coerce").astype(float)
    groups = groups.fillna("").astype(str)
    rank = values.groupby(groups).rank(method="average")
    n = values.notna().groupby(groups).transform("sum").astype(float)
    pct = (rank - 1) / (n - 1) * 100
    pct = pct.where(n > 1, 50.0)
    return pct.where(values.notna())


def normalise(raw: pd.DataFrame) -> pd.DataFrame:
    """`raw` with a ``pct_<dimension>`` column per dimension (percentile within line peers)."""
    out = raw.copy()
    for k in DIM_KEYS:
        if k not in out:
            out[k] = np.nan
    vals = out[list(DIM_KEYS)].apply(pd.to_numeric, errors="coerce").astype(float)
    groups = out["line"].fillna("").astype(str)
    # the same formula as peer_percentile, for all dimensions in one grouped pass
    rank = vals.groupby(groups).rank(method="average")
    n = vals.notna().groupby(groups).transform("sum").astype(float)
    pct = ((rank - 1) / (n - 1) * 100).where(n > 1, 50.0).where(vals.notna())
    for k in DIM_KEYS:
        out[PCT + k] = pct[k]
    return out


def weighted(pcts: pd.DataFrame, w: dict[str, float], keys) -> pd.Series:
    """Σ weight × percentile ÷ Σ weight over the dimensions each row has (NaN when none)."""
    keys = [k for k in keys if w.get(k, 0) > 0]
    if not keys or pcts.empty:
        return pd.Series(np.nan, index=pcts.index, dtype=float)
    vals = pcts[[PCT + k for k in keys]].to_numpy(dtype=float)
    ws = np.array([w[k] for k in keys], dtype=float)
    have = ~np.isnan(vals)
    num = np.where(have, vals, 0.0) @ ws
    den = have.astype(float) @ ws
    with np.errstate(invalid="ignore", divide="ignore"):
        res = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.Series(res, index=pcts.index, dtype=float)


def apply_mentor_rule(raw: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """`raw` with ``own_attainment``, ``mentee_credit`` and ``mentees`` per RM and, for mentors
    under an active rule, ``target_attainment`` blended with their mentees' attainment."""
    rule = clean_rule(rule)
    out = raw.copy()
    if "target_attainment" not in out:
        out["target_attainment"] = np.nan
    out["own_attainment"] = out["target_attainment"]
    mentees = out[out["mentor_rm_id"].notna() & out["mentor_rm_id"].isin(out["rm_id"])]
    agg = "min" if rule["aggregate"] == "minimum" else "mean"
    credit = mentees.groupby("mentor_rm_id")["own_attainment"].agg(agg)
    count = mentees.groupby("mentor_rm_id")["rm_id"].count()
    out["mentee_credit"] = out["rm_id"].map(credit).astype(float)
    out["mentees"] = out["rm_id"].map(count).fillna(0).astype(int)
    if rule["aggregate"] != "none" and rule["share"] > 0:
        own, cr, s = out["own_attainment"], out["mentee_credit"], rule["share"]
        blended = np.where(own.notna() & cr.notna(), (1 - s) * own + s * cr,
                           np.where(own.isna() & cr.notna(), cr, own))
        out["target_attainment"] = blended.astype(float)
    return out


def score(raw: pd.DataFrame, w: dict[str, float], rule: dict | None = None) -> pd.DataFrame:
    """Normalised dimensions, performance / behaviour / total score and rank (1 = best)."""
    w = clean_weights(w)
    df = apply_mentor_rule(raw, rule or {"aggregate": "none", "share": 0})
    df = normalise(df)
    df["performance"] = weighted(df, w, PERFORMANCE)
    df["behaviour"] = weighted(df, w, BEHAVIOUR)
    df["score"] = weighted(df, w, DIM_KEYS).where(df["performance"].notna())
    df["rank"] = df["score"].rank(method="min", ascending=False)
    df["quadrant"] = quadrant(df["performance"], df["behaviour"])
    return df


def quadrant(performance: pd.Series, behaviour: pd.Series) -> pd.Series:
    hi_p = performance >= QUADRANT_SPLIT
    hi_b = behaviour >= QUADRANT_SPLIT
    q = np.select([hi_p & hi_b, ~hi_p & hi_b, hi_p & ~hi_b], QUADRANTS[:3], QUADRANTS[3])
    q = pd.Series(q, index=performance.index, dtype=object)
    return q.where(performance.notna() & behaviour.notna(), None)


# ---------------------------------------------------------------- the scorecard
def previous_quarter(db: Database, quarter: Quarter) -> Quarter | None:
    prev = quarter.prev()
    return prev if prev in metrics.quarters_in_data(db) else None


def scorecard(db: Database, quarter: str, scope: Scope, w: dict | None = None,
              rule: dict | None = None) -> pd.DataFrame:
    """The scorecard of the quarter: raw and normalised dimensions, scores, rank, last quarter's
    rank and the rank change, quadrant; sorted by rank. Weights and mentor rule default to the
    saved settings."""
    q = Quarter.parse(quarter)
    w = weights(db) if w is None else clean_weights(w)
    rule = mentor_rule(db) if rule is None else clean_rule(rule)
    card = score(raw_dimensions(db, q, scope), w, rule)
    prev_q = previous_quarter(db, q)
    if prev_q is not None and len(card):
        prev = score(raw_dimensions(db, prev_q, scope), w, rule)
        card["prev_rank"] = card["rm_id"].map(dict(zip(prev["rm_id"], prev["rank"]))).astype(float)
    else:
        card["prev_rank"] = np.nan
    card["rank_change"] = card["prev_rank"] - card["rank"]
    return card.sort_values(["rank", "rm_id"], na_position="last").reset_index(drop=True)


# ---------------------------------------------------------------- labels
def dim_label(key: str, lang: str) -> str:
    return i18n.t(f"team.dim.{key}", lang)


def line_label(line: str, lang: str) -> str:
    return i18n.t(f"team.line.{line}", lang) if f"team.line.{line}" in i18n.STRINGS else str(line)


def team_names(card: pd.DataFrame, team_by: str, lang: str) -> dict[str, str]:
    if team_by == "line":
        return {ln: line_label(ln, lang) for ln in card["line"].unique()}
    return dict(zip(card["branch_id"], card["branch_name"]))


# ---------------------------------------------------------------- star of the quarter
def _fmt_pct_rank(v: float) -> str:
    return f"{v:.0f}"


def star_reason(row: pd.Series, team_name: str, team_size: int, w: dict[str, float], lang: str) -> str:
    """Why this RM is the team's star: score, the two strongest weighted dimensions (by
    percentile, ties by weight) and the move since last quarter."""
    cands = [(row[PCT + k], w.get(k, 0), k) for k in DIM_KEYS
             if w.get(k, 0) > 0 and not pd.isna(row.get(PCT + k))]
    cands.sort(key=lambda c: (-c[0], -c[1], DIM_KEYS.index(c[2])))
    top = cands[:2]
    line = line_label(row["line"], lang)
    parts = [i18n.t("team.star.dim", lang, dim=dim_label(k, lang), pct=_fmt_pct_rank(p)) for p, _, k in top]
    strengths = i18n.t("team.and", lang).join(parts)
    change = row.get("rank_change")
    if change is None or pd.isna(change):
        move = i18n.t("team.star.move_new", lang)
    elif change > 0:
        move = i18n.t("team.star.move_up", lang, n=int(change))
    elif change < 0:
        move = i18n.t("team.star.move_down", lang, n=int(-change))
    else:
        move = i18n.t("team.star.move_same", lang)
    key = "team.star.reason_alone" if team_size == 1 else "team.star.reason"
    return i18n.t(key, lang, name=row["rm_name"], team=team_name, score=f"{row['score']:.0f}",
                  strengths=strengths, line=line, move=move)


def stars(card: pd.DataFrame, team_by: str, w: dict[str, float], lang: str) -> pd.DataFrame:
    """The star of the quarter per team: team, team_name, team_size, rm_id, rm_name, score, rank,
    rank_change, reason. Teams whose RMs all lack a score have no star."""
    if team_by not in TEAM_BY:
        raise ValueError(f"unknown team grouping {team_by!r}")
    w = clean_weights(w)
    names = team_names(card, team_by, lang)
    rows = []
    sizes = card.groupby(team_by, sort=False).size()
    ranked = card[card["score"].notna()].sort_values(["score", "performance", "rm_id"], ascending=[False, False, True],
                                                     na_position="last", kind="stable")
    for best in ranked.groupby(team_by, sort=True).head(1).sort_values(team_by, kind="stable").to_dict("records"):
        team = best[team_by]
        size = int(sizes[team])
        rows.append({"team": team, "team_name": names.get(team, team), "team_size": size,
                     "rm_id": best["rm_id"], "rm_name": best["rm_name"], "line": best["line"],
                     "score": float(best["score"]), "rank": float(best["rank"]),
                     "rank_change": best["rank_change"],
                     "reason": star_reason(best, names.get(team, team), size, w, lang)})
    cols = ["team", "team_name", "team_size", "rm_id", "rm_name", "line", "score", "rank", "rank_change", "reason"]
    return pd.DataFrame(rows, columns=cols).sort_values("score", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------- radar data
def radar(card: pd.DataFrame, rm_id: str, team_by: str = "branch_id") -> pd.DataFrame:
    """Series for one RM's radar: the RM, their team's average and the team's best (the
    highest-ranked member). Columns series (rm / team_avg / team_best), rm_id, rm_name,
    dimension, value (percentile)."""
    me = card[card["rm_id"] == rm_id]
    if me.empty:
        raise KeyError(f"{rm_id} is not in the scorecard")
    me = me.iloc[0]
    team = card[card[team_by] == me[team_by]]
    best = team.sort_values(["rank", "rm_id"], na_position="last").iloc[0]
    rows = []
    for k in DIM_KEYS:
        c = PCT + k
        rows.append({"series": "rm", "rm_id": me["rm_id"], "rm_name": me["rm_name"], "dimension": k, "value": me[c]})
        rows.append({"series": "team_avg", "rm_id": None, "rm_name": None, "dimension": k,
                     "value": team[c].mean(skipna=True)})
        rows.append({"series": "team_best", "rm_id": best["rm_id"], "rm_name": best["rm_name"], "dimension": k,
                     "value": best[c]})
    return pd.DataFrame(rows)


def team_profiles(card: pd.DataFrame, team_by: str = "branch_id") -> pd.DataFrame:
    """Average percentile per team and dimension (index team; columns the dimensions, size and score).
    Branches average their RMs' within-line percentiles; lines (whose within-line percentiles
    all average 50) average percentiles among all RMs in scope instead."""
    if team_by not in TEAM_BY:
        raise ValueError(f"unknown team grouping {team_by!r}")
    cols = [PCT + k for k in DIM_KEYS]
    if team_by == "line":
        # within-line percentiles average 50 in every line: compare lines on pooled percentiles
        card = card.copy()
        pooled = pd.Series("all", index=card.index)
        for k in DIM_KEYS:
            card[PCT + k] = peer_percentile(card[k], pooled)
    g = card.groupby(team_by)
    out = g[cols].mean()
    out.columns = list(DIM_KEYS)
    out["size"] = g.size()
    out["score"] = g["score"].mean()
    return out.sort_values("score", ascending=False)
