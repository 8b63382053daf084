"""The metric cube: a store of pre-aggregated figures (write, look up, stamp) — every registry
metric per (branch, RM, customer type) for the periods the pages ask for, plus the per-quarter
tier and bundle counts, so a page at a million customers reads a few thousand rows instead of
joining the customers with their balance snapshots for every card, sparkline and week.

This module knows nothing of the metrics or the pages: what to pre-aggregate is decided by
``lib.warmup`` (each domain declares its cube jobs), the SQL that fills it comes with the jobs,
and readers (``lib.metrics.registry``, ``lib.tiering.tiers``, ``lib.channels.bundles``) pass the ``Signature`` of the code
that fills it. It imports only ``lib.core.db``.

Invariants:

- The cube accelerates; it is never the source of truth. A read answers only when the cube was
  built from the current facts (the ``facts_version`` every import, undo and demo build bumps),
  with the current values of the settings the signature names, by the same code (the *stamp*),
  and holds that exact (metric, period). Otherwise it returns None and the caller runs the
  metric's own query on the canonical tables.
- ``refresh`` replaces the cube in one transaction: a reader sees the old cube (which it will
  not use, its stamp no longer matching) or the new one, never a mix. Jobs of a second stage
  (trend steps that depend on the first stage's figures) are added in a second transaction.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pandas as pd

from lib.core.db import Database, Scope

# every table the cube keeps (DDL in lib/core/schema.py); refresh and clear empty them all
TABLES = ("qd_cube", "qd_cube_index", "qd_cube_aum", "qd_cube_tiers", "qd_cube_tier_h", "qd_cube_first",
          "qd_cube_bundle_n", "qd_cube_bundle_h", "qd_cube_bundle_pairs")
_READ_GROUPS = {None: "'ALL'", "region": "br.region", "branch_id": "k.branch_id", "rm_id": "k.rm_id"}

ENABLED = True  # the benchmark turns it off to time the metrics' own queries
_index_lock = threading.Lock()
_refresh_lock = threading.Lock()
_index: dict[str, frozenset] = {}  # stamp -> the (metric, period key) pairs the cube holds


@dataclass(frozen=True)
class Signature:
    """What the cube's figures depend on besides the facts: the code that fills it (a hash of
    the metric SQL and the cube's format version) and the settings it reads."""
    code: str
    setting_keys: tuple[str, ...]


@dataclass(frozen=True)
class MetricJob:
    """One (metric, period) to store: its SQL (grouped by the cube's grain, columns grp.b, grp.r,
    grp.t, num, den), its parameters, and the period key it is stored under."""
    key: str
    period_key: tuple
    sql: str
    params: dict


@dataclass
class Jobs:
    """What a domain asks the cube to hold: ``pairs`` (metric key, period) rendered into
    MetricJobs by the warm-up, and ``fills`` (table, SELECT sql, params) inserted as they are."""
    pairs: list = field(default_factory=list)
    fills: list[tuple[str, str, dict]] = field(default_factory=list)


# ---------------------------------------------------------------- stamp
def _state(db: Database, sig: Signature) -> tuple[str, str | None]:
    """(the stamp the cube must carry to be current, the stamp it carries, with the count of
    pairs it holds after a '#'), in one query."""
    facts, have, held, sets = db.rows("""
        SELECT (SELECT value FROM qd_meta WHERE key = 'facts_version'),
               (SELECT value FROM qd_meta WHERE key = 'cube_stamp'),
               (SELECT value FROM qd_meta WHERE key = 'cube_pairs'),
               (SELECT string_agg(key || '=' || value, ';' ORDER BY key) FROM qd_settings
                WHERE list_contains($keys, key))""", {"keys": list(sig.setting_keys)})[0]
    want = f"{facts or 0}|{sig.code}|{hashlib.sha1((sets or '').encode()).hexdigest()[:12]}"
    return want, (None if have is None else f"{have}#{held}")


def _current(db: Database, sig: Signature) -> str | None:
    """The version of the cube (stamp and pair count) when it is current and enabled, else None."""
    if not ENABLED:
        return None
    want, have = _state(db, sig)
    return have if have is not None and have.split("#")[0] == want else None


def is_current(db: Database, sig: Signature) -> bool:
    want, have = _state(db, sig)
    return have is not None and have.split("#")[0] == want


def _held(db: Database, version: str) -> frozenset:
    with _index_lock:
        hit = _index.get(version)
    if hit is None:
        rows = db.rows("SELECT metric, quarter, start_snap, end_snap, period_end FROM qd_cube_index")
        hit = frozenset((r[0], (r[1], r[2], r[3], r[4])) for r in rows)
        with _index_lock:
            _index.clear()
            _index[version] = hit
    return hit


def holds(db: Database, sig: Signature, key: str, period_key: tuple) -> bool:
    version = _current(db, sig)
    return version is not None and (key, period_key) in _held(db, version)


def holds_quarter(db: Database, sig: Signature, table: str, quarter: str) -> bool:
    """True when the cube is current and its per-quarter `table` holds `quarter`."""
    if table not in TABLES:
        raise ValueError(f"not a cube table: {table!r}")
    return is_current(db, sig) and bool(db.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE quarter = ? LIMIT 1)", [quarter]))


# ---------------------------------------------------------------- read
def lookup(db: Database, sig: Signature, key: str, period_key: tuple, den_one: bool, scope: Scope,
           group: str | None) -> pd.DataFrame | None:
    """``(grp, num, den, n)`` of metric `key` in the period for `scope` grouped by `group` (``n``
    counts the cube rows summed: 0 when the scope has none); None when the cube is not current
    or does not hold this (metric, period). `den_one`: the metric's den is the constant 1."""
    if not holds(db, sig, key, period_key):
        return None
    scope_sql, params = scope.customer_filter("k")
    den = "1" if den_one else "sum(k.den)"
    sql = f"""
SELECT {_READ_GROUPS[group]} AS grp, sum(k.num) AS num, {den} AS den, count(*) AS n
FROM qd_cube k LEFT JOIN branches br ON br.branch_id = k.branch_id
WHERE k.metric = $metric AND k.quarter = $quarter AND k.start_snap = $start_snap
  AND k.end_snap = $end_snap AND k.period_end = $period_end
  AND (({scope_sql}) OR ($whole_bank AND k.branch_id IS NULL))
GROUP BY ALL"""
    q, s, e, pe = period_key
    return db.query(sql, {**params, "metric": key, "quarter": q, "start_snap": s, "end_snap": e,
                          "period_end": pe, "whole_bank": scope.takes_unknown_customers})


def lookup_many(db: Database, sig: Signature, wanted: dict, den_one: set, scope: Scope) -> dict:
    """Ungrouped ``lookup`` of many ``{name: (metric key, period key)}`` in one query; returns
    ``{name: (num, den) or None}`` for the pairs the cube holds (None: the scope has no rows);
    the others are left out, for the caller to compute."""
    version = _current(db, sig) if wanted else None
    if version is None:
        return {}
    held = _held(db, version)
    keys = {k: v for k, v in wanted.items() if v in held}
    if not keys:
        return {}
    scope_sql, params = scope.customer_filter("k")
    cols = list(zip(*[(key, *pk) for key, pk in keys.values()]))
    df = db.query(f"""
WITH wanted AS (
  SELECT unnest($w_metric) AS metric, unnest($w_quarter) AS quarter, unnest($w_start) AS start_snap,
         unnest($w_end) AS end_snap, unnest($w_period_end) AS period_end
)
SELECT k.metric, k.quarter, k.start_snap, k.end_snap, k.period_end, sum(k.num) AS num,
       CASE WHEN list_contains($den_one, k.metric) THEN 1 ELSE sum(k.den) END AS den
FROM qd_cube k JOIN wanted USING (metric, quarter, start_snap, end_snap, period_end)
WHERE ({scope_sql}) OR ($whole_bank AND k.branch_id IS NULL)
GROUP BY k.metric, k.quarter, k.start_snap, k.end_snap, k.period_end""",
                  {**params, "w_metric": list(cols[0]), "w_quarter": list(cols[1]), "w_start": list(cols[2]),
                   "w_end": list(cols[3]), "w_period_end": list(cols[4]), "whole_bank": scope.takes_unknown_customers,
                   "den_one": sorted(den_one)})
    rows = {(r.metric, r.quarter, _as_date(r.start_snap), _as_date(r.end_snap), _as_date(r.period_end)): r
            for r in df.itertuples(index=False)}
    out = {}
    for name, (key, pk) in keys.items():
        r = rows.get((key, pk[0], _as_date(pk[1]), _as_date(pk[2]), _as_date(pk[3])))
        out[name] = None if r is None else (r.num, r.den)
    return out


def _as_date(d) -> date:
    return pd.Timestamp(d).date()  # DuckDB's DATE comes back as a Timestamp in a frame


# ---------------------------------------------------------------- write
def refresh(db: Database, sig: Signature, first: Callable[[], tuple[list, list]],
            then: Callable[[], tuple[list, list]] | None = None, log=None) -> int:
    """Rebuild the cube for the current facts and settings; returns the metric jobs stored.
    `first` and `then` give ``(metric jobs, fills)``: the first stage replaces the cube (and sets
    its stamp) in one transaction, the second (``then``, called after the first is committed, so
    it may read it) is added in another. On any error the cube keeps what was committed; a pair
    it lacks is computed live. One refresh at a time per process (only one process writes)."""
    with _refresh_lock:
        want, _ = _state(db, sig)
        jobs, fills = first()
        with db.transaction() as cur:
            for t in TABLES:
                cur.execute(f"DELETE FROM {t}")
            for table, sql, params in fills:
                if table not in TABLES:
                    raise ValueError(f"not a cube table: {table!r}")
                cur.execute(f"INSERT INTO {table} {sql}", params)
            _insert_all(db, cur, jobs, log)
            _cluster(cur)
            db.set_meta("cube_stamp", want, cur)
            db.set_meta("cube_pairs", str(len(jobs)), cur)
        if then is None:
            return len(jobs)
        held = {(j.key, j.period_key) for j in jobs}
        more, _ = then()
        more = [j for j in more if (j.key, j.period_key) not in held]
        if more and is_current(db, sig):
            with db.transaction() as cur:
                _insert_all(db, cur, more, log)
                _cluster(cur)
                db.set_meta("cube_pairs", str(len(jobs) + len(more)), cur)
        return len(jobs) + len(more)


def _cluster(cur) -> None:
    """Store the cube's rows in (metric, quarter, period) order, so a lookup reads only the row
    groups of its metric and period (DuckDB skips the others by their min/max)."""
    cur.execute("CREATE OR REPLACE TEMP TABLE qd_cube_sorted AS SELECT * FROM qd_cube "
                "ORDER BY metric, quarter, period_end, start_snap, end_snap")
    cur.execute("DELETE FROM qd_cube")
    cur.execute("INSERT INTO qd_cube SELECT * FROM qd_cube_sorted")
    cur.execute("DROP TABLE qd_cube_sorted")


def _insert_all(db: Database, cur, jobs: list[MetricJob], log) -> None:
    for i, job in enumerate(jobs, start=1):
        if db.closing.is_set():
            raise RuntimeError("the database is being closed; metric cube refresh abandoned")
        _insert(cur, job)
        if log and i % 100 == 0:
            log(f"metric cube {i}/{len(jobs)}")


def _insert(cur, job: MetricJob) -> None:
    q, s, e, pe = job.period_key
    cur.execute(f"""
INSERT INTO qd_cube
SELECT $cube_metric, $cube_quarter, $cube_start, $cube_end, $cube_period_end,
       x.grp.b, x.grp.r, x.grp.t, x.num, x.den
FROM ({job.sql}) x""", {**job.params, "cube_metric": job.key, "cube_quarter": q, "cube_start": s,
                        "cube_end": e, "cube_period_end": pe})
    cur.execute("INSERT INTO qd_cube_index VALUES (?, ?, ?, ?, ?)", [job.key, q, s, e, pe])


def clear(db: Database) -> None:
    """Drop the cube's rows (pages then compute live); used by the benchmark and tests."""
    with db.transaction() as cur:
        for t in TABLES:
            cur.execute(f"DELETE FROM {t}")
        cur.execute("DELETE FROM qd_meta WHERE key IN ('cube_stamp', 'cube_pairs')")


# ---------------------------------------------------------------- background
_background: dict[int, threading.Thread] = {}
_databases: dict[int, Database] = {}
_again: dict[int, bool] = {}
_bg_lock = threading.Lock()


def in_background(db: Database, work: Callable[[], object]) -> None:
    """Run `work` (a refresh) on a daemon thread, so the page that wrote returns at once; pages
    compute live until the new cube is committed. Writes in a row are coalesced: at most one
    more run follows the current one."""
    with _bg_lock:
        th = _background.get(id(db))
        if th is not None and th.is_alive():
            _again[id(db)] = True
            return
        if db.closing.is_set():
            return
        th = threading.Thread(target=_background_loop, args=(db, work), name="qd-metric-cube", daemon=True)
        _background[id(db)] = th
        _again[id(db)] = False
        db.background.append(th)
        _databases[id(db)] = db
        th.start()


@atexit.register
def _stop_background() -> None:
    """At exit, stop refreshes between two queries rather than kill them inside DuckDB."""
    for key, th in list(_background.items()):
        db = _databases.get(key)
        if db is not None:
            db.closing.set()
        th.join(30)


def _background_loop(db: Database, work: Callable[[], object]) -> None:
    while True:
        try:
            work()
        except Exception:  # noqa: BLE001 - the cube is optional; pages compute live without it
            if not db.closing.is_set():
                logging.getLogger("quarterdeck").warning("metric cube refresh failed; pages compute live",
                                                         exc_info=True)
        with _bg_lock:
            if db.closing.is_set() or not _again.get(id(db)):
                _background.pop(id(db), None)
                _databases.pop(id(db), None)
                if threading.current_thread() in db.background:
                    db.background.remove(threading.current_thread())
                return
            _again[id(db)] = False


def wait_for_background(db: Database, timeout: float = 600) -> None:
    """Block until a background refresh of `db` has finished (tests, the benchmark)."""
    th = _background.get(id(db))
    if th is not None:
        th.join(timeout)
