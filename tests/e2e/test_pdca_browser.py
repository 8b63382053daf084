"""Browser test: edit a ledger row in Chromium's data grid, save, and find it in the database.

The grid is a canvas; its accessibility table (one `td#glide-cell-<col>-<row>` per cell) tells which
column is "Owner" and what the cell shows. The test moves with the keyboard from the first cell and
waits on conditions (editor open, value typed, cell updated, script idle), never on pixel positions.
"Script idle" is the front end's own run state (``tests.browser.wait_for_idle``), not the status
widget, which shows only after half a second of running: acting mid-run (the first visit runs the
script twice) is what once left the typed owner unsaved.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lib.pdca import ledger
from lib.core.db import forget_database, open_database
from tests.browser import CHROMIUM, chromium, streamlit_server, wait_for_app, wait_for_idle

# Two animation frames: React has committed the editor's last state update and painted it. The grid's
# overlay editor commits on Enter the value of its last render; at machine speed (15 keys and Enter
# within 40 ms) Enter could come before that render, and the grid then closed the editor with the old
# value and sent nothing to the server (seen in about one run in four; no rerun, no server message).
NEXT_PAINTS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs /usr/bin/chromium")


def test_edit_a_ledger_row_in_chromium(fresh_demo):
    forget_database(fresh_demo)  # the server process must own the file
    with streamlit_server(fresh_demo) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/pdca?lang=en&tab=ledger")  # the ledger section, straight from the link (its grid below)
        wait_for_app(page)
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="2026Q4-002").last
        grid.wait_for(timeout=60_000)
        grid.scroll_into_view_if_needed()
        col = grid.locator("th").all_inner_texts().index("Owner") + 1
        assert grid.locator("td#glide-cell-1-1").inner_text() == "2026Q4-002"
        owner_cell = grid.locator(f"td#glide-cell-{col}-1")
        editor = page.locator("#portal .gdg-input")

        grid.locator("td#glide-cell-1-0").focus()
        page.keyboard.press("Enter")
        editor.wait_for(timeout=10_000)
        assert editor.input_value() == "2026Q4-001"  # the selection starts on the first cell
        page.keyboard.press("Escape")
        editor.wait_for(state="detached", timeout=10_000)
        for _ in range(col - 1):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        editor.wait_for(timeout=10_000)
        assert editor.input_value() == owner_cell.inner_text()

        page.keyboard.press("Control+A")
        page.keyboard.type("Chromium Tester", delay=40)  # a fast typist's pace, not the machine's
        page.wait_for_function(
            "() => document.querySelector('#portal .gdg-input')?.value === 'Chromium Tester'", timeout=10_000)
        page.evaluate(NEXT_PAINTS)  # the grid's editor has rendered the typed value: Enter commits that
        page.keyboard.press("Enter")
        editor.wait_for(state="detached", timeout=10_000)
        expect(owner_cell).to_have_text("Chromium Tester", timeout=30_000)
        wait_for_idle(page)  # the rerun the edit started has finished and kept it
        expect(owner_cell).to_have_text("Chromium Tester")
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("Saved: 0 added, 1 changed, 0 deleted.").wait_for(timeout=60_000)
    db = open_database(fresh_demo)
    try:
        row = ledger.load(db, "2026Q4").set_index("item_id").loc["2026Q4-002"]
        assert row["owner"] == "Chromium Tester"
        h = ledger.history(db, "2026Q4-002")
        assert list(h[h.action == "update"].field) == ["owner"]
    finally:
        db.close()
