"""The warm-up's pre-build (lib/warmup.py) and the process pre-load (lib/ui/preload.py).

After a write the app's background warm-up builds what pages open with once per data version and for
every session: the related-party graph with the whole bank's flags, then the heavy cached page tables
sessions asked for under the previous version (lib.ui.shell). A failing step never stops the others;
a newer write stops the pre-build (its own follows). The related page's headline and list share one
computation of the flags per scope. A fresh process imports what the pages import before a visit.
"""
from __future__ import annotations

import pytest

from lib import warmup
from lib.core import writes
from lib.core.db import Scope, open_database
from lib.related import graph, report, risk
from lib.ui import preload
from lib.ui import shell

RELATIONS = [("C1", "C2", "guarantee", 5e6), ("C2", "C3", "guarantee", 4e6), ("C3", "C1", "guarantee", 3e6),
             ("E1", "C4", "shareholder", None)]


@pytest.fixture
def db(tmp_path):
    d = open_database(str(tmp_path / "r.duckdb"))
    with writes.transaction(d, "facts") as cur:
        cur.execute("INSERT INTO branches VALUES ('B1', 'One', 'East', NULL, NULL)")
        for i in range(1, 5):
            cur.execute("INSERT INTO customers (customer_id, customer_name, customer_type, branch_id) "
                        "VALUES (?, ?, 'corporate', 'B1')", [f"C{i}", f"Client {i}"])
        cur.execute("INSERT INTO balances (customer_id, as_of, loans, loan_status) "
                    "VALUES ('C2', DATE '2026-10-31', 7e6, 'substandard')")
        for f, t, rel, amount in RELATIONS:
            cur.execute("INSERT INTO relations (from_party, to_party, relation, amount) VALUES (?, ?, ?, ?)",
                        [f, t, rel, amount])
    yield d
    d.close()


def _write(d) -> None:
    with writes.transaction(d, "facts") as cur:
        cur.execute("INSERT INTO relations (from_party, to_party, relation) VALUES ('C4', 'C1', 'supply_chain')")


def test_a_write_in_the_app_prebuilds_the_related_graph_and_the_whole_banks_flags(db):
    warmup.use(db, "background")
    _write(db)
    warmup.wait(db)
    key = (db.path, db.data_version())
    assert key in graph._cache  # built by the warm-up, not by a page
    g = graph._cache[key]
    assert [k for k in g._views if isinstance(k, tuple) and k and k[0] == "__flagged__"]
    # the graph of this version holds the write's relation
    assert ("C4", "C1") in g.pairs


def test_prebuild_runs_once_per_data_version_and_a_failing_step_does_not_stop_the_rest(db, monkeypatch):
    calls = []

    def broken(d):
        calls.append("broken")
        raise RuntimeError("no")

    def counted(d):
        calls.append("counted")
    monkeypatch.setattr(warmup, "_openers", [broken, counted])
    done = warmup.prebuild(db)
    assert calls == ["broken", "counted"]
    assert done == ["lib.warmup._related", f"{__name__}.{counted.__qualname__}"]
    assert warmup.prebuild(db) == [] and calls == ["broken", "counted"]  # same version: nothing again
    _write(db)
    warmup.prebuild(db)
    assert calls == ["broken", "counted"] * 2


def test_the_upper_layers_steps_give_way_and_the_domains_own_do_not(db, monkeypatch):
    """The graph (the domains' step) is what a related page would otherwise build itself: it runs
    at once; each upper-layer step (the pages' openings) first waits as lib.ui.shell asks."""
    calls = []
    monkeypatch.setattr(warmup, "PREBUILD", (lambda d: calls.append("graph"),))
    monkeypatch.setattr(warmup, "_openers", [lambda d: calls.append("openings"), lambda d: calls.append("recent")])
    monkeypatch.setattr(warmup, "_give_way", [lambda d: calls.append("wait")])
    warmup.prebuild(db)
    assert calls == ["graph", "wait", "openings", "wait", "recent"]


def test_a_newer_write_stops_the_prebuild(db, monkeypatch):
    calls = []

    def writer(d):
        calls.append("writer")
        _write(d)

    monkeypatch.setattr(warmup, "_openers", [writer, lambda d: calls.append("after")])
    warmup.prebuild(db)
    assert calls == ["writer"]  # the step after the write belongs to the newer version's warm-up


def test_the_related_headline_and_list_compute_the_flags_once_per_scope(db, monkeypatch):
    n = []
    real = risk.flags
    monkeypatch.setattr(risk, "flags", lambda *a, **k: n.append(1) or real(*a, **k))
    s = report.summary(db, Scope())
    f = report.flagged(db, Scope())
    assert s["flagged"] == len(f) > 0 and len(n) == 1
    f.loc[:, "client"] = "changed"  # a caller's copy: the shared one is untouched
    assert "changed" not in set(report.flagged(db, Scope())["client"]) and len(n) == 1
    report.flagged(db, Scope(branch_ids=("B1",)))  # sees the same clients: the same flags
    assert len(n) == 1
    report.flagged(db, Scope(branch_ids=("B9",)))  # sees none of them: its own
    assert len(n) == 2


def test_the_app_prebuild_replays_the_heavy_cached_calls_for_the_new_version(db, monkeypatch):
    seen = []

    def heavy(d, scope):
        seen.append((d.data_version(), scope))
        return len(seen)

    name = f"{heavy.__module__}.{heavy.__qualname__}"
    monkeypatch.setitem(shell._CACHED_FUNCTIONS, name, heavy)
    monkeypatch.setattr(shell, "db", lambda: db)
    monkeypatch.setattr(shell, "PREBUILD_MIN_S", 0.0)
    monkeypatch.setattr(shell, "_recent", type(shell._recent)())
    monkeypatch.setattr(shell, "_OPENINGS", [])  # the pages' openings: tests/app/test_openings.py
    scope = Scope(branch_ids=("B1",))
    shell._cached_call((db.path, db.data_version()), name, (scope,))
    assert shell._prebuild_openings(db) == 0  # not the app's database: nothing replayed
    monkeypatch.setattr(shell, "_warm_in_background", {db})
    _write(db)
    assert shell._prebuild_openings(db) == 1
    assert seen[-1] == (db.data_version(), scope)
    # the replayed result is what a session of the new version gets, without computing again
    before = len(seen)
    assert shell._cached_call((db.path, db.data_version()), name, (scope,)) == before and len(seen) == before


def test_cheap_calls_are_not_remembered_and_the_list_is_bounded(monkeypatch):
    monkeypatch.setattr(shell, "_recent", type(shell._recent)())
    monkeypatch.setattr(shell, "PREBUILD_MAX", 3)
    shell._remember("f", (1,), 0.0)
    assert not shell._recent
    for i in range(5):
        shell._remember("f", (i,), 1.0)
    assert list(shell._recent) == [("f", (2,)), ("f", (3,)), ("f", (4,))]
    shell._remember("f", (3,), 0.0)  # became cheap: forgotten
    assert list(shell._recent) == [("f", (2,)), ("f", (4,))]


def test_preload_imports_what_the_pages_import():
    names = preload.page_imports()
    for module in ("lib.related.ui", "lib.tiering.churn", "lib.ui.shell", "lib.ui.overview", "streamlit"):
        assert module in names
    assert "lib.ui.shell.ui" not in names  # `from lib.ui import shell as ui`: the alias is no module
    done = preload.import_all(["lib.related.report", "lib.related.report.flagged", "json"])
    assert done == ["lib.related.report", "json"]  # a function named like a module is skipped


def test_a_background_handle_of_another_file_is_not_the_apps(db, tmp_path, monkeypatch):
    """Only the app's own database gets the pages' openings: a script's or a test's background
    handle of another file neither runs them nor opens (and so creates) the app's file."""
    app_file = tmp_path / "app" / "quarterdeck.duckdb"
    monkeypatch.setenv("QUARTERDECK_DB", str(app_file))
    monkeypatch.setattr(shell, "_warm_in_background", type(shell._warm_in_background)())
    warmup.use(db, "background")
    try:
        assert not shell._serves(db)
        assert shell._prebuild_openings(db) == 0
        assert not app_file.exists()
        monkeypatch.setenv("QUARTERDECK_DB", db.path)  # the configured file: the app's handle
        assert shell._serves(db)
    finally:
        warmup.use(db, "off")
