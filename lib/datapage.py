"""Tables for the Data page: what is loaded and the data contract, shaped for display."""
from __future__ import annotations

import pandas as pd

from lib import schema
from lib.db import Database


def loaded_tables(db: Database, lang: str) -> pd.DataFrame:
    st = db.table_status()
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


def database_info(db: Database) -> dict:
    return {"path": db.path, "version": db.meta("schema_version"), "source": db.meta("source", "uploads")}
