"""The plan's execution pieces (issue 19): the 12-week quarter with a wrap-up week, the next-quarter
lead reserve (下季度线索储备), the customer refusal rate (客户拒签率) and the sprint offers -- loaded
from Chinese exports through the importer, counted by hand here and by pandas on the demo bank."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.channels import campaigns as channels
from lib.core import auth
from lib.core import schema
from lib.core.db import Scope, open_database
from lib.core.periods import Quarter
from lib.diagnosis import diagnose
from lib.ingest import jobs
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca

LEADS = """线索编号,活动编号,客户号,触达日期,阶段,储备,是否成交,成交日期,金额,资产流入
L1,,C1,2026-09-05,预约,,否,,1000000,
L2,,C2,2026-09-10,意向,是,否,,500000,
L3,,C3,2026-09-12,已成交,是,是,2026-10-10,200000,200000
L4,K2,C1,2026-08-01,拒签,,否,,,
L5,K2,C2,2026-08-02,客户拒签,,否,,,
L6,K2,C3,2026-08-03,已成交,,是,2026-08-05,50000,50000
L7,,,2026-08-04,拒簽,,否,,,
L8,K2,C1,2026-07-10,已触达,,否,,,
L11,K1,C2,2026-09-06,已成交,,是,2026-09-07,300000,300000
L9,,C2,2026-10-05,拒签,,否,,,
L10,,C1,2026-10-06,已触达,,否,,,
"""
CAMPAIGNS = """活动编号,活动名称,渠道,开始日期,结束日期,费用,冲刺优惠
K1,存款达标送积分,网点,2026-09-02,2026-09-22,1000,是
K2,理财沙龙,网点,2026-07-05,2026-08-30,2000,否
K3,免开户费,手机银行,2026-12-03,2026-12-23,800,是
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B1', 'Main', 'East'), "
                    "('B2', 'West End', 'West')")
        cur.execute("INSERT INTO staff (rm_id, rm_name, branch_id, line) VALUES ('R1', 'Wang Fang', 'B1', 'retail'), "
                    "('R2', 'Li Na', 'B2', 'retail')")
        cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id, rm_id) VALUES "
                    "('C1', 'retail', 'B1', 'R1'), ('C2', 'retail', 'B2', 'R2'), ('C3', 'retail', 'B1', 'R1')")
    tmp = tmp_path_factory.mktemp("sprint")
    for name, text in (("营销活动.csv", CAMPAIGNS), ("线索.csv", LEADS)):
        p = tmp / name
        p.write_text(text, encoding="utf-8")
        with auth.acting_as(auth.system_viewer("pytest")):  # a module fixture: before the per-test viewer
            rep = jobs.import_one(d, str(p), {"rejects_dir": str(tmp / "rej")})
        assert not [i for i in rep.issues if i.severity == "error"], rep.issues
    yield d
    d.close()


# ---------------------------------------------------------------- the contract
def test_reserve_refused_and_sprint_offer_are_in_the_contract():
    leads, camps = schema.table("leads"), schema.table("campaigns")
    for header in ("储备", "儲備", "预约", "下季度储备", "is_reserve"):
        assert schema.match_header(leads, header) == "reserve", header
    for header in ("冲刺优惠", "衝刺優惠", "sprint_offer", "is_sprint_offer"):
        assert schema.match_header(camps, header) == "sprint_offer", header
    stage = leads.column("stage")
    for value, want in (("拒签", "refused"), ("拒簽", "refused"), ("客户拒签", "refused"), ("declined", "refused"),
                        ("储备", "reserved"), ("預約", "reserved"), ("booked", "reserved"), ("放弃", "lost")):
        assert schema.match_category(stage, value) == want, value


def test_the_exports_load_with_their_chinese_headers_and_values(db):
    got = db.query("SELECT lead_id, stage, reserve FROM leads ORDER BY lead_id").set_index("lead_id")
    assert got.loc["L1", "stage"] == "reserved" and got.loc["L2", "reserve"] == True  # noqa: E712
    assert got.loc[["L4", "L5", "L7", "L9"], "stage"].eq("refused").all()
    offers = db.query("SELECT campaign_id, sprint_offer FROM campaigns ORDER BY 1")
    assert list(offers["sprint_offer"]) == [True, False, True]


# ---------------------------------------------------------------- quarter structure
def test_the_twelve_week_plan_and_the_wrap_up_week(db):
    ph = pdca.get_phases(db)
    w = pdca.weeks("2026Q3", ph).set_index("week")["phase"]
    assert w[1] == "prepare" and set(w[2:9]) == {"push"} and set(w[10:12]) == {"sprint"} and w[13] == "wrapup"
    ms = pdca.default_milestones("2026Q3", ph).set_index("label")
    assert ms.loc["Next quarter's pipeline ready", "week"] == 12  # at the sprint's end, before the wrap-up
    spans = pdca.timeline(db, "2026Q3")["phases"]
    assert list(spans["phase"]) == ["prepare", "push", "sprint", "wrapup"]
    assert spans.iloc[-1]["end"] == Quarter.parse("2026Q3").end


# ---------------------------------------------------------------- next-quarter reserve
def test_reserve_leads_are_counted_by_rm_and_carried_into_the_next_quarter(db):
    df = pdca.reserve_leads(db, "2026Q3")
    assert sorted(df["lead_id"]) == ["L1", "L2", "L3"]  # stage 预约, the 储备 flag, a reserve since converted
    assert set(df["phase"]) == {"sprint"} and list(df["week"]) == [10, 11, 11]  # by amount: L1, L2, L3
    s = pdca.reserve_summary(df)
    assert (s["leads"], s["amount"], s["converted"], s["converted_amount"]) == (3, 1_700_000, 1, 200_000)
    by_rm = s["by_rm"].set_index("rm_id")
    assert by_rm.loc["R1", "leads"] == 2 and by_rm.loc["R1", "amount"] == 1_200_000
    assert by_rm.loc["R2", "rm_name"] == "Li Na" and by_rm.loc["R2", "amount"] == 500_000
    nxt = pdca.pipeline_reserve(db, "2026Q4")  # the next quarter's plan counts them
    assert nxt["carried_from"] == "2026Q3" and nxt["carried"]["leads"] == 3 and nxt["carried"]["amount"] == 1_700_000
    assert nxt["built"]["leads"] == 0 and nxt["next"] == "2027Q1"
    east = pdca.reserve_leads(db, "2026Q3", Scope(region="East"))
    assert sorted(east["lead_id"]) == ["L1", "L3"]


# ---------------------------------------------------------------- refusal rate
def test_refusal_rate_is_a_registry_kpi_lower_is_better():
    m = metrics.metric("refusal_rate")
    assert (m.unit, m.kind, m.higher_is_better) == ("pct", "rate", False)
    assert m.label("zh") == "客户拒签率" and m.formula == "refused leads / contacted leads"
    assert "拒签" in m.definition("zh") and "refused" in m.definition("en")


def test_refusal_rate_counted_by_hand(db):
    q3, q4 = Quarter.parse("2026Q3"), Quarter.parse("2026Q4")
    # Q3: 9 leads contacted (L1-L8, L11), refused L4, L5 and the prospect L7
    assert metrics.compute(db, "refusal_rate", q3, Scope()) == pytest.approx(3 / 9)
    # East (C1, C3): L1, L3, L4, L6, L8 -- one refusal; the prospect counts in the whole bank only
    assert metrics.compute(db, "refusal_rate", q3, Scope(region="East")) == pytest.approx(1 / 5)
    by_region = metrics.compute_grouped(db, "refusal_rate", q3, Scope(), "region").set_index("grp")
    assert by_region.loc["West", "value"] == pytest.approx(1 / 3)  # L2, L5, L11
    assert metrics.compute(db, "refusal_rate", q4, Scope()) == pytest.approx(1 / 2)  # L9 of L9, L10


def _pandas_refusal(db, q: Quarter) -> pd.DataFrame:
    """The refusal rate by region, independently of the registry's SQL."""
    leads = db.query("SELECT * FROM leads")
    cust = db.query("SELECT customer_id, branch_id FROM customers")
    br = db.query("SELECT branch_id, region FROM branches")
    d = leads.merge(cust, on="customer_id", how="left").merge(br, on="branch_id", how="left")
    day = pd.to_datetime(d["contact_date"])
    end = metrics.period(db, q).period_end
    d = d[(day >= pd.Timestamp(q.start)) & (day <= pd.Timestamp(end))]
    d = d.assign(refused=(d["stage"] == "refused") & ~d["converted"].fillna(False).astype(bool))
    g = d.groupby(d["region"].fillna("<NA>")).agg(num=("refused", "sum"), den=("refused", "size"))
    return g.assign(value=g["num"] / g["den"])


def test_refusal_rate_matches_pandas_on_the_demo_bank(demo_db):
    quarters = metrics.quarters_in_data(demo_db)
    assert len(quarters) >= 3
    values = []
    for q in quarters:
        want = _pandas_refusal(demo_db, q)
        got = metrics.compute_grouped(demo_db, "refusal_rate", q, Scope(), "region")
        got = got.assign(grp=got["grp"].fillna("<NA>")).set_index("grp")
        assert sorted(got.index) == sorted(want.index), q
        np.testing.assert_allclose(got.loc[want.index, "value"], want["value"], rtol=1e-12)
        total = metrics.compute(demo_db, "refusal_rate", q, Scope())
        assert total == pytest.approx(want["num"].sum() / want["den"].sum())
        values.append(total)
    assert all(0.01 < v < 0.2 for v in values)  # the demo bank has refusals in every quarter


def test_refusal_rate_has_a_weekly_trend(demo_db):
    q = metrics.quarters_in_data(demo_db)[0]
    tr = diagnose.trend(demo_db, "refusal_rate", str(q), Scope(), "week")
    actual = tr[tr.series == "actual"].dropna(subset=["value"])
    assert len(actual) >= 6 and actual["value"].between(0, 1).all()
    assert "refusal_rate" in diagnose.RETAIL_KPIS


# ---------------------------------------------------------------- sprint offers
def test_sprint_offers_on_the_timeline_and_on_the_board(db):
    tl = pdca.timeline(db, "2026Q3")
    offers = tl["sprint_offers"]
    assert list(offers["campaign_id"]) == ["K1"] and offers.iloc[0]["in_sprint"]
    assert (offers.iloc[0]["first_week"], offers.iloc[0]["last_week"]) == (10, 12)
    assert set(tl["campaigns"]["campaign_id"]) == {"K1", "K2"}
    board = channels.campaign_board(db, "2026Q3", Scope(), annual_margin=0.012, roi_threshold=2.0).set_index("campaign_id")
    assert board.loc["K1", "sprint_offer"] and not board.loc["K2", "sprint_offer"]
    k1 = board.loc["K1"]  # the same ROI as any campaign: revenue / cost
    assert k1["leads"] == 1 and k1["conversions"] == 1 and k1["cost"] == 1000
    year_left = (pd.Timestamp("2026-12-31") - pd.Timestamp("2026-09-07")).days + 1
    assert k1["revenue"] == pytest.approx(300_000 * 0.012 * year_left / 365)
    assert k1["roi"] == pytest.approx(k1["revenue"] / 1000)


def test_an_offer_not_started_yet_has_no_roi_and_is_not_flagged(db):
    board = channels.campaign_board(db, "2026Q4", Scope()).set_index("campaign_id")
    k3 = board.loc["K3"]  # planned for the sprint; the data's last lead is from October
    assert k3["sprint_offer"] and not k3["started"] and pd.isna(k3["roi"]) and not k3["flagged"]
    offers = pdca.timeline(db, "2026Q4")["sprint_offers"]
    assert list(offers["campaign_id"]) == ["K3"] and offers.iloc[0]["first_week"] == 10


def test_the_weekly_review_follows_the_phase(db):
    f = pdca.review_focus(db, "2026Q3", 11)
    assert f["phase"] == "sprint" and list(f["offers"]["campaign_id"]) == ["K1"]
    assert f["reserve"]["leads"] == 3 and f["carried"] is None
    f = pdca.review_focus(db, "2026Q3", 13)
    assert f["phase"] == "wrapup" and f["offers"].empty and f["reserve"]["amount"] == 1_700_000
    f = pdca.review_focus(db, "2026Q4", 3)
    assert f["phase"] == "push" and f["reserve"] is None and f["carried"]["leads"] == 3


# ---------------------------------------------------------------- demo bank
def test_the_demo_bank_has_sprint_offers_reserve_and_refusals(demo_db):
    offers = demo_db.query("SELECT campaign_name, start_date, end_date FROM campaigns WHERE sprint_offer")
    for q in metrics.quarters_in_data(demo_db):
        mine = offers[[str(n).startswith(f"{q} ") for n in offers["campaign_name"]]]
        assert len(mine) == 2, q
        assert {Quarter.parse(str(q)).week_of(d) for d in pd.to_datetime(mine["start_date"]).dt.date} == {10}
    prev = metrics.quarters_in_data(demo_db)[1]
    res = pdca.reserve_leads(demo_db, str(prev))
    assert len(res) >= 10 and set(res["phase"]) == {"sprint"} and res["amount"].gt(0).all()
    assert pdca.pipeline_reserve(demo_db, str(prev.next()))["carried"]["leads"] == len(res)
    assert demo_db.scalar("SELECT count(*) FROM leads WHERE stage = 'refused'") > 0
