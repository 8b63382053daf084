"""Data: what is loaded, what can be uploaded (the data contract), and the metric definitions."""
import streamlit as st

from lib.ui import datapage
from lib.metrics import registry as metrics
from lib.ui import shell as ui
from lib.ui import tables
from lib.ui import ingest as ui_ingest

st.title(ui.t("data.title"))
ui.demo_banner()
st.write(ui.t("data.intro"))

info = datapage.database_info(ui.db(), ui.viewer())  # the server's file path only for admins
if info["path"]:
    st.caption(ui.t("data.db_file", path=ui.safe(info["path"]), version=info["version"],
                    source=ui.t(f"data.source.{info['source']}")))

section = ui.section("data", {"status": "data.tab.status", "upload": "ingest.ui.tab_upload",
                              "history": "ingest.ui.tab_history", "contract": "data.tab.contract",
                              "metrics": "data.tab.metrics"},
                     {"status": "table_rows", "upload": "upload_file", "history": "history", "contract": "description",
                      "metrics": "functions"})  # only the open section runs

if section == "status":
    loaded = datapage.loaded_tables(ui.db(), ui.lang(), ui.viewer())  # counts within the viewer's scope
    tables.dataframe(loaded, hide_index=True, width="stretch", column_config={
        "table": ui.t("data.col.table"), "label": ui.t("data.col.label"),
        "rows": st.column_config.NumberColumn(ui.t("data.col.rows"), format="localized"),
        "first_date": ui.t("data.col.first_date"), "last_date": ui.t("data.col.last_date"),
        "last_import": ui.t("data.col.last_import"), "source": ui.t("data.col.source"),
    })
    empty = datapage.empty_tables(loaded)
    if empty:
        st.warning(ui.t("data.empty_tables", tables=", ".join(empty)), icon=":material/info:")

if section == "upload":
    if ui.can("import"):
        ui_ingest.upload_section()
    else:
        st.info(ui.t("auth.no_rights", role=ui.t(f"auth.role.{ui.viewer().role}")), icon=":material/lock:")

if section == "history":
    ui_ingest.history_section()

if section == "contract":
    st.write(ui.t("data.contract_intro"))
    for table, columns in datapage.contract_tables(ui.lang()):
        label = table.label_zh if ui.lang() == "zh" else table.label_en
        with st.expander(f"**{table.name}** — {label}"):
            st.caption(ui.t("data.key_line", keys=" + ".join(table.key),
                            source=table.source_zh if ui.lang() == "zh" else table.source_en))
            tables.dataframe(columns, hide_index=True, width="stretch", column_config={
                "column": ui.t("data.col.column"), "type": ui.t("data.col.type"),
                "key": st.column_config.CheckboxColumn(ui.t("data.col.key")),
                "required": st.column_config.CheckboxColumn(ui.t("data.col.required")),
                "personal": st.column_config.CheckboxColumn(ui.t("data.col.personal")),
                "references": ui.t("data.col.references"), "synonyms": ui.t("data.col.synonyms"),
                "categories": ui.t("data.col.categories"),
            })

if section == "metrics":
    tables.dataframe(metrics.registry_rows(ui.lang()), hide_index=True, width="stretch", column_config={
        "key": ui.t("metrics.col.key"), "label": ui.t("metrics.col.metric"), "definition": ui.t("metrics.col.definition"),
        "formula": ui.t("metrics.col.formula"), "unit": ui.t("metrics.col.unit"),
        "higher_is_better": st.column_config.CheckboxColumn(ui.t("metrics.col.direction")),
    })
