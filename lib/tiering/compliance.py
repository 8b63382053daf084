"""Suitability check of wealth, fund and insurance sales: product risk level (R1-R5) against the
customer's assessed risk tolerance (C1-C5) at the time of sale, and the assessment's validity.

No Streamlit here; parameterised SQL, scope via ``lib.core.db.Scope``.

A sale (not cancelled, of a product of type wealth, fund or insurance, to a retail customer) is
listed when at least one of these holds:
- **exceeds**: the product's risk level R*n* is above the customer's tolerance C*m* (n > m);
- **missing**: the customer has no tolerance or no assessment date, or the assessment on file is
  dated after the sale (so none was on file when it was made);
- **expired**: the assessment was older than ``risk_assessment_validity_days`` (setting, 365) on
  the sale date.
The data keeps one assessment per customer (the latest), so "at the time of sale" is judged with
that assessment and its date. Corporate clients are left out: the C1-C5 assessment is an
individual investor's. ``issue`` is the most serious of the three (exceeds > missing > expired).

Two kinds, never mixed in one figure: a **breach** (``exceeds``: a product riskier than the
customer may buy -- a compliance breach) and a **to-do** (``missing`` or ``expired`` without a
breach: the assessment has to be (re)done). Lists rank breaches first, then by amount.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core import settings
from lib.core.db import Database, Scope

TYPES = ("wealth", "fund", "insurance")
ISSUES = ("exceeds", "missing", "expired")
KINDS = ("breach", "todo")  # exceeds / missing or expired without a breach


def _cte(db: Database, start: date, end: date, scope: Scope, validity_days: int | None) -> tuple[str, dict]:
    sc, params = scope.customer_filter("c", "csc")
    params.update({"k_start": start, "k_end": end, "k_types": list(TYPES),
                   "k_validity": int(validity_days if validity_days is not None
                                     else settings.get(db, "risk_assessment_validity_days"))})
    sql = f"""
        checked AS (
          SELECT s.sale_id, s.sale_date, s.customer_id, c.customer_name, c.branch_id, br.branch_name,
                 coalesce(s.rm_id, c.rm_id) AS rm_id, st.rm_name, rb.branch_name AS rm_branch_name, s.product_id, p.product_name, p.product_type,
                 p.risk_level, c.risk_tolerance, c.risk_assessed_on, s.amount,
                 CASE WHEN p.risk_level LIKE 'R_' THEN CAST(substr(p.risk_level, 2, 1) AS INTEGER) END AS lvl,
                 CASE WHEN c.risk_tolerance LIKE 'C_' THEN CAST(substr(c.risk_tolerance, 2, 1) AS INTEGER) END AS tol
          FROM sales s JOIN products p ON p.product_id = s.product_id
          JOIN customers c ON c.customer_id = s.customer_id
          LEFT JOIN branches br ON br.branch_id = c.branch_id
          LEFT JOIN staff st ON st.rm_id = coalesce(s.rm_id, c.rm_id)
          LEFT JOIN branches rb ON rb.branch_id = st.branch_id
          WHERE list_contains($k_types, p.product_type) AND c.customer_type = 'retail'
            AND s.sale_date BETWEEN $k_start AND $k_end AND coalesce(s.status, '') <> 'cancelled' AND {sc}
        ),
        flagged AS (
          SELECT *, coalesce(lvl > tol, FALSE) AS exceeds,
                 tol IS NULL OR risk_assessed_on IS NULL OR risk_assessed_on > sale_date AS missing,
                 tol IS NOT NULL AND risk_assessed_on IS NOT NULL AND risk_assessed_on <= sale_date
                   AND date_diff('day', risk_assessed_on, sale_date) > $k_validity AS expired
          FROM checked
        ),
        issues AS (
          SELECT *, CASE WHEN exceeds THEN 'exceeds' WHEN missing THEN 'missing' ELSE 'expired' END AS issue,
                 CASE WHEN exceeds THEN 'breach' ELSE 'todo' END AS kind
          FROM flagged WHERE exceeds OR missing OR expired
        )"""
    return sql, params


def mismatches(db: Database, start: date, end: date, scope: Scope, validity_days: int | None = None,
               only_exceeds: bool = False) -> pd.DataFrame:
    """Every flagged sale in [start, end]: sale_id, sale_date, customer_id, customer_name (unmasked),
    branch_id, branch_name, rm_id, rm_name, product_id, product_name, product_type, risk_level,
    risk_tolerance, risk_assessed_on, amount, exceeds, missing, expired, issue, kind. Breaches first,
    then the largest amount first. ``only_exceeds`` keeps the breaches (product risk above the tolerance)."""
    cte, params = _cte(db, start, end, scope, validity_days)
    params["k_only"] = bool(only_exceeds)
    return db.query(f"""
        WITH {cte}
        SELECT sale_id, sale_date, customer_id, customer_name, branch_id, branch_name, rm_id, rm_name, product_id,
               product_name, product_type, risk_level, risk_tolerance, risk_assessed_on, amount,
               exceeds, missing, expired, issue, kind
        FROM issues WHERE exceeds OR NOT $k_only
        ORDER BY exceeds DESC, coalesce(amount, 0) DESC, sale_date DESC, sale_id""", params)


def summary(db: Database, start: date, end: date, scope: Scope, level: str,
            validity_days: int | None = None) -> pd.DataFrame:
    """Per RM (level 'rm', with the RM's own branch) or customer branch ('branch'): sales checked, flagged, exceeds, missing, expired,
    flagged_share. Every RM / branch with a checked sale appears; most flagged first."""
    keys = {"rm": "rm_id, rm_name, rm_branch_name AS branch_name", "branch": "branch_id, branch_name"}[level]
    cte, params = _cte(db, start, end, scope, validity_days)
    df = db.query(f"""
        WITH {cte}
        SELECT {keys}, count(*) AS sales,
               count(*) FILTER (WHERE exceeds OR missing OR expired) AS flagged,
               count(*) FILTER (WHERE exceeds) AS exceeds,
               count(*) FILTER (WHERE missing AND NOT exceeds) AS missing,
               count(*) FILTER (WHERE expired AND NOT exceeds AND NOT missing) AS expired,
               coalesce(sum(amount) FILTER (WHERE exceeds), 0) AS breach_amount,
               count(*) FILTER (WHERE (missing OR expired) AND NOT exceeds) AS todo,
               coalesce(sum(amount) FILTER (WHERE (missing OR expired) AND NOT exceeds), 0) AS todo_amount
        FROM flagged GROUP BY ALL""", params)
    for c in ("sales", "flagged", "exceeds", "missing", "expired", "todo"):
        df[c] = df[c].astype("int64")
    for c in ("breach_amount", "todo_amount"):
        df[c] = df[c].astype(float)
    df["flagged_share"] = df["flagged"] / df["sales"].clip(lower=1)
    first = "rm_id" if level == "rm" else "branch_id"
    # breaches first (by count, then amount), then the to-dos
    return df.sort_values(["exceeds", "breach_amount", "todo", "todo_amount", first],
                          ascending=[False, False, False, False, True]).reset_index(drop=True)


def totals(db: Database, start: date, end: date, scope: Scope, validity_days: int | None = None) -> dict:
    """Sales checked and flagged in total, by primary issue, with the count and amount of each kind:
    sales, amount, flagged, exceeds, missing, expired, breach / breach_amount (exceeds),
    todo / todo_amount (missing or expired without a breach)."""
    cte, params = _cte(db, start, end, scope, validity_days)
    row = db.rows(f"""
        WITH {cte}
        SELECT count(*), count(*) FILTER (WHERE exceeds OR missing OR expired), count(*) FILTER (WHERE exceeds),
               count(*) FILTER (WHERE missing AND NOT exceeds),
               count(*) FILTER (WHERE expired AND NOT exceeds AND NOT missing),
               coalesce(sum(amount), 0), coalesce(sum(amount) FILTER (WHERE exceeds), 0),
               coalesce(sum(amount) FILTER (WHERE (missing OR expired) AND NOT exceeds), 0)
        FROM flagged""", params)[0]
    out = dict(zip(("sales", "flagged", "exceeds", "missing", "expired"), (int(x) for x in row[:5])))
    out.update(amount=float(row[5]), breach=out["exceeds"], breach_amount=float(row[6]),
               todo=out["missing"] + out["expired"], todo_amount=float(row[7]))
    return out
