"""AppTest of the PDCA page: it renders in English and Chinese, a ledger row edited in the
data editor is saved (with its audit trail), a concurrent save is refused with the message, and
the agenda's next button walks Diagnosis -> ... -> PDCA keeping the URL's parameters."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import across_sections, open_section, page_texts, section_switch

from lib.pdca import ledger
from lib.pdca import plan as pdca

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/pdca.py"


def run_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(PAGE)
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    return at.run()


def _editor_key(at: AppTest) -> str:
    return f"pdca_ledger_editor_2026Q4_{at.session_state['pdca_editor_gen']}"


def _texts(at: AppTest) -> str:
    return page_texts(at, ("error", "success", "warning", "info", "markdown", "caption"))


def test_page_renders_in_both_languages(app_env):
    at = run_page("en")
    assert not at.exception
    assert at.title[0].value.startswith("PDCA")
    assert section_switch(at).options == ["Timeline", "Burn-up", "Problem ledger", "Weekly review", "Retrospective"]
    assert len(at.data_editor) == 1  # the milestones: only the open section runs
    assert across_sections(at, ["ledger"], lambda a: len(a.data_editor)) == [1]  # the ledger
    texts = "\n".join(across_sections(at, ["timeline", "burnup", "ledger", "review", "retro"], _texts))
    assert any(s in texts for s in ("On track", "At risk", "Off track"))
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert section_switch(at).options[2] == "问题台账" and section_switch(at).value == "retro"
    texts = "\n".join(across_sections(at, ["timeline", "burnup", "ledger", "review", "retro"], _texts))
    assert any(s in texts for s in ("正常", "预警", "落后"))


def test_editing_the_ledger_in_the_data_editor(fresh_demo):
    from lib.ui.shell import db as app_db  # same process: the page's Database
    at = open_section(run_page(), "ledger")
    # edit a row: saved at once, with its audit trail
    at.session_state[_editor_key(at)] = {"edited_rows": {1: {"status": "resolved", "notes": "cut to one session"}},
                                         "added_rows": [], "deleted_rows": []}
    at.button(key="pdca_ledger_save").click().run()
    assert not at.exception, at.exception
    assert "Saved: 0 added, 1 changed, 0 deleted." in _texts(at)
    row = ledger.load(app_db(), "2026Q4").set_index("item_id").loc["2026Q4-002"]
    assert row["status"] == "resolved" and row["notes"] == "cut to one session" and row["resolved_on"] is not None
    h = ledger.history(app_db(), "2026Q4-002")
    assert set(h[h.action == "update"].field) == {"status", "notes", "resolved_on"}
    assert h.username.notna().all() and h.username.nunique() == 1  # the viewer (no logins: a local label)

    # an added row with a due date outside the quarter is refused, naming the problem
    at.session_state[_editor_key(at)] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"owner": "Zhao Lei", "problem": "Branch queue too long", "due_date": "2027-01-15", "status": "open"}]}
    at.button(key="pdca_ledger_save").click().run()
    assert "due date 2027-01-15 is outside 2026Q4" in "\n".join(e.value for e in at.error)

    # someone else changes item 004's status after this session loaded the ledger: refused
    other = ledger.load(app_db(), "2026Q4").set_index("item_id").loc["2026Q4-004"].to_dict()
    ledger.update(app_db(), "2026Q4-004", other, {"status": "resolved"}, "Li Wei")
    at.session_state[_editor_key(at)] = {"edited_rows": {3: {"status": "closed"}}, "added_rows": [],
                                         "deleted_rows": []}
    at.button(key="pdca_ledger_save").click().run()
    err = "\n".join(e.value for e in at.error)
    assert "Nothing was saved" in err and "2026Q4-004" in err and "Li Wei" in err and "Reload the ledger" in err
    assert ledger.load(app_db(), "2026Q4").set_index("item_id").loc["2026Q4-004", "status"] == "resolved"


def test_agenda_walk(app_env):
    at = open_section(run_page(), "review")  # the agenda bar is part of the weekly review
    steps = pdca.agenda()
    names = [s for s, _ in steps]
    assert names[0] == "diagnosis" and names[-1] == "pdca"
    at.query_params["lang"] = "en"
    at.query_params["q"] = "2026Q4"
    visited = []
    for _ in range(len(steps)):
        at.button(key="pdca_agenda_next").click().run()
        assert not at.exception, at.exception
        visited.append(at.query_params["agenda"])
        assert at.query_params["q"] == "2026Q4" and at.query_params["lang"] == "en"
        if visited[-1] != "pdca":
            at.switch_page(PAGE).run()  # back to the meeting page (the walk continues from the step reached)
            if section_switch(at).value != "review":
                open_section(at, "review")
    assert visited == names
    assert at.button(key="pdca_agenda_next").disabled  # agenda done


def test_agenda_bar_walks_across_pages(app_env):
    """Once the meeting has started, every agenda page shows the bar with "next"."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["agenda"] = "diagnosis"
    at.switch_page("pages/diagnosis.py")
    at.run()
    assert not at.exception
    nxt = at.button(key="pdca_agenda_next")
    assert "Tiering" in nxt.label or "tier" in nxt.label.lower()
    nxt.click().run()
    assert not at.exception
    assert at.title[0].value.startswith("Customer tiers")


def test_the_review_pack_is_built_on_click_not_on_every_rerun(app_env, monkeypatch):
    from lib.pdca import review_pack
    built = []
    real = review_pack.build_html
    monkeypatch.setattr(review_pack, "build_html", lambda *a, **k: built.append(1) or real(*a, **k))
    at = open_section(run_page(), "review")
    assert not at.exception
    at.run()  # a rerun (e.g. typing notes) does not build the pack
    assert built == []
    assert "Prepare PDF" in [b.label for b in at.button]
