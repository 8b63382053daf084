"""AppTest runs of Overview, Diagnosis, Tiering and Channels on partial banks loaded through the
importer (tests/partial_fixture.py): customers of branches never uploaded, no staff, products or
campaigns; with and without balance snapshots; leads without contact dates. The pages show the
true totals, the same figure on every page, "Unassigned" groups, and name what is missing."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import i18n
from lib.core.db import forget_database
from lib.ui.charts import card_value
from tests import partial_fixture as pf
from tests.apptest import open_page, page_texts



@pytest.fixture(scope="module")
def banks(tmp_path_factory):
    from lib.core import auth
    out = {}
    with auth.acting_as(auth.system_viewer("pytest")):
        for name, kw in (("full", {}), ("nobal", {"balances": False, "dated_leads": False})):
            d = tmp_path_factory.mktemp(name)
            path = str(d / "x.duckdb")
            out[name] = (path, pf.build(path, d, **kw))
    yield out
    for path, _ in out.values():
        forget_database(path)


def run(monkeypatch, path: str, page: str, lang: str = "en", **state) -> AppTest:
    at = open_page(monkeypatch, path, page, lang, **state)
    text = page_texts(at, ("info", "warning", "caption", "markdown", "subheader"))
    assert "⟦" not in text
    return at


def _metric(at: AppTest, label: str):
    got = [m for m in at.metric if m.label == label]
    assert got, [m.label for m in at.metric]
    return got[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_and_diagnosis_show_the_true_aum(banks, monkeypatch, lang):
    path, frames = banks["full"]
    truth = card_value(pf.true_aum(frames, pf.SNAPSHOTS[-1]), "cny", lang)  # the card's compact unit
    label = "AUM" if lang == "en" else "管理资产（AUM）"
    ov = run(monkeypatch, path, "overview", lang)
    assert _metric(ov, label).value == truth
    charts = [json.loads(c.proto.spec) for c in ov.get("plotly_chart")]
    regions = [y for c in charts for tr in c["data"] if tr.get("orientation") == "h" for y in tr["y"]]
    assert regions and set(regions) == {i18n.t("common.unassigned", lang)}
    dg = run(monkeypatch, path, "diagnosis", lang)
    assert _metric(dg, label).value == truth
    assert "Export to upload" not in page_texts(dg) and "对应导出" not in page_texts(dg)


def test_pages_without_balance_snapshots_show_what_they_can(banks, monkeypatch):
    path, frames = banks["nobal"]
    ov = run(monkeypatch, path, "overview")
    assert _metric(ov, "AUM").value == "—"
    assert _metric(ov, "Products per customer").value == "—"  # no product catalogue: unknown, not 0.00
    assert _metric(ov, "Fee income").value != "—"
    assert "needs the **Core banking balance snapshot**" in page_texts(ov, ("info",))
    dg = run(monkeypatch, path, "diagnosis")
    assert _metric(dg, "New customers").value != "—"
    assert "Core banking balance snapshot" in page_texts(dg, ("info",))
    tg = run(monkeypatch, path, "tiering")
    assert "needs the **Core banking balance snapshot**" in page_texts(tg, ("info",))
    churn = run(monkeypatch, path, "tiering", tiering_section="churn")
    risk = _metric(churn, i18n.t("tiering.churn.total_risk", "en"))
    assert risk.value == "—" and "Core banking balance snapshot" in risk.proto.help
    listed = [d.value for d in churn.dataframe if len(d.value) > 10]
    assert listed  # the retention list ranks the open customers by churn probability


def test_channels_counts_undated_leads(banks, monkeypatch):
    path, frames = banks["nobal"]
    leads = frames["leads"]
    at = run(monkeypatch, path, "channels")
    assert _metric(at, "Leads loaded").value == f"{len(leads):,}"
    assert _metric(at, "Undated leads").value == f"{len(leads):,}"
    rate = (leads["converted"] == "yes").mean()
    assert _metric(at, "Overall conversion rate").value == f"{rate * 100:.1f}%"
