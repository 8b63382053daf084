"""Concurrent sessions: p50/p95 page time of N websocket sessions navigating every page, next to one
session alone, without and with an import running through the app's inbox.

    .venv/bin/python bench/sessions.py --db BANK.duckdb [--sessions 20] [--seconds 120] [--rows 200000]
                                       [--work /tmp/qd_bench_sessions] [--json out.json]

Each phase serves a fresh copy of `--db` from a fresh `streamlit run` process (tests/browser.app_server),
so no phase finds another's caches:
1. single: one session visits every page of app.py twice in a row (the first round pays the process's
   cold caches, the second is the warm single-session time);
2. concurrent: N sessions (tests/wsclient.py: Streamlit's protocol, no browser), each starting at another
   page, cycle through every page for `--seconds`;
3. reading: the same N sessions as managers use the app: each arrives within the first `--think`
   maximum, then waits `--think` seconds (uniform, 2-8 s by default, seeded per session) on a page
   before clicking the next;
4. import: phase 2, while the CLI hands a `--rows`-row customers + balances file to the app's inbox
   (one transaction; the app then rebuilds the metric cube and pre-builds in the background);
5. import_reading: phase 3 with the same import.
Reports p50 / p95 / max page time (script run) and the ratio of p95 to the single session's warm
median and to its p95 over both rounds. Phases 2 and 4 have no pause between pages: they show the
server saturated (on 2 cores, 20 sessions then queue behind each other's runs). A benchmark, not a test: nothing is asserted (tests/e2e/test_stress_sessions.py checks
correctness under the same load).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import app_server  # noqa: E402
from tests.stress_helpers import AS_OF, make_wide_csv  # noqa: E402
from tests.wsclient import Session  # noqa: E402
from bench.run import app_pages  # noqa: E402


def pages() -> list[str]:
    return [Path(p).stem for p in app_pages()]


def stats(times: list[float]) -> dict:
    if not times:
        return {"runs": 0}
    q = statistics.quantiles(times, n=20) if len(times) > 1 else [times[0]] * 19
    return {"runs": len(times), "p50": statistics.median(times), "p95": q[18], "max": max(times)}


async def _single(url: str) -> dict:
    cold, warm, errors = {}, {}, []
    async with Session(url) as s:
        for rnd, out in ((0, cold), (1, warm)):
            for name in pages():
                r = await s.run(name, timeout=900)
                out[name] = r.seconds
                errors += [f"{name}: {e}" for e in r.exceptions]
    return {"cold": cold, "warm": warm, "errors": errors,
            "warm_median": statistics.median(warm.values()), "cold_median": statistics.median(cold.values())}


async def _concurrent(url: str, n: int, seconds: float, import_cmd: list[str] | None,
                      think: tuple[float, float] = (0.0, 0.0)) -> dict:
    times: list[tuple[str, float, float]] = []  # page, seconds, finished at
    errors: list[str] = []
    state: dict = {}
    order = pages()

    ready = [0]

    async def session(i: int, start: asyncio.Event, stop_at: list[float]):
        mine = order[i % len(order):] + order[:i % len(order)]
        pause = random.Random(i)  # each session's own reading times, the same in every run
        async with Session(url) as s:
            await s.run("diagnosis", timeout=900)  # connected and past the first run
            ready[0] += 1
            await start.wait()
            if think[1] > 0:  # managers arrive spread over a reading time, not at the same instant
                await asyncio.sleep(pause.uniform(0, think[1]))
            k = 0
            while time.time() < stop_at[0]:
                name = mine[k % len(mine)]
                r = await s.run(name, timeout=900)
                times.append((name, r.seconds, time.time()))
                errors.extend(f"session {i} {name}: {e}" for e in r.exceptions)
                k += 1
                if think[1] > 0:  # the manager reads the page before the next click
                    await asyncio.sleep(pause.uniform(*think))

    start, stop_at = asyncio.Event(), [0.0]
    tasks = [asyncio.create_task(session(i, start, stop_at)) for i in range(n)]
    t_connect = time.time()
    while ready[0] < n and time.time() - t_connect < 600:
        await asyncio.sleep(0.2)
    proc = None
    t0 = time.time()
    if import_cmd:
        proc = await asyncio.create_subprocess_exec(*import_cmd, cwd=str(ROOT), stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE)
    stop_at[0] = t0 + seconds
    start.set()
    await asyncio.gather(*tasks)
    if proc is not None:
        out, err = await proc.communicate()
        state["import_s"] = time.time() - t0
        state["import_rc"] = proc.returncode
        state["import_line"] = (out.decode() + err.decode()).strip().splitlines()[-1:]
    ts = [s for _, s, _ in times]
    by_page = {p: stats([s for q, s, _ in times if q == p]) for p in order}
    return {**stats(ts), "errors": errors[:20], "n_errors": len(errors), "by_page": by_page, **state}


def phase(db_src: str, work: Path, tag: str, fn) -> dict:
    db = work / f"{tag}.duckdb"
    shutil.copy(db_src, db)
    wal = Path(str(db) + ".wal")
    if wal.exists():
        wal.unlink()
    with app_server(str(db), work, f"sessions-{tag}") as (url, proc):
        time.sleep(3)  # what a manager does after the server is up: the process's own start-up settles
        return asyncio.run(fn(url, str(db)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="a built bank (e.g. from bench/bank.py's cache)")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--work", default="/tmp/qd_bench_sessions")
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                    help="seconds a reading session waits between pages (uniform; 0 0 skips the reading phases)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    load = lambda: " ".join(f"{x:.1f}" for x in os.getloadavg())  # noqa: E731
    res = {"sessions": args.sessions, "seconds": args.seconds, "rows": args.rows, "load_start": load()}

    res["single"] = phase(args.db, work, "single", lambda url, db: _single(url))
    print(f"single session: cold median {res['single']['cold_median']:.2f} s, warm median "
          f"{res['single']['warm_median']:.2f} s  {res['single']['warm']}", flush=True)
    res["concurrent"] = phase(args.db, work, "concurrent",
                              lambda url, db: _concurrent(url, args.sessions, args.seconds, None))
    c = res["concurrent"]
    print(f"{args.sessions} sessions: {c['runs']} runs, p50 {c['p50']:.2f} s, p95 {c['p95']:.2f} s, "
          f"max {c['max']:.2f} s, errors {c['n_errors']}", flush=True)
    think = tuple(args.think)
    res["think"] = think
    if think[1] > 0:
        res["reading"] = phase(args.db, work, "reading",
                               lambda url, db: _concurrent(url, args.sessions, args.seconds, None, think))
        c = res["reading"]
        print(f"{args.sessions} reading sessions ({think[0]:g}-{think[1]:g} s between pages): {c['runs']} runs, "
              f"p50 {c['p50']:.2f} s, p95 {c['p95']:.2f} s, max {c['max']:.2f} s, errors {c['n_errors']}", flush=True)
    if not args.skip_import:
        csv = make_wide_csv(str(work / "SB_wide.csv"), args.rows, prefix="SB")
        for tag, pause in (("import", (0.0, 0.0)), ("import_reading", think)):
            if tag == "import_reading" and think[1] <= 0:
                continue

            def with_import(url, db, pause=pause):
                cmd = [sys.executable, "-m", "lib.ingest", "--db", db, "--as-of", AS_OF, csv]
                return _concurrent(url, args.sessions, args.seconds, cmd, pause)
            res[tag] = phase(args.db, work, tag, with_import)
            c = res[tag]
            print(f"{args.sessions} {'reading ' if pause[1] else ''}sessions + import of {args.rows:,} rows (took "
                  f"{c.get('import_s', 0):.0f} s, rc {c.get('import_rc')}): {c['runs']} runs, p50 {c['p50']:.2f} s, "
                  f"p95 {c['p95']:.2f} s, max {c['max']:.2f} s, errors {c['n_errors']}", flush=True)
    res["load_end"] = load()
    single = res["single"]["warm_median"]
    single_all = stats([*res["single"]["cold"].values(), *res["single"]["warm"].values()])
    res["single"]["p95_all"] = single_all.get("p95")
    for k in ("concurrent", "reading", "import", "import_reading"):
        if k in res and res[k].get("runs"):
            res[k]["p95_over_single"] = res[k]["p95"] / single
            res[k]["p95_over_single_p95"] = res[k]["p95"] / single_all["p95"]
            print(f"{k}: p95 ÷ single warm median = {res[k]['p95_over_single']:.1f}×, ÷ single p95 "
                  f"(both rounds) = {res[k]['p95_over_single_p95']:.1f}× (aim ≤ 3×)")
    print(f"load average {res['load_start']} → {res['load_end']}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
