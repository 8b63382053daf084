"""AppTest of the Team page on the demo bank: English and Chinese, an RM chosen through the URL
and through the widget (kept in the URL), saved weights, and a scope without mentor pairs."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.apptest import across_sections, open_section, page_texts, section_switch

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/team.py"


def run_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    return at.run()


def _titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]


def _texts(at: AppTest) -> str:
    return page_texts(at)


def _scorecard(at: AppTest):
    for df in (d.value for d in at.dataframe):
        if "rank" in df.columns and "score" in df.columns:
            df = df.copy()  # the formatting layer shows a blank as "—": compare numbers as numbers
            for c in ("rank", "score"):
                df[c] = pd.to_numeric(df[c].replace("—", None), errors="coerce")
            return df
    raise AssertionError("no scorecard on the page")


SECTIONS = ("scorecard", "radar", "capability", "mentors", "playbook")


def _every_section(at: AppTest) -> dict:
    """Texts, chart titles/specs, subheaders and download buttons of every section, each opened in turn."""
    seen = across_sections(at, SECTIONS, lambda a: (_texts(a), [json.loads(c.proto.spec) for c in a.get("plotly_chart")],
                                                    [s.value for s in a.subheader], len(a.get("download_button"))))
    specs = [sp for s in seen for sp in s[1]]
    return {"texts": "\n".join(s[0] for s in seen), "specs": specs,
            "titles": [sp["layout"].get("title", {}).get("text", "") for sp in specs],
            "subheaders": [h for s in seen for h in s[2]], "downloads": sum(s[3] for s in seen)}


def test_team_page_english_rm_from_url(app_env):
    at = run_page({"rm": "RM0005"})
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Team scorecards and coaching"
    assert section_switch(at).options == ["Scorecard", "Radar", "Capability", "Mentors", "Playbook"]
    card = _scorecard(at)
    assert "Mentee attainment by quarter since pairing" not in _titles(at)  # only the open section ran
    every = _every_section(at)
    scored = card[card["score"].notna()]
    assert scored["rank"].min() == 1 and scored["score"].between(0, 100).all()
    assert {"visits", "digital_tools", "target_attainment"} <= set(card.columns)
    texts = every["texts"]
    assert " leads " in texts and "percentile" in texts                    # a star with its reason
    rms = open_section(at, "radar").multiselect(key="tm_rms")
    assert rms.value == ["RM0005"]
    titles = every["titles"]
    name = card.set_index("rm_id").loc["RM0005", "rm"]
    assert any(t.startswith(f"{name} · ") for t in titles)                 # RM radar
    assert "Performance vs behaviour score, 2026Q4" in titles
    assert any(t.endswith("average assessment scores") for t in titles)
    assert "Digital tools" in texts                                        # the demo's common weak spot
    radar = [sp for sp in every["specs"] if sp["layout"].get("title", {}).get("text", "").startswith(f"{name} · ")][0]
    assert [tr["name"] for tr in radar["data"]][:2] == [name, "Team average"]
    assert radar["data"][2]["name"].startswith("Team's best: ")
    assert len(radar["data"]) <= 4 and "Customer visits" in radar["data"][0]["theta"]
    assert "Mentor pairs" in every["subheaders"]
    assert every["downloads"] >= 3


def test_team_page_choose_rms_with_widget(app_env):
    at = open_section(run_page(), "radar")
    first = at.multiselect(key="tm_rms").value
    assert len(first) == 1                                                  # defaults to the top-ranked RM
    at.multiselect(key="tm_rms").set_value(["RM0002", "RM0010", "RM0013"]).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["rm"] == ["RM0002,RM0010,RM0013"] or at.query_params["rm"] == "RM0002,RM0010,RM0013"
    rm_radars = [t for t in _titles(at) if " · " in t and "score" not in t]
    assert len(rm_radars) == 3


def test_team_page_chinese(app_env):
    at = run_page({"lang": "zh", "rm": "RM0002,NOPE"})
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "团队积分卡与辅导"
    assert section_switch(at).options == ["积分卡", "雷达图", "能力评估", "师徒结对", "实战手册"]
    every = _every_section(at)
    assert open_section(at, "radar").multiselect(key="tm_rms").value == ["RM0002"]  # unknown ids are dropped
    texts = every["texts"]
    assert "领跑" in texts and "百分位" in texts
    assert "数字化工具" in texts and "下季度培训建议" in every["subheaders"]
    titles = every["titles"]
    assert "2026Q4 业绩得分与行为得分" in titles
    assert "结对以来徒弟各季度目标达成率" in titles
    for spec in every["specs"]:
        for tr in spec["data"]:
            assert "⟦" not in str(tr.get("name", "")) and "⟦" not in str(tr.get("theta", ""))


def test_team_page_saves_weights_and_filters_scope(fresh_demo):
    at = run_page({"branch": "B001"})
    assert not at.exception, [e.message for e in at.exception]
    card = _scorecard(at)
    assert len(card) > 1 and card["branch"].nunique() == 1
    at.number_input(key="tm_w_fee_income").set_value(5.0)
    save = [b for b in at.button if b.label == "Save" and "tm_weights_form" in str(b.form_id)]
    assert len(save) == 1
    save[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    from lib.team import scorecard as team
    from lib.core.db import get_database
    assert team.weights(get_database(fresh_demo))["fee_income"] == 5.0
    assert "Saved." in _texts(at)
    assert at.number_input(key="tm_w_fee_income").value == 5.0
    # the mentor rule form saves too, and the mentor section explains the rule in force
    open_section(at, "mentors").radio(key="tm_rule_agg").set_value("minimum")
    [b for b in at.button if "tm_rule_form" in str(b.form_id)][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert team.mentor_rule(get_database(fresh_demo))["aggregate"] == "minimum"
    assert "weakest mentee attainment" in _texts(at)
