"""Every page in a real browser (Debian's Chromium via Playwright), both languages, two
screen sizes: no error element, the page title in the chosen language, and a screenshot
saved under test-artifacts/ for people to look at."""
import shutil

import pytest

from tests.browser import ARTIFACTS, app_pages, chromium, streamlit_server, wait_for_app

VIEWPORTS = {"1920x1080": (1920, 1080), "1024x768": (1024, 768)}


@pytest.fixture(scope="module")
def server(demo_master, tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(tmp_path_factory.mktemp("browser") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    with streamlit_server(path) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_page_renders_without_errors(server, browser, lang, size):
    w, h = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for path in app_pages():
            page.goto(f"{server}/{path}?lang={lang}")
            wait_for_app(page)
            assert page.locator("[data-testid='stException']").count() == 0, path
            title = page.locator("[data-testid='stMain'] h1").first.inner_text()
            assert title.strip()
            if lang == "zh":
                assert any("\u4e00" <= ch <= "\u9fff" for ch in title), (path, title)
            assert "⟦" not in page.locator("[data-testid='stMain']").inner_text(), path
            scroll_w = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_w <= w + 1, f"{path}: horizontal scrolling at {size}"
            page.screenshot(path=str(ARTIFACTS / f"{path or 'home'}-{lang}-{size}.png"), full_page=True)
    finally:
        context.close()
    assert errors == []


def test_overview_chart_renders_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server)
    page.wait_for_selector(".stPlotlyChart .main-svg", timeout=60_000)
    assert page.locator(".stPlotlyChart").count() >= 2
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
        boxes = sidebar.locator("[data-testid='stSelectbox']")
        assert boxes.count() >= 4
        assert "region=East" in page.url and "lang=zh" in page.url
        page.close()
