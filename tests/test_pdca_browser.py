"""Browser test: edit a ledger row in Chromium's data grid, save, and find it in the database."""
from __future__ import annotations

import pytest

from lib import ledger
from lib.db import forget_database, open_database
from tests.browser import CHROMIUM, chromium, streamlit_server, wait_for_app

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs /usr/bin/chromium")


def test_edit_a_ledger_row_in_chromium(fresh_demo):
    forget_database(fresh_demo)  # the server process must own the file
    with streamlit_server(fresh_demo) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/pdca?lang=en")
        wait_for_app(page)
        page.get_by_role("tab", name="Problem ledger").click()
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="2026Q4-002").last
        grid.wait_for(timeout=60_000)
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        # the Owner column is the fifth (row marker, Item, Overdue, Week raised, Owner); rows are ~35 px
        box = grid.bounding_box()
        page.mouse.dblclick(box["x"] + 300, box["y"] + 35 + 35 * 1 + 17)
        page.wait_for_timeout(500)
        page.keyboard.press("Control+A")
        page.keyboard.type("Chromium Tester")
        page.keyboard.press("Enter")
        page.wait_for_timeout(800)
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
