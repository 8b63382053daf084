"""Shared fixtures: one small demo bank per test session, built once into a temp file.

`demo_path` is a file path (for AppTest and subprocesses, via QUARTERDECK_DB); `demo_db` is an
open Database on a private copy, so tests that write cannot disturb each other's reads.
"""
from __future__ import annotations

import os
import shutil

import pytest

from lib import demo
from lib.core.db import forget_database, open_database

DEMO_CUSTOMERS = 2_000


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    demo.build(path, DEMO_CUSTOMERS, seed=7)
    return path


@pytest.fixture(scope="session")
def demo_path(demo_master, tmp_path_factory) -> str:
    """A read-mostly copy for AppTest runs (QUARTERDECK_DB points here)."""
    path = str(tmp_path_factory.mktemp("app") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    return path


@pytest.fixture(scope="session")
def demo_db(demo_master, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ro") / "demo.duckdb")
    shutil.copy(demo_master, path)
    db = open_database(path)
    yield db
    db.close()


@pytest.fixture
def app_env(demo_path, monkeypatch):
    """Point the app at the session demo bank."""
    monkeypatch.setenv("QUARTERDECK_DB", demo_path)
    yield demo_path


@pytest.fixture
def fresh_demo(demo_master, tmp_path, monkeypatch):
    """A private writable copy of the demo bank, also set as QUARTERDECK_DB."""
    path = str(tmp_path / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    monkeypatch.setenv("QUARTERDECK_DB", path)
    yield path
    forget_database(path)


@pytest.fixture(autouse=True)
def acting_system_viewer():
    """Tests that call lib's write paths directly (imports, settings, ledger) run as the command
    line's system viewer (lib.core.auth); tests of access control set their own with auth.acting_as.
    AppTest runs are not affected: the app's script thread acts as the session's signed-in user."""
    from lib.core import auth
    with auth.acting_as(auth.system_viewer("pytest")):
        yield


LANES = ("unit", "app", "e2e")


def pytest_collection_modifyitems(config, items):
    """Each test carries the marker of its folder: tests/unit (no Streamlit), tests/app (AppTest),
    tests/e2e (a real server: Chromium, websocket sessions, kill -9, the benchmark). A test elsewhere that
    runs whole command-line processes may carry ``e2e`` itself (it then runs with the e2e lane only)."""
    for item in items:
        parts = item.path.parts
        lane = next((p for p in LANES if p in parts[-2:-1]), "e2e" if "browser" in item.path.name else "unit")
        item.add_marker(getattr(pytest.mark, lane))
