"""Every page in a real browser (Debian's Chromium via Playwright): both languages, normal and
projector mode, 1920×1080, 1280×720 and 1024×768. On every page: no error element, no page
error, the title in the chosen language, no untranslated UI literal, no horizontal scrolling.
Screenshots land in test-artifacts/ for people to look at."""
import os
import re
import shutil

import pytest

from lib.core import schema
from lib.core.db import open_database
from tests.browser import ARTIFACTS, ROOT, app_pages, chromium, streamlit_server, wait_for_app

COMBOS = [(lang, mode, size) for lang in ("en", "zh") for mode in ("normal", "projector")
          for size in ("1920x1080", "1024x768")] + [("zh", "projector", "1280x720"), ("en", "projector", "1280x720")]

# Words allowed in the Chinese UI: product and format names, and the language switch itself.
ALLOWED_WORDS = {"AUM", "ROI", "KPI", "CSV", "Excel", "XLSX", "PDF", "HTML", "PNG", "PDCA", "DuckDB", "Quarterdeck",
                 "English", "RM", "CNY", "App", "APP", "Parquet", "GBK", "UTF", "TSV", "TXT", "YoY", "QoQ", "pp",
                 "Sankey", "ID", "IDs", "AUC", "ROC", "Big", "OIDC", "duckdb",
                 # statistical methods named in the A/B test notes
                 "statsmodels", "Wilson", "Newcomb", "Cohen", "Cohen's", "Fisher", "Fisher's", "scikit", "learn",
                 "Gradient", "Boosting",
                 # date formats shown as input hints (ours and date_input's own)
                 "YYYY-MM", "YYYY", "MM", "DD"}

VISIBLE_TEXT_JS = """
() => {
  // icons (ligature text) and elements the app's CSS hides; hidden tab panels stay in
  document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *').forEach(e => {
    const cs = getComputedStyle(e);
    if (cs.fontFamily.includes('Material') || (cs.display === 'none' && e.getAttribute('role') !== 'tabpanel'))
      e.setAttribute('data-qd-icon', '1');
  });
  return ['stMain', 'stSidebar'].map(id => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    if (!el) return '';
    const c = el.cloneNode(true);
    c.querySelectorAll('[data-qd-icon], code, .modebar').forEach(e => e.remove());
    return c.innerText;
  }).join('\\n');
}
"""


def data_words(db_path: str) -> set[str]:
    """Alphabetic words that occur in the data itself (branch names, campaign names, …) and the
    data contract's identifiers (table and column names, shown on the Data page on purpose)."""
    db = open_database(db_path)
    words: set[str] = set()
    for t in schema.TABLES:
        for name in (t.name, *t.column_names, *(k for c in t.columns for k in (c.categories or {}))):
            words.update(re.findall(r"[A-Za-z]+", name))
    try:
        for t in schema.TABLES:
            for c in t.columns:
                if c.type == "VARCHAR":
                    for (v,) in db.rows(f'SELECT DISTINCT "{c.name}" FROM "{t.name}" LIMIT 5000'):
                        if v:
                            words.update(re.findall(r"[A-Za-z][A-Za-z'\-]+", v))
        # the playbook's innovation cases are text written by editors (stored beside the canonical tables)
        for row in db.rows("SELECT * FROM qd_playbook_cases"):
            for v in row:
                if isinstance(v, str):
                    words.update(re.findall(r"[A-Za-z][A-Za-z'\-]+", v))
    finally:
        db.close()
    return words


@pytest.fixture(scope="module")
def server(demo_master, tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(tmp_path_factory.mktemp("browser") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    samples = {w for f in os.listdir(ROOT / "data" / "samples") for w in re.findall(r"[A-Za-z]+", f)}
    from lib.core import audit
    from lib.core import auth
    from lib.metrics import registry as metrics
    # the audit log lists its records as stored: action codes, roles, the sign-in mode in the JSON detail, user names
    recorded = {w for a in audit.ACTIONS for w in a.split("_")} | set(auth.ROLES) | {"mode", auth.LOCAL_NAME}
    # the Data page's metric registry shows each metric's key, formula and unit as written (like code)
    recorded |= {w for m in metrics.METRIC_BY_KEY.values() for w in re.findall(r"[A-Za-z]+", f"{m.key} {m.formula} {m.unit}")}
    recorded |= {"true", "false", "key"}
    allowed = (ALLOWED_WORDS | samples | data_words(path) | recorded | {path.split("/")[-1].split(".")[0]}
               | set(re.findall(r"[A-Za-z][A-Za-z'\-]+", path)) | set(re.findall(r"[A-Za-z]+", path)))
    with streamlit_server(path) as url:
        yield url, allowed


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _segments(word: str, allowed: set[str]) -> bool:
    """Whether `word` is a run of allowed words, ignoring case (chart SVG text arrives glued:
    'EastSouth'; file names too: 'customers.csv' shows as 'customerscsv')."""
    word = word.lower()
    ok = [True] + [False] * len(word)
    for i in range(1, len(word) + 1):
        ok[i] = any(ok[j] and word[j:i] in allowed for j in range(max(0, i - 40), i))
    return ok[-1]


def untranslated(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"[A-Za-z'\-]+…", "…", text)  # a data label shortened with an ellipsis ends in a cut word
    words = set(re.findall(r"[A-Za-z][A-Za-z'\-]{2,}", text))
    allowed = {a.lower() for a in allowed}
    return sorted(w for w in words if not _segments(w.strip("-'"), allowed))


def section_buttons(page, path: str):
    """The buttons of a page's section switch (``ui.section``: a segmented control keyed ``<page>_section``)."""
    return page.locator(f".st-key-{path or 'diagnosis'}_section button")


def test_section_switch_is_kept_in_the_link(server, browser):
    """Clicking a section puts ?tab=<section> in the URL and runs only that section; a reload
    (or the copied link) opens the same section."""
    url, _ = server
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{url}/channels?lang=en")
    wait_for_app(page)
    assert page.get_by_text("Campaign board").count() == 0
    section_buttons(page, "channels").filter(has_text="Campaigns").click()
    page.get_by_text("Campaign board").first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.wait_for_function("() => location.search.includes('tab=campaigns')", timeout=15_000)
    assert "lang=en" in page.url
    page.reload()
    wait_for_app(page)
    page.get_by_text("Campaign board").first.wait_for(timeout=60_000)
    assert page.get_by_text("Channel mix by week").count() == 0
    page.close()


@pytest.mark.parametrize("lang,mode,size", COMBOS)
def test_every_page_renders_without_errors(server, browser, lang, mode, size):
    url, allowed = server
    w, h = map(int, size.split("x"))
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    query = f"lang={lang}" + ("&projector=1" if mode == "projector" else "")
    every_section = mode == "normal" and size == "1920x1080"  # each section's text once per language
    try:
        for path in app_pages():
            page.goto(f"{url}/{path}?{query}")
            wait_for_app(page)
            assert page.locator("[data-testid='stException']").count() == 0, path
            title = page.locator("[data-testid='stMain'] h1").first.inner_text()
            assert title.strip()
            text = page.evaluate(VISIBLE_TEXT_JS)
            buttons = section_buttons(page, path)
            for i in range(1, buttons.count() if every_section else 0):  # only the open section is rendered
                buttons.nth(i).click()
                wait_for_app(page)
                assert page.locator("[data-testid='stException']").count() == 0, (path, i)
                text += "\n" + page.evaluate(VISIBLE_TEXT_JS)
            if every_section and buttons.count():
                buttons.first.click()
                wait_for_app(page)
            assert "⟦" not in text, path
            if lang == "zh":
                assert re.search(r"[\u4e00-\u9fff]", title), (path, title)
                bad = untranslated(text, allowed)
                where = [text[max(0, text.find(w) - 60): text.find(w) + 30] for w in bad[:5]]
                assert bad == [], (path, where)
            scroll_w = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_w <= w + 1, f"{path}: horizontal scrolling at {size}"
            if mode == "projector":
                page.wait_for_function(
                    "() => getComputedStyle(document.documentElement).fontSize === '20px'", timeout=15_000)
            page.screenshot(path=str(ARTIFACTS / f"{path or 'home'}-{lang}-{mode}-{size}.png"))
    finally:
        context.close()
    assert errors == []


def test_charts_render_and_offer_a_png_download(server, browser):
    url, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/overview")
    page.wait_for_selector(".stPlotlyChart .main-svg", timeout=60_000)
    assert page.locator(".stPlotlyChart").count() >= 2
    page.locator(".stPlotlyChart").first.hover()
    assert page.locator("[aria-label='Download plot as a PNG']").count() >= 1
    page.close()


def test_a_direct_link_on_a_fresh_server_gets_the_app_shell(demo_master, tmp_path, browser):
    """The first visit after a restart straight to /data?lang=zh must still run through app.py
    (navigation, filters, language), not the pages/ folder's legacy single-page mode."""
    path = str(tmp_path / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    with streamlit_server(path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/data?lang=zh&region=East")
        wait_for_app(page)
        assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == "数据"
        page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stSelectbox']", timeout=30_000)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert "诊断" in sidebar.inner_text()
        assert sidebar.locator("[data-testid='stSelectbox']").count() >= 4
        assert "region=East" in page.url and "lang=zh" in page.url
        page.close()
