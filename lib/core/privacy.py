"""Masking of personal data (the columns the data contract marks ``personal``).

Lists and downloads of customers go through ``mask_frame`` before they reach a page, so a
page cannot show a name by forgetting to hide a column. Masking is the default; a caller
passes ``allowed=True`` only when the viewer may see personal data (a page toggle today; roles
and projector mode later decide it).

Masks keep just enough to tell rows apart on a call list:
- names: the first character, the rest as ``*`` (``张**``, ``A****``);
- phone numbers: the first 3 and last 4 digits (``138****5678``);
- other personal values (ID numbers, …): the last 4 characters.
Missing values stay missing.
"""
from __future__ import annotations

import pandas as pd

from lib.core import schema

NAME_COLUMNS = ("customer_name", "party_name")
PHONE_COLUMNS = ("phone",)


def mask_name(value) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    if not s:
        return s
    return s[0] + "*" * min(max(len(s) - 1, 2), 6)


def mask_phone(value) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_other(value) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    s = str(value).strip()
    return "*" * max(len(s) - 4, 2) + s[-4:]


def mask_value(column: str, value) -> object:
    if column in NAME_COLUMNS:
        return mask_name(value)
    if column in PHONE_COLUMNS:
        return mask_phone(value)
    return mask_other(value)


def personal_columns(table_name: str) -> list[str]:
    return schema.table(table_name).personal


def mask_frame(df: pd.DataFrame, table_name: str, allowed: bool = False) -> pd.DataFrame:
    """A copy of `df` whose columns that are personal in `table_name` are masked, unless
    `allowed`. Columns not present in `df` are ignored."""
    out = df.copy()
    if allowed:
        return out
    for col in personal_columns(table_name):
        if col in out.columns:
            out[col] = out[col].map(lambda v, c=col: mask_value(c, v)).astype(object)
    return out
