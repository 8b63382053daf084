"""Tables for the Data page: what is loaded and the data contract, shaped for display."""
from __future__ import annotations

import pandas as pd

from lib.core import schema
from lib.core.db import Database
from lib.ingest import load


def loaded_tables(db: Database, lang: str, viewer=None) -> pd.DataFrame:
    """What is loaded, per canonical table, as `viewer` may see it: a whole-bank viewer (or none
    given) sees every row; a region- or branch-scoped viewer sees row counts and date ranges of
    the rows inside the scope (a row's branch is its own, else its customer's, else its RM's, as
    imports check it), only the branches of the scope, and the last import it may see."""
    scope = getattr(viewer, "scope", None)
    st = db.table_status() if scope is None or (scope.is_whole_bank and scope.customer_type is None) \
        else scoped_status(db, viewer)
    labels = {t.name: (t.label_zh if lang == "zh" else t.label_en) for t in schema.TABLES}
    sources = {t.name: (t.source_zh if lang == "zh" else t.source_en) for t in schema.TABLES}
    st.insert(1, "label", st["table"].map(labels))
    st["source"] = st["table"].map(sources)
    return st


def empty_tables(loaded: pd.DataFrame) -> list[str]:
    return loaded.loc[loaded["rows"] == 0, "table"].tolist()


def contract_tables(lang: str) -> list[tuple[schema.Table, pd.DataFrame]]:
    """One (table, columns frame) per canonical table."""
    rows = pd.DataFrame(schema.contract_rows(lang))
    out = []
    for t in schema.TABLES:
        df = rows[rows["table"] == t.name].drop(columns=["table", "table_label"]).reset_index(drop=True)
        out.append((t, df))
    return out


def scoped_status(db: Database, viewer) -> pd.DataFrame:
    """``Database.table_status`` within `viewer`'s scope (see ``loaded_tables``)."""
    scope = viewer.scope
    hist = load.history(db, limit=100_000, viewer=viewer)
    hist = hist[hist["status"] == "loaded"] if not hist.empty else hist
    last = hist.groupby("table_name")["finished_at"].max().to_dict() if not hist.empty else {}
    out = []
    cur = db.reader()  # reads only: kept facts stay valid
    try:
        cur.execute("BEGIN TRANSACTION")
        for t in schema.TABLES:
            where, params, joins = "TRUE", {}, []
            if t.name == "branches":
                where, params = scope.branch_filter('x."branch_id"')
            elif t.name in load.BRANCH_LINKS:
                branch, joins = load._branch_sql(t.name, lambda c: f'x."{c}"', "j")
                where, params = scope.branch_filter(branch)
                if scope.customer_type is not None:
                    if t.name == "customers":
                        ctype = 'x."customer_type"'
                    elif any(target == "customers" for _, target in load.BRANCH_LINKS[t.name]):
                        i = next(i for i, (_, target) in enumerate(load.BRANCH_LINKS[t.name]) if target == "customers")
                        ctype = f"j{i}.customer_type"
                    else:
                        ctype = None
                    if ctype:
                        where += f" AND {ctype} = $sc_ctype"
                        params["sc_ctype"] = scope.customer_type
            base = f'FROM "{t.name}" x {" ".join(joins)} WHERE {where}'
            n = cur.execute(f"SELECT count(*) {base}", params).fetchone()[0]
            lo = hi = None
            if t.date_column and n:
                lo, hi = cur.execute(f'SELECT min(x."{t.date_column}"), max(x."{t.date_column}") {base}',
                                     params).fetchone()
            out.append({"table": t.name, "rows": int(n), "first_date": lo, "last_date": hi,
                        "last_import": last.get(t.name)})
        cur.execute("COMMIT")
    finally:
        cur.close()
    return pd.DataFrame(out)


def database_info(db: Database, viewer=None) -> dict:
    """Schema version and data source; the file's path on the server only for admins."""
    admin = viewer is not None and viewer.can("admin")
    return {"path": db.path if admin else None, "version": db.meta("schema_version"),
            "source": db.meta("source", "uploads")}
