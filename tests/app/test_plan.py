"""One truth per KPI (lib/metrics/plan.py): Overview, Diagnosis and the PDCA burn-up show the same value,
change, plan, attainment and status for the same KPI, scope and day; a plan is hidden under a
customer-type filter where it does not apply."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.diagnosis import diagnose as diagnosis
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca
from lib.metrics import plan
from lib.core.db import Scope
from lib.core.periods import Quarter

APP = Path(__file__).resolve().parents[2] / "app.py"
OVERVIEW_KEYS = ("aum", "aum_growth", "new_customers", "fee_income",
                 "churn_rate", "products_per_customer", "conversion_rate", "active_share")


def _page(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _overview_cards(at: AppTest) -> dict[str, tuple[str, str | None, str]]:
    """label -> (value, delta, caption) of the Overview's KPI cards (each card: a metric, then its caption)."""
    captions = [c.value for c in at.caption][1:]  # the first caption is the page's subtitle
    return {m.label: (m.value, m.delta, cap) for m, cap in zip(at.metric, captions)}


def _diagnosis_cards(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.mark.parametrize("query", [{"lang": "en"}, {"lang": "en", "region": "North"}])
def test_overview_and_diagnosis_show_the_same_kpis(app_env, demo_db, query):
    over = _overview_cards(_page("pages/overview.py", query))
    diag = _diagnosis_cards(_page("pages/diagnosis.py", query))
    scope = Scope(region=query.get("region"))
    quarter = str(metrics.quarters_in_data(demo_db)[0])
    table = diagnosis.kpis(demo_db, quarter, scope).set_index("key")
    for key in OVERVIEW_KEYS:
        label = metrics.metric(key).label("en")
        value, delta, caption = over[label]
        assert (value, delta) == diag[label], key  # same value and same change vs last quarter (same day)
        st = table.loc[key, "status"]
        status_label = i18n.t(f"diagnosis.status.{st}" if isinstance(st, str) else "diagnosis.status.none", "en")
        if not pd.isna(table.loc[key, "plan"]):
            assert caption.endswith(status_label), (key, caption)
            assert i18n.fmt_pct(table.loc[key, "attainment"], "en", 0) in caption, (key, caption)


def test_overview_change_compares_the_same_day_of_last_quarter(demo_db):
    """A running quarter is compared with last quarter cut at the same day, not the whole quarter."""
    q = metrics.quarters_in_data(demo_db)[0]
    assert plan.comparison_day(demo_db, q) is not None  # the demo's latest quarter is running
    card = plan.card(demo_db, "fee_income", q, Scope())
    day = plan.same_day(q.prev(), plan.comparison_day(demo_db, q))
    same_day = metrics.compute(demo_db, "fee_income", q.prev(), Scope(), as_of=day)
    whole = metrics.compute(demo_db, "fee_income", q.prev(), Scope())
    assert card["prev"] == pytest.approx(same_day) and same_day < whole
    row = diagnosis.kpis(demo_db, str(q), Scope()).set_index("key").loc["fee_income"]
    assert card["qoq"] == pytest.approx(row["qoq"]) and card["status"] == row["status"]


def test_plan_is_hidden_under_a_customer_type_filter_where_it_does_not_apply(demo_db, app_env):
    q = metrics.quarters_in_data(demo_db)[0]
    retail = Scope(customer_type="retail")
    assert plan.card(demo_db, "fee_income", q, Scope())["plan"] is not None
    card = plan.card(demo_db, "fee_income", q, retail)  # fee income is a line-"all" metric
    assert card["plan"] is None and card["status"] is None
    over = _overview_cards(_page("pages/overview.py", {"lang": "en", "ctype": "retail"}))
    assert over[metrics.metric("fee_income").label("en")][2] == i18n.t("overview.no_plan", "en")


def test_diagnosis_and_the_pdca_burnup_give_the_same_status(demo_db):
    quarter = str(metrics.quarters_in_data(demo_db)[0])
    for scope in (Scope(), Scope(region="North")):
        table = diagnosis.kpis(demo_db, quarter, scope).set_index("key")
        keys = pdca.key_targets(demo_db, quarter, scope)
        assert keys or not scope.is_whole_bank
        for key in keys:
            b = pdca.burnup(demo_db, key, quarter, scope)
            row = table.loc[key] if key in table.index else None
            if row is None:
                continue
            assert b["status"] == row["status"], (key, scope, b["status"], row["status"])
            assert b["pace"] == pytest.approx(row["expected"]) and b["actual"] == pytest.approx(row["value"])


def test_one_status_rule():
    limits = (0.95, 0.85)
    assert plan.assess("fee_income", 99.0, 200.0, 0.5, limits).status == "on_track"  # 99% of pace 100
    assert plan.assess("fee_income", 90.0, 200.0, 0.5, limits).status == "at_risk"
    assert plan.assess("fee_income", 80.0, 200.0, 0.5, limits).status == "off_track"
    assert plan.assess("aum", 930.0, 1000.0, 0.25, limits).expected == 1000.0  # stocks: the target
    assert plan.assess("churn_rate", 0.04, 0.05, 0.5, limits).status == "on_track"  # lower is better
    assert pdca.forecast("flow", True, 99.0, 200.0, 0.5, 45, 45)["status"] == "on_track"
    table = pd.DataFrame({"key": ["a", "b", "c"], "available": [True, True, True],
                          "status": ["at_risk", "off_track", "on_track"], "attainment": [0.9, 0.5, 1.0]})
    assert plan.weakest(table)["key"].tolist() == ["b", "a"]  # furthest below plan first


def test_same_day_cut():
    q = Quarter.parse("2026Q4")
    assert plan.compared_cut("flow", q, q.prev(), 50) == plan.same_day(q.prev(), 50)
    assert plan.compared_cut("stock", q, q.prev(), 50) is None and plan.compared_cut("flow", q, q, 50) is None
