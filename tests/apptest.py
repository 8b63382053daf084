"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

TEXT_KINDS = ("info", "success", "warning", "caption", "markdown")


def page_texts(at: AppTest, kinds: tuple[str, ...] = TEXT_KINDS) -> str:
    """The visible text of the given element kinds, one element per line."""
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def section_switch(at: AppTest):
    """The page's section switch (``ui.section``: a segmented control keyed ``<page>_section``)."""
    for w in at.segmented_control:
        if w.key and str(w.key).endswith("_section"):
            return w
    raise AssertionError("no section switch on the page")


def open_section(at: AppTest, key: str) -> AppTest:
    """Click the section `key` in the page's section switch and run (only that section runs)."""
    section_switch(at).set_value(key).run()
    assert not at.exception, [e.message for e in at.exception]
    assert section_switch(at).value == key
    return at


def across_sections(at: AppTest, keys, collect) -> list:
    """`collect(at)` in each of the sections `keys` in turn (opened with ``open_section``)."""
    return [collect(open_section(at, k)) for k in keys]


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(monkeypatch, db_path: str, page: str, lang: str = "en", **state) -> AppTest:
    """Run one page of the app (opened straight, see STACK_NOTES) on `db_path` in `lang`, with the
    given session state; fails on any exception in the page."""
    monkeypatch.setenv("QUARTERDECK_DB", db_path)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(f"pages/{page}.py")
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
