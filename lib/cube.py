"""The metric cube: every registry metric pre-aggregated per (branch, RM, customer type) for the
periods the pages ask for, so a page at a million customers reads a few thousand rows instead
of joining the customers with their balance snapshots for every card, sparkline and week.

Invariants:

- The cube accelerates; it is never the source of truth. ``lookup`` answers only when the cube
  was built from the current facts (the ``facts_version`` every import, undo and demo build
  bumps), with the current values of the settings metrics read and the current metric SQL (the
  *stamp*), and holds that exact (metric, period). Otherwise it returns None and the caller
  runs the metric's own query on the canonical tables.
- A cube answer equals the live query's: each metric's SQL is run unchanged with the grouping
  ``(branch, RM, customer type)`` and no scope filter, and ``num`` and ``den`` are sums of
  counts and amounts, so any scope (region, branches, customer type) and any grouping (bank,
  region, branch, RM) adds up from the cube's rows. Metrics whose ``den`` is the constant 1
  (sums, counts) keep ``den = 1`` when read. Tests compare every metric, scope and grouping.
- ``refresh`` is run by the writer after a write (the demo build, the CLI import and undo, the
  app's import worker). It replaces the cube in one transaction: a reader sees the old cube
  (which it will not use, its stamp no longer matching) or the new one, never a mix.
- Which periods are built: every quarter in the data as it stands (cards, team, drill-down);
  the same-day cuts of earlier quarters the Diagnosis page compares a running quarter with;
  and, for the metrics with a bank-level target in the latest quarter, the week and month steps
  of the burn-up and trend charts and the weekly review's last two weeks. Other periods (an old
  quarter's weekly trend, a target set only for one branch) are computed live.
"""
from __future__ import annotations

import atexit
import hashlib
import re
import threading
from datetime import date

import pandas as pd

from lib import metrics, settings
from lib.db import WHOLE_BANK, Database, Scope

NO_SNAP = date(1900, 1, 1)  # the sentinel lib.metrics binds for a missing snapshot
_GRAIN = "struct_pack(b := c.branch_id, r := coalesce(c.rm_id, ''), t := c.customer_type)"
_READ_GROUPS = {None: "'ALL'", "region": "br.region", "branch_id": "k.branch_id", "rm_id": "k.rm_id"}
# settings the cube's figures depend on: the metrics' parameters and the tier rules
_SETTING_KEYS = tuple(sorted({*metrics._SETTING_PARAMS.values(), "tier_thresholds", "tier_rules"}))
# bump when the cube's tables or what fills them change: a cube built by other code is then stale
CUBE_VERSION = 2
_CODE = hashlib.sha1(
    (f"cube {CUBE_VERSION}\n" + "\n".join(m.key + m.sql for m in metrics.METRICS)
     + repr([(k, settings.DEFAULTS[k]) for k in _SETTING_KEYS])).encode()).hexdigest()[:12]

# every table the cube keeps (DDL in lib/schema.py); refresh and clear empty them all
TABLES = ("qd_cube", "qd_cube_index", "qd_cube_aum", "qd_cube_tiers", "qd_cube_tier_h", "qd_cube_first",
          "qd_cube_bundle_n", "qd_cube_bundle_h", "qd_cube_bundle_pairs")
_DEN_ONE = frozenset(m.key for m in metrics.METRICS if re.search(r"\b1 AS den\b", m.sql))  # sums, counts

ENABLED = True  # the benchmark turns it off to time the metrics' own queries
_index_lock = threading.Lock()
_refresh_lock = threading.Lock()
_index: dict[str, frozenset] = {}  # stamp -> the (metric, period key) pairs the cube holds


def period_key(p: metrics.Period) -> tuple:
    return (str(p.quarter), p.start_snap or NO_SNAP, p.end_snap or NO_SNAP, p.period_end)


# ---------------------------------------------------------------- stamp
def _state(db: Database) -> tuple[str, str | None]:
    """(the stamp the cube must carry to be current, the stamp it carries, with the count of
    pairs it holds after a '#'), in one query."""
    names = ", ".join(f"'{k}'" for k in _SETTING_KEYS)
    facts, have, held, sets = db.rows(f"""
        SELECT (SELECT value FROM qd_meta WHERE key = 'facts_version'),
               (SELECT value FROM qd_meta WHERE key = 'cube_stamp'),
               (SELECT value FROM qd_meta WHERE key = 'cube_pairs'),
               (SELECT string_agg(key || '=' || value, ';' ORDER BY key) FROM qd_settings WHERE key IN ({names}))""")[0]
    want = f"{facts or 0}|{_CODE}|{hashlib.sha1((sets or '').encode()).hexdigest()[:12]}"
    return want, (None if have is None else f"{have}#{held}")


def _current(db: Database) -> str | None:
    """The version of the cube (stamp and pair count) when it is current and enabled, else None."""
    if not ENABLED:
        return None
    want, have = _state(db)
    return have if have is not None and have.split("#")[0] == want else None


def is_current(db: Database) -> bool:
    want, have = _state(db)
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


# ---------------------------------------------------------------- read
def lookup(db: Database, m: metrics.Metric, p: metrics.Period, scope: Scope, group: str | None) -> pd.DataFrame | None:
    """``(grp, num, den)`` of metric `m` in period `p` for `scope` grouped by `group`, read from
    the cube; None when the cube is not current or does not hold this (metric, period)."""
    version = _current(db)
    key = period_key(p)
    if version is None or (m.key, key) not in _held(db, version):
        return None
    scope_sql, params = scope.customer_filter("k")
    den = "1" if m.key in _DEN_ONE else "sum(k.den)"
    sql = f"""
SELECT {_READ_GROUPS[group]} AS grp, sum(k.num) AS num, {den} AS den, count(*) AS n
FROM qd_cube k LEFT JOIN branches br ON br.branch_id = k.branch_id
WHERE k.metric = $metric AND k.quarter = $quarter AND k.start_snap = $start_snap
  AND k.end_snap = $end_snap AND k.period_end = $period_end
  AND (({scope_sql}) OR ($whole_bank AND k.branch_id IS NULL))
GROUP BY ALL"""
    df = db.query(sql, {**params, "metric": m.key, "quarter": key[0], "start_snap": key[1],
                        "end_snap": key[2], "period_end": key[3], "whole_bank": scope.takes_unknown_customers})
    if group is None and (df.empty or df["n"].iloc[0] == 0):
        return _empty_scope(db, m, p)  # what the metric's own query gives for no rows
    return df.drop(columns="n")


def lookup_many(db: Database, jobs: dict, scope: Scope) -> dict:
    """``lookup`` (ungrouped) of many ``{name: (Metric, Period)}`` in one query; returns
    ``{name: frame}`` for the pairs the cube holds (the others are left to the caller)."""
    version = _current(db) if jobs else None
    if version is None:
        return {}
    held = _held(db, version)
    keys = {k: (m, period_key(p)) for k, (m, p) in jobs.items() if (m.key, period_key(p)) in held}
    if not keys:
        return {}
    scope_sql, params = scope.customer_filter("k")
    cols = list(zip(*[(m.key, *pk) for m, pk in keys.values()]))
    df = db.query(f"""
WITH wanted AS (
  SELECT unnest($w_metric) AS metric, unnest($w_quarter) AS quarter, unnest($w_start) AS start_snap,
         unnest($w_end) AS end_snap, unnest($w_period_end) AS period_end
)
SELECT k.metric, k.quarter, k.start_snap, k.end_snap, k.period_end, 'ALL' AS grp, sum(k.num) AS num,
       CASE WHEN list_contains($den_one, k.metric) THEN 1 ELSE sum(k.den) END AS den
FROM qd_cube k JOIN wanted USING (metric, quarter, start_snap, end_snap, period_end)
WHERE ({scope_sql}) OR ($whole_bank AND k.branch_id IS NULL)
GROUP BY k.metric, k.quarter, k.start_snap, k.end_snap, k.period_end""", {**params, "w_metric": list(cols[0]), "w_quarter": list(cols[1]), "w_start": list(cols[2]),
                  "w_end": list(cols[3]), "w_period_end": list(cols[4]), "whole_bank": scope.takes_unknown_customers,
                  "den_one": list(_DEN_ONE)})
    rows = {(r.metric, r.quarter, _as_date(r.start_snap), _as_date(r.end_snap), _as_date(r.period_end)): r
            for r in df.itertuples(index=False)}
    out = {}
    for name, (m, pk) in keys.items():
        r = rows.get((m.key, pk[0], _as_date(pk[1]), _as_date(pk[2]), _as_date(pk[3])))
        if r is None:
            out[name] = _empty_scope(db, m, jobs[name][1])
        else:
            out[name] = pd.DataFrame({"grp": ["ALL"], "num": [r.num], "den": [r.den]})
    return out


def _as_date(d) -> date:
    return pd.Timestamp(d).date()  # DuckDB's DATE comes back as a Timestamp in a frame


def _empty_scope(db: Database, m: metrics.Metric, p: metrics.Period) -> pd.DataFrame:
    """The metric's own query over no customers: a count gives 0, a sum NULL (cheap: the
    filter is the constant FALSE)."""
    sql = m.sql.format(grp=metrics.GROUPS[None], scope="FALSE")
    params = metrics._params(db, p, Scope(branch_ids=()), {}, sql)
    return db.query(sql, {k: v for k, v in params.items() if f"${k}" in sql})


# AUM of every balance snapshot per branch and customer type (the Overview's trend and regions)
AUM_BY_SNAPSHOT = """
SELECT b.as_of, c.branch_id, c.customer_type, sum(b.aum) AS aum
FROM v_balances b LEFT JOIN customers c ON c.customer_id = b.customer_id
GROUP BY ALL"""


def aum_snapshots(db: Database) -> str:
    """The relation to read snapshot AUM from: the cube's table while it is current, else the
    query that fills it (columns as_of, branch_id, customer_type, aum)."""
    return "qd_cube_aum" if is_current(db) else f"({AUM_BY_SNAPSHOT})"


# ---------------------------------------------------------------- which periods
def card_pairs(db: Database) -> list[tuple[str, metrics.Period]]:
    """Every KPI of every quarter in the data with the cuts its cards compare with."""
    from lib import diagnosis
    pairs = [p for q in metrics.quarters_in_data(db) for p in diagnosis.kpi_jobs(db, q).values()]
    return _unique(pairs)


def trend_pairs(db: Database) -> list[tuple[str, metrics.Period]]:
    """The week and month steps of the latest quarter (and last quarter's curve) for the KPIs
    the pages open with: the whole bank's worst bottleneck on Diagnosis and the default burn-up
    targets on PDCA, plus the weekly review's days. Reads the cards, so run after card_pairs."""
    from lib import diagnosis, pdca
    quarters = metrics.quarters_in_data(db)
    if not quarters:
        return []
    latest = quarters[0]
    table = diagnosis.kpis(db, str(latest), WHOLE_BANK)
    available = diagnosis.available_keys(table, diagnosis.visible_kpis(WHOLE_BANK))
    behind = diagnosis.bottlenecks(table, "en", tuple(available))
    focus = [behind["key"].iloc[0]] if len(behind) else available[:1]
    burnup = pdca.default_targets(pdca.key_targets(db, str(latest), WHOLE_BANK))
    pairs = []
    for key in dict.fromkeys([*focus, *burnup]):
        for grain in ("week", "month"):
            pairs += [(key, metrics.period(db, pq, cut)) for pq, cut in diagnosis.trend_cuts(db, latest, grain)]
    for key in burnup:
        pairs += [(key, metrics.period(db, latest, cut)) for cut in pdca.weekly_cuts(db, latest)]
    return _unique(pairs)


def _unique(pairs) -> list[tuple[str, metrics.Period]]:
    out: dict[tuple, tuple[str, metrics.Period]] = {}
    for key, p in pairs:
        if metrics.answerable(metrics.metric(key), p):
            out.setdefault((key, period_key(p)), (key, p))
    return list(out.values())


# ---------------------------------------------------------------- build
def refresh(db: Database, log=None) -> int:
    """Rebuild the cube for the current facts and settings; returns the (metric, period) pairs
    built. Two transactions: the cards' pairs replace the cube (and set its stamp), then the
    trend steps are added. On any error the cube keeps what was committed; a pair it lacks is
    computed live. One refresh at a time per process (only one process can write the file)."""
    from lib import bundles
    with _refresh_lock:
        want, _ = _state(db)
        pairs = card_pairs(db)
        with db.transaction() as cur:
            for t in TABLES:
                cur.execute(f"DELETE FROM {t}")
            cur.execute(f"INSERT INTO qd_cube_aum {AUM_BY_SNAPSHOT}")
            cur.execute(f"INSERT INTO qd_cube_first SELECT customer_id, branch_id, customer_type, product_type, d "
                        f"FROM ({bundles.CUBE_FIRST_SQL})")
            for q in metrics.quarters_in_data(db):
                _insert_tiers(db, cur, str(q))
                bundles.fill_cube(db, cur, str(q))
            _insert_all(db, cur, pairs, log)
            _cluster(cur)
            db.set_meta("cube_stamp", want, cur)
            db.set_meta("cube_pairs", str(len(pairs)), cur)
        held = {(k, period_key(p)) for k, p in pairs}
        more = [(k, p) for k, p in trend_pairs(db) if (k, period_key(p)) not in held]
        if more and is_current(db):
            with db.transaction() as cur:
                _insert_all(db, cur, more, log)
                _cluster(cur)
                db.set_meta("cube_pairs", str(len(pairs) + len(more)), cur)
        return len(pairs) + len(more)


def _insert_tiers(db: Database, cur, quarter: str) -> None:
    from lib import tiers
    cte, params = tiers.tiered_cte(db, quarter, WHOLE_BANK, live=True)
    cur.execute(f"""
INSERT INTO qd_cube_tiers
WITH {cte}
SELECT $cube_quarter, customer_id, customer_type, branch_id, rm_id, aum, prev_aum, corp_balance, tier FROM tiered""",
                {**params, "cube_quarter": quarter})
    cur.execute(f"INSERT INTO qd_cube_tier_h WITH {cte}, {tiers._HOLDERS} {tiers.CUBE_HOLDERS_SQL}",
                {**params, "cube_quarter": quarter})


def tiers_held(db: Database, quarter: str) -> bool:
    """True when the cube holds the tiers of `quarter` under the current rules."""
    return is_current(db) and bool(db.scalar(
        "SELECT count(*) FROM (SELECT 1 FROM qd_cube_tiers WHERE quarter = ? LIMIT 1)", [quarter]))


def _cluster(cur) -> None:
    """Store the cube's rows in (metric, quarter, period) order, so a lookup reads only the row
    groups of its metric and period (DuckDB skips the others by their min/max)."""
    cur.execute("CREATE OR REPLACE TEMP TABLE qd_cube_sorted AS SELECT * FROM qd_cube "
                "ORDER BY metric, quarter, period_end, start_snap, end_snap")
    cur.execute("DELETE FROM qd_cube")
    cur.execute("INSERT INTO qd_cube SELECT * FROM qd_cube_sorted")
    cur.execute("DROP TABLE qd_cube_sorted")


def _insert_all(db: Database, cur, pairs, log) -> None:
    for i, (key, p) in enumerate(pairs, start=1):
        if db.closing.is_set():
            raise RuntimeError("the database is being closed; metric cube refresh abandoned")
        _insert(db, cur, metrics.metric(key), p)
        if log and i % 100 == 0:
            log(f"metric cube {i}/{len(pairs)}")


def _insert(db: Database, cur, m: metrics.Metric, p: metrics.Period) -> None:
    sql = m.sql.format(grp=_GRAIN, scope="TRUE")
    params = metrics._params(db, p, WHOLE_BANK, {}, sql)
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    q, s, e, pe = period_key(p)
    cur.execute(f"""
INSERT INTO qd_cube
SELECT $cube_metric, $cube_quarter, $cube_start, $cube_end, $cube_period_end,
       x.grp.b, x.grp.r, x.grp.t, x.num, x.den
FROM ({sql}) x""", {**used, "cube_metric": m.key, "cube_quarter": q, "cube_start": s, "cube_end": e,
                    "cube_period_end": pe})
    cur.execute("INSERT INTO qd_cube_index VALUES (?, ?, ?, ?, ?)", [m.key, q, s, e, pe])


def refresh_if_stale(db: Database, log=None) -> bool:
    """Refresh unless the cube is current; True if it was rebuilt."""
    if is_current(db):
        return False
    refresh(db, log)
    return True


def clear(db: Database) -> None:
    """Drop the cube's rows (pages then compute live); used by the benchmark and tests."""
    with db.transaction() as cur:
        for t in TABLES:
            cur.execute(f"DELETE FROM {t}")
        cur.execute("DELETE FROM qd_meta WHERE key IN ('cube_stamp', 'cube_pairs')")


_background: dict[int, threading.Thread] = {}
_databases: dict[int, Database] = {}
_again: dict[int, bool] = {}
_bg_lock = threading.Lock()


def refresh_in_background(db: Database) -> None:
    """Refresh on a daemon thread after a write in the app (an upload, an undo), so the page
    returns at once; pages compute live until the new cube is committed. Writes in a row are
    coalesced: at most one more rebuild runs after the current one."""
    with _bg_lock:
        th = _background.get(id(db))
        if th is not None and th.is_alive():
            _again[id(db)] = True
            return
        if db.closing.is_set():
            return
        th = threading.Thread(target=_background_loop, args=(db,), name="qd-metric-cube", daemon=True)
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


def _background_loop(db: Database) -> None:
    import logging
    while True:
        try:
            refresh_if_stale(db)
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


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.cube --db PATH``: rebuild the cube unless current (e.g. after an upgrade)."""
    import argparse
    import time
    from lib.db import default_db_path, open_database
    ap = argparse.ArgumentParser(prog="python -m lib.cube", description="Rebuild Quarterdeck's metric cube.")
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
