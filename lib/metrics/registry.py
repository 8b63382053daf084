"""The metric registry and the SQL that computes each metric.

One entry per KPI: key, labels (en/zh), definition (en/zh), formula, unit, direction and
kind. Cards, tooltips, docs/METRICS.md and tests all read this registry; nothing else
defines a metric.

Every metric's SQL returns rows ``(grp, num, den)``; the value is ``num / den`` (``den``
is 1 for sums and counts), so a metric can be computed for the whole scope or grouped by
region, branch or RM with the same query. Parameters are named (``$q_start`` …); the only
text spliced into SQL comes from this module and ``lib.core.db.Scope``.

Kinds: ``stock`` (a level at the quarter's last snapshot), ``flow`` (accumulates through
the quarter, so plan pace applies), ``rate`` (a ratio).
"""
from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.metrics import cube
from lib.core import schema
from lib.core import settings
from lib.core.db import WHOLE_BANK, Database, Scope
from lib.core.periods import Quarter

GROUPS = {
    None: "'ALL'",
    "region": "br.region",
    "branch_id": "c.branch_id",
    "rm_id": "coalesce(c.rm_id, '')",
}
# LEFT JOIN: a customer whose branch is not (yet) in the branches table still counts in every
# total, with a NULL region (shown as "Unassigned"); never an inner join that drops the row.
CUST = "customers c LEFT JOIN branches br ON br.branch_id = c.branch_id"
# A fact row (balance, sale, lead) whose customer is not (yet) in the customers table still counts:
# its customer, branch, region, RM and customer type are NULL, so it lands under "Unassigned" in
# every grouping and in the whole bank without a customer-type filter (see Scope.takes_unknown_customers).
BAL_CUST = "v_balances b LEFT JOIN customers c ON c.customer_id = b.customer_id LEFT JOIN branches br ON br.branch_id = c.branch_id"


@dataclass(frozen=True)
class Metric:
    key: str
    label_en: str
    label_zh: str
    definition_en: str
    definition_zh: str
    formula: str
    unit: str  # cny | pct | count | ratio
    higher_is_better: bool
    kind: str  # stock | flow | rate
    line: str  # retail | corporate | all
    sql: str  # rows (grp, num, den); {grp} and {scope} are filled by ``render`` only, values are $named
    # declared, not read from the SQL text: the $named parameters the SQL takes (bound by
    # ``_params`` from the period, the scope, the settings and ``consts``), the canonical tables
    # it reads, those it cannot be computed without (the others are LEFT JOINed or optional),
    # and how it adds up: "sum" (den is the constant 1: sums and counts, 0 for a scope without
    # rows) or "ratio" (num / den, both sums; unknown for a scope without rows)
    params: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    additive: str = "ratio"
    consts: tuple[tuple[str, object], ...] = ()  # fixed parameter values of this metric
    # "table.column"s the metric counts by: when a loaded table has no value in one of them at all
    # (e.g. a customer list without open_date), the figure is unknown ("—"), not 0
    columns: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def definition(self, lang: str) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


# ---- SQL building blocks ------------------------------------------------------
_HELD_AT_END = ("s.sale_date <= $q_end AND (s.close_date IS NULL OR s.close_date > $q_end) "
                "AND coalesce(s.status, 'active') <> 'cancelled'")


def _aum_at(snap: str, extra: str = "") -> str:
    return f"""
SELECT {{grp}} AS grp, sum(b.aum) AS num, 1 AS den
FROM {BAL_CUST}
WHERE b.as_of = ${snap} AND {{scope}} {extra}
GROUP BY ALL"""


def _sum_part_at_end(part: str) -> str:
    return f"""
SELECT {{grp}} AS grp, sum(b.{part}) AS num, 1 AS den
FROM {CUST} JOIN balances b ON b.customer_id = c.customer_id AND b.as_of = $end_snap
WHERE {{scope}} AND c.customer_type = 'corporate'
GROUP BY ALL"""


def _lead_conversion(by_product: bool) -> str:
    """Lead conversion; `by_product` limits it to the leads of the ``$product_types``."""
    prod = ("AND l.product_id IN (SELECT product_id FROM products WHERE list_contains($product_types, product_type))"
            if by_product else "")
    # Prospects (no customer_id) count toward the bank/region of the converted customer
    # only when known; leads without a customer are attributed to the whole bank.
    return f"""
SELECT {{grp}} AS grp, count(*) FILTER (WHERE l.converted) AS num, count(*) AS den
FROM leads l LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN branches br ON br.branch_id = c.branch_id
WHERE l.contact_date BETWEEN $q_start AND $q_end {prod}
  AND ({{scope}} OR ($whole_bank AND c.customer_id IS NULL))
GROUP BY ALL"""


# Customer refusal rate (客户拒签率): leads whose stage is 'refused' and that did not convert, over all
# leads contacted in the quarter (the conversion rate's denominator, prospects counted as there).
_REFUSAL = """
SELECT {grp} AS grp, count(*) FILTER (WHERE l.stage = 'refused' AND NOT coalesce(l.converted, false)) AS num,
       count(*) AS den
FROM leads l LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN branches br ON br.branch_id = c.branch_id
WHERE l.contact_date BETWEEN $q_start AND $q_end
  AND ({scope} OR ($whole_bank AND c.customer_id IS NULL))
GROUP BY ALL"""


def _churn_sql(retained: bool) -> str:
    churned = ("((c.status = 'closed' AND c.close_date BETWEEN $q_start AND $q_end)"
               " OR c.end_aum < $churn_share * c.start_aum)")
    cond = f"NOT {churned}" if retained else churned
    return f"""
WITH base AS (
  SELECT c.*, br.region, sb.aum AS start_aum, coalesce(eb.aum, 0) AS end_aum
  FROM {CUST}
  JOIN v_balances sb ON sb.customer_id = c.customer_id AND sb.as_of = $start_snap
  LEFT JOIN v_balances eb ON eb.customer_id = c.customer_id AND eb.as_of = $end_snap
  WHERE {{scope}} AND sb.aum > 0
    AND (c.close_date IS NULL OR c.close_date >= $q_start)
)
SELECT {{grp}} AS grp,
  count(*) FILTER (WHERE {cond}) AS num,
  count(*) AS den
FROM base c LEFT JOIN branches br ON br.branch_id = c.branch_id
GROUP BY ALL"""

_PRODUCTS_PER_CUSTOMER = f"""
WITH held AS (
  SELECT s.customer_id, count(DISTINCT p.product_type) AS n
  FROM sales s JOIN products p ON p.product_id = s.product_id
  WHERE {_HELD_AT_END}
  GROUP BY 1
)
SELECT {{grp}} AS grp, sum(coalesce(h.n, 0)) AS num, count(*) AS den
FROM {CUST} LEFT JOIN held h ON h.customer_id = c.customer_id
WHERE {{scope}} AND c.open_date <= $q_end
  AND (c.close_date IS NULL OR c.close_date > $q_end)
GROUP BY ALL"""


def _penetration(by_customer_type: bool = False) -> str:
    """Share of open customers holding one of the ``$product_types`` (of ``$customer_type``)."""
    ctype = "AND c.customer_type = $customer_type" if by_customer_type else ""
    return f"""
WITH holders AS (
  SELECT DISTINCT s.customer_id
  FROM sales s JOIN products p ON p.product_id = s.product_id
  WHERE {_HELD_AT_END} AND list_contains($product_types, p.product_type)
)
SELECT {{grp}} AS grp, count(h.customer_id) AS num, count(*) AS den
FROM {CUST} LEFT JOIN holders h ON h.customer_id = c.customer_id
WHERE {{scope}} AND c.open_date <= $q_end {ctype}
  AND (c.close_date IS NULL OR c.close_date > $q_end)
GROUP BY ALL"""


# AUM change split. Balances are snapshots, not transactions, so the split is read from them:
# customers present at both snapshots contribute the change of their market-valued holdings
# (wealth products and funds) as market/valuation movement; everything else — their change in
# deposits, insurance and other assets, the AUM of customers who arrived, minus the AUM of
# customers who left — is net new money. The two add up to the AUM change exactly.
_AUM_CHANGE = """
WITH s AS (SELECT customer_id, aum, coalesce(wealth, 0) + coalesce(funds, 0) AS mkt
           FROM v_balances WHERE as_of = $start_snap),
e AS (SELECT customer_id, aum, coalesce(wealth, 0) + coalesce(funds, 0) AS mkt
      FROM v_balances WHERE as_of = $end_snap),
j AS (
  SELECT coalesce(e.customer_id, s.customer_id) AS customer_id,
    coalesce(e.aum, 0) - coalesce(s.aum, 0) AS d_aum,
    CASE WHEN s.customer_id IS NOT NULL AND e.customer_id IS NOT NULL THEN e.mkt - s.mkt ELSE 0 END AS d_mkt
  FROM s FULL JOIN e ON e.customer_id = s.customer_id
)"""


def _aum_change(part: str) -> str:
    expr = "j.d_aum - j.d_mkt" if part == "nnm" else "j.d_mkt"
    return f"""{_AUM_CHANGE}
SELECT {{grp}} AS grp, sum({expr}) AS num, 1 AS den
FROM j LEFT JOIN customers c ON c.customer_id = j.customer_id LEFT JOIN branches br ON br.branch_id = c.branch_id
WHERE {{scope}}
GROUP BY ALL"""


# Corporate client economics. Revenue = fee income of the quarter's sales + (deposits + loans)
# at the last snapshot × the configured annual balance margin × the share of the year elapsed
# in the quarter. Cost to serve = RM visits and calls to the client in the quarter × the
# configured unit costs. Large clients hold deposits + loans ≥ the configured threshold;
# small-business clients hold less (and more than nothing).
_NPL_STATUSES = "('watch', 'substandard', 'doubtful', 'loss')"


def _corp_economics(segment: str, measure: str) -> str:
    cmp = ">=" if segment == "large" else "<"
    num, den = {"revenue": ("sum(k.revenue)", "1"), "cost": ("sum(k.cost)", "1"),
                "cost_income": ("sum(k.cost)", "sum(k.revenue)")}[measure]
    return f"""
WITH bal AS (
  SELECT customer_id, coalesce(deposits, 0) + coalesce(loans, 0) AS bal
  FROM balances WHERE as_of = $end_snap
), fee AS (
  SELECT customer_id, sum(fee_income) AS fee FROM sales
  WHERE sale_date BETWEEN $q_start AND $q_end AND coalesce(status, '') <> 'cancelled'
  GROUP BY 1
), touch AS (
  SELECT customer_id,
    sum(coalesce(quantity, 1)) FILTER (WHERE activity_type = 'visit') AS visits,
    sum(coalesce(quantity, 1)) FILTER (WHERE activity_type = 'call') AS calls
  FROM activities
  WHERE activity_date BETWEEN $q_start AND $q_end AND customer_id IS NOT NULL
  GROUP BY 1
), k AS (
  SELECT b.customer_id,
    coalesce(f.fee, 0) + b.bal * $balance_margin * $year_share AS revenue,
    coalesce(t.visits, 0) * $cost_visit + coalesce(t.calls, 0) * $cost_call AS cost
  FROM bal b LEFT JOIN fee f ON f.customer_id = b.customer_id
  LEFT JOIN touch t ON t.customer_id = b.customer_id
  WHERE b.bal > 0 AND b.bal {cmp} $large_balance
)
SELECT {{grp}} AS grp, {num} AS num, {den} AS den
FROM {CUST} JOIN k ON k.customer_id = c.customer_id
WHERE {{scope}} AND c.customer_type = 'corporate'
GROUP BY ALL"""


_SMALL_BIZ_RISK = f"""
SELECT {{grp}} AS grp,
  CASE WHEN count(b.loan_status) = 0 THEN NULL
       ELSE coalesce(sum(b.loans) FILTER (WHERE b.loan_status IN {_NPL_STATUSES}), 0) END AS num,
  sum(b.loans) AS den
FROM {CUST} JOIN balances b ON b.customer_id = c.customer_id AND b.as_of = $end_snap
WHERE {{scope}} AND c.customer_type = 'corporate' AND b.loans > 0
  AND coalesce(b.deposits, 0) + b.loans < $large_balance
GROUP BY ALL"""


METRICS: tuple[Metric, ...] = (
    Metric("aum", "AUM", "管理资产（AUM）",
           "Assets under management at the quarter's last balance snapshot (loans excluded). Balances whose "
           "customer is not (yet) in the customer list count too, under Unassigned (branch, region, RM and "
           "customer type): in the bank total and the Unassigned filter, not under Retail or Corporate.",
           "季度最后一个余额快照的客户管理资产（不含贷款）。客户尚未在客户清单中的余额也计入，归入“未分配”"
           "（网点、区域、客户经理和客户类型）：计入全行合计和“未分配”筛选，不计入零售或对公。",
           "sum(deposits + wealth + funds + insurance + other_assets) at the last snapshot",
           "cny", True, "stock", "all", _aum_at("end_snap"),
           params=("end_snap",),
           tables=("branches", "customers", "balances"), required=("balances",), additive="sum"),
    Metric("aum_growth", "AUM growth", "AUM 增长率",
           "Change of AUM from the last snapshot before the quarter to the quarter's last snapshot.",
           "季度末 AUM 相对季度初（上季度最后快照）AUM 的变化。",
           "AUM(end) / AUM(start) − 1", "pct", True, "rate", "all",
           f"""
SELECT {{grp}} AS grp,
  coalesce(sum(b.aum) FILTER (WHERE b.as_of = $end_snap), 0)
    - coalesce(sum(b.aum) FILTER (WHERE b.as_of = $start_snap), 0) AS num,
  sum(b.aum) FILTER (WHERE b.as_of = $start_snap) AS den
FROM {BAL_CUST}
WHERE b.as_of IN ($start_snap, $end_snap) AND {{scope}}
GROUP BY ALL""",
           params=("end_snap", "start_snap"),
           tables=("branches", "customers", "balances"), required=("balances",), additive="ratio"),
    Metric("new_customers", "New customers", "新增客户数",
           "Customers whose account was opened in the quarter.",
           "本季度开户的客户数。",
           "count(customers with open_date in the quarter)", "count", True, "flow", "all",
           f"""
SELECT {{grp}} AS grp, count(*) AS num, 1 AS den
FROM {CUST}
WHERE {{scope}} AND c.open_date BETWEEN $q_start AND $q_end
GROUP BY ALL""",
           params=("q_end", "q_start"),
           tables=("branches", "customers"), required=("customers",), additive="sum",
           columns=("customers.open_date",)),
    Metric("acquisition_cost", "Acquisition cost per new customer", "单客获客成本",
           "Average acquisition cost of the customers opened in the quarter.",
           "本季度新开户客户的平均获客成本。",
           "sum(acquisition_cost) / count(new customers with a cost)", "cny", False, "rate", "all",
           f"""
SELECT {{grp}} AS grp, sum(c.acquisition_cost) AS num, count(c.acquisition_cost) AS den
FROM {CUST}
WHERE {{scope}} AND c.open_date BETWEEN $q_start AND $q_end
GROUP BY ALL""",
           params=("q_end", "q_start"),
           tables=("branches", "customers"), required=("customers",), additive="ratio",
           columns=("customers.open_date",)),
    Metric("churn_rate", "Churn rate", "流失率",
           "Share of customers with AUM at the quarter's start who closed in the quarter or whose "
           "AUM fell below the configured share (default 30%) of their start-of-quarter AUM.",
           "季初有资产的客户中，本季度销户或季末 AUM 低于季初 AUM 设定比例（默认 30%）的客户占比。",
           "churned / customers with start AUM > 0", "pct", False, "rate", "all", _churn_sql(False),
           params=("churn_share", "end_snap", "q_end", "q_start", "start_snap"),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="ratio"),
    Metric("retention_rate", "Retention rate", "留存率",
           "1 − churn rate.", "1 − 流失率。", "1 − churn_rate", "pct", True, "rate", "all",
           _churn_sql(True),
           params=("churn_share", "end_snap", "q_end", "q_start", "start_snap"),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="ratio"),
    Metric("products_per_customer", "Products per customer", "户均产品数",
           "Average number of distinct product types held at quarter end per open customer.",
           "季末每位存续客户持有的不同产品类型数的平均值。",
           "sum(distinct product types held) / open customers", "ratio", True, "stock", "all",
           _PRODUCTS_PER_CUSTOMER,
           params=("q_end",),
           tables=("branches", "customers", "products", "sales"),
           required=("customers", "products", "sales"), additive="ratio"),
    Metric("wealth_penetration", "Wealth product penetration", "财富产品渗透率",
           "Share of open customers holding a wealth, fund or insurance product at quarter end.",
           "季末持有理财、基金或保险产品的存续客户占比。",
           "customers holding wealth/fund/insurance / open customers", "pct", True, "stock", "retail",
           _penetration(),
           params=("product_types", "q_end"),
           tables=("branches", "customers", "products", "sales"),
           required=("customers", "products", "sales"), additive="ratio",
           consts=(("product_types", ("wealth", "fund", "insurance")),)),
    Metric("conversion_rate", "Lead conversion rate", "线索转化率",
           "Converted leads / leads contacted in the quarter.",
           "本季度触达线索中成交的比例。",
           "converted leads / contacted leads", "pct", True, "rate", "all", _lead_conversion(False),
           params=("q_end", "q_start", "whole_bank"),
           tables=("branches", "customers", "leads"), required=("leads",), additive="ratio"),
    Metric("card_conversion", "Credit-card conversion rate", "信用卡转化率",
           "Converted / contacted leads for credit-card products in the quarter.",
           "本季度信用卡产品线索的成交比例。",
           "converted credit-card leads / contacted credit-card leads", "pct", True, "rate", "retail",
           _lead_conversion(True),
           params=("product_types", "q_end", "q_start", "whole_bank"),
           tables=("branches", "customers", "products", "leads"), required=("products", "leads"), additive="ratio",
           consts=(("product_types", ("credit_card",)),)),
    Metric("wealth_conversion", "Wealth-product conversion rate", "财富产品转化率",
           "Converted / contacted leads for wealth, fund and insurance products in the quarter.",
           "本季度理财、基金、保险产品线索的成交比例。",
           "converted wealth leads / contacted wealth leads", "pct", True, "rate", "retail",
           _lead_conversion(True),
           params=("product_types", "q_end", "q_start", "whole_bank"),
           tables=("branches", "customers", "products", "leads"), required=("products", "leads"), additive="ratio",
           consts=(("product_types", ("wealth", "fund", "insurance")),)),
    Metric("refusal_rate", "Customer refusal rate", "客户拒签率",
           "Leads contacted in the quarter whose customer refused to sign (stage 'refused' / 拒签, not "
           "converted), as a share of all leads contacted in the quarter. Lower is better; the push phase's "
           "typical problem.",
           "本季度触达线索中客户拒签（阶段为“拒签”且未成交）的比例，越低越好；推进期的典型问题。",
           "refused leads / contacted leads", "pct", False, "rate", "all", _REFUSAL,
           params=("q_end", "q_start", "whole_bank"),
           tables=("branches", "customers", "leads"), required=("leads",), additive="ratio"),
    Metric("fee_income", "Fee income", "中间业务收入",
           "Fee income of sales made in the quarter.",
           "本季度销售产生的中间业务收入。",
           "sum(sales.fee_income) for sale_date in the quarter", "cny", True, "flow", "all",
           f"""
SELECT {{grp}} AS grp, sum(s.fee_income) AS num, 1 AS den
FROM sales s LEFT JOIN {CUST} ON c.customer_id = s.customer_id
WHERE ({{scope}} OR ($whole_bank AND c.customer_id IS NULL))
  AND s.sale_date BETWEEN $q_start AND $q_end AND coalesce(s.status, '') <> 'cancelled'
GROUP BY ALL""",
           params=("q_end", "q_start", "whole_bank"),
           tables=("branches", "customers", "sales"), required=("sales",), additive="sum"),
    Metric("active_share", "Active customers", "活跃客户占比",
           "Share of open customers with a sale or an RM contact in the quarter.",
           "本季度有销售或客户经理联系记录的存续客户占比。",
           "customers with a sale or an activity in the quarter / open customers", "pct", True, "rate", "all",
           f"""
WITH touched AS (
  SELECT customer_id FROM sales WHERE sale_date BETWEEN $q_start AND $q_end
  UNION
  SELECT customer_id FROM activities WHERE activity_date BETWEEN $q_start AND $q_end AND customer_id IS NOT NULL
)
SELECT {{grp}} AS grp, count(t.customer_id) AS num, count(*) AS den
FROM {CUST} LEFT JOIN touched t ON t.customer_id = c.customer_id
WHERE {{scope}} AND c.open_date <= $q_end AND (c.close_date IS NULL OR c.close_date > $q_end)
GROUP BY ALL""",
           params=("q_end", "q_start"),
           tables=("branches", "customers", "sales", "activities"),
           required=("customers", "sales", "activities"), additive="ratio"),
    Metric("corp_deposits", "Corporate deposits", "对公存款",
           "Deposits of corporate clients at the quarter's last snapshot.",
           "季末对公客户存款余额。",
           "sum(deposits) of corporate clients at the last snapshot", "cny", True, "stock", "corporate",
           _sum_part_at_end("deposits"),
           params=("end_snap",),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="sum"),
    Metric("corp_loans", "Corporate loans", "对公贷款",
           "Loans of corporate clients at the quarter's last snapshot.",
           "季末对公客户贷款余额。",
           "sum(loans) of corporate clients at the last snapshot", "cny", True, "stock", "corporate",
           _sum_part_at_end("loans"),
           params=("end_snap",),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="sum"),
    Metric("active_corporate_clients", "Active corporate clients", "有效对公客户数",
           "Corporate clients open at quarter end with a positive deposit or loan balance.",
           "季末存续且存款或贷款余额为正的对公客户数。",
           "count(corporate clients with deposits + loans > 0 at the last snapshot)", "count", True,
           "stock", "corporate",
           f"""
SELECT {{grp}} AS grp, count(*) AS num, 1 AS den
FROM {CUST} JOIN balances b ON b.customer_id = c.customer_id AND b.as_of = $end_snap
WHERE {{scope}} AND c.customer_type = 'corporate' AND coalesce(b.deposits, 0) + coalesce(b.loans, 0) > 0
GROUP BY ALL""",
           params=("end_snap",),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="sum"),
    Metric("new_corporate_clients", "New corporate clients", "新增对公客户数",
           "Corporate clients opened in the quarter.", "本季度新开户的对公客户数。",
           "count(corporate customers with open_date in the quarter)", "count", True, "flow", "corporate",
           f"""
SELECT {{grp}} AS grp, count(*) AS num, 1 AS den
FROM {CUST}
WHERE {{scope}} AND c.customer_type = 'corporate' AND c.open_date BETWEEN $q_start AND $q_end
GROUP BY ALL""",
           params=("q_end", "q_start"),
           tables=("branches", "customers"), required=("customers",), additive="sum",
           columns=("customers.open_date",)),
    Metric("net_new_money", "Net new money", "净新增资金",
           "AUM change not explained by market movement: the change in deposits, insurance and other "
           "assets of continuing customers, plus the AUM of customers who arrived, minus the AUM of "
           "customers who left (read from balance snapshots).",
           "不由市值变动解释的 AUM 变化：存续客户存款、保险及其他资产的变化，加上新进客户的 AUM，减去离开客户的 AUM（由余额快照推算）。",
           "ΔAUM − market movement", "cny", True, "flow", "all", _aum_change("nnm"),
           params=("end_snap", "start_snap"),
           tables=("branches", "customers", "balances"), required=("balances",), additive="sum"),
    Metric("market_movement", "Market / valuation movement", "市值变动",
           "Change in the wealth-product and fund holdings of customers present at both the quarter's "
           "start and its last snapshot (switches from deposits into funds also land here).",
           "季初与季末快照均存续的客户，其理财与基金持仓市值的变化（存款转购基金也计入此项）。",
           "Δ(wealth + funds) of customers at both snapshots", "cny", True, "flow", "all",
           _aum_change("market"),
           params=("end_snap", "start_snap"),
           tables=("branches", "customers", "balances"), required=("balances",), additive="sum"),
    Metric("large_client_revenue", "Large corporate clients: revenue", "大型对公客户收入",
           "Fee income in the quarter plus (deposits + loans) at the last snapshot × the annual balance "
           "margin × the share of the year elapsed, for corporate clients whose deposits + loans reach "
           "the large-client threshold.",
           "存贷款合计达到大客户门槛的对公客户：本季度中间业务收入 + 季末（存款+贷款）× 年化利差 × 已过年度比例。",
           "sum(fee income + balances × margin × days/365) of large clients", "cny", True, "flow", "corporate",
           _corp_economics("large", "revenue"),
           params=("balance_margin", "cost_call", "cost_visit", "end_snap", "large_balance", "q_end", "q_start", "year_share"),
           tables=("branches", "customers", "balances", "sales", "activities"),
           required=("customers", "balances", "sales", "activities"), additive="sum"),
    Metric("large_client_cost_income", "Large corporate clients: cost to serve / revenue",
           "大型对公客户服务成本收入比",
           "Cost to serve (RM visits and calls in the quarter × configured unit costs) divided by revenue, "
           "for large corporate clients.",
           "大型对公客户的服务成本（本季度客户经理拜访与电话次数 × 设定单位成本）除以收入。",
           "sum(visits × cost per visit + calls × cost per call) / revenue", "pct", False, "rate", "corporate",
           _corp_economics("large", "cost_income"),
           params=("balance_margin", "cost_call", "cost_visit", "end_snap", "large_balance", "q_end", "q_start", "year_share"),
           tables=("branches", "customers", "balances", "sales", "activities"),
           required=("customers", "balances", "sales", "activities"), additive="ratio"),
    Metric("small_biz_revenue", "Small-business clients: revenue", "小微对公客户收入",
           "Revenue (fee income + balances × margin, as for large clients) of corporate clients below "
           "the large-client threshold.",
           "存贷款合计低于大客户门槛的对公客户收入（计算方法同大型客户）。",
           "sum(fee income + balances × margin × days/365) of small-business clients", "cny", True, "flow",
           "corporate", _corp_economics("small", "revenue"),
           params=("balance_margin", "cost_call", "cost_visit", "end_snap", "large_balance", "q_end", "q_start", "year_share"),
           tables=("branches", "customers", "balances", "sales", "activities"),
           required=("customers", "balances", "sales", "activities"), additive="sum"),
    Metric("small_biz_risk_share", "Small-business loans at risk", "小微贷款风险占比",
           "Share of small-business clients' loan balance classified watch, substandard, doubtful or loss "
           "at the last snapshot (needs the five-category loan classification in balances).",
           "季末小微对公客户贷款余额中关注、次级、可疑、损失类的占比（需余额数据含五级分类）。",
           "loans in watch/NPL status / all loans of small-business clients", "pct", False, "rate", "corporate",
           _SMALL_BIZ_RISK,
           params=("end_snap", "large_balance"),
           tables=("branches", "customers", "balances"), required=("customers", "balances"), additive="ratio"),
    Metric("supply_chain_usage", "Supply-chain finance usage", "供应链金融使用率",
           "Share of open corporate clients holding a supply-chain product at quarter end.",
           "季末持有供应链金融产品的存续对公客户占比。",
           "corporate clients holding supply_chain / open corporate clients", "pct", True, "stock", "corporate",
           _penetration(True),
           params=("customer_type", "product_types", "q_end"),
           tables=("branches", "customers", "products", "sales"),
           required=("customers", "products", "sales"), additive="ratio",
           consts=(("product_types", ("supply_chain",)), ("customer_type", "corporate"))),
    Metric("fx_usage", "Cross-border (FX settlement) usage", "跨境结算使用率",
           "Share of open corporate clients holding an FX settlement product at quarter end.",
           "季末持有国际结算（外汇）产品的存续对公客户占比。",
           "corporate clients holding fx_settlement / open corporate clients", "pct", True, "stock", "corporate",
           _penetration(True),
           params=("customer_type", "product_types", "q_end"),
           tables=("branches", "customers", "products", "sales"),
           required=("customers", "products", "sales"), additive="ratio",
           consts=(("product_types", ("fx_settlement",)), ("customer_type", "corporate"))),
)

METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def metric(key: str) -> Metric:
    try:
        return METRIC_BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(METRIC_BY_KEY)}") from None


# ---- periods in the data ------------------------------------------------------
def data_as_of(db: Database) -> date | None:
    """The newest balance snapshot: the day the data describes. A database loaded without
    balance snapshots describes the day of its newest dated fact (sale, lead, activity,
    referral; else the newest account opening)."""
    dates = db.snapshot_dates()
    if dates:
        return dates[-1]
    facts = _fact_dates(db)
    return facts[-1] if facts else None


# dated facts that place a database without balance snapshots in time (table, date column)
_FACT_DATES = (("sales", "sale_date"), ("leads", "contact_date"), ("activities", "activity_date"),
               ("referrals", "referral_date"))
_fact_cache: dict[int, tuple] = {}


def _fact_dates(db: Database) -> tuple:
    """The distinct dates of the dated facts (ascending) — or, when there are none, the newest
    account opening alone — kept per data version (read only when balances are missing)."""
    key = db.data_version()
    hit = _fact_cache.get(id(db))
    if hit is not None and hit[0] == key:
        return hit[1]
    union = " UNION ".join(f"SELECT DISTINCT {col} AS d FROM {tbl} WHERE {col} IS NOT NULL"
                           for tbl, col in _FACT_DATES)
    dates = tuple(r[0] for r in db.rows(f"SELECT d FROM ({union}) ORDER BY 1"))
    if not dates:
        newest = db.scalar("SELECT max(open_date) FROM customers")
        dates = () if newest is None else (newest,)
    _fact_cache[id(db)] = (key, dates)
    return dates


def quarters_in_data(db: Database) -> list[Quarter]:
    """Quarters that have a balance snapshot and a snapshot before them (newest first). Without
    any balance snapshot: the quarters of the dated facts, so the metrics that need no balances
    (flows, conversion, penetration) are still shown and the others say what is missing."""
    dates = list(db.snapshot_dates())
    if not dates:
        return sorted({Quarter.of(d) for d in _fact_dates(db)}, reverse=True)
    qs = sorted({Quarter.of(d) for d in dates if d > dates[0]} | {Quarter.of(dates[-1])}, reverse=True)
    return qs


@dataclass(frozen=True)
class Period:
    quarter: Quarter
    start_snap: date | None
    end_snap: date | None
    period_end: date  # quarter end, or the data's as-of date inside a running quarter


def period(db: Database, quarter: Quarter, as_of: date | None = None) -> Period:
    """The dates a quarter's metrics read; `as_of` cuts a quarter short (a trend's point in time)."""
    data_end = data_as_of(db)
    end = quarter.end
    for limit in (data_end, as_of):
        if limit is not None:
            end = min(end, limit)
    dates = db.snapshot_dates()  # cached per data version: no scan of balances per metric
    end_snap = max((d for d in dates if quarter.start <= d <= end), default=None)
    start_snap = max((d for d in dates if d < quarter.start), default=None)
    return Period(quarter, start_snap, end_snap, end)


# parameters bound from the settings (lib.core.settings keys)
_SETTING_PARAMS = {"churn_share": "churn_aum_share", "large_balance": "large_client_balance",
                   "balance_margin": "balance_margin", "cost_visit": "cost_per_visit", "cost_call": "cost_per_call"}
NO_SNAP = date(1900, 1, 1)  # bound for a snapshot the period lacks (the metric is then not answerable)
PERIOD_PARAMS = ("q_start", "q_end", "start_snap", "end_snap", "year_share")
SCOPE_PARAMS = ("whole_bank",)


def render(m: Metric, grp: str, scope_sql: str) -> str:
    """The metric's SQL with its grouping expression and scope filter (both SQL text from this
    module and ``lib.core.db.Scope``, never values; values are bound as $named parameters)."""
    return m.sql.format(grp=grp, scope=scope_sql)


def _params(db: Database, m: Metric, p: Period, scope: Scope, scope_params: dict) -> dict:
    """The metric's declared $named parameters (and the scope filter's), and nothing else."""
    values = {"q_start": p.quarter.start, "q_end": p.period_end,
              "start_snap": p.start_snap or NO_SNAP, "end_snap": p.end_snap or NO_SNAP,
              "year_share": max((p.period_end - p.quarter.start).days + 1, 0) / 365.0,
              "whole_bank": scope.takes_unknown_customers}
    consts = {k: list(v) if isinstance(v, tuple) else v for k, v in m.consts}
    out = {}
    for name in m.params:
        if name in consts:
            out[name] = consts[name]
        elif name in _SETTING_PARAMS:
            out[name] = float(settings.get(db, _SETTING_PARAMS[name]))
        else:
            out[name] = values[name]
    return {**out, **scope_params}


def compute_grouped(db: Database, key: str, quarter: Quarter, scope: Scope,
                    group: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """A metric per group (region / branch_id / rm_id) as columns grp, num, den, value.
    `as_of` computes the quarter as it stood on that day (flows to date, stocks at the
    last snapshot on or before it)."""
    return _compute_grouped(db, metric(key), period(db, quarter, as_of), scope, group)


def _compute_grouped(db: Database, m: Metric, p: Period, scope: Scope, group: str | None) -> pd.DataFrame:
    if group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}")
    df = cube_lookup(db, m, p, scope, group)
    if df is None:
        scope_sql, scope_params = scope.customer_filter("c")
        df = db.query(render(m, GROUPS[group], scope_sql), _params(db, m, p, scope, scope_params))
    return _with_value(df)


def _with_value(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame({"grp": pd.Series(dtype=str), "num": [], "den": [], "value": []})
    df["num"] = df["num"].astype(float)
    df["den"] = df["den"].astype(float)
    df["value"] = df["num"] / df["den"].where(df["den"] != 0)
    return df.sort_values("grp", na_position="last").reset_index(drop=True)


def compute(db: Database, key: str, quarter: Quarter, scope: Scope,
            as_of: date | None = None) -> float | None:
    """A metric's value for a quarter and scope; None when the data cannot give it."""
    return compute_in(db, key, period(db, quarter, as_of), scope)


def compute_in(db: Database, key: str, p: Period, scope: Scope) -> float | None:
    """`compute` for an already resolved Period (saves its look-ups when many metrics share it)."""
    m = metric(key)
    if not answerable(m, p) or lacks_data(db, m):
        return None
    return _scalar(m, _compute_grouped(db, m, p, scope, None))


def _scalar(m: Metric, df: pd.DataFrame) -> float | None:
    additive = m.additive == "sum"
    # a scope without rows: sums and counts are 0 (an ungrouped aggregate may give one NULL row)
    if df.empty or (additive and df["num"].isna().all()):
        return 0.0 if additive else None
    v = df["value"].iloc[0]
    return None if pd.isna(v) else float(v)


def _scalar_of(m: Metric, num, den) -> float | None:
    """``_scalar`` of one ungrouped (num, den) row, without a frame (the cube answers hundreds)."""
    def blank(v) -> bool:
        return v is None or (isinstance(v, float) and math.isnan(v))
    if blank(num):
        return 0.0 if m.additive == "sum" else None
    if blank(den) or float(den) == 0:
        return None
    v = float(num) / float(den)
    return None if math.isnan(v) else v


def compute_many(db: Database, jobs: dict, scope: Scope, threads: int = 3) -> dict:
    """``compute_in`` for many ``{name: (metric key, Period)}`` at once: what the metric cube
    holds in one query, the rest on a few threads (each query on its own cursor; DuckDB
    releases the GIL while it works). Returns ``{name: value}``."""
    todo = {k: (metric(key), p) for k, (key, p) in jobs.items()
            if answerable(metric(key), p) and not lacks_data(db, metric(key))}
    out = {k: None for k in jobs}
    got = cube.lookup_many(db, CUBE, {k: (m.key, period_key(p)) for k, (m, p) in todo.items()}, DEN_ONE, scope)
    for k, row in got.items():
        m, p = todo[k]
        out[k] = _scalar(m, _with_value(_empty_scope(db, m, p))) if row is None else _scalar_of(m, row[0], row[1])
    rest = [k for k in todo if k not in got]
    if rest:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = {k: pool.submit(compute_in, db, todo[k][0].key, todo[k][1], scope) for k in rest}
            out.update({k: f.result() for k, f in futures.items()})
    return out


def answerable(m: Metric, p: Period) -> bool:
    """False when the period cannot give the metric: it ends before it starts, or lacks a
    balance snapshot the metric reads."""
    if p.period_end < p.quarter.start:
        return False
    return not (("end_snap" in m.params and p.end_snap is None)
                or ("start_snap" in m.params and p.start_snap is None))


# tables a metric may lack and still be computed: rows without a branch count as unassigned
OPTIONAL_TABLES = ("branches", "staff", "campaigns")
_empty_cache: dict[int, tuple] = {}
_blank_cache: dict[int, tuple] = {}


def empty_tables(db: Database) -> frozenset:
    """The canonical tables without rows, kept per data version."""
    key = db.data_version()
    hit = _empty_cache.get(id(db))
    if hit is None or hit[0] != key:
        hit = (key, frozenset(t.name for t in schema.TABLES if not db.has_rows(t.name)))
        _empty_cache[id(db)] = hit
    return hit[1]


def required_tables(key: str) -> tuple[str, ...]:
    """The tables a metric cannot be computed without (declared in the registry: those its SQL
    reads other than by a LEFT JOIN, the optional dimensions excluded)."""
    return tuple(t for t in metric(key).required if t not in OPTIONAL_TABLES)


def blank_columns(db: Database) -> frozenset:
    """The ``Metric.columns`` (as "table.column") without a value in any row of their table while
    the table has rows, kept per data version."""
    key = db.data_version()
    hit = _blank_cache.get(id(db))
    if hit is None or hit[0] != key:
        blank = set()
        for tc in sorted({c for m in METRICS for c in m.columns}):
            name, col = tc.split(".")
            schema.table(name).column(col)  # only canonical names reach the SQL text
            if db.has_rows(name) and not db.scalar(
                    f'SELECT count(*) FROM (SELECT 1 FROM "{name}" WHERE "{col}" IS NOT NULL LIMIT 1)'):
                blank.add(tc)
        hit = (key, frozenset(blank))
        _blank_cache[id(db)] = hit
    return hit[1]


def missing_columns(db: Database, key: str) -> tuple[str, ...]:
    """The "table.column"s a metric counts by that hold no value at all in the loaded data."""
    blank = blank_columns(db)
    return tuple(c for c in metric(key).columns if c in blank)


def lacks_data(db: Database, m: Metric) -> bool:
    """True when a table the metric needs has no rows, or a column it counts by has no value in
    any row: its figure is unknown ("—"), not 0."""
    empty = empty_tables(db)
    if empty and any(t in empty for t in required_tables(m.key)):
        return True
    return bool(m.columns) and bool(missing_columns(db, m.key))


def missing_inputs(db: Database, key: str, quarter: Quarter) -> tuple[str, ...]:
    """The canonical tables a metric needs but cannot read for `quarter`: empty tables it reads
    (customers included; branches, staff and campaigns are optional) and ``balances`` when the
    quarter lacks a snapshot the metric reads. Empty when the metric can be computed."""
    empty = empty_tables(db)
    out = [t for t in required_tables(key) if t in empty]
    if "balances" not in out and not answerable(metric(key), period(db, quarter)):
        if {"end_snap", "start_snap"} & set(metric(key).params):
            out.append("balances")
    return tuple(out)


def tables_used(key: str) -> tuple[str, ...]:
    """The canonical tables a metric's SQL reads (declared in the registry; v_balances counts
    as balances)."""
    return metric(key).tables


def target(db: Database, key: str, quarter: Quarter, scope_level: str = "bank",
           scope_id: str = "ALL") -> float | None:
    """The quarter's target of a metric for a scope (the whole quarter's plan, not a week's)."""
    args = (str(quarter), scope_level, scope_id)
    plans = db.memo(("targets", args), lambda: dict(db.rows(  # one read per scope until the next write
        "SELECT metric, any_value(target_value) FROM targets WHERE quarter = ? AND scope = ? AND scope_id = ? "
        "AND coalesce(week, 0) = 0 GROUP BY metric", list(args))))
    return plans.get(key)


def peer(db: Database, key: str, quarter: Quarter) -> float | None:
    peers = db.memo(("peers", str(quarter)), lambda: dict(db.rows(
        "SELECT metric, any_value(peer_value) FROM peer_benchmarks WHERE quarter = ? GROUP BY metric",
        [str(quarter)])))
    return peers.get(key)


# ---- series for charts ----------------------------------------------------------
def aum_trend(db: Database, scope: Scope) -> pd.DataFrame:
    sc, params = scope.customer_filter("c")
    return db.query(f"""
        SELECT c.as_of, c.customer_type, sum(c.aum) AS aum
        FROM {aum_snapshots(db)} c
        WHERE {sc}
        GROUP BY ALL ORDER BY 1, 2""", params)


def aum_by_region(db: Database, scope: Scope, as_of: date) -> pd.DataFrame:
    sc, params = scope.customer_filter("c")
    return db.query(f"""
        SELECT br.region, c.customer_type, sum(c.aum) AS aum
        FROM {aum_snapshots(db)} c LEFT JOIN branches br ON br.branch_id = c.branch_id
        WHERE c.as_of = $as_of AND {sc}
        GROUP BY ALL ORDER BY 3 DESC""", {**params, "as_of": as_of})


# ---- the metric cube (lib/metrics/cube.py stores it; lib/warmup.py decides what it holds) -----------
# bump when the cube's tables or what fills them change: a cube built by other code is then stale
CUBE_VERSION = 3
# the cube's grain: every metric's SQL grouped by (branch, RM, customer type)
CUBE_GRAIN = "struct_pack(b := c.branch_id, r := coalesce(c.rm_id, ''), t := c.customer_type)"
# settings the cube's figures depend on: the metrics' parameters and the tier rules it keeps tiers by
CUBE_SETTINGS = tuple(sorted({*_SETTING_PARAMS.values(), "tier_thresholds", "tier_rules"}))
CUBE = cube.Signature(
    code=hashlib.sha1((f"cube {CUBE_VERSION}\n" + "\n".join(m.key + m.sql + repr(m.consts) for m in METRICS)
                       + repr([(k, settings.DEFAULTS[k]) for k in CUBE_SETTINGS])).encode()).hexdigest()[:12],
    setting_keys=CUBE_SETTINGS)
DEN_ONE = frozenset(m.key for m in METRICS if m.additive == "sum")

# AUM of every balance snapshot per branch and customer type (the Overview's trend and regions)
AUM_BY_SNAPSHOT = """
SELECT b.as_of, c.branch_id, c.customer_type, sum(b.aum) AS aum
FROM v_balances b LEFT JOIN customers c ON c.customer_id = b.customer_id
GROUP BY ALL"""


def period_key(p: Period) -> tuple:
    """The key a (metric, period) is stored under in the cube."""
    return (str(p.quarter), p.start_snap or NO_SNAP, p.end_snap or NO_SNAP, p.period_end)


def cube_current(db: Database) -> bool:
    """True when the cube holds figures of the current facts, settings and code."""
    return cube.is_current(db, CUBE)


def cube_lookup(db: Database, m: Metric, p: Period, scope: Scope, group: str | None) -> pd.DataFrame | None:
    """``(grp, num, den)`` from the cube, or None when it does not hold (m, p) for the current
    facts; a scope without rows gives what the metric's own query gives for no rows."""
    df = cube.lookup(db, CUBE, m.key, period_key(p), m.additive == "sum", scope, group)
    if df is None:
        return None
    if group is None and (df.empty or df["n"].iloc[0] == 0):
        return _empty_scope(db, m, p)
    return df.drop(columns="n")


def _empty_scope(db: Database, m: Metric, p: Period) -> pd.DataFrame:
    """The metric's own query over no customers: a count gives 0, a sum NULL (cheap: the
    filter is the constant FALSE)."""
    return db.query(render(m, GROUPS[None], "FALSE"), _params(db, m, p, Scope(branch_ids=()), {}))


def cube_job(db: Database, key: str, p: Period) -> cube.MetricJob:
    """The cube's job for (metric, period): its SQL at the cube's grain over the whole bank."""
    m = metric(key)
    return cube.MetricJob(key, period_key(p), render(m, CUBE_GRAIN, "TRUE"), _params(db, m, p, WHOLE_BANK, {}))


def cube_jobs(db: Database) -> cube.Jobs:
    """What this module asks the cube to hold besides metric pairs: snapshot AUM per branch."""
    return cube.Jobs(fills=[("qd_cube_aum", AUM_BY_SNAPSHOT, {})])


def aum_snapshots(db: Database) -> str:
    """The relation to read snapshot AUM from: the cube's table while it is current, else the
    query that fills it (columns as_of, branch_id, customer_type, aum)."""
    return "qd_cube_aum" if cube_current(db) else f"({AUM_BY_SNAPSHOT})"


def regions_and_branches(db: Database) -> pd.DataFrame:
    return db.query("SELECT region, branch_id, branch_name FROM branches ORDER BY region, branch_id")


def has_unassigned(db: Database) -> bool:
    """True when some customer's branch is not a known branch, or a balance, sale or lead has no
    known customer: the rows the "Unassigned" member of the region and branch filters shows."""
    checks = (  # smallest tables first; the first that finds a row answers
        "SELECT EXISTS (SELECT 1 FROM customers WHERE branch_id IS NULL "
        "OR branch_id NOT IN (SELECT branch_id FROM branches))",
        "SELECT EXISTS (SELECT 1 FROM leads x WHERE x.customer_id IS NULL "
        "OR x.customer_id NOT IN (SELECT customer_id FROM customers))",
        "SELECT EXISTS (SELECT 1 FROM sales x WHERE x.customer_id IS NULL "
        "OR x.customer_id NOT IN (SELECT customer_id FROM customers))",
        "SELECT EXISTS (SELECT 1 FROM balances x ANTI JOIN customers c USING (customer_id))",
    )
    return any(bool(db.scalar(sql)) for sql in checks)


def scope_level(scope: Scope) -> tuple[str, str]:
    """The targets table's (scope, scope_id) for a viewer scope ("unassigned" for the rows of no
    known branch: no plan is set for them, and the bank's plan is not theirs)."""
    if scope.unassigned:
        return "unassigned", ""
    if scope.branch_ids is not None and len(scope.branch_ids) == 1:
        return "branch", scope.branch_ids[0]
    if scope.region is not None and scope.branch_ids is None:
        return "region", scope.region
    return "bank", "ALL"


def quarter_progress(db: Database, quarter: str) -> dict:
    """Where the data stands inside a quarter: as-of date, week n of N, elapsed share, and
    the snapshot dates used for stocks."""
    q = Quarter.parse(quarter)
    p = period(db, q)
    return {"as_of": p.period_end, "week": q.week_of(p.period_end) if q.contains(p.period_end) else q.weeks,
            "weeks": q.weeks, "share": q.elapsed_share(p.period_end), "end_snap": p.end_snap,
            "start_snap": p.start_snap}


def registry_rows(lang: str) -> list[dict]:
    """The metric registry as rows for the definitions table and docs/METRICS.md."""
    return [{"key": m.key, "label": m.label(lang), "definition": m.definition(lang), "formula": m.formula,
             "unit": m.unit, "higher_is_better": m.higher_is_better} for m in METRICS]
