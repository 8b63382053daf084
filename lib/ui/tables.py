"""One formatting layer for every table on screen (and the labels of every download).

- Labels in the viewer's language: column headers come from the caller's ``column_config``;
  category values (``in_progress``, tier keys, channel keys, statuses, audit actions...) are
  translated through ``CATEGORY_PREFIXES`` when a text exists for them.
- Values rounded to their unit: money scaled to one unit per column (元/万元/亿元 in Chinese,
  CNY/K/M/B in English, ``money_columns``), percentages with one decimal, counts as integers.
- Blanks as "—": no "None", "nan", "NaT" or "<NA>" reaches a cell.

``dataframe`` is ``st.dataframe`` through this layer; ``display`` is the pure part (testable
without a running app). Downloads keep full-precision numbers (machine-readable) but get the same
category labels and no "None"/"nan" text (``lib.core.export``).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from lib.core import i18n
from lib.core import labels
from lib.ui import charts
from lib.ui import shell

BLANK = labels.BLANK
_KEY = labels.KEY
CATEGORY_PREFIXES = labels.CATEGORY_PREFIXES
_TEXTS = i18n.STRINGS
cny = labels.cny
tier_label = labels.tier_label
category = labels.category
is_blank = labels.is_blank


def money_unit(values, lang: str) -> tuple[float, str]:
    """Divisor and unit word for a money column whose values are `values` (blanks ignored)."""
    s = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").dropna()
    return charts.money_unit(float(s.abs().max()) if len(s) else 0.0, lang)


def money_columns(df: pd.DataFrame, cols: dict[str, str], lang: str, digits: int = 2) -> tuple[pd.DataFrame, dict]:
    """`df` with each money column of `cols` (column -> header text key taking ``{unit}``) scaled to
    one readable unit and rounded, and the ``column_config`` entries naming the unit in the header."""
    out, cfg = df.copy(), {}
    for col, key in cols.items():
        div, unit = money_unit(out[col], lang)
        out[col] = (pd.to_numeric(out[col], errors="coerce") / div).round(digits)
        cfg[col] = st.column_config.NumberColumn(i18n.t(key, lang, unit=unit), format=f"%.{digits}f")
    return out, cfg


def _printf(fmt: str | None, v: float) -> str:
    if not fmt or fmt in ("localized", "accounting", "plain"):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if fmt == "percent":
        return f"{v * 100:.1f}%"
    if fmt in ("compact", "engineering", "scientific"):
        return i18n.fmt_number(v)
    if fmt == "dollar" or fmt == "euro" or fmt == "yen":
        return f"{v:,.2f}"
    try:
        return fmt.replace("%%", "\0").replace("%,", "%").replace("\0", "%%") % v
    except (TypeError, ValueError):
        return f"{v:,.2f}"


def _config_format(cfg) -> str | None:
    if isinstance(cfg, dict):
        tc = cfg.get("type_config") or {}
        return tc.get("format")
    return None


def _digits(fmt: str | None) -> int:
    """Decimals a column's format shows (at most 4: a value is never stored finer than that)."""
    m = re.search(r"%[,]?\.(\d+)f", fmt or "")
    if m:
        return min(int(m.group(1)), 4)
    return 0 if fmt in ("%d", "%i") else 4


def _config_label(cfg, col) -> str:
    if isinstance(cfg, str):
        return cfg
    if isinstance(cfg, dict) and cfg.get("label"):
        return cfg["label"]
    return str(col)


_identifier = labels.is_identifier


@dataclass(frozen=True)
class Displayed:
    """A frame already through ``display`` with its column config (``shown``)."""
    frame: pd.DataFrame
    config: dict


def shown(df: pd.DataFrame, lang: str, column_config: dict | None = None) -> Displayed:
    """``display`` done ahead, for a table computed once and shared (see ``lib.ui.shell.cached_view``);
    ``dataframe`` shows it without cleaning it again."""
    return Displayed(*display(df, lang, column_config))


def display(df: pd.DataFrame, lang: str, column_config: dict | None = None,
            categories: bool = True) -> tuple[pd.DataFrame, dict]:
    """The frame as a table shows it, and its column config: blanks as "—", category keys in words,
    floats rounded to 4 places (their column's format shows fewer); a numeric column with blanks is
    shown as its formatted text so the blank reads "—" instead of "None"."""
    cfg = dict(column_config or {})
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s, pd.DataFrame):  # duplicate column names: leave as they are
            continue
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_float_dtype(s) or (pd.api.types.is_integer_dtype(s) and s.isna().any()):
            if s.isna().any():
                c = cfg.get(col)
                if c is None and col in cfg:  # hidden column
                    continue
                fmt = _config_format(c)
                out[col] = [BLANK if pd.isna(v) else _printf(fmt, float(v)) for v in s]
                cfg[col] = st.column_config.TextColumn(_config_label(c, col))
            else:
                out[col] = s.round(_digits(_config_format(cfg.get(col))))
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            if s.isna().any():
                out[col] = [BLANK if pd.isna(v) else (v.date().isoformat() if v == v.normalize() else str(v))
                            for v in s]
            continue
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            words = categories and not _identifier(col)
            if len(s) > 64 and pd.api.types.infer_dtype(s, skipna=True) == "string":
                out[col] = _display_text(s, lang, words)  # a bank's long lists: no per-row Python
                continue

            def one(v, words=words):
                if isinstance(v, (list, tuple, np.ndarray)):
                    return v
                if is_blank(v):
                    return BLANK
                if isinstance(v, float):
                    return round(v, 4)
                if words and isinstance(v, str) and _KEY.match(v):
                    return category(v, lang)
                return v
            out[col] = _one_type(map_values(s, one))
    return out, cfg


def map_values(s: pd.Series, fn) -> pd.Series:
    """``s.map(fn)`` with `fn` called once per distinct value (a table column repeats few values;
    `fn` looks labels up and matches patterns). Values are told apart by type too (1 is not True)."""
    if len(s) > 64 and pd.api.types.infer_dtype(s, skipna=True) == "string":
        return _map_text(s, fn)  # text only: factorised, no per-row Python
    seen: dict = {}

    def once(v):
        try:
            k = (type(v), v)
            if k not in seen:
                seen[k] = fn(v)
            return seen[k]
        except TypeError:  # an unhashable cell (a list): as it is
            return fn(v)
    return pd.Series([once(v) for v in s.astype(object)], index=s.index, dtype=object)


def _map_text(s: pd.Series, fn) -> pd.Series:
    """``map_values`` of a column whose values are all text or missing: `fn` once per distinct text,
    and on each missing cell as it is (None, NaN and NA may differ to `fn`)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, v in enumerate(uniques):
        mapped[i] = fn(str(v))
    out = mapped[codes]  # code -1 (missing) picks the spare last slot, filled below
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        raw = s.iloc[missing].astype(object)
        for pos, v in zip(missing, raw):
            out[pos] = fn(v)
    return pd.Series(out, index=s.index, dtype=object)


def _display_text(s: pd.Series, lang: str, words: bool) -> pd.Series:
    """``display`` of a column of text and missing cells, column-wise: missing and null-like text
    (``labels.is_blank``) as "—", category keys in words when `words`, other text as it is."""
    text = s.astype("string")
    blank = (text.isna() | text.str.strip().str.lower().isin(labels.NULL_TEXT)).to_numpy(dtype=bool)
    out = text.to_numpy(dtype=object, na_value=None)
    out[blank] = BLANK
    if words:
        is_key = (~blank) & text.str.match(_KEY.pattern).fillna(False).to_numpy(dtype=bool)
        if is_key.any():
            keys = out[is_key]
            names = {k: category(k, lang) for k in pd.unique(keys)}
            out[is_key] = [names[k] for k in keys]
    return pd.Series(out, index=s.index, dtype=object)


def _one_type(s: pd.Series) -> pd.Series:
    """A text column with a blank ("—") shows its other scalars (dates, numbers) as text too: Arrow
    needs one type per column (else Streamlit converts the whole column on every run and logs it)."""
    if pd.api.types.infer_dtype(s, skipna=True) == "string":
        return s  # text only (blanks included): one type already
    if not any(isinstance(v, str) and v == BLANK for v in s):
        return s
    return s.map(lambda v: v if isinstance(v, (str, list, tuple, np.ndarray)) else
                 v.isoformat() if hasattr(v, "isoformat") else str(v))


def dataframe(data, lang: str | None = None, categories: bool = True, **kwargs):
    """``st.dataframe`` through the formatting layer (a Styler keeps its styles; its data is cleaned).
    ``categories=False`` leaves text as it is apart from blanks (a preview of an uploaded file).
    `data` may also be what ``shown`` returned (a ``Displayed``): a table cleaned once and shared (a
    bank's long lists), shown as it is."""
    lang = lang or shell.lang()
    cfg = kwargs.pop("column_config", None)
    if isinstance(data, Displayed):
        return st.dataframe(data.frame, column_config={**data.config, **(cfg or {})}, **kwargs)
    if isinstance(data, Styler):
        clean, cfg = display(data.data, lang, cfg, categories)
        data.data = clean
        return st.dataframe(data, column_config=cfg, **kwargs)
    clean, cfg = display(pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data, lang, cfg, categories)
    return st.dataframe(clean, column_config=cfg, **kwargs)


# ---------------------------------------------------------------- audit log
def _detail_value(v, lang: str) -> str:
    if isinstance(v, bool):
        return i18n.t("tables.yes" if v else "tables.no", lang)
    if is_blank(v):
        return BLANK
    if isinstance(v, (list, tuple)):
        return ", ".join(_detail_value(x, lang) for x in v) or BLANK
    if isinstance(v, dict):
        return "; ".join(f"{detail_key(k, lang)} {_detail_value(x, lang)}" for k, x in v.items())
    if isinstance(v, str) and _KEY.match(v):
        return category(v, lang, (*CATEGORY_PREFIXES, "auth.role"))
    return str(v)


def detail_key(k, lang: str) -> str:
    key = f"audit.detail.{k}"
    return i18n.t(key, lang) if key in _TEXTS else str(k).replace("_", " ")


def audit_detail(text, lang: str) -> str:
    """An audit row's stored detail (JSON or text) as words: "file: x.csv · rows: 12"."""
    if is_blank(text):
        return BLANK
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return str(text)
    if not isinstance(data, dict):
        return _detail_value(data, lang)
    return " · ".join(f"{detail_key(k, lang)}: {_detail_value(v, lang)}" for k, v in data.items()) or BLANK


def audit_frame(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit log as shown and downloaded: actions and roles in words, details as text."""
    out = log.copy()
    if "action" in out:
        out["action"] = out["action"].map(lambda a: category(a, lang, ("audit.action",)))
    if "role" in out:
        out["role"] = out["role"].map(lambda r: category(r, lang, ("auth.role",)))
    if "detail" in out:
        out["detail"] = out["detail"].map(lambda d: audit_detail(d, lang))
    return out


# ---------------------------------------------------------------- money that must not look equal
def distinct_money(values, lang: str, max_digits: int = 4) -> list[str]:
    """``fmt_money`` of each value with the fewest decimals (1 to `max_digits`) at which different
    values read differently, so rounding never makes two options look the same."""
    vals = [None if is_blank(v) else float(v) for v in values]
    for digits in range(1, max_digits + 1):
        out = [i18n.fmt_money(v, lang, digits) for v in vals]
        pairs = {}
        if all(pairs.setdefault(o, v) == v or v is None for o, v in zip(out, vals)):
            return out
    return out
