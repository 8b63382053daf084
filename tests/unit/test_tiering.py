"""Tier rules, pyramid, migration and health sub-scores on a hand-made bank with known answers."""
from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from lib.tiering import health
from lib.core import privacy
from lib.tiering import tiers
from lib.core.db import Scope, open_database
from lib.core.periods import Quarter


def _bank():
    db = open_database(":memory:")
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches VALUES ('B1', 'One', 'North', NULL, NULL), ('B2', 'Two', 'South', NULL, NULL)")
        cur.execute("""INSERT INTO products (product_id, product_name, product_type, risk_level) VALUES
            ('DEP', 'Deposit', 'deposit', 'R1'), ('CL', 'Consumer loan', 'consumer_loan', NULL),
            ('F3', 'Fund R3', 'fund', 'R3'), ('W2', 'Wealth R2', 'wealth', 'R2'), ('CC', 'Card', 'credit_card', NULL)""")
    return db


def _customer(cur, cid, ctype="retail", branch="B1", open_date="2020-01-01", close_date=None, tol=None,
              assessed=None, name=None):
    cur.execute("""INSERT INTO customers (customer_id, customer_name, customer_type, branch_id, rm_id, open_date,
                   close_date, status, risk_tolerance, risk_assessed_on) VALUES (?, ?, ?, ?, 'RM1', ?, ?, ?, ?, ?)""",
                [cid, name or f"Name {cid}", ctype, branch, open_date, close_date,
                 "closed" if close_date else "active", tol, assessed])


def _bal(cur, cid, as_of, deposits=0.0, loans=0.0, wealth=0.0, funds=0.0):
    cur.execute("INSERT INTO balances (customer_id, as_of, deposits, loans, wealth, funds) VALUES (?, ?, ?, ?, ?, ?)",
                [cid, as_of, deposits, loans, wealth, funds])


def _sale(cur, sid, cid, pid, d="2020-01-01", amount=1000.0, status="active", close=None):
    cur.execute("""INSERT INTO sales (sale_id, customer_id, product_id, rm_id, sale_date, amount, status, close_date)
                   VALUES (?, ?, ?, 'RM1', ?, ?, ?, ?)""", [sid, cid, pid, d, amount, status, close])


@pytest.fixture(scope="module")
def tier_bank():
    db = _bank()
    q1, q2, q3 = "2026-03-31", "2026-06-30", "2026-09-30"
    with db.transaction() as cur:
        rows = {  # customer: (AUM at q1, q2, q3)
            "R1": (7e6, 7e6, None), "R2": (6e5, 6e5, 4e5), "R3": (1e5, 1e5, 1e5), "R4": (1.2e4, 2e4, 2e4),
            "R5": (2e4, 2e4, 2e4), "R6": (2e4, 2e4, 6e4), "R7": (2e3, 5e3, 5e3),
        }
        for cid, aums in rows.items():
            _customer(cur, cid, close_date="2026-08-15" if cid == "R1" else None)
            for d, a in zip((q1, q2, q3), aums):
                if a is not None:
                    _bal(cur, cid, d, deposits=a)
        _customer(cur, "R8")                                   # no snapshot
        _customer(cur, "R9", close_date="2026-05-01")          # closed before the quarter's end
        _bal(cur, "R9", q1, deposits=1e6)
        _customer(cur, "R10", open_date="2026-08-01")          # new in Q3
        _bal(cur, "R10", q3, deposits=3e4)
        _sale(cur, "S1", "R5", "CL")                           # active consumer loan lifts R5
        _sale(cur, "S2", "R6", "CL", close="2026-01-01")       # repaid loan does not
        for cid, dep, loans in (("K1", 8e6, 4e6), ("K2", 2e6, 0.0), ("K3", 3e5, 0.0)):
            _customer(cur, cid, "corporate", branch="B2")
            for d in (q1, q2, q3):
                _bal(cur, cid, d, deposits=dep, loans=loans)
    yield db
    db.close()


EXPECTED_Q2 = {"R1": "private", "R2": "wealth", "R3": "potential", "R4": "potential", "R5": "potential",
               "R6": "mass", "R7": "mass", "R8": "unknown", "K1": "corp_large", "K2": "corp_medium", "K3": "corp_small"}


def test_tier_rules(tier_bank):
    got = tiers.customer_tiers(tier_bank, "2026Q2", Scope())
    assert dict(zip(got.customer_id, got.tier)) == EXPECTED_Q2          # R9 (closed) and R10 (not open) absent


def test_tier_rules_configurable(tier_bank):
    rules = {**tiers.tier_rules(tier_bank), "potential_growth": 0.8, "potential_loan_types": [],
             "wealth": 700_000.0, "corporate_medium": 3_000_000.0}
    got = tiers.customer_tiers(tier_bank, "2026Q2", Scope(), tiers.rules_key(rules))
    tiers_by = dict(zip(got.customer_id, got.tier))
    assert tiers_by["R4"] == "mass" and tiers_by["R5"] == "mass"     # growth 67 % < 80 %, loans off
    assert tiers_by["R2"] == "potential" and tiers_by["K2"] == "corp_small"


def test_save_rules_roundtrip(tmp_path):
    db = open_database(str(tmp_path / "s.duckdb"))
    try:
        rules = {**tiers.tier_rules(db), "private": 5e6, "potential_growth": 0.5, "corporate_large": 2e7}
        tiers.save_rules(db, rules)
        got = tiers.tier_rules(db)
        assert got["private"] == 5e6 and got["potential_growth"] == 0.5 and got["corporate_large"] == 2e7
        with pytest.raises(ValueError):
            tiers.save_rules(db, {**rules, "wealth": 6e6})
    finally:
        db.close()


def test_pyramid_and_scope(tier_bank):
    pyr = tiers.pyramid(tier_bank, "2026Q2", Scope())
    by = pyr.set_index("tier")
    assert by.loc["potential", "customers"] == 3 and by.loc["mass", "customers"] == 2
    assert by.loc["private", "aum"] == 7e6
    total = 7e6 + 6e5 + 1e5 + 2e4 * 3 + 5e3 + 8e6 + 2e6 + 3e5   # AUM excludes K1's loans
    assert pyr["aum"].sum() == pytest.approx(total)
    assert by.loc["private", "aum_share"] == pytest.approx(7e6 / total)
    assert list(pyr["tier"])[:3] == ["private", "wealth", "potential"]
    south = tiers.pyramid(tier_bank, "2026Q2", Scope(region="South"))
    assert set(south["tier"]) == {"corp_large", "corp_medium", "corp_small"}


def test_migration(tier_bank):
    mig = tiers.migration(tier_bank, "2026Q2", "2026Q3", Scope())
    cells = {(a, b): n for a, b, n in zip(mig.from_tier, mig.to_tier, mig.customers)}
    assert cells[("private", "left")] == 1
    assert cells[("wealth", "potential")] == 1
    assert cells[("mass", "potential")] == 1                   # R6 up to 60k
    assert cells[("new", "mass")] == 1                         # R10 (30k, no growth history)
    summary = tiers.migration_summary(mig)
    # R4 was potential only by its Q2 growth: flat in Q3, it falls back to mass
    assert cells[("potential", "mass")] == 1
    assert summary == {"up": 1, "down": 2, "same": 7, "new": 1, "left": 1}
    who = tiers.migration_customers(tier_bank, "2026Q2", "2026Q3", Scope(), "wealth", "potential")
    assert list(who.customer_id) == ["R2"] and who.to_aum.iloc[0] == 4e5
    assert privacy.mask_frame(who, "customers")["customer_name"].iloc[0] == "N******"


# ---------------------------------------------------------------- health
@pytest.fixture(scope="module")
def health_bank():
    db = _bank()
    months = [date(2025, 7, 31), date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 30),
              date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
              date(2026, 5, 31), date(2026, 6, 30)]
    with db.transaction() as cur:
        _customer(cur, "H1", tol="C2", assessed="2026-01-10")
        _customer(cur, "H2", tol="C5", assessed="2026-01-10")
        _customer(cur, "H3")
        for i, d in enumerate(months):
            _bal(cur, "H1", d, deposits=5000.0, funds=3000.0, wealth=2000.0)
            _bal(cur, "H2", d, deposits=10_000.0 * 1.05 ** i)
            _bal(cur, "H3", d, deposits=20_000.0 if i % 2 == 0 else 10_000.0)
        _sale(cur, "A1", "H1", "DEP")
        _sale(cur, "A2", "H1", "F3", amount=3000.0)
        _sale(cur, "A3", "H1", "W2", amount=2000.0)
        _sale(cur, "A4", "H2", "DEP")
        _sale(cur, "A5", "H3", "DEP")
        _sale(cur, "A6", "H3", "CC")
    yield db, months
    db.close()


def test_health_scores_known_answers(health_bank):
    db, months = health_bank
    h = health.health_scores(db, "2026Q2", Scope()).set_index("customer_id")
    assert set(h["tier"]) == {"mass"}
    # stability: flat -> vol 0, trend 0 -> 0.6*100 + 0.4*50
    assert h.loc["H1", "stability"] == pytest.approx(80.0)
    # +5 % a month -> vol 0, trend ln 1.05 per month
    assert h.loc["H2", "stability"] == pytest.approx(60 + 40 * min(1, 0.5 + math.log(1.05) / 0.10))
    # alternating 20k/10k (ends lower, so no growth lift into potential): independent computation
    la = np.log([20_000.0 if i % 2 == 0 else 10_000.0 for i in range(12)])
    vol = np.std(np.diff(la), ddof=1)
    slope = np.polyfit(np.arange(12), la, 1)[0]
    expected = 60 * max(0, min(1, 1 - vol / 0.20)) + 40 * max(0, min(1, 0.5 + slope / 0.10))
    assert h.loc["H3", "stability"] == pytest.approx(expected)
    # diversity: types 3, 1, 2 -> typical = upper quartile 2.5
    assert h.loc["H1", "typical"] == pytest.approx(2.5)
    assert h.loc["H1", "diversity"] == pytest.approx(100.0)
    assert h.loc["H2", "diversity"] == pytest.approx(40.0)
    assert h.loc["H3", "diversity"] == pytest.approx(80.0)
    # risk fit: H1 portfolio (5000*1 + 5000*2.6)/10000 = 1.8 within C2, but a fund R3 > C2 caps at 40
    assert h.loc["H1", "portfolio_risk"] == pytest.approx(1.8)
    assert h.loc["H1", "risk_fit"] == pytest.approx(40.0)
    # H2 all deposits with C5: 100 - 15 * (4 - 1.5)
    assert h.loc["H2", "risk_fit"] == pytest.approx(62.5)
    assert math.isnan(h.loc["H3", "risk_fit"])                     # no tolerance: not scored
    assert h.loc["H1", "health"] == pytest.approx((80 + 100 + 40) / 3)
    assert h.loc["H3", "health"] == pytest.approx((h.loc["H3", "stability"] + 80) / 2)
    # weakest dimension and action
    assert (h.loc["H1", "weakest"], h.loc["H1", "action"]) == ("risk_fit", "rebalance")
    assert (h.loc["H2", "weakest"], h.loc["H2", "action"]) == ("diversity", "bundle")
    assert h.loc["H2", "next_type"] == "credit_card"              # tie among the tier's types: alphabetical
    assert (h.loc["H3", "weakest"], h.loc["H3", "action"]) == ("risk_fit", "reassess")


def test_health_expired_assessment_and_distribution(health_bank):
    db, _ = health_bank
    from lib.core import settings
    settings.put(db, "risk_assessment_validity_days", 100)
    try:
        h = health.health_scores(db, "2026Q2", Scope()).set_index("customer_id")
        assert h.loc["H2", "action"] == "reassess"                 # assessed 2026-01-10, > 100 days before 30 Jun
    finally:
        settings.put(db, "risk_assessment_validity_days", 365)
    dist = health.distribution(db, "2026Q2", Scope())
    row = dist[(dist.tier == "mass") & (dist.dimension == "diversity")].iloc[0]
    assert row.customers == 3 and row.p50 == pytest.approx(80.0) and row["mean"] == pytest.approx(220 / 3)
    assert dist[(dist.dimension == "risk_fit")].customers.iloc[0] == 2
    low = health.lowest(db, "2026Q2", Scope(), limit=1)
    assert len(low) == 1 and low.health.iloc[0] == min(health.health_scores(db, "2026Q2", Scope()).health)
    counts = health.weakest_counts(db, "2026Q2", Scope())
    assert counts.customers.sum() == 3


def test_definitions_bilingual():
    for lang in ("en", "zh"):
        rows = health.definitions(lang)
        keys = {r["key"] for r in rows}
        assert {"stability", "diversity", "risk_fit", "health", "churn", "aum_at_risk", "compliance"} <= keys
        assert all(r["label"] and r["definition"] and r["formula"] for r in rows)


def test_reconcile_adds_the_tiers_up_to_the_aum_card():
    """Closed customers' and unknown customers' balances are in the bank's AUM but in no tier: the
    reconciliation names both, and tiers + both = the AUM metric, for the bank, a branch and Unassigned."""
    from lib.metrics import registry as metrics
    db = _bank()
    q = "2026-06-30"
    with db.transaction() as cur:
        _customer(cur, "A1")
        _bal(cur, "A1", q, deposits=1e6)
        _customer(cur, "A2", branch="B2")
        _bal(cur, "A2", q, deposits=2e5, wealth=5e4)
        _customer(cur, "A3", close_date="2026-05-15")               # closed, its balance still in the dump
        _bal(cur, "A3", q, deposits=3e4)
        _customer(cur, "A4", open_date="2026-07-02")                # opened after the quarter
        _bal(cur, "A4", q, deposits=7e3)
        _bal(cur, "ZZ", q, deposits=4e4)                            # its customer is not loaded yet
    try:
        for scope, tiered, not_open, unknown in ((Scope(), 1.25e6, 3.7e4, 4e4),
                                                 (Scope(branch_ids=("B1",)), 1e6, 3.7e4, 0.0),
                                                 (Scope(unassigned=True), 0.0, 0.0, 4e4)):
            rec = tiers.reconcile(db, "2026Q2", scope)
            assert (rec["tiered"], rec["not_open"], rec["no_customer"]) == pytest.approx((tiered, not_open, unknown))
            assert rec["tiered"] == pytest.approx(tiers.pyramid(db, "2026Q2", scope)["aum"].sum())
            assert rec["bank"] == pytest.approx(metrics.compute(db, "aum", Quarter.parse("2026Q2"), scope) or 0)
        assert tiers.reconcile(db, "2025Q1", Scope()) is None           # no snapshot in that quarter
    finally:
        db.close()
