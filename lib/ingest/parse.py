"""Value parsers for messy exports, as DuckDB macros (vectorised) plus their Python twins.

Every raw cell arrives as VARCHAR. ``install_macros(cur)`` defines TEMP macros on the import's
cursor; ``sql_value(column, raw_sql)`` gives the SQL expression that converts a raw cell to the
column's type, and ``sql_invalid`` the predicate that flags a non-blank cell that did not parse.

Accepted forms:
- blanks: '', null, none, nan, n/a, na, #n/a, unknown, -, --, 未知, 无, 無 (all become NULL);
- amounts: 1,234.50 · ¥1,234 · ￥1,234元 · RMB 12 · 1.2万 · 3亿 · (500) · -5 · 9.34E-05 · 12.5% (= 0.125);
- dates: 2026-09-30 · 2026/9/30 · 20260930 · 30-09-2026 · 30/09/2026 · 2026.9.30 · 2026年9月30日 ·
  with a time part · Excel serial numbers (10000–99999, 1900 date system); years 1900–2100 only;
- booleans: 1/0, y/n, yes/no, true/false, t/f, 是/否, 对/错, 有/无 (no/none are blanks only
  for non-boolean columns);
- categories are not parsed here: see mapping.value_map (synonyms from the schema + the user's map).

Invariant: the Python twins (``parse_amount``, ``parse_date``, ``parse_bool``) accept exactly the
same forms (tested), so previews agree with what the load writes.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

NULL_TOKENS = ("", "null", "none", "nan", "n/a", "na", "#n/a", "unknown", "-", "--", "未知", "无", "無", "空")
TRUE_TOKENS = ("1", "1.0", "y", "yes", "true", "t", "是", "对", "對", "有", "√")
FALSE_TOKENS = ("0", "0.0", "n", "no", "false", "f", "否", "错", "錯", "无", "無", "×")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d-%m-%Y", "%d/%m/%Y", "%Y.%m.%d", "%Y年%m月%d日",
                "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def macros() -> list[str]:
    nulls = _sql_list(NULL_TOKENS)
    bool_nulls = _sql_list([v for v in NULL_TOKENS if v not in FALSE_TOKENS])
    fmts = _sql_list(DATE_FORMATS)
    longest = max(len(v) for v in NULL_TOKENS)
    return [
        # blanks (the length test first: most cells are longer than any blank token)
        f"CREATE OR REPLACE TEMP MACRO qd_null(s) AS CASE WHEN s IS NULL THEN NULL WHEN length(trim(s)) <= {longest} "
        f"AND list_contains({nulls}, lower(trim(s))) THEN NULL ELSE trim(s) END",
        f"CREATE OR REPLACE TEMP MACRO qd_null_bool(s) AS CASE WHEN s IS NULL THEN NULL WHEN length(trim(s)) <= {longest} "
        f"AND list_contains({bool_nulls}, lower(trim(s))) THEN NULL ELSE trim(s) END",
        # amounts
        "CREATE OR REPLACE TEMP MACRO qd_num_clean(s) AS "
        "regexp_replace(upper(s), '[\\s,¥￥$€£元]|RMB|CNY', '', 'g')",
        "CREATE OR REPLACE TEMP MACRO qd_num_core(c) AS CASE "
        "WHEN c LIKE '%亿' THEN TRY_CAST(left(c, length(c) - 1) AS DOUBLE) * 1e8 "
        "WHEN c LIKE '%万' THEN TRY_CAST(left(c, length(c) - 1) AS DOUBLE) * 1e4 "
        "WHEN c LIKE '%\\%' ESCAPE '\\' THEN TRY_CAST(left(c, length(c) - 1) AS DOUBLE) / 100 "
        "WHEN regexp_matches(c, '^[+-]?(\\d+\\.?\\d*|\\.\\d+)(E[+-]?\\d+)?$') THEN TRY_CAST(c AS DOUBLE) "
        "ELSE NULL END",
        "CREATE OR REPLACE TEMP MACRO qd_amount_slow(s) AS list_transform([qd_num_clean(s)], lambda c: CASE "
        "WHEN regexp_matches(c, '^\\(.*\\)$') THEN -qd_num_core(substr(c, 2, length(c) - 2)) "
        "ELSE qd_num_core(c) END)[1]",
        # plain numbers take the fast cast; only odd forms go through the regex path
        "CREATE OR REPLACE TEMP MACRO qd_amount(s) AS CASE WHEN qd_null(s) IS NULL THEN NULL "
        "ELSE coalesce(TRY_CAST(s AS DOUBLE), TRY_CAST(replace(s, ',', '') AS DOUBLE), qd_amount_slow(s)) END",
        "CREATE OR REPLACE TEMP MACRO qd_int(s) AS list_transform([qd_amount(s)], lambda v: CASE WHEN v = round(v) "
        "AND abs(v) < 2147483647 THEN CAST(v AS INTEGER) ELSE NULL END)[1]",
        # dates: ISO takes the fast cast, other forms the format list; years 1900-2100 only
        "CREATE OR REPLACE TEMP MACRO qd_date_raw(s) AS CASE "
        f"WHEN s LIKE '____-%' OR s LIKE '____/%' THEN coalesce(TRY_CAST(s AS DATE), CAST(try_strptime(s, {fmts}) AS DATE)) "
        "WHEN regexp_matches(s, '^\\d{5}(\\.\\d+)?$') "
        "THEN DATE '1899-12-30' + CAST(floor(CAST(s AS DOUBLE)) AS INTEGER) "
        f"ELSE coalesce(TRY_CAST(s AS DATE), CAST(try_strptime(s, {fmts}) AS DATE)) END",
        "CREATE OR REPLACE TEMP MACRO qd_date(s) AS list_transform([qd_date_raw(qd_null(s))], lambda d: "
        "CASE WHEN year(d) BETWEEN 1900 AND 2100 THEN d ELSE NULL END)[1]",
        # booleans
        f"CREATE OR REPLACE TEMP MACRO qd_bool(s) AS CASE "
        f"WHEN list_contains({_sql_list(TRUE_TOKENS)}, lower(trim(s))) THEN TRUE "
        f"WHEN list_contains({_sql_list(FALSE_TOKENS)}, lower(trim(s))) THEN FALSE ELSE NULL END",
        # text: a '?' or U+FFFD inside a value usually means characters were lost in the export
        "CREATE OR REPLACE TEMP MACRO qd_mangled(s) AS (s LIKE '%?%' OR s LIKE '%\ufffd%')",
    ]


def install_macros(cur) -> None:
    for stmt in macros():
        cur.execute(stmt)


def blank_sql(col_type: str, raw: str) -> str:
    """SQL: the raw cell with blank tokens folded to NULL (booleans keep 无/no as FALSE)."""
    return f"qd_null_bool({raw})" if col_type == "BOOLEAN" else f"qd_null({raw})"


def sql_value(col_type: str, raw: str) -> str:
    """SQL expression converting the raw VARCHAR expression `raw` to `col_type`."""
    if col_type == "DOUBLE":
        return f"qd_amount({raw})"
    if col_type == "INTEGER":
        return f"qd_int({raw})"
    if col_type == "BIGINT":
        return f"CAST(qd_int({raw}) AS BIGINT)"
    if col_type == "DATE":
        return f"qd_date({raw})"
    if col_type == "BOOLEAN":
        return f"qd_bool(qd_null_bool({raw}))"
    return f"qd_null({raw})"


# ---------------------------------------------------------------- Python twins (previews, tests)
def _clean_num(s: str) -> str:
    return re.sub(r"[\s,¥￥$€£元]|RMB|CNY", "", s.upper())


def _num_core(c: str) -> float | None:
    try:
        if c.endswith("亿"):
            return float(c[:-1]) * 1e8
        if c.endswith("万"):
            return float(c[:-1]) * 1e4
        if c.endswith("%"):
            return float(c[:-1]) / 100
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(E[+-]?\d+)?", c):
            return float(c)
    except ValueError:
        return None
    return None


def is_blank(s) -> bool:
    return s is None or str(s).strip().lower() in NULL_TOKENS


def parse_amount(s) -> float | None:
    if is_blank(s):
        return None
    c = _clean_num(str(s))
    if re.fullmatch(r"\(.*\)", c):
        v = _num_core(c[1:-1])
        return None if v is None else -v
    return _num_core(c)


def parse_date(s) -> date | None:
    if is_blank(s):
        return None
    s = str(s).strip()
    d = None
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        d = date(1899, 12, 30) + timedelta(days=int(float(s)))
    else:
        for f in DATE_FORMATS:
            try:
                d = datetime.strptime(s, f).date()
                break
            except ValueError:
                continue
    return d if d is not None and 1900 <= d.year <= 2100 else None


def parse_bool(s) -> bool | None:
    v = str(s).strip().lower() if s is not None else ""
    if v in TRUE_TOKENS:
        return True
    if v in FALSE_TOKENS:
        return False
    return None


def preview_value(col_type: str, s):
    """The converted value of one raw cell for the mapping preview (None when blank/invalid)."""
    if col_type in ("DOUBLE",):
        return parse_amount(s)
    if col_type in ("INTEGER", "BIGINT"):
        v = parse_amount(s)
        return int(v) if v is not None and v == round(v) else None
    if col_type == "DATE":
        return parse_date(s)
    if col_type == "BOOLEAN":
        return parse_bool(s)
    return None if is_blank(s) else str(s).strip()
