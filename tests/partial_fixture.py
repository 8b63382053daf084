"""A partial bank as a new user loads it: customers whose branch and RM codes were never uploaded
(no branches, no staff export), balance snapshots of those customers, sales of products that are
not in a product catalogue, and leads without campaigns — some without a contact date.

Built through the importer (lib.ingest) from CSV files, the way the Data page and CLI load them,
with a seeded generator so the figures are not hand-picked. ``source_frames`` returns the rows
written, for independent pandas computations in the tests.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from lib import warmup
from lib.core.db import open_database
from lib.ingest import jobs

SNAPSHOTS = (date(2026, 3, 31), date(2026, 6, 30), date(2026, 8, 31))
N_CUSTOMERS = 120


def source_frames(seed: int = 11, balances: bool = True, dated_leads: bool = True) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = N_CUSTOMERS
    ids = [f"P{i:04d}" for i in range(n)]
    ctype = rng.choice(["retail", "corporate"], size=n, p=[0.8, 0.2])
    customers = pd.DataFrame({
        "customer_id": ids,
        "customer_name": [f"Name {i}" for i in range(n)],
        "customer_type": ctype,
        "branch_id": rng.choice(["ZX01", "ZX02", "ZX03"], size=n),  # no branches export loaded
        "rm_id": rng.choice(["R-UNK-1", "R-UNK-2", ""], size=n),  # no staff export loaded
        "open_date": [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 960, size=n)],
        "status": rng.choice(["active", "closed"], size=n, p=[0.9, 0.1]),
    })
    customers["close_date"] = [date(2026, 7, 15) if s == "closed" else None for s in customers["status"]]
    rows = []
    if balances:
        for cid, opened, closed in zip(ids, customers["open_date"], customers["close_date"]):
            base = float(rng.lognormal(12, 1.2))
            for k, snap in enumerate(SNAPSHOTS):
                if snap < opened or (closed is not None and snap >= closed):
                    continue  # no balance before the account opened or after it closed
                f = 1 + 0.05 * k + float(rng.normal(0, 0.1))
                rows.append({"customer_id": cid, "as_of": snap, "deposits": round(base * 0.6 * f, 2),
                             "wealth": round(base * 0.3 * f, 2), "funds": round(base * 0.1 * f, 2),
                             "insurance": 0.0, "other_assets": 0.0, "loans": round(base * 0.2, 2)})
    bal = pd.DataFrame(rows, columns=["customer_id", "as_of", "deposits", "wealth", "funds", "insurance",
                                      "other_assets", "loans"])
    m = 300
    contact = [date(2026, 7, 1) + timedelta(days=int(d)) for d in rng.integers(0, 60, size=m)]
    if not dated_leads:
        contact = [None] * m
    else:  # a third of the leads came without a contact date
        contact = [None if i % 3 == 0 else d for i, d in enumerate(contact)]
    leads = pd.DataFrame({
        "lead_id": [f"L{i:05d}" for i in range(m)],
        "campaign_id": rng.choice(["CMP-X", "CMP-Y"], size=m),  # no campaigns export loaded
        "customer_id": rng.choice(ids + [""] * 40, size=m),
        "contact_date": contact,
        "channel": rng.choice(["app", "branch"], size=m),
        "converted": rng.choice(["yes", "no"], size=m, p=[0.3, 0.7]),
    })
    k = 80
    sales = pd.DataFrame({
        "sale_id": [f"S{i:05d}" for i in range(k)],
        "customer_id": rng.choice(ids, size=k),
        "product_id": rng.choice(["PRD-A", "PRD-B"], size=k),  # no product catalogue loaded
        "sale_date": [date(2026, 7, 1) + timedelta(days=int(d)) for d in rng.integers(0, 60, size=k)],
        "amount": rng.integers(1_000, 50_000, size=k).astype(float),
        "fee_income": rng.integers(10, 900, size=k).astype(float),
    })
    return {"customers": customers, "balances": bal, "leads": leads, "sales": sales}


def build(path: str, tmp_dir, seed: int = 11, balances: bool = True, dated_leads: bool = True,
          with_cube: bool = True) -> dict[str, pd.DataFrame]:
    """Write the partial bank into `path` through the importer; returns the source frames."""
    frames = source_frames(seed, balances, dated_leads)
    db = open_database(path)
    try:
        for name in ("customers", "balances", "sales", "leads"):
            df = frames[name]
            if df.empty:
                continue
            f = tmp_dir / f"{name}.csv"
            df.to_csv(f, index=False)
            rep = jobs.import_one(db, str(f), {"table": name})
            assert rep.inserted == len(df), (name, rep)
        if with_cube:
            warmup.refresh(db)
    finally:
        db.close()
    return frames


def true_aum(frames: dict[str, pd.DataFrame], as_of: date) -> float:
    """AUM at a snapshot computed from the source rows with pandas (loans excluded)."""
    b = frames["balances"]
    b = b[b["as_of"] == as_of]
    return float(b[["deposits", "wealth", "funds", "insurance", "other_assets"]].sum().sum())
