"""PDCA data layer: weeks and phases, milestones, burn-up / forecast figures, stratified sample,
review pack."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lib.pdca import plan as pdca
from lib.metrics import plan
from lib.pdca import retro
from lib.pdca import review_pack
from lib.core import settings
from lib.core.db import Scope, open_database
from lib.core.periods import Quarter


@pytest.fixture
def db():
    d = open_database(":memory:")
    yield d
    d.close()


# ---------------------------------------------------------------- weeks and phases
def test_quarter_starting_mid_week():
    q = Quarter.parse("2026Q4")  # 1 Oct 2026 is a Thursday
    assert q.start.weekday() == 3
    assert q.week_start(1) == date(2026, 10, 1) and q.week_end(1) == date(2026, 10, 7)
    assert q.week_of(date(2026, 10, 7)) == 1 and q.week_of(date(2026, 10, 8)) == 2  # weeks run Thu..Wed
    assert q.week_of(date(2026, 11, 20)) == 8


def test_thirteenth_week_takes_the_last_days():
    for text, days in (("2026Q1", 6), ("2024Q1", 7), ("2026Q3", 8), ("2026Q4", 8)):
        q = Quarter.parse(text)
        w = pdca.weeks(q)
        assert len(w) == 13 and w.iloc[-1]["end"] == q.end and w.iloc[-1]["days"] == days
        assert int(w["days"].sum()) == q.days
        assert all(w["start"].iloc[i + 1] == w["end"].iloc[i] + pd.Timedelta(days=1) for i in range(12))
        assert q.week_of(q.end) == 13


def test_default_phases_and_validation(db):
    ph = pdca.get_phases(db)
    # the playbook's 12 weeks (preparation 1, push 2-9, sprint 10-12), week 13 wrap-up
    assert ph == {"prepare": (1, 1), "push": (2, 9), "sprint": (10, 12), "wrapup": (13, 13)}
    w = pdca.weeks("2026Q4", ph)
    assert list(w.phase.value_counts().reindex(pdca.PHASES)) == [1, 8, 3, 1]
    assert pdca.phase_of_week(ph, 12) == "sprint" and pdca.phase_of_week(ph, 13) == "wrapup"
    assert pdca.validate_phases({"prepare": (1, 2), "push": (3, 9), "sprint": (10, 12), "wrapup": (13, 13)}) == []
    # without a wrap-up the sprint runs to week 13 (also how a setting saved before the wrap-up reads)
    assert pdca.validate_phases({"prepare": (1, 2), "push": (3, 9), "sprint": (10, 13)}) == []
    assert pdca.validate_phases({"prepare": (1, 2), "push": (3, 9), "sprint": (10, 13), "wrapup": None}) == []
    assert pdca.validate_phases({"prepare": (1, 1), "push": (3, 9), "sprint": (10, 13)}) == ["phases"]  # gap
    assert pdca.validate_phases({"prepare": (1, 1), "push": (2, 9), "sprint": (10, 12)}) == ["phases"]  # short
    assert pdca.validate_phases({"prepare": (1, 1), "push": (2, 9), "sprint": (10, 12),
                                 "wrapup": (12, 13)}) == ["phases"]  # overlap
    with pytest.raises(ValueError):
        pdca.save_phases(db, {"prepare": (1, 1), "push": (2, 10), "sprint": (10, 13)})
    v0 = db.data_version()
    pdca.save_phases(db, {"prepare": (1, 2), "push": (3, 10), "sprint": (11, 12), "wrapup": (13, 13)})
    assert db.data_version() != v0  # saved through lib.core.settings: the data version moves
    assert pdca.get_phases(db)["sprint"] == (11, 12)
    assert settings.get(db, "pdca_phases")["push"] == [3, 10]
    pdca.save_phases(db, {"prepare": (1, 1), "push": (2, 9), "sprint": (10, 13), "wrapup": None})
    ph = pdca.get_phases(db)
    assert ph["wrapup"] is None and pdca.phase_of_week(ph, 13) == "sprint"
    assert list(pdca.phase_spans("2026Q4", ph)["phase"]) == ["prepare", "push", "sprint"]
    settings.put(db, "pdca_phases", {"prepare": [1, 1], "push": [2, 9], "sprint": [10, 13]})  # an older setting
    assert pdca.get_phases(db) == {"prepare": (1, 1), "push": (2, 9), "sprint": (10, 13), "wrapup": None}


def test_milestones_default_then_saved(db):
    ms = pdca.milestones(db, "2026Q4", "en")
    assert set(ms.source) == {"default"} and ms.iloc[0]["day"] == date(2026, 10, 1)
    assert ms.iloc[-1]["day"] == date(2026, 12, 31) and ms.iloc[-1]["week"] == 13
    with pytest.raises(ValueError, match="outside 2026Q4"):
        pdca.save_milestones(db, "2026Q4", [{"day": date(2027, 1, 5), "label": "Too late"}], "alice")
    n = pdca.save_milestones(db, "2026Q4", [{"day": date(2026, 11, 2), "label": "Board visit"},
                                            {"day": None, "label": None}], "alice")
    ms = pdca.milestones(db, "2026Q4", "en")
    assert n == 1 and list(ms.label) == ["Board visit"] and list(ms.week) == [5] and set(ms.source) == {"saved"}
    pdca.save_milestones(db, "2026Q4", [], "alice")  # all deleted: stays empty, no defaults
    assert pdca.milestones(db, "2026Q4", "en").empty


# ---------------------------------------------------------------- burn-up / forecast figures
def test_flow_forecast_on_fixture():
    # 40 won in 45 of 90 days against a target of 100
    f = pdca.forecast("flow", True, 40.0, 100.0, 0.5, 45, 45)
    assert f["pace"] == 50 and f["forecast"] == 80 and f["status"] == "off_track" and f["gap"] == -10
    assert f["attainment"] == pytest.approx(0.8)
    assert f["needed_per_week"] == pytest.approx(60 / (45 / 7))
    assert f["rate_per_week"] == pytest.approx(40 / (45 / 7))
    assert f["forecast_attainment"] == pytest.approx(0.8)
    ahead = pdca.forecast("flow", True, 60.0, 100.0, 0.5, 45, 45)
    assert ahead["status"] == "on_track" and ahead["forecast"] == 120
    # 99% of plan pace is on track (the status rule of lib.metrics.plan, as on Diagnosis), not "behind pace"
    assert pdca.forecast("flow", True, 49.5, 100.0, 0.5, 45, 45)["status"] == "on_track"
    assert pdca.forecast("flow", True, 45.0, 100.0, 0.5, 45, 45)["status"] == "at_risk"
    done = pdca.forecast("flow", True, 120.0, 100.0, 0.9, 81, 9)
    assert done["needed_per_week"] == 0


def test_stock_and_rate_forecast_on_fixture():
    # AUM opened at 900, is 930 a quarter of the way in, target 1000: a stock is held to its target
    f = pdca.forecast("stock", True, 930.0, 1000.0, 0.25, 23, 69, start=900.0)
    assert f["pace"] == pytest.approx(1000) and f["forecast"] == pytest.approx(1020) and f["status"] == "at_risk"
    assert f["needed_per_week"] == pytest.approx(70 / (69 / 7))
    r = pdca.forecast("rate", False, 0.03, 0.025, 0.5, 45, 45)
    assert r["pace"] == 0.025 and r["forecast"] == 0.03 and r["status"] == "off_track" and r["needed_per_week"] is None
    none = pdca.forecast("flow", True, 10.0, None, 0.5, 45, 45)
    assert none["status"] is None and none["forecast"] == 20


def test_burnup_on_the_demo_bank(demo_db):
    keys = pdca.key_targets(demo_db, "2026Q4", Scope())
    assert keys[:3] == ["new_customers", "fee_income", "net_new_money"]
    b = pdca.burnup(demo_db, "new_customers", "2026Q4", Scope())
    df = b["frame"]
    assert list(df.week) == list(range(14)) and b["week"] == 8
    assert df.loc[0, "actual"] == 0 and df.loc[0, "plan"] == 0
    assert df.loc[13, "plan"] == pytest.approx(b["target"])
    assert df["actual"].dropna().is_monotonic_increasing and df.loc[8, "actual"] == b["actual"]
    share = Quarter.parse("2026Q4").elapsed_share(date(2026, 11, 20))
    assert b["forecast"] == pytest.approx(b["actual"] / share)
    assert df.loc[13, "forecast"] == pytest.approx(b["forecast"]) and df.loc[8, "forecast"] == b["actual"]
    assert df["last_quarter"].notna().sum() == 14
    assert b["status"] == plan.status(b["actual"], b["target"] * share, b["actual"] / (b["target"] * share), True,
                                      0.95, 0.85)
    text = pdca.burnup_sentence(b, "en")
    assert "pace" in text and "a week" in text
    assert "进度" in pdca.burnup_sentence(b, "zh")


def test_weekly_kpis_compare_seven_day_windows(demo_db):
    wk = pdca.weekly_kpis(demo_db, "2026Q4", Scope(), ("new_customers", "aum"))
    r = wk.set_index("key")
    assert r.loc["new_customers", "from"] == date(2026, 11, 14) and r.loc["new_customers", "to"] == date(2026, 11, 20)
    from lib.metrics import registry as metrics
    q = Quarter.parse("2026Q4")
    c = lambda d: metrics.compute(demo_db, "new_customers", q, Scope(), as_of=d)  # noqa: E731
    assert r.loc["new_customers", "this_week"] == c(date(2026, 11, 20)) - c(date(2026, 11, 13))
    assert r.loc["new_customers", "last_week"] == c(date(2026, 11, 13)) - c(date(2026, 11, 6))


def test_agenda_follows_app_registration(tmp_path):
    app = tmp_path / "app.py"
    app.write_text('st.Page("pages/team.py")\nst.Page("pages/diagnosis.py", default=True)\nst.Page("pages/pdca.py")\n'
                   'st.Page("pages/channels.py")\n', encoding="utf-8")
    steps = pdca.agenda(app)
    assert [s for s, _ in steps] == ["diagnosis", "channels", "team", "pdca"]
    assert pdca.next_step(steps, "channels") == ("team", "pages/team.py")
    assert pdca.next_step(steps, "pdca") is None and pdca.next_step(steps, "nowhere")[0] == "diagnosis"
    app.write_text(app.read_text() + 'st.Page("pages/tiering.py")\n', encoding="utf-8")
    assert [s for s, _ in pdca.agenda(app)] == ["diagnosis", "tiering", "channels", "team", "pdca"]


# ---------------------------------------------------------------- retrospective
def test_stratified_sample_is_reproducible_and_ten_percent_per_tier(demo_db):
    s1 = retro.sample(demo_db, "2026Q4", Scope())
    s2 = retro.sample(demo_db, "2026Q4", Scope())
    pd.testing.assert_frame_equal(s1, s2)
    counts = retro.tier_counts(demo_db, "2026Q4", Scope()).set_index("tier")["customers"]
    got = s1["tier"].value_counts()
    for tier, n in counts.items():
        assert got[tier] == max(1, int(n * 0.1 + 0.5)), tier
    assert s1["customer_id"].is_unique
    other = retro.sample(demo_db, "2026Q4", Scope(), seed=99)
    assert set(other.customer_id) != set(s1.customer_id) and len(other) == len(s1)
    assert s1["customer_name"].str.contains(r"\*").all()  # masked by default
    named = retro.sample(demo_db, "2026Q4", Scope(), allow_personal=True)
    assert not named["customer_name"].str.contains(r"\*").all()


def test_delivery_surveys_team_and_carry_over(demo_db):
    dv = retro.delivery(demo_db, "2026Q4", Scope(), "channel")
    assert set(dv.verdict) <= {"over", "under"} and dv["share"].sum() == pytest.approx(1)
    s = retro.survey_summary(demo_db, "2026Q4", Scope())
    assert s["n"] > 0 and 0 <= s["mean"] <= 10 and s["needs"]["n"].sum() > 0
    tr = retro.team_review(demo_db, "2026Q4", Scope(), "en")
    assert len(tr["weak"]) >= 1 and len(tr["training"]) == len(tr["weak"])
    co = retro.carry_over_list(demo_db, "2026Q4")
    assert set(co.status) <= {"open", "in_progress"} and len(co) == 8


# ---------------------------------------------------------------- review pack
def test_review_pack_html_is_self_contained_in_both_languages(demo_db):
    pdca.save_review(demo_db, "2026Q4", 8, "Agreed: <b>two</b> extra app events", "alice")
    en = review_pack.build_html(demo_db, "2026Q4", Scope(), ("new_customers",), "en", "Whole bank", "alice",
                                date(2026, 11, 20))
    zh = review_pack.build_html(demo_db, "2026Q4", Scope(), ("new_customers",), "zh", "全行", "alice",
                                date(2026, 11, 20))
    for h in (en, zh):
        assert h.startswith("<!DOCTYPE html>") and "<svg" in h and "<script" not in h
        assert "src=" not in h and "href=" not in h
        assert "2026Q4-001" in h and "&lt;b&gt;two&lt;/b&gt;" in h
    assert "Weekly review pack" in en and any(s in en for s in ("On track", "At risk", "Off track"))
    assert "周例会材料" in zh and "万" in zh or "新增客户数" in zh
