"""Markdown and HTML planted in the data never become links, images or elements (real browser).

Payloads go into branch, region, RM, customer and campaign names, A/B variants, assessment
dimensions, ledger text, an imported file's name and the signed-in user's name; then every page
and every tab is opened (signed in as that admin, filtered to the planted branch) and the DOM is
scanned: no <a href> or <img> the app did not make, no event-handler attributes."""
from __future__ import annotations

import re
import shutil

import pytest

from browser import app_pages, chromium, streamlit_server, wait_for_app
from lib.core import auth
from lib.core.db import open_database

EVIL = "evil.example"
PAYLOADS = [
    f"[verify your account](http://{EVIL}/phish)",
    f"![i](http://{EVIL}/a.png)",
    f'<a href="http://{EVIL}/h">h</a><img src="http://{EVIL}/x.png" onerror="alert(1)">',
    f"<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    f"<http://{EVIL}/auto>",
    f"http://{EVIL}/bare www.{EVIL} phish@{EVIL}",
    "**bold** :red[alarm] $x$",
]
USER = f"root[x](http://{EVIL}/u)"

SCAN_JS = r"""() => {
  const bad = [];
  const host = location.host;
  for (const a of document.querySelectorAll('a')) {
    const h = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    if (!h) continue;
    if (/evil|javascript:|mailto:/i.test(h)) { bad.push('a ' + h); continue; }
    try { const u = new URL(h, location.href); if (u.host && u.host !== host) bad.push('a ' + h); } catch (e) { bad.push('a ' + h); }
  }
  for (const i of document.querySelectorAll('img, image, iframe, video, audio')) {
    const s = i.getAttribute('src') || i.getAttribute('href') || i.getAttribute('xlink:href') || '';
    if (/evil|^x$/i.test(s)) bad.push(i.tagName + ' ' + s);
  }
  for (const e of document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]')) bad.push('handler on ' + e.tagName);
  return bad;
}"""


def plant(path: str) -> None:
    db = open_database(path)
    try:
        with db.transaction() as cur:
            cur.execute("UPDATE branches SET branch_name = 'Lujiazui ' || ? WHERE branch_id = 'B001'", [PAYLOADS[0]])
            cur.execute("UPDATE branches SET region = region || ' ' || ? WHERE branch_id = 'B001'", [PAYLOADS[6]])
            rms = [r[0] for r in cur.execute("SELECT rm_id FROM staff WHERE branch_id = 'B001' ORDER BY rm_id").fetchall()]
            for rm, p in zip(rms, PAYLOADS):
                cur.execute("UPDATE staff SET rm_name = 'RM ' || ? WHERE rm_id = ?", [p, rm])
            custs = [r[0] for r in cur.execute(
                "SELECT customer_id FROM customers WHERE branch_id = 'B001' ORDER BY customer_id LIMIT 8").fetchall()]
            for c, p in zip(custs, PAYLOADS):
                cur.execute("UPDATE customers SET customer_name = ? WHERE customer_id = ?", [p, c])
            camps = [r[0] for r in cur.execute("SELECT campaign_id FROM campaigns ORDER BY 1").fetchall()]
            for c, p in zip(camps, PAYLOADS):
                cur.execute("UPDATE campaigns SET campaign_name = 'Campaign ' || ? WHERE campaign_id = ?", [p, c])
            cur.execute("UPDATE leads SET variant = ? WHERE variant = 'B'", [PAYLOADS[2]])
            cur.execute("UPDATE assessments SET dimension = ? WHERE dimension = (SELECT min(dimension) FROM assessments)",
                        [PAYLOADS[0]])
            q = cur.execute("SELECT quarter FROM ledger ORDER BY quarter DESC LIMIT 1").fetchone()
            cur.execute("UPDATE ledger SET owner = ?, problem = ?, action = ?, notes = ?, category = ? "
                        "WHERE quarter = ?", [PAYLOADS[0], PAYLOADS[2], PAYLOADS[5], PAYLOADS[6], PAYLOADS[1],
                                               q[0] if q else ""])
            cur.execute("INSERT INTO qd_imports (import_id, table_name, file_name, rows_read, rows_inserted, "
                        "rows_updated, rows_unchanged, rows_rejected, started_at, finished_at, username, status) "
                        "SELECT coalesce(max(import_id), 0) + 1, 'products', ?, 0, 0, 0, 0, 0, now(), now(), ?, "
                        "'loaded' FROM qd_imports", [PAYLOADS[0] + ".csv", USER])
        with auth.acting_as(auth.system_viewer("test")):
            auth.save_user(db, auth.User(USER, "admin", PAYLOADS[0]), password="a long password")
    finally:
        db.close()


@pytest.fixture(scope="module")
def server(demo_master, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("inject") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    plant(path)
    with streamlit_server(path) as url:
        yield url


def _scan(page, where: str, found: list) -> None:
    bad = page.evaluate(SCAN_JS)
    found.extend(f"{where}: {b}" for b in bad)
    assert page.locator("[data-testid='stException']").count() == 0, where


def test_planted_markdown_and_html_stay_text_on_every_page_and_tab(server):
    found: list[str] = []
    seen_text = ""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
        page.goto(f"{server}/?branch=B001")  # the filter stays for the session
        page.wait_for_selector("input[type='password']", timeout=60_000)
        page.locator("[data-testid='stTextInput'] input").first.fill(USER)
        page.locator("input[type='password']").fill("a long password")
        page.locator("[data-testid='stFormSubmitButton'] button").click()
        wait_for_app(page)
        for path in app_pages():  # navigate inside the session (a new page load would sign out)
            nav = page.locator("[data-testid='stSidebarNav']")
            link = nav.locator(f"a[href$='/{path}']")
            if link.count() == 0:  # the default page's link is the app's root
                link = nav.locator(f"a[href='{server}/']")
            link.first.click()
            page.wait_for_timeout(400)
            wait_for_app(page)
            _scan(page, f"/{path}", found)
            seen_text += page.inner_text("body")
            tabs = page.locator(f".st-key-{path or 'diagnosis'}_section button")  # ui.section's switch
            for i in range(1, tabs.count()):
                tabs.nth(i).click()
                page.wait_for_timeout(400)
                wait_for_app(page)
                _scan(page, f"/{path} tab {i}", found)
                seen_text += page.inner_text("body")
        context.close()
    assert found == []
    assert errors == []
    seen = seen_text.replace("\u2060", "")
    # the payloads are shown, as text
    assert f"[verify your account](http://{EVIL}/phish)" in seen
    assert re.search(r"root\[x\]\(http://evil\.example/u\)", seen)  # signed in as, in the sidebar
