"""Warm a fresh app process before its first visitor: import what the pages import and warm the caches.

A fresh server process pays ~2 s of imports (pandas, plotly, scikit-learn, networkx, the page
helpers) on the first page a visitor opens, and the first visit of the related-party page builds the
graph. ``start`` does both once per process on a daemon thread: it imports every module the pages
listed in app.py import (read from their source, so a new page needs no entry here), then runs the
warm-up (``lib.warmup.refresh_in_background``: the metric cube if stale, then the pre-build).

Two ways in:
- ``python -m lib.ui.preload [streamlit options]`` (what run.sh starts): the thread starts with the
  server process, before anyone connects, then Streamlit runs app.py as ``streamlit run`` does.
- app.py calls ``start(db)`` on every run (a no-op after the first), for a server started with a plain
  ``streamlit run app.py``: the imports then run beside the first visit's own run.
"""
from __future__ import annotations

import ast
import importlib
import logging
import os
import re
import sys
import threading
import time
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from lib import warmup
from lib.core.db import Database, default_db_path, get_database

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)

_started = threading.Event()
_done = threading.Event()
_lock = threading.Lock()
report: dict = {}  # what the last start did: modules imported, seconds (for the log and tests)


def page_files(root: Path = ROOT) -> list[Path]:
    """The page files app.py registers, in navigation order."""
    src = (root / "app.py").read_text(encoding="utf-8")
    return [root / p for p in re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', src)]


def page_imports(root: Path = ROOT) -> list[str]:
    """Every module app.py and its pages import (``from a import b`` gives ``a.b`` when that is a
    module, else ``a``), in first-seen order."""
    out: list[str] = []
    for path in [root / "app.py", *page_files(root)]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            else:
                continue
            out += [n for n in names if n not in out]
    return out


def import_all(names: list[str]) -> list[str]:
    """Import the names that are modules (``a.b`` where b is a class or function is skipped quietly)."""
    done = []
    for name in names:
        if name in sys.modules:
            done.append(name)
            continue
        try:
            importlib.import_module(name)
            done.append(name)
        except ImportError:
            continue  # `from a import f`: a.f is no module; `a` itself is in the list too
    return done


def _streamlit_once() -> None:
    """Streamlit checks once per process, on the first element drawn, whether it runs in a REPL or
    bare (a walk of the whole stack, ~0.15 s of the first visit), to print a hint. A served app is
    neither: the check is marked done here."""
    from streamlit import delta_generator
    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def _run(db_path: str | None, db: Database | None) -> None:
    t0 = time.perf_counter()
    try:
        report["modules"] = len(import_all(page_imports()))
        report["import_s"] = time.perf_counter() - t0
        _streamlit_once()
        if db is None and db_path and os.path.exists(db_path):
            db = get_database(db_path)
            warmup.use(db, "background")  # the app's handle, as lib.ui.shell.db() sets it
        if db is not None:
            warmup.refresh_in_background(db)  # cube if stale, then the pre-build (on its own thread)
    except Exception:  # noqa: BLE001 - the pages import and compute it themselves
        log.exception("pre-loading the app failed")
    finally:
        report["seconds"] = time.perf_counter() - t0
        _done.set()


def start(db: Database | None = None, db_path: str | None = None) -> bool:
    """Once per process: import the pages' modules, then warm `db` (or the file at `db_path` when
    it exists) on a daemon thread. True when this call started it."""
    with _lock:
        if _started.is_set():
            return False
        _started.set()
    threading.Thread(target=_run, args=(db_path, db), name="qd-preload", daemon=True).start()
    return True


def wait(timeout: float = 120) -> bool:
    """Block until the pre-load's imports are done and its warm-up is handed over (tests)."""
    return _done.wait(timeout)


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.ui.preload [streamlit run options]``: start the pre-load, then serve app.py."""
    start(db_path=default_db_path())
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return streamlit_cli.main()


if __name__ == "__main__":  # run the imported module's main, so app.py's start() finds it started
    raise SystemExit(importlib.import_module("lib.ui.preload").main())
