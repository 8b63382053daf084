"""AppTest of the Tiering page: every tab in English and Chinese on the demo bank, names masked
by default, the tier-rules editor saving to the database, and a database without balances."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import page_texts

from lib.core import i18n
from lib.core.db import forget_database, open_database

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/tiering.py"
TABS = ("tiering.tab.tiers", "tiering.tab.health", "tiering.tab.churn", "tiering.tab.compliance")


def run_page(lang: str = "en", tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(PAGE)
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    if tab:
        at.session_state["tiering_section"] = tab.rsplit(".", 1)[1]  # the section switch (ui.section)
    return at.run()


def _titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]


def _frames(at: AppTest):
    return [d.value for d in at.dataframe]


def _texts(at: AppTest) -> str:
    return "\n".join([page_texts(at, ("info", "warning", "caption", "markdown", "subheader")),
                      *(m.label for m in at.metric)])


def _no_missing_keys(at: AppTest) -> None:
    text = _texts(at) + "\n".join(_titles(at)) + "".join(str(f.columns.tolist()) for f in _frames(at))
    assert "⟦" not in text, text[text.index("⟦") - 80: text.index("⟦") + 80]


def test_tiers_tab(app_env):
    at = run_page()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Customer tiers, health and churn risk"
    titles = _titles(at)
    assert any(x.startswith("Retail customers per tier") for x in titles)
    assert any(x.startswith("Share of AUM per tier") for x in titles)
    assert any("migration" in x.lower() or "(rows)" in x for x in titles)
    # the migration list below the matrix: masked names by default
    lists = [f for f in _frames(at) if "customer_name" in f.columns]
    assert lists and all(lists[0]["customer_name"].astype(str).str.contains(r"\*"))
    _no_missing_keys(at)


def test_tiers_tab_chinese_and_names_toggle(app_env):
    at = run_page("zh")
    assert not at.exception
    assert at.title[0].value == "客户分层、健康度与流失风险"
    assert any("零售各层级客户数" in x for x in _titles(at))
    _no_missing_keys(at)
    # (interacting after a Chinese run trips AppTest on the sidebar's format_func; toggle in English)
    at = run_page()
    at.toggle(key="show_personal").set_value(True).run()   # the sidebar switch
    assert not at.exception
    lists = [f for f in _frames(at) if "customer_name" in f.columns]
    assert lists and not lists[0]["customer_name"].astype(str).str.contains(r"\*\*").any()


def test_health_tab(app_env):
    at = run_page(tab="tiering.tab.health")
    assert not at.exception, [e.message for e in at.exception]
    assert any("by tier" in x for x in _titles(at))
    low = [f for f in _frames(at) if "health" in f.columns][0]
    assert len(low) > 0 and low["health"].is_monotonic_increasing
    _no_missing_keys(at)


def test_churn_tab(app_env, demo_db):
    from tests.tiering_helpers import seed_page_model, trained_model
    seed_page_model(app_env, trained_model(demo_db))   # training itself is tested in test_churn.py
    at = run_page(tab="tiering.tab.churn")
    assert not at.exception, [e.message for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "ROC AUC" in labels and "Precision, top 10 %" in labels
    auc = float([m.value for m in at.metric if m.label == "ROC AUC"][0])
    assert auc > 0.8
    assert any(x.startswith("Calibration") for x in _titles(at))
    rl = [f for f in _frames(at) if "churn_probability" in f.columns][0]
    assert len(rl) == 200 and rl["customer_name"].astype(str).str.contains(r"\*").all()
    _no_missing_keys(at)
    at = run_page("zh", tab="tiering.tab.churn")   # the model is not trained again
    assert not at.exception
    assert "前10%精确率" in [m.label for m in at.metric]
    _no_missing_keys(at)


def test_compliance_tab(app_env):
    at = run_page(tab="tiering.tab.compliance")
    assert not at.exception, [e.message for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "Mismatch R > C (breach)" in labels and "Assessment missing or expired (to-do)" in labels

    def n(label):
        return int([m.value for m in at.metric if m.label == label][0].replace(",", ""))
    listed = [f for f in _frames(at) if "issue" in f.columns]
    # a breach list and a to-do list, each as long as its card says, never mixed
    breaches, todos = (listed + [None, None])[:2] if n("Mismatch R > C (breach)") else (None, listed[0])
    if breaches is not None:
        assert len(breaches) == n("Mismatch R > C (breach)")
        assert set(breaches["issue"]) == {"Risk above tolerance"}
    assert len(todos) == n("Assessment missing or expired (to-do)")
    assert "Risk above tolerance" not in set(todos["issue"])
    # each card says the amount in a readable unit, never "0.00 M"
    amounts = [c.value for c in at.caption if c.value.startswith("amount ")]
    assert len(amounts) == 3 and not any("0.00" in a for a in amounts), amounts
    _no_missing_keys(at)


def test_rules_editor_shows_rules(app_env):
    at = run_page()
    labels = [n.label for n in at.number_input]
    assert "Private banking from AUM (CNY)" in labels
    assert at.number_input[0].value == 6_000_000.0
    assert any(b.label == "Save rules" for b in at.button)
    # saving goes through lib.tiering.tiers.save_rules (tested in test_tiering.py)


def test_empty_database(tmp_path, monkeypatch):
    path = str(tmp_path / "empty.duckdb")
    open_database(path).close()
    monkeypatch.setenv("QUARTERDECK_DB", path)
    try:
        at = run_page()
        assert not at.exception, [e.message for e in at.exception]
        assert "balance snapshot" in _texts(at).lower() or "Balance" in _texts(at)
    finally:
        forget_database(path)


def test_pyramid_says_what_aum_is_in_no_tier(fresh_demo):
    """A balance of a customer not in the customer list and one of a closed customer: the pyramid's
    note names both amounts and the AUM card's total, in English and Chinese."""
    db = open_database(fresh_demo)
    try:
        with db.transaction() as cur:
            snap = cur.execute("SELECT max(as_of) FROM balances").fetchone()[0]
            closed = cur.execute("SELECT customer_id FROM customers WHERE customer_type = 'retail' "
                                 "ORDER BY customer_id LIMIT 1").fetchone()[0]
            cur.execute("UPDATE customers SET status = 'closed', close_date = ? - INTERVAL 10 DAY "
                        "WHERE customer_id = ?", [snap, closed])
            cur.execute("UPDATE balances SET deposits = 2000000, wealth = 0, funds = 0, insurance = 0, "
                        "other_assets = 0 WHERE customer_id = ? AND as_of = ?", [closed, snap])
            cur.execute("INSERT INTO balances (customer_id, as_of, deposits) VALUES ('NOT-LOADED-1', ?, 3000000)",
                        [snap])
            db.bump_data_version(cur)
    finally:
        db.close()
        forget_database(fresh_demo)
    at = run_page()
    assert not at.exception, [e.message for e in at.exception]
    note = [c.value for c in at.caption if "AUM card" in c.value]
    assert note and "Not in a tier: ¥2.0M of customers closed or not yet open on that day, and ¥3.0M of balances " \
        "whose customer is not in the customer list (shown under Unassigned)." in note[0], note
    at = run_page("zh")
    note = [c.value for c in at.caption if "AUM 卡片" in c.value]
    assert note and "200.0万元" in note[0] and "300.0万元" in note[0], note
