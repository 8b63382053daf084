"""Browser timings of the benchmark (Debian Chromium through Playwright, tests/browser.py):

- first chart of a fresh visit: a fresh server process, a fresh browser context, `goto` the default
  page → the first Plotly chart drawn; next to an empty one-chart Streamlit page served the same
  way (the yardstick: what Streamlit and the browser cost anyway), as a ratio. The app is served
  both as `streamlit run app.py` and through run.sh's launcher (`python -m lib.ui.preload`, which
  imports the pages' modules and warms the caches as the process starts); each server gets
  `settle_s` after its health check before the visit, as a manager opens the link after a restart.
- page switch: within one session, a click on each page's link in the navigation → the script run
  finished (the front end's run state back to idle); a session right after the server starts (its
  warm-up still running) and a new session once the warm-up has finished.
- the first chart is also taken once the launcher's warm-up has finished (`warmed_s`), next to the
  visit 5 s after the start.

    .venv/bin/python bench/firstvisit.py --db BANK.duckdb [--work DIR] [--rounds 2]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import _IDLE, chromium, free_port, wait_for_app  # noqa: E402

EMPTY_PAGE = '''import plotly.graph_objects as go
import streamlit as st
st.title("Empty")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
'''
CHART = ".stPlotlyChart .main-svg"


@contextlib.contextmanager
def serve(cmd: list[str], env: dict, log: Path, timeout: float = 120):
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([*cmd, "--server.headless", "true", "--server.address", "127.0.0.1",
                                 "--server.port", str(port), "--browser.gatherUsageStats", "false",
                                 "--server.fileWatcherType", "none"], cwd=ROOT, env={**os.environ, **env},
                                stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server {cmd} did not start (see {log})")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _first_chart(browser, url: str, timeout_ms: int = 300_000) -> float:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = ctx.new_page()
        t0 = time.time()
        page.goto(url)
        page.wait_for_selector(CHART, timeout=timeout_ms)
        return time.time() - t0
    finally:
        ctx.close()


def _fresh_copy(db: str, work: Path, tag: str) -> str:
    out = work / f"fv-{tag}.duckdb"
    shutil.copy(db, out)
    wal = Path(str(out) + ".wal")
    if wal.exists():
        wal.unlink()
    return str(out)


def first_charts(db: str, work: Path, rounds: int = 2, settle_s: float = 5.0, warmed_s: float = 45.0) -> dict:
    """Median time to the first chart over `rounds` fresh servers, for each way of serving; the
    launcher also once its warm-up has finished (`warmed_s` after the health check)."""
    work.mkdir(parents=True, exist_ok=True)
    empty = work / "empty_one_chart.py"
    empty.write_text(EMPTY_PAGE, encoding="utf-8")
    py = sys.executable
    launcher = [py, "-m", "lib.ui.preload"]
    ways = {
        "empty": ([py, "-m", "streamlit", "run", str(empty)], settle_s),
        "streamlit_run": ([py, "-m", "streamlit", "run", str(ROOT / "app.py")], settle_s),
        "launcher": (launcher, settle_s),
        "launcher_warmed": (launcher, warmed_s),
    }
    res: dict = {}
    with chromium() as browser:
        for rnd in range(rounds):
            for way, (cmd, settle) in ways.items():
                env = {"QUARTERDECK_DB": _fresh_copy(db, work, way)}
                with serve(cmd, env, work / f"fv-{way}-{rnd}.log") as url:
                    time.sleep(settle)
                    res.setdefault(way, []).append(_first_chart(browser, url))
    out = {way: statistics.median(v) for way, v in res.items()}
    out["runs"] = res
    out["settle_s"], out["warmed_s"] = settle_s, warmed_s
    for way in ways:
        if way != "empty":
            out[f"ratio_{way}"] = out[way] / out["empty"]
    return out


def _switch_through(browser, url: str, pages: list[str], rounds: int) -> dict[str, list[float]]:
    """A new session: open the app, then click each page's navigation link `rounds` times over."""
    times: dict[str, list[float]] = {}
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(url)
        wait_for_app(page, timeout=600_000)
        links = page.locator("[data-testid='stSidebarNavLink']")
        paths = [links.nth(i).evaluate("a => new URL(a.href).pathname") for i in range(links.count())]
        for _ in range(rounds):
            for p in pages:
                stem = Path(p).stem
                i = next((i for i, x in enumerate(paths) if x.rstrip("/").endswith("/" + stem)), None)
                i = paths.index("/") if i is None and "/" in paths else i  # the default page's link is the root
                if i is None:
                    continue
                t0 = time.time()
                links.nth(i).click()
                page.wait_for_function(f"() => location.pathname === {json.dumps(paths[i])}", timeout=600_000)
                page.wait_for_function(_IDLE, timeout=600_000)
                times.setdefault(stem, []).append(time.time() - t0)
    finally:
        page.close()
    return times


def page_switches(db: str, work: Path, pages: list[str], rounds: int = 2, warmed_s: float = 45.0) -> dict:
    """Within one session: click each page's navigation link → script finished; `rounds` passes
    (the first pass finds cold caches for the page, later passes show the switch itself). The first
    session starts right after the server's health check, while its warm-up still runs; a second
    session, once `warmed_s` have passed since then, visits each page once more (its first visits,
    on a warmed server)."""
    env = {"QUARTERDECK_DB": _fresh_copy(db, work, "switch")}
    with serve([sys.executable, "-m", "lib.ui.preload"], env, work / "fv-switch.log") as url, \
            chromium() as browser:
        started = time.time()
        times = _switch_through(browser, url, pages, rounds)
        time.sleep(max(0.0, warmed_s - (time.time() - started)))
        warmed = _switch_through(browser, url, pages, 1)
    return {"first": {k: v[0] for k, v in times.items()},
            "later": {k: statistics.median(v[1:]) if len(v) > 1 else v[0] for k, v in times.items()},
            "warmed_first": {k: v[0] for k, v in warmed.items()}, "warmed_s": warmed_s}


def main(argv=None) -> int:
    from bench.run import app_pages
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--work", default="/tmp/qd_bench_firstvisit")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--skip-switch", action="store_true")
    a = ap.parse_args(argv)
    work = Path(a.work)
    r = {"first_chart": first_charts(a.db, work, a.rounds)}
    if not a.skip_switch:
        r["switch"] = page_switches(a.db, work, app_pages())
    print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
