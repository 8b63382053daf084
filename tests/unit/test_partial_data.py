"""Partial data still gives true totals (issue 14 §4): customers whose branch and RM were never
uploaded, sales of products not in a catalogue, leads without campaigns or contact dates. Every
bank-wide figure equals an independent pandas computation from the source rows, and is the same
in every function that shows it (Overview, Diagnosis, Tiering; metric cube and live query)."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from lib import warmup
from lib.metrics import cube
from lib.diagnosis import diagnose as diagnosis
from lib.metrics import registry as metrics
from lib.tiering import tiers
from lib.core.db import WHOLE_BANK, Scope, forget_database, open_database
from lib.core.periods import Quarter
from tests import partial_fixture as pf

QUARTER = "2026Q3"


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """(database with a current cube, the same data with the cube cleared, source frames)."""
    d = tmp_path_factory.mktemp("partial")
    from lib.core import auth
    with auth.acting_as(auth.system_viewer("pytest")):
        frames = pf.build(str(d / "with.duckdb"), d)
    shutil.copy(d / "with.duckdb", d / "live.duckdb")
    with_cube, live = open_database(str(d / "with.duckdb")), open_database(str(d / "live.duckdb"))
    cube.clear(live)
    yield with_cube, live, frames
    for p in ("with.duckdb", "live.duckdb"):
        forget_database(str(d / p))


def _true_conversion(frames, start, end) -> float:
    ld = frames["leads"]
    dated = ld[ld["contact_date"].notna()]
    dated = dated[(dated["contact_date"] >= start) & (dated["contact_date"] <= end)]
    return float((dated["converted"] == "yes").sum() / len(dated))


def test_the_partial_bank_has_no_dimension_tables(partial):
    db, _, _ = partial
    for t in ("branches", "staff", "campaigns", "products"):
        assert not db.has_rows(t), t
    assert warmup.is_current(db)


def test_aum_is_the_same_everywhere_and_true(partial):
    with_cube, live, frames = partial
    q = Quarter.parse(QUARTER)
    end = metrics.period(live, q).end_snap
    assert end == pf.SNAPSHOTS[-1]
    truth = pf.true_aum(frames, end)
    assert truth > 1_000_000
    figures = {
        "live": metrics.compute(live, "aum", q, WHOLE_BANK),
        "cube": metrics.compute(with_cube, "aum", q, WHOLE_BANK),
        "diagnosis cards": diagnosis.kpis(with_cube, QUARTER, WHOLE_BANK).set_index("key").loc["aum", "value"],
        "tiering pyramid": float(tiers.pyramid(with_cube, QUARTER, WHOLE_BANK)["aum"].sum()),
        "tiering pyramid (live)": float(tiers.pyramid(live, QUARTER, WHOLE_BANK)["aum"].sum()),
        "overview by region": float(metrics.aum_by_region(with_cube, WHOLE_BANK, end)["aum"].sum()),
        "overview trend": float(metrics.aum_trend(live, WHOLE_BANK).query("as_of == @end")["aum"].sum()),
    }
    for group in ("region", "branch_id", "rm_id"):
        for name, db in (("cube", with_cube), ("live", live)):
            figures[f"by {group} ({name})"] = float(metrics.compute_grouped(db, "aum", q, WHOLE_BANK, group)["num"].sum())
    for name, v in figures.items():
        assert v == pytest.approx(truth, rel=1e-9), name


def test_unassigned_rows_land_in_a_group_of_their_own(partial):
    with_cube, live, frames = partial
    q = Quarter.parse(QUARTER)
    for db in (with_cube, live):
        by_region = metrics.compute_grouped(db, "aum", q, WHOLE_BANK, "region")
        assert len(by_region) == 1 and pd.isna(by_region["grp"].iloc[0])  # no branches: one unassigned region
        by_rm = metrics.compute_grouped(db, "aum", q, WHOLE_BANK, "rm_id")
        assert "" in set(by_rm["grp"])  # customers without an RM
        assert {"R-UNK-1", "R-UNK-2"} <= set(by_rm["grp"])
    regions = metrics.aum_by_region(with_cube, WHOLE_BANK, pf.SNAPSHOTS[-1])
    assert regions["region"].isna().all()


@pytest.mark.parametrize("key", [m.key for m in metrics.METRICS])
def test_cube_equals_live_on_partial_data(partial, key):
    with_cube, live, _ = partial
    q = Quarter.parse(QUARTER)
    for scope in (WHOLE_BANK, Scope(customer_type="retail")):
        a, b = metrics.compute(with_cube, key, q, scope), metrics.compute(live, key, q, scope)
        assert (a is None) == (b is None), key
        if a is not None:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-9), key


def test_flows_count_rows_of_unknown_products_and_campaigns(partial):
    with_cube, live, frames = partial
    q = Quarter.parse(QUARTER)
    s = frames["sales"]
    in_q = s[(s["sale_date"] >= q.start) & (s["sale_date"] <= metrics.period(live, q).period_end)]
    for db in (with_cube, live):
        assert metrics.compute(db, "fee_income", q, WHOLE_BANK) == pytest.approx(float(in_q["fee_income"].sum()))
        p = metrics.period(db, q)
        assert metrics.compute(db, "conversion_rate", q, WHOLE_BANK) == pytest.approx(
            _true_conversion(frames, q.start, p.period_end))
    c = frames["customers"]
    new = c[(c["open_date"] >= q.start) & (c["open_date"] <= metrics.period(live, q).period_end)]
    assert metrics.compute(with_cube, "new_customers", q, WHOLE_BANK) == len(new)


def test_a_metric_without_its_tables_is_unknown_not_zero(partial):
    with_cube, live, _ = partial
    q = Quarter.parse(QUARTER)
    for db in (with_cube, live):
        # no product catalogue: products per customer and penetration are unknown, not 0.00 / 0.0 %
        for key in ("products_per_customer", "wealth_penetration", "active_share", "card_conversion"):
            assert metrics.compute(db, key, q, WHOLE_BANK) is None, key
        got = metrics.compute_many(db, {"ppc": ("products_per_customer", metrics.period(db, q)),
                                        "fee": ("fee_income", metrics.period(db, q))}, WHOLE_BANK)
        assert got["ppc"] is None and got["fee"] > 0
    assert metrics.missing_inputs(live, "products_per_customer", q) == ("products",)
    assert metrics.missing_inputs(live, "active_share", q) == ("activities",)
    assert metrics.missing_inputs(live, "conversion_rate", q) == ()  # leads of unknown customers count
    assert metrics.missing_inputs(live, "aum", q) == ()


def test_empty_state_sentences_name_the_export():
    from lib.metrics import gaps
    assert gaps.needs(("balances", "products"), "en") == (
        "No figure yet: this needs the **Core banking balance snapshot** and the **Product catalogue export**, "
        "uploaded on the Data page.")
    assert gaps.needs(("balances",), "zh") == "暂无数据：需要在数据页上传**核心系统余额快照**。"
    assert gaps.no_data("en") == ("Nothing dated is loaded yet. Upload the **Core banking / CRM customer export** "
                                  "and the **Core banking balance snapshot** on the Data page to fill this page.")
    assert gaps.needs((), "en") == ""


def test_one_snapshot_draws_as_a_labelled_bar_not_a_millisecond_axis():
    import plotly.express as px
    from lib.ui import charts
    df = pd.DataFrame({"as_of": pd.to_datetime(["2026-08-31", "2026-08-31"]), "aum": [3.0, 4.0],
                       "t": ["retail", "corporate"]})
    for lang, label in (("en", "31 Aug 2026"), ("zh", "2026年8月31日")):
        fig = charts.style(px.area(df, x="as_of", y="aum", color="t"), lang)
        assert fig.layout.xaxis.type == "category"
        assert [tr.type for tr in fig.data] == ["bar", "bar"]
        assert {x for tr in fig.data for x in tr.x} == {label}
        assert sorted(y for tr in fig.data for y in tr.y) == [3.0, 4.0]
    two = pd.DataFrame({"as_of": pd.to_datetime(["2026-07-31", "2026-08-31"]), "aum": [3.0, 4.0]})
    fig = charts.style(px.area(two, x="as_of", y="aum"), "en")
    assert fig.layout.xaxis.type is None and fig.data[0].type == "scatter"


def test_unassigned_label_in_both_languages():
    from lib.ui import charts
    df = pd.DataFrame({"region": ["East", None, ""], "aum": [1.0, 2.0, 3.0]})
    assert charts.unassigned(df, "region", "en")["region"].tolist() == ["East", "Unassigned", "Unassigned"]
    assert charts.unassigned(df, "region", "zh")["region"].tolist() == ["East", "未分配", "未分配"]
