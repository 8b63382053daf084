"""Value parsers for messy exports, as DuckDB macros (vectorised) plus their Python twins.

Every raw cell arrives as VARCHAR. ``install_macros(cur)`` defines TEMP macros on the import's
cursor; ``sql_value(column, raw_sql)`` gives the SQL expression that converts a raw cell to the
column's type, and ``sql_invalid`` the predicate that flags a non-blank cell that did not parse.

Accepted forms:
- blanks: '', null, none, nan, n/a, na, #n/a, unknown, -, --, 未知, 无, 無 (all become NULL);
- amounts: 1,234.50 · ¥1,234 · ￥1,234元 · RMB 12 · 1.2万 · 3亿 · (500) · -5 · 9.34E-05 · 12.5% (= 0.125) ·
  European 1.234.567,89 · decimal comma 12345,67; the decimal mark is decided per COLUMN from all its
  cells (``column_formats``), never per cell: an ambiguous 1,234 / 1.234 is rejected with its two
  readings unless the column (or the user) settles it; a header unit (万元, 千元) scales the column;
- dates: 2026-09-30 · 2026/9/30 · 20260930 · 30-09-2026 · 30/09/2026 · 2026.9.30 · 31.03.2026 · 2026年9月30日 ·
  930705 (YYMMDD, unless it also reads as YYYYMM like 200312: rejected) ·
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
from lib.core.i18n import t

NULL_TOKENS = ("", "null", "none", "nan", "n/a", "na", "#n/a", "unknown", "-", "--", "未知", "无", "無", "空")
TRUE_TOKENS = ("1", "1.0", "y", "yes", "true", "t", "是", "对", "對", "有", "√")
FALSE_TOKENS = ("0", "0.0", "n", "no", "false", "f", "否", "错", "錯", "无", "無", "×")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d-%m-%Y", "%d/%m/%Y", "%Y.%m.%d", "%d.%m.%Y", "%Y年%m月%d日",
                "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


# A cell's number class, from its digits and separators (currency, spaces, sign, 万/亿/% removed):
#   P plain digits · S scientific · AC 1,234 / AD 1.234 (ambiguous: grouping or decimal mark) ·
#   CG comma grouping 1,234,567 / 1,234.5 / 12,34,567 · EG dot grouping 1.234.567 / 1.234,5 ·
#   DD dot decimal 12.5 / 1234.567 · DC decimal comma 12,5 / 12345,67 · X not a number.
# The column's format (``decide_format``): "us" (1,234.56) when it has DD or CG cells, "eu" (1.234,56)
# when it has EG or DC cells, "mixed" when it has both, "unknown" when it has only ambiguous and plain
# cells, "plain" otherwise. Rule: an ambiguous cell takes the column's format; in an "unknown" column it
# is rejected (the user states the format), in a "mixed" column every cell with a separator is rejected.
# A cell that contradicts the column's format (12,5 in a "us" column) is rejected, never re-read.
AMBIGUOUS_RE = r"^\d{1,3}[.,]\d{3}$"
COMMA_GROUP_RE = r"^(\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})(\.\d*)?$"
DOT_GROUP_RE = r"^\d{1,3}(\.\d{3})+(,\d*)?$"
NUMBER_FORMATS = ("us", "eu")  # the formats a user can state for a column
FORMAT_LABEL = {"us": "1,234.56", "eu": "1.234,56"}


def _sql_str(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


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
        # number format of a cell (see NUMBER_CLASSES); the column's format is decided from all its cells
        "CREATE OR REPLACE TEMP MACRO qd_num_class_slow(s) AS list_transform([regexp_replace(upper(s), '[^0-9.,E]', '', 'g')], "
        "lambda c: CASE WHEN s IS NULL THEN NULL WHEN NOT (contains(c, ',') OR contains(c, '.')) THEN 'P' "
        "WHEN contains(c, 'E') THEN 'S' "
        f"WHEN regexp_matches(c, {_sql_str(AMBIGUOUS_RE)}) THEN CASE WHEN contains(c, ',') THEN 'AC' ELSE 'AD' END "
        f"WHEN regexp_matches(c, {_sql_str(COMMA_GROUP_RE)}) THEN 'CG' "
        f"WHEN regexp_matches(c, {_sql_str(DOT_GROUP_RE)}) THEN 'EG' "
        "WHEN regexp_matches(c, '^\\d*\\.\\d*$') THEN 'DD' "
        "WHEN regexp_matches(c, '^\\d*,\\d*$') THEN 'DC' ELSE 'X' END)[1]",
        # fast path: a cell that casts as a plain decimal is P, AD (1.234) or DD, told by where its dot is
        "CREATE OR REPLACE TEMP MACRO qd_num_class(s) AS CASE WHEN s IS NULL THEN NULL "
        "WHEN regexp_full_match(s, '\\s*[+-]?\\d*\\.?\\d*\\s*') THEN list_transform([ltrim(trim(s), '+-')], lambda c: "
        "CASE WHEN NOT contains(c, '.') THEN 'P' WHEN instr(c, '.') BETWEEN 2 AND 4 AND length(c) - instr(c, '.') = 3 "
        "THEN 'AD' ELSE 'DD' END)[1] ELSE qd_num_class_slow(s) END",
        # the two readings of an ambiguous cell, for the reason text
        "CREATE OR REPLACE TEMP MACRO qd_num_readings(s) AS CASE WHEN contains(s, ',') "
        "THEN replace(trim(s), ',', '') || ' / ' || replace(trim(s), ',', '.') "
        "ELSE trim(s) || ' / ' || replace(trim(s), '.', '') END",
        # dates: ISO takes the fast cast, other forms the format list; years 1900-2100 only
        "CREATE OR REPLACE TEMP MACRO qd_date_raw(s) AS CASE "
        f"WHEN s LIKE '____-%' OR s LIKE '____/%' THEN coalesce(TRY_CAST(s AS DATE), CAST(try_strptime(s, {fmts}) AS DATE)) "
        "WHEN regexp_matches(s, '^\\d{5}(\\.\\d+)?$') "
        "THEN DATE '1899-12-30' + CAST(floor(CAST(s AS DOUBLE)) AS INTEGER) "
        # six digits: YYMMDD (930705), unless it also reads as YYYYMM (200312): then it is no date
        "WHEN regexp_matches(s, '^\\d{6}$') THEN CASE WHEN substr(s, 1, 4) BETWEEN '1900' AND '2100' "
        "AND substr(s, 5, 2) BETWEEN '01' AND '12' THEN NULL ELSE CAST(try_strptime(s, '%y%m%d') AS DATE) END "
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


def decide_format(classes, declared: str | None = None) -> str:
    """The number format of a column from the set of its cells' classes (or the user's statement)."""
    if declared in NUMBER_FORMATS:
        return declared
    classes = set(classes)
    us, eu = bool(classes & {"DD", "CG"}), bool(classes & {"EG", "DC"})
    if us and eu:
        return "mixed"
    if us or eu:
        return "us" if us else "eu"
    return "unknown" if classes & {"AC", "AD"} else "plain"


def column_formats(cur, raws: dict[str, str], declared: dict[str, str] | None = None,
                   source: str = "qd_raw r") -> dict[str, str]:
    """Number format of each numeric column {name: raw SQL}, decided in one pass over the whole file."""
    declared = declared or {}
    todo = [n for n in raws if n not in declared]
    out = {n: decide_format((), declared[n]) for n in raws if n in declared}
    if todo:
        sel = ", ".join(f"list(DISTINCT qd_num_class(qd_null({raws[n]})))" for n in todo)
        row = cur.execute(f"SELECT {sel} FROM {source}").fetchone()
        for n, classes in zip(todo, row):
            out[n] = decide_format([c for c in classes or [] if c])
    return out


def amount_sql(raw: str, fmt: str = "plain", scale: float = 1) -> str:
    """SQL: the raw cell as a DOUBLE under the column's number format (NULL when it cannot be read)."""
    cls = f"qd_num_class({raw})"
    if fmt == "eu":
        expr = (f"CASE WHEN {cls} IN ('CG', 'DD') THEN NULL WHEN {cls} = 'S' THEN qd_amount({raw}) "
                f"ELSE qd_amount(replace(replace({raw}, '.', ''), ',', '.')) END")
    elif fmt == "unknown":
        expr = (f"CASE WHEN {cls} IN ('AC', 'AD') THEN NULL WHEN contains({raw}, ',') AND {cls} IN ('DC', 'EG') "
                f"THEN NULL ELSE qd_amount({raw}) END")
    elif fmt == "mixed":
        expr = f"CASE WHEN {cls} IN ('P', 'S') THEN qd_amount({raw}) ELSE NULL END"
    else:  # us / plain: commas are grouping; a cell with a decimal comma is not re-read as grouping
        expr = (f"CASE WHEN contains({raw}, ',') AND {cls} IN ('DC', 'EG') THEN NULL "
                f"ELSE qd_amount({raw}) END")
    return expr if scale == 1 else f"(({expr}) * {float(scale)!r})"


def number_issue_sql(raw: str, fmt: str) -> tuple[str, str]:
    """SQL (code, detail) for a numeric cell that did not convert, under the column's format."""
    cls = f"qd_num_class({raw})"
    if fmt == "unknown":
        return (f"CASE WHEN {cls} IN ('AC', 'AD') THEN 'ambiguous_number' ELSE 'bad_number' END",
                f"CASE WHEN {cls} IN ('AC', 'AD') THEN qd_num_readings({raw}) END")
    if fmt == "mixed":
        return f"CASE WHEN {cls} NOT IN ('P', 'S', 'X') THEN 'mixed_number' ELSE 'bad_number' END", "NULL"
    if fmt in NUMBER_FORMATS:
        other = "eu" if fmt == "us" else "us"
        wrong = "('DC', 'EG')" if fmt == "us" else "('CG', 'DD')"
        return (f"CASE WHEN {cls} IN {wrong} THEN 'wrong_format' ELSE 'bad_number' END",
                f"CASE WHEN {cls} IN {wrong} THEN '{FORMAT_LABEL[fmt]}' END")
    return "'bad_number'", "NULL"


def install_macros(cur) -> None:
    for stmt in macros():
        cur.execute(stmt)


def blank_sql(col_type: str, raw: str) -> str:
    """SQL: the raw cell with blank tokens folded to NULL (booleans keep 无/no as FALSE)."""
    return f"qd_null_bool({raw})" if col_type == "BOOLEAN" else f"qd_null({raw})"


def sql_value(col_type: str, raw: str, fmt: str = "plain", scale: float = 1) -> str:
    """SQL expression converting the raw VARCHAR expression `raw` to `col_type` (numbers under the
    column's number format `fmt` and multiplied by `scale`, the unit stated in the header)."""
    if col_type == "DOUBLE":
        return amount_sql(raw, fmt, scale)
    if col_type in ("INTEGER", "BIGINT"):
        v = amount_sql(raw, fmt, scale)
        i = (f"list_transform([{v}], lambda v: CASE WHEN v = round(v) AND abs(v) < 2147483647 "
             f"THEN CAST(v AS INTEGER) ELSE NULL END)[1]")
        return i if col_type == "INTEGER" else f"CAST({i} AS BIGINT)"
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


def number_class(s) -> str | None:
    """Python twin of qd_num_class (see NUMBER_CLASSES above)."""
    if is_blank(s):
        return None
    c = re.sub(r"[^0-9.,E]", "", str(s).upper())
    if "," not in c and "." not in c:
        return "P"
    if "E" in c:
        return "S"
    if re.search(AMBIGUOUS_RE, c):
        return "AC" if "," in c else "AD"
    if re.search(COMMA_GROUP_RE, c):
        return "CG"
    if re.search(DOT_GROUP_RE, c):
        return "EG"
    if re.fullmatch(r"\d*\.\d*", c):
        return "DD"
    if re.fullmatch(r"\d*,\d*", c):
        return "DC"
    return "X"


def parse_amount(s, fmt: str = "plain") -> float | None:
    """Python twin of amount_sql: one cell under its column's number format."""
    if is_blank(s):
        return None
    s = str(s).strip()
    cls = number_class(s)
    if fmt == "eu":
        if cls in ("CG", "DD"):
            return None
        if cls != "S":
            s = s.replace(".", "").replace(",", ".")
    elif fmt == "unknown" and cls in ("AC", "AD"):
        return None
    elif fmt == "mixed" and cls not in ("P", "S"):
        return None
    elif fmt != "eu" and "," in s and cls in ("DC", "EG"):
        return None
    return _amount_core(s)


def _amount_core(s: str) -> float | None:
    c = _clean_num(s)
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
    elif re.fullmatch(r"\d{6}", s):
        if "1900" <= s[:4] <= "2100" and "01" <= s[4:] <= "12":
            return None  # YYMMDD or YYYYMM: not a date without more to go on
        try:
            d = datetime.strptime(s, "%y%m%d").date()
        except ValueError:
            return None
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


def sample_format(values, declared: str | None = None) -> str:
    """Python twin of column_formats for the cells at hand (previews)."""
    return decide_format({number_class(v) for v in values} - {None}, declared)


def preview_value(col_type: str, s, fmt: str = "plain", scale: float = 1):
    """The converted value of one raw cell for the mapping preview (None when blank/invalid)."""
    if col_type in ("DOUBLE",):
        v = parse_amount(s, fmt)
        return v if v is None or scale == 1 else v * scale
    if col_type in ("INTEGER", "BIGINT"):
        v = parse_amount(s, fmt)
        v = v if v is None or scale == 1 else v * scale
        return int(v) if v is not None and v == round(v) else None
    if col_type == "DATE":
        return parse_date(s)
    if col_type == "BOOLEAN":
        return parse_bool(s)
    return None if is_blank(s) else str(s).strip()


def prepare_columns(cur, cols: dict, plan, src, rep, lang: str = "en") -> None:
    """Before staging one table of an import: decide each numeric column's number format from ALL its
    cells (sets ``fmt`` on the load's column objects), build the branch name -> code lookup
    (``qd_branch_names``: names that are unique and not also a code) and add the file-level notes to
    the report (units read from headers, European formats, duplicated headers)."""
    cur.execute("CREATE OR REPLACE TEMP TABLE qd_branch_names AS SELECT branch_name AS name, min(branch_id) AS id "
                "FROM branches WHERE branch_name IS NOT NULL AND branch_name NOT IN "
                "(SELECT branch_id FROM branches WHERE branch_id IS NOT NULL) GROUP BY branch_name HAVING count(*) = 1")
    nums = {n: rc.raw for n, rc in cols.items()
            if rc.col.type in ("DOUBLE", "INTEGER", "BIGINT") and not rc.col.categories and rc.header in plan.columns}
    notes = [t(k, lang, **kw) for k, kw in getattr(src, "notes", [])]
    fmts = column_formats(cur, nums, plan.number_formats)
    # an ambiguous column (only 1,234-like values) takes the format its file shows elsewhere: the other
    # number columns when they agree, else the Chinese convention when the headers are Chinese; said in
    # the report. Without either it stays "unknown" and its ambiguous cells are rejected.
    settled = {f for f in fmts.values() if f in NUMBER_FORMATS}
    cjk = any(re.search(r"[\u3400-\u9fff]", h) for h in src.headers)
    for name, fmt in list(fmts.items()):
        if fmt != "unknown":
            continue
        if len(settled) == 1:
            fmts[name] = next(iter(settled))
            notes.append(t("ingest.note.format_from_file", lang, file=src.file_name, header=cols[name].header,
                           format=FORMAT_LABEL[fmts[name]]))
        elif not settled and cjk:
            fmts[name] = "us"
            notes.append(t("ingest.note.format_from_language", lang, file=src.file_name, header=cols[name].header))
    for name, fmt in fmts.items():
        cols[name].fmt = fmt
        if fmt == "eu":
            notes.append(t("ingest.note.number_format", lang, file=src.file_name, header=cols[name].header,
                           format=FORMAT_LABEL["eu"]))
    for name, rc in cols.items():
        if rc.scale != 1:
            notes.append(t("ingest.note.unit", lang, file=src.file_name, header=rc.header, factor=f"{rc.scale:,.0f}"))
    rep.notes.extend(n for n in notes if n not in rep.notes)
