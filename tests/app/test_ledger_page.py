"""AppTest of the ledger editor on the PDCA page: its identity (and so the user's pending edits)
survives reruns while the loaded ledger has not changed, and a half-filled new row is refused
naming the row and the missing field, staying in the editor."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.pdca import ledger

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _open_ledger() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/pdca.py")
    at.session_state["lang"] = "en"
    at.session_state["_qd_init"] = True
    at.session_state["pdca_section"] = "ledger"  # the page's section switch (ignored by a tabbed page)
    return at.run()


def _editor(at: AppTest):
    eds = [e for e in at.data_editor if "pdca_ledger_editor" in str(e.proto.id)]
    assert len(eds) == 1
    return eds[0]


def _key(at: AppTest) -> str:
    return f"pdca_ledger_editor_2026Q4_{at.session_state['pdca_editor_gen']}"


def test_the_editor_keeps_its_identity_while_others_write(fresh_demo):
    """Another user adds an item with a new category after this session opened the ledger: the
    editor's input and options stay as loaded, so its widget id (and the edit in it) is kept."""
    from lib.ui.shell import db as app_db
    at = _open_ledger()
    assert not at.exception, at.exception
    before = _editor(at).proto.id
    at.session_state[_key(at)] = {"edited_rows": {1: {"owner": "Pending Edit"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    ledger.create(app_db(), "2026Q4", {"owner": "Li Wei", "category": "vendor-risk", "problem": "Late feed",
                                       "due_date": date(2026, 12, 10), "status": "open"}, "Li Wei")
    at.run()
    assert not at.exception, at.exception
    assert _editor(at).proto.id == before
    assert at.session_state[_key(at)]["edited_rows"] == {1: {"owner": "Pending Edit"}}


def test_a_half_filled_new_row_is_named_and_kept(fresh_demo):
    from lib.ui.shell import db as app_db
    at = _open_ledger()
    n = len(ledger.load(app_db(), "2026Q4"))
    # the browser grid never sends a new row that lacks a column marked `required` (it stays in the
    # browser, and the save said "No changes to save."): no column is marked, the save validates
    config = json.loads(_editor(at).proto.columns)
    assert config and not [c for c, cfg in config.items() if cfg.get("required")]
    added = {"owner": "Zhao Lei", "status": "open"}
    at.session_state[_key(at)] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [added]}
    at.button(key="pdca_ledger_save").click().run()
    assert not at.exception, at.exception
    err = "\n".join(e.value for e in at.error)
    assert "New row 1: “Problem” is required. Fill it in and save again." in err
    assert "New row 1: “Due date” is required. Fill it in and save again." in err
    assert "No changes to save." not in "\n".join(str(i.value) for i in at.info)
    assert at.session_state[_key(at)]["added_rows"] == [added]  # still in the editor
    assert len(ledger.load(app_db(), "2026Q4")) == n
