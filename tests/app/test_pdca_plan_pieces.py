"""AppTest of the plan's execution pieces on the PDCA page (issue 19): the 12-week structure with
its wrap-up week (switched off and saved in the phases form), sprint offers on the timeline, the
next-quarter reserve in the plan view, the sprint band on the burn-ups and the weekly review's phase."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import open_section, page_texts

from lib.pdca import plan as pdca

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def run_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/pdca.py")
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    return at.run()


def _texts(at: AppTest) -> str:
    return page_texts(at, ("error", "success", "warning", "info", "markdown", "caption"))


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_timeline_shows_the_wrap_up_the_sprint_offers_and_the_reserve(app_env):
    at = open_section(run_page("en"), "timeline")
    tl = _charts(at)[0]
    bars = [d for d in tl["data"] if d.get("type") == "bar"]
    groups = [d.get("legendgroup") for d in bars]
    assert groups[:4] == ["prepare", "push", "sprint", "wrapup"]  # one bar per phase, the wrap-up last
    assert "Wrap-up" in bars[3]["name"] and bars[2]["text"] == ["Sprint & pipeline (W10–12)"]
    offers = [d for d in bars if d.get("legendgroup") == "sprint_offer"]
    assert len(offers) == 2 and sum(bool(d.get("showlegend")) for d in offers) == 1
    texts = _texts(at)
    for s in ("Sprint offers", "Next-quarter lead reserve", "Reserve carried in from 2026Q3",
              "Reserve built in 2026Q4 for 2027Q1", "No reserve leads in 2026Q4."):
        assert s in texts, s
    from lib.ui.shell import db as app_db  # same process: the page's Database
    carried = pdca.reserve_summary(pdca.reserve_leads(app_db(), "2026Q3"))
    frames = [d.value for d in at.dataframe]
    by_rm = next(f for f in frames if list(f.columns) == ["rm", "leads", "amount"])
    assert int(by_rm["leads"].sum()) == carried["leads"] > 0
    offers_df = next(f for f in frames if "weeks" in f.columns and len(f) == 2 and "Sprint" in f["campaign_name"].iloc[0])
    assert set(offers_df["weeks"]) == {"10–12"}
    assert [m.value for m in at.metric][:1] == [f"{carried['leads']:,}"]


def test_timeline_in_chinese(app_env):
    at = open_section(run_page("zh"), "timeline")
    texts = _texts(at)
    assert "下季度线索储备" in texts and "自 2026Q3 结转的储备" in texts and "冲刺期优惠活动" in texts
    bars = [d for d in _charts(at)[0]["data"] if d.get("type") == "bar"]
    assert [d["name"] for d in bars if d.get("legendgroup") == "wrapup"] == ["收尾与下季度准备"]


def test_switching_the_wrap_up_off_lets_the_sprint_run_to_week_13(fresh_demo):
    from lib.ui.shell import db as app_db
    at = open_section(run_page("en"), "timeline")
    at.checkbox(key="pdca_ph_wrapup_on").uncheck()
    at.number_input(key="pdca_ph_sprint_b").set_value(13)
    at.button(key="pdca_phases_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert pdca.get_phases(app_db())["wrapup"] is None and pdca.get_phases(app_db())["sprint"] == (10, 13)
    bars = [d for d in _charts(at)[0]["data"] if d.get("type") == "bar"]
    assert [d["text"] for d in bars if d.get("legendgroup") == "sprint"] == [["Sprint & pipeline (W10–13)"]]
    assert not [d for d in bars if d.get("legendgroup") == "wrapup"]
    # a wrap-up that does not end in week 13 is refused with the rule
    at.checkbox(key="pdca_ph_wrapup_on").check()
    at.number_input(key="pdca_ph_sprint_b").set_value(12)
    at.number_input(key="pdca_ph_wrapup_a").set_value(13)
    at.number_input(key="pdca_ph_wrapup_b").set_value(12)
    at.button(key="pdca_phases_save").click().run()
    assert ("Phases must follow each other without gaps: preparation starts in week 1, each phase starts the week "
            "after the previous one ends, and the last phase (the wrap-up, or the sprint when there is no wrap-up) "
            "ends in week 13.") in [e.value for e in at.error]


def test_burn_ups_show_the_sprint_and_wrap_up_weeks(app_env):
    at = open_section(run_page("en"), "burnup")
    charts = _charts(at)
    assert charts
    for spec in charts:
        shapes = spec["layout"].get("shapes", [])
        assert any(s.get("x0") == 9 and s.get("x1") == 12 for s in shapes)  # weeks 10-12
        assert any(s.get("x0") == 12 and s.get("x1") == 13 for s in shapes)  # week 13
        notes = [a.get("text") for a in spec["layout"].get("annotations", [])]
        assert "Sprint & pipeline" in notes and "Wrap-up & next quarter" in notes


def test_weekly_review_names_the_phase_and_the_carried_reserve(app_env):
    at = open_section(run_page("en"), "review")
    texts = _texts(at)
    assert "This week: Push — Weekly review meeting and problem-resolution ledger" in texts
    assert "Reserve carried in from 2026Q3" in texts
