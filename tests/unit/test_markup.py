"""lib.core.markup.safe: values from data or users reach Streamlit Markdown as plain text."""
from __future__ import annotations

import re

import pytest

from lib.core.markup import JOINER, rendered, safe

PAYLOADS = [
    "Lujiazui [verify your account](http://evil.example/phish)",
    "![i](http://evil.example/a.png)",
    '<a href="http://evil.example">click</a>',
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<http://evil.example>",
    "<javascript:alert(1)>",
    "see http://evil.example now",
    "HTTPS://EVIL.EXAMPLE",
    "www.evil.example",
    "mail phisher@evil.example",
    "**bold** _em_ ~~gone~~ `code`",
    ":red[alarm] :material/warning: $x^2$",
    "# heading",
    "1. list",
    "- item\n- two",
    "> quote",
    "a\nb\r\n[x]\n(http://evil.example)",
    "&lt;script&gt;",
    "[x][ref]\n\n[ref]: http://evil.example",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_markdown_survives(payload):
    out = safe(payload)
    assert "\n" not in out and "\r" not in out
    for ch in "[]<>`*~$":  # every construct-starting character is escaped
        assert out.count(ch) == out.count("\\" + ch), (ch, out)
    low = out.lower()
    assert "http://" not in low and "https://" not in low  # no autolink literal (a joiner in "://")
    assert "www." not in low
    if "@" in payload:
        assert "@" + JOINER in out
    assert rendered(out) == re.sub(r"[\r\n]+", " ", payload)


def test_plain_text_stays_as_it_is():
    for text in ("File c.csv, row 3, column customer_id: the value is empty.", "张三 (B001)", "R&D 50%",
                 "snake_case_name", "12:30"):
        assert safe(text) == text
    assert safe(None) == "" and safe(float("nan")) == ""
    assert safe(12) == "12"
    assert safe("_em_") == "\\_em\\_"
