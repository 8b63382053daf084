"""Header and category-value mapping, and mappings remembered per header shape.

A ``Plan`` says, for one file, where each header goes and how category values translate:
- ``columns[header]`` is a canonical column of ``table``, ``"balances.<col>"`` (a wide customer
  export also loaded as a balance snapshot), ``EXTRA`` (kept in ``extra_attrs``) or ``IGNORE``;
- ``values[column][raw] = canonical`` adds to the schema's category synonyms (``""`` rejects);
- ``constants[column]`` fills a column the file lacks (e.g. the campaign id of a one-campaign file);
- ``surrogate_key`` builds the key from file name and row when the file has none (only on request);
- ``as_of`` is the snapshot date for the balance part of a wide customer export.

``propose`` starts from the remembered plan for the same header shape (table ``qd_mappings``,
saved by a successful import) or from the schema synonyms. Invariant: every header of the file
appears in ``columns`` exactly once, so nothing is dropped without being listed.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from lib.core import schema
from lib.core.i18n import t as tr
from lib.ingest.errors import IngestError
from lib.ingest.parse import sample_format
from lib.ingest.parse import preview_value
from lib.ingest.parse import NUMBER_FORMATS, FORMAT_LABEL

EXTRA = "+extra"
IGNORE = "-"
WIDE_TABLE = "balances"

MAPPINGS_DDL = ("CREATE TABLE IF NOT EXISTS qd_mappings (shape VARCHAR PRIMARY KEY, table_name VARCHAR, "
                "plan_json VARCHAR, updated_at TIMESTAMP)")


@dataclass
class Plan:
    table: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    keep_extra: bool = True
    surrogate_key: bool = False
    as_of: str | None = None
    number_formats: dict[str, str] = field(default_factory=dict)  # column -> "us" | "eu" (stated by the user)
    scales: dict[str, float] = field(default_factory=dict)        # header -> unit factor read from it (万元: 10000)
    remembered: bool = False

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("remembered")
        return json.dumps(d, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        return cls(**json.loads(text))

    def target_of(self, column: str) -> str | None:
        """The header mapped to a canonical column of the plan's table, if any."""
        for h, tgt in self.columns.items():
            if tgt == column:
                return h
        return None

    @property
    def extra_headers(self) -> list[str]:
        return [h for h, tgt in self.columns.items() if tgt == EXTRA]

    @property
    def ignored_headers(self) -> list[str]:
        return [h for h, tgt in self.columns.items() if tgt == IGNORE]

    @property
    def wide_columns(self) -> dict[str, str]:
        """header -> balances column, for a wide customer export."""
        p = WIDE_TABLE + "."
        return {h: tgt[len(p):] for h, tgt in self.columns.items() if tgt.startswith(p)}


# ---------------------------------------------------------------- header matching
# How a header found its column, strongest first: "exact" (a listed spelling), "normalised" (the same
# after folding case, spaces, underscores, punctuation, full-width and traditional characters), "token"
# (an id column's word with a qualifier or an id suffix: 所属网点, 客户经理工号, CLIENTNUM) and "name" (a
# branch NAME where the table expects a branch code: the code is looked up by name in branches).
MATCH_ORDER = ("exact", "normalised", "token", "name")
ID_SUFFIXES = ("编号", "编码", "代码", "号码", "工号", "号", "number", "code", "num", "nbr", "key", "id", "no", "cd")
QUALIFIERS = ("所属", "归属", "开户", "管户", "管理", "主办", "签约", "经办", "主管")
UNIT_RE = re.compile(r"^(.*?)[\s_]*[(（\[【]?\s*(百万元|万元|亿元|千元|元|万|亿|千|thousands?|millions?|rmb|cny)"
                     r"\s*[)）\]】]?\s*$", re.IGNORECASE)
UNIT_SCALE = {"元": 1, "rmb": 1, "cny": 1, "千元": 1e3, "千": 1e3, "thousand": 1e3, "thousands": 1e3, "万元": 1e4,
              "万": 1e4, "百万元": 1e6, "million": 1e6, "millions": 1e6, "亿元": 1e8, "亿": 1e8}


@dataclass(frozen=True)
class Match:
    column: str   # canonical column, or "balances.<col>" for the balance part of a customer export
    how: str      # one of MATCH_ORDER
    form: str     # the spelling it matched (a synonym, or the id word for "token")
    scale: float = 1


def header_unit(header: str) -> tuple[str, float]:
    """(header without its unit, factor): 存款余额(万元) -> (存款余额, 10000). Units in brackets, or a
    Chinese unit word at the end; a header that is only a unit is left alone."""
    m = UNIT_RE.match(str(header).strip())
    if not m or not m.group(1).strip(" _-"):
        return header, 1
    unit = m.group(2).lower()
    bracketed = bool(re.search(r"[(（\[【]\s*" + re.escape(m.group(2)) + r"\s*[)）\]】]\s*$", str(header).strip()))
    if not bracketed and unit not in ("万元", "亿元", "千元", "百万元"):
        return header, 1
    return m.group(1).strip(" _-"), UNIT_SCALE[unit]


@lru_cache(maxsize=64)
def _index(table_name: str) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]:
    """(exact spelling -> column, normalised spelling -> column, id word -> columns) for a table."""
    t = schema.table(table_name)
    exact = {}
    for c in t.columns:
        for form in schema.header_forms(c):
            exact.setdefault(form, c.name)
    stems: dict[str, set[str]] = {}
    for c in t.columns:
        if c.type != "VARCHAR" or c.categories or not (c.references or c.name in t.key or c.name.endswith("_id")):
            continue
        for form in (*schema.header_forms(c), c.name):
            n = schema.normalise(form)
            for suf in ID_SUFFIXES:
                if n.endswith(suf) and len(n) > len(suf):
                    stems.setdefault(n[:-len(suf)], set()).add(c.name)
                    break
    return exact, schema.header_index(t), {k: tuple(sorted(v)) for k, v in stems.items()}


def _token_core(n: str) -> tuple[str, bool]:
    """A normalised header without its leading qualifiers and one id suffix; True when one was removed."""
    stripped = False
    again = True
    while again:
        again = False
        for q in QUALIFIERS:
            if n.startswith(q) and len(n) > len(q):
                n, stripped, again = n[len(q):], True, True
    for suf in ID_SUFFIXES:
        if n.endswith(suf) and len(n) > len(suf):
            return n[:-len(suf)], True
    return n, stripped


def match_header(table_name: str, header: str) -> Match | None:
    """The column a file header maps to in a table, and how it was recognised (None: no match)."""
    t = schema.table(table_name)
    bare, scale = header_unit(header)
    exact, normal, stems = _index(table_name)
    if bare in exact:
        return Match(exact[bare], "exact", bare, scale)
    n = schema.normalise(bare)
    if n in normal:
        form = next((f for c in t.columns if c.name == normal[n] for f in schema.header_forms(c)
                     if schema.normalise(f) == n), normal[n])
        return Match(normal[n], "normalised", form, scale)
    core, stripped = _token_core(n)
    if stripped and len(stems.get(core, ())) == 1:
        return Match(stems[core][0], "token", core, scale)
    if "branch_id" in t.column_names and "branch_name" not in t.column_names:
        name_idx = schema.header_index(schema.table("branches"))
        if name_idx.get(n) == "branch_name" or name_idx.get(_token_core(n)[0]) == "branch_name":
            return Match("branch_id", "name", header, scale)
    return None


def auto_columns(table_name: str, headers: list[str], keep_extra: bool) -> dict[str, str]:
    """Map headers through the schema's synonyms; a stronger match (MATCH_ORDER) wins a column over a
    weaker one, the first header among equals. Headers that match nothing are kept (or ignored)."""
    return auto_match(table_name, headers, keep_extra)[0]


def auto_match(table_name: str, headers: list[str], keep_extra: bool) -> tuple[dict[str, str], dict[str, Match]]:
    """(header -> target, header -> Match) for a table; see auto_columns."""
    matches = {h: match_header(table_name, h) for h in headers}
    if table_name == "customers":
        for h in headers:
            if matches[h] is None:
                w = match_header(WIDE_TABLE, h)
                if w and w.column not in ("customer_id", "as_of") and w.how in ("exact", "normalised"):
                    matches[h] = Match(f"{WIDE_TABLE}.{w.column}", w.how, w.form, w.scale)
    out, used, chosen = {}, set(), {}
    for how in MATCH_ORDER:
        for h in headers:
            m = matches[h]
            if m is not None and m.how == how and m.column not in used and h not in out:
                out[h] = m.column
                used.add(m.column)
                chosen[h] = m
    return {h: out.get(h, EXTRA if keep_extra else IGNORE) for h in headers}, chosen


def plan_scales(plan: "Plan", headers: list[str]) -> dict[str, float]:
    """header -> factor for every mapped numeric header whose name states a unit (万元 ...)."""
    out = {}
    for h in headers:
        tgt = plan.columns.get(h, IGNORE)
        if tgt in (EXTRA, IGNORE):
            continue
        tb, col = (WIDE_TABLE, tgt[len(WIDE_TABLE) + 1:]) if tgt.startswith(WIDE_TABLE + ".") else (plan.table, tgt)
        try:
            ctype = schema.table(tb).column(col).type
        except KeyError:
            continue
        f = header_unit(h)[1]
        if f != 1 and ctype in ("DOUBLE", "INTEGER", "BIGINT"):
            out[h] = f
    return out


def match_reason(plan: "Plan", header: str, lang: str = "en") -> str:
    """Why a header goes where it goes, in words (for the mapping editor and the report)."""
    tgt = plan.columns.get(header)
    if tgt in (None, EXTRA):
        return tr("ingest.why.extra", lang, header=header)
    if tgt == IGNORE:
        return tr("ingest.why.ignore", lang, header=header)
    tb, col = (WIDE_TABLE, tgt[len(WIDE_TABLE) + 1:]) if tgt.startswith(WIDE_TABLE + ".") else (plan.table, tgt)
    m = match_header(tb, header)
    if m is None or m.column != col:
        text = tr("ingest.why.chosen", lang, header=header, column=tgt)
    else:
        text = tr(f"ingest.why.{m.how}", lang, header=header, column=tgt, form=m.form)
    f = plan.scales.get(header, 1)
    if f != 1:
        text += tr("ingest.why.unit", lang, factor=f"{f:,.0f}")
    return text


# tables whose rows are events (a call, a sale, a visit): a key from file name and row number is
# right for them; a row of the other tables is a thing (a customer, a campaign) that has its own code
SURROGATE_TABLES = ("sales", "leads", "activities", "referrals", "surveys", "ledger")


def surrogate_allowed(table_name: str) -> bool:
    t = schema.table(table_name)
    return table_name in SURROGATE_TABLES and len(t.key) == 1


def constant_allowed(table_name: str, column: str) -> bool:
    """Whether one value for the whole file can be right for this column: never for the key of a row
    (each row has its own), nor for the customer a row belongs to (it would put every row on one
    customer); the date of a snapshot (part of a key, as balances' as_of) can be one value."""
    t = schema.table(table_name)
    if column == "customer_id":
        return False
    if column in t.key:
        return len(t.key) > 1 and t.column(column).type == "DATE"
    return True


def missing_required(plan: "Plan") -> list[str]:
    """Required columns of the plan's table that no header, constant, surrogate key or default fills."""
    t = schema.table(plan.table)
    out = []
    for c in t.columns:
        if not c.required or c.default is not None or plan.target_of(c.name) is not None or c.name in plan.constants:
            continue
        if plan.surrogate_key and c.name in t.key and surrogate_allowed(plan.table):
            continue
        out.append(c.name)
    return out


def check_required(plan: "Plan", source) -> None:
    """Raise ONE IngestError listing every missing required column with the advice that leads to a
    correct load (``e.kw['missing']`` holds the column names, for fill-in widgets)."""
    t = schema.table(plan.table)
    if plan.surrogate_key and not surrogate_allowed(plan.table) and t.key[0] not in plan.columns.values():
        raise IngestError("ingest.err.surrogate_not_allowed", file=source.file_name, table=plan.table,
                          column=t.key[0])
    missing = missing_required(plan)
    if not missing:
        return
    parts = []
    for name in missing:
        c = t.column(name)
        syn = ", ".join(c.synonyms[:4])
        if name in t.key and len(t.key) == 1:
            key = "ingest.need.key_surrogate" if surrogate_allowed(plan.table) else "ingest.need.key"
        elif not constant_allowed(plan.table, name):
            key = "ingest.need.per_row"
        else:
            key = "ingest.need.any"
        parts.append((key, dict(column=name, synonyms=syn, table=plan.table)))
    raise MissingColumns(file=source.file_name, table=plan.table, n=len(missing), columns=", ".join(missing),
                         missing=missing, needs=parts)


class WeakGuess(IngestError):
    """No table scores well enough: the best candidates with why, in the reader's language."""

    def __init__(self, source):
        self.key, self.source = "ingest.err.weak_guess", source
        self.kw = {"file": source.file_name, "tables": [n for n, sc in source.tables[:3] if sc > 0]}
        Exception.__init__(self, self.message("en"))

    def message(self, lang: str = "en") -> str:
        sep = "；" if lang == "zh" else "; "
        cands = sep.join(tr("ingest.guess.candidate", lang, table=n, why=w)
                         for n, _, w in self.source.candidates(lang))
        return tr(self.key, lang, file=self.kw["file"], candidates=cands)


class MissingColumns(IngestError):
    """Every missing required column in one error; each with its own advice, in the reader's language."""

    def __init__(self, **kw):
        self.key, self.kw = "ingest.err.missing_columns", kw
        Exception.__init__(self, self.message("en"))

    def message(self, lang: str = "en") -> str:
        sep = "；" if lang == "zh" else "; "
        details = sep.join(tr(k, lang, **kw) for k, kw in self.kw["needs"])
        return tr(self.key, lang, **{**self.kw, "details": details})


def _ensure(cur) -> None:
    cur.execute(MAPPINGS_DDL)


def remembered(db, shape: str) -> Plan | None:
    if not db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'qd_mappings'"):
        return None
    raw = db.scalar("SELECT plan_json FROM qd_mappings WHERE shape = ?", [shape])
    if raw is None:
        return None
    plan = Plan.from_json(raw)
    plan.remembered = True
    return plan


def save(cur, shape: str, plan: Plan) -> None:
    _ensure(cur)
    cur.execute("INSERT OR REPLACE INTO qd_mappings VALUES (?, ?, ?, now())", [shape, plan.table, plan.to_json()])


def propose(db, source, table: str | None = None, keep_extra: bool = True) -> Plan:
    """The plan for `source`: remembered for its header shape if the table agrees, else automatic."""
    if table is not None:
        schema.table(table)  # raises on unknown names
    plan = remembered(db, source.shape) if db is not None else None
    if plan is not None and (table is None or plan.table == table) and set(plan.columns) == set(source.headers):
        return plan
    name = table or source.table_guess
    if name is None and any(sc > 0 for _, sc in getattr(source, "tables", [])[:1]):
        raise WeakGuess(source)
    if name is None:
        raise IngestError("ingest.err.unknown_table", file=source.file_name,
                          headers=", ".join(source.headers[:8]))
    plan = Plan(table=name, columns=auto_columns(name, source.headers, keep_extra), keep_extra=keep_extra)
    plan.scales = plan_scales(plan, source.headers)
    return plan


def apply_overrides(plan: Plan, source, maps: dict[str, str] | None = None,
                    values: dict[str, dict[str, str]] | None = None,
                    constants: dict[str, str] | None = None,
                    number_formats: dict[str, str] | None = None) -> Plan:
    """Apply user choices (CLI --map/--value/--set/--number-format or the app's editor) to a plan.
    Rule for a constant: it fills a column the file LACKS; a constant for a column the file has is
    refused (it would silently overwrite the file's values), map that header elsewhere first."""
    t = schema.table(plan.table)
    for src_h, target in (maps or {}).items():
        if src_h not in plan.columns:
            raise IngestError("ingest.err.no_header", file=source.file_name, header=src_h,
                              headers=", ".join(source.headers[:20]))
        if target not in (EXTRA, IGNORE) and target not in t.column_names and not (
                target.startswith(WIDE_TABLE + ".") and plan.table == "customers"):
            raise IngestError("ingest.err.no_column", table=plan.table, column=target,
                              columns=", ".join(t.column_names))
        for h, tgt in list(plan.columns.items()):
            if tgt == target and h != src_h and target not in (EXTRA, IGNORE):
                plan.columns[h] = EXTRA if plan.keep_extra else IGNORE
        plan.columns[src_h] = target
    for col, vm in (values or {}).items():
        if col not in t.column_names:
            raise IngestError("ingest.err.no_column", table=plan.table, column=col, columns=", ".join(t.column_names))
        plan.values.setdefault(col, {}).update(vm)
    for col, v in (constants or {}).items():
        if col not in t.column_names:
            raise IngestError("ingest.err.no_column", table=plan.table, column=col, columns=", ".join(t.column_names))
        if plan.target_of(col) is not None:
            raise IngestError("ingest.err.constant_mapped", file=source.file_name, column=col,
                              header=plan.target_of(col))
        plan.constants[col] = v
    by_label = {lbl: k for k, lbl in FORMAT_LABEL.items()}
    for col, fmt in (number_formats or {}).items():
        fmt = by_label.get(fmt, fmt)
        if col not in t.column_names or t.column(col).type not in ("DOUBLE", "INTEGER", "BIGINT"):
            raise IngestError("ingest.err.no_number_column", table=plan.table, column=col,
                              columns=", ".join(c.name for c in t.columns if c.type in ("DOUBLE", "INTEGER", "BIGINT")))
        if fmt not in NUMBER_FORMATS:
            raise IngestError("ingest.err.bad_option", option="--number-format", expected="1,234.56 | 1.234,56",
                              value=fmt)
        plan.number_formats[col] = fmt
    plan.scales = {h: f for h, f in plan_scales(plan, list(plan.columns)).items()}
    return plan


def set_keep_extra(plan: Plan, keep: bool) -> Plan:
    plan.keep_extra = keep
    for h, tgt in plan.columns.items():
        if tgt in (EXTRA, IGNORE):
            plan.columns[h] = EXTRA if keep else IGNORE
    return plan


def value_map(column: schema.Column, raws: list[str], user: dict[str, str] | None) -> dict[str, str | None]:
    """raw value -> canonical category (None: unknown, to be mapped or rejected)."""
    user = user or {}
    idx = schema.category_index(column)
    out = {}
    for r in raws:
        if r in user:
            out[r] = user[r] or None
        else:
            out[r] = idx.get(schema.normalise(r))
    return out


def preview(source, plan: Plan, n: int = 10) -> list[dict]:
    """Converted values of the first rows, per canonical column, for the mapping editor."""
    t = schema.table(plan.table)
    rows = []
    pos = {h: i for i, h in enumerate(source.headers)}
    fmts = {}
    for col in t.columns:
        h = plan.target_of(col.name)
        if h is not None and col.type in ("DOUBLE", "INTEGER", "BIGINT"):
            fmts[col.name] = sample_format([r[pos[h]] for r in source.sample_rows if pos[h] < len(r)],
                                           plan.number_formats.get(col.name))
    for raw in source.sample_rows[:n]:
        rec = {}
        for col in t.columns:
            h = plan.target_of(col.name)
            if h is not None:
                v = raw[pos[h]] if pos[h] < len(raw) else ""
            elif col.name in plan.constants:
                v = plan.constants[col.name]
            else:
                continue
            if col.categories:
                rec[col.name] = value_map(col, [v], plan.values.get(col.name)).get(v) if v.strip() else None
            else:
                rec[col.name] = preview_value(col.type, v, fmts.get(col.name, "plain"),
                                              plan.scales.get(h, 1) if h is not None else 1)
        rows.append(rec)
    return rows
