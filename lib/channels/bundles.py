"""Products and scenarios: penetration by tier and segment, which product types customers hold
together, the most common next product after a given set, and the corporate combined-revenue
calculator.

No Streamlit here; SQL is parameterised (named parameters), scope via ``lib.core.db.Scope``.

Definitions:
- A customer **holds** a product type at a date when a sale of that type was made on or before
  the date, is not cancelled, and had not closed by then (the same rule as the registry's
  penetration metrics). Customers counted are those open at the quarter's end.
- **Tier** (retail) by AUM at the quarter's last balance snapshot, with the thresholds of the
  ``tier_thresholds`` setting (private >= 6M, wealth >= 500k, potential >= 50k, mass below, by
  default); corporate clients form their own segment; without a snapshot the tier is "unknown".
- **Penetration** = holders of the type / customers in the tier.
- **Co-holding** share(a -> b) = customers holding both a and b / customers holding a.
- **Next product** after a set S: for each customer holding every type of S, the date S was
  complete is the latest of the first purchase dates of S's types; the next product is the type
  outside S first bought strictly after that date (types first bought on the same day both count).
- **Corporate calculator** (annual revenue, assumptions in the ``corporate_calculator`` setting):
  account = deposits x deposit margin + loans x loan margin + account fee;
  wealth = wealth balance x wealth fee rate;
  payroll = annual payroll volume x payroll fee rate + employees x retail revenue per employee;
  supply chain = financing volume x supply-chain margin;
  today (an existing client) = the same components for the products it holds (the account always);
  a bundle = today's components + the bundle's: a product already held adds nothing to the upside.
"""
from __future__ import annotations

import re

from datetime import date, timedelta

import pandas as pd

from lib.metrics import cube
from lib.metrics import registry as metrics
from lib.core import settings
from lib.tiering import tiers
from lib.core.db import Database, Scope
from lib.core.periods import Quarter
from lib.tiering.tiers import tier_thresholds  # noqa: F401  (old name kept; tiers are defined in lib/tiering/tiers.py)

TIERS = ("private", "wealth", "potential", "mass", "unknown", "corporate")
_HELD_AT = ("s.sale_date <= $at AND (s.close_date IS NULL OR s.close_date > $at) "
            "AND coalesce(s.status, 'active') <> 'cancelled'")
_OPEN_AT = ("(c.open_date IS NULL OR c.open_date <= $at) AND (c.close_date IS NULL OR c.close_date > $at) "
            "AND NOT (coalesce(c.status, '') = 'closed' AND c.close_date IS NULL)")


def _period(db: Database, quarter: str) -> tuple[date, date | None]:
    p = metrics.period(db, Quarter.parse(quarter))
    return p.period_end, p.end_snap


def _customers_cte(db: Database, quarter: str, scope: Scope, thresholds: tuple | None = None
                   ) -> tuple[str, dict]:
    at, snap = _period(db, quarter)
    th = dict(thresholds) if thresholds is not None else tier_thresholds(db)
    sc, params = scope.customer_filter("c", "sc")
    sql = f"""
        cust AS (
          SELECT c.customer_id, c.branch_id, c.customer_type AS segment,
                 CASE WHEN c.customer_type = 'corporate' THEN 'corporate'
                      ELSE {tiers.retail_tier_case("b.aum")} END AS tier
          FROM customers c LEFT JOIN v_balances b ON b.customer_id = c.customer_id AND b.as_of = $snap
          WHERE {sc} AND {_OPEN_AT}
        ),
        held AS (
          SELECT DISTINCT s.customer_id, p.product_type
          FROM sales s JOIN products p ON p.product_id = s.product_id
          JOIN cust ON cust.customer_id = s.customer_id
          WHERE {_HELD_AT} AND p.product_type IS NOT NULL
        )"""
    params.update({"at": at, "snap": snap or date(1900, 1, 1), "t_private": float(th["private"]),
                   "t_wealth": float(th["wealth"]), "t_potential": float(th["potential"])})
    return sql, params


# per (quarter, branch, customer type) counts kept with the metric cube (lib/metrics/cube.py) under the
# saved tier thresholds; they add up over branches, so any scope is a sum
CUBE_SQL = {
    "qd_cube_bundle_n": "SELECT $quarter, branch_id, segment, tier, count(*) FROM cust GROUP BY ALL",
    "qd_cube_bundle_h": ("SELECT $quarter, cust.branch_id, cust.segment, cust.tier, held.product_type, count(*) "
                         "FROM cust JOIN held USING (customer_id) GROUP BY ALL"),
    "qd_cube_bundle_pairs": ("SELECT $quarter, cust.branch_id, cust.segment, a.product_type, b.product_type, count(*) "
                             "FROM held a JOIN held b ON a.customer_id = b.customer_id "
                             "JOIN cust ON cust.customer_id = a.customer_id GROUP BY ALL"),
}


def cube_jobs(db: Database) -> cube.Jobs:
    """What the metric cube keeps for this page (lib/warmup.py collects it): every customer's
    first purchase of each product type, and each quarter's rows of the CUBE_SQL tables."""
    fills = [("qd_cube_first", f"SELECT customer_id, branch_id, customer_type, product_type, d FROM ({CUBE_FIRST_SQL})",
              {})]
    for q in metrics.quarters_in_data(db):
        cte, params = _customers_cte(db, str(q), Scope())
        fills += [(table, f"WITH {cte} {sql}", {**params, "quarter": str(q)}) for table, sql in CUBE_SQL.items()]
    return cube.Jobs(fills=fills)


def _from_cube(db: Database, quarter: str, thresholds: tuple | None) -> bool:
    if thresholds is not None and dict(thresholds) != tier_thresholds(db):
        return False
    return cube.holds_quarter(db, metrics.CUBE, "qd_cube_bundle_n", quarter)


def _counts_cte(db: Database, quarter: str, scope: Scope, thresholds: tuple | None) -> tuple[str, dict]:
    """CTEs n (segment, tier, customers) and h (segment, tier, product_type, holders), from the
    cube when it holds the quarter under these thresholds, else from the customers and sales."""
    if _from_cube(db, quarter, thresholds):
        sc, params = scope.customer_filter("c", "sc")
        params["quarter"] = quarter
        return f"""
        n AS (SELECT c.customer_type AS segment, c.tier, sum(c.customers) AS customers
              FROM qd_cube_bundle_n c WHERE c.quarter = $quarter AND {sc} GROUP BY ALL),
        h AS (SELECT c.customer_type AS segment, c.tier, c.product_type, sum(c.holders) AS holders
              FROM qd_cube_bundle_h c WHERE c.quarter = $quarter AND {sc} GROUP BY ALL)""", params
    cte, params = _customers_cte(db, quarter, scope, thresholds)
    return f"""{cte},
        n AS (SELECT segment, tier, count(*) AS customers FROM cust GROUP BY ALL),
        h AS (SELECT cust.segment, cust.tier, held.product_type, count(*) AS holders
              FROM cust JOIN held USING (customer_id) GROUP BY ALL)""", params


def penetration(db: Database, quarter: str, scope: Scope, thresholds: tuple | None = None) -> pd.DataFrame:
    """Columns: segment, tier, product_type, customers, holders, penetration. ``thresholds``
    (tier thresholds as a tuple of items, hashable for caches) defaults to the saved setting."""
    cte, params = _counts_cte(db, quarter, scope, thresholds)
    df = db.query(f"""
        WITH {cte}
        SELECT n.segment, n.tier, h.product_type, n.customers, h.holders,
               h.holders / n.customers AS penetration
        FROM n JOIN h USING (segment, tier)
        ORDER BY n.segment DESC, n.tier, h.product_type""", params)
    df["customers"] = df["customers"].astype("int64")
    df["holders"] = df["holders"].astype("int64")
    df["tier"] = pd.Categorical(df["tier"], categories=list(TIERS), ordered=True)
    return df.sort_values(["tier", "product_type"]).reset_index(drop=True).assign(tier=lambda d: d.tier.astype(str))


def coholding(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """Columns: type_a, type_b, both, holders_a, share (= both / holders_a)."""
    if _from_cube(db, quarter, None):
        sc, params = scope.customer_filter("c", "sc")
        params["quarter"] = quarter
        cte = f"""
        ha AS (SELECT c.product_type, sum(c.holders) AS holders FROM qd_cube_bundle_h c
               WHERE c.quarter = $quarter AND {sc} GROUP BY 1),
        pairs AS (SELECT c.type_a, c.type_b, sum(c."both") AS both FROM qd_cube_bundle_pairs c
                  WHERE c.quarter = $quarter AND {sc} GROUP BY ALL)"""
    else:
        cte, params = _customers_cte(db, quarter, scope)
        cte += """,
        ha AS (SELECT product_type, count(*) AS holders FROM held GROUP BY 1),
        pairs AS (SELECT a.product_type AS type_a, b.product_type AS type_b, count(*) AS both
                    FROM held a JOIN held b ON a.customer_id = b.customer_id GROUP BY ALL)"""
    df = db.query(f"""
        WITH {cte}
        SELECT pairs.type_a, pairs.type_b, pairs.both, ha.holders AS holders_a, pairs.both / ha.holders AS share
        FROM pairs JOIN ha ON ha.product_type = pairs.type_a
        ORDER BY 1, 2""", params)
    df["both"] = df["both"].astype("int64")
    df["holders_a"] = df["holders_a"].astype("int64")
    return df


def product_types(db: Database) -> list[str]:
    return [r[0] for r in db.rows(
        "SELECT DISTINCT product_type FROM products WHERE product_type IS NOT NULL ORDER BY 1")]


# each customer's first purchase of each product type (cancelled sales aside); lib.metrics.cube keeps it
# in qd_cube_first (with branch and customer type for the scope) as "... GROUP BY ALL"
FIRST_PURCHASES = """
          SELECT s.customer_id, p.product_type, min(s.sale_date) AS d
          FROM sales s JOIN products p ON p.product_id = s.product_id
          JOIN customers c ON c.customer_id = s.customer_id
          WHERE coalesce(s.status, '') <> 'cancelled' AND s.sale_date IS NOT NULL
            AND p.product_type IS NOT NULL AND"""
CUBE_FIRST_SQL = FIRST_PURCHASES.replace("SELECT s.customer_id,", "SELECT s.customer_id, c.branch_id, c.customer_type,") \
    + " TRUE GROUP BY ALL"


def next_product(db: Database, scope: Scope, held_set: tuple[str, ...]) -> tuple[int, pd.DataFrame]:
    """(customers holding every type of `held_set`, frame product_type / customers / share)
    for the next product bought after the set was complete (see module docstring)."""
    types = sorted(set(held_set))
    empty = pd.DataFrame({"product_type": pd.Series(dtype=str), "customers": pd.Series(dtype="int64"),
                          "share": pd.Series(dtype=float)})
    if not types:
        return 0, empty
    sc, params = scope.customer_filter("c", "sc")
    params.update({"types": types, "n_types": len(types)})
    if metrics.cube_current(db):
        first = f"SELECT c.customer_id, c.product_type, c.d FROM qd_cube_first c WHERE {sc}"
    else:
        first = f"{FIRST_PURCHASES} {sc} GROUP BY ALL"
    base = f"""
        WITH first AS ({first}),
        done AS (
          SELECT customer_id, max(d) AS d FROM first WHERE list_contains($types, product_type)
          GROUP BY 1 HAVING count(*) = $n_types
        )"""
    holders = int(db.scalar(base + " SELECT count(*) FROM done", params))
    if not holders:
        return 0, empty
    df = db.query(base + """,
        nxt AS (
          SELECT f.customer_id, f.product_type FROM first f JOIN done ON done.customer_id = f.customer_id
          WHERE f.d > done.d AND NOT list_contains($types, f.product_type)
          QUALIFY rank() OVER (PARTITION BY f.customer_id ORDER BY f.d) = 1
        )
        SELECT product_type, count(DISTINCT customer_id) AS customers
        FROM nxt GROUP BY 1 ORDER BY 2 DESC, 1""", params)
    df["customers"] = df["customers"].astype("int64")
    df["share"] = df["customers"] / holders
    return holders, df


# ---------------------------------------------------------------- corporate calculator
ASSUMPTION_KEYS = ("deposit_margin", "loan_margin", "account_fee", "wealth_fee_rate", "payroll_fee_rate",
                   "retail_revenue_per_employee", "scf_margin", "wealth_share_of_deposits", "avg_monthly_salary")
INPUT_KEYS = ("deposits", "loans", "wealth", "payroll_annual", "employees", "scf_volume")


def assumptions(db: Database) -> dict[str, float]:
    return {**settings.DEFAULTS["corporate_calculator"], **settings.get(db, "corporate_calculator")}


def save_assumptions(db: Database, values: dict) -> None:
    settings.put(db, "corporate_calculator", {k: float(values[k]) for k in ASSUMPTION_KEYS})


CLIENT_CHOICES = 200  # at most this many clients in the calculator's picker (a bank has tens of thousands)


def corporate_clients(db: Database, scope: Scope, search: str = "", limit: int = CLIENT_CHOICES) -> pd.DataFrame:
    """Open corporate clients in scope with their latest deposits, largest first: at most `limit`
    of those whose id or industry contains `search` (case-insensitive; empty: all). Columns:
    customer_id, industry, branch_id, deposits, matching (how many clients match in all)."""
    sc, params = scope.customer_filter("c", "sc")
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.strip()) + "%"
    return db.query(f"""
        WITH pick AS (
          SELECT c.customer_id, coalesce(c.industry, '') AS industry, c.branch_id
          FROM customers c
          WHERE c.customer_type = 'corporate' AND {sc} AND coalesce(c.status, '') <> 'closed'
            AND (c.customer_id ILIKE $pattern ESCAPE '\\' OR coalesce(c.industry, '') ILIKE $pattern ESCAPE '\\')
        ), last AS (
          SELECT b.customer_id, arg_max(b.deposits, b.as_of) AS deposits
          FROM balances b JOIN pick USING (customer_id) GROUP BY 1
        )
        SELECT p.customer_id, p.industry, p.branch_id, coalesce(last.deposits, 0) AS deposits,
               count(*) OVER () AS matching
        FROM pick p LEFT JOIN last ON last.customer_id = p.customer_id
        ORDER BY deposits DESC, p.customer_id
        LIMIT $limit""", {**params, "pattern": pattern, "limit": int(limit)})


def client_figures(db: Database, customer_id: str, scope: Scope | None = None) -> dict:
    """A corporate client's figures for the calculator: latest deposits, loans and wealth;
    fee income, payroll volume and supply-chain financing of the 12 months up to the data's
    as-of date; product types held; an estimated head count. A client outside the viewer's
    `scope` is refused (LookupError), whatever id is asked for."""
    if scope is not None:
        sc, params = scope.customer_filter("c")
        if not db.scalar(f"SELECT count(*) FROM customers c WHERE c.customer_id = $cid AND {sc}",
                         {**params, "cid": customer_id}):
            raise LookupError(f"customer {customer_id!r} is not in this viewer's scope")
    as_of = db.scalar("SELECT max(as_of) FROM balances") or db.scalar("SELECT max(sale_date) FROM sales") \
        or date.today()
    since = as_of - timedelta(days=365)
    bal = db.rows("""SELECT coalesce(deposits, 0), coalesce(loans, 0), coalesce(wealth, 0) FROM balances
                     WHERE customer_id = $cid ORDER BY as_of DESC LIMIT 1""", {"cid": customer_id})
    deposits, loans, wealth = bal[0] if bal else (0.0, 0.0, 0.0)
    row = db.rows("""
        SELECT coalesce(sum(s.fee_income), 0),
               coalesce(sum(s.amount) FILTER (WHERE p.product_type = 'payroll'), 0),
               coalesce(sum(s.amount) FILTER (WHERE p.product_type = 'supply_chain'), 0)
        FROM sales s LEFT JOIN products p ON p.product_id = s.product_id
        WHERE s.customer_id = $cid AND s.sale_date > $since AND s.sale_date <= $as_of
          AND coalesce(s.status, '') <> 'cancelled'""", {"cid": customer_id, "since": since, "as_of": as_of})[0]
    held = [r[0] for r in db.rows(f"""
        SELECT DISTINCT p.product_type FROM sales s JOIN products p ON p.product_id = s.product_id
        WHERE s.customer_id = $cid AND {_HELD_AT} ORDER BY 1""", {"cid": customer_id, "at": as_of})]
    return {"deposits": float(deposits), "loans": float(loans), "wealth": float(wealth),
            "fee_income_12m": float(row[0]), "payroll_annual": float(row[1]),
            "scf_volume": float(row[2]), "held": held, "as_of": as_of}


def suggested_inputs(figures: dict, a: dict) -> dict:
    """Calculator inputs pre-filled from a client's figures: today's balances and volumes, a
    wealth balance of at least ``wealth_share_of_deposits`` of deposits, and the head count
    implied by the payroll volume at ``avg_monthly_salary``."""
    payroll = float(figures.get("payroll_annual") or 0)
    salary = float(a["avg_monthly_salary"]) or 1.0
    return {"deposits": float(figures.get("deposits") or 0), "loans": float(figures.get("loans") or 0),
            "wealth": max(float(figures.get("wealth") or 0),
                          float(figures.get("deposits") or 0) * float(a["wealth_share_of_deposits"])),
            "payroll_annual": payroll, "employees": int(round(payroll / (12 * salary))),
            "scf_volume": float(figures.get("scf_volume") or 0)}


# which held product types mean a component is earned today
COMPONENT_TYPES = {"account": ("corporate_account", "deposit"), "wealth": ("wealth",), "payroll": ("payroll",),
                   "supply_chain": ("supply_chain",)}
SCENARIOS = (("account", ("account",)), ("account_wealth", ("account", "wealth")),
             ("account_wealth_payroll", ("account", "wealth", "payroll")),
             ("account_wealth_payroll_scf", ("account", "wealth", "payroll", "supply_chain")))


def components(inputs: dict, a: dict) -> dict[str, float]:
    """The one formula: annual revenue of each component from the client's figures (module docstring)."""
    g = {k: float(inputs.get(k) or 0) for k in INPUT_KEYS}
    return {
        "account": g["deposits"] * a["deposit_margin"] + g["loans"] * a["loan_margin"] + a["account_fee"],
        "wealth": g["wealth"] * a["wealth_fee_rate"],
        "payroll": g["payroll_annual"] * a["payroll_fee_rate"] + g["employees"] * a["retail_revenue_per_employee"],
        "supply_chain": g["scf_volume"] * a["scf_margin"],
    }


def held_components(held) -> tuple[str, ...]:
    """The components an existing client earns the bank today: the account (its balances' spread and
    fees) and every other component whose product type it holds."""
    types = set(held or ())
    return tuple(c for c, ts in COMPONENT_TYPES.items() if c == "account" or types & set(ts))


def bundle_revenue(inputs: dict, a: dict, include_scf: bool = True, held=None) -> pd.DataFrame:
    """Annual revenue per scenario, by component, all from ``components`` (one formula).

    `held` is the product types an existing client holds (None: a prospect, who earns nothing yet).
    For a client, "today" is the components it holds; each bundle is today's components plus the
    bundle's, so no bundle shows less than today and a product already held is never upside
    (``new`` is False for it). A bundle that adds nothing beyond today or the previous bundle is left out.
    Columns: scenario, component, revenue, new."""
    comp = components(inputs, a)
    today = held_components(held) if held is not None else ()
    rows = [("today", c, comp[c], False) for c in today]
    shown = {frozenset(today)} if held is not None else set()  # a bundle that is just today is not an option
    for name, parts in SCENARIOS:
        if name == "account_wealth_payroll_scf" and not include_scf:
            continue
        have = [c for c in comp if c in today or c in parts]
        key = frozenset(have)
        if key in shown:  # its added products are already held: the same as today or the bundle before
            continue
        shown.add(key)
        rows += [(name, c, comp[c], c not in today) for c in have]
    return pd.DataFrame(rows, columns=["scenario", "component", "revenue", "new"])
