"""kill -9 during imports: of a command-line import, and of the app (a real `streamlit run`
server running the import in its inbox worker). After every kill the database opens, every
column of every table reads back in full, a CHECKPOINT succeeds, and the import is wholly
present (customers + balances + both history rows + data version) or wholly absent.

Rounds run on one file, one after another, so recovery is also tested on top of earlier crashes.
QD_KILL_ROUNDS (default 20) sets the number of kills of each kind."""
from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib.ingest import inbox
from tests.stress_helpers import AS_OF, assert_all_or_nothing, import_state, integrity_check, make_wide_csv, server
from tests.wsclient import Session

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
ROUNDS = int(os.environ.get("QD_KILL_ROUNDS", "20"))


def _cli(db: str, csv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lib.ingest", "--db", db, "--as-of", AS_OF, csv], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.timeout(900)
def test_kill_cli_import_at_random_points(demo_master, tmp_path):
    db = str(tmp_path / "q.duckdb")
    shutil.copy(demo_master, db)
    rng = random.Random(20261129)
    # one import to its end: how long a whole run takes (process start included)
    csv = make_wide_csv(str(tmp_path / "KF_wide.csv"), ROWS, prefix="KF")
    base = import_state(db, "KF")
    t0 = time.time()
    assert _cli(db, csv).wait(300) == 0
    full = time.time() - t0
    assert assert_all_or_nothing(import_state(db, "KF"), base, ROWS) == "present"
    outcomes = []
    for i in range(ROUNDS):
        prefix = f"K{i:02d}"
        csv = make_wide_csv(str(tmp_path / f"{prefix}_wide.csv"), ROWS, prefix=prefix)
        base = import_state(db, prefix)
        delay = rng.uniform(0.35, 1.05) * full  # Python start-up is the first ~third of a run
        proc = _cli(db, csv)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        integrity_check(db)
        outcomes.append((round(delay, 2), assert_all_or_nothing(import_state(db, prefix), base, ROWS)))
    print(f"CLI kills (delay s, outcome), full run {full:.1f} s: {outcomes}")
    assert len(outcomes) == ROUNDS


async def _start_worker(url: str) -> None:
    async with Session(url) as s:  # a session runs app.py, which starts the inbox worker
        r = await s.run("data", timeout=120)
        assert not r.exceptions, r.exceptions


def _wait_claimed(db: str, jid: str, timeout: float = 60) -> None:
    running = os.path.join(inbox.inbox_dir(db), jid + ".running")
    end = time.time() + timeout
    while not os.path.exists(running):
        if time.time() > end:
            raise TimeoutError("the app's inbox worker did not pick up the job")
        time.sleep(0.02)


@pytest.mark.timeout(1200)
def test_kill_app_during_inbox_import_at_random_points(demo_master, tmp_path):
    db = str(tmp_path / "q.duckdb")
    shutil.copy(demo_master, db)
    rng = random.Random(7)
    job = lambda csv: {"files": [{"path": csv, "file_name": os.path.basename(csv)}],  # noqa: E731
                       "options": {"as_of": AS_OF, "user": "stress"}}
    # one import to its end through the app: how long the worker takes
    csv = make_wide_csv(str(tmp_path / "AF_wide.csv"), ROWS, prefix="AF")
    base = import_state(db, "AF")
    with server(db) as (url, proc):
        asyncio.run(_start_worker(url))
        jid = inbox.submit(db, job(csv))
        _wait_claimed(db, jid)
        t0 = time.time()
        result = inbox.wait(db, jid, 300)
        full = time.time() - t0
        assert result and result["ok"], result
    assert assert_all_or_nothing(import_state(db, "AF"), base, ROWS) == "present"
    outcomes = []
    for i in range(ROUNDS):
        prefix = f"A{i:02d}"
        csv = make_wide_csv(str(tmp_path / f"{prefix}_wide.csv"), ROWS, prefix=prefix)
        base = import_state(db, prefix)
        with server(db) as (url, proc):
            asyncio.run(_start_worker(url))
            jid = inbox.submit(db, job(csv))
            _wait_claimed(db, jid)
            delay = rng.uniform(0, 1.1) * full
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        integrity_check(db)
        outcomes.append((round(delay, 2), assert_all_or_nothing(import_state(db, prefix), base, ROWS)))
    print(f"app kills (delay s, outcome), full import {full:.1f} s: {outcomes}")
    assert len(outcomes) == ROUNDS
