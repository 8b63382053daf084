"""AppTest of the Related-party risk page on the demo bank: English and Chinese (projector mode,
names masked), a client chosen through the URL, a branch-scoped viewer, and a bank without relations."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import auth
from lib.core.db import Scope, forget_database, get_database, open_database
from lib.related import report
from tests.apptest import page_texts

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/related.py"


def run_page(query: dict | None = None, user: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.user = {"is_logged_in": True, "email": user, "name": user.split("@")[0]}
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    return at.run()


def chart(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def all_text(at: AppTest) -> str:
    frames = "\n".join(d.value.to_csv() for d in at.dataframe)
    return "\n".join([page_texts(at), frames, json.dumps(chart(at), ensure_ascii=False) if at.get("plotly_chart") else "",
                      *(e.value for e in at.error), *(e.value for e in at.warning)])


def test_page_in_english(app_env, demo_db):
    at = run_page({"lang": "en"})
    assert not at.exception
    assert at.title[0].value == "Related-party risk"
    assert [m.label for m in at.metric] == ["Clients with relations", "Flagged clients", "High risk", "Guarantee circles"]
    flagged = report.flagged(demo_db, Scope())
    assert at.metric[1].value == f"{len(flagged):,}"
    listed = at.dataframe[0].value
    assert list(listed["client"]) == list(flagged["client"])
    assert listed["reason"].str.contains(" ← ").any()
    # the worst client's network: nodes coloured by risk, edges by type, a legend in English
    worst = flagged["client"].iloc[0]
    assert at.query_params["client"] == worst
    names = {t.get("name") for t in chart(at)["data"] if t.get("showlegend", True)}
    assert "Selected client" in names and "Guarantee" in names and "High-risk party" in names
    assert any("risk:" in e.value for e in (*at.error, *at.warning, *at.info))
    assert "Guarantee circles (mutual and joint guarantees)" in [s.value for s in at.subheader]
    assert len(at.get("download_button")) == 4


def test_page_in_chinese_projector_masks_names(app_env, demo_db):
    at = run_page({"lang": "zh", "projector": "1"})
    assert not at.exception
    assert at.title[0].value == "关联风险"
    assert [m.label for m in at.metric] == ["有关联关系的客户", "预警客户", "高风险", "担保圈"]
    text = all_text(at)
    assert "担保圈（互保、联保）" in [s.value for s in at.subheader]
    assert "为" in text and "担保（" in text and "逾期" in text
    names = [r[0] for r in demo_db.rows(
        "SELECT customer_name FROM customers WHERE customer_id IN (SELECT from_party FROM relations "
        "UNION SELECT to_party FROM relations) UNION SELECT party_name FROM outside_parties")]
    leaked = [n for n in names if n and n in text]
    assert leaked == []
    assert "联" in text or "*" in at.dataframe[0].value["name"].iloc[0]  # masked names, e.g. 联*****


def test_client_from_the_url_and_hops(app_env, demo_db):
    flagged = report.flagged(demo_db, Scope())
    third = flagged["client"].iloc[2]
    at = run_page({"lang": "en", "client": third})
    assert at.selectbox(key="rel_client").value == third
    spec = chart(at)
    assert spec["layout"]["title"]["text"].startswith(f"{third}: parties up to 2 relation(s) away")
    at.radio(key="rel_hops").set_value(1).run()
    assert chart(at)["layout"]["title"]["text"] == f"{third}: parties up to 1 relation(s) away"
    other = flagged["client"].iloc[1]
    at.selectbox(key="rel_client").set_value(other).run()
    assert at.query_params["client"] == other


@pytest.fixture
def branch_bank(demo_master, tmp_path, monkeypatch):
    path = str(tmp_path / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    db = get_database(path)
    with auth.acting_as(auth.system_viewer("setup")):
        auth.save_user(db, auth.User("root", "admin", "Root"), password="root password")
        auth.save_user(db, auth.User("bm@bank.example", "viewer", None, None, ("B001",), None))
    monkeypatch.setenv("QUARTERDECK_DB", path)
    yield db
    forget_database(path)


def test_branch_viewer_sees_only_its_clients(branch_bank):
    db = branch_bank
    other = db.rows("SELECT customer_id FROM customers WHERE customer_type = 'corporate' AND branch_id <> 'B001' "
                    "AND customer_id IN (SELECT from_party FROM relations UNION SELECT to_party FROM relations)")
    other = {r[0] for r in other}
    asked = sorted(other)[0]
    at = run_page({"lang": "en", "client": asked}, user="bm@bank.example")
    assert not at.exception
    assert f"Client {asked} from the link is not a corporate client with relations in your scope" in \
        " ".join(w.value for w in at.warning)
    text = all_text(at).replace(f"Client {asked} from the link", "")
    assert [c for c in other if c in text] == []
    mine = report.flagged(db, Scope(branch_ids=("B001",)))
    assert len(mine) and set(mine["branch_id"]) == {"B001"}
    assert set(at.dataframe[0].value["client"]) == set(mine["client"])


def test_bank_without_relations_says_what_to_upload(tmp_path, monkeypatch):
    path = str(tmp_path / "empty.duckdb")
    open_database(path).close()
    monkeypatch.setenv("QUARTERDECK_DB", path)
    try:
        at = run_page({"lang": "en"})
        assert not at.exception
        assert at.info[0].value.startswith("No relations loaded yet. Upload a **relations — Corporate credit / "
                                           "business registry export** on the Data page")
    finally:
        forget_database(path)


def test_links_from_diagnosis_and_the_corporate_calculator(app_env):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.switch_page("pages/diagnosis.py")
    at.run()
    assert not at.exception
    links = [(p.proto.page, p.proto.label) for p in at.get("page_link")]
    assert ("related", "Related-party risk behind corporate clients") in links  # the demo's corporate KPIs lag
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.query_params["tab"] = "products"  # the section holding the calculator
    at.switch_page("pages/channels.py")
    at.run()
    assert not at.exception
    chosen = at.selectbox(key="ch_calc_client").value
    links = [(p.proto.page, p.proto.label, p.proto.query_string) for p in at.get("page_link")]
    assert ("related", "查看该客户的关联图谱", f"client={chosen}") in links


def test_retail_filter_says_the_page_is_corporate(app_env):
    at = run_page({"lang": "zh", "ctype": "retail"})
    assert not at.exception
    assert at.info[-1].value == "关联风险针对对公客户；当前客户类型筛选为零售。"
    assert not at.get("plotly_chart") and not at.metric


def test_a_click_on_a_listed_row_opens_that_clients_network(monkeypatch):
    """The list keeps the clients' ids in the order shown; a click on row k picks the k-th id."""
    import numpy as np
    import pandas as pd
    from lib.related import ui as ur
    state: dict = {}
    monkeypatch.setattr(ur.st, "session_state", state)
    ur.remember_list(pd.DataFrame({"client": pd.Series(["C1", "C2", "C3"], dtype="string")}))
    assert isinstance(state["_rel_list_ids"], np.ndarray)
    state["rel_list"] = {"selection": {"rows": [1]}}
    ur._pick_row()
    assert state["rel_client"] == "C2"
    state["rel_list"] = {"selection": {"rows": [7]}}  # a stale click beyond the list: nothing changes
    ur._pick_row()
    assert state["rel_client"] == "C2"
    ur.remember_list(pd.DataFrame({"client": pd.Series([], dtype="string")}))
    state["rel_list"] = {"selection": {"rows": [0]}}
    ur._pick_row()
    assert state["rel_client"] == "C2"
