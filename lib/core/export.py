"""Downloads: CSV bytes that are safe to open in Excel / WPS.

A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some
spreadsheet programs strip before reading a formula) would be run as a formula when the file is
opened; such cells get a leading apostrophe. Numbers are left as numbers (a negative amount is
not a formula). The file is UTF-8 with a byte-order mark so Excel shows Chinese correctly.
"""
from __future__ import annotations

import csv

import pandas as pd

from lib.core import labels

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` with a leading apostrophe when it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def readable(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A download's frame: headers and category values (status, tier, channel keys...) in `lang`,
    numbers kept at full precision (machine-readable), blanks empty -- never "None", "nan" or "NaT"."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col, pd.DataFrame):
            continue
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            words = not labels.is_identifier(c)
            out[c] = col.astype(object).map(
                lambda v, words=words: None if labels.is_blank(v) else
                labels.category(v, lang) if words and isinstance(v, str) and labels.KEY.match(v) else v)
    out.columns = [labels.header(c, lang) for c in out.columns]
    return out


def _blank_text(v):
    return "" if isinstance(v, str) and v.strip().lower() in ("none", "nan", "nat", "<na>") else v


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells (and column names) are neutralised; lists become text."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(lambda v: neutralise("; ".join(map(str, v)) if isinstance(v, (list, tuple))
                                                  else _blank_text(v)))
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """`df` as UTF-8 (with BOM) CSV, formula-injection safe, without the index."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def write_csv(path: str, columns, batches) -> int:
    """Stream rows to a CSV file with the same rules as ``csv_bytes`` (UTF-8 with BOM, text cells and
    headers neutralised, numbers left as numbers), for results too big to hold as one frame.
    `batches` yields lists of row tuples; returns the number of rows written."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")  # RFC 4180; also makes the writer quote a cell holding a lone CR
        w.writerow([neutralise(str(c)) for c in columns])
        for batch in batches:
            w.writerows([neutralise("" if v is None else v) for v in row] for row in batch)
            n += len(batch)
    return n


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """`df` as an .xlsx workbook, formula-injection safe: text cells are neutralised and the
    writer is told never to turn strings into formulas, numbers or URLs."""
    import io

    buf = io.BytesIO()
    safe = safe_frame(df)
    for c in safe.columns:  # Excel has no time zones
        if isinstance(safe[c].dtype, pd.DatetimeTZDtype):
            safe[c] = safe[c].dt.tz_localize(None)
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}}) as xw:
        safe.to_excel(xw, index=False, sheet_name=sheet[:31] or "data")
    return buf.getvalue()
