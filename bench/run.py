"""Quarterdeck benchmark: import, pages, KPI queries and app memory at N customers.

    .venv/bin/python bench/run.py [--customers 1000000] [--small 20000] [--work /tmp/qd_bench_run]
                                  [--skip-browser] [--json out.json]

1. Builds (or reuses from the cache, see bench/bank.py) the demo bank at --small and at N customers.
2. Import: the N-customer bank's customers and its latest balance snapshot are exported as CSV the
   way a core-banking dump looks (dates 2010/01/31, amounts 1,500.00), then imported into a fresh
   database through the product's import path (lib.ingest.jobs.run_job, what the CLI and the app
   run), next to DuckDB's raw read_csv of the same files into a table (the floor).
3. Pages: each page script in a fresh Python process via Streamlit's AppTest: cold = the first run
   (empty st.cache_data, after what a served app does as its process starts: the pages' imports and
   the warm-up of lib.ui.preload, so only the page's own work counts),
   warm = the median of three more runs in the same process; at --small and at N customers.
4. KPIs: the same KPI set in pandas on DataFrames loaded from Parquet exports of the same tables,
   next to lib.metrics.registry.compute on the database (values are checked to agree).
5. Memory: a real `streamlit run` server on the N-customer bank; Chromium visits every page; the
   server's peak RSS (VmHWM) and current RSS afterwards.

Every measurement runs in its own subprocess and reports wall time and CPU time of that process
(time.process_time: all its threads). The machine may be shared: wall times are noisy, CPU
times less so. Not part of the test run (tests/e2e/test_bench_smoke.py runs it at a tiny size).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bank import ensure_bank, generator_version  # noqa: E402

AIMS = {"import_ratio": 2.0, "cold": 1.0, "warm": 0.2, "growth": 5.0, "kpi_speedup": 4.0}


# ---------------------------------------------------------------- helpers
def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child(args: list[str], timeout: float = 3600) -> dict:
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args], cwd=ROOT,
                       capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode or not lines:
        raise RuntimeError(f"child {args} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads(lines[-1])


def _fresh(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()


def app_pages() -> list[str]:
    """Page files registered in app.py, in navigation order."""
    src = (ROOT / "app.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', src)


# ---------------------------------------------------------------- exports
def export_files(bank: Path, out: Path) -> dict:
    """customers.csv + balances.csv (latest snapshot) in dump style, and Parquet of the KPI tables."""
    import duckdb
    from bench.kpi_pandas import TABLES
    from lib.core import schema
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / f"exports-{bank.name}.done"
    files = {"customers": out / "customers.csv", "balances": out / "balances.csv"}
    if stamp.exists():
        return {k: str(v) for k, v in files.items()}
    con = duckdb.connect(str(bank), read_only=True)

    def col_sql(c):
        if c.type == "DATE":
            return f"strftime(\"{c.name}\", '%Y/%m/%d') AS \"{c.name}\""
        if c.type == "DOUBLE":
            return f"CASE WHEN \"{c.name}\" IS NULL THEN NULL ELSE printf('%,.2f', \"{c.name}\") END AS \"{c.name}\""
        return f'"{c.name}"'

    for name, f in files.items():
        tbl = schema.table(name)
        where = "WHERE as_of = (SELECT max(as_of) FROM balances)" if name == "balances" else ""
        sel = ", ".join(col_sql(c) for c in tbl.columns)
        con.execute(f"COPY (SELECT {sel} FROM \"{name}\" {where} ORDER BY ALL) TO '{f}' (HEADER, DELIMITER ',')")
    for name, cols in TABLES.items():
        con.execute(f"COPY (SELECT {', '.join(cols)} FROM \"{name}\") TO '{out / (name + '.parquet')}' (FORMAT parquet)")
    con.close()
    stamp.write_text(datetime.now().isoformat())
    return {k: str(v) for k, v in files.items()}


# ---------------------------------------------------------------- children
def child_raw(csv: str, db: str) -> dict:
    import duckdb
    t0, c0 = time.time(), time.process_time()
    con = duckdb.connect(db)
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.execute("CHECKPOINT")
    con.close()
    return {"rows": n, "wall": time.time() - t0, "cpu": time.process_time() - c0, "peak_mb": _peak_mb()}


def child_import(csv: str, db: str) -> dict:
    from lib.core import auth
    from lib.core.db import open_database
    from lib.ingest import jobs
    t0, c0 = time.time(), time.process_time()
    d = open_database(db)
    res = jobs.run_job(d, {"files": [{"path": csv, "file_name": os.path.basename(csv)}],
                           "options": {"rejects_dir": os.path.dirname(db)}},
                       viewer=auth.system_viewer("bench"))
    d.cursor().execute("CHECKPOINT")
    d.close()
    if not res["ok"]:
        raise SystemExit(json.dumps(res))
    return {"line": res["lines"][0], "wall": time.time() - t0, "cpu": time.process_time() - c0, "peak_mb": _peak_mb()}


def preimport() -> None:
    """Import every module a page may use, as the served app does at process start (lib.ui.preload),
    so a cold run measures the page, not Python imports."""
    from lib.ui import preload
    preload.import_all(preload.page_imports())
    import plotly.express  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    from streamlit.testing.v1 import AppTest  # noqa: F401


def child_page(page: str, db: str, warm_runs: int = 3) -> dict:
    os.environ["QUARTERDECK_DB"] = db
    preimport()
    # the served app's process start (lib.ui.preload): imports, the cube if stale, the pre-build (the
    # related-party graph); a first visitor arrives after it, with Streamlit's caches still empty
    from lib import warmup
    from lib.core.db import get_database
    from lib.ui import preload
    preload.start(db_path=db)
    preload.wait(900)
    warmup.wait(get_database(db), 900)
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.switch_page(page)
    t0, c0 = time.time(), time.process_time()
    at.run()
    cold = (time.time() - t0, time.process_time() - c0)
    errors = [str(e.value)[:300] for e in at.exception]
    warm = []
    for _ in range(warm_runs):
        t0, c0 = time.time(), time.process_time()
        at.run()
        warm.append((time.time() - t0, time.process_time() - c0))
        errors += [str(e.value)[:300] for e in at.exception]
    title = at.title[0].value if len(at.title) else None
    return {"page": page, "cold_wall": cold[0], "cold_cpu": cold[1],
            "warm_wall": statistics.median(w for w, _ in warm), "warm_cpu": statistics.median(c for _, c in warm),
            "errors": errors, "title": title, "peak_mb": _peak_mb()}


def child_kpi(db: str, parquet_dir: str, repeat: int = 3) -> dict:
    from bench import kpi_pandas as kp
    from lib import warmup
    from lib.metrics import cube
    from lib.metrics import registry as metrics
    from lib.core import settings
    from lib.core.db import Scope, open_database
    d = open_database(db)
    if not warmup.is_current(d):
        warmup.refresh(d)
    t0 = time.time()
    frames = kp.load(parquet_dir)
    load_s = time.time() - t0
    q = metrics.quarters_in_data(d)[1]  # the last complete quarter
    per = metrics.period(d, q)
    p = {"q_start": per.quarter.start, "q_end": per.period_end, "start_snap": per.start_snap, "end_snap": per.end_snap}
    share = float(settings.get(d, "churn_aum_share"))

    def timed(fn):
        walls, cpus, value = [], [], None
        for _ in range(repeat):
            t0, c0 = time.time(), time.process_time()
            value = fn()
            walls.append(time.time() - t0)
            cpus.append(time.process_time() - c0)
        return statistics.median(walls), statistics.median(cpus), value

    rows = []
    for key in kp.KPIS:
        pw, pc, pv = timed(lambda: kp.FUNCS[key](frames, p, share))
        cube.ENABLED = True
        dw, dc, dv = timed(lambda: metrics.compute(d, key, q, Scope()))
        cube.ENABLED = False  # the metric's own query on the canonical tables
        lw, lc, lv = timed(lambda: metrics.compute(d, key, q, Scope()))
        cube.ENABLED = True
        agree = all(v is not None and abs(pv - v) <= 1e-6 * max(1.0, abs(v)) for v in (dv, lv))
        rows.append({"kpi": key, "pandas_wall": pw, "pandas_cpu": pc, "duckdb_wall": dw, "duckdb_cpu": dc,
                     "live_wall": lw, "live_cpu": lc, "pandas": pv, "duckdb": dv, "live": lv, "agree": agree})
    d.close()
    return {"quarter": str(q), "load_s": load_s, "rows": rows, "peak_mb": _peak_mb()}


# ---------------------------------------------------------------- browser memory
def child_related(db: str, parties: str, relations: str) -> dict:
    """The related-party graph (lib/related) on a synthetic bank of that many parties and relations."""
    from bench import related
    related.build_bank(db, int(parties), int(relations))
    return related.measure(db)


def server_memory(db: str, pages: list[str], timeout_s: float = 900) -> dict:
    """Peak RSS of a real streamlit server after Chromium visits every page."""
    from tests.browser import app_server, chromium, wait_for_app
    visits = []
    with app_server(db, Path(db).parent, "server") as (url, proc), chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        for p in pages:
            t0 = time.time()
            page.goto(f"{url}/{Path(p).stem}")
            wait_for_app(page, timeout=int(timeout_s * 1000))
            exc = page.locator("[data-testid='stException']").count()
            visits.append({"page": p, "seconds": time.time() - t0, "exceptions": exc})
        status = Path(f"/proc/{proc.pid}/status").read_text()
        kb = {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in status.splitlines())
              if k in ("VmHWM", "VmRSS")}
        return {"peak_rss_mb": kb["VmHWM"] / 1024, "rss_mb": kb["VmRSS"] / 1024, "visits": visits}


# ---------------------------------------------------------------- orchestration
def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def measure_import(files: dict, work: Path) -> list[dict]:
    out = []
    for name, csv in files.items():
        raw_db, imp_db = work / f"raw_{name}.duckdb", work / f"import_{name}.duckdb"
        _fresh(raw_db)
        log(f"import: raw read_csv of {name} ...")
        raw = _child(["raw", csv, str(raw_db)])
        _fresh(imp_db)
        if name == "balances":  # balances are imported into the bank that holds the customers
            shutil.copy(work / "import_customers.duckdb", imp_db)
        log(f"import: product import of {name} ...")
        imp = _child(["import", csv, str(imp_db)])
        m = re.search(r"read=(\d+) inserted=(\d+) updated=(\d+) unchanged=(\d+) rejected=(\d+)", imp["line"])
        out.append({"file": name, "mb": os.path.getsize(csv) / 2**20, "rows": raw["rows"], "raw": raw, "import": imp,
                    "counts": dict(zip(("read", "inserted", "updated", "unchanged", "rejected"), map(int, m.groups())))})
    return out


def measure_pages(bank: Path, work: Path, tag: str, pages: list[str]) -> list[dict]:
    db = work / f"pages_{tag}.duckdb"
    _fresh(db)
    shutil.copy(bank, db)
    res = []
    for p in pages:
        log(f"pages@{tag}: {p} ...")
        res.append(_child(["page", p, str(db)]))
    return res


def fmt_s(v: float) -> str:
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(r: dict) -> str:
    n, small = r["customers"], r["small"]
    L = []
    L.append(f"Quarterdeck benchmark — {r['date']} — {r['machine']}")
    L.append(f"demo bank: {n:,} customers (and {small:,} for growth), seed 7, generator {r['generator']}; "
             f"{r['bank_note']}")
    L.append(f"load average at start {r['load_start']}, at end {r['load_end']} (shared machine: wall times are "
             f"noisy, CPU = process CPU time of the measuring process, all threads)")
    L.append("")
    L.append("## Import (product import path lib.ingest.jobs.run_job vs DuckDB read_csv into a table; "
             "fresh process each)")
    L.append("| file | rows | MB | raw wall s | raw CPU s | import wall s | import CPU s | import rows/s (wall) | "
             "peak MB raw / import | import÷raw wall | import÷raw CPU | aim ≤ 2× |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for x in r["import"]:
        rw, im = x["raw"], x["import"]
        ratio_w, ratio_c = im["wall"] / rw["wall"], im["cpu"] / rw["cpu"]
        L.append(f"| {x['file']} | {x['rows']:,} | {x['mb']:.0f} | {fmt_s(rw['wall'])} | {fmt_s(rw['cpu'])} | "
                 f"{fmt_s(im['wall'])} | {fmt_s(im['cpu'])} | {x['rows'] / im['wall']:,.0f} | "
                 f"{rw['peak_mb']:.0f} / {im['peak_mb']:.0f} | {ratio_w:.2f}× | {ratio_c:.2f}× | "
                 f"{mark(ratio_w <= AIMS['import_ratio'])} |")
    for x in r["import"]:
        L.append(f"  {x['file']}: {x['import']['line']}")
    L.append("")
    L.append(f"## Pages (AppTest, fresh process per page; cold = first run with empty caches, warm = median of "
             f"3 reruns; seconds)")
    L.append(f"| page | cold@{small // 1000}k wall | cold@{n:,} wall | cold@{n:,} CPU | warm@{small // 1000}k | "
             f"warm@{n:,} wall | warm@{n:,} CPU | growth cold | growth warm | aims (cold ≤ 1 s, warm ≤ 0.2 s, "
             f"growth < 5×) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for s, b in zip(r["pages_small"], r["pages_big"]):
        gc, gw = b["cold_wall"] / s["cold_wall"], b["warm_wall"] / s["warm_wall"]
        missed = [k for k, ok in (("cold", b["cold_wall"] <= AIMS["cold"]), ("warm", b["warm_wall"] <= AIMS["warm"]),
                                  ("growth", gc < AIMS["growth"])) if not ok]
        err = f" ERRORS: {b['errors'] + s['errors']}" if b["errors"] or s["errors"] else ""
        L.append(f"| {Path(b['page']).stem} | {fmt_s(s['cold_wall'])} | {fmt_s(b['cold_wall'])} | "
                 f"{fmt_s(b['cold_cpu'])} | {fmt_s(s['warm_wall'])} | {fmt_s(b['warm_wall'])} | {fmt_s(b['warm_cpu'])} | "
                 f"{gc:.1f}× | {gw:.1f}× | {'ok' if not missed else 'MISSED ' + ', '.join(missed)}{err} |")
    L.append("")
    k = r["kpi"]
    L.append(f"## KPIs, quarter {k['quarter']}, whole bank (pandas on DataFrames from Parquet, loaded in "
             f"{k['load_s']:.1f} s, not counted; vs lib.metrics.registry.compute as the product runs it (metric cube) and "
             f"with the cube off (the metric's own query on the tables); median of 3; seconds)")
    L.append("| KPI | pandas wall | pandas CPU | product wall | product CPU | speed-up (wall) | cube off wall | "
             "cube off CPU | speed-up cube off (wall) | values agree |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for x in k["rows"]:
        L.append(f"| {x['kpi']} | {x['pandas_wall']:.3f} | {x['pandas_cpu']:.3f} | {x['duckdb_wall']:.3f} | "
                 f"{x['duckdb_cpu']:.3f} | {x['pandas_wall'] / x['duckdb_wall']:.1f}× | {x['live_wall']:.3f} | "
                 f"{x['live_cpu']:.3f} | {x['pandas_wall'] / x['live_wall']:.1f}× | {'yes' if x['agree'] else 'NO'} |")
    pw, pc, dw, dc, lw, lc = (sum(x[c] for x in k["rows"]) for c in (
        "pandas_wall", "pandas_cpu", "duckdb_wall", "duckdb_cpu", "live_wall", "live_cpu"))
    L.append(f"| **all {len(k['rows'])}** | {pw:.3f} | {pc:.3f} | {dw:.3f} | {dc:.3f} | {pw / dw:.1f}× "
             f"(CPU {pc / dc:.1f}×) | {lw:.3f} | {lc:.3f} | {pw / lw:.1f}× (CPU {pc / lc:.1f}×) | "
             f"aim ≥ 4×: {mark(pw / dw >= AIMS['kpi_speedup'])} (cube off: {mark(pw / lw >= AIMS['kpi_speedup'])}) |")
    L.append("")
    g = r.get("related")
    if g:
        L.append(f"## Related-party graph ({g['parties']:,} parties, {g['relations']:,} relations; bench/related.py)")
        L.append(f"graph built from DuckDB {g['graph_build_s']:.1f} s (once per data version); a client's 2-hop "
                 f"neighbourhood and flag: median {g['hop2_flag_median_s'] * 1000:.1f} ms, max "
                 f"{g['hop2_flag_max_s'] * 1000:.0f} ms (aim ≤ 300 ms: {mark(g['hop2_flag_max_s'] <= 0.3)}); "
                 f"every client's flag with group exposure {g['flag_all_s']:.1f} s ({g['flagged']:,} flagged); "
                 f"guarantee circles {g['circles']:,} in {g['circles_s']:.1f} s (planted found: "
                 f"{g['planted_circles_found']}); one client's page view {g['client_view_s']:.2f} s")
        L.append("")
    m = r.get("memory")
    if m:
        L.append(f"## App process memory (streamlit run on the {n:,}-customer bank, Chromium visited every page)")
        L.append(f"peak RSS (VmHWM) {m['peak_rss_mb']:.0f} MB, RSS after the visits {m['rss_mb']:.0f} MB; "
                 "first browser visit per page (goto → script finished, s): "
                 + ", ".join(f"{Path(v['page']).stem} {v['seconds']:.1f}"
                             + (f" ({v['exceptions']} exceptions!)" if v["exceptions"] else "") for v in m["visits"]))
    else:
        L.append("## App process memory: skipped (--skip-browser)")
    fc = r.get("first_chart")
    if fc:
        L.append("")
        L.append(f"## First chart of a fresh visit (fresh server and browser context, goto → first Plotly chart; "
                 f"median of {len(fc['runs']['empty'])}; s)")
        L.append(f"empty one-chart page {fc['empty']:.2f}; app via `streamlit run app.py` {fc['streamlit_run']:.2f} "
                 f"({fc['ratio_streamlit_run']:.2f}×); app via run.sh's launcher (lib.ui.preload) "
                 f"{fc['launcher']:.2f} ({fc['ratio_launcher']:.2f}×), visited {fc.get('settle_s', 5):g} s after the "
                 f"start; aim ≤ 1.3×: {mark(fc['ratio_launcher'] <= 1.3)}")
        if "launcher_warmed" in fc:
            L.append(f"the launcher visited {fc['warmed_s']:g} s after the start (its warm-up done): "
                     f"{fc['launcher_warmed']:.2f} ({fc['ratio_launcher_warmed']:.2f}×; aim ≤ 1.3×: "
                     f"{mark(fc['ratio_launcher_warmed'] <= 1.3)})")
    sw = r.get("switch")
    if sw:
        L.append("")
        L.append("## Page switch in Chromium within one session (click in the navigation → script finished; s)")
        warmed = sw.get("warmed_first", {})
        L.append(f"| page | first switch, server just started | later switch | first switch of a new session, "
                 f"{sw.get('warmed_s', 45):g} s after the start | aim ≤ 1 s (later, warmed) |")
        L.append("|---|---:|---:|---:|---|")
        for k in sw["first"]:
            w = warmed.get(k)
            ok = sw["later"][k] <= 1.0 and (w is None or w <= 1.0)
            L.append(f"| {k} | {sw['first'][k]:.2f} | {sw['later'][k]:.2f} | "
                     f"{'—' if w is None else f'{w:.2f}'} | {mark(ok)} |")
    ss = r.get("sessions")
    if ss:
        L.append("")
        L.append(f"## {ss['sessions']} concurrent websocket sessions, each cycling every page for {ss['seconds']:.0f} s "
                 f"(bench/sessions.py, {r['small']:,}-customer bank; s)")
        single = ss["single"]["warm_median"]
        p95_1 = ss["single"].get("p95_all") or single
        L.append(f"single session: warm median {single:.2f}, cold median {ss['single']['cold_median']:.2f}, "
                 f"p95 of both rounds {p95_1:.2f}")
        think = ss.get("think") or (2, 8)
        for k, label in (("concurrent", "no pause between pages, no import"),
                         ("reading", f"reading {think[0]:g}-{think[1]:g} s between pages, no import"),
                         ("import", f"no pause, import of {ss['rows']:,} rows"),
                         ("import_reading", f"reading, import of {ss['rows']:,} rows")):
            c = ss.get(k)
            if c and c.get("runs"):
                L.append(f"- {label}: {c['runs']} page runs, p50 {c['p50']:.2f}, p95 {c['p95']:.2f}, max {c['max']:.2f}; "
                         f"p95 ÷ single warm median {c['p95'] / single:.1f}×, ÷ single p95 {c['p95'] / p95_1:.1f}× "
                         f"(aim ≤ 3×: {mark(c['p95'] / p95_1 <= 3)}); errors {c['n_errors']}")
    return "\n".join(L)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--work", default="/tmp/qd_bench_run")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--pages", nargs="*", help="only these page files (default: every page in app.py)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--sessions", type=int, default=0, help="also run bench/sessions.py with this many sessions")
    ap.add_argument("--session-seconds", type=float, default=60)
    ap.add_argument("--session-rows", type=int, default=200_000)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        kind, *rest = a.child
        fn = {"raw": child_raw, "import": child_import, "page": child_page, "kpi": child_kpi,
              "related": child_related}[kind]
        print(json.dumps(fn(*rest), default=str))
        return 0
    n, small = a.customers, min(a.small, a.customers)
    work = Path(a.work) / str(n)
    work.mkdir(parents=True, exist_ok=True)
    r = {"customers": n, "small": small, "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
         "machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                    f"Python {platform.python_version()}",
         "generator": generator_version(), "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    notes = []
    def note(size: int, facts: dict) -> str:
        out = f"{size:,}: " + ("reused from cache" if facts["cached"]
                               else f"built in {facts['wall_s']:.0f} s wall / {facts['cpu_s']:.0f} s CPU "
                                    "(metric cube included)")
        if facts.get("cube_pairs"):
            out += (f", its metric cube rebuilt ({facts['cube_pairs']} metric × period pairs, tiers, bundles) in "
                    f"{facts['cube_wall_s']:.0f} s wall / {facts['cube_cpu_s']:.0f} s CPU")
        return out

    big, facts = ensure_bank(n, log=log)
    notes.append(note(n, facts))
    small_bank, facts = ensure_bank(small, log=log)
    notes.append(note(small, facts))
    r["bank_note"] = "; ".join(notes) + f" (cache: {big.parent})"
    files = export_files(big, work / "files")
    r["import"] = measure_import(files, work)
    pages = a.pages or app_pages()
    r["pages_small"] = measure_pages(small_bank, work, "small", pages)
    r["pages_big"] = measure_pages(big, work, "big", pages)
    log("KPIs ...")
    kdb = work / "kpi.duckdb"
    _fresh(kdb)
    shutil.copy(big, kdb)
    r["kpi"] = _child(["kpi", str(kdb), str(work / "files")])
    parties = min(100_000, max(1_000, n // 10))  # 100k parties and 500k relations at 1M customers
    log(f"related-party graph ({parties:,} parties, {5 * parties:,} relations) ...")
    r["related"] = _child(["related", str(work / "related.duckdb"), str(parties), str(5 * parties)])
    if not a.skip_browser:
        log("browser visit for memory ...")
        mdb = work / "memory" / "quarterdeck.duckdb"
        mdb.parent.mkdir(exist_ok=True)
        _fresh(mdb)
        shutil.copy(big, mdb)
        r["memory"] = server_memory(str(mdb), pages)
        log("browser: first chart of a fresh visit vs an empty one-chart page, page switches ...")
        from bench import firstvisit
        r["first_chart"] = firstvisit.first_charts(str(big), work / "firstvisit")
        r["switch"] = firstvisit.page_switches(str(big), work / "firstvisit", pages)
    if a.sessions:
        log(f"{a.sessions} concurrent sessions on the {small:,}-customer bank, without and with an import ...")
        out = work / "sessions.json"
        subprocess.run([sys.executable, str(ROOT / "bench" / "sessions.py"), "--db", str(small_bank),
                        "--sessions", str(a.sessions), "--seconds", str(a.session_seconds),
                        "--rows", str(a.session_rows), "--work", str(work / "sessions"), "--json", str(out)],
                       cwd=ROOT, check=True)
        r["sessions"] = json.loads(out.read_text())
    r["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = report(r)
    print(text)
    if a.json:
        Path(a.json).write_text(json.dumps(r, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
