"""The demo bank: keys unique, foreign keys resolve, realistic shape, churn with drivers."""
import os
import threading

import pytest

from lib import demo
from lib.core import schema
from lib.core.db import open_database
from lib.core.periods import Quarter


@pytest.mark.parametrize("t", schema.TABLES, ids=lambda t: t.name)
def test_every_table_has_rows_and_unique_keys(demo_db, t):
    n = demo_db.scalar(f'SELECT count(*) FROM "{t.name}"')
    assert n > 0, t.name
    keys = ", ".join(f'"{k}"' for k in t.key)
    distinct = demo_db.scalar(f'SELECT count(*) FROM (SELECT DISTINCT {keys} FROM "{t.name}")')
    assert distinct == n, f"{t.name}: duplicate keys"
    for c in t.required:
        assert demo_db.scalar(f'SELECT count(*) FROM "{t.name}" WHERE "{c}" IS NULL') == 0, (t.name, c)


REFS = [(t.name, c.name, c.references) for t in schema.TABLES for c in t.columns if c.references]


@pytest.mark.parametrize("table_name,column,ref", REFS, ids=[f"{a}.{b}" for a, b, _ in REFS])
def test_foreign_keys_resolve(demo_db, table_name, column, ref):
    rt, rc = ref.split(".")
    orphans = demo_db.scalar(
        f'SELECT count(*) FROM "{table_name}" x WHERE x."{column}" IS NOT NULL '
        f'AND x."{column}" NOT IN (SELECT "{rc}" FROM "{rt}")')
    assert orphans == 0


@pytest.mark.parametrize("t", [t for t in schema.TABLES if any(c.categories for c in t.columns)], ids=lambda t: t.name)
def test_category_values_are_canonical(demo_db, t):
    for c in t.columns:
        if c.categories:
            values = {r[0] for r in demo_db.rows(f'SELECT DISTINCT "{c.name}" FROM "{t.name}"') if r[0] is not None}
            assert values <= set(c.categories), (t.name, c.name, values - set(c.categories))


def test_history_covers_five_complete_quarters(demo_db):
    dates = [r[0] for r in demo_db.rows("SELECT DISTINCT as_of FROM balances ORDER BY 1")]
    complete = {Quarter.of(d) for d in dates if d == Quarter.of(d).end}
    assert len(complete) >= 5
    assert dates[-1] == demo.AS_OF


def test_retail_tier_pyramid(demo_db):
    shares = dict(demo_db.rows("""
        SELECT CASE WHEN aum >= 6e6 THEN 'private' WHEN aum >= 5e5 THEN 'wealth'
                    WHEN aum >= 5e4 THEN 'potential' ELSE 'mass' END,
               count(*) / sum(count(*)) OVER ()
        FROM v_balances JOIN customers USING (customer_id)
        WHERE as_of = '2026-09-30' AND customer_type = 'retail' GROUP BY 1"""))
    assert shares["mass"] > shares["potential"] > shares["wealth"] > shares.get("private", 0)
    assert 0.45 < shares["mass"] < 0.8
    assert 0.02 < shares["wealth"] < 0.12


def test_churn_depends_on_its_drivers(demo_db):
    """Customers who churned in 2026Q2 had fewer products, fewer RM contacts in Q1 and falling
    balances during Q1, compared with those who stayed."""
    rows = demo_db.query("""
        WITH base AS (
          SELECT c.customer_id, s.aum AS start_aum, coalesce(e.aum, 0) AS end_aum, c.status, c.close_date
          FROM customers c JOIN v_balances s ON s.customer_id = c.customer_id AND s.as_of = '2026-03-31'
          LEFT JOIN v_balances e ON e.customer_id = c.customer_id AND e.as_of = '2026-06-30'
          WHERE s.aum > 0 AND c.customer_type = 'retail'),
        lab AS (SELECT customer_id, (end_aum < 0.3 * start_aum) OR (close_date BETWEEN '2026-04-01' AND '2026-06-30') AS churned FROM base),
        prods AS (SELECT customer_id, count(DISTINCT p.product_type) AS n FROM sales s JOIN products p USING (product_id)
                  WHERE sale_date < '2026-04-01' GROUP BY 1),
        contacts AS (SELECT customer_id, count(*) AS n FROM activities WHERE activity_date BETWEEN '2026-01-01' AND '2026-03-31'
                     AND customer_id IS NOT NULL GROUP BY 1),
        trend AS (SELECT b1.customer_id, b1.aum / nullif(b0.aum, 0) AS ratio FROM v_balances b1
                  JOIN v_balances b0 ON b0.customer_id = b1.customer_id AND b0.as_of = '2025-12-31'
                  WHERE b1.as_of = '2026-03-31')
        SELECT l.churned, avg(coalesce(p.n, 0)) AS products, avg(coalesce(k.n, 0)) AS contacts,
               median(t.ratio) AS trend, count(*) AS n
        FROM lab l LEFT JOIN prods p USING (customer_id) LEFT JOIN contacts k USING (customer_id)
        LEFT JOIN trend t USING (customer_id) GROUP BY 1""").set_index("churned")
    assert rows.loc[True, "n"] >= 20
    assert rows.loc[True, "products"] < rows.loc[False, "products"]
    assert rows.loc[True, "contacts"] < rows.loc[False, "contacts"]
    assert rows.loc[True, "trend"] < rows.loc[False, "trend"] - 0.05


def test_some_wealth_sales_exceed_the_customers_risk_tolerance(demo_db):
    n = demo_db.scalar("""
        SELECT count(*) FROM sales s JOIN products p USING (product_id) JOIN customers c USING (customer_id)
        WHERE p.product_type IN ('wealth', 'fund', 'insurance') AND c.risk_tolerance IS NOT NULL
          AND CAST(substr(p.risk_level, 2) AS INT) > CAST(substr(c.risk_tolerance, 2) AS INT)""")
    total = demo_db.scalar("SELECT count(*) FROM sales s JOIN products p USING (product_id) "
                           "WHERE p.product_type IN ('wealth', 'fund', 'insurance')")
    assert 0 < n < 0.1 * total


def test_campaigns_include_a_low_roi_one_and_an_ab_test(demo_db):
    roi = demo_db.query("""
        SELECT c.campaign_id, c.cost, sum(coalesce(l.aum_inflow, 0)) * 0.012 / 4 + count(*) FILTER (WHERE l.converted) * 50 AS revenue
        FROM campaigns c JOIN leads l USING (campaign_id) GROUP BY ALL""")
    assert (roi.revenue / roi.cost < 0.5).any()
    ab = demo_db.query("""
        SELECT campaign_id, variant, avg(CASE WHEN converted THEN 1 ELSE 0 END) AS rate, count(*) AS n
        FROM leads WHERE variant IS NOT NULL GROUP BY ALL ORDER BY 1, 2""")
    assert set(ab.variant) == {"A", "B"}
    latest = ab[ab.campaign_id == ab.campaign_id.max()].set_index("variant")
    assert latest.loc["B", "rate"] > latest.loc["A", "rate"] * 1.3


def test_mentor_pairs_and_lines(demo_db):
    lines = {r[0] for r in demo_db.rows("SELECT DISTINCT line FROM staff")}
    assert lines == {"retail", "corporate", "private"}
    assert demo_db.scalar("SELECT count(*) FROM staff WHERE mentor_rm_id IS NOT NULL") > 0
    assert demo_db.scalar("SELECT count(*) FROM staff s JOIN staff m ON m.rm_id = s.mentor_rm_id "
                          "WHERE m.branch_id <> s.branch_id") == 0


def test_same_seed_same_bank(tmp_path, demo_db):
    path = str(tmp_path / "again.duckdb")
    demo.build(path, 2_000, seed=7)
    again = open_database(path)
    for t in ("customers", "balances", "sales", "leads", "targets"):
        q = f"SELECT sum(hash(COLUMNS(* EXCLUDE (extra_attrs, import_id)))) FROM {t}"
        assert again.rows(q) == demo_db.rows(q), t
    again.close()


def test_ensure_demo_builds_once_under_concurrency(tmp_path, monkeypatch):
    calls = []
    real = demo.build
    monkeypatch.setattr(demo, "build", lambda path, n, seed: (calls.append(path), real(path, 300, seed)))
    path = str(tmp_path / "first.duckdb")
    results = []
    threads = [threading.Thread(target=lambda: results.append(demo.ensure_demo(path, 300))) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [False, False, True]
    assert len(calls) == 1 and os.path.exists(path)
    db = open_database(path)
    assert db.meta("source") == "demo"
    db.close()
    assert demo.ensure_demo(path) is False
