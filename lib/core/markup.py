"""Text from data or from users, made safe to put into Streamlit Markdown.

No Streamlit here. Streamlit renders Markdown (GitHub-flavoured, plus its own ``:color[…]``,
``:material/…:`` and ``$…$``) in ``st.markdown``/``st.caption``/``st.write``/``st.info`` …,
in widget labels, help texts, tab, expander and radio labels. A branch name
``Lujiazui [verify](http://evil.example)`` would become a live link there. ``safe(value)`` is the
one helper every page uses for such values (names, file names, ledger text, settings, user
names); the app's own Markdown (bold labels, badges) stays in the i18n texts around it.

What it does, so the value shows exactly as typed and nothing else (and, where nothing could
be Markdown, the text stays as it is, so messages keep their file names and commas):
- line breaks and tabs become spaces (no headings, lists, tables or quotes from a value);
- the characters that start Markdown constructs are backslash-escaped (CommonMark allows that
  for any ASCII punctuation): ``\\ ` * [ ] < > ~ $`` everywhere (links, images, HTML tags,
  autolinks ``<http://…>``, code, emphasis, strike-through, math, Streamlit's ``:color[…]``), ``_``
  where it could open or close emphasis (not inside a word like ``file_name``), ``&`` where it
  starts an entity, and ``# - + > .``/``)`` that would make the value's start a heading, list
  or quote;
- GitHub's *autolink literals* are found in the text after escapes are resolved (a bare
  ``http://…``, ``www.…`` or ``name@host.tld`` would still become a link), so an invisible
  WORD JOINER (U+2060) is put into every ``://``, after every ``@`` and into ``www.``.
Values inside dataframes and charts are not Markdown and need none of this (charts: see
``lib.ui.charts``).
"""
from __future__ import annotations

import math
import re
import string

JOINER = "\u2060"
_ALWAYS = set("\\`*[]<>~$")
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LEAD = re.compile(r"^(\s*)(?:([#+>-])|(\d+)([.)]))")


def safe(value) -> str:
    """`value` as Markdown text that renders as exactly that text (None and NaN give "")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _BREAKS.sub(" ", str(value))
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < n - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()):
            out.append("\\_")
        else:
            out.append(ch)
            if ch == "@" or (ch == ":" and text.startswith("//", i + 1)):
                out.append(JOINER)
    text = "".join(out)
    text = _ENTITY.sub(r"\\&", text)
    text = _WWW.sub(lambda m: m.group(1) + JOINER, text)
    return _LEAD.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)),
                     text, count=1)


def safe_all(values, sep: str = ", ") -> str:
    """Several values, each made safe, joined with `sep` (the app's own separator)."""
    return sep.join(safe(v) for v in values)


_ESCAPED = re.compile(r"\\([" + re.escape(string.punctuation) + r"])")


def rendered(markdown: str) -> str:
    """The text a Markdown string made with ``safe`` shows (escapes resolved, joiners dropped):
    what AppTest tests compare against, since AppTest returns the Markdown source."""
    return _ESCAPED.sub(r"\1", str(markdown)).replace(JOINER, "")
