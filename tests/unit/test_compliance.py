"""Suitability check on a hand-made bank whose mismatches are known exactly."""
from __future__ import annotations

from datetime import date

import pytest

from lib.tiering import compliance
from lib.core.db import Scope, open_database

Q3 = (date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture(scope="module")
def bank():
    db = open_database(":memory:")
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches VALUES ('B1', 'One', 'North', NULL, NULL), ('B2', 'Two', 'South', NULL, NULL)")
        cur.execute("""INSERT INTO staff (rm_id, rm_name, branch_id, line) VALUES
                       ('RM1', 'Ann', 'B1', 'retail'), ('RM2', 'Bo', 'B2', 'retail')""")
        cur.execute("""INSERT INTO products (product_id, product_name, product_type, risk_level) VALUES
            ('F4', 'Fund R4', 'fund', 'R4'), ('W3', 'Wealth R3', 'wealth', 'R3'), ('D1', 'Deposit', 'deposit', 'R1'),
            ('I2', 'Insurance R2', 'insurance', 'R2'), ('W2', 'Wealth R2', 'wealth', 'R2'), ('F3', 'Fund R3', 'fund', 'R3'),
            ('W1', 'Wealth R1', 'wealth', 'R1'), ('W5', 'Wealth R5', 'wealth', 'R5'), ('F5', 'Fund R5', 'fund', 'R5')""")
        for cid, ctype, branch, tol, assessed in (
                ("A", "retail", "B1", "C3", "2026-01-10"), ("B", "retail", "B1", "C2", "2025-05-01"),
                ("C", "retail", "B2", None, None), ("D", "retail", "B2", "C4", "2026-09-15"),
                ("E", "corporate", "B2", None, None)):
            cur.execute("""INSERT INTO customers (customer_id, customer_name, customer_type, branch_id, risk_tolerance,
                           risk_assessed_on) VALUES (?, ?, ?, ?, ?, ?)""", [cid, f"Person {cid}", ctype, branch, tol, assessed])
        for sid, cid, pid, rm, d, status in (
                ("S01", "A", "F4", "RM1", "2026-07-05", "active"),    # R4 > C3: exceeds
                ("S02", "A", "W3", "RM1", "2026-07-06", "active"),    # R3 = C3: fine
                ("S03", "A", "D1", "RM1", "2026-07-07", "active"),    # deposit: not checked
                ("S04", "A", "I2", "RM1", "2026-06-30", "active"),    # before the period
                ("S05", "B", "W2", "RM1", "2026-08-01", "active"),    # assessed 457 days before: expired
                ("S06", "B", "F3", "RM2", "2026-08-02", "active"),    # R3 > C2 and expired: exceeds
                ("S07", "C", "W1", "RM2", "2026-09-01", "active"),    # no tolerance: missing
                ("S08", "D", "F3", "RM2", "2026-09-01", "active"),    # assessed after the sale: missing
                ("S09", "E", "W5", "RM2", "2026-09-01", "active"),    # corporate: not checked
                ("S10", "A", "F5", "RM1", "2026-09-02", "cancelled")):  # cancelled: not checked
            cur.execute("""INSERT INTO sales (sale_id, customer_id, product_id, rm_id, sale_date, amount, status)
                           VALUES (?, ?, ?, ?, ?, 1000, ?)""", [sid, cid, pid, rm, d, status])
    yield db
    db.close()


def test_exact_mismatches(bank):
    df = compliance.mismatches(bank, *Q3, Scope(), validity_days=365)
    assert dict(zip(df.sale_id, df.issue)) == {"S01": "exceeds", "S05": "expired", "S06": "exceeds",
                                               "S07": "missing", "S08": "missing"}
    s06 = df.set_index("sale_id").loc["S06"]
    assert bool(s06.exceeds) and bool(s06.expired) and not bool(s06.missing)
    assert list(df.kind) == ["breach", "breach", "todo", "todo", "todo"]  # breaches first
    assert dict(zip(df.sale_id, df.kind))["S06"] == "breach"  # a breach with an expired assessment is a breach
    only = compliance.mismatches(bank, *Q3, Scope(), 365, only_exceeds=True)
    assert set(only.sale_id) == {"S01", "S06"}


def test_totals_and_counts(bank):
    assert compliance.totals(bank, *Q3, Scope(), 365) == {
        "sales": 6, "flagged": 5, "exceeds": 2, "missing": 2, "expired": 1, "amount": 6000.0,
        "breach": 2, "breach_amount": 2000.0, "todo": 3, "todo_amount": 3000.0}
    rm = compliance.summary(bank, *Q3, Scope(), "rm", 365).set_index("rm_id")
    assert rm.loc["RM1", ["sales", "flagged", "exceeds", "missing", "expired"]].tolist() == [3, 2, 1, 0, 1]
    assert rm.loc["RM2", ["sales", "flagged", "exceeds", "missing", "expired"]].tolist() == [3, 3, 1, 2, 0]
    assert rm.loc["RM2", "flagged_share"] == 1.0
    branch = compliance.summary(bank, *Q3, Scope(), "branch", 365).set_index("branch_id")
    assert branch.loc["B1", "flagged"] == 3 and branch.loc["B2", "flagged"] == 2      # by the customer's branch
    assert rm.loc["RM2", "branch_name"] == "Two"                                     # the RM's own branch


def test_validity_and_scope(bank):
    longer = compliance.mismatches(bank, *Q3, Scope(), validity_days=500)
    assert "S05" not in set(longer.sale_id)
    south = compliance.mismatches(bank, *Q3, Scope(region="South"), 365)
    assert set(south.sale_id) == {"S07", "S08"}
    earlier = compliance.mismatches(bank, date(2026, 6, 1), date(2026, 6, 30), Scope(), 365)
    assert earlier.empty                                          # S04: R2 within C3, assessment valid


def test_breaches_and_to_dos_ranked_by_amount(bank):
    amounts = {"S01": 5_000.0, "S05": 2_500_000.0, "S06": 80_000.0, "S07": 3_000.0, "S08": 40_000.0}
    with bank.transaction() as cur:
        for sid, amount in amounts.items():
            cur.execute("UPDATE sales SET amount = ? WHERE sale_id = ?", [amount, sid])
    try:
        df = compliance.mismatches(bank, *Q3, Scope(), validity_days=365)
        # a breach of 5K outranks a to-do of 2.5M; within a kind, the largest amount first
        assert list(df.sale_id) == ["S06", "S01", "S05", "S08", "S07"]
        tot = compliance.totals(bank, *Q3, Scope(), 365)
        assert (tot["breach"], tot["breach_amount"]) == (2, 85_000.0)
        assert (tot["todo"], tot["todo_amount"]) == (3, 2_543_000.0)
        rm = compliance.summary(bank, *Q3, Scope(), "rm", 365)
        assert list(rm.rm_id) == ["RM2", "RM1"]  # one breach each: RM2's is the larger
        r = rm.set_index("rm_id")
        assert r.loc["RM1", ["exceeds", "breach_amount", "todo", "todo_amount"]].tolist() == [1, 5_000.0, 1, 2_500_000.0]
        assert r.loc["RM2", ["exceeds", "breach_amount", "todo", "todo_amount"]].tolist() == [1, 80_000.0, 2, 43_000.0]
    finally:
        with bank.transaction() as cur:
            cur.execute("UPDATE sales SET amount = 1000")
