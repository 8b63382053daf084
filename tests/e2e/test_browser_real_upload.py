"""A new user's first upload, in Chromium: an empty database, real public bank files through the Data
page's Upload section (mapping, category values, fill-ins, report, Load), then the figures Overview,
Diagnosis and Tiering show against the same figures computed with pandas from the source files.

Files (tests/corpus/real/SOURCES.md): churn_modelling.csv (Kaggle churn list: Exited 1 = left the
bank, Balance without a date), cn_customers_gbk.csv (a GBK core-banking customer export with
￥-formatted balances) and bank_additional_full.csv (the UCI marketing call list: no lead id, no contact
date; y = converted), whose conversion rate Overview must show. The grid cells (mapping and value editors) are a canvas: the selection is moved
with the keyboard and checked through the grid's accessibility table (``aria-selected``); nothing
waits on pixels except one click that gives the grid focus.
Screenshots (1920×1080 and 1024×768) of every step land in test-artifacts/newuser/.
"""
from __future__ import annotations

import csv
import os
import re

import pandas as pd
import pytest

from lib.core.db import open_database
from lib.core import labels
from lib.core.i18n import fmt_money, fmt_pct, t
from lib.ui.charts import card_value  # a KPI card's value: fmt_money cut to 4 significant digits
from tests.browser import ARTIFACTS, CHROMIUM, ROOT, chromium, streamlit_server, wait_for_app, wait_for_idle

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")

REAL = ROOT / "tests" / "corpus" / "real"
CHURN = REAL / "churn_modelling.csv"
GBK = REAL / "cn_customers_gbk.csv"
LEADS = REAL / "bank_additional_full.csv"
SHOTS = ARTIFACTS / "newuser"
AS_OF = "2026-09-30"


def fill_label(column: str) -> str:
    """The Upload tab's fill-in label of a column, as the page words it (English)."""
    return t("ingest.ui.fill", "en", column=labels.column_label(column, "en"))


# ---------------------------------------------------------------- truths from the source files
def churn_truth() -> dict:
    d = pd.read_csv(CHURN)
    active = d[d["Exited"] == 0]
    return {"rows": len(d), "aum": float(d["Balance"].sum()), "active": len(active)}


def gbk_truth() -> dict:
    d = pd.read_csv(GBK, encoding="gb18030", dtype=str)
    bal = d["账户余额"].str.replace("￥", "", regex=False).str.replace(",", "", regex=False).astype(float)
    return {"rows": len(d), "aum": float(bal.sum())}


def leads_truth() -> dict:
    d = pd.read_csv(LEADS, sep=";")
    return {"rows": len(d), "conversion": float((d["y"] == "yes").mean())}


# ---------------------------------------------------------------- browser helpers
def shots(page, tag: str, anchor=None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for w, h in ((1920, 1080), (1024, 768)):
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(300)
        if anchor is not None:
            anchor.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{tag}-{w}x{h}.png"))
    page.set_viewport_size({"width": 1920, "height": 1080})


def grid(page, header: str):
    return page.locator("[data-testid='stDataFrame']").filter(has=page.locator("th", has_text=header)).last


def _selected(g):
    ids = [t.get_attribute("id") for t in g.locator("td[aria-selected='true']").all()]
    return tuple(map(int, ids[0].split("-")[2:4])) if len(ids) == 1 else None


def select_cell(page, g, col: int, row: int) -> None:
    """Move the grid's selection to (col, row) with the arrow keys, checking each step."""
    def focus() -> None:  # the first (read-only) column of the top row: focus and a selection
        box = g.bounding_box()
        page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)
    focus()
    for attempt in range(60):
        here = _selected(g)
        if here == (col, row):
            return
        if here is None:  # a rerun can redraw the grid under the click: click again after a second
            page.wait_for_timeout(100)
            if attempt % 10 == 9:
                focus()
            continue
        c, r = here
        page.keyboard.press("ArrowRight" if col > c else "ArrowLeft" if col < c else
                            "ArrowDown" if row > r else "ArrowUp")
        for _ in range(40):  # the accessibility table follows the canvas a moment later
            page.wait_for_timeout(50)
            if _selected(g) != here:
                break
    raise AssertionError(f"could not select cell {col},{row} (at {_selected(g)})")


def grid_pick(page, g, row: int, column: str, value: str) -> None:
    """Choose `value` in a selectbox cell of a data editor."""
    g.scroll_into_view_if_needed()
    col = next(i for i, h in enumerate(g.locator("th").all_inner_texts()) if h.strip().startswith(column))
    select_cell(page, g, col, row)
    page.keyboard.press("Enter")
    inp = page.locator("#portal input[role='combobox']")
    inp.wait_for(timeout=10_000)
    inp.fill(value)
    page.locator("#portal [role='option']").filter(has_text=re.compile(f"^{re.escape(value)}$")).first.click()
    inp.wait_for(state="detached", timeout=10_000)
    wait_for_idle(page)
    assert g.locator(f"td#glide-cell-{col}-{row}").inner_text() == value


def selectbox(page, label: str, value: str) -> None:
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).last
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    box.locator("input").fill(value)  # the list is virtualised: filter it so the option is drawn
    page.locator("[role='option']").filter(has_text=re.compile(f"^{re.escape(value)}$")).first.click()
    wait_for_idle(page)


def text_input(page, label: str, value: str) -> None:
    box = page.locator("[data-testid='stTextInput']").filter(has_text=label).last
    box.locator("input").fill(value)
    box.locator("input").press("Enter")
    wait_for_idle(page)


def date_input(page, label: str, iso: str) -> None:
    """A react-aria date field: one spin button per part; typing the digits fills them in turn, and
    the value is sent when the field loses focus."""
    box = page.locator("[data-testid='stDateInput']").filter(has_text=label).last
    box.scroll_into_view_if_needed()
    box.locator("[role='spinbutton'][data-type='year']").focus()
    page.keyboard.type(iso.replace("-", ""), delay=40)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("[data-testid='stMain'] h1").first.click()
    wait_for_idle(page)


def metrics_shown(page) -> dict[str, str]:
    return {m.locator("[data-testid='stMetricLabel']").inner_text().strip():
            m.locator("[data-testid='stMetricValue']").inner_text().strip()
            for m in page.locator("[data-testid='stMetric']").all()}


def report_counts(page) -> dict[str, int]:
    shown = metrics_shown(page)
    return {k: int(shown[label].replace(",", "")) for k, label in
            (("read", "Rows read"), ("new", "New"), ("updated", "Updated"), ("unchanged", "Unchanged"),
             ("rejected", "Rejected"))}


def load_and_check(page, report: dict, file_name: str, tag: str) -> int:
    """Press Load; the success line must repeat the report's counts. Returns the import id."""
    btn = page.locator("[data-testid='stButton'] button").filter(has_text="Load")
    assert btn.inner_text().endswith(f"Load {report['new'] + report['updated']:,} rows")
    btn.click()
    wait_for_idle(page)
    ok = page.locator("[data-testid='stAlert']").filter(has_text=file_name).last
    ok.wait_for(timeout=60_000)
    m = re.search(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) rejected \(import #(\d+)\)", ok.inner_text())
    assert m, ok.inner_text()
    assert tuple(map(int, m.groups()[:4])) == (report["new"], report["updated"], report["unchanged"], report["rejected"])
    shots(page, tag, ok)
    return int(m.group(5))


def open_upload(page, url: str, path) -> None:
    page.goto(f"{url}/data?tab=upload&lang=en")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    wait_for_idle(page)
    grid(page, "Load as").wait_for(timeout=60_000)


def upload_churn(page, url: str) -> dict:
    headers = next(csv.reader(open(CHURN, encoding="utf-8")))
    open_upload(page, url, CHURN)
    shots(page, "test-churn-1-detected")
    g = grid(page, "Load as")
    grid_pick(page, g, headers.index("Exited"), "Load as", "status")
    grid_pick(page, g, headers.index("Balance"), "Load as", "balances.deposits")
    grid_pick(page, g, headers.index("Surname"), "Load as", "customer_name")
    selectbox(page, fill_label("customer_type"), "retail")
    text_input(page, fill_label("branch_id"), "EU01")
    date_input(page, fill_label("as_of"), AS_OF)
    vals = grid(page, "Map to")
    vals.wait_for(timeout=30_000)
    rows = {vals.locator(f"td#glide-cell-0-{r}").inner_text(): r
            for r in range(vals.locator("td[id^='glide-cell-0-']").count())}
    assert set(rows) == {"0", "1"}  # Exited's values, offered for mapping
    grid_pick(page, vals, rows["1"], "Map to", "closed")
    grid_pick(page, grid(page, "Map to"), rows["0"], "Map to", "active")
    page.get_by_text("Validation report").wait_for()
    shots(page, "test-churn-2-report", page.get_by_text("Validation report"))
    return report_counts(page)


def upload_gbk(page, url: str) -> dict:
    open_upload(page, url, GBK)
    assert "encoding gb18030" in page.locator("[data-testid='stMain']").inner_text()
    shots(page, "test-gbk-1-detected")
    date_input(page, fill_label("as_of"), AS_OF)
    page.get_by_text("Validation report").wait_for()
    shots(page, "test-gbk-2-report", page.get_by_text("Validation report"))
    return report_counts(page)


def upload_leads(page, url: str) -> dict:
    """The UCI call list has no lead id and no contact date: build the key from the row number and
    give the whole list one contact date (the optional fill-in)."""
    open_upload(page, url, LEADS)
    page.get_by_text("Build the missing key from file name and row number").click()
    wait_for_idle(page)
    page.get_by_text("Fill a column the file lacks with one value").click()
    selectbox(page, "Column", labels.column_label("contact_date", "en"))
    date_input(page, fill_label("contact_date"), AS_OF)
    page.get_by_text("Validation report").wait_for()
    shots(page, "test-leads-2-report", page.get_by_text("Validation report"))
    return report_counts(page)


def page_metrics(page, url: str, path: str, tag: str) -> dict[str, str]:
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    shots(page, tag)
    return metrics_shown(page)


def tier_customers(page, url: str) -> int:
    page.goto(f"{url}/tiering?tab=tiers&lang=en")
    wait_for_app(page)
    g = grid(page, "Share of customers")
    g.wait_for(timeout=60_000)
    shots(page, "test-churn-tiering", g)
    col = g.locator("th").all_inner_texts().index("Customers")
    return sum(int(c.inner_text().replace(",", "")) for c in g.locator(f"td[id^='glide-cell-{col}-']").all())


# ---------------------------------------------------------------- the test
def test_new_user_uploads_real_files_and_sees_true_figures(tmp_path):
    db_path = str(tmp_path / "empty.duckdb")
    open_database(db_path).close()  # an existing (empty) database: the app builds no demo bank
    churn, gbk = churn_truth(), gbk_truth()
    with streamlit_server(db_path) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})

        rep = upload_churn(page, url)
        assert rep == {"read": churn["rows"], "new": churn["rows"], "updated": 0, "unchanged": 0, "rejected": 0}
        first = load_and_check(page, rep, CHURN.name, "test-churn-3-loaded")

        shown = page_metrics(page, url, "overview?lang=en", "test-churn-overview")
        assert shown["AUM"] == fmt_money(churn["aum"], "en")
        assert page_metrics(page, url, "diagnosis?lang=en", "test-churn-diagnosis")["AUM"] == fmt_money(churn["aum"], "en")
        assert tier_customers(page, url) == churn["active"]  # tiers count open customers only

        page = browser.new_page(viewport={"width": 1920, "height": 1080})  # a new session for the next file
        rep = upload_gbk(page, url)
        assert rep == {"read": gbk["rows"], "new": gbk["rows"], "updated": 0, "unchanged": 0, "rejected": 0}
        assert load_and_check(page, rep, GBK.name, "test-gbk-3-loaded") > first  # a wide file also records its balances import

        total = churn["aum"] + gbk["aum"]
        assert page_metrics(page, url, "overview?lang=en", "test-gbk-overview-en")["AUM"] == card_value(total, "cny", "en") \
            == fmt_money(total, "en")
        zh = page_metrics(page, url, "overview?lang=zh", "test-gbk-overview-zh")
        assert card_value(total, "cny", "zh") in zh.values(), zh

        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        leads = leads_truth()
        rep = upload_leads(page, url)
        assert rep == {"read": leads["rows"], "new": leads["rows"], "updated": 0, "unchanged": 0, "rejected": 0}
        load_and_check(page, rep, LEADS.name, "test-leads-3-loaded")
        shown = page_metrics(page, url, "overview?lang=en", "test-leads-overview")
        assert shown["Lead conversion rate"] == card_value(leads["conversion"], "pct", "en") == fmt_pct(leads["conversion"], "en")
