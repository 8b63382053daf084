"""Customer tiers: the rules, the tier pyramid, product penetration per tier and tier migration
between two quarters. The one place that says which tier a customer is in (lib/channels/bundles.py uses
``retail_tier_case`` and ``tier_thresholds`` from here).

No Streamlit here; SQL is parameterised (named parameters), scope via ``lib.core.db.Scope``.

Rules (saved in the database: settings ``tier_thresholds``, ``tier_rules``, ``large_client_balance``):
- A customer's tier in a quarter is read at the quarter's last balance snapshot (``metrics.period``);
  customers counted are those open at the quarter's end (the data's as-of day in a running quarter).
- Retail, by AUM: **private** >= 6,000,000; **wealth** >= 500,000; **potential** >= 50,000, or below
  that when AUM grew by at least 30 % over the quarter (start snapshot -> end snapshot, from at least
  10,000) or the customer holds an active consumer or business loan; **mass**: the rest;
  **unknown**: no snapshot.
- Corporate, by deposits + loans at the snapshot: **large** >= 10,000,000 (``large_client_balance``),
  **medium** >= 1,000,000, **small** below; **unknown**: no snapshot.
- Migration: tier at the end of quarter A vs at the end of quarter B; customers opened after A are
  "new", customers no longer open at B have "left". Up/down by the order of ``RANK``.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from lib.metrics import cube
from lib.metrics import registry as metrics
from lib.core import settings
from lib.core import writes
from lib.core.db import WHOLE_BANK, Database, Scope
from lib.core.periods import Quarter

RETAIL_TIERS = ("private", "wealth", "potential", "mass", "unknown")
CORPORATE_TIERS = ("corp_large", "corp_medium", "corp_small", "corp_unknown")
TIERS = RETAIL_TIERS + CORPORATE_TIERS
# order used for upgrades / downgrades (higher is better); new / left sit outside the ladder
RANK = {"private": 4, "wealth": 3, "potential": 2, "mass": 1, "unknown": 0,
        "corp_large": 3, "corp_medium": 2, "corp_small": 1, "corp_unknown": 0}
STATES = TIERS + ("new", "left")

def held_at(p: str = "t_") -> str:
    """SQL condition: sale `s` held on the day bound as ``${p}at`` (the parameter's name prefixed)."""
    at = f"${p}at"
    return (f"s.sale_date <= {at} AND (s.close_date IS NULL OR s.close_date > {at}) "
            "AND coalesce(s.status, 'active') <> 'cancelled'")


def open_at(p: str = "t_") -> str:
    """SQL condition: customer `c` open on the day bound as ``${p}at``."""
    at = f"${p}at"
    return (f"(c.open_date IS NULL OR c.open_date <= {at}) AND (c.close_date IS NULL OR c.close_date > {at}) "
            "AND NOT (coalesce(c.status, '') = 'closed' AND c.close_date IS NULL)")


# ---------------------------------------------------------------- rules
def tier_thresholds(db: Database) -> dict[str, float]:
    """AUM thresholds of the retail tiers (private, wealth, potential)."""
    return {**settings.DEFAULTS["tier_thresholds"], **settings.get(db, "tier_thresholds")}


def tier_rules(db: Database) -> dict:
    """Every tier rule in one flat dict (thresholds, potential rules, corporate thresholds)."""
    rules = {**tier_thresholds(db), **settings.DEFAULTS["tier_rules"], **settings.get(db, "tier_rules")}
    rules["corporate_large"] = float(settings.get(db, "large_client_balance"))
    return rules


def save_rules(db: Database, rules: dict) -> None:
    """Validate and save the tier rules (the three settings they live in, in one transaction;
    pages show the new tiers at once and the cube is rebuilt for them, see lib.core.writes)."""
    th = {k: float(rules[k]) for k in ("private", "wealth", "potential")}
    if not th["private"] > th["wealth"] > th["potential"] >= 0:
        raise ValueError("tier thresholds must satisfy private > wealth > potential >= 0")
    medium, large = float(rules["corporate_medium"]), float(rules["corporate_large"])
    if not large > medium >= 0:
        raise ValueError("corporate thresholds must satisfy large > medium >= 0")
    other = {"potential_growth": float(rules["potential_growth"]),
             "potential_growth_min_aum": float(rules["potential_growth_min_aum"]),
             "potential_loan_types": list(rules["potential_loan_types"]),
             "corporate_medium": medium}
    settings.put_many(db, {"tier_thresholds": th, "tier_rules": other, "large_client_balance": large})


def rules_key(rules: dict) -> tuple:
    """A hashable form of the rules (for caches)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in rules.items()))


def retail_tier_case(aum: str, growth_ok: str | None = None, has_loan: str | None = None, p: str = "t_") -> str:
    """SQL CASE giving a retail customer's tier from the AUM expression `aum`; `growth_ok` and
    `has_loan` (boolean SQL expressions) lift customers below the potential threshold into
    potential. Parameters: ``${p}private``, ``${p}wealth``, ``${p}potential``."""
    lift = " OR ".join(f"coalesce({x}, FALSE)" for x in (growth_ok, has_loan) if x)
    lift_sql = f"WHEN {lift} THEN 'potential' " if lift else ""
    return (f"CASE WHEN {aum} IS NULL THEN 'unknown' WHEN {aum} >= ${p}private THEN 'private' "
            f"WHEN {aum} >= ${p}wealth THEN 'wealth' WHEN {aum} >= ${p}potential THEN 'potential' "
            f"{lift_sql}ELSE 'mass' END")


def corporate_tier_case(balance: str, p: str = "t_") -> str:
    return (f"CASE WHEN {balance} IS NULL THEN 'corp_unknown' WHEN {balance} >= ${p}corp_large THEN 'corp_large' "
            f"WHEN {balance} >= ${p}corp_medium THEN 'corp_medium' ELSE 'corp_small' END")


def rule_params(rules: dict, p: str = "t_") -> dict:
    return {f"{p}private": float(rules["private"]), f"{p}wealth": float(rules["wealth"]),
            f"{p}potential": float(rules["potential"]), f"{p}growth": float(rules["potential_growth"]),
            f"{p}growth_min": float(rules["potential_growth_min_aum"]),
            f"{p}loan_types": list(rules["potential_loan_types"]) or ["__none__"],
            f"{p}corp_large": float(rules["corporate_large"]), f"{p}corp_medium": float(rules["corporate_medium"])}


def dates_of(db: Database, quarter: str) -> tuple[date, date | None, date | None]:
    """(day the tiers are read, end snapshot, start snapshot) of a quarter."""
    per = metrics.period(db, Quarter.parse(quarter))
    return per.period_end, per.end_snap, per.start_snap


def _from_cube(db: Database, quarter: str, rules: dict | None, saved: dict | None = None) -> bool:
    """True when the cube holds `quarter`'s tiers under `rules` (None: the saved ones)."""
    saved = saved or tier_rules(db)
    return rules_key(rules or saved) == rules_key(saved) and cube.holds_quarter(db, metrics.CUBE, "qd_cube_tiers",
                                                                                quarter)


def tiered_cte(db: Database, quarter: str, scope: Scope, rules: dict | None = None, name: str = "tiered",
               p: str = "t_", live: bool = False) -> tuple[str, dict]:
    """CTE text (without WITH) defining `name`: one row per customer open at the quarter's end in
    scope, with customer_id, customer_type, branch_id, rm_id, aum, prev_aum, corp_balance, tier.
    Under the saved rules the tiers are read from the metric cube while it holds the quarter
    (lib/metrics/cube.py keeps them, computed by this function with ``live=True``); other rules (a
    preview of an edit) or a stale cube compute them from the balances."""
    saved = tier_rules(db)
    rules = rules or saved
    at, snap, prev = dates_of(db, quarter)
    sc, params = scope.customer_filter("c", f"{p}sc")
    params.update(rule_params(rules, p))
    params.update({f"{p}at": at, f"{p}snap": snap or date(1900, 1, 1), f"{p}prev": prev or date(1900, 1, 1)})
    if not live and _from_cube(db, quarter, rules, saved):
        # every parameter stays bound (callers use ${p}at); the unused CTE keeps them referenced
        refs = ", ".join(f"${k} AS {k}" for k in params if not k.startswith(f"{p}sc"))
        params[f"{p}quarter"] = quarter
        return f"""
        {name}_params AS (SELECT {refs}),
        {name} AS (
          SELECT c.customer_id, c.customer_type, c.branch_id, c.rm_id, c.aum, c.prev_aum, c.corp_balance, c.tier
          FROM qd_cube_tiers c WHERE c.quarter = ${p}quarter AND {sc}
        )""", params
    held, is_open = held_at(p), open_at(p)
    growth_ok = f"({name}_p.aum > 0 AND {name}_p.aum >= ${p}growth_min AND {name}_b.aum >= {name}_p.aum * (1 + ${p}growth))"
    sql = f"""
        {name}_b AS (SELECT customer_id, aum, coalesce(deposits, 0) + coalesce(loans, 0) AS corp_balance
                     FROM v_balances WHERE as_of = ${p}snap),
        {name}_p AS (SELECT customer_id, aum FROM v_balances WHERE as_of = ${p}prev),
        {name}_l AS (SELECT DISTINCT s.customer_id FROM sales s JOIN products pr ON pr.product_id = s.product_id
                     WHERE {held} AND list_contains(${p}loan_types, pr.product_type)),
        {name} AS (
          SELECT c.customer_id, c.customer_type, c.branch_id, c.rm_id, {name}_b.aum, {name}_p.aum AS prev_aum,
                 {name}_b.corp_balance,
                 CASE WHEN c.customer_type = 'corporate'
                      THEN {corporate_tier_case(f'{name}_b.corp_balance', p)}
                      ELSE {retail_tier_case(f'{name}_b.aum', growth_ok, f'{name}_l.customer_id IS NOT NULL', p)}
                 END AS tier
          FROM customers c
          LEFT JOIN {name}_b ON {name}_b.customer_id = c.customer_id
          LEFT JOIN {name}_p ON {name}_p.customer_id = c.customer_id
          LEFT JOIN {name}_l ON {name}_l.customer_id = c.customer_id
          WHERE {sc} AND {is_open}
        )"""
    return sql, params


def _order(df: pd.DataFrame, col: str = "tier") -> pd.DataFrame:
    order = {t: i for i, t in enumerate(STATES)}
    return df.sort_values(col, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- views
def customer_tiers(db: Database, quarter: str, scope: Scope, rules: tuple | None = None) -> pd.DataFrame:
    """One row per customer: customer_id, customer_type, branch_id, rm_id, aum, prev_aum, corp_balance, tier."""
    cte, params = tiered_cte(db, quarter, scope, dict(rules) if rules else None)
    return db.query(f"WITH {cte} SELECT * FROM tiered ORDER BY customer_id", params)


def pyramid(db: Database, quarter: str, scope: Scope, rules: tuple | None = None) -> pd.DataFrame:
    """Columns: segment, tier, customers, aum, aum_share (of the scope's AUM), customer_share,
    corp_balance (deposits + loans), avg_aum. Ordered from the top tier down."""
    cte, params = tiered_cte(db, quarter, scope, dict(rules) if rules else None)
    df = db.query(f"""
        WITH {cte}
        SELECT customer_type AS segment, tier, count(*) AS customers, coalesce(sum(aum), 0) AS aum,
               coalesce(sum(corp_balance), 0) AS corp_balance
        FROM tiered GROUP BY ALL""", params)
    df["customers"] = df["customers"].astype("int64")
    total = df["aum"].sum()
    df["aum_share"] = df["aum"] / total if total else 0.0
    df["customer_share"] = df["customers"] / max(df["customers"].sum(), 1)
    df["avg_aum"] = df["aum"] / df["customers"].clip(lower=1)
    return _order(df)


def reconcile(db: Database, quarter: str, scope: Scope) -> dict | None:
    """How the tiers' AUM adds up to the bank's AUM at the quarter's last snapshot (the AUM card,
    lib.metrics.registry "aum"): ``tiered`` (customers open on the tier day, the pyramid's total),
    ``not_open`` (customers closed, or not yet open, on that day), ``no_customer`` (balances whose
    customer is not in the customer list: whole bank and Unassigned only, as in the metric) and
    ``bank`` = the sum of the three. None when the quarter has no balance snapshot."""
    at, snap, _ = dates_of(db, quarter)
    if snap is None:
        return None
    sc, params = scope.customer_filter("c", "rc_sc")
    params.update({"rc_at": at, "rc_snap": snap})
    is_open = open_at("rc_")
    unknown = "c.customer_id IS NULL" if scope.takes_unknown_customers else "FALSE"
    row = db.query(f"""
        SELECT coalesce(sum(b.aum) FILTER (WHERE c.customer_id IS NOT NULL AND {is_open}), 0) AS tiered,
               coalesce(sum(b.aum) FILTER (WHERE c.customer_id IS NOT NULL AND NOT ({is_open})), 0) AS not_open,
               coalesce(sum(b.aum) FILTER (WHERE c.customer_id IS NULL), 0) AS no_customer
        FROM v_balances b LEFT JOIN customers c ON c.customer_id = b.customer_id
        WHERE b.as_of = $rc_snap AND ((c.customer_id IS NOT NULL AND {sc}) OR {unknown})""", params).iloc[0]
    out = {k: float(row[k]) for k in ("tiered", "not_open", "no_customer")}
    out["bank"] = sum(out.values())
    out["day"] = at
    return out


_HOLDERS = f"""
        held AS (SELECT DISTINCT s.customer_id, pr.product_type
                 FROM sales s JOIN products pr ON pr.product_id = s.product_id
                 JOIN tiered ON tiered.customer_id = s.customer_id
                 WHERE {held_at("t_")} AND pr.product_type IS NOT NULL)"""
# holders per (quarter, branch, customer type, tier, product type), kept with the metric cube
CUBE_HOLDERS_SQL = ("SELECT $cube_quarter, tiered.branch_id, tiered.customer_type, tiered.tier, held.product_type, "
                    "count(*) FROM tiered JOIN held USING (customer_id) GROUP BY ALL")


def cube_jobs(db: Database) -> cube.Jobs:
    """What the metric cube keeps for this page (lib/warmup.py collects it): every quarter's
    tiers under the saved rules (computed live by ``tiered_cte``) and the holders per tier."""
    fills = []
    for q in metrics.quarters_in_data(db):
        cte, params = tiered_cte(db, str(q), WHOLE_BANK, live=True)
        params = {**params, "cube_quarter": str(q)}
        fills.append(("qd_cube_tiers", f"WITH {cte} SELECT $cube_quarter, customer_id, customer_type, branch_id, "
                                       "rm_id, aum, prev_aum, corp_balance, tier FROM tiered", params))
        fills.append(("qd_cube_tier_h", f"WITH {cte}, {_HOLDERS} {CUBE_HOLDERS_SQL}", params))
    return cube.Jobs(fills=fills)


def penetration(db: Database, quarter: str, scope: Scope, rules: tuple | None = None) -> pd.DataFrame:
    """Columns: tier, product_type, customers, holders, penetration (holders / customers in the tier)."""
    cte, params = tiered_cte(db, quarter, scope, dict(rules) if rules else None)
    if _from_cube(db, quarter, dict(rules) if rules else None):  # the cube's holder counts too
        sc, sparams = scope.customer_filter("h", "hsc")
        params.update(sparams)
        holders = f"""h AS (SELECT h.tier, h.product_type, sum(h.holders) AS holders FROM qd_cube_tier_h h
                            WHERE h.quarter = $t_quarter AND {sc} GROUP BY ALL)"""
    else:
        holders = f"""{_HOLDERS},
        h AS (SELECT tiered.tier, held.product_type, count(*) AS holders
              FROM tiered JOIN held USING (customer_id) GROUP BY ALL)"""
    df = db.query(f"""
        WITH {cte},
        n AS (SELECT tier, count(*) AS customers FROM tiered GROUP BY 1),
        {holders}
        SELECT n.tier, h.product_type, n.customers, h.holders, h.holders / n.customers AS penetration
        FROM n JOIN h USING (tier) ORDER BY h.product_type""", params)
    df["customers"] = df["customers"].astype("int64")
    df["holders"] = df["holders"].astype("int64")
    return _order(df)


def _migration_cte(db: Database, q_from: str, q_to: str, scope: Scope, rules: dict | None) -> tuple[str, dict]:
    rules = rules or tier_rules(db)
    a, pa = tiered_cte(db, q_from, scope, rules, "ta", "a_")
    b, pb = tiered_cte(db, q_to, scope, rules, "tb", "b_")
    sql = f"""{a}, {b},
        mig AS (
          SELECT coalesce(ta.customer_id, tb.customer_id) AS customer_id,
                 coalesce(ta.tier, 'new') AS from_tier, coalesce(tb.tier, 'left') AS to_tier,
                 ta.aum AS from_aum, tb.aum AS to_aum,
                 coalesce(tb.branch_id, ta.branch_id) AS branch_id, coalesce(tb.rm_id, ta.rm_id) AS rm_id,
                 coalesce(tb.customer_type, ta.customer_type) AS customer_type
          FROM ta FULL OUTER JOIN tb ON ta.customer_id = tb.customer_id
        )"""
    return sql, {**pa, **pb}


def direction(from_tier: str, to_tier: str) -> str:
    """'up', 'down', 'same', 'new' or 'left'."""
    if from_tier == "new":
        return "new"
    if to_tier == "left":
        return "left"
    a, b = RANK.get(from_tier, 0), RANK.get(to_tier, 0)
    return "same" if a == b else ("up" if b > a else "down")


def migration(db: Database, q_from: str, q_to: str, scope: Scope, rules: tuple | None = None) -> pd.DataFrame:
    """Columns: from_tier, to_tier, customers, from_aum, to_aum, direction — one row per pair seen."""
    cte, params = _migration_cte(db, q_from, q_to, scope, dict(rules) if rules else None)
    df = db.query(f"""
        WITH {cte}
        SELECT from_tier, to_tier, count(*) AS customers, coalesce(sum(from_aum), 0) AS from_aum,
               coalesce(sum(to_aum), 0) AS to_aum
        FROM mig GROUP BY ALL""", params)
    df["customers"] = df["customers"].astype("int64")
    df["direction"] = [direction(a, b) for a, b in zip(df.from_tier, df.to_tier)]
    order = {t: i for i, t in enumerate(("new",) + TIERS + ("left",))}
    return df.sort_values(["from_tier", "to_tier"], key=lambda s: s.map(order)).reset_index(drop=True)


def migration_summary(mig: pd.DataFrame) -> dict[str, int]:
    """Customers per direction (up, down, same, new, left)."""
    out = {k: 0 for k in ("up", "down", "same", "new", "left")}
    for d, n in mig.groupby("direction")["customers"].sum().items():
        out[d] = int(n)
    return out


def migration_count(mig: pd.DataFrame, from_tier: str, to_tier: str) -> int:
    return int(mig.loc[(mig["from_tier"] == from_tier) & (mig["to_tier"] == to_tier), "customers"].sum())


def migration_customers(db: Database, q_from: str, q_to: str, scope: Scope, from_tier: str, to_tier: str,
                        limit: int = 5000, rules: tuple | None = None) -> pd.DataFrame:
    """The customers behind one cell of the migration matrix: customer_id, customer_name,
    customer_type, from_tier, to_tier, from_aum, to_aum, branch_id, rm_id (largest AUM first).
    Personal columns are unmasked here; mask with lib.core.privacy before showing."""
    cte, params = _migration_cte(db, q_from, q_to, scope, dict(rules) if rules else None)
    params.update({"m_from": from_tier, "m_to": to_tier, "m_limit": int(limit)})
    return db.query(f"""
        WITH {cte}
        SELECT mig.customer_id, c.customer_name, mig.customer_type, mig.from_tier, mig.to_tier,
               mig.from_aum, mig.to_aum, mig.branch_id, mig.rm_id
        FROM mig JOIN customers c ON c.customer_id = mig.customer_id
        WHERE mig.from_tier = $m_from AND mig.to_tier = $m_to
        ORDER BY greatest(coalesce(mig.to_aum, 0), coalesce(mig.from_aum, 0)) DESC, mig.customer_id
        LIMIT $m_limit""", params)
