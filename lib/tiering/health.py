"""Customer health score: asset stability, product diversity and risk-preference fit (0-100 each),
the combined score, the weakest dimension and a suggested action per customer; and the registry
of the Tiering page's definitions (scores, churn, AUM at risk, compliance), en/zh with formulas.

No Streamlit here; one SQL query per call, scope via ``lib.core.db.Scope``. Read as of a quarter's
last balance snapshot (``metrics.period``), like the tiers.

Sub-scores (``SCORES`` below holds the same text the page shows):
- **Asset stability** from the month-end AUM of the last 12 months (at least 3 months):
  volatility = standard deviation of the monthly log change, trend = least-squares slope of log AUM
  per month; stability = 0.6 x 100 x clamp(1 - volatility / 0.20) + 0.4 x 100 x clamp(0.5 + trend / 0.10).
- **Product diversity** = 100 x min(1, distinct product types held / typical for the tier), typical =
  upper quartile of distinct types held by the tier's customers across the bank (at least 2).
- **Risk-preference fit** (retail with an assessed tolerance C1-C5): portfolio risk = AUM-weighted
  risk level, deposits at R1 and the invested part (wealth, funds, insurance, other) at the
  amount-weighted level of the risk products held (R2 when unknown); fit = 100 - 50 x (risk above
  tolerance) - 15 x (levels below tolerance beyond 1.5), capped at 40 when a product held is above
  the tolerance; clamp 0-100. Not scored without a tolerance (corporate clients, missing assessment).
- **Health** = mean of the sub-scores available.
- **Weakest dimension** = the lowest sub-score; a retail customer without a valid assessment
  (missing, or older than ``risk_assessment_validity_days``) gets "reassess risk tolerance" first.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.core import settings
from lib.tiering import tiers
from lib.core.db import WHOLE_BANK, Database, Scope

VOL_MAX = 0.20        # monthly log-change volatility that scores 0
TREND_SPAN = 0.10     # monthly trend from -5 % (0) to +5 % (100)
W_VOL, W_TREND = 0.6, 0.4
MIN_TYPICAL = 2
DIMENSIONS = ("stability", "diversity", "risk_fit")
ACTIONS = ("liquidity", "bundle", "rebalance", "match_risk", "reassess", "none")
RISK_TYPES = ("wealth", "fund", "insurance", "precious_metal")


@dataclass(frozen=True)
class Definition:
    key: str
    label_en: str
    label_zh: str
    definition_en: str
    definition_zh: str
    formula: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def definition(self, lang: str) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


SCORES: tuple[Definition, ...] = (
    Definition("stability", "Asset stability", "资产稳定性",
               "Month-end AUM of the last 12 months: low volatility and a rising trend score high (needs 3 months).",
               "近12个月月末AUM：波动越小、趋势越向上得分越高（至少3个月数据）。",
               "0.6×100×clamp(1 − σ(Δln AUM)/0.20) + 0.4×100×clamp(0.5 + slope(ln AUM per month)/0.10)"),
    Definition("diversity", "Product diversity", "产品多样性",
               "Distinct product types held against what is typical for the customer's tier (upper quartile of the tier, at least 2).",
               "持有的产品类型数与同层级客户典型水平（该层级上四分位数，至少2）相比。",
               "100 × min(1, types held / typical types of the tier)"),
    Definition("risk_fit", "Risk-preference fit", "风险偏好匹配度",
               "How the AUM-weighted risk of current holdings (deposits R1, invested part at the level of the products held) fits the assessed tolerance C1–C5; above tolerance costs most. Not scored without an assessment.",
               "当前持仓按资产加权的风险等级（存款按R1，投资部分按所持产品风险等级）与评估的风险承受能力C1–C5的匹配程度；超出承受能力扣分最多。无评估则不计分。",
               "100 − 50×max(0, risk − C) − 15×max(0, C − risk − 1.5); ≤ 40 if any product held > C"),
    Definition("health", "Health score", "健康度",
               "Mean of the available sub-scores; the weakest one decides the suggested action.",
               "可用子得分的平均值；最弱的维度决定建议行动。",
               "mean(stability, diversity, risk_fit)"),
    Definition("churn", "Churn (label)", "流失（标签）",
               "A customer churns in a quarter when closed during it, or when AUM at its last snapshot is below the configured share of the start-of-quarter AUM.",
               "客户在季度内销户，或季末AUM低于季初AUM的设定比例，即视为该季度流失。",
               "closed in Q OR AUM_end < share × AUM_start"),
    Definition("churn_probability", "Churn probability", "流失概率",
               "The model's probability that the customer churns this quarter, from data known at the quarter's start.",
               "模型基于季初已知数据估计的本季度流失概率。",
               "P(churn in Q | features before Q start)"),
    Definition("aum_at_risk", "AUM at risk", "风险资产规模",
               "Expected AUM lost: churn probability times the customer's current AUM.",
               "预期流失资产：流失概率 × 客户当前AUM。",
               "churn probability × AUM"),
    Definition("compliance", "Suitability mismatch", "适当性不匹配",
               "A wealth, fund or insurance sale whose product risk level R1–R5 exceeds the customer's tolerance C1–C5, or made without a valid risk assessment (none on file at the sale date, or older than the validity period).",
               "理财、基金或保险销售的产品风险等级R1–R5高于客户风险承受能力C1–C5，或销售时无有效风险评估（销售日无评估记录，或评估已超过有效期）。",
               "R(product) > C(customer) OR assessment missing OR sale_date − assessed_on > validity"),
)
SCORE_BY_KEY = {d.key: d for d in SCORES}


def definitions(lang: str) -> list[dict]:
    return [{"key": d.key, "label": d.label(lang), "definition": d.definition(lang), "formula": d.formula}
            for d in SCORES]


def _scores_sql(db: Database, quarter: str, scope: Scope) -> tuple[str, dict]:
    cte, params = tiers.tiered_cte(db, quarter, WHOLE_BANK)
    sc, sp = scope.customer_filter("c", "hsc")
    params.update(sp)
    params.update({"h_vol_max": VOL_MAX, "h_trend_span": TREND_SPAN, "h_w_vol": W_VOL, "h_w_trend": W_TREND,
                   "h_min_typical": MIN_TYPICAL, "h_risk_types": list(RISK_TYPES),
                   "h_validity": int(settings.get(db, "risk_assessment_validity_days"))})
    held = tiers.held_at("t_")
    sql = f"""
WITH {cte},
mon AS (SELECT customer_id, date_trunc('month', as_of) AS m, arg_max(aum, as_of) AS aum FROM v_balances
        WHERE as_of <= $t_snap AND as_of > $t_snap - INTERVAL 12 MONTH GROUP BY ALL),
lr AS (SELECT customer_id, year(m) * 12 + month(m) AS mi, ln(greatest(aum, 1)) AS la,
              ln(greatest(aum, 1)) - lag(ln(greatest(aum, 1))) OVER (PARTITION BY customer_id ORDER BY m) AS d
       FROM mon),
stab AS (SELECT customer_id, count(*) AS months, coalesce(stddev_samp(d), 0) AS vol, regr_slope(la, mi) AS trend
         FROM lr GROUP BY 1 HAVING count(*) >= 3),
held AS (SELECT s.customer_id, pr.product_type, pr.risk_level, s.amount
         FROM sales s JOIN products pr ON pr.product_id = s.product_id
         WHERE {held} AND pr.product_type IS NOT NULL),
ntypes AS (SELECT customer_id, count(DISTINCT product_type) AS n FROM held GROUP BY 1),
typical AS (SELECT t.tier, greatest($h_min_typical, quantile_cont(coalesce(nt.n, 0), 0.75)) AS typical
            FROM tiered t LEFT JOIN ntypes nt USING (customer_id) GROUP BY 1),
popular AS (SELECT t.tier, h.product_type, count(DISTINCT h.customer_id) AS holders
            FROM tiered t JOIN held h USING (customer_id) GROUP BY ALL),
lacking AS (SELECT t.customer_id, arg_max(p.product_type, p.holders * 1000 - ascii(p.product_type)) AS next_type
            FROM tiered t JOIN popular p ON p.tier = t.tier
            WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.customer_id = t.customer_id AND h.product_type = p.product_type)
            GROUP BY 1),
rsk AS (SELECT customer_id,
               sum(coalesce(amount, 1) * CAST(substr(risk_level, 2, 1) AS DOUBLE)) / sum(coalesce(amount, 1)) AS lvl,
               max(CAST(substr(risk_level, 2, 1) AS INTEGER)) AS max_lvl
        FROM held WHERE list_contains($h_risk_types, product_type) AND risk_level LIKE 'R_' GROUP BY 1),
bal AS (SELECT customer_id, aum, coalesce(deposits, 0) AS dep FROM v_balances WHERE as_of = $t_snap),
base AS (
  SELECT t.customer_id, c.customer_name, t.customer_type, t.tier, t.branch_id, t.rm_id, t.aum,
         CASE WHEN c.risk_tolerance LIKE 'C_' THEN CAST(substr(c.risk_tolerance, 2, 1) AS INTEGER) END AS tol,
         c.risk_assessed_on,
         stab.vol, stab.trend, coalesce(nt.n, 0) AS n_types, ty.typical, lk.next_type,
         CASE WHEN bal.aum > 0 THEN (least(bal.dep, bal.aum) * 1 + greatest(bal.aum - bal.dep, 0) * coalesce(rsk.lvl, 2)) / bal.aum END
           AS portfolio_risk,
         rsk.max_lvl,
         CASE WHEN stab.customer_id IS NOT NULL THEN
           $h_w_vol * 100 * greatest(0, least(1, 1 - stab.vol / $h_vol_max))
           + $h_w_trend * 100 * greatest(0, least(1, 0.5 + coalesce(stab.trend, 0) / $h_trend_span)) END AS stability,
         100 * least(1, coalesce(nt.n, 0) / ty.typical) AS diversity
  FROM tiered t JOIN customers c ON c.customer_id = t.customer_id
  LEFT JOIN stab ON stab.customer_id = t.customer_id
  LEFT JOIN ntypes nt ON nt.customer_id = t.customer_id
  LEFT JOIN typical ty ON ty.tier = t.tier
  LEFT JOIN lacking lk ON lk.customer_id = t.customer_id
  LEFT JOIN rsk ON rsk.customer_id = t.customer_id
  LEFT JOIN bal ON bal.customer_id = t.customer_id
  WHERE {sc}
),
scored AS (
  SELECT *,
    CASE WHEN tol IS NOT NULL AND portfolio_risk IS NOT NULL THEN
      least(CASE WHEN coalesce(max_lvl, 0) > tol THEN 40 ELSE 100 END,
            greatest(0, 100 - 50 * greatest(0, portfolio_risk - tol) - 15 * greatest(0, tol - portfolio_risk - 1.5)))
    END AS risk_fit,
    customer_type = 'retail' AND (tol IS NULL OR risk_assessed_on IS NULL
                                  OR date_diff('day', risk_assessed_on, $t_at) > $h_validity) AS needs_assessment
  FROM base
)
SELECT customer_id, customer_name, customer_type, tier, branch_id, rm_id, aum, stability, diversity, risk_fit,
       (coalesce(stability, 0) + coalesce(diversity, 0) + coalesce(risk_fit, 0))
         / nullif((stability IS NOT NULL)::INT + (diversity IS NOT NULL)::INT + (risk_fit IS NOT NULL)::INT, 0) AS health,
       weakest,
       CASE WHEN needs_assessment THEN 'reassess'
            WHEN weakest = 'stability' THEN 'liquidity'
            WHEN weakest = 'diversity' THEN CASE WHEN next_type IS NULL THEN 'none' ELSE 'bundle' END
            WHEN weakest = 'risk_fit' THEN CASE WHEN portfolio_risk > tol OR max_lvl > tol THEN 'rebalance'
                                                ELSE 'match_risk' END
            ELSE 'none' END AS action,
       next_type, tol AS tolerance, portfolio_risk, n_types, typical, vol AS volatility, trend
FROM (SELECT *,
        CASE WHEN needs_assessment THEN 'risk_fit'
             WHEN least(coalesce(stability, 1e9), coalesce(diversity, 1e9), coalesce(risk_fit, 1e9)) >= 1e9 THEN NULL
             WHEN stability = least(coalesce(stability, 1e9), coalesce(diversity, 1e9), coalesce(risk_fit, 1e9)) THEN 'stability'
             WHEN diversity = least(coalesce(stability, 1e9), coalesce(diversity, 1e9), coalesce(risk_fit, 1e9)) THEN 'diversity'
             ELSE 'risk_fit' END AS weakest
      FROM scored)
"""
    return sql, params


def health_scores(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """One row per customer open at the quarter's end in scope: customer_id, customer_name (unmasked),
    customer_type, tier, branch_id, rm_id, aum, stability, diversity, risk_fit, health, weakest, action,
    next_type, tolerance, portfolio_risk, n_types, typical, volatility, trend."""
    sql, params = _scores_sql(db, quarter, scope)
    return db.query(f"SELECT * FROM ({sql}) ORDER BY health, customer_id", params)


def distribution(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Per tier and dimension (stability, diversity, risk_fit, health): customers, mean and the
    10/25/50/75/90th percentiles — computed in SQL, so the page never loads every customer."""
    sql, params = _scores_sql(db, quarter, scope)
    df = db.query(f"""
        WITH h AS ({sql}),
        long AS (SELECT tier, d AS dimension, v FROM h,
                 LATERAL (SELECT unnest(['stability', 'diversity', 'risk_fit', 'health']) AS d),
                 LATERAL (SELECT CASE d WHEN 'stability' THEN stability WHEN 'diversity' THEN diversity
                                        WHEN 'risk_fit' THEN risk_fit ELSE health END AS v)
                 WHERE v IS NOT NULL)
        SELECT tier, dimension, count(*) AS customers, avg(v) AS mean,
               quantile_cont(v, 0.10) AS p10, quantile_cont(v, 0.25) AS p25, quantile_cont(v, 0.5) AS p50,
               quantile_cont(v, 0.75) AS p75, quantile_cont(v, 0.90) AS p90
        FROM long GROUP BY ALL""", params)
    df["customers"] = df["customers"].astype("int64")
    order = {t: i for i, t in enumerate(tiers.TIERS)}
    dorder = {d: i for i, d in enumerate(("health", *DIMENSIONS))}
    return df.sort_values(["tier", "dimension"], key=lambda s: s.map(order) if s.name == "tier" else s.map(dorder)) \
        .reset_index(drop=True)


def weakest_counts(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Customers per tier, weakest dimension and suggested action."""
    sql, params = _scores_sql(db, quarter, scope)
    df = db.query(f"SELECT tier, weakest, action, count(*) AS customers FROM ({sql}) GROUP BY ALL ORDER BY 1, 2, 3",
                  params)
    df["customers"] = df["customers"].astype("int64")
    return df


def lowest(db: Database, quarter: str, scope: Scope, tier: str | None = None, weakest: str | None = None,
           limit: int = 500) -> pd.DataFrame:
    """The customers with the lowest health (optionally one tier / one weakest dimension)."""
    sql, params = _scores_sql(db, quarter, scope)
    params.update({"l_tier": tier, "l_weak": weakest, "l_limit": int(limit)})
    return db.query(f"""SELECT * FROM ({sql})
        WHERE ($l_tier IS NULL OR tier = $l_tier) AND ($l_weak IS NULL OR weakest = $l_weak)
        ORDER BY health, aum DESC, customer_id LIMIT $l_limit""", params)
