"""The Diagnosis page in AppTest: cards, the bottleneck panel, a drill-down to a chosen
branch kept in the URL, and the Chinese version."""
from __future__ import annotations

import pytest
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import across_sections, section_switch

APP = Path(__file__).resolve().parents[2] / "app.py"


def _run(params: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [s.value for s in at.subheader] + [t.value for t in at.title]
                     + [c.value for c in at.caption])


@pytest.fixture(scope="module")
def english(demo_path):
    import os
    old = os.environ.get("QUARTERDECK_DB")
    os.environ["QUARTERDECK_DB"] = demo_path
    try:
        yield _run({"drill_branch": "B001", "kpi": "fee_income"})
    finally:
        if old is None:
            os.environ.pop("QUARTERDECK_DB", None)
        else:
            os.environ["QUARTERDECK_DB"] = old


def test_cards_and_bottleneck_panel(english):
    at = english
    assert section_switch(at).value == "retail" and "Corporate deposits" not in [m.label for m in at.metric]
    labels = [lab for labs in across_sections(at, ["corporate", "retail"], lambda a: [m.label for m in a.metric])
              for lab in labs]  # each group of cards in its own section; back to the first one
    for label in ("AUM", "Net new money", "New customers", "Credit-card conversion rate", "Corporate deposits",
                  "Small-business loans at risk", "Supply-chain finance usage"):
        assert label in labels
    text = _texts(at)
    assert "What holds the quarter back" in text
    assert "New customers at" in text and "of plan pace" in text  # the demo's deliberate lag
    assert any("Off track" in m.value for m in at.markdown)  # status badges


def test_drill_down_to_a_chosen_branch(english):
    at = english
    assert at.selectbox(key="d_branch").value == "B001"
    assert at.selectbox(key="d_kpi").value == "fee_income"
    ranked = [df.value for df in at.dataframe if "grp" in df.value.columns]
    assert ranked and all(str(g).startswith("RM") for g in ranked[0]["grp"])
    assert at.query_params["drill_branch"] == ["B001"] or at.query_params["drill_branch"] == "B001"
    # choosing another branch moves the drill-down and the URL
    at.selectbox(key="d_branch").set_value("B002").run()
    assert not at.exception
    qp = at.query_params["drill_branch"]
    assert (qp[0] if isinstance(qp, list) else qp) == "B002"


def test_chinese(app_env):
    at = _run({"lang": "zh", "drill_region": "East"})
    text = _texts(at)
    assert "诊断" in text and "本季度的主要瓶颈" in text
    assert "新增客户数" in [m.label for m in at.metric]
    assert "仅完成计划进度的" in text
    assert "⟦" not in text  # no missing translation
    assert at.selectbox(key="d_region").value == "East"
