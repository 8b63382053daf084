"""Channels and campaigns: channel mix by week, lead funnels, the campaign ROI board and the
corporate <-> retail cross-referral ledger with referral rewards.

No Streamlit here. Every query is parameterised with named parameters; the only text spliced
into SQL comes from this module and ``lib.core.db.Scope``.

Definitions (also shown on the Channels page, strings ``channels.def.*``):

- **Lead in scope**: a lead whose customer is inside the viewer's scope. Leads (and sales)
  without a known customer (unconverted prospects, customers not yet loaded) belong to no
  branch and no customer type, so they count only in the whole-bank view without a
  customer-type filter and under "Unassigned".
- **Converted**: ``converted`` is true, or ``stage`` is ``converted``.
- **Funnel** (contacted -> interested -> applied -> converted): each lead counts at the furthest
  stage it reached and at every stage before it. ``lost`` and an empty stage count as
  contacted only (we do not know how far a lost lead got); a converted lead reached every stage.
- **Conversion rate** = converted leads / contacted leads (the registry's ``conversion_rate``).
- **Acquisition cost per new customer** (campaign level) = campaign cost / converted leads marked
  ``is_new_customer``. The registry's ``acquisition_cost`` is the same idea per customer.
- **AUM contribution** = sum of ``aum_inflow`` of the campaign's converted leads.
- **Attributable revenue** = fee income of the sale that closed each converted lead (same customer
  and product, sold between contact and 30 days after conversion, nearest to the conversion date)
  + AUM inflow x annual margin x share of the year left after the conversion date
  (days from conversion to 31 December, inclusive, / days in that year).
- **ROI** = attributable revenue / cost (revenue per 1 yuan spent). The playbook's "1:2" means
  1 yuan spent for 2 earned, i.e. ROI 2.0; campaigns below the configured threshold are flagged
  "stop or fix".
- **Sprint offers** (``campaigns.sprint_offer``, e.g. points for deposits reaching a target, waived
  account-opening fees) are campaigns of the sprint weeks: on the board with the same ROI, marked.
  A campaign that starts after the data's last lead contact has no ROI yet and is not flagged.
- Under a region / branch / customer-type filter, a campaign's cost is allocated to the scope in
  proportion to its leads in the scope.
- **Referral reward** = flat amount per converted referral + share x first-year revenue, where
  first-year revenue = referred amount x the margin of the referral's direction. It is earned by
  the referring RM (``from_rm_id``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core import settings
from lib.core.db import Database, Scope
from lib.core.periods import Quarter

STAGES = ("contacted", "interested", "applied", "converted")
STAGE_LEVEL = {"contacted": 1, "lost": 1, "refused": 1, "reserved": 1, "interested": 2, "applied": 3, "converted": 4}
UNKNOWN = "unknown"

# Flag reasons are judged against the median campaign on the board.
LOW_CONVERSION_FACTOR = 0.5    # conversion rate below half the median
HIGH_CPL_FACTOR = 1.5          # cost per lead above 1.5x the median
LOW_TICKET_FACTOR = 0.5        # revenue per conversion below half the median
FEE_MATCH_DAYS = 30

_CONVERTED = "(coalesce(l.converted, false) OR coalesce(l.stage, '') = 'converted')"
_LEVEL = f"""CASE WHEN {_CONVERTED} THEN 4
             WHEN l.stage = 'applied' THEN 3
             WHEN l.stage = 'interested' THEN 2 ELSE 1 END"""


# ---------------------------------------------------------------- scope and periods
def lead_scope(scope: Scope, alias: str = "c") -> tuple[str, dict]:
    """Predicate over a LEFT JOINed customers alias for leads (and sales): the customer's scope;
    rows without a known customer (no branch, no customer type) in the whole bank without a
    customer-type filter and under "Unassigned" only (``Scope.customer_filter`` gives exactly that)."""
    return scope.customer_filter(alias, "sc")


def has_rows(db: Database, *tables: str) -> dict[str, bool]:
    return {t: db.has_rows(t) for t in tables}


def missing_tables(db: Database, *tables: str) -> list[str]:
    """The canonical tables among `tables` that hold no rows."""
    return [t for t in tables if not db.has_rows(t)]


def activity_quarters(db: Database) -> list[str]:
    """Quarters with leads, campaigns or referrals (else sales), newest first, for databases
    loaded without balance snapshots."""
    rows = db.rows("""
        SELECT DISTINCT d FROM (
          SELECT contact_date AS d FROM leads UNION ALL SELECT start_date FROM campaigns
          UNION ALL SELECT referral_date FROM referrals)
        WHERE d IS NOT NULL""")
    if not rows:
        rows = db.rows("SELECT DISTINCT sale_date FROM sales WHERE sale_date IS NOT NULL")
    return [str(q) for q in sorted({Quarter.of(r[0]) for r in rows}, reverse=True)]


def _q(quarter: str) -> Quarter:
    return Quarter.parse(quarter)


# ---------------------------------------------------------------- channel mix
def channel_weekly(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Per channel and week of the quarter: leads (by contact date), conversions, new customers
    and AUM inflow (by conversion date), and sales amount (sales table, by sale date).
    Columns: channel, week, leads, conversions, new_customers, aum_inflow, sales_amount."""
    q = _q(quarter)
    ls, lp = lead_scope(scope)
    cs, cp = scope.customer_filter("c", "sc")
    params = {**lp, **cp, "q_start": q.start, "q_end": q.end}
    df = db.query(f"""
        WITH l AS (
          SELECT coalesce(l.channel, cp.channel, '{UNKNOWN}') AS channel, l.contact_date,
                 coalesce(l.converted_date, l.contact_date) AS conv_date, {_CONVERTED} AS conv,
                 coalesce(l.is_new_customer, false) AS is_new, coalesce(l.aum_inflow, 0) AS inflow
          FROM leads l LEFT JOIN campaigns cp ON cp.campaign_id = l.campaign_id
          LEFT JOIN customers c ON c.customer_id = l.customer_id
          WHERE {ls}
        ),
        ev AS (
          SELECT channel, contact_date AS d, 1 AS leads, 0 AS conversions, 0 AS new_customers,
                 0.0 AS aum_inflow, 0.0 AS sales_amount
          FROM l WHERE contact_date BETWEEN $q_start AND $q_end
          UNION ALL
          SELECT channel, conv_date, 0, 1, CASE WHEN is_new THEN 1 ELSE 0 END, inflow, 0.0
          FROM l WHERE conv AND conv_date BETWEEN $q_start AND $q_end
          UNION ALL
          SELECT coalesce(s.channel, '{UNKNOWN}'), s.sale_date, 0, 0, 0, 0.0, coalesce(s.amount, 0)
          FROM sales s LEFT JOIN customers c ON c.customer_id = s.customer_id
          WHERE s.sale_date BETWEEN $q_start AND $q_end AND coalesce(s.status, '') <> 'cancelled' AND {cs}
        )
        SELECT channel, CAST(floor(datediff('day', $q_start, d) / 7) AS INTEGER) + 1 AS week,
               sum(leads) AS leads, sum(conversions) AS conversions, sum(new_customers) AS new_customers,
               sum(aum_inflow) AS aum_inflow, sum(sales_amount) AS sales_amount
        FROM ev GROUP BY ALL ORDER BY channel, week""", params)
    for c in ("leads", "conversions", "new_customers"):
        df[c] = df[c].astype("int64")
    for c in ("aum_inflow", "sales_amount"):
        df[c] = df[c].astype(float)
    return df


def lead_totals(db: Database, scope: Scope) -> dict:
    """Every lead loaded in scope, dated or not: leads, undated (no contact date: in no quarter
    and no week, counted in this "undated" bucket), converted, and the overall conversion rate
    (converted / leads; None without leads)."""
    ls, lp = lead_scope(scope)
    n, undated, conv = db.rows(f"""
        SELECT count(*), count(*) FILTER (WHERE l.contact_date IS NULL), count(*) FILTER (WHERE {_CONVERTED})
        FROM leads l LEFT JOIN customers c ON c.customer_id = l.customer_id
        WHERE {ls}""", lp)[0]
    return {"leads": int(n), "undated": int(undated), "converted": int(conv),
            "conversion_rate": conv / n if n else None}


def channel_summary(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Quarter totals per channel: the leads contacted in the quarter and what became of them
    (conversions, new customers and AUM inflow of those leads, whenever they converted) -- the
    same lead cohort and the same query as the channel funnel, so the table's conversions are the
    funnel's "converted" step -- and the sales amount of the quarter (sales table, by sale date).
    Conversion rate = conversions / leads (the registry's ``conversion_rate``); sorted by leads."""
    cols = ["leads", "conversions", "new_customers", "aum_inflow", "sales_amount"]
    lv = _cohort_levels(db, quarter, scope, "channel")
    w = channel_weekly(db, quarter, scope)
    if lv.empty and w.empty:
        return pd.DataFrame(columns=["channel", *cols, "conversion_rate"])
    conv = lv[lv["level"] == len(STAGES)]
    s = pd.DataFrame({
        "leads": lv.groupby("grp")["n"].sum(),
        "conversions": conv.groupby("grp")["n"].sum(),
        "new_customers": conv.groupby("grp")["new_customers"].sum(),
        "aum_inflow": conv.groupby("grp")["aum_inflow"].sum(),
    })
    sales = w.groupby("channel")["sales_amount"].sum()
    s = s.join(sales, how="outer").fillna(0)
    s.index.name = "channel"
    s = s.reset_index()
    for c in ("leads", "conversions", "new_customers"):
        s[c] = s[c].astype("int64")
    for c in ("aum_inflow", "sales_amount"):
        s[c] = s[c].astype(float)
    s["conversion_rate"] = s["conversions"] / s["leads"].where(s["leads"] > 0)
    return s.sort_values(["leads", "sales_amount"], ascending=False).reset_index(drop=True)[
        ["channel", *cols, "conversion_rate"]]


# ---------------------------------------------------------------- funnel
def funnel(db: Database, quarter: str, scope: Scope, by: str = "channel",
           campaign_id: str | None = None) -> pd.DataFrame:
    """Funnel contacted -> interested -> applied -> converted for leads contacted in the quarter,
    per channel (``by="channel"``) or per campaign (``by="campaign"``); ``campaign_id`` limits it
    to one campaign (all its leads, whatever the quarter).
    Columns: grp, step, step_no, leads, share_of_contacted, drop_from_previous."""
    return funnel_from_levels(_cohort_levels(db, quarter, scope, by, campaign_id))


def _cohort_levels(db: Database, quarter: str, scope: Scope, by: str = "channel",
                   campaign_id: str | None = None) -> pd.DataFrame:
    """The one lead-cohort query behind the funnel and the channel totals: leads contacted in the
    quarter (or every lead of `campaign_id`) per group and furthest stage reached (level 1..4),
    with the new customers and AUM inflow among them. Columns: grp, level, n, new_customers, aum_inflow."""
    if by not in ("channel", "campaign"):
        raise ValueError(f"unknown funnel grouping {by!r}")
    q = _q(quarter)
    ls, lp = lead_scope(scope)
    grp = f"coalesce(l.channel, cp.channel, '{UNKNOWN}')" if by == "channel" else "l.campaign_id"
    where = [ls]
    params = dict(lp)
    if campaign_id is not None:
        where.append("l.campaign_id = $campaign_id")
        params["campaign_id"] = campaign_id
    else:
        where.append("l.contact_date BETWEEN $q_start AND $q_end")
        params.update(q_start=q.start, q_end=q.end)
    if by == "campaign":
        where.append("l.campaign_id IS NOT NULL")
    df = db.query(f"""
        SELECT {grp} AS grp, {_LEVEL} AS level, count(*) AS n,
               count(*) FILTER (WHERE coalesce(l.is_new_customer, false)) AS new_customers,
               coalesce(sum(coalesce(l.aum_inflow, 0)), 0) AS aum_inflow
        FROM leads l LEFT JOIN campaigns cp ON cp.campaign_id = l.campaign_id
        LEFT JOIN customers c ON c.customer_id = l.customer_id
        WHERE {' AND '.join(where)}
        GROUP BY ALL""", params)
    df["aum_inflow"] = df["aum_inflow"].astype(float)
    return df


def funnel_from_levels(df: pd.DataFrame) -> pd.DataFrame:
    """Cumulative funnel from (grp, level, n) rows: a lead at level k counts at steps 1..k."""
    rows = []
    for g, part in df.groupby("grp", sort=True):
        by_level = part.groupby("level")["n"].sum()
        prev = None
        first = None
        for i, step in enumerate(STAGES, start=1):
            n = int(by_level[by_level.index >= i].sum())
            first = n if i == 1 else first
            rows.append({"grp": g, "step": step, "step_no": i, "leads": n,
                         "share_of_contacted": n / first if first else np.nan,
                         "drop_from_previous": (1 - n / prev) if prev else np.nan})
            prev = n
    return pd.DataFrame(rows, columns=["grp", "step", "step_no", "leads", "share_of_contacted",
                                       "drop_from_previous"])


# ---------------------------------------------------------------- campaign board
def campaigns_in_quarter(db: Database, quarter: str) -> list[str]:
    """Campaigns running in the quarter: their dates (or, when missing, their leads' dates)
    overlap it."""
    q = _q(quarter)
    return [r[0] for r in db.rows(f"""
        WITH ld AS (SELECT campaign_id, min(contact_date) AS lo,
                           max(coalesce(converted_date, contact_date)) AS hi FROM leads GROUP BY 1)
        SELECT cp.campaign_id FROM campaigns cp LEFT JOIN ld USING (campaign_id)
        WHERE coalesce(cp.start_date, ld.lo, cp.end_date) <= $q_end
          AND coalesce(cp.end_date, ld.hi, cp.start_date) >= $q_start
        ORDER BY 1""", {"q_start": q.start, "q_end": q.end})]


def campaign_board(db: Database, quarter: str, scope: Scope, annual_margin: float | None = None,
                   roi_threshold: float | None = None) -> pd.DataFrame:
    """One row per campaign running in the quarter with cost, leads, conversions, conversion
    rate, new customers, acquisition cost per new customer, AUM contribution, fee income,
    attributable revenue, ROI, and the stop-or-fix flag with its reasons.

    Columns: campaign_id, campaign_name, channel, start_date, end_date, cost, leads,
    conversions, conversion_rate, new_customers, acquisition_cost, aum_inflow, fee_income,
    aum_revenue, revenue, roi, cost_per_lead, revenue_per_conversion, flagged, reasons (list of
    reason codes: no_leads, no_conversions, low_conversion, high_cost_per_lead, low_ticket,
    low_revenue)."""
    if annual_margin is None:
        annual_margin = float(settings.get(db, "annual_margin"))
    if roi_threshold is None:
        roi_threshold = float(settings.get(db, "roi_threshold"))
    q = _q(quarter)
    ls, lp = lead_scope(scope)
    whole = scope == Scope()
    df = db.query(f"""
        WITH ld AS (
          SELECT campaign_id, min(contact_date) AS lo, max(coalesce(converted_date, contact_date)) AS hi,
                 count(*) AS all_leads
          FROM leads GROUP BY 1
        ),
        camp AS (
          SELECT cp.campaign_id, cp.campaign_name, cp.channel,
                 coalesce(cp.start_date, ld.lo, cp.end_date) AS start_date,
                 coalesce(cp.end_date, ld.hi, cp.start_date) AS end_date,
                 coalesce(cp.cost, 0) AS full_cost, coalesce(ld.all_leads, 0) AS all_leads,
                 coalesce(cp.sprint_offer, false) AS sprint_offer,
                 coalesce(coalesce(cp.start_date, ld.lo, cp.end_date)
                          <= (SELECT max(contact_date) FROM leads), true) AS started
          FROM campaigns cp LEFT JOIN ld USING (campaign_id)
          WHERE coalesce(cp.start_date, ld.lo, cp.end_date) <= $q_end
            AND coalesce(cp.end_date, ld.hi, cp.start_date) >= $q_start
        ),
        sl AS (
          SELECT l.lead_id, l.campaign_id, l.customer_id, l.product_id, l.contact_date,
                 {_CONVERTED} AS conv, coalesce(l.is_new_customer, false) AS is_new,
                 coalesce(l.aum_inflow, 0) AS inflow,
                 coalesce(l.converted_date, l.contact_date, camp.end_date) AS conv_date
          FROM leads l JOIN camp ON camp.campaign_id = l.campaign_id
          LEFT JOIN customers c ON c.customer_id = l.customer_id
          WHERE {ls}
        ),
        fee AS (
          SELECT sl.lead_id, coalesce(s.fee_income, 0) AS fee
          FROM sl JOIN sales s ON s.customer_id = sl.customer_id
           AND (sl.product_id IS NULL OR s.product_id = sl.product_id)
           AND s.sale_date BETWEEN coalesce(sl.contact_date, sl.conv_date) AND sl.conv_date + {FEE_MATCH_DAYS}
          WHERE sl.conv AND coalesce(s.status, '') <> 'cancelled'
          QUALIFY row_number() OVER (PARTITION BY sl.lead_id
                                     ORDER BY abs(datediff('day', s.sale_date, sl.conv_date)), s.sale_id) = 1
        ),
        per_lead AS (
          SELECT sl.*, coalesce(fee.fee, 0) AS fee,
                 CASE WHEN sl.conv_date IS NULL THEN 0.5 ELSE
                   (datediff('day', sl.conv_date, make_date(year(sl.conv_date), 12, 31)) + 1)
                   / dayofyear(make_date(year(sl.conv_date), 12, 31)) END AS year_left
          FROM sl LEFT JOIN fee USING (lead_id)
        ),
        agg AS (
          SELECT campaign_id, count(*) AS leads,
                 count(*) FILTER (WHERE conv) AS conversions,
                 count(*) FILTER (WHERE conv AND is_new) AS new_customers,
                 coalesce(sum(inflow) FILTER (WHERE conv), 0) AS aum_inflow,
                 coalesce(sum(fee) FILTER (WHERE conv), 0) AS fee_income,
                 coalesce(sum(inflow * year_left) FILTER (WHERE conv), 0) * $margin AS aum_revenue
          FROM per_lead GROUP BY 1
        )
        SELECT camp.campaign_id, camp.campaign_name, coalesce(camp.channel, '{UNKNOWN}') AS channel,
               camp.start_date, camp.end_date,
               camp.full_cost * CASE WHEN camp.all_leads = 0 THEN (CASE WHEN $whole THEN 1 ELSE 0 END)
                                     ELSE coalesce(agg.leads, 0) / camp.all_leads END AS cost,
               coalesce(agg.leads, 0) AS leads, coalesce(agg.conversions, 0) AS conversions,
               coalesce(agg.new_customers, 0) AS new_customers,
               coalesce(agg.aum_inflow, 0) AS aum_inflow, coalesce(agg.fee_income, 0) AS fee_income,
               coalesce(agg.aum_revenue, 0) AS aum_revenue, camp.sprint_offer, camp.started
        FROM camp LEFT JOIN agg USING (campaign_id)
        ORDER BY camp.start_date, camp.campaign_id""",
        {**lp, "q_start": q.start, "q_end": q.end, "margin": float(annual_margin), "whole": whole})
    return flag_campaigns(_board_ratios(df), roi_threshold)


def _board_ratios(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("leads", "conversions", "new_customers"):
        df[c] = df[c].astype("int64")
    for c in ("cost", "aum_inflow", "fee_income", "aum_revenue"):
        df[c] = df[c].astype(float)
    df["revenue"] = df["fee_income"] + df["aum_revenue"]
    df["conversion_rate"] = df["conversions"] / df["leads"].where(df["leads"] > 0)
    df["acquisition_cost"] = df["cost"] / df["new_customers"].where(df["new_customers"] > 0)
    df["roi"] = df["revenue"] / df["cost"].where(df["cost"] > 0)
    if "started" in df:  # a campaign that starts after the data's last lead has no ROI yet (not judged)
        df["started"] = df["started"].astype(bool)
        df["roi"] = df["roi"].where(df["started"])
    df["cost_per_lead"] = df["cost"] / df["leads"].where(df["leads"] > 0)
    df["revenue_per_conversion"] = df["revenue"] / df["conversions"].where(df["conversions"] > 0)
    return df


def flag_campaigns(df: pd.DataFrame, roi_threshold: float) -> pd.DataFrame:
    """Flag campaigns whose ROI is below the threshold, with reasons judged against the median
    campaign of the board."""
    df = df.copy()
    med_conv = df["conversion_rate"].median()
    med_cpl = df["cost_per_lead"].median()
    med_ticket = df["revenue_per_conversion"].median()
    flagged, reasons = [], []
    for r in df.itertuples():
        low = pd.notna(r.roi) and r.roi < roi_threshold
        why: list[str] = []
        if low:
            if r.leads == 0:
                why.append("no_leads")
            elif r.conversions == 0:
                why.append("no_conversions")
            else:
                if pd.notna(med_conv) and r.conversion_rate < LOW_CONVERSION_FACTOR * med_conv:
                    why.append("low_conversion")
                if pd.notna(med_ticket) and r.revenue_per_conversion < LOW_TICKET_FACTOR * med_ticket:
                    why.append("low_ticket")
            if r.leads and pd.notna(med_cpl) and r.cost_per_lead > HIGH_CPL_FACTOR * med_cpl:
                why.append("high_cost_per_lead")
            if not why:
                why.append("low_revenue")
        flagged.append(bool(low))
        reasons.append(why)
    df["flagged"] = flagged
    df["reasons"] = reasons
    cols = ["campaign_id", "campaign_name", "channel", "start_date", "end_date", "cost", "leads",
            "conversions", "conversion_rate", "new_customers", "acquisition_cost", "aum_inflow",
            "fee_income", "aum_revenue", "revenue", "roi", "cost_per_lead", "revenue_per_conversion",
            "flagged", "reasons"]
    cols += [c for c in ("sprint_offer", "started") if c in df]  # sprint offers (campaigns.sprint_offer)
    return df[cols]


def campaign_variants(db: Database, scope: Scope, campaign_ids: list[str] | tuple[str, ...] | None = None
                      ) -> pd.DataFrame:
    """Leads and conversions per campaign and variant, for campaigns whose leads carry two or
    more variants. Columns: campaign_id, campaign_name, variant, leads, conversions."""
    ls, lp = lead_scope(scope)
    where, params = [ls], dict(lp)
    if campaign_ids is not None:
        if not campaign_ids:
            return pd.DataFrame(columns=["campaign_id", "campaign_name", "variant", "leads", "conversions"])
        names = [f"cid{i}" for i in range(len(campaign_ids))]
        where.append(f"l.campaign_id IN ({', '.join('$' + n for n in names)})")
        params.update(zip(names, campaign_ids))
    df = db.query(f"""
        WITH v AS (
          SELECT l.campaign_id, l.variant, count(*) AS leads,
                 count(*) FILTER (WHERE {_CONVERTED}) AS conversions
          FROM leads l LEFT JOIN customers c ON c.customer_id = l.customer_id
          WHERE l.variant IS NOT NULL AND l.campaign_id IS NOT NULL AND {' AND '.join(where)}
          GROUP BY ALL
        )
        SELECT v.campaign_id, coalesce(cp.campaign_name, v.campaign_id) AS campaign_name, v.variant,
               v.leads, v.conversions
        FROM v LEFT JOIN campaigns cp ON cp.campaign_id = v.campaign_id
        WHERE v.campaign_id IN (SELECT campaign_id FROM v GROUP BY 1 HAVING count(*) >= 2)
        ORDER BY 1, 3""", params)
    for c in ("leads", "conversions"):
        df[c] = df[c].astype("int64")
    return df


# ---------------------------------------------------------------- referrals
REFERRAL_DIRECTIONS = ("corporate_to_retail", "retail_to_corporate")


def _referral_scope(scope: Scope) -> tuple[str, dict]:
    """Referrals belong to the referring RM's branch; a customer-type filter keeps referrals of
    customers of that type."""
    sql, params = scope.branch_filter("fs.branch_id", "sc")
    if scope.customer_type is not None:
        sql += " AND c.customer_type = $sc_ctype"
        params["sc_ctype"] = scope.customer_type
    return sql, params


def referrals(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Referrals dated in the quarter, with both RMs' names, lines and branches.
    Columns: referral_id, referral_date, direction, from_rm_id, from_rm_name, to_rm_id, to_rm_name,
    branch_id, branch_name, customer_id, converted, amount."""
    q = _q(quarter)
    sc, params = _referral_scope(scope)
    df = db.query(f"""
        SELECT r.referral_id, r.referral_date, r.direction,
               r.from_rm_id, coalesce(fs.rm_name, r.from_rm_id) AS from_rm_name,
               r.to_rm_id, coalesce(ts.rm_name, r.to_rm_id) AS to_rm_name,
               coalesce(fs.branch_id, ts.branch_id, '{UNKNOWN}') AS branch_id,
               coalesce(b.branch_name, fs.branch_id, ts.branch_id, '{UNKNOWN}') AS branch_name,
               r.customer_id, coalesce(r.converted, false) AS converted,
               CASE WHEN coalesce(r.converted, false) THEN coalesce(r.amount, 0) ELSE 0 END AS amount
        FROM referrals r
        LEFT JOIN staff fs ON fs.rm_id = r.from_rm_id
        LEFT JOIN staff ts ON ts.rm_id = r.to_rm_id
        LEFT JOIN branches b ON b.branch_id = coalesce(fs.branch_id, ts.branch_id)
        LEFT JOIN customers c ON c.customer_id = r.customer_id
        WHERE r.referral_date BETWEEN $q_start AND $q_end AND {sc}
        ORDER BY r.referral_date, r.referral_id""", {**params, "q_start": q.start, "q_end": q.end})
    df["amount"] = df["amount"].astype(float)
    df["converted"] = df["converted"].astype(bool)
    return df


def reward_rule(db: Database) -> dict:
    return {**settings.DEFAULTS["referral_reward"], **settings.get(db, "referral_reward")}


def referral_rewards(df: pd.DataFrame, rule: dict) -> pd.Series:
    """Reward per referral row under `rule` (flat per conversion + share of first-year revenue,
    first-year revenue = amount x the direction's margin); 0 for unconverted referrals."""
    margin = df["direction"].map({"corporate_to_retail": float(rule["margin_corporate_to_retail"]),
                                  "retail_to_corporate": float(rule["margin_retail_to_corporate"])}).fillna(0.0)
    first_year = df["amount"].astype(float) * margin
    reward = float(rule["flat_per_conversion"]) + float(rule["share"]) * first_year
    return reward.where(df["converted"].astype(bool), 0.0)


def _referral_agg(df: pd.DataFrame, keys: list[str], rule: dict) -> pd.DataFrame:
    d = df.copy()
    d["reward"] = referral_rewards(d, rule)
    d["conv"] = d["converted"].astype(int)
    out = d.groupby(keys, as_index=False, dropna=False).agg(
        referrals=("referral_id", "count"), converted=("conv", "sum"),
        amount=("amount", "sum"), reward=("reward", "sum"))
    out["conversion_rate"] = out["converted"] / out["referrals"].where(out["referrals"] > 0)
    return out


def referral_summary(db: Database, quarter: str, scope: Scope,
                     rule_items: tuple | None = None) -> dict[str, pd.DataFrame]:
    """The referral ledger for the quarter and its views:
    ``ledger`` (rows, with reward), ``by_direction``, ``by_branch`` (branch x direction),
    ``by_pair`` (from RM -> to RM), ``referrers`` (per referring RM with reward earned, best first).
    ``rule_items`` (the reward rule as a tuple of items, hashable for caches) defaults to the
    saved ``referral_reward`` setting."""
    rule = dict(rule_items) if rule_items is not None else reward_rule(db)
    df = referrals(db, quarter, scope)
    df["reward"] = referral_rewards(df, rule) if len(df) else pd.Series(dtype=float)
    return {
        "ledger": df,
        "by_direction": _referral_agg(df, ["direction"], rule),
        "by_branch": _referral_agg(df, ["branch_id", "branch_name", "direction"], rule),
        "by_pair": _referral_agg(df, ["from_rm_id", "from_rm_name", "to_rm_id", "to_rm_name", "direction"], rule)
        .sort_values(["converted", "amount"], ascending=False).reset_index(drop=True),
        "referrers": _referral_agg(df, ["from_rm_id", "from_rm_name", "branch_name"], rule)
        .sort_values(["reward", "converted", "referrals"], ascending=False).reset_index(drop=True),
    }
