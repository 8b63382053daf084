"""AppTest runs of every page of the foundation, asserting real content."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.metrics import registry as metrics
from lib.core.db import open_database
from tests.apptest import open_section

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def run_app(query: dict | None = None, page: str | None = "pages/overview.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page:  # start on the page itself: it reruns through app.py's shell (lib.ui.shell._require_shell)
        at.switch_page(page)
    return at.run()


def test_overview_shows_headline_kpis_with_values(app_env):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Quarter at a glance"
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["AUM", "AUM growth", "New customers", "Fee income"]
    assert all(m.value not in ("", "—") for m in at.metric)
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    spec = json.loads(charts[0].proto.spec)
    assert spec["data"] and spec["layout"]["title"]["text"] == "AUM by month-end snapshot"
    assert any("demo bank" in i.value for i in at.info)


def test_overview_value_matches_the_metric_layer(app_env, demo_db):
    at = run_app()
    q = metrics.quarters_in_data(demo_db)[0]
    aum = metrics.compute(demo_db, "aum", q, metrics.Scope())
    from lib.core.i18n import fmt_money
    assert at.metric[0].value == fmt_money(aum, "en")


def test_url_reproduces_filters_and_language(app_env):
    at = run_app({"lang": "zh", "q": "2026Q2", "region": "East", "ctype": "retail"})
    assert not at.exception
    assert at.title[0].value == "季度一览"
    assert at.session_state["f_quarter"] == "2026Q2"
    assert at.session_state["f_region"] == "East"
    assert at.session_state["f_ctype"] == "retail"
    assert at.metric[0].label == "管理资产（AUM）"
    assert "元" in at.metric[0].value
    caption = " ".join(c.value for c in at.caption)
    assert "East" in caption and "零售" in caption


def test_branch_filter_narrows_the_numbers(app_env):
    whole = run_app()
    branch = run_app({"branch": "B001"})
    assert branch.session_state["f_branch"] == "B001"
    assert whole.metric[0].value != branch.metric[0].value


def test_switching_language_translates_the_page(app_env):
    at = run_app()
    at.sidebar.radio[0].set_value("zh").run()
    assert at.title[0].value == "季度一览"
    assert [m.label for m in at.metric][2] == "新增客户数"


def test_data_page_lists_tables_contract_and_metrics(app_env):
    at = run_app(page="pages/data.py")
    assert not at.exception
    assert at.title[0].value == "Data"
    status = at.dataframe[0].value
    assert set(status["table"]) >= {"customers", "balances", "ledger"}
    assert (status["rows"] > 0).all()
    open_section(at, "contract")
    assert len(at.expander) >= 15
    contract = at.dataframe[2].value  # branches, staff, customers, …
    assert "customer_id" in set(contract["column"])
    assert "客户号" in contract.loc[contract["column"] == "customer_id", "synonyms"].iloc[0]
    registry = open_section(at, "metrics").dataframe[-1].value
    assert set(registry["key"]) == set(metrics.METRIC_BY_KEY)


def test_empty_database_says_what_to_upload(tmp_path, monkeypatch):
    path = str(tmp_path / "empty.duckdb")
    open_database(path).close()
    monkeypatch.setenv("QUARTERDECK_DB", path)
    home = run_app(page=None)
    assert not home.exception
    at = run_app()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Nothing dated is loaded yet. Upload the **Core banking / CRM customer export** and the "
        "**Core banking balance snapshot** on the Data page to fill this page."]


def test_projector_mode_from_the_url(app_env):
    at = run_app({"projector": "1"})
    assert not at.exception
    assert at.session_state["projector"] is True
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] == 20
    toggles = {tg.label: tg for tg in at.sidebar.toggle}
    assert toggles["Projector mode"].value is True
    assert toggles["Show customer names"].disabled


def test_projector_mode_switch_restyles_the_charts(app_env):
    at = run_app()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] == 14
    next(tg for tg in at.sidebar.toggle if tg.label == "Projector mode").set_value(True).run()
    assert at.session_state["projector"] is True
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] == 20
