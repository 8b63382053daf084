"""20 concurrent sessions navigate every page of a real `streamlit run` server while a large
import (100,000 customers and their 100,000 balance rows, one file, one transaction) runs
through the app's inbox worker.

Sessions are light websocket clients (tests/wsclient.py) speaking Streamlit's protocol, not
browsers: 20 Chromium pages would need more memory and CPU than the 2-core CI box has. Every
page run must finish without an exception. "Never a mix": the Data page's table counts are read
at the start, in the middle and at the end of each session; customers and balances grow by the
same 100,000 in the same transaction, so each reading must be the old pair or the new pair —
never one table updated and the other not. p50/p95 page times are printed."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stress_helpers import AS_OF, make_wide_csv, server
from tests.wsclient import Session

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = int(os.environ.get("QD_STRESS_SESSIONS", "20"))
ROWS = int(os.environ.get("QD_STRESS_ROWS", "100000"))


def pages() -> list[str]:
    src = (ROOT / "app.py").read_text(encoding="utf-8")
    return [m for m in re.findall(r'st\.Page\(\s*"pages/(\w+)\.py"', src) if m != "data"]


def counts(run) -> tuple[int, int]:
    status = run.frames[0]
    by = dict(zip(status.iloc[:, 0], status["rows"] if "rows" in status else status.iloc[:, 2]))
    return int(by["customers"]), int(by["balances"])


@pytest.mark.timeout(1200)
def test_concurrent_sessions_during_a_large_import(demo_master, tmp_path):
    db = str(tmp_path / "q.duckdb")
    shutil.copy(demo_master, db)
    csv = make_wide_csv(str(tmp_path / "CC_wide.csv"), ROWS, prefix="CC")
    readings, times, errors = [], [], []
    state = {"import": None}

    async def session(i: int, url: str, ready: asyncio.Event, go: asyncio.Event):
        order = pages()
        order = order[i % len(order):] + order[:i % len(order)]  # sessions spread over the pages
        async with Session(url) as s:
            async def visit(name, frames=False):
                r = await s.run(name, timeout=600, frames=frames)
                times.append(r.seconds)
                errors.extend(f"session {i} page {name or 'home'}: {e}" for e in r.exceptions)
                if name == "data":
                    readings.append((i, time.time(), counts(r)))
                return r
            await visit("data", frames=True)
            ready.set()
            await go.wait()
            for k, name in enumerate(order):
                await visit(name)
                if k == len(order) // 2:
                    await visit("data", frames=True)
            await visit("data", frames=True)

    async def main(url):
        readies = [asyncio.Event() for _ in range(SESSIONS)]
        go = asyncio.Event()
        tasks = [asyncio.create_task(session(i, url, readies[i], go)) for i in range(SESSIONS)]
        while not all(e.is_set() for e in readies):  # a session that fails before it is ready fails the test
            for t in tasks:
                if t.done() and t.exception():
                    raise t.exception()
            await asyncio.sleep(0.2)
        before = readings[0][2]
        # the import goes through the CLI, which hands it to the app's inbox worker (the app holds the file)
        state["import"] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lib.ingest", "--db", db, "--as-of", AS_OF, csv, cwd=str(ROOT),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        state["t_import"] = time.time()
        go.set()
        await asyncio.gather(*tasks)
        out, err = await state["import"].communicate()
        state["import_out"] = out.decode() + err.decode()
        state["import_s"] = time.time() - state["t_import"]
        # after the import every session sees the new data
        async with Session(url) as s:
            r = await s.run("data", timeout=600, frames=True)
            state["after"] = counts(r)
        return before

    with server(db, "sessions") as (url, proc):
        before = asyncio.run(main(url))
    assert state["import"].returncode == 0, state["import_out"]
    assert f"inserted={ROWS}" in state["import_out"]
    assert not errors, errors[:10]
    old, new = before, (before[0] + ROWS, before[1] + ROWS)
    assert state["after"] == new
    mixed = [r for r in readings if r[2] not in (old, new)]
    assert not mixed, f"sessions saw a mix of old and new data: {mixed[:5]} (old {old}, new {new})"
    seen_new = sum(1 for r in readings if r[2] == new)
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
    print(f"\n{SESSIONS} sessions, {len(times)} page runs, import of {ROWS:,}+{ROWS:,} rows took "
          f"{state['import_s']:.1f} s: page time p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(times):.2f} s; "
          f"Data page readings old/new: {len(readings) - seen_new}/{seen_new}")
