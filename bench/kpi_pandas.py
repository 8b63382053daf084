"""The same KPI set as lib.metrics.registry, computed the way a typical Streamlit dashboard does it:
pandas DataFrames loaded from files, merged and filtered in Python.

Used by bench/run.py to compare against the product's DuckDB queries. Every function takes
the DataFrames and the period's dates (the same ones lib.metrics.registry.period resolves) and returns
the whole-bank value; bench/run.py checks they agree with lib.metrics.registry.compute.
"""
from __future__ import annotations

import pandas as pd

AUM_PARTS = ("deposits", "wealth", "funds", "insurance", "other_assets")
TABLES = {
    "customers": ["customer_id", "customer_type", "branch_id", "open_date", "acquisition_cost", "status",
                  "close_date"],
    "branches": ["branch_id", "region"],
    "balances": ["customer_id", "as_of", *AUM_PARTS],
    "sales": ["sale_id", "customer_id", "product_id", "sale_date", "fee_income", "status", "close_date"],
    "products": ["product_id", "product_type"],
    "leads": ["lead_id", "customer_id", "contact_date", "converted"],
}
KPIS = ("aum", "aum_growth", "new_customers", "acquisition_cost", "churn_rate", "products_per_customer",
        "wealth_penetration", "conversion_rate", "fee_income")


DATES = ("open_date", "close_date", "as_of", "sale_date", "contact_date")


def load(folder: str) -> dict[str, pd.DataFrame]:
    """The tables from Parquet, dates as datetime64 (what a dashboard does after read_parquet)."""
    import os
    out = {}
    for name in TABLES:
        df = pd.read_parquet(os.path.join(folder, name + ".parquet"))
        for c in DATES:
            if c in df.columns:
                df[c] = pd.to_datetime(df[c])
        out[name] = df
    return out


def _ts(d):
    return pd.Timestamp(d)


def _aum(bal: pd.DataFrame) -> pd.Series:
    return bal[list(AUM_PARTS)].fillna(0).sum(axis=1)


def _cust(f) -> pd.DataFrame:
    return f["customers"].merge(f["branches"], on="branch_id", how="inner")


def aum(f, p, share):
    b = f["balances"]
    b = b[b["as_of"] == _ts(p["end_snap"])]
    b = b.merge(_cust(f)[["customer_id"]], on="customer_id")
    return float(_aum(b).sum())


def aum_growth(f, p, share):
    b = f["balances"]
    b = b[b["as_of"].isin([_ts(p["start_snap"]), _ts(p["end_snap"])])]
    b = b.merge(_cust(f)[["customer_id"]], on="customer_id")
    a = _aum(b)
    end = a[b["as_of"] == _ts(p["end_snap"])].sum()
    start = a[b["as_of"] == _ts(p["start_snap"])].sum()
    return float((end - start) / start)


def _new(f, p):
    c = _cust(f)
    return c[(c["open_date"] >= _ts(p["q_start"])) & (c["open_date"] <= _ts(p["q_end"]))]


def new_customers(f, p, share):
    return float(len(_new(f, p)))


def acquisition_cost(f, p, share):
    n = _new(f, p)["acquisition_cost"]
    return float(n.sum() / n.count())


def churn_rate(f, p, share):
    c = _cust(f)
    b = f["balances"]
    s = b[b["as_of"] == _ts(p["start_snap"])]
    s = pd.DataFrame({"customer_id": s["customer_id"], "start_aum": _aum(s)})
    e = b[b["as_of"] == _ts(p["end_snap"])]
    e = pd.DataFrame({"customer_id": e["customer_id"], "end_aum": _aum(e)})
    base = c.merge(s, on="customer_id").merge(e, on="customer_id", how="left")
    base["end_aum"] = base["end_aum"].fillna(0)
    base = base[(base["start_aum"] > 0) & (base["close_date"].isna() | (base["close_date"] >= _ts(p["q_start"])))]
    closed = (base["status"] == "closed") & (base["close_date"] >= _ts(p["q_start"])) & \
        (base["close_date"] <= _ts(p["q_end"]))
    churned = closed | (base["end_aum"] < share * base["start_aum"])
    return float(churned.sum() / len(base))


def _held(f, p) -> pd.DataFrame:
    s = f["sales"]
    q_end = _ts(p["q_end"])
    s = s[(s["sale_date"] <= q_end) & (s["close_date"].isna() | (s["close_date"] > q_end))
          & (s["status"].fillna("active") != "cancelled")]
    return s.merge(f["products"], on="product_id")


def _open(f, p) -> pd.DataFrame:
    c = _cust(f)
    q_end = _ts(p["q_end"])
    return c[(c["open_date"] <= q_end) & (c["close_date"].isna() | (c["close_date"] > q_end))]


def products_per_customer(f, p, share):
    held = _held(f, p).groupby("customer_id")["product_type"].nunique()
    o = _open(f, p)
    return float(o["customer_id"].map(held).fillna(0).sum() / len(o))


def wealth_penetration(f, p, share):
    h = _held(f, p)
    holders = set(h.loc[h["product_type"].isin(["wealth", "fund", "insurance"]), "customer_id"])
    o = _open(f, p)
    return float(o["customer_id"].isin(holders).sum() / len(o))


def conversion_rate(f, p, share):
    ld = f["leads"]
    ld = ld[(ld["contact_date"] >= _ts(p["q_start"])) & (ld["contact_date"] <= _ts(p["q_end"]))]
    return float(ld["converted"].fillna(False).astype(bool).sum() / len(ld))


def fee_income(f, p, share):
    s = f["sales"]
    s = s[(s["sale_date"] >= _ts(p["q_start"])) & (s["sale_date"] <= _ts(p["q_end"]))
          & (s["status"].fillna("") != "cancelled")]
    s = s.merge(_cust(f)[["customer_id"]], on="customer_id")
    return float(s["fee_income"].sum())


FUNCS = {k: globals()[k] for k in KPIS}
