"""Quarter retrospective: data review (target vs actual vs peer, products and channels that over-
or under-delivered), customer review (a reproducible, tier-stratified sample for satisfaction
interviews, survey results and unmet needs), team review (capability weak spots and training) and
the carry-over of open ledger items.

No Streamlit here. Definitions:
- Products / channels: sales amount of the quarter (to the data's as-of day) against last quarter
  to the same day of its quarter (like for like). A group *over-delivered* when its change beats
  the change of all sales together, *under-delivered* otherwise; groups new this quarter count as
  over-delivered.
- Sample: customers open at the quarter's end in scope, with their tier from ``lib.tiering.tiers``; in every
  tier the customers are ordered by md5(seed || customer_id) and the first round(10% of the tier)
  are taken (at least one per non-empty tier). The same data and seed give the same list on any
  machine; personal columns are masked by ``lib.core.privacy`` unless the caller allows them.
- Surveys: answers dated inside the quarter (score 0-10): count, mean, share 9-10 and share 0-6,
  unmet needs by frequency, mean score per tier.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from lib.team import capability
from lib.diagnosis import diagnose as diagnosis
from lib.pdca import ledger
from lib.metrics import registry as metrics
from lib.core import privacy
from lib.tiering import tiers
from lib.core.db import Database, Scope
from lib.core.periods import Quarter

SAMPLE_SHARE = 0.10
SAMPLE_SEED = 2024


# ---------------------------------------------------------------- data review
def data_review(db: Database, quarter: str, scope: Scope, lang: str) -> pd.DataFrame:
    """Target vs actual vs peer for every available KPI (formatted, as on the Diagnosis page)."""
    return diagnosis.plan_table(diagnosis.kpis(db, quarter, scope), lang)


def delivery(db: Database, quarter: str, scope: Scope, by: str = "product_type") -> pd.DataFrame:
    """Sales amount per product type or sales channel, this quarter vs last quarter like for like:
    grp, amount, prev_amount, change, share, verdict (over / under)."""
    if by not in ("product_type", "channel"):
        raise ValueError(f"unknown grouping {by!r}")
    q = Quarter.parse(quarter)
    end = metrics.period(db, q).period_end
    day = (min(end, q.end) - q.start).days
    prev = q.prev()
    prev_end = min(prev.start + timedelta(days=day), prev.end)
    sc, params = scope.customer_filter("c")
    grp = "coalesce(p.product_type, 'unknown')" if by == "product_type" else "coalesce(s.channel, 'unknown')"
    df = db.query(f"""
SELECT {grp} AS grp,
  sum(s.amount) FILTER (WHERE s.sale_date BETWEEN $q0 AND $q1) AS amount,
  sum(s.amount) FILTER (WHERE s.sale_date BETWEEN $p0 AND $p1) AS prev_amount
FROM sales s LEFT JOIN customers c ON c.customer_id = s.customer_id
LEFT JOIN products p ON p.product_id = s.product_id
WHERE {sc} AND coalesce(s.status, '') <> 'cancelled'
  AND (s.sale_date BETWEEN $q0 AND $q1 OR s.sale_date BETWEEN $p0 AND $p1)
GROUP BY 1""", {**params, "q0": q.start, "q1": end, "p0": prev.start, "p1": prev_end})
    df["amount"] = df["amount"].fillna(0.0).astype(float)
    df["prev_amount"] = df["prev_amount"].fillna(0.0).astype(float)
    total, total_prev = df["amount"].sum(), df["prev_amount"].sum()
    overall = total / total_prev - 1 if total_prev > 0 else None
    df["change"] = [a / p - 1 if p > 0 else None for a, p in zip(df["amount"], df["prev_amount"])]
    df["share"] = df["amount"] / total if total else 0.0
    df["verdict"] = ["over" if c is None or pd.isna(c) or overall is None or c >= overall else "under"
                    for c in df["change"]]
    return df.sort_values("amount", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------- customer review
def sample(db: Database, quarter: str, scope: Scope, share: float = SAMPLE_SHARE, seed: int = SAMPLE_SEED,
           allow_personal: bool = False) -> pd.DataFrame:
    """The interview call list: customer_id, customer_name and phone (masked unless allowed), customer_type,
    tier, branch_name, rm_name, aum, last_score, last_survey_date."""
    cte, params = tiers.tiered_cte(db, quarter, scope)
    params.update({"share": float(share), "seed": str(seed)})
    df = db.query(f"""
WITH {cte},
ranked AS (
  SELECT t.*, row_number() OVER (PARTITION BY t.tier ORDER BY md5($seed || t.customer_id)) AS k,
         count(*) OVER (PARTITION BY t.tier) AS n
  FROM tiered t
),
last_survey AS (
  SELECT customer_id, arg_max(score, survey_date) AS last_score, max(survey_date) AS last_survey_date
  FROM surveys WHERE customer_id IS NOT NULL GROUP BY 1
)
SELECT r.customer_id, c.customer_name, c.phone, r.customer_type, r.tier, coalesce(br.branch_name, c.branch_id) AS branch_name,
       s.rm_name, r.aum, ls.last_score, ls.last_survey_date
FROM ranked r
JOIN customers c ON c.customer_id = r.customer_id
LEFT JOIN branches br ON br.branch_id = c.branch_id
LEFT JOIN staff s ON s.rm_id = c.rm_id
LEFT JOIN last_survey ls ON ls.customer_id = r.customer_id
WHERE r.k <= greatest(1, floor(r.n * $share + 0.5))
ORDER BY r.tier, r.k""", params)
    order = {t: i for i, t in enumerate(tiers.TIERS)}
    df = df.sort_values("tier", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return privacy.mask_frame(df, "customers", allowed=allow_personal)


def tier_counts(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Customers per tier (the population the sample is drawn from)."""
    cte, params = tiers.tiered_cte(db, quarter, scope)
    return db.query(f"WITH {cte} SELECT tier, count(*) AS customers FROM tiered GROUP BY 1", params)


def survey_summary(db: Database, quarter: str, scope: Scope) -> dict:
    """Survey answers in the quarter: n, mean, promoters (9-10), detractors (0-6), needs
    (need, n), by_tier (tier, n, mean)."""
    q = Quarter.parse(quarter)
    sc, params = scope.customer_filter("c")
    cte, tparams = tiers.tiered_cte(db, quarter, scope)
    params.update(tparams)
    params.update({"s0": q.start, "s1": q.end})
    df = db.query(f"""
WITH {cte}
SELECT v.score, v.unmet_need, coalesce(t.tier, 'unknown') AS tier
FROM surveys v LEFT JOIN customers c ON c.customer_id = v.customer_id
LEFT JOIN tiered t ON t.customer_id = v.customer_id
WHERE {sc} AND v.survey_date BETWEEN $s0 AND $s1""", params)
    n = int(df["score"].notna().sum())
    needs = (df["unmet_need"].dropna().astype(str).str.strip().replace("", pd.NA).dropna()
             .value_counts().rename_axis("need").reset_index(name="n"))
    by_tier = df.groupby("tier")["score"].agg(["count", "mean"]).reset_index().rename(columns={"count": "n"})
    return {"n": n, "mean": float(df["score"].mean()) if n else None,
            "promoters": float((df["score"] >= 9).sum() / n) if n else None,
            "detractors": float((df["score"] <= 6).sum() / n) if n else None,
            "needs": needs, "by_tier": by_tier}


# ---------------------------------------------------------------- team review
def team_review(db: Database, quarter: str, scope: Scope, lang: str) -> dict:
    """The capability radar's common weak spots (profile of every RM in scope) and the training
    they suggest for next quarter."""
    sc = capability.scores(db, quarter, scope)
    limit = capability.threshold(db)
    if sc.empty:
        return {"profile": pd.DataFrame(), "weak": pd.DataFrame(), "training": pd.DataFrame(), "limit": limit}
    prof = capability.profile(sc, limit)
    prof["label"] = [capability.dim_label(d, lang) for d in prof["dimension"]]
    return {"profile": prof, "weak": capability.weak_spots(prof), "training": capability.training_plan(sc, limit, lang),
            "limit": limit}


# ---------------------------------------------------------------- carry-over
def carry_over_list(db: Database, quarter: str) -> pd.DataFrame:
    """Open ledger items of the quarter, with whether each was already carried into the next."""
    df = ledger.open_items(db, quarter)
    done = ledger.carried_ids(db, quarter)
    df["carried"] = df["item_id"].isin(done)
    return df
