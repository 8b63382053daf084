"""The warm-up: what the metric cube pre-aggregates, and when it is rebuilt.

Each domain declares its cube jobs (``cube_jobs(db) -> lib.metrics.cube.Jobs``): the metric registry its
snapshot AUM, Diagnosis every quarter's KPI cards (and, once those are stored, the week and month
trend of the whole bank's weakest KPI), Tiering the tiers of every quarter, Channels the bundle
counts, PDCA the burn-up weeks of its default targets and the weekly review's days. This module
collects them and hands them to ``lib.metrics.cube`` (a store); it sits above the domains, so nothing
below imports it.

When: every committed write goes through ``lib.core.writes`` (``transaction``, or ``after_commit`` for
an import that bumps the version in its own transaction), which tells this module
(``_after_write``). What happens then depends on the database handle (or ``wait``, the command
line asking for the warm-up before it returns):
``background`` (the app's handle, set by ``lib.ui.shell``) rebuilds on a daemon thread so the page
returns at once; ``sync`` (the command line) rebuilds before returning; ``off`` (the default for
a handle opened by a script or a test) leaves the cube stale, so pages compute live until
``refresh`` runs. A rebuild runs only when the cube's stamp no longer matches (a write of facts, or
of a setting the cube depends on); ledger and plan edits never rebuild it.

Pre-build: in the app (``background``), after the cube is current, ``prebuild`` builds what pages
open with for the new data version, once per version and for every session: the related-party graph
with the whole bank's flags and circles (``PREBUILD``), then what upper layers registered with
``on_prebuild`` (``lib.ui.shell`` replays the heavy cached page tables sessions asked for under the
previous version). ``lib.ui.preload`` runs the same warm-up once when the app's process starts.
Before each step of the upper layers the pre-build gives way (``gives_way``): in the app it waits
while visitors' pages run, so a first visitor is not slowed by work done for later ones. The domains'
own steps (the graph) do not wait: a page that needs them would otherwise compute them itself.
"""
from __future__ import annotations

import argparse
import logging
import threading
import time
import weakref
from contextlib import contextmanager

from lib.channels import bundles
from lib.metrics import cube
from lib.diagnosis import diagnose as diagnosis
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca
from lib.related import graph as related_graph
from lib.related import report as related
from lib.tiering import tiers
from lib.core import writes
from lib.core.db import Database, Scope, default_db_path, open_database

# the first stage replaces the cube; the second reads the first stage's figures (the cards)
FIRST = (metrics.cube_jobs, diagnosis.cube_jobs, tiers.cube_jobs, bundles.cube_jobs)
THEN = (diagnosis.trend_cube_jobs, pdca.cube_jobs)
MODES = ("off", "sync", "background")
log = logging.getLogger(__name__)

_modes: "weakref.WeakKeyDictionary[Database, str]" = weakref.WeakKeyDictionary()
_held_back: "weakref.WeakKeyDictionary[Database, bool]" = weakref.WeakKeyDictionary()


def _collect(db: Database, sources) -> tuple[list[cube.MetricJob], list]:
    """The sources' jobs: metric pairs rendered (each once, answerable ones only) and fills."""
    jobs, fills, seen = [], [], set()
    for source in sources:
        got = source(db)
        fills += got.fills
        for key, p in got.pairs:
            pk = (key, metrics.period_key(p))
            if pk in seen or not metrics.answerable(metrics.metric(key), p):
                continue
            seen.add(pk)
            jobs.append(metrics.cube_job(db, key, p))
    return jobs, fills


def refresh(db: Database, log=None) -> int:
    """Rebuild the cube for the current facts and settings; returns the (metric, period) pairs."""
    return cube.refresh(db, metrics.CUBE, lambda: _collect(db, FIRST), lambda: _collect(db, THEN), log)


def is_current(db: Database) -> bool:
    return metrics.cube_current(db)


def refresh_if_stale(db: Database, log=None) -> bool:
    """Refresh unless the cube is current; True if it was rebuilt."""
    if is_current(db):
        return False
    refresh(db, log)
    return True


# ---------------------------------------------------------------- pre-building
def _related(db: Database) -> None:
    """The related-party graph (~20 s at 100k parties) and the whole bank's flags and circles."""
    if related.has_relations(db):
        related_graph.load(db)
        related.summary(db, Scope())


# the domains' shared caches a page opens with, built once per data version in the app process
PREBUILD = (_related,)
_openers: list = []  # upper layers' prebuilders (lib.ui.shell: the pages' cached openings), run after PREBUILD
_prebuilt: "weakref.WeakKeyDictionary[Database, int]" = weakref.WeakKeyDictionary()
_prebuild_lock = threading.Lock()


_give_way: list = []  # upper layers' waits before a pre-build step (lib.ui.shell: while visitors are served)


def gives_way(fn):
    """Register ``fn(db)``, called before each upper-layer pre-build step (``on_prebuild``, and each
    page opening in lib.ui.shell); it returns when the step may run (decorator; idempotent). The
    pre-build then leaves the machine to the visitors' page runs."""
    if fn not in _give_way:
        _give_way.append(fn)
    return fn


def give_way(db: Database) -> None:
    """Wait as the registered waits ask (``gives_way``) before a pre-build step."""
    for fn in _give_way:
        fn(db)


def on_prebuild(fn):
    """Register ``fn(db)`` to run in every pre-build, after the domains' own (decorator; idempotent)."""
    if fn not in _openers:
        _openers.append(fn)
    return fn


def prebuild(db: Database) -> list[str]:
    """Build what pages open with for `db`'s current data version, once per version (after the cube
    is current, so the figures read it). A failing step is logged and skipped: the page then builds
    it itself. Stops early when the database closes or a newer write arrives (its own warm-up
    follows). Returns the steps that ran."""
    done: list[str] = []
    with _prebuild_lock:
        version = db.data_version()
        if _prebuilt.get(db) == version:
            return done
        for fn in (*PREBUILD, *_openers):
            if fn in _openers:  # the domains' own (the related-party graph) is what their pages wait for
                give_way(db)
            if db.closing.is_set() or db.data_version() != version:
                return done
            try:
                fn(db)
                done.append(f"{fn.__module__}.{fn.__qualname__}")
            except Exception:  # noqa: BLE001 - a page computes what was not pre-built
                log.exception("pre-build step %s failed", fn.__qualname__)
        _prebuilt[db] = version
    return done


def _refresh_and_prebuild(db: Database) -> None:
    refresh_if_stale(db)
    prebuild(db)


def refresh_in_background(db: Database) -> None:
    """``refresh_if_stale`` and then ``prebuild`` on a daemon thread (writes in a row are coalesced,
    see lib.metrics.cube). Also what the app runs once when its process starts (lib.ui.preload)."""
    cube.in_background(db, lambda: _refresh_and_prebuild(db))


def wait(db: Database, timeout: float = 600) -> None:
    """Block until a background warm-up of `db` has finished (tests, the benchmark)."""
    cube.wait_for_background(db, timeout)


def use(db: Database, mode: str) -> Database:
    """How writes through `db` warm the cube up: off, sync or background (module docstring)."""
    if mode not in MODES:
        raise ValueError(f"unknown warm-up mode {mode!r}; one of {', '.join(MODES)}")
    _modes[db] = mode
    return db


def mode(db: Database) -> str:
    """The warm-up mode of `db` (``use``); "background" is the app's own handle."""
    return _modes.get(db, "off")


@contextmanager
def batch(db: Database):
    """Hold warm-ups back while a series of writes runs (e.g. the command line importing many
    files), then warm up once if anything was written."""
    _held_back[db] = False
    try:
        yield
    finally:
        wrote = _held_back.pop(db, False)
        if wrote:
            _warm(db)


def _warm(db: Database, wait: bool = False) -> bool:
    mode = "sync" if wait else _modes.get(db, "off")
    if mode == "background":
        refresh_in_background(db)
    elif mode == "sync":
        return refresh_if_stale(db)
    return False


def _after_write(db: Database, what: str, wait: bool) -> bool:
    """lib.core.writes' listener: warm up after a committed write (see the module docstring)."""
    if what == "plan":  # ledger, milestones, review notes: no figure of the cube reads them
        return False
    if db in _held_back:
        _held_back[db] = True
        return False
    return _warm(db, wait)


writes.subscribe(_after_write)


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.warmup --db PATH``: rebuild the cube unless current (e.g. after an upgrade)."""
    ap = argparse.ArgumentParser(prog="python -m lib.warmup", description="Rebuild Quarterdeck's metric cube.")
    ap.add_argument("--db", default=default_db_path())
    ap.add_argument("--force", action="store_true", help="rebuild even when current")
    args = ap.parse_args(argv)
    db = open_database(args.db)
    try:
        t0 = time.time()
        if args.force or not is_current(db):
            n = refresh(db, log=print)
            print(f"metric cube rebuilt: {n} (metric, period) pairs in {time.time() - t0:.1f} s")
        else:
            print("metric cube is current")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
