"""Validate, stage and load one file in one transaction; import history and undo.

``run_import(db, source, plan)`` does, inside a single ``db.transaction()``:
1. stage the file's cells as VARCHAR in a temp table (DuckDB ``read_csv``/``read_parquet``,
   streamed; malformed lines are caught by ``store_rejects`` with their line numbers);
2. skip blank rows, totals rows (合计/总计/Total...) and note rows below the data (reported,
   not counted as read);
3. convert every mapped column in SQL (lib.ingest.parse macros) and collect issues: errors
   reject the row (missing required value, unparseable value, unknown category, duplicate key
   in the file, malformed line), warnings do not (foreign key not found, characters lost to '?');
4. upsert by the table's key: new keys are inserted, changed rows replaced, identical rows left
   alone; columns the file lacks keep their stored values;
5. save the prior version of every replaced row in ``qd_undo_<table>`` and one row in
   ``qd_imports`` (+ ``qd_import_details``), remember the mapping, bump the data version.
A dry run does all of it and rolls back, so the preview counts are the real ones.

``undo_import(db, import_id)`` deletes the rows the import wrote and puts back the rows it
replaced, in one transaction; it refuses when a later import changed the same rows.

Invariants: rows_read = inserted + updated + unchanged + rejected; on any exception the
database is exactly as before (the transaction rolls back).
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime

from lib.core import export
from lib.core import schema
from lib.core.i18n import t
from lib.ingest import detect, parse
from lib.ingest.errors import IngestError
from lib.ingest.mapping import EXTRA, WIDE_TABLE, Plan, check_required, save as save_mapping, value_map
from lib.pdca import ledger
from lib.core import auth
from lib.core import audit

DETAILS_DDL = ("CREATE TABLE IF NOT EXISTS qd_import_details (import_id BIGINT PRIMARY KEY, parent_id BIGINT, "
               "kind VARCHAR, encoding VARCHAR, delimiter VARCHAR, header_line BIGINT, sheet VARCHAR, "
               "plan_json VARCHAR, rows_skipped BIGINT, warnings BIGINT)")
ISSUE_LIMIT = 1000
TOTALS_RE = r"^\s*(合计|合計|总计|總計|小计|小計|共计|共計)|^\s*(grand total|subtotal|totals?|sum)\b"
MAX_LINE = 16 * 1024 * 1024


def max_upload_bytes() -> int:
    """Largest file accepted (QUARTERDECK_MAX_UPLOAD_MB, default 1024 MB)."""
    return int(float(os.environ.get("QUARTERDECK_MAX_UPLOAD_MB", "1024")) * 1024 * 1024)


@dataclass
class Issue:
    row: int | None
    column: str
    value: str | None
    reason: str
    severity: str  # error | warning
    code: str


@dataclass
class Report:
    file_name: str
    table: str
    size: int = 0
    checksum: str = ""
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    import_id: int | None = None
    dry_run: bool = False
    issues: list[Issue] = field(default_factory=list)
    issue_counts: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejects_path: str | None = None
    parts: list["Report"] = field(default_factory=list)
    seconds: float = 0.0
    plan: Plan | None = None  # the plan this report was made with: a load from a report reuses it

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary_line(self) -> str:
        return (f"{self.file_name} table={self.table} read={self.rows_read} inserted={self.inserted} "
                f"updated={self.updated} unchanged={self.unchanged} rejected={self.rejected} "
                f"import_id={self.import_id if self.import_id is not None else '-'}")


class _DryRun(Exception):
    pass


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


# ---------------------------------------------------------------- staging
def _stage_raw(cur, src: detect.Source, lang: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Create temp table qd_raw(_row, c0..cN) with the file's cells; returns the SQL of the
    row-number expression and the malformed lines [(line, text, error)]."""
    cols = [f"c{i}" for i in range(src.width)]
    if src.kind == "parquet":
        sel = ", ".join(f"CAST({_q(h)} AS VARCHAR) AS c{i}" for i, h in enumerate(_parquet_names(cur, src)))
        cur.execute(f"CREATE OR REPLACE TEMP TABLE qd_raw AS SELECT row_number() OVER () AS _row, * FROM "
                    f"(SELECT {sel} FROM read_parquet({_lit(src.data_path)}))")
        return "rowid + 1", []
    path = src.data_path
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
    cur.execute(
        f"CREATE OR REPLACE TEMP TABLE qd_raw AS SELECT {src.header_line + 2} + row_number() OVER () - 1 AS _row, * "
        f"FROM read_csv({_lit(path)}, header = false, "
        f"skip = {src.header_line + 1}, delim = {_lit(src.delimiter)}, quote = '\"', escape = '\"', "
        f"columns = {spec}, auto_detect = false, null_padding = true, parallel = false, store_rejects = true, "
        f"rejects_table = 'qd_rej', rejects_scan = 'qd_rej_scan', max_line_size = {MAX_LINE})")
    bad = cur.execute("SELECT line, any_value(csv_line), any_value(error_type::VARCHAR) FROM qd_rej "
                      "GROUP BY line ORDER BY line").fetchall()
    cur.execute("DROP TABLE IF EXISTS qd_rej")
    cur.execute("DROP TABLE IF EXISTS qd_rej_scan")
    total, blanks = detect.count_lines(path)
    first = src.header_line + 2  # 1-based line of the first data line
    excluded = sorted({b + 1 for b in blanks if b + 1 >= first} | {int(b[0]) for b in bad})
    n = cur.execute("SELECT count(*) FROM qd_raw").fetchone()[0]
    if n + len(excluded) != total - (first - 1):
        excluded = sorted(int(b[0]) for b in bad)  # multi-line quoted cells: approximate
    if excluded:
        # record k sits on line first + k + (number of excluded lines before it)
        slots = {}
        for j, e in enumerate(excluded):
            slots[e - first - j] = j + 1
        cur.execute("CREATE OR REPLACE TEMP TABLE qd_excl (s BIGINT, cnt BIGINT)")
        cur.executemany("INSERT INTO qd_excl VALUES (?, ?)", list(slots.items()))
        cur.execute(f"CREATE OR REPLACE TEMP TABLE qd_fix AS SELECT r._row AS old, r._row + x.cnt AS new "
                    f"FROM qd_raw r ASOF JOIN qd_excl x ON r._row - {first} >= x.s")
        cur.execute("UPDATE qd_raw SET _row = f.new FROM qd_fix f WHERE qd_raw._row = f.old")
        cur.execute("DROP TABLE qd_fix")
    return "", [(int(b[0]), b[1], b[2]) for b in bad]


def _parquet_names(cur, src) -> list[str]:
    rows = cur.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(src.data_path)})").fetchall()
    return [r[0] for r in rows]


def _mark_skipped(cur, src: detect.Source) -> list[tuple[int, str]]:
    """Blank rows, totals rows and note rows below the data: listed, not loaded, not counted."""
    probe = [f"c{i}" for i in range(min(src.width, 50))]
    nonempty = " + ".join(f"(CASE WHEN trim(coalesce({c}, '')) <> '' THEN 1 ELSE 0 END)" for c in probe) or "0"
    first_cell = "coalesce(" + ", ".join(f"nullif(trim({c}), '')" for c in probe[:5]) + ", '')" if probe else "''"
    cur.execute(f"CREATE OR REPLACE TEMP TABLE qd_shape AS SELECT _row, {nonempty} AS n, {first_cell} AS f FROM qd_raw")
    last_data = cur.execute("SELECT coalesce(max(_row), 0) FROM qd_shape WHERE n >= 2").fetchone()[0]
    note_rule = f"(n = 1 AND _row > {last_data} AND {src.width} >= 3)"
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE qd_skip AS SELECT _row, CASE "
        "WHEN n = 0 THEN 'blank' "
        f"WHEN regexp_matches(lower(f), {_lit(TOTALS_RE)}) THEN 'totals' "
        f"WHEN {note_rule} THEN 'note' END AS why FROM qd_shape "
        f"WHERE n = 0 OR regexp_matches(lower(f), {_lit(TOTALS_RE)}) OR {note_rule}")
    cur.execute("DELETE FROM qd_raw WHERE _row IN (SELECT _row FROM qd_skip)")
    return [(int(r), w) for r, w in cur.execute("SELECT _row, why FROM qd_skip ORDER BY _row").fetchall()]


# ---------------------------------------------------------------- one table
@dataclass
class _Col:
    col: schema.Column
    raw: str          # SQL expression of the raw cell (VARCHAR)
    header: str       # what the user calls it (file header or "constant")
    fmt: str = "plain"  # number format of the whole column (parse.column_formats)
    scale: float = 1    # unit stated in the header (万元: 10000)


def _resolve(src: detect.Source, plan: Plan, tbl: schema.Table) -> dict[str, _Col]:
    pos = {h: i for i, h in enumerate(src.headers)}
    out: dict[str, _Col] = {}
    stem = os.path.splitext(src.file_name)[0]
    for c in tbl.columns:
        h = plan.target_of(c.name)
        if h is not None:
            raw = f"r.c{pos[h]}"
            if c.default is not None:
                raw = f"coalesce(qd_null({raw}), {_lit(c.default)})"
            if c.references == "branches.branch_id":  # a branch name where a code is expected: its code
                raw = f"coalesce((SELECT n.id FROM qd_branch_names n WHERE n.name = trim({raw})), {raw})"
            out[c.name] = _Col(c, raw, h, scale=plan.scales.get(h, 1))
        elif c.name in plan.constants:
            out[c.name] = _Col(c, _lit(plan.constants[c.name]), c.name)
        elif plan.surrogate_key and c.name in tbl.key and len(tbl.key) == 1:
            out[c.name] = _Col(c, f"({_lit(stem + '-')} || r._row::VARCHAR)", c.name)
        elif c.default is not None:
            out[c.name] = _Col(c, _lit(c.default), c.name)
    check_required(plan, src)  # every missing column in one error
    return out


def _category_tables(cur, cols: dict[str, _Col], plan: Plan) -> dict[str, list[tuple[str, int]]]:
    """qd_cat_<col>(raw, canon) per category column; returns unknown values with counts."""
    unknown = {}
    for name, rc in cols.items():
        if not rc.col.categories:
            continue
        vals = cur.execute(f"SELECT qd_null({rc.raw}) AS v, count(*) FROM qd_raw r WHERE v IS NOT NULL "
                           f"GROUP BY v ORDER BY count(*) DESC LIMIT 100000").fetchall()
        vm = value_map(rc.col, [v for v, _ in vals], plan.values.get(name))
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {_q('qd_cat_' + name)} (raw VARCHAR, canon VARCHAR)")
        if vm:
            cur.executemany(f"INSERT INTO {_q('qd_cat_' + name)} VALUES (?, ?)", list(vm.items()))
        bad = [(v, int(n)) for v, n in vals if vm.get(v) is None]
        if bad:
            unknown[name] = bad
    return unknown


def _stage_typed(cur, cols: dict[str, _Col], extras: list[tuple[str, int]], only_rows: str | None) -> None:
    """qd_stg: per row, each column blank-folded (r_) and converted (v_). A text column's value is
    its blank-folded cell, so it is stored once and qd_stg (a view) shows it under both names."""
    sel, joins, same = ["r._row"], [], []
    for name, rc in cols.items():
        raw = rc.raw
        blank = parse.blank_sql(rc.col.type, raw)
        sel.append(f"{blank} AS {_q('r_' + name)}")
        if rc.col.categories:
            alias = f"k{len(joins)}"
            joins.append(f"LEFT JOIN {_q('qd_cat_' + name)} {alias} ON {alias}.raw = {blank}")
            sel.append(f"{alias}.canon AS {_q('v_' + name)}")
        elif parse.sql_value(rc.col.type, raw) == blank:
            same.append(name)
        else:
            sel.append(f"{parse.sql_value(rc.col.type, raw, rc.fmt, rc.scale)} AS {_q('v_' + name)}")
    if extras:  # extra attributes keep their text ("Unknown" stays); only empty cells are left out
        items = ", ".join(f"{{'k': {_lit(h)}, 'v': nullif(trim(r.c{i}), '')}}" for h, i in extras)
        sel.append(f"map_from_entries(list_filter([{items}], lambda x: x.v IS NOT NULL)) AS _extra")
    where = f"WHERE r._row NOT IN (SELECT _row FROM {only_rows})" if only_rows else ""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE qd_stg_t AS SELECT {', '.join(sel)} FROM qd_raw r "
                f"{' '.join(joins)} {where}")
    alias = "".join(f", {_q('r_' + n)} AS {_q('v_' + n)}" for n in same)
    cur.execute(f"CREATE OR REPLACE TEMP VIEW qd_stg AS SELECT *{alias} FROM qd_stg_t")


# how a row of each table finds its branch, tried in order: (column, table it points to or None)
BRANCH_LINKS = {
    "customers": (("branch_id", None),),
    "staff": (("branch_id", None),),
    "balances": (("customer_id", "customers"),),
    "sales": (("customer_id", "customers"), ("rm_id", "staff")),
    "leads": (("customer_id", "customers"),),
    "activities": (("customer_id", "customers"), ("rm_id", "staff")),
    "referrals": (("customer_id", "customers"), ("from_rm_id", "staff")),
    "assessments": (("rm_id", "staff"),),
    "surveys": (("customer_id", "customers"),),
}


def _branch_sql(tbl_name: str, value_of, prefix: str) -> tuple[str, list[str]]:
    """SQL of a row's branch (its own branch column, else its customer's, else its RM's) and the
    joins it needs; `value_of(column)` is the SQL of that column's value in the row."""
    joins, branch = [], []
    for i, (c, target) in enumerate(BRANCH_LINKS[tbl_name]):
        if target is None:
            branch.append(value_of(c))
        else:
            key = "customer_id" if target == "customers" else "rm_id"
            alias = f"{prefix}{i}"
            joins.append(f"LEFT JOIN {target} {alias} ON {alias}.{key} = {value_of(c)}")
            branch.append(f"{alias}.branch_id")
    return (branch[0] if len(branch) == 1 else "coalesce(" + ", ".join(branch) + ")"), joins


def _scope_issues(cur, tbl: schema.Table, cols: dict[str, _Col], scope) -> None:
    """Rows outside the uploader's scope are rejected, checked on the row as it will be stored
    (a column the file lacks keeps its stored value) and, for an update, on the stored row it
    replaces: a scoped uploader may neither write into nor take over another branch's rows."""
    links = BRANCH_LINKS[tbl.name]
    on = " AND ".join(f"t.{_q(k)} = s.{_q('v_' + k)}" for k in tbl.key)

    def after(c):
        return f"s.{_q('v_' + c)}" if c in cols else f"t.{_q(c)}"

    def before(c):
        return f"t.{_q(c)}"

    br_new, j_new = _branch_sql(tbl.name, after, "jn")
    br_old, j_old = _branch_sql(tbl.name, before, "jo")
    shown = next((c for c, _ in links if c in cols), links[0][0])
    header = cols[shown].header if shown in cols else shown
    value = "coalesce(" + ", ".join(after(c) for c, _ in links) + ")"
    key_txt = " || ' / ' || ".join(f"CAST(s.{_q('v_' + k)} AS VARCHAR)" for k in tbl.key)
    inside, params = scope.branch_filter("br", "up")
    inside_old, _ = scope.branch_filter("obr", "up")
    cur.execute(f"""
        INSERT INTO qd_issues
        SELECT _row,
               CASE WHEN old_out THEN {_lit(cols[tbl.key[0]].header)} ELSE {_lit(header)} END,
               CASE WHEN old_out THEN key_txt ELSE val END,
               CASE WHEN old_out AND obr IS NULL THEN 'stored_no_branch' WHEN old_out THEN 'stored_out_of_scope'
                    WHEN br IS NULL THEN 'no_branch' ELSE 'out_of_scope' END,
               'error', CASE WHEN old_out THEN obr ELSE br END FROM (
          SELECT *, existed AND (obr IS NULL OR NOT ({inside_old})) AS old_out FROM (
            SELECT s._row, {value} AS val, {key_txt} AS key_txt, {br_new} AS br, {br_old} AS obr,
                   t.{_q(tbl.key[0])} IS NOT NULL AS existed
            FROM qd_stg s LEFT JOIN {_q(tbl.name)} t ON {on} {' '.join(j_new)} {' '.join(j_old)}
            WHERE s._row NOT IN (SELECT _row FROM qd_issues WHERE sev = 'error')))
        WHERE old_out OR br IS NULL OR NOT ({inside})""", params)


def _collect_issues(cur, tbl: schema.Table, cols: dict[str, _Col], bad_lines, lang: str, scope=None) -> None:
    cur.execute("CREATE OR REPLACE TEMP TABLE qd_issues (_row BIGINT, col VARCHAR, val VARCHAR, code VARCHAR, "
                "sev VARCHAR, detail VARCHAR)")
    for name, rc in cols.items():
        r, v, c = _q("r_" + name), _q("v_" + name), rc.col
        hdr = _lit(rc.header)
        if c.required or name in tbl.key:
            cur.execute(f"INSERT INTO qd_issues SELECT _row, {hdr}, NULL, 'missing', 'error', NULL "
                        f"FROM qd_stg WHERE {r} IS NULL")
        code = ("unknown_category" if c.categories else "bad_date" if c.type == "DATE"
                else "bad_bool" if c.type == "BOOLEAN" else "bad_number" if c.type in ("DOUBLE", "INTEGER", "BIGINT")
                else None)
        if code:
            code_sql, detail = (parse.number_issue_sql(r, rc.fmt) if code == "bad_number" else (f"'{code}'", "NULL"))
            cur.execute(f"INSERT INTO qd_issues SELECT _row, {hdr}, {r}, {code_sql}, 'error', {detail} "
                        f"FROM qd_stg WHERE {r} IS NOT NULL AND {v} IS NULL")
        elif c.type == "VARCHAR":
            cur.execute(f"INSERT INTO qd_issues SELECT _row, {hdr}, {r}, 'mangled', 'warning', NULL "
                        f"FROM qd_stg WHERE qd_mangled({r})")
    key_v = [_q("v_" + k) for k in tbl.key]
    key_txt = " || ' / ' || ".join(f"CAST({k} AS VARCHAR)" for k in key_v)
    cur.execute(
        f"INSERT INTO qd_issues SELECT _row, {_lit(cols[tbl.key[0]].header)}, {key_txt}, 'duplicate', 'error', "
        f"CAST(first_row AS VARCHAR) FROM (SELECT _row, {', '.join(key_v)}, "
        f"row_number() OVER (PARTITION BY {', '.join(key_v)} ORDER BY _row) AS k, "
        f"min(_row) OVER (PARTITION BY {', '.join(key_v)}) AS first_row FROM qd_stg "
        f"WHERE {' AND '.join(k + ' IS NOT NULL' for k in key_v)} "
        f"AND _row NOT IN (SELECT _row FROM qd_issues WHERE sev = 'error')) WHERE k > 1")
    for name, rc in cols.items():
        if not rc.col.references:
            continue
        rt, rcol = rc.col.references.split(".")
        v = _q("v_" + name)
        same = f" AND {v} NOT IN (SELECT {_q('v_' + rcol)} FROM qd_stg WHERE {_q('v_' + rcol)} IS NOT NULL)" \
            if rt == tbl.name else ""
        cur.execute(f"INSERT INTO qd_issues SELECT _row, {_lit(rc.header)}, {v}, 'fk', 'warning', {_lit(rt)} "
                    f"FROM qd_stg s WHERE {v} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {_q(rt)} x WHERE x.{_q(rcol)} = s.{v}){same}")
    if scope is not None and not scope.is_whole_bank:
        _scope_issues(cur, tbl, cols, scope)
    if bad_lines:
        cur.executemany("INSERT INTO qd_issues VALUES (?, '', ?, 'bad_line', 'error', ?)",
                        [(ln, (txt or "")[:200], err) for ln, txt, err in bad_lines])
    codes = ["missing", "unknown_category", "bad_date", "bad_bool", "bad_number", "ambiguous_number",
             "mixed_number", "wrong_format", "mangled", "duplicate", "fk",
             "bad_line", "out_of_scope", "no_branch", "stored_out_of_scope", "stored_no_branch"]
    cur.execute("CREATE OR REPLACE TEMP TABLE qd_reason (code VARCHAR, template VARCHAR)")
    cur.executemany("INSERT INTO qd_reason VALUES (?, ?)",
                    [(c, t(f"ingest.reason.{c}", lang, column="{column}", value="{value}", detail="{detail}"))
                     for c in codes])
    cur.execute("CREATE OR REPLACE TEMP VIEW qd_issue_text AS SELECT i._row, i.col, i.val, i.sev, i.code, "
                "replace(replace(replace(r.template, '{column}', coalesce(i.col, '')), '{value}', "
                "coalesce(left(i.val, 100), '')), '{detail}', coalesce(i.detail, '')) AS reason "
                "FROM qd_issues i JOIN qd_reason r USING (code)")


def _upsert(cur, tbl: schema.Table, cols: dict[str, _Col], keep_extra: bool, import_id: int) -> tuple[int, int, int]:
    """Merge valid staged rows into the table; returns (inserted, updated, unchanged)."""
    k0 = _q(tbl.key[0])
    on = " AND ".join(f"t.{_q(k)} = i.{_q('v_' + k)}" for k in tbl.key)
    sel, diffs = [], []
    for c in tbl.columns:
        if c.name in cols:
            sel.append(f"i.{_q('v_' + c.name)} AS {_q(c.name)}")
            if c.name not in tbl.key:
                diffs.append(f"t.{_q(c.name)} IS DISTINCT FROM i.{_q('v_' + c.name)}")
        else:
            sel.append(f"t.{_q(c.name)} AS {_q(c.name)}")
    has_extra = keep_extra and "_extra" in _columns(cur, "qd_stg")
    if has_extra:
        merged = ("CASE WHEN cardinality(i._extra) = 0 THEN t.extra_attrs "
                  "ELSE map_concat(coalesce(t.extra_attrs, MAP {}::MAP(VARCHAR, VARCHAR)), i._extra) END")
        sel.append(f"{merged} AS extra_attrs")
        diffs.append(f"t.extra_attrs IS DISTINCT FROM ({merged})")
    else:
        sel.append("t.extra_attrs AS extra_attrs")
    state = (f"CASE WHEN t.{k0} IS NULL THEN 'insert' WHEN {' OR '.join(diffs) or 'FALSE'} "
             f"THEN 'update' ELSE 'same' END AS _state")
    cur.execute(f"CREATE OR REPLACE TEMP TABLE qd_merge AS SELECT {', '.join(sel)}, {state} "
                f"FROM qd_stg i LEFT JOIN {_q(tbl.name)} t ON {on} "
                f"WHERE i._row NOT IN (SELECT _row FROM qd_issues WHERE sev = 'error')")
    counts = dict(cur.execute("SELECT _state, count(*) FROM qd_merge GROUP BY _state").fetchall())
    ins, upd, same = counts.get("insert", 0), counts.get("update", 0), counts.get("same", 0)
    undo = _q("qd_undo_" + tbl.name)
    _ensure_undo_table(cur, tbl)
    key_match = " AND ".join(f"x.{_q(k)} = m.{_q(k)}" for k in tbl.key)
    if upd:
        cur.execute(f"INSERT INTO {undo} BY NAME SELECT {import_id} AS undo_import_id, x.* FROM {_q(tbl.name)} x "
                    f"WHERE EXISTS (SELECT 1 FROM qd_merge m WHERE {key_match} AND m._state = 'update')")
        cur.execute(f"DELETE FROM {_q(tbl.name)} x USING qd_merge m WHERE {key_match} AND m._state = 'update'")
    if ins or upd:
        names = [c.name for c in tbl.columns] + ["extra_attrs"]
        cur.execute(f"INSERT INTO {_q(tbl.name)} BY NAME SELECT {', '.join(_q(n) for n in names)}, "
                    f"{import_id}::BIGINT AS import_id FROM qd_merge WHERE _state <> 'same'")
    cur.execute("DROP TABLE qd_merge")
    return ins, upd, same


def _columns(cur, table_name: str) -> list[str]:
    return [r[0] for r in cur.execute(f"DESCRIBE {_q(table_name)}").fetchall()]


def _ensure_undo_table(cur, tbl: schema.Table) -> None:
    undo = "qd_undo_" + tbl.name
    cur.execute(f"CREATE TABLE IF NOT EXISTS {_q(undo)} AS SELECT CAST(NULL AS BIGINT) AS undo_import_id, * "
                f"FROM {_q(tbl.name)} WHERE FALSE")
    have = set(_columns(cur, undo))
    for name, typ in cur.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                 f"WHERE table_name = ? AND table_schema = 'main'", [tbl.name]).fetchall():
        if name not in have:
            cur.execute(f"ALTER TABLE {_q(undo)} ADD COLUMN {_q(name)} {typ}")


def _load_table(cur, src: detect.Source, plan: Plan, tbl: schema.Table, import_id: int,
                bad_lines, lang: str, rep: Report, only_rows: str | None = None, scope=None,
                user: str | None = None) -> None:
    cols = _resolve(src, plan, tbl)
    pos = {h: i for i, h in enumerate(src.headers)}
    extras = [(h, pos[h]) for h in plan.extra_headers] if plan.keep_extra else []
    parse.prepare_columns(cur, cols, plan, src, rep, lang)  # number formats from whole columns, branch names
    rep.unknown_values = _category_tables(cur, cols, plan)
    _stage_typed(cur, cols, extras, only_rows)
    _collect_issues(cur, tbl, cols, bad_lines, lang, scope)
    rep.rows_read = cur.execute("SELECT count(*) FROM qd_stg").fetchone()[0] + len(bad_lines)
    rep.rejected = cur.execute("SELECT count(DISTINCT _row) FROM qd_issues WHERE sev = 'error'").fetchone()[0]
    rep.warnings = cur.execute("SELECT count(*) FROM qd_issues WHERE sev = 'warning'").fetchone()[0]
    rep.issues = [Issue(r, c, v, reason, sev, code) for r, c, v, sev, code, reason in cur.execute(
        f"SELECT _row, col, val, sev, code, reason FROM qd_issue_text ORDER BY sev, _row, col LIMIT {ISSUE_LIMIT}"
    ).fetchall()]
    rep.issue_counts = [dict(zip(("severity", "code", "column", "rows"), r)) for r in cur.execute(
        "SELECT sev, code, col, count(*) FROM qd_issues GROUP BY ALL ORDER BY sev, count(*) DESC").fetchall()]
    if tbl.name == "ledger":  # also edited in the app: merged field by field, app edits since export kept
        held = ledger.guard_import(cur, {n: c.header for n, c in cols.items()}, src.headers, lang)
        rep.issues += [Issue(r, h, v, reason, "warning", "ledger_conflict") for r, h, v, reason in held]
        rep.warnings += len(held)
    rep.inserted, rep.updated, rep.unchanged = _upsert(cur, tbl, cols, plan.keep_extra, import_id)
    if tbl.name == "ledger":
        ledger.audit_import(cur, import_id, user)
    assert rep.rows_read == rep.loaded + rep.rejected, "row accounting broke"


def _write_rejects(cur, src: detect.Source, rep: Report, rejects_dir: str | None) -> None:
    if not rep.rejected or rejects_dir is None:
        return
    os.makedirs(rejects_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(src.file_name))[0]
    out = os.path.join(rejects_dir, f"{stem}.rejected.csv")
    hdr = [h for h in src.headers][:1000]
    cells = ", ".join(f"r.c{i} AS {_q(h)}" for i, h in enumerate(hdr))
    row_h, reason_h = _q(t("ingest.rejects.row", "en")), _q(t("ingest.rejects.reason", "en"))
    res = cur.execute(
        f"SELECT e._row AS {row_h}, e.reason AS {reason_h}, {cells} FROM "
        f"(SELECT _row, string_agg(reason, '; ' ORDER BY col) AS reason FROM qd_issue_text WHERE sev = 'error' "
        f"GROUP BY _row) e LEFT JOIN qd_raw r USING (_row) ORDER BY e._row")
    names = [d[0] for d in res.description]
    export.write_csv(out, names, iter(lambda: res.fetchmany(20000), []))  # the one formula-safe writer
    rep.rejects_path = out


# ---------------------------------------------------------------- history
def _next_import_id(cur) -> int:
    return int(cur.execute("SELECT coalesce(max(import_id), 0) + 1 FROM qd_imports").fetchone()[0])


def _record(cur, src: detect.Source, rep: Report, plan: Plan, started: datetime, user: str | None,
            parent: int | None, skipped: int) -> None:
    cur.execute(
        "INSERT INTO qd_imports (import_id, table_name, file_name, file_size, checksum, rows_read, rows_inserted, "
        "rows_updated, rows_unchanged, rows_rejected, started_at, finished_at, username, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, 'loaded')",
        [rep.import_id, rep.table, src.file_name, src.size, src.checksum, rep.rows_read, rep.inserted,
         rep.updated, rep.unchanged, rep.rejected, started, user])
    _details_table(cur)
    cur.execute("INSERT INTO qd_import_details (import_id, parent_id, kind, encoding, delimiter, header_line, sheet, "
                "plan_json, rows_skipped, warnings, branches) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [rep.import_id, parent, src.kind, src.encoding, src.delimiter, src.header_line, src.sheet,
                 plan.to_json(), skipped, rep.warnings, json.dumps(touched_branches(cur, rep.table, rep.import_id))])


def _details_table(cur) -> None:
    cur.execute(DETAILS_DDL)
    cur.execute("ALTER TABLE qd_import_details ADD COLUMN IF NOT EXISTS branches VARCHAR")


def _touched_sql(table: str) -> str:
    """Rows an import wrote (still stored under its id) and rows it replaced (kept for undo), with the
    branch each belongs to now; one parameter: the import id, twice."""
    br, joins = _branch_sql(table, lambda c: f"x.{_q(c)}", "j")
    undo = _q("qd_undo_" + table)
    return (f"SELECT {br} AS br FROM (SELECT * FROM {_q(table)} WHERE import_id = $iid "
            f"UNION ALL BY NAME SELECT * EXCLUDE (undo_import_id) FROM {undo} WHERE undo_import_id = $iid) x "
            f"{' '.join(joins)}")


def touched_branches(cur, table: str, import_id: int) -> list[str | None] | None:
    """Distinct branches of the rows `import_id` wrote or replaced (None: a row of no known branch);
    None for a table without branches."""
    if table not in BRANCH_LINKS:
        return None
    _ensure_undo_table(cur, schema.table(table))
    rows = cur.execute(f"SELECT DISTINCT br FROM ({_touched_sql(table)}) ORDER BY br NULLS LAST",
                       {"iid": import_id}).fetchall()
    return [r[0] for r in rows]


def _wide_plan(plan: Plan, src: detect.Source) -> Plan | None:
    wide = plan.wide_columns
    if not wide or not any(c not in ("as_of",) for c in wide.values()):
        return None
    cols = {h: ("customer_id" if tgt == "customer_id" else "-") for h, tgt in plan.columns.items()}
    cols.update(wide)
    sub = Plan(table=WIDE_TABLE, columns=cols, keep_extra=False, scales=dict(plan.scales))
    if "as_of" not in wide.values():
        if not plan.as_of:
            raise IngestError("ingest.err.wide_as_of", file=src.file_name, columns=", ".join(wide))
        sub.constants["as_of"] = plan.as_of
    return sub


def run_import(db, src: detect.Source, plan: Plan, *, dry_run: bool = False, user: str | None = None,
               rejects_dir: str | None = None, lang: str = "en", progress=None, viewer=None) -> Report:
    """Validate and load `src` with `plan` in one transaction (rolled back when dry_run).
    Only roles allowed to import may (`viewer`, default: the acting viewer, see lib.core.auth); the
    import is written to the audit log in the same transaction."""
    who = auth.check(viewer, "import", db=db, target=f"import {src.file_name}")
    user = user or who.label
    t0 = time.time()
    if src.size > max_upload_bytes():
        raise IngestError("ingest.err.too_large", file=src.file_name, size_mb=round(src.size / 2**20, 1),
                          limit_mb=round(max_upload_bytes() / 2**20))
    tbl = schema.table(plan.table)
    if not who.scope.is_whole_bank and tbl.name not in BRANCH_LINKS:
        raise IngestError("ingest.err.scope_table", file=src.file_name, table=tbl.name)
    rep = Report(file_name=src.file_name, table=tbl.name, size=src.size, checksum=src.checksum, dry_run=dry_run,
                 plan=plan)
    rep.extra_columns = plan.extra_headers if plan.keep_extra else []
    rep.ignored_columns = plan.ignored_headers + ([] if plan.keep_extra else plan.extra_headers)
    wide = _wide_plan(plan, src) if tbl.name == "customers" else None
    _resolve(src, plan, tbl)  # fail fast on missing required columns, before any reading
    detect.prepare(src, progress)
    started = datetime.now()
    try:
        with db.transaction() as cur:
            parse.install_macros(cur)
            _, bad = _stage_raw(cur, src, lang)
            if progress:
                progress(0.5)
            rep.skipped = _mark_skipped(cur, src)
            rep.import_id = _next_import_id(cur)
            _load_table(cur, src, plan, tbl, rep.import_id, bad, lang, rep, scope=who.scope, user=user)
            _write_rejects(cur, src, rep, rejects_dir)
            _record(cur, src, rep, plan, started, user, None, len(rep.skipped))
            if wide is not None:
                cur.execute("CREATE OR REPLACE TEMP TABLE qd_main_rejected AS SELECT DISTINCT _row FROM qd_issues "
                            "WHERE sev = 'error'")
                part = Report(file_name=src.file_name, table=WIDE_TABLE, size=src.size, checksum=src.checksum,
                              dry_run=dry_run, import_id=rep.import_id + 1)
                _load_table(cur, src, wide, schema.table(WIDE_TABLE), part.import_id, [], lang, part,
                            only_rows="qd_main_rejected", scope=who.scope)
                part.rows_read += rep.rejected  # rows rejected as customers are not loaded as balances either
                part.rejected += rep.rejected
                _record(cur, src, part, wide, started, user, rep.import_id, len(rep.skipped))
                rep.parts.append(part)
            if progress:
                progress(0.9)
            if not dry_run:
                if rep.loaded > 0:  # a load that loaded nothing proves nothing about its mapping
                    save_mapping(cur, src.shape, plan)
                audit.record(db, who, "import", {
                    "import_id": rep.import_id, "file": src.file_name, "table": tbl.name, "read": rep.rows_read,
                    "inserted": rep.inserted, "updated": rep.updated, "rejected": rep.rejected}, cur=cur)
                db.bump_data_version(cur)
            else:
                raise _DryRun()
    except _DryRun:
        rep.import_id = None
        for p in rep.parts:
            p.import_id = None
    rep.seconds = round(time.time() - t0, 3)
    if progress:
        progress(1.0)
    return rep


# ---------------------------------------------------------------- undo and history
class _Refused(Exception):
    def __init__(self, key: str, **kw):
        super().__init__(key)
        self.key, self.kw = key, kw


def _scope_refusal(cur, scope, name: str, import_id: int) -> tuple[str, dict] | None:
    """Why a viewer of `scope` may not undo `import_id` of table `name`, or None when every row it
    wrote or replaced is inside the scope."""
    if scope.is_whole_bank:
        return None
    if name not in BRANCH_LINKS:
        return "ingest.err.undo_scope_table", {"import_id": import_id, "table": name}
    _ensure_undo_table(cur, schema.table(name))
    inside, params = scope.branch_filter("br", "up")
    bad = cur.execute(f"SELECT DISTINCT coalesce(br, '?') FROM ({_touched_sql(name)}) "
                      f"WHERE br IS NULL OR NOT ({inside}) ORDER BY 1 LIMIT 6", {"iid": import_id, **params}).fetchall()
    if not bad:
        return None
    return "ingest.err.undo_scope_rows", {"import_id": import_id, "branches": ", ".join(b for (b,) in bad[:5])}


def _dependants(cur, import_id: int, undoing: list[int]) -> tuple[str, dict] | None:
    """Undoing a customers import deletes the customers it added; facts about those customers loaded
    by other imports (balances, sales, leads...) would be left behind. Refuse, naming them."""
    added = (f"SELECT customer_id FROM customers WHERE import_id = {int(import_id)} AND customer_id NOT IN "
             f"(SELECT customer_id FROM qd_undo_customers WHERE undo_import_id = {int(import_id)})")
    found, n, later, example = [], 0, set(), None
    skip = ", ".join(str(int(i)) for i in undoing)
    for tb in schema.TABLES:
        for c in tb.columns:
            if c.references != "customers.customer_id":
                continue
            rows = cur.execute(
                f"SELECT count(*), list(DISTINCT import_id) FILTER (import_id IS NOT NULL), min({_q(c.name)}) "
                f"FROM {_q(tb.name)} WHERE {_q(c.name)} IN ({added}) "
                f"AND (import_id IS NULL OR import_id NOT IN ({skip}))").fetchone()
            if rows[0]:
                n += rows[0]
                found.append(tb.name)
                later.update(rows[1] or [])
                example = example or rows[2]
    if not n:
        return None
    later_txt = ", ".join(map(str, sorted(later))) or "-"
    return "ingest.err.undo_dependants", {"import_id": import_id, "rows": n, "tables": ", ".join(found),
                                          "customer": example, "later": later_txt}


def undo_import(db, import_id: int, user: str | None = None, viewer=None) -> list[int]:
    """Restore the state before `import_id` (and the balance part of a wide import).
    Returns the ids undone. One transaction. Refused (``IngestError``, audited as access_denied
    when it is about rights) when:
    - the role may not undo (see lib.core.auth), or the viewer's scope does not hold every row the
      import wrote or replaced, or the table is bank-wide and the viewer is scoped;
    - a later import changed the same rows (undo that one first);
    - it is a customers import whose added customers have rows in other tables (balances, sales,
      leads...) loaded by other imports: undoing it would leave them without their customer, so it
      is refused naming those imports (undo them first); rows of the same wide import go together."""
    who = auth.check(viewer, "undo", db=db, target=f"undo import {import_id}")  # a role refusal is audited there
    try:
        with db.transaction() as cur:
            row = cur.execute("SELECT table_name, status FROM qd_imports WHERE import_id = ?", [import_id]).fetchone()
            if row is None:
                raise IngestError("ingest.err.undo_unknown", import_id=import_id)
            if row[1] != "loaded":
                raise IngestError("ingest.err.undo_done", import_id=import_id)
            _details_table(cur)
            parent = cur.execute("SELECT parent_id FROM qd_import_details WHERE import_id = ?", [import_id]).fetchone()
            root = parent[0] if parent and parent[0] is not None else import_id
            ids = [root] + [r[0] for r in cur.execute(
                "SELECT d.import_id FROM qd_import_details d JOIN qd_imports i USING (import_id) "
                "WHERE d.parent_id = ? AND i.status = 'loaded' ORDER BY 1", [root]).fetchall()]
            for iid in ids:
                name = cur.execute("SELECT table_name FROM qd_imports WHERE import_id = ?", [iid]).fetchone()[0]
                why = _scope_refusal(cur, who.scope, name, iid)
                if why:
                    raise _Refused(why[0], **why[1])
            for iid in reversed(ids):
                _undo_one(cur, iid, ids)
            audit.record(db, who, "undo", {"import_ids": ids, "table": row[0]}, cur=cur)
            db.bump_data_version(cur)
    except _Refused as r:
        err = IngestError(r.key, **r.kw)
        audit.record(db, who, "access_denied", {"action": "undo", "target": f"undo import {import_id}",
                                                "reason": err.message("en")})
        raise err from None
    return ids


def may_undo(db, import_id: int, viewer=None) -> bool:
    """Whether `viewer` may undo `import_id` as far as rights go (role and scope)."""
    v = auth.acting(viewer)
    if v is None or not v.can("undo"):
        return False
    with db.transaction() as cur:
        name = cur.execute("SELECT table_name FROM qd_imports WHERE import_id = ?", [import_id]).fetchone()
        return name is not None and _scope_refusal(cur, v.scope, name[0], import_id) is None


def _undo_one(cur, import_id: int, undoing: list[int]) -> None:
    name = cur.execute("SELECT table_name FROM qd_imports WHERE import_id = ?", [import_id]).fetchone()[0]
    tbl = schema.table(name)
    _ensure_undo_table(cur, tbl)
    undo = _q("qd_undo_" + name)
    later = cur.execute(
        f"SELECT min(u.undo_import_id) FROM {undo} u JOIN qd_imports i ON i.import_id = u.undo_import_id "
        f"WHERE u.import_id = ? AND i.status = 'loaded' AND u.undo_import_id > ?", [import_id, import_id]).fetchone()[0]
    if later is not None:
        raise IngestError("ingest.err.undo_later", import_id=import_id, later=later)
    if name == "customers":
        why = _dependants(cur, import_id, undoing)
        if why:
            raise IngestError(why[0], **why[1])
    cur.execute(f"DELETE FROM {_q(name)} WHERE import_id = ?", [import_id])
    cur.execute(f"INSERT INTO {_q(name)} BY NAME SELECT * EXCLUDE (undo_import_id) FROM {undo} "
                f"WHERE undo_import_id = ?", [import_id])
    cur.execute(f"DELETE FROM {undo} WHERE undo_import_id = ?", [import_id])
    cur.execute("UPDATE qd_imports SET status = 'undone', undone_at = now() WHERE import_id = ?", [import_id])


def history(db, limit: int = 200, viewer=None):
    """Import history, newest first (a DataFrame). A viewer with a branch or region scope sees only
    imports of branch tables whose every row (written or replaced) is inside that scope: the ones it
    could have made itself and may undo. Whole-bank viewers (and callers with no viewer) see all."""
    v = auth.acting(viewer)
    h = db.query(
        "SELECT import_id, file_name, table_name, file_size, checksum, rows_read, rows_inserted, rows_updated, "
        "rows_unchanged, rows_rejected, started_at, finished_at, username, status, undone_at FROM qd_imports "
        "ORDER BY import_id DESC LIMIT ?", [limit])
    if v is None or v.scope.is_whole_bank or h.empty:
        return h
    keep = set(visible_imports(db, v.scope, [int(i) for i in h["import_id"]]))
    return h[h["import_id"].isin(keep)].reset_index(drop=True)


def visible_imports(db, scope, import_ids: list[int]) -> list[int]:
    """Of `import_ids`, those whose rows are all inside `scope` (by the branches recorded at import;
    an import recorded before branches were kept is checked on the stored rows if still loaded)."""
    with db.transaction() as cur:
        _details_table(cur)
        rows = cur.execute(
            "SELECT i.import_id, i.table_name, i.status, d.branches FROM qd_imports i "
            "LEFT JOIN qd_import_details d USING (import_id) WHERE list_contains($ids, i.import_id)",
            {"ids": import_ids}).fetchall()
        sql, params = scope.branch_filter("branch_id", "up")
        allowed = {b for (b,) in cur.execute(f"SELECT branch_id FROM branches WHERE {sql}", params).fetchall()}
        if scope.branch_ids is not None and scope.region is None:
            allowed |= set(scope.branch_ids)
        out = []
        for iid, name, status, branches in rows:
            if name not in BRANCH_LINKS:
                continue
            if branches is not None:
                if all(b is not None and b in allowed for b in json.loads(branches) or []):
                    out.append(iid)
            elif status == "loaded" and _scope_refusal(cur, scope, name, iid) is None:
                out.append(iid)
        return out


def plan_json(report_or_plan) -> str:
    return json.dumps(report_or_plan, default=str)
