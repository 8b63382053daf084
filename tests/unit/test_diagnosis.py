"""Diagnosis KPIs against an independent pandas computation on a small hand-made bank
(tests/diagnosis_fixture.py), hand-worked answers, edge cases, cards, bottleneck sentences,
drill-down and trend."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lib.diagnosis import diagnose as diagnosis
from lib.core import export
from lib.metrics import registry as metrics
from lib.core import settings
from lib.core.db import Scope
from lib.core.periods import Quarter
from tests import diagnosis_fixture as fx

Q3, Q2 = Quarter(2026, 3), Quarter(2026, 2)
AS_OF = date(2026, 8, 31)
START_SNAP, END_SNAP = date(2026, 6, 30), date(2026, 8, 31)
NPL = {"watch", "substandard", "doubtful", "loss"}


@pytest.fixture(scope="module")
def db():
    d = fx.build()
    yield d
    d.close()


@pytest.fixture(scope="module")
def F():
    return fx.frames()


# ---------------------------------------------------------------- the pandas oracle
def oracle(F, key: str, scope: Scope, qs=Q3.start, qe=AS_OF, s_snap=START_SNAP, e_snap=END_SNAP):
    """Each KPI computed directly from the fixture frames, without the registry's SQL."""
    c = F["customers"].merge(F["branches"], on="branch_id")
    if scope.region:
        c = c[c.region == scope.region]
    if scope.branch_ids is not None:
        c = c[c.branch_id.isin(scope.branch_ids)]
    if scope.customer_type:
        c = c[c.customer_type == scope.customer_type]
    ids = set(c.customer_id)
    b = F["balances"].copy()
    b["aum"] = b.deposits + b.wealth + b.funds
    b["mkt"] = b.wealth + b.funds
    b = b[b.customer_id.isin(ids)]
    start, end = b[b.as_of == s_snap].set_index("customer_id"), b[b.as_of == e_snap].set_index("customer_id")
    sales = F["sales"].merge(F["products"], on="product_id")
    held = sales[(sales.sale_date <= qe) & (sales.close_date.isna() | (sales.close_date > qe))
                 & (sales.status != "cancelled")]
    open_ = c[(c.open_date <= qe) & (c.close_date.isna() | (c.close_date > qe))]
    new = c[(c.open_date >= qs) & (c.open_date <= qe)]
    in_q_sales = sales[(sales.sale_date >= qs) & (sales.sale_date <= qe) & sales.customer_id.isin(ids)]
    corp_end = end[end.index.isin(c[c.customer_type == "corporate"].customer_id)]

    def churned(retained):
        base = c[c.customer_id.isin(start.index[start.aum > 0])]
        base = base[base.close_date.isna() | (base.close_date >= qs)]
        n = 0
        for r in base.itertuples():
            closed = r.status == "closed" and r.close_date is not None and qs <= r.close_date <= qe
            end_aum = end.aum.get(r.customer_id, 0.0)
            ch = closed or end_aum < 0.3 * start.aum[r.customer_id]
            n += ch != retained
        return n / len(base) if len(base) else None

    def leads(types=None):
        lz = F["leads"].merge(F["products"], on="product_id")
        lz = lz[(lz.contact_date >= qs) & (lz.contact_date <= qe)]
        if types:
            lz = lz[lz.product_type.isin(types)]
        lz = lz[lz.customer_id.isin(ids) | (lz.customer_id.isna() & scope.takes_unknown_customers)]
        return lz.converted.sum() / len(lz) if len(lz) else None

    def refused():
        lz = F["leads"][(F["leads"].contact_date >= qs) & (F["leads"].contact_date <= qe)]
        lz = lz[lz.customer_id.isin(ids) | (lz.customer_id.isna() & scope.takes_unknown_customers)]
        return ((lz.stage == "refused") & ~lz.converted).sum() / len(lz) if len(lz) else None

    def penetration(types, pool):
        holders = set(held[held.product_type.isin(types)].customer_id)
        return pool.customer_id.isin(holders).sum() / len(pool) if len(pool) else None

    def corp(segment):
        bal = (corp_end.deposits + corp_end.loans)
        keep = bal[(bal > 0) & ((bal >= fx.LARGE) if segment == "large" else (bal < fx.LARGE))]
        fees = in_q_sales[in_q_sales.status != "cancelled"].groupby("customer_id").fee_income.sum()
        acts = F["activities"]
        acts = acts[(acts.activity_date >= qs) & (acts.activity_date <= qe)]
        rev = cost = 0.0
        for cid, v in keep.items():
            rev += fees.get(cid, 0.0) + v * fx.MARGIN * ((qe - qs).days + 1) / 365
            cost += ((acts.customer_id == cid) & (acts.activity_type == "visit")).sum() * fx.COST_VISIT
            cost += ((acts.customer_id == cid) & (acts.activity_type == "call")).sum() * fx.COST_CALL
        return rev, cost

    both = start.index.intersection(end.index)
    d_aum = end.aum.sum() - start.aum.sum()
    d_mkt = (end.mkt[both] - start.mkt[both]).sum()
    touched = set(in_q_sales.customer_id) | set(
        F["activities"][(F["activities"].activity_date >= qs) & (F["activities"].activity_date <= qe)]
        .customer_id.dropna())
    corp_open = open_[open_.customer_type == "corporate"]
    small = corp_end[(corp_end.loans > 0) & (corp_end.deposits + corp_end.loans < fx.LARGE)]
    return {
        "aum": lambda: end.aum.sum(),
        "aum_growth": lambda: d_aum / start.aum.sum(),
        "net_new_money": lambda: d_aum - d_mkt,
        "market_movement": lambda: d_mkt,
        "new_customers": lambda: len(new),
        "acquisition_cost": lambda: new.acquisition_cost.mean() if new.acquisition_cost.notna().any() else None,
        "churn_rate": lambda: churned(False),
        "retention_rate": lambda: churned(True),
        "products_per_customer": lambda: sum(held[held.customer_id == i].product_type.nunique()
                                             for i in open_.customer_id) / len(open_) if len(open_) else None,
        "wealth_penetration": lambda: penetration({"wealth", "fund", "insurance"}, open_),
        "conversion_rate": lambda: leads(),
        "refusal_rate": lambda: refused(),
        "card_conversion": lambda: leads({"credit_card"}),
        "wealth_conversion": lambda: leads({"wealth", "fund", "insurance"}),
        "fee_income": lambda: in_q_sales[in_q_sales.status != "cancelled"].fee_income.sum(),
        "active_share": lambda: open_.customer_id.isin(touched).sum() / len(open_) if len(open_) else None,
        "corp_deposits": lambda: corp_end.deposits.sum(),
        "corp_loans": lambda: corp_end.loans.sum(),
        "active_corporate_clients": lambda: int(((corp_end.deposits + corp_end.loans) > 0).sum()),
        "new_corporate_clients": lambda: int((new.customer_type == "corporate").sum()),
        "large_client_revenue": lambda: corp("large")[0],
        "large_client_cost_income": lambda: corp("large")[1] / corp("large")[0] if corp("large")[0] else None,
        "small_biz_revenue": lambda: corp("small")[0],
        "small_biz_risk_share": lambda: small[small.loan_status.isin(NPL)].loans.sum() / small.loans.sum()
        if len(small) else None,
        "supply_chain_usage": lambda: penetration({"supply_chain"}, corp_open),
        "fx_usage": lambda: penetration({"fx_settlement"}, corp_open),
    }[key]()


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


SCOPES = {
    "bank": Scope(),
    "branch_B1": Scope(branch_ids=("B1",)),
    "region_South": Scope(region="South"),
    "empty_branch_B4": Scope(branch_ids=("B4",)),
    "retail": Scope(customer_type="retail"),
    "corporate": Scope(customer_type="corporate"),
}


# ---------------------------------------------------------------- every KPI
def test_every_kpi_has_a_hand_answer_and_settings_match():
    assert set(fx.HAND) == set(diagnosis.ALL_KPIS)
    assert set(diagnosis.ALL_KPIS) <= set(metrics.METRIC_BY_KEY)
    assert (settings.DEFAULTS["large_client_balance"], settings.DEFAULTS["balance_margin"],
            settings.DEFAULTS["cost_per_visit"], settings.DEFAULTS["cost_per_call"]) == \
        (fx.LARGE, fx.MARGIN, fx.COST_VISIT, fx.COST_CALL)


@pytest.mark.parametrize("key", diagnosis.ALL_KPIS)
def test_kpi_matches_hand_answer(db, F, key):
    got = metrics.compute(db, key, Q3, Scope())
    assert close(got, fx.HAND[key]), (key, got, fx.HAND[key])
    assert close(float(oracle(F, key, Scope())), fx.HAND[key])  # the oracle agrees with the hand answer


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("key", diagnosis.ALL_KPIS)
def test_kpi_matches_pandas_oracle(db, F, key, scope_name):
    scope = SCOPES[scope_name]
    got = metrics.compute(db, key, Q3, scope)
    want = oracle(F, key, scope)
    want = None if want is None or pd.isna(want) else float(want)
    m = metrics.metric(key)
    if want is None and m.unit in ("count", "cny") and m.kind != "rate":
        want = 0.0
    assert close(got, want), (key, scope_name, got, want)


@pytest.mark.parametrize("key", ["new_customers", "fee_income", "aum", "churn_rate", "conversion_rate"])
def test_grouped_by_branch_matches_oracle(db, F, key):
    got = metrics.compute_grouped(db, key, Q3, Scope(), "branch_id").set_index("grp")["value"]
    for b in ("B1", "B2", "B3"):
        want = oracle(F, key, Scope(branch_ids=(b,)))
        if b in got.index:
            assert close(float(got[b]), None if want is None else float(want))
        else:
            assert want in (0, None)


def test_split_adds_up_to_aum_change(db):
    for scope in SCOPES.values():
        nnm = metrics.compute(db, "net_new_money", Q3, scope)
        mkt = metrics.compute(db, "market_movement", Q3, scope)
        end = metrics.compute(db, "aum", Q3, scope) or 0.0
        start = metrics.compute_grouped(db, "aum_growth", Q3, scope)["den"].sum()
        assert nnm + mkt == pytest.approx(end - start)


def test_closed_mid_quarter_customer(db, F):
    # C3 closed on 2026-08-10: churned, a leaver in net new money, not an open customer at the end
    b2 = Scope(branch_ids=("B2",))
    assert metrics.compute(db, "churn_rate", Q3, b2) == pytest.approx(1 / 2)  # C3 churned, C8 kept
    assert metrics.compute(db, "net_new_money", Q3, b2) == pytest.approx(-100_000 + 3_000 + 2_000)
    assert metrics.compute_grouped(db, "products_per_customer", Q3, b2)["den"].sum() == 2  # C4, C8


def test_as_of_cuts_the_quarter(db):
    assert metrics.compute(db, "new_customers", Q3, Scope(), as_of=date(2026, 7, 31)) == 2  # C2, C6
    assert metrics.compute(db, "new_customers", Q2, Scope(), as_of=date(2026, 5, 31)) == 1  # C8
    assert metrics.compute(db, "aum", Q3, Scope(), as_of=date(2026, 7, 15)) is None  # no snapshot yet
    assert metrics.compute(db, "aum", Q3, Scope(), as_of=date(2026, 8, 5)) == pytest.approx(
        172_000 + 5_000 + 100_000 + 8_500_000 + 200_000 + 30_000 + 10_000)


def test_tables_used():
    assert set(metrics.tables_used("card_conversion")) >= {"leads", "products"}
    assert "balances" in metrics.tables_used("aum")  # via v_balances
    assert "leads" not in metrics.tables_used("aum")


# ---------------------------------------------------------------- cards
@pytest.fixture(scope="module")
def cards(db):
    return diagnosis.kpis(db, "2026Q3", Scope()).set_index("key")


def test_card_plan_pace_attainment_status(cards):
    r = cards.loc["new_customers"]
    assert r["plan"] == 10
    assert r["expected"] == pytest.approx(10 * 62 / 92)
    assert r["attainment"] == pytest.approx(3 / (10 * 62 / 92))
    assert r["status"] == "off_track"
    assert cards.loc["aum", "attainment"] == pytest.approx(9_525_000 / 9_000_000)  # stock: no pace
    assert cards.loc["aum", "status"] == "on_track"


def test_lower_is_better_is_inverted(cards):
    r = cards.loc["churn_rate"]  # 40% against a plan of 25%: attainment 25/40
    assert r["attainment"] == pytest.approx(0.25 / 0.4)
    assert r["status"] == "off_track"
    assert r["peer"] == 0.3 and r["vs_peer"] == pytest.approx(0.1)  # percentage points


def test_qoq_is_like_for_like_while_running(cards):
    # Q2 cut at the same day (day 62 → 2026-05-31): one new customer (C8); now three.
    assert cards.loc["new_customers", "prev"] == 1
    assert cards.loc["new_customers", "qoq"] == pytest.approx(2.0)
    # stocks compare the previous quarter's last snapshot
    assert cards.loc["aum", "prev"] == pytest.approx(170_000 + 100_000 + 8_000_000 + 50_000 + 10_000)
    assert list(cards.loc["aum", "spark_quarters"]) == ["2026Q2", "2026Q3"]


def test_status_rules():
    assert diagnosis.status(0.96, 1, 0.96, True, 0.95, 0.85) == "on_track"
    assert diagnosis.status(0.9, 1, 0.9, True, 0.95, 0.85) == "at_risk"
    assert diagnosis.status(0.5, 1, 0.5, True, 0.95, 0.85) == "off_track"
    assert diagnosis.status(-5, -10, None, True, 0.95, 0.85) == "on_track"  # no ratio: side of plan
    assert diagnosis.status(1, None, None, True, 0.95, 0.85) is None
    assert diagnosis.attainment(0.02, 0.03, False) == pytest.approx(1.5)
    assert diagnosis.attainment(1, -1, True) is None
    assert diagnosis.change(0.3, 0.25, "pct") == pytest.approx(0.05)
    assert diagnosis.change(5, 0, "count") is None


def test_quarter_without_targets(db):
    k = diagnosis.kpis(db, "2026Q2", Scope())
    assert k["plan"].isna().all() and k["status"].isna().all()
    assert diagnosis.bottlenecks(k, "en").empty
    miss = diagnosis.missing_data(db, "2026Q2")
    assert miss["targets"] and miss["peers"] and not miss["tables"]


def test_customer_type_filter_drops_mismatched_plans(db):
    k = diagnosis.kpis(db, "2026Q3", Scope(customer_type="retail")).set_index("key")
    assert pd.isna(k.loc["new_customers", "plan"])  # bank plan covers all customers
    assert list(diagnosis.visible_kpis(Scope(customer_type="retail"))) == ["retail"]
    corp = diagnosis.visible_kpis(Scope(customer_type="corporate"))
    assert "card_conversion" not in corp["retail"] and "corp_deposits" in corp["corporate"]


# ---------------------------------------------------------------- bottlenecks and sentences
def test_bottlenecks_ranked_with_generated_sentences(db, cards):
    table = cards.reset_index()
    b = diagnosis.bottlenecks(table, "en")
    # new customers 45% of pace, churn 62% (inverted); fee income (116% of pace), AUM and conversion on track
    assert list(b["key"]) == ["new_customers", "churn_rate"]
    assert b["shortfall"].is_monotonic_decreasing
    s = dict(zip(b["key"], b["sentence"]))
    # new customers rose vs Q2 (not adverse, so not mentioned); acquisition cost 600 vs 200 is
    assert s["new_customers"] == ("New customers at 45% of plan pace (3 vs 7 due by now); "
                                  "acquisition cost per new customer up 200% QoQ")
    assert s["churn_rate"].startswith("Churn rate at 40.0%, worse than the plan of 25.0% (62% attainment)")
    assert "worse than peers (40.0% vs 30.0%)" in s["churn_rate"]
    zh = dict(zip(*diagnosis.bottlenecks(table, "zh")[["key", "sentence"]].T.values))
    assert zh["new_customers"] == "新增客户数仅完成计划进度的 45%（实际 3，按进度应达 7）；单客获客成本环比上升 200%"
    assert "劣于同业（40.0% 对 30.0%）" in zh["churn_rate"]


def test_sentence_names_the_adverse_driver():
    table = pd.DataFrame([
        {"key": "new_customers", "unit": "count", "higher_is_better": True, "value": 62.0, "expected": 100.0,
         "attainment": 0.62, "qoq": 0.1, "peer": None, "vs_peer": None},
        {"key": "acquisition_cost", "unit": "cny", "higher_is_better": False, "value": 590.0, "expected": 500.0,
         "attainment": 0.85, "qoq": 0.18, "peer": None, "vs_peer": None},
    ])
    s = diagnosis.sentence(table.iloc[0], table, "en")
    assert s == "New customers at 62% of plan pace (62 vs 100 due by now); acquisition cost per new customer up 18% QoQ"
    assert diagnosis.sentence(table.iloc[0], table, "zh").endswith("单客获客成本环比上升 18%")


# ---------------------------------------------------------------- drill-down and trend
def test_drill_region_branch_rm(db):
    regions = diagnosis.drill(db, "new_customers", "2026Q3", Scope())
    assert dict(zip(regions.grp, regions.value)) == {"North": 2, "South": 1}
    assert regions.loc[regions.grp == "North", "expected"].item() == pytest.approx(6 * 62 / 92)
    south = diagnosis.drill(db, "new_customers", "2026Q3", Scope(), region="South")
    assert dict(zip(south.grp, south.value)) == {"B3": 1, "B4": 0}  # the empty branch is listed with 0
    assert south.iloc[-1]["grp"] == "B4" and south.iloc[-1]["status"] == "off_track"
    rate = diagnosis.drill(db, "churn_rate", "2026Q3", Scope(), region="South")
    assert pd.isna(rate.loc[rate.grp == "B4", "value"].item())  # no rate without customers
    rms = diagnosis.drill(db, "new_customers", "2026Q3", Scope(), branch="B1")
    assert dict(zip(rms.grp, rms.value)) == {"R1": 1, "R4": 0}  # the RM without customers too
    assert diagnosis.drill_level(Scope(branch_ids=("B1",))) == "rm_id"
    assert diagnosis.drill_level(Scope(), region="North") == "branch_id"


def test_trend_weekly_and_monthly(db, F):
    tr = diagnosis.trend(db, "new_customers", "2026Q3", Scope(), "week")
    actual = tr[tr.series == "actual"].set_index("step")["value"]
    assert list(actual.index) == list(range(1, 10))  # week 9 holds 2026-08-31
    assert actual[1] == 1 and actual[3] == 2 and actual[9] == 3  # C6 on 07-05, C2 on 07-15, C4 on 08-20
    plan = tr[tr.series == "plan"].set_index("step")["value"]
    assert len(plan) == 13 and plan[13] == pytest.approx(10)
    assert plan[1] == pytest.approx(10 * 7 / 92)
    last = tr[tr.series == "last_quarter"].set_index("step")["value"]
    assert last[13] == 1  # Q2: C8 only
    monthly = diagnosis.trend(db, "aum", "2026Q3", Scope(), "month")
    m_actual = monthly[monthly.series == "actual"].set_index("step")["value"]
    assert m_actual[2] == pytest.approx(fx.HAND["aum"])


# ---------------------------------------------------------------- missing data and the table
def test_missing_tables_hide_only_affected_kpis():
    db = fx.build(skip=("leads", "peer_benchmarks", "activities"))
    try:
        k = diagnosis.kpis(db, "2026Q3", Scope()).set_index("key")
        assert not k.loc["conversion_rate", "available"] and not k.loc["active_share", "available"]
        assert k.loc["new_customers", "available"] and k.loc["aum", "value"] == pytest.approx(fx.HAND["aum"])
        miss = diagnosis.missing_data(db, "2026Q3")
        assert set(miss["tables"]) == {"leads", "activities"} and miss["peers"] and not miss["targets"]
        assert "card_conversion" in miss["tables"]["leads"]
        assert miss["sources"]["leads"][0]  # names the export that fills it
    finally:
        db.close()


def test_plan_table_formatted_and_raw(cards):
    table = cards.reset_index()
    zh = diagnosis.plan_table(table, "zh")
    row = zh[zh.metric == "管理资产（AUM）"].iloc[0]
    assert row["actual"] == "952.5万元" and row["plan"] == "900.0万元"
    raw = diagnosis.plan_table(table, "en", formatted=False)
    assert raw.loc[raw.key == "aum", "actual"].item() == pytest.approx(fx.HAND["aum"])
    assert export.csv_bytes(raw)[:3] == b"\xef\xbb\xbf"  # the one CSV writer (lib/core/export.py)
