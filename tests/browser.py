"""Helpers for real-browser tests: a Streamlit server on localhost and Debian's Chromium."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def app_pages() -> list[str]:
    """URL paths of every page registered in app.py ('' for the default page)."""
    src = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = []
    for line in src.splitlines():
        m = re.search(r'st\.Page\(\s*"pages/(\w+)\.py"', line)
        if m:
            pages.append("" if "default=True" in line else m.group(1))
    return pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(db_path: str, log_dir: str | os.PathLike | None = None, log_prefix: str = "server",
               extra_env: dict | None = None, start_timeout: float = 90):
    """A `streamlit run app.py` server on localhost for `db_path`; yields (url, Popen) so a
    caller can also measure or kill -9 the process. Output goes to <log_dir>/<prefix>-<port>.log."""
    port = free_port()
    env = {**os.environ, "QUARTERDECK_DB": db_path, **(extra_env or {})}
    log = open(Path(log_dir) / f"{log_prefix}-{port}.log", "w") if log_dir else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],  # edits elsewhere in the checkout must not rerun the app
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + start_timeout
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit server did not start")
            time.sleep(0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log is not subprocess.DEVNULL:
            log.close()


@contextlib.contextmanager
def streamlit_server(db_path: str, extra_env: dict | None = None):
    """A server for browser tests; yields its URL (logs in test-artifacts/ when it exists)."""
    with app_server(db_path, ARTIFACTS if ARTIFACTS.exists() else None, extra_env=extra_env) as (url, _):
        yield url


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# The front end's own record of the script: "running", "rerunRequested", "notRunning", ... on the
# app's root. The status widget is no signal: it appears only after a run has lasted 0.5 s (and
# not at all with this app's toolbar), so a test that waited on it could act mid-run.
_IDLE = "() => document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning'"


def wait_for_idle(page, timeout: int = 60_000, settle_ms: int = 700) -> None:
    """Wait until no script run is going on and none starts for `settle_ms` (a first visit runs
    the script twice; a rerun can follow a run at once)."""
    deadline = page.evaluate("() => performance.now()") + timeout
    while True:
        left = max(1, int(deadline - page.evaluate("() => performance.now()")))
        page.wait_for_function(_IDLE, timeout=left)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_IDLE):
            return


def wait_for_app(page, timeout: int = 60_000) -> None:
    """Wait until the script has finished running and the main block shows content."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    wait_for_idle(page, timeout)
