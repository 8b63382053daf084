"""The metric cube (lib/metrics/cube.py) gives exactly what the metric's own query gives, for every
metric, scope and grouping, and is used only while it matches the facts and settings."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from lib import warmup
from lib.metrics import cube
from lib.diagnosis import diagnose as diagnosis
from lib.pdca import ledger
from lib.metrics import registry as metrics
from lib.core import settings
from lib.core.db import Scope, forget_database, open_database

SCOPES = {
    "bank": Scope(),
    "region": None,  # filled from the data: the first region
    "branches": None,  # two branches of different regions
    "retail": Scope(customer_type="retail"),
    "corporate_region": None,
}
GROUPS = (None, "region", "branch_id", "rm_id")


@pytest.fixture(scope="module")
def pair(demo_master, tmp_path_factory):
    """(db with the cube, db without it) on two copies of the demo bank."""
    d = tmp_path_factory.mktemp("cube")
    paths = [str(d / "with.duckdb"), str(d / "without.duckdb")]
    for p in paths:
        shutil.copy(demo_master, p)
    with_cube, live = open_database(paths[0]), open_database(paths[1])
    cube.clear(live)
    yield with_cube, live
    for p in paths:
        forget_database(p)


def _scopes(db) -> dict[str, Scope]:
    br = metrics.regions_and_branches(db)
    r1 = br["region"].iloc[0]
    two = (br["branch_id"].iloc[0], br[br["region"] != r1]["branch_id"].iloc[0])
    return {**{k: v for k, v in SCOPES.items() if v is not None}, "region": Scope(region=r1),
            "branches": Scope(branch_ids=two), "corporate_region": Scope(region=r1, customer_type="corporate")}


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a["grp"].fillna("<NA>")) == list(b["grp"].fillna("<NA>"))
    for c in ("num", "den", "value"):
        np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, atol=1e-6, equal_nan=True)


def test_the_demo_bank_comes_with_a_current_cube(demo_db):
    assert warmup.is_current(demo_db)
    assert demo_db.scalar("SELECT count(*) FROM qd_cube_index") > 100


@pytest.mark.parametrize("key", [m.key for m in metrics.METRICS])
def test_cube_equals_the_metric_query(pair, key):
    with_cube, live = pair
    assert warmup.is_current(with_cube) and not warmup.is_current(live)
    quarters = metrics.quarters_in_data(with_cube)
    for name, scope in _scopes(with_cube).items():
        # every quarter and grouping for the bank; the latest two, bank total and by RM, for the others
        for q in quarters if name == "bank" else quarters[:2]:
            p = metrics.period(with_cube, q)
            if not metrics.answerable(metrics.metric(key), p):
                continue
            assert metrics.cube_lookup(with_cube, metrics.metric(key), p, scope, None) is not None, (key, q)
            for group in GROUPS if name == "bank" else (None, "rm_id"):
                got = metrics.compute_grouped(with_cube, key, q, scope, group)
                want = metrics.compute_grouped(live, key, q, scope, group)
                _same(got, want)
            got, want = metrics.compute(with_cube, key, q, scope), metrics.compute(live, key, q, scope)
            assert (got is None) == (want is None), (key, name, q)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (key, name, q)


def test_the_cards_of_every_quarter_come_from_the_cube(demo_db):
    held = cube._held(demo_db, cube._state(demo_db, metrics.CUBE)[1])
    for q in metrics.quarters_in_data(demo_db):
        for key, p in diagnosis.kpi_jobs(demo_db, q).values():
            if metrics.answerable(metrics.metric(key), p):
                assert (key, metrics.period_key(p)) in held, (key, q)


def test_diagnosis_cards_are_the_same_with_and_without_the_cube(pair):
    with_cube, live = pair
    q = str(metrics.quarters_in_data(live)[0])
    a, b = diagnosis.kpis(with_cube, q, Scope()), diagnosis.kpis(live, q, Scope())
    for col in ("value", "prev", "yoy_value"):
        np.testing.assert_allclose(pd.to_numeric(a[col]).to_numpy(float), pd.to_numeric(b[col]).to_numpy(float),
                                   rtol=1e-9, atol=1e-6, equal_nan=True)


def test_a_write_of_facts_or_a_metric_setting_retires_the_cube_a_ledger_edit_does_not(fresh_demo):
    db = open_database(fresh_demo)
    q = metrics.quarters_in_data(db)[0]
    p = metrics.period(db, q)
    m = metrics.metric("churn_rate")
    assert warmup.is_current(db)
    ledger.create(db, str(q), {"owner": "Cube Test", "category": "customers", "problem": "p", "action": "a",
                               "due_date": q.end, "status": "open"}, user="pytest", today=q.start)
    assert warmup.is_current(db) and metrics.cube_lookup(db, m, p, Scope(), None) is not None
    before = metrics.compute(db, "churn_rate", q, Scope())
    settings.put(db, "churn_aum_share", 0.9)
    assert not warmup.is_current(db) and metrics.cube_lookup(db, m, p, Scope(), None) is None
    after = metrics.compute(db, "churn_rate", q, Scope())  # live, with the new share
    assert after > before
    assert warmup.refresh_if_stale(db)
    assert metrics.compute(db, "churn_rate", q, Scope()) == pytest.approx(after)
    with db.transaction() as cur:
        cur.execute("DELETE FROM customers WHERE customer_id IN (SELECT customer_id FROM customers LIMIT 50)")
        db.bump_data_version(cur)
    assert not warmup.is_current(db)
    assert warmup.refresh_if_stale(db) and warmup.is_current(db)
    assert not warmup.refresh_if_stale(db)


def test_a_failed_refresh_keeps_the_committed_cube(fresh_demo, monkeypatch):
    db = open_database(fresh_demo)
    rows = db.scalar("SELECT count(*) FROM qd_cube")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    with db.transaction() as cur:
        db.bump_data_version(cur)
    monkeypatch.setattr(cube, "_insert", boom)
    with pytest.raises(RuntimeError):
        warmup.refresh(db)
    assert db.scalar("SELECT count(*) FROM qd_cube") == rows
    assert not warmup.is_current(db)  # stale: pages compute live


def test_snapshot_aum_is_the_same_with_and_without_the_cube(pair):
    with_cube, live = pair
    end = metrics.period(live, metrics.quarters_in_data(live)[0]).end_snap
    for scope in _scopes(live).values():
        a, b = metrics.aum_trend(with_cube, scope), metrics.aum_trend(live, scope)
        pd.testing.assert_frame_equal(a[["as_of", "customer_type"]], b[["as_of", "customer_type"]])
        np.testing.assert_allclose(a["aum"], b["aum"], rtol=1e-9)
        a, b = metrics.aum_by_region(with_cube, scope, end), metrics.aum_by_region(live, scope, end)
        pd.testing.assert_frame_equal(a[["region", "customer_type"]], b[["region", "customer_type"]])
        np.testing.assert_allclose(a["aum"], b["aum"], rtol=1e-9)


def test_tiers_are_the_same_with_and_without_the_cube(pair):
    from lib.tiering import tiers
    with_cube, live = pair
    rules = tiers.rules_key(tiers.tier_rules(live))
    qs = [str(q) for q in metrics.quarters_in_data(live)]
    assert all(cube.holds_quarter(with_cube, metrics.CUBE, "qd_cube_tiers", q) for q in qs)
    assert not cube.holds_quarter(live, metrics.CUBE, "qd_cube_tiers", qs[0])
    for q in qs:
        for scope in _scopes(live).values():
            for r in (None, rules):  # the saved rules, passed or not, read the cube
                pd.testing.assert_frame_equal(tiers.customer_tiers(with_cube, q, scope, r),
                                              tiers.customer_tiers(live, q, scope, r))
    mig = tiers.migration(with_cube, qs[1], qs[0], Scope(), rules)
    pd.testing.assert_frame_equal(mig, tiers.migration(live, qs[1], qs[0], Scope(), rules))
    region = Scope(region=_scopes(live)["region"].region)

    def pen(d):  # rows of a tier come in no fixed order
        return tiers.penetration(d, qs[0], region, rules).sort_values(["tier", "product_type"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(pen(with_cube), pen(live))


def test_other_tier_rules_are_computed_live(demo_db):
    from lib.tiering import tiers
    q = str(metrics.quarters_in_data(demo_db)[0])
    preview = {**tiers.tier_rules(demo_db), "wealth": 100_000.0}
    cte, _ = tiers.tiered_cte(demo_db, q, Scope(), preview)
    assert "qd_cube_tiers" not in cte
    cte, _ = tiers.tiered_cte(demo_db, q, Scope())
    assert "qd_cube_tiers" in cte


def test_background_refresh_after_a_write_and_close_while_it_runs(fresh_demo):
    db = open_database(fresh_demo)
    with db.transaction() as cur:
        db.bump_data_version(cur)
    assert not warmup.is_current(db)
    warmup.refresh_in_background(db)
    warmup.refresh_in_background(db)  # coalesced with the running one
    warmup.wait(db)
    assert warmup.is_current(db) and not db.background
    with db.transaction() as cur:
        db.bump_data_version(cur)
    warmup.refresh_in_background(db)
    db.close()  # asks the refresh to stop and waits for it
    assert db.closing.is_set() and not any(th.is_alive() for th in db.background)


def test_bundle_counts_are_the_same_with_and_without_the_cube(pair):
    from lib.channels import bundles
    with_cube, live = pair
    saved = tuple(sorted(bundles.tier_thresholds(live).items()))
    for q in [str(x) for x in metrics.quarters_in_data(live)[:3]]:
        assert bundles._from_cube(with_cube, q, saved) and not bundles._from_cube(live, q, saved)
        for scope in _scopes(live).values():
            pd.testing.assert_frame_equal(bundles.penetration(with_cube, q, scope, saved),
                                          bundles.penetration(live, q, scope, saved))
            pd.testing.assert_frame_equal(bundles.coholding(with_cube, q, scope), bundles.coholding(live, q, scope))
    other = tuple(sorted({**dict(saved), "wealth": 100_000.0}.items()))
    assert not bundles._from_cube(with_cube, q, other)


@pytest.mark.parametrize("held", [("deposit",), ("deposit", "wealth"), ("corporate_account",), ("no_such_type",)])
def test_next_product_is_the_same_with_and_without_the_cube(pair, held):
    from lib.channels import bundles
    with_cube, live = pair
    for scope in _scopes(live).values():
        n1, a = bundles.next_product(with_cube, scope, held)
        n2, b = bundles.next_product(live, scope, held)
        assert n1 == n2
        pd.testing.assert_frame_equal(a, b)


def test_a_cube_built_by_other_code_is_stale(demo_db, monkeypatch):
    assert warmup.is_current(demo_db)
    monkeypatch.setattr(metrics, "CUBE", cube.Signature("built-by-other-code", metrics.CUBE.setting_keys))
    assert not warmup.is_current(demo_db)
    assert metrics.cube_lookup(demo_db, metrics.metric("aum"), metrics.period(demo_db, metrics.quarters_in_data(demo_db)[0]),
                       Scope(), None) is None


def test_command_line_rebuilds_a_stale_cube(fresh_demo, capsys):
    db = open_database(fresh_demo)
    cube.clear(db)
    db.close()
    assert warmup.main(["--db", fresh_demo]) == 0
    assert "metric cube rebuilt:" in capsys.readouterr().out
    assert warmup.main(["--db", fresh_demo]) == 0
    assert capsys.readouterr().out == "metric cube is current\n"
