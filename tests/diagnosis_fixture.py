"""A tiny hand-made bank for the diagnosis tests, with answers worked out by hand.

Quarter under test: 2026Q3, data as of 2026-08-31 (day 62 of 92, so flows are compared with
plan pace 62/92). 2026Q2 is the previous quarter and has no targets.

- Branches: B1, B2 (North), B3, B4 (South); B4 has no customers at all.
- C3 closed on 2026-08-10 (mid-quarter): no balance at the end, a leaver.
- C7 stays open but its AUM falls below 30% of its start (soft churn).
- C5 is a large corporate client (deposits + loans 14M), C6 a new small-business client whose
  loan is on the watch list.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core.db import Database, open_database

D = date.fromisoformat

BRANCHES = [("B1", "Alpha", "North"), ("B2", "Beta", "North"), ("B3", "Gamma", "South"), ("B4", "Delta", "South")]
STAFF = [("R1", "Rita", "B1", "retail"), ("R2", "Rob", "B2", "retail"), ("R3", "Rex", "B3", "corporate"),
         ("R4", "Ruth", "B1", "retail")]
PRODUCTS = [("PD", "Deposit", "deposit"), ("PW", "Wealth", "wealth"), ("PF", "Fund", "fund"),
            ("PC", "Card", "credit_card"), ("PS", "Supply chain", "supply_chain"), ("PX", "FX", "fx_settlement"),
            ("PB", "Business loan", "business_loan")]
# customer_id, type, branch, rm, open_date, acquisition_cost, status, close_date
CUSTOMERS = [
    ("C1", "retail", "B1", "R1", "2020-01-01", None, "active", None),
    ("C2", "retail", "B1", "R1", "2026-07-15", 300.0, "active", None),
    ("C3", "retail", "B2", "R2", "2019-05-01", None, "closed", "2026-08-10"),
    ("C4", "retail", "B2", "R2", "2026-08-20", 500.0, "active", None),
    ("C5", "corporate", "B3", "R3", "2018-01-01", None, "active", None),
    ("C6", "corporate", "B3", "R3", "2026-07-05", 1000.0, "active", None),
    ("C7", "retail", "B1", "R1", "2021-01-01", None, "active", None),
    ("C8", "retail", "B2", None, "2026-04-10", 200.0, "active", None),
]
# customer_id, as_of, deposits, wealth, funds, loans, loan_status
BALANCES = [
    ("C1", "2026-03-31", 150_000, 0, 0, 0, None),
    ("C3", "2026-03-31", 100_000, 0, 0, 0, None),
    ("C5", "2026-03-31", 7_000_000, 0, 0, 6_000_000, "normal"),
    ("C7", "2026-03-31", 60_000, 0, 0, 0, None),
    ("C1", "2026-06-30", 100_000, 50_000, 20_000, 0, None),
    ("C3", "2026-06-30", 80_000, 0, 20_000, 0, None),
    ("C5", "2026-06-30", 8_000_000, 0, 0, 6_000_000, "normal"),
    ("C7", "2026-06-30", 50_000, 0, 0, 0, None),
    ("C8", "2026-06-30", 10_000, 0, 0, 0, None),
    ("C1", "2026-07-31", 100_000, 52_000, 20_000, 0, None),
    ("C2", "2026-07-31", 5_000, 0, 0, 0, None),
    ("C3", "2026-07-31", 80_000, 0, 20_000, 0, None),
    ("C5", "2026-07-31", 8_500_000, 0, 0, 6_000_000, "normal"),
    ("C6", "2026-07-31", 200_000, 0, 0, 1_000_000, "watch"),
    ("C7", "2026-07-31", 30_000, 0, 0, 0, None),
    ("C8", "2026-07-31", 10_000, 0, 0, 0, None),
    ("C1", "2026-08-31", 110_000, 55_000, 25_000, 0, None),
    ("C2", "2026-08-31", 8_000, 0, 2_000, 0, None),
    ("C4", "2026-08-31", 3_000, 0, 0, 0, None),
    ("C5", "2026-08-31", 9_000_000, 0, 0, 5_000_000, "normal"),
    ("C6", "2026-08-31", 300_000, 0, 0, 1_200_000, "watch"),
    ("C7", "2026-08-31", 10_000, 0, 0, 0, None),
    ("C8", "2026-08-31", 12_000, 0, 0, 0, None),
]
# sale_id, customer, product, sale_date, fee_income, status, close_date
SALES = [
    ("S1", "C1", "PD", "2020-01-01", 0.0, "active", None),
    ("S2", "C1", "PW", "2026-07-10", 500.0, "active", None),
    ("S3", "C1", "PF", "2025-01-01", 100.0, "active", None),
    ("S4", "C2", "PD", "2026-07-15", None, "active", None),
    ("S5", "C2", "PC", "2026-08-01", 50.0, "active", None),
    ("S6", "C3", "PD", "2019-05-01", 0.0, "redeemed", "2026-08-10"),
    ("S7", "C5", "PS", "2026-07-20", 20_000.0, "active", None),
    ("S8", "C5", "PX", "2024-01-01", 0.0, "active", None),
    ("S9", "C6", "PB", "2026-07-05", 3_000.0, "active", None),
    ("S10", "C6", "PX", "2026-08-15", 1_000.0, "cancelled", None),
    ("S11", "C7", "PD", "2021-01-01", 0.0, "active", None),
    ("S12", "C8", "PW", "2026-04-20", 200.0, "matured", "2026-07-20"),
]
# lead_id, customer, contact_date, product, converted
LEADS = [  # lead_id, customer, contact date, product, converted, stage
    ("L1", "C1", "2026-07-05", "PW", True, "converted"),
    ("L2", "C7", "2026-07-06", "PC", False, "refused"),
    ("L3", None, "2026-08-01", "PC", True, "converted"),
    ("L4", "C2", "2026-08-02", "PF", False, "lost"),
    ("L5", "C1", "2026-05-01", "PW", True, None),
]
# activity_id, rm, date, type, customer
ACTIVITIES = [
    ("A1", "R1", "2026-07-10", "visit", "C7"),
    ("A2", "R3", "2026-08-05", "visit", "C5"),
    ("A3", "R3", "2026-08-06", "call", "C5"),
    ("A4", "R3", "2026-07-07", "call", "C6"),
    ("A5", "R1", "2026-07-08", "training", None),
]
# quarter, scope, scope_id, metric, target (2026Q2 deliberately has none)
TARGETS = [
    ("2026Q3", "bank", "ALL", "new_customers", 10.0),
    ("2026Q3", "bank", "ALL", "aum", 9_000_000.0),
    ("2026Q3", "bank", "ALL", "churn_rate", 0.25),
    ("2026Q3", "bank", "ALL", "fee_income", 30_000.0),
    ("2026Q3", "bank", "ALL", "conversion_rate", 0.5),
    ("2026Q3", "branch", "B1", "new_customers", 2.0),
    ("2026Q3", "branch", "B2", "new_customers", 4.0),
    ("2026Q3", "branch", "B4", "new_customers", 1.0),
    ("2026Q3", "region", "North", "new_customers", 6.0),
]
PEERS = [("2026Q3", "churn_rate", 0.3), ("2026Q3", "conversion_rate", 0.6)]

LARGE, MARGIN, COST_VISIT, COST_CALL = 10_000_000, 0.015, 1000, 100
YEAR_SHARE = 62 / 365

# Whole bank, 2026Q3, worked out by hand from the rows above.
HAND = {
    "aum": 190_000 + 10_000 + 3_000 + 9_000_000 + 300_000 + 10_000 + 12_000,
    "aum_growth": 9_525_000 / 8_330_000 - 1,
    "net_new_money": 1_195_000 - 10_000,
    "market_movement": 10_000,
    "new_customers": 3,
    "acquisition_cost": 600,
    "churn_rate": 2 / 5,
    "retention_rate": 3 / 5,
    "products_per_customer": 9 / 7,
    "wealth_penetration": 1 / 7,
    "conversion_rate": 2 / 4,
    "refusal_rate": 1 / 4,  # L2 refused of the four leads contacted in Q3 (L4 lost is not a refusal)
    "card_conversion": 1 / 2,
    "wealth_conversion": 1 / 2,
    "fee_income": 23_550,
    "active_share": 5 / 7,
    "corp_deposits": 9_300_000,
    "corp_loans": 6_200_000,
    "active_corporate_clients": 2,
    "new_corporate_clients": 1,
    "large_client_revenue": 20_000 + 14e6 * MARGIN * YEAR_SHARE,
    "large_client_cost_income": 1_100 / (20_000 + 14e6 * MARGIN * YEAR_SHARE),
    "small_biz_revenue": 3_000 + 1.5e6 * MARGIN * YEAR_SHARE,
    "small_biz_risk_share": 1.0,
    "supply_chain_usage": 1 / 2,
    "fx_usage": 1 / 2,
}


def _frame(rows, cols, dates=()):
    df = pd.DataFrame(rows, columns=cols)
    for c in dates:
        df[c] = pd.to_datetime(df[c]).dt.date
    return df


def frames() -> dict[str, pd.DataFrame]:
    return {
        "branches": _frame(BRANCHES, ["branch_id", "branch_name", "region"]),
        "staff": _frame(STAFF, ["rm_id", "rm_name", "branch_id", "line"]),
        "products": _frame(PRODUCTS, ["product_id", "product_name", "product_type"]),
        "customers": _frame(CUSTOMERS, ["customer_id", "customer_type", "branch_id", "rm_id", "open_date",
                                        "acquisition_cost", "status", "close_date"], ["open_date", "close_date"]),
        "balances": _frame(BALANCES, ["customer_id", "as_of", "deposits", "wealth", "funds", "loans", "loan_status"],
                           ["as_of"]),
        "sales": _frame(SALES, ["sale_id", "customer_id", "product_id", "sale_date", "fee_income", "status",
                                "close_date"], ["sale_date", "close_date"]),
        "leads": _frame(LEADS, ["lead_id", "customer_id", "contact_date", "product_id", "converted", "stage"],
                        ["contact_date"]),
        "activities": _frame(ACTIVITIES, ["activity_id", "rm_id", "activity_date", "activity_type", "customer_id"],
                             ["activity_date"]),
        "targets": _frame(TARGETS, ["quarter", "scope", "scope_id", "metric", "target_value"]),
        "peer_benchmarks": _frame(PEERS, ["quarter", "metric", "peer_value"]),
    }


def build(skip: tuple[str, ...] = ()) -> Database:
    """The fixture bank in a fresh in-memory database (`skip` leaves tables empty)."""
    db = open_database(":memory:")
    with db.transaction() as cur:
        for name, df in frames().items():
            if name in skip:
                continue
            cur.register("_f", df)
            cur.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _f')
            cur.unregister("_f")
    return db
