"""AppTest of the Channels & products page in English and Chinese, on the demo bank, on a
database loaded only from the sample exports, and on one missing the campaign and referral
exports."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import across_sections, open_section, page_texts, section_switch

from lib.core.db import forget_database, open_database

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "samples"
PAGE = "pages/channels.py"
SECTIONS = ("channels", "campaigns", "ab", "referrals", "products")


def run_page(lang: str = "en") -> AppTest:
    """The page straight away (switching pages drops URL parameters, so the language is set in
    the session as the URL would)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(PAGE)
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    return at.run()


def _texts(at: AppTest) -> str:
    return page_texts(at)


def _board(at: AppTest):
    for df in (d.value for d in at.dataframe):
        if "campaign_name" in df.columns and "status" in df.columns:
            return df
    raise AssertionError("no campaign board on the page")


def _chart_titles(at: AppTest) -> list[str]:
    out = []
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        out.append(spec["layout"].get("title", {}).get("text", ""))
    return out


def _every_section(at: AppTest) -> dict:
    """Texts, chart titles, metric labels and download buttons of every section, each opened in turn."""
    seen = across_sections(at, SECTIONS, lambda a: (_texts(a), _chart_titles(a), [m.label for m in a.metric],
                                                    len(a.get("download_button"))))
    return {"texts": "\n".join(s[0] for s in seen), "titles": [t for s in seen for t in s[1]],
            "metrics": [m for s in seen for m in s[2]], "downloads": sum(s[3] for s in seen)}


def test_only_the_open_section_runs(app_env):
    at = run_page()
    assert not at.exception, [e.message for e in at.exception]
    assert section_switch(at).options == ["Channels", "Campaigns", "A/B tests", "Referrals", "Products & bundles"]
    assert section_switch(at).value == "channels"
    assert any(t.startswith("Leads by week and channel") for t in _chart_titles(at))
    assert "Annual revenue per bundle" not in _chart_titles(at)  # the products section did not run
    open_section(at, "products")
    assert "Annual revenue per bundle" in _chart_titles(at)
    assert not any(t.startswith("Leads by week and channel") for t in _chart_titles(at))


def test_section_from_url(app_env):
    """A copied link with ?tab=<section> opens that section; an unknown one opens the first."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(PAGE)
    at.query_params["tab"] = "referrals"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert section_switch(at).value == "referrals" and "Corporate → retail" in [m.label for m in at.metric]
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(PAGE)
    at.query_params["tab"] = "nonsense"
    at.run()
    assert not at.exception and section_switch(at).value == "channels"


def test_channels_page_english(app_env):
    at = run_page()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Channels, campaigns and products"
    every = _every_section(at)
    board = _board(open_section(at, "campaigns"))
    assert len(board) == 8  # six campaigns and the sprint's two offers (planned: not started, no ROI yet)
    offers = board[board["kind"] == "Sprint offer"]
    assert len(offers) == 2 and (offers["status"] == "Not started yet").all()
    assert (board.loc[board["kind"] != "Sprint offer", "status"] != "Not started yet").all()
    livestream = board[board["campaign_name"].str.contains("Livestream")]
    assert (livestream["status"] == "Stop or fix").all()
    assert livestream["reasons"].str.len().gt(0).all()
    texts = every["texts"]
    assert "ROI = attributable revenue ÷ cost" in texts
    assert "converts" in texts or "Not enough evidence yet" in texts  # an A/B verdict
    assert "Corporate → retail" in every["metrics"]
    titles = every["titles"]
    assert any(t.startswith("Leads by week and channel") for t in titles)
    assert "Annual revenue per bundle" in titles
    assert any("Share of customers holding each product type" in t for t in titles)
    assert every["downloads"] >= 3


def test_channels_page_chinese(app_env):
    at = run_page("zh")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "渠道、营销活动与产品"
    every = _every_section(at)
    board = _board(open_section(at, "campaigns"))
    assert (board[board["campaign_name"].str.contains("Livestream")]["status"] == "停止或整改").all()
    assert board["channel"].isin(["手机银行", "直播", "网点", "移动展业", "电话", "微信"]).all()
    texts = every["texts"]
    assert "ROI = 可归因收入 ÷ 成本" in texts
    assert "话术" in texts and ("转化率" in texts)
    money = [m.value for m in at.metric if m.label in ("总成本", "可归因收入")]
    assert money and all(v.endswith("元") for v in money)
    assert any("各组合年化收入" == t for t in every["titles"])


def test_switching_the_ab_campaign_and_board_filter(app_env):
    at = open_section(run_page(), "campaigns")
    at.toggle(key="ch_board_flagged").set_value(True).run()
    assert not at.exception
    board = _board(at)
    assert len(board) >= 1 and (board["status"] == "Stop or fix").all()
    ab = open_section(at, "ab").selectbox(key="ch_ab_campaign")
    other = [o for o in ab.options if o != ab.value]
    if other:
        ab.select_index(len(ab.options) - 1 if ab.index != len(ab.options) - 1 else 0).run()
        assert not at.exception


def _ingest(db_path: str, files: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "lib.ingest", "--db", db_path, "--rejects-dir",
                    str(Path(db_path).parent / "rejects"), *[str(SAMPLES / f) for f in files]],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)


ALL_SAMPLES = ["branches.csv", "staff_员工.csv", "products_产品.xlsx", "customers_客户.csv", "balances.csv",
               "sales_销售.csv", "campaigns.csv", "leads.tsv", "referrals.csv"]


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory):
    if not SAMPLES.exists():
        pytest.skip("no sample exports in data/samples")
    path = str(tmp_path_factory.mktemp("samples") / "samples.duckdb")
    _ingest(path, ALL_SAMPLES)
    yield path
    forget_database(path)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_on_sample_exports(samples_db, monkeypatch, lang):
    monkeypatch.setenv("QUARTERDECK_DB", samples_db)
    at = run_page(lang)
    assert not at.exception, [e.message for e in at.exception]
    every = _every_section(at)
    assert len(every["titles"]) >= 3
    assert not any("⟦" in t for t in every["texts"].splitlines())


def test_missing_exports_are_named(samples_db, tmp_path, monkeypatch):
    path = str(tmp_path / "partial.duckdb")
    shutil.copy(samples_db, path)
    db = open_database(path)
    with db.transaction() as cur:
        for table in ("campaigns", "leads", "referrals"):
            cur.execute(f'DELETE FROM "{table}"')
        db.bump_data_version(cur)
    db.close()
    monkeypatch.setenv("QUARTERDECK_DB", path)
    try:
        at = run_page()
        assert not at.exception, [e.message for e in at.exception]
        every = _every_section(at)
        texts = every["texts"]
        assert "Campaign management export" in texts and "Referral ledger export" in texts
        assert "Campaign / CRM leads export" in texts
        assert "Annual revenue per bundle" in every["titles"]  # products section still works
    finally:
        forget_database(path)
