"""Text from data or from users, made safe to put into Streamlit Markdown.

No Streamlit here. Streamlit renders Markdown (GitHub-flavoured, plus its own ``:color[…]``,
``:material/…:`` and ``$…$``) in ``st.markdown``/``st.caption``/``st.write``/``st.info`` …,
in widget labels, help texts, tab, expander and radio labels. A branch name
``Lujiazui [verify](http://evil.example)`` would become a live link there. ``safe(value)`` is the
one helper every page uses for such values (names, file names, ledger text, settings, user
names); the app's own Markdown (bold labels, badges) stays in the i18n texts around it.

What it does, so the value shows exactly as typed and nothing else:
- line breaks and tabs become spaces (no headings, lists, tables or quotes from a value);
- every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
  them): no links, images, emphasis, code, HTML tags, entities, math, directives;
- GitHub's *autolink literals* are found in the text after escapes are resolved (a bare
  ``http://…``, ``www.…`` or ``name@host.tld`` would still become a link), so an invisible
  WORD JOINER (U+2060) is put after every ``:`` and ``@`` and into ``www.``; it also breaks
  Streamlit's ``:material/…:`` icons and ``:emoji:`` shortcodes in values.
Values inside dataframes and charts are not Markdown and need none of this (charts: see
``lib.charts``).
"""
from __future__ import annotations

import math
import re
import string

JOINER = "\u2060"
_PUNCT = set(string.punctuation)
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")


def safe(value) -> str:
    """`value` as Markdown text that renders as exactly that text (None and NaN give "")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _BREAKS.sub(" ", str(value))
    text = _WWW.sub(lambda m: m.group(1) + JOINER, text)
    out = []
    for ch in text:
        if ch in _PUNCT:
            out.append("\\" + ch)
            if ch in ":@":
                out.append(JOINER)
        else:
            out.append(ch)
    return "".join(out)


def safe_all(values, sep: str = ", ") -> str:
    """Several values, each made safe, joined with `sep` (the app's own separator)."""
    return sep.join(safe(v) for v in values)


def plain(value) -> str:
    """`value` as shown by ``safe`` once rendered (for tests and plain-text places)."""
    return "" if value is None else _BREAKS.sub(" ", str(value))
