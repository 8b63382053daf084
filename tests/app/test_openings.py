"""The pages' openings (lib.ui.shell.opening): what the warm-up pre-builds for a page's first visit
is what the page asks for. After the openings ran in a language, a whole-bank viewer's first run of
the page in that language computes none of the opening's tables again, and the related-party list's
reasons in words are not put together again."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import warmup
from lib.core.db import get_database
from lib.related import ui as related_ui
from lib.ui import preload, shell

preload.import_all(preload.page_imports())  # as the app's process start does: the pages' openings register

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ("pages/tiering.py", "pages/team.py", "pages/channels.py", "pages/related.py", "pages/pdca.py")


@pytest.fixture
def computed(app_env, monkeypatch):
    """The cached calls computed (cache misses: function and arguments) from now on, in order, with
    Streamlit's caches empty (and the app process's own warm-up done, so it does not fill them)."""
    d = get_database(app_env)
    preload.start(d)
    assert preload.wait(300)
    warmup.wait(d, 300)
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(shell, "GIVE_WAY_IDLE_S", 0.0)  # no visitor to give way to here
    calls: list[tuple[str, str]] = []
    remember = shell._remember

    def note(name, args, seconds):
        calls.append((name, repr(args)))
        remember(name, args, seconds)
    monkeypatch.setattr(shell, "_remember", note)
    yield calls
    st.cache_data.clear()
    st.cache_resource.clear()


def _first_run(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    return at.run()


def test_every_page_with_heavy_tables_has_an_opening():
    owners = {fn.__module__ for fn in shell._OPENINGS}
    for module in ("lib.tiering.ui", "lib.team.ui", "lib.channels.ui", "lib.related.ui", "lib.pdca.ui"):
        assert module in owners


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_the_first_run_after_the_openings_computes_none_of_them(computed, app_env, monkeypatch, page, lang):
    d = get_database(app_env)
    assert shell._run_openings(d, d.data_version(), lang) == len(shell._OPENINGS)
    opened = set(computed)
    assert opened  # the openings computed the pages' tables
    computed.clear()
    built = []
    frame = related_ui.flagged_frame
    monkeypatch.setattr(related_ui, "flagged_frame", lambda *a: built.append(a) or frame(*a))
    at = _first_run(page, lang)
    assert not at.exception
    assert not opened & set(computed), f"{page} computed again: {sorted(opened & set(computed))}"
    assert not built  # the flagged list in words came from the opening


def test_openings_shape_views_for_their_language_with_names_masked(app_env):
    seen = []
    with shell.viewing("zh"):
        seen.append((shell.lang(), shell.projector(), shell.show_personal()))
    with shell.viewing("en", on_projector=True):
        seen.append((shell.lang(), shell.projector(), shell.show_personal()))
    assert seen == [("zh", False, False), ("en", True, False)]
    assert shell._as_view.lang is None  # a session's own view afterwards


def test_the_prebuild_gives_way_to_a_page_run_and_to_the_browser_drawing_it(app_env, monkeypatch):
    d = shell.db()
    monkeypatch.setattr(shell, "GIVE_WAY_IDLE_S", 0.3)
    monkeypatch.setattr(shell, "GIVE_WAY_MAX_S", 5.0)
    monkeypatch.setattr(shell, "_runs", {"active": 0, "last": float("-inf")})
    t0 = time.monotonic()
    shell._wait_for_quiet(d)
    assert time.monotonic() - t0 < 0.1  # nobody visiting: no wait
    ended = []

    def a_page_run():
        with shell.shell():
            time.sleep(0.5)
        ended.append(time.monotonic())
    visitor = threading.Thread(target=a_page_run)
    visitor.start()
    time.sleep(0.1)
    shell._wait_for_quiet(d)
    visitor.join()
    assert time.monotonic() - ended[0] >= 0.3  # waited for the run and the idle time after it
    monkeypatch.setattr(shell, "GIVE_WAY_MAX_S", 0.2)
    with shell.shell():  # a run that never ends: the wait is bounded
        t0 = time.monotonic()
        shell._wait_for_quiet(d)
        assert 0.2 <= time.monotonic() - t0 < 1.0
