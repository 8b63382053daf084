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
from dataclasses import asdict, dataclass, field

from lib import schema
from lib.ingest.errors import IngestError

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


def auto_columns(table_name: str, headers: list[str], keep_extra: bool) -> dict[str, str]:
    """Map headers through the schema's synonyms; first header wins a column."""
    t = schema.table(table_name)
    idx = schema.header_index(t)
    wide_idx = schema.header_index(schema.table(WIDE_TABLE)) if table_name == "customers" else {}
    out, used = {}, set()
    for h in headers:
        n = schema.normalise(h)
        col = idx.get(n)
        if col and col not in used:
            out[h] = col
            used.add(col)
            continue
        wcol = wide_idx.get(n)
        if wcol and wcol != "customer_id" and f"{WIDE_TABLE}.{wcol}" not in used:
            out[h] = f"{WIDE_TABLE}.{wcol}"
            used.add(out[h])
            continue
        out[h] = EXTRA if keep_extra else IGNORE
    return out


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
    if name is None:
        raise IngestError("ingest.err.unknown_table", file=source.file_name,
                          headers=", ".join(source.headers[:8]))
    return Plan(table=name, columns=auto_columns(name, source.headers, keep_extra), keep_extra=keep_extra)


def apply_overrides(plan: Plan, source, maps: dict[str, str] | None = None,
                    values: dict[str, dict[str, str]] | None = None,
                    constants: dict[str, str] | None = None) -> Plan:
    """Apply user choices (CLI --map/--value/--set or the app's editor) to a plan."""
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
        plan.constants[col] = v
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
    from lib.ingest.parse import preview_value
    t = schema.table(plan.table)
    rows = []
    pos = {h: i for i, h in enumerate(source.headers)}
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
                rec[col.name] = preview_value(col.type, v)
        rows.append(rec)
    return rows
