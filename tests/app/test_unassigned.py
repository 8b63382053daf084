"""Rows of no known branch or customer (issue 14 §4): balances, sales and leads whose customer is not
(yet) in the customers table, and customers whose branch is not in the branches table, count in
every bank-wide total, under "Unassigned" in every grouping, and as the "Unassigned" member of
the region and branch filters (whole-bank viewers only). Regions + Unassigned add up to the bank;
Retail + Corporate + rows of no known customer add up to the bank. Truths computed with pandas
from the source rows; the metric cube gives the same figures as the live queries."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib import warmup
from lib.core import auth
from lib.channels import campaigns as channels
from lib.metrics import cube
from lib.metrics import registry as metrics
from lib.core.db import WHOLE_BANK, Scope, forget_database, open_database
from lib.ingest import jobs
from lib.core.periods import Quarter
from tests.apptest import open_page

QUARTER = Quarter.parse("2026Q2")
SNAPS = (date(2026, 3, 31), date(2026, 6, 30))
PARTS = ["deposits", "wealth", "funds", "insurance", "other_assets"]


def frames(seed: int = 5) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 40
    ids = [f"C{i:03d}" for i in range(n)]
    orphans = [f"X{i:03d}" for i in range(8)]  # balances, sales and leads of customers never loaded
    branches = pd.DataFrame({"branch_id": ["B1", "B2", "B3"], "branch_name": ["One", "Two", "Three"],
                             "region": ["East", "West", "West"]})
    customers = pd.DataFrame({
        "customer_id": ids, "customer_name": [f"N{i}" for i in range(n)],
        "customer_type": rng.choice(["retail", "corporate"], size=n, p=[0.7, 0.3]),
        "branch_id": rng.choice(["B1", "B2", "B3", "ZZ9"], size=n),  # ZZ9: a branch never uploaded
        "open_date": [date(2025, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 500, size=n)],
    })
    rows = []
    for cid in ids + orphans:
        base = float(rng.lognormal(11, 1))
        for k, snap in enumerate(SNAPS):
            rows.append({"customer_id": cid, "as_of": snap, "deposits": round(base * (0.6 + 0.1 * k), 2),
                         "wealth": round(base * 0.3, 2), "funds": round(base * 0.1 * (1 + k), 2),
                         "insurance": 0.0, "other_assets": 0.0, "loans": 0.0})
    balances = pd.DataFrame(rows)
    m = 60
    sales = pd.DataFrame({
        "sale_id": [f"S{i:03d}" for i in range(m)],
        "customer_id": rng.choice(ids + orphans, size=m),
        "product_id": rng.choice(["P1", "P2"], size=m),
        "sale_date": [date(2026, 4, 1) + timedelta(days=int(d)) for d in rng.integers(0, 85, size=m)],
        "amount": rng.integers(1_000, 90_000, size=m).astype(float),
        "fee_income": rng.integers(10, 900, size=m).astype(float),
        "channel": rng.choice(["app", "branch"], size=m),
    })
    k = 90
    leads = pd.DataFrame({
        "lead_id": [f"L{i:03d}" for i in range(k)],
        "campaign_id": "CMP",
        "customer_id": rng.choice(ids + orphans + [""] * 10, size=k),  # "": a prospect
        "contact_date": [date(2026, 4, 1) + timedelta(days=int(d)) for d in rng.integers(0, 85, size=k)],
        "channel": rng.choice(["app", "branch"], size=k),
        "converted": rng.choice(["yes", "no"], size=k, p=[0.4, 0.6]),
    })
    return {"branches": branches, "customers": customers, "balances": balances, "sales": sales, "leads": leads}


def build(path: str, tmp: Path, tables=("branches", "customers", "balances", "sales", "leads")) -> dict:
    src = frames()
    db = open_database(path)
    try:
        with auth.acting_as(auth.system_viewer("pytest")):
            for name in tables:
                f = tmp / f"{name}.csv"
                src[name].to_csv(f, index=False)
                rep = jobs.import_one(db, str(f), {"table": name})
                assert rep.inserted == len(src[name]), (name, rep)
            warmup.refresh(db)
    finally:
        db.close()
    return src


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    d = tmp_path_factory.mktemp("unassigned")
    src = build(str(d / "cube.duckdb"), d)
    shutil.copy(d / "cube.duckdb", d / "live.duckdb")
    with_cube, live = open_database(str(d / "cube.duckdb")), open_database(str(d / "live.duckdb"))
    cube.clear(live)
    yield with_cube, live, src
    for p in ("cube.duckdb", "live.duckdb"):
        forget_database(str(d / p))


def _aum(src, snap, who=None) -> float:
    """True AUM at `snap` of the balances whose customer is in `who` (a set of ids; None: all)."""
    b = src["balances"]
    b = b[b["as_of"] == snap]
    if who is not None:
        b = b[b["customer_id"].isin(who)]
    return float(b[PARTS].sum().sum())


def _ids(src, **where) -> set:
    c = src["customers"]
    for col, values in where.items():
        c = c[c[col].isin(values)]
    return set(c["customer_id"])


def test_balances_of_unknown_customers_count_in_the_bank_aum(bank):
    with_cube, live, src = bank
    assert warmup.is_current(with_cube)
    truth = _aum(src, SNAPS[-1])
    known = set(src["customers"]["customer_id"])
    orphan_aum = truth - _aum(src, SNAPS[-1], known)
    assert orphan_aum > 0
    for db in (with_cube, live):
        assert metrics.compute(db, "aum", QUARTER, WHOLE_BANK) == pytest.approx(truth, rel=1e-12)
        assert float(metrics.aum_trend(db, WHOLE_BANK).query("as_of == @SNAPS[-1]")["aum"].sum()) \
            == pytest.approx(truth, rel=1e-12)
        assert float(metrics.aum_by_region(db, WHOLE_BANK, SNAPS[-1])["aum"].sum()) == pytest.approx(truth, rel=1e-12)
        # customer types: balances of no known customer count under neither Retail nor Corporate
        retail = metrics.compute(db, "aum", QUARTER, Scope(customer_type="retail"))
        corporate = metrics.compute(db, "aum", QUARTER, Scope(customer_type="corporate"))
        assert retail == pytest.approx(_aum(src, SNAPS[-1], _ids(src, customer_type=["retail"])), rel=1e-12)
        assert retail + corporate + orphan_aum == pytest.approx(truth, rel=1e-12)
        # the AUM change adds up the same way: growth, net new money + market movement
        start = _aum(src, SNAPS[0])
        assert metrics.compute(db, "aum_growth", QUARTER, WHOLE_BANK) == pytest.approx(truth / start - 1, rel=1e-9)
        change = metrics.compute(db, "net_new_money", QUARTER, WHOLE_BANK) \
            + metrics.compute(db, "market_movement", QUARTER, WHOLE_BANK)
        assert change == pytest.approx(truth - start, rel=1e-9)


def test_regions_branches_and_unassigned_add_up_to_the_bank(bank):
    with_cube, live, src = bank
    truth = _aum(src, SNAPS[-1])
    unknown = set(src["balances"]["customer_id"]) - _ids(src, branch_id=["B1", "B2", "B3"])
    for db in (with_cube, live):
        un = metrics.compute(db, "aum", QUARTER, Scope(unassigned=True))
        assert un == pytest.approx(_aum(src, SNAPS[-1], unknown), rel=1e-12)  # exactly the rows of no known branch
        east = metrics.compute(db, "aum", QUARTER, Scope(region="East"))
        west = metrics.compute(db, "aum", QUARTER, Scope(region="West"))
        assert east == pytest.approx(_aum(src, SNAPS[-1], _ids(src, branch_id=["B1"])), rel=1e-12)
        assert east + west + un == pytest.approx(truth, rel=1e-12)
        per_branch = sum(metrics.compute(db, "aum", QUARTER, Scope(branch_ids=(b,))) for b in ("B1", "B2", "B3"))
        assert per_branch + un == pytest.approx(truth, rel=1e-12)
        by_region = metrics.compute_grouped(db, "aum", QUARTER, WHOLE_BANK, "region").set_index("grp")["num"]
        assert by_region[by_region.index.isna()].sum() == pytest.approx(un, rel=1e-12)
        # counts add up too: customers opened in the quarter, fee income, lead conversion
        for key in ("new_customers", "fee_income"):
            parts = [metrics.compute(db, key, QUARTER, s) for s in
                     (Scope(region="East"), Scope(region="West"), Scope(unassigned=True))]
            assert sum(parts) == pytest.approx(metrics.compute(db, key, QUARTER, WHOLE_BANK)), key
    s = src["sales"]
    assert metrics.compute(live, "fee_income", QUARTER, WHOLE_BANK) == pytest.approx(float(s["fee_income"].sum()))
    orphan_fee = float(s[~s["customer_id"].isin(_ids(src))]["fee_income"].sum())
    typed = sum(metrics.compute(live, "fee_income", QUARTER, Scope(customer_type=t)) for t in ("retail", "corporate"))
    assert typed + orphan_fee == pytest.approx(float(s["fee_income"].sum()))


@pytest.mark.parametrize("key", [m.key for m in metrics.METRICS])
def test_cube_equals_live_in_every_scope(bank, key):
    with_cube, live, _ = bank
    for scope in (WHOLE_BANK, Scope(unassigned=True), Scope(unassigned=True, customer_type="retail"),
                  Scope(customer_type="corporate"), Scope(region="West")):
        a, b = metrics.compute(with_cube, key, QUARTER, scope), metrics.compute(live, key, QUARTER, scope)
        assert (a is None) == (b is None), (key, scope)
        if a is not None:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (key, scope)


def test_unassigned_only_for_whole_bank_viewers():
    chosen = Scope(unassigned=True)
    assert auth.narrow(Scope(), chosen) == Scope(unassigned=True)
    assert auth.narrow(Scope(customer_type="retail"), chosen) == Scope(customer_type="retail", unassigned=True)
    for allowed in (Scope(branch_ids=("B1",)), Scope(region="East"), Scope(region="East", customer_type="retail")):
        got = auth.narrow(allowed, chosen)
        assert not got.unassigned and got.branch_ids == (), allowed  # nothing: those rows belong to no branch
    assert not Scope(unassigned=True).is_whole_bank
    assert Scope().takes_unknown_customers and not Scope(customer_type="retail").takes_unknown_customers


def test_channels_count_sales_and_leads_of_unknown_customers(bank):
    _, live, src = bank
    s, ld = src["sales"], src["leads"]
    w = channels.channel_weekly(live, str(QUARTER), WHOLE_BANK)
    assert float(w["sales_amount"].sum()) == pytest.approx(float(s["amount"].sum()))
    assert int(w["leads"].sum()) == len(ld)
    parts = [channels.channel_weekly(live, str(QUARTER), sc) for sc in
             (Scope(region="East"), Scope(region="West"), Scope(unassigned=True))]
    assert sum(float(p["sales_amount"].sum()) for p in parts) == pytest.approx(float(s["amount"].sum()))
    assert sum(int(p["leads"].sum()) for p in parts) == len(ld)
    typed = [channels.channel_weekly(live, str(QUARTER), Scope(customer_type=t)) for t in ("retail", "corporate")]
    known = ld["customer_id"].isin(_ids(src))
    assert sum(int(p["leads"].sum()) for p in typed) == int(known.sum())


def test_balances_without_any_customers_file_give_the_bank_aum(tmp_path):
    path = str(tmp_path / "b.duckdb")
    src = build(path, tmp_path, tables=("balances",))
    db = open_database(path)
    try:
        assert metrics.missing_inputs(db, "aum", QUARTER) == ()
        truth = _aum(src, SNAPS[-1])
        assert metrics.compute(db, "aum", QUARTER, WHOLE_BANK) == pytest.approx(truth, rel=1e-12)
        assert metrics.compute(db, "aum", QUARTER, Scope(unassigned=True)) == pytest.approx(truth, rel=1e-12)
        assert metrics.compute(db, "aum", QUARTER, Scope(customer_type="retail")) == 0
        assert metrics.has_unassigned(db)
    finally:
        forget_database(path)


# ---------------------------------------------------------------- the app (AppTest)


def _overview(monkeypatch, path: str, lang: str = "en", page: str = "overview", **state):
    return open_page(monkeypatch, path, page, lang, **state)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_unassigned_filter_shows_exactly_the_rows_of_no_known_branch(bank, monkeypatch, lang):
    from lib.core import i18n
    from lib.ui import shell as ui
    with_cube, _, src = bank
    label = i18n.t("common.unassigned", lang)
    whole = _overview(monkeypatch, with_cube.path, lang)
    region = next(s for s in whole.sidebar.selectbox if s.label == i18n.t("filters.region", lang))
    assert region.options[-1] == label
    aum_label = metrics.metric("aum").label(lang)
    cards = {m.label: m.value for m in whole.metric}
    assert cards[aum_label] == i18n.fmt_money(_aum(src, SNAPS[-1]), lang)
    at = _overview(monkeypatch, with_cube.path, lang, f_region=ui.UNASSIGNED)
    unknown = set(src["balances"]["customer_id"]) - _ids(src, branch_id=["B1", "B2", "B3"])
    assert {m.label: m.value for m in at.metric}[aum_label] == i18n.fmt_money(_aum(src, SNAPS[-1], unknown), lang)
    assert label in " ".join(c.value for c in at.caption)
    branch = next(s for s in at.sidebar.selectbox if s.label == i18n.t("filters.branch", lang))
    assert branch.options == [i18n.t("filters.all", lang), label]


def test_a_dash_card_says_why_on_hover(bank, monkeypatch):
    with_cube, _, _ = bank
    at = _overview(monkeypatch, with_cube.path)
    card = next(m for m in at.metric if m.label == "Products per customer")
    assert card.value == "—"  # no product catalogue loaded
    assert card.proto.help.startswith("No figure yet: this needs the **Product catalogue export**")
    active = next(m for m in at.metric if m.label == "Active customers")
    assert active.value == "—" and active.proto.help.startswith("No figure yet: this needs the **CRM activity log**")
    aum = next(m for m in at.metric if m.label == "AUM")
    assert aum.value != "—" and not aum.proto.help.startswith("No figure")


def test_sales_mix_counts_sales_of_unknown_customers(bank):
    from lib.pdca import retro
    _, live, src = bank
    s = src["sales"]
    assert (~s["customer_id"].isin(_ids(src))).sum() > 0  # some sales are of customers never loaded
    for by in ("product_type", "channel"):
        mix = retro.delivery(live, str(QUARTER), WHOLE_BANK, by)
        assert float(mix["amount"].sum()) == pytest.approx(float(s["amount"].sum())), by
    parts = [float(retro.delivery(live, str(QUARTER), sc)["amount"].sum())
             for sc in (Scope(region="East"), Scope(region="West"), Scope(unassigned=True))]
    assert sum(parts) == pytest.approx(float(s["amount"].sum()))


def test_diagnosis_drill_of_unassigned_lists_the_branch_codes_not_loaded(bank):
    from lib.diagnosis import diagnose as diagnosis
    with_cube, live, src = bank
    unknown = set(src["balances"]["customer_id"]) - _ids(src, branch_id=["B1", "B2", "B3"])
    for db in (with_cube, live):
        assert diagnosis.drill_level(Scope(unassigned=True)) == "branch_id"
        df = diagnosis.drill(db, "aum", str(QUARTER), Scope(unassigned=True))
        assert "ZZ9" in set(df["grp"]) and not {"B1", "B2", "B3"} & set(df["grp"])
        assert float(df["value"].sum()) == pytest.approx(_aum(src, SNAPS[-1], unknown), rel=1e-12)


def test_the_bank_plan_is_not_the_plan_of_unassigned_rows(bank):
    from lib.metrics import plan
    _, live, _ = bank
    with live.transaction() as cur:
        cur.execute("INSERT INTO targets (quarter, scope, scope_id, metric, target_value) "
                    "VALUES (?, 'bank', 'ALL', 'aum', 1e9)", [str(QUARTER)])
    try:
        assert plan.target(live, "aum", QUARTER, WHOLE_BANK) == 1e9
        assert plan.target(live, "aum", QUARTER, Scope(unassigned=True)) is None
    finally:
        with live.transaction() as cur:
            cur.execute("DELETE FROM targets WHERE quarter = ? AND scope = 'bank'", [str(QUARTER)])


@pytest.mark.parametrize("page", ["diagnosis", "tiering", "channels", "team", "pdca", "related", "data"])
def test_every_page_runs_under_the_unassigned_filter(bank, monkeypatch, page):
    from lib.ui import shell as ui
    with_cube, _, _ = bank
    at = _overview(monkeypatch, with_cube.path, page=page, f_region=ui.UNASSIGNED)
    assert at.session_state["f_region"] == ui.UNASSIGNED
    assert "⟦" not in " ".join(str(x.value) for x in (*at.markdown, *at.caption, *at.info, *at.warning))
