"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

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
