"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

TEXT_KINDS = ("info", "success", "warning", "caption", "markdown")


def page_texts(at: AppTest, kinds: tuple[str, ...] = TEXT_KINDS) -> str:
    """The visible text of the given element kinds, one element per line."""
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))
