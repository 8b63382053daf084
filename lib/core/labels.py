"""Words for stored codes, shared by tables on screen (lib/ui/tables.py) and downloads
(lib/core/export.py): category values (``in_progress``, tier, channel and status keys, audit
actions) and column headers in the viewer's language, and what counts as a blank."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from lib.core import i18n

BLANK = "—"
NULL_TEXT = frozenset({"", "none", "nan", "nat", "<na>", "null"})  # text that means "no value"
KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$|^[a-z]+$")
# where the text of a category value lives, in order of preference (the first that has one wins)
CATEGORY_PREFIXES = ("tiering.tier", "channels.channel", "channels.ptype", "pdca.status", "pdca.category",
                     "audit.action", "channels.direction", "channels.reason", "tiering.mig", "team.quad",
                     "filters", "tiering.churn.level", "tiering.comp.kind", "related.risk", "related.rel")
# where a column's header lives (``<prefix>.col.<column>``), in order of preference
HEADER_PREFIXES = ("channels", "tiering", "team", "pdca", "diagnosis", "related", "admin.audit", "data", "metrics",
                   "ingest", "team.cap", "team.mentor", "pdca.rt", "pdca.bu", "pdca.tl", "pdca.hist", "admin.locks",
                   "admin")


IDENTIFIER_COLUMNS = ("key", "table", "column", "username", "file_name")


def is_identifier(column) -> bool:
    """Columns of names and ids as stored (data-contract tables and columns, metric keys, ids, user
    names): shown as they are, never "translated"."""
    c = str(column)
    return c in IDENTIFIER_COLUMNS or c.endswith("_id")


def cny(lang: str) -> str:
    """The money unit word of a full-precision amount: CNY / 元."""
    return "元" if lang == "zh" else "CNY"


def is_blank(v) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return v.strip().lower() in NULL_TEXT
    if isinstance(v, (list, tuple, dict, np.ndarray)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def category(value, lang: str, prefixes=CATEGORY_PREFIXES) -> str:
    """A category value's text in `lang` (the value itself when it has none; "—" when blank)."""
    if is_blank(value):
        return BLANK
    s = str(value)
    for p in prefixes:
        if f"{p}.{s}" in i18n.STRINGS:
            return i18n.t(f"{p}.{s}", lang)
    return s


def tier_label(key, lang: str) -> str:
    """The one name of a customer tier, on every page (lib/core/strings/tiering.py)."""
    return category(key, lang, ("tiering.tier",))


def column_label(column, lang: str) -> str:
    """A data-contract column in words (``schema.col.<name>``, else a page's header for it); the
    name itself when none has one."""
    return header(column, lang, prefixes=("schema", *HEADER_PREFIXES))


def header(column, lang: str, prefixes=HEADER_PREFIXES) -> str:
    """A column's header in `lang` from the first ``<prefix>.col.<column>`` text (a unit in it is the
    full-precision unit, CNY / 元); the column itself when none has one or it is already words."""
    name = str(column)
    if not KEY.match(name):
        return name
    for p in prefixes:
        key = f"{p}.col.{name}"
        if key in i18n.STRINGS:
            return i18n.t(key, lang, unit=cny(lang))
    return name
