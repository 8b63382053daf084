"""AppTest of the weekly meeting's agenda walk as it runs on the projector: started from the PDCA
weekly review in Chinese projector mode with a region filter, every step keeps the language, the
projector mode and the filters (in the URL and on screen), and the walk ends on the weekly
review's summary section — not on whatever section of the PDCA page was open before.
(Streamlit drops every widget's value on ``st.switch_page``: the sidebar's language switch,
projector switch and filters are widgets.)"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.pdca import plan as pdca
from tests.apptest import section_switch

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def test_agenda_walk_keeps_language_projector_and_filters(app_env):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/pdca.py")
    for k, v in {"lang": "zh", "projector": "1", "q": "2026Q4", "ctype": "retail", "tab": "review"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert section_switch(at).value == "review"
    steps = pdca.agenda()
    names = [s for s, _ in steps]
    visited = []
    for i in range(len(steps)):
        nxt = at.button(key="pdca_agenda_next")
        assert nxt.label.startswith("开始例会" if i == 0 else "下一项"), nxt.label  # the bar speaks Chinese
        nxt.click().run()
        assert not at.exception, [e.message for e in at.exception]
        step = at.query_params["agenda"]
        visited.append(step)
        qp = {k: at.query_params[k] for k in ("lang", "projector", "q", "ctype")}
        assert qp == {"lang": "zh", "projector": "1", "q": "2026Q4", "ctype": "retail"}, (step, qp)
        assert at.session_state["lang"] == "zh" and at.session_state["projector"] is True
        assert at.session_state["f_ctype"] == "retail"
        title = at.title[0].value
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title), (step, title)  # the page is in Chinese
        if step != names[-1]:
            assert at.query_params.get("tab") in (None, "", []), (step, at.query_params.get("tab"))
        at.switch_page(steps[i][1])  # AppTest's next run asks for the page the walk switched to
    assert visited == names
    assert section_switch(at).value == "review"  # ends on the weekly review's summary
    assert at.query_params["tab"] == "review"
    done = at.button(key="pdca_agenda_next")
    assert done.disabled and done.label == "议程已完成"
