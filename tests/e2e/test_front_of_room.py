"""The weekly meeting in front of the room, in a real browser (Debian's Chromium via Playwright):
- every metric card's value shows whole (no "…", nothing overflowing its box) on Overview and
  Diagnosis, in English and Chinese projector mode, at 1024×768 and 1920×1080;
- every category of a chart's category axis keeps its label at 1024×768 in projector mode (the
  penetration heatmap, the tier charts, the PDCA timeline);
- a direct link to /diagnosis opens Diagnosis (not "Page not found"), in the link's language;
- a deep link survives the sign-in screen (page and its parameters);
- the agenda walk keeps Chinese and projector mode on every step and ends on the weekly review."""
from __future__ import annotations

import shutil

import pytest

from lib.core import auth, i18n
from lib.core.db import open_database
from tests.browser import chromium, streamlit_server, wait_for_app, wait_for_idle

CARD_CHECK_JS = """
() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(el => {
  const card = el.closest('[data-testid="stVerticalBlock"]') || el.parentElement;
  const parts = [el, ...el.querySelectorAll('*')];
  return {
    text: el.innerText,
    overflow: parts.some(e => e.scrollWidth > e.clientWidth + 1),
    ellipsis: parts.some(e => getComputedStyle(e).textOverflow === 'ellipsis'),
    outside: el.getBoundingClientRect().right > card.getBoundingClientRect().right + 1,
  };
})
"""

CATEGORY_LABELS_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
  const out = [];
  for (const name of ['xaxis', 'yaxis']) {
    const ax = gd._fullLayout && gd._fullLayout[name];
    if (!ax || ax.type !== 'category' || !ax._categories) continue;
    const n = ax._categories.filter(c => String(c).trim() !== '').length;
    const l = name[0];
    const shown = [...gd.querySelectorAll(`.${l}axislayer-above .${l}tick text`)]
      .filter(t => t.textContent.trim() !== '').length;
    out.push({title: (gd._fullLayout.title || {}).text || '', axis: name, n: n, shown: shown});
  }
  return out;
})
"""

CUT_BUTTONS_JS = """
() => [...document.querySelectorAll('[data-testid="stMain"] button')]
  .filter(b => b.offsetParent !== null)
  .flatMap(b => [...b.querySelectorAll('p')])
  .filter(p => p.scrollWidth > p.clientWidth + 1)
  .map(p => p.innerText)
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _warm(browser, url: str, selector: str = "[data-testid='stMain'] h1") -> None:
    """One visit in its own browser context first: a server's first run in a process takes another
    path (lib.ui.shell._require_shell); a meeting runs on a server that has served pages before."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(selector, timeout=90_000)
    wait_for_idle(page, 90_000)
    context.close()


@pytest.fixture(scope="module")
def server(demo_master, tmp_path_factory, browser):
    path = str(tmp_path_factory.mktemp("room") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    with streamlit_server(path) as url:
        _warm(browser, f"{url}/overview")
        yield url


@pytest.mark.parametrize("size", ["1024x768", "1920x1080"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_card_values_show_whole(server, browser, lang, size):
    w, h = map(int, size.split("x"))
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    try:
        for path in ("overview", "diagnosis"):
            page.goto(f"{server}/{path}?lang={lang}&projector=1")
            wait_for_app(page, 90_000)
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
            cards = page.evaluate(CARD_CHECK_JS)
            assert len(cards) >= 4, (path, cards)
            bad = [c for c in cards if c["overflow"] or c["ellipsis"] or c["outside"] or "…" in c["text"]]
            assert not bad, (path, lang, size, bad)
            money = [c["text"] for c in cards if ("亿元" in c["text"] or "万元" in c["text"] or "¥" in c["text"])]
            assert money, (path, [c["text"] for c in cards])
            for text in money:  # compact unit, at most 4 significant digits
                digits = [ch for ch in text if ch.isdigit()]
                assert len(digits) <= 4, text
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_category_and_button_keeps_its_label_at_1024(server, browser, lang):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        seen = 0
        for path in ("channels?tab=products", "tiering", "pdca", "pdca?tab=review"):
            sep = "&" if "?" in path else "?"
            page.goto(f"{server}/{path}{sep}lang={lang}&projector=1")
            wait_for_app(page, 90_000)
            if "review" not in path:  # the weekly review: cards, lists and buttons
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            page.wait_for_timeout(800)  # plotly lays its ticks out after the first paint
            cut = page.evaluate(CUT_BUTTONS_JS)
            assert not cut, (path, lang, cut)  # no "Downloa…"
            axes = page.evaluate(CATEGORY_LABELS_JS)
            dropped = [a for a in axes if a["n"] <= 40 and a["shown"] < a["n"]]
            assert not dropped, (path, lang, dropped)
            seen += len(axes)
        assert seen >= 3
    finally:
        context.close()


def test_a_direct_link_to_diagnosis_opens_it(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server}/diagnosis?lang=zh")
    wait_for_app(page, 90_000)
    assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == i18n.t("diagnosis.title", "zh")
    assert "Page not found" not in page.content()
    assert "lang=zh" in page.url and "/diagnosis" in page.url
    page.close()


def test_the_agenda_walk_keeps_chinese_and_projector(server, browser):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(f"{server}/pdca?lang=zh&projector=1&tab=review")
    wait_for_app(page, 90_000)
    steps = 0
    while True:
        button = page.locator(".st-key-pdca_agenda_next button")
        button.wait_for(timeout=60_000)
        if button.is_disabled():
            break
        button.click()
        page.wait_for_timeout(1000)
        wait_for_idle(page, 90_000)
        steps += 1
        assert "lang=zh" in page.url and "projector=1" in page.url, page.url
        title = page.locator("[data-testid='stMain'] h1").first.inner_text()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title), (page.url, title)
        assert steps <= 10
    assert steps == 5
    assert "/pdca" in page.url and "tab=review" in page.url
    assert page.locator(".st-key-pdca_agenda_next button").inner_text().strip().endswith(
        i18n.t("pdca.agenda.done", "zh"))
    page.close()


def test_a_deep_link_survives_the_sign_in(demo_master, tmp_path, browser):
    path = str(tmp_path / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    db = open_database(path)
    try:
        auth.save_user(db, auth.User("chair", "admin", "Chair"), password="meeting password",
                       viewer=auth.local_admin())
    finally:
        db.close()
    with streamlit_server(path) as url:
        _warm(browser, url, "[data-testid='stForm']")
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/team?lang=zh&tab=radar")
        page.wait_for_selector("[data-testid='stForm']", timeout=90_000)
        assert page.locator("h1").first.inner_text().strip() == i18n.t("auth.login.title", "zh")
        inputs = page.locator("[data-testid='stForm'] input")
        inputs.nth(0).fill("chair")
        inputs.nth(1).fill("meeting password")
        page.locator("[data-testid='stFormSubmitButton'] button").click()
        page.wait_for_function("() => document.querySelector(\"[data-testid='stMain'] h1\")?.innerText"
                               f".trim() === {i18n.t('team.title', 'zh')!r}", timeout=90_000)
        wait_for_idle(page, 90_000)
        assert "/team" in page.url and "tab=radar" in page.url and "lang=zh" in page.url, page.url
        chosen = page.locator(".st-key-team_section button[aria-checked='true']")
        chosen.first.wait_for(timeout=30_000)
        assert chosen.count() == 1 and i18n.t("team.tab.radar", "zh") in chosen.inner_text()
        page.close()
