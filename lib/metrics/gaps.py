"""What is missing for a figure, in words a manager uses: the exports (as the bank calls them)
that fill the tables a metric or a chart needs. No Streamlit here; pages and the ui_* modules
show these sentences as empty states and as the hover text of a "—"."""
from __future__ import annotations

from lib.core import i18n
from lib.core import labels
from lib.core import schema


def exports(tables, lang: str) -> str:
    """'**Core banking balance snapshot** and the **…**' for canonical table names."""
    parts = []
    for name in dict.fromkeys(tables):
        tb = schema.table(name)
        parts.append(i18n.t("empty.export", lang, source=tb.source_zh if lang == "zh" else tb.source_en))
    return i18n.t("empty.and", lang).join(parts)


def needs(tables, lang: str) -> str:
    """The sentence for a figure that needs `tables` (empty string when nothing is missing)."""
    return i18n.t("empty.needs", lang, exports=exports(tables, lang)) if tables else ""


def no_data(lang: str) -> str:
    """The page-level empty state of a database with nothing dated in it."""
    return i18n.t("empty.no_data", lang, export=exports(("customers", "balances"), lang))


def blank_columns(columns, lang: str) -> str:
    """The sentence for a figure whose "table.column"s hold no value in any loaded row (empty
    string when there are none): unknown, not 0, and which column of which export to fill."""
    return " ".join(i18n.t("empty.blank_column", lang, export=exports((tc.split(".")[0],), lang),
                           column=labels.column_label(tc.split(".")[1], lang)) for tc in columns)
