"""Streamlit widgets of the upload workflow on the Data page (all logic lives in lib.ingest).

upload_section(): files -> detected source -> target table -> editable header mapping with a
preview of converted values -> constants / surrogate key / as-of date -> validation report
(dry run: the real counts, rolled back) with unknown category values to map and the rejected rows
to download -> Load (one transaction). history_section(): import history and undo.
start_inbox(): once per process, the worker that runs CLI imports while the app holds the DB.

Invariant: widgets are a pure function of the uploaded file and the user's choices; the mapping
proposed for a file is stored once per (file, table) and edits are applied on top of it.
"""
from __future__ import annotations

import copy
import os
import tempfile

import pandas as pd
import streamlit as st

from lib import cube, schema, ui
from lib.ingest import detect, inbox, load, mapping
from lib.ingest.errors import IngestError

SAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "samples")
TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]


@st.cache_resource(show_spinner=False)
def _inbox_worker(path: str):
    return inbox.start_worker(ui.db(), path)


def start_inbox() -> None:
    """Start the inbox worker for the app's database (idempotent)."""
    _inbox_worker(ui.db().path)


def _label(name: str) -> str:
    tb = schema.table(name)
    return f"{tb.name} — {tb.label_zh if ui.lang() == 'zh' else tb.label_en}"


def samples_links() -> None:
    with st.expander(ui.t("ingest.ui.samples"), icon=":material/folder_open:"):
        st.caption(ui.t("ingest.ui.samples_help"))
        files = sorted(os.listdir(SAMPLES_DIR)) if os.path.isdir(SAMPLES_DIR) else []
        cols = st.columns(3)
        for i, name in enumerate(files):
            with open(os.path.join(SAMPLES_DIR, name), "rb") as f:
                cols[i % 3].download_button(name, f.read(), file_name=name, icon=":material/download:",
                                            key=f"ingest_sample_{name}")


def _saved_path(uf) -> str:
    store = st.session_state.setdefault("ingest_files", {})
    path = store.get(uf.file_id)
    if path is None or not os.path.exists(path):
        folder = tempfile.mkdtemp(prefix="qd_upload_")
        path = os.path.join(folder, "upload.bin")
        uf.seek(0)
        with open(path, "wb") as f:
            while chunk := uf.read(4 * 1024 * 1024):
                f.write(chunk)
        store[uf.file_id] = path
    return path


def _targets(table: str) -> list[str]:
    tb = schema.table(table)
    out = [mapping.EXTRA, mapping.IGNORE, *tb.column_names]
    if table == "customers":
        out += [f"{mapping.WIDE_TABLE}.{c}" for c in schema.table(mapping.WIDE_TABLE).column_names if c != "customer_id"]
    return out


def _target_label(v: str) -> str:
    if v == mapping.EXTRA:
        return ui.t("ingest.ui.target_extra")
    if v == mapping.IGNORE:
        return ui.t("ingest.ui.target_ignore")
    return v


def _mapping_editor(src: detect.Source, base: mapping.Plan, key: str) -> dict[str, str]:
    labels = {v: _target_label(v) for v in _targets(base.table)}
    back = {lab: v for v, lab in labels.items()}
    rows = pd.DataFrame({
        "header": src.headers,
        "sample": [next((r[i] for r in src.sample_rows if i < len(r) and r[i].strip()), "") for i in range(len(src.headers))],
        "target": [labels.get(base.columns.get(h, mapping.EXTRA), base.columns.get(h)) for h in src.headers],
    })
    edited = st.data_editor(rows, key=key, hide_index=True, width="stretch", disabled=["header", "sample"],
                            column_config={
                                "header": ui.t("ingest.ui.col_header"), "sample": ui.t("ingest.ui.col_sample"),
                                "target": st.column_config.SelectboxColumn(ui.t("ingest.ui.col_target"),
                                                                           options=list(labels.values()), required=True)})
    return {h: back.get(tgt, mapping.IGNORE) for h, tgt in zip(edited["header"], edited["target"])}


def _dry_run(src: detect.Source, plan: mapping.Plan) -> load.Report:
    cache = st.session_state.setdefault("ingest_reports", {})
    k = (src.checksum, src.sheet, plan.to_json())
    if k not in cache:
        folder = tempfile.mkdtemp(prefix="qd_rejects_")
        cache[k] = load.run_import(ui.db(), src, plan, dry_run=True, rejects_dir=folder, lang=ui.lang())
    return cache[k]


def _report(rep: load.Report) -> None:
    c = st.columns(6)
    for col, (label, v) in zip(c, [("read", rep.rows_read), ("inserted", rep.inserted), ("updated", rep.updated),
                                   ("unchanged", rep.unchanged), ("rejected", rep.rejected), ("warnings", rep.warnings)]):
        col.metric(ui.t(f"ingest.ui.m_{label}"), f"{v:,}")
    for p in rep.parts:
        st.caption(ui.t("ingest.ui.part", table=p.table, inserted=p.inserted, updated=p.updated,
                        unchanged=p.unchanged, rejected=p.rejected))
    if rep.extra_columns:
        st.caption(ui.t("ingest.ui.extra_list", columns=ui.safe_all(rep.extra_columns)))
    if rep.ignored_columns:
        st.caption(ui.t("ingest.ui.ignored_list", columns=ui.safe_all(rep.ignored_columns)))
    if rep.skipped:
        st.caption(ui.t("ingest.ui.skipped", rows=", ".join(f"{r} ({ui.t('ingest.skip.' + w)})" for r, w in rep.skipped[:20])))
    if rep.issues:
        df = pd.DataFrame([{"row": i.row, "column": i.column, "value": i.value, "reason": i.reason,
                            "severity": ui.t(f"ingest.severity.{i.severity}")} for i in rep.issues])
        st.dataframe(df, hide_index=True, width="stretch", column_config={
            "row": ui.t("ingest.ui.col_row"), "column": ui.t("ingest.ui.col_column"), "value": ui.t("ingest.ui.col_value"),
            "reason": ui.t("ingest.ui.col_reason"), "severity": ui.t("ingest.ui.col_severity")})
    if rep.rejects_path and os.path.exists(rep.rejects_path):
        with open(rep.rejects_path, "rb") as f:
            st.download_button(ui.t("ingest.ui.download_rejects"), f.read(), file_name=os.path.basename(rep.rejects_path),
                               mime="text/csv", icon=":material/download:", key=f"rej_{rep.checksum}_{id(rep)}")


def _value_editors(rep: load.Report, plan: mapping.Plan, key: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    tb = schema.table(plan.table)
    for col, vals in rep.unknown_values.items():
        cats = ["", *tb.column(col).categories.keys()]
        st.caption(ui.t("ingest.ui.unknown_values", column=ui.safe(col)))
        df = pd.DataFrame({"value": [v for v, _ in vals[:200]], "rows": [n for _, n in vals[:200]], "map_to": ""})
        edited = st.data_editor(df, key=f"{key}_vals_{col}", hide_index=True, disabled=["value", "rows"],
                                column_config={"value": ui.t("ingest.ui.col_value"), "rows": ui.t("ingest.ui.col_rows"),
                                               "map_to": st.column_config.SelectboxColumn(
                                                   ui.t("ingest.ui.col_map_to"), options=cats)})
        m = {v: tgt for v, tgt in zip(edited["value"], edited["map_to"]) if tgt}
        if m:
            out[col] = m
    return out


def _one_file(uf) -> None:
    key = f"ingest_{uf.file_id}"
    path = _saved_path(uf)
    try:
        src = detect.inspect(path, file_name=uf.name)
        if len(src.sheets) > 1:
            sheet = st.selectbox(ui.t("ingest.ui.sheet"), src.sheets, key=f"{key}_sheet")
            if sheet != src.sheet:
                src.cleanup()
                src = detect.inspect(path, file_name=uf.name, sheet=sheet)
    except IngestError as e:
        st.error(ui.safe(e.message(ui.lang())), icon=":material/error:")
        return
    try:
        st.caption(ui.t("ingest.ui.detected", kind=src.kind, encoding=src.encoding,
                        delimiter={"\t": "TAB"}.get(src.delimiter, src.delimiter),
                        header=src.header_line + 1, size=f"{src.size:,}"))
        names = [tb.name for tb in schema.TABLES]
        guess = src.table_guess
        table = st.selectbox(ui.t("ingest.ui.table"), names, index=names.index(guess) if guess else 0,
                             format_func=_label, key=f"{key}_table")
        if guess is None:
            st.warning(ui.t("ingest.ui.no_guess"), icon=":material/help:")
        bases = st.session_state.setdefault("ingest_plans", {})
        if (uf.file_id, table) not in bases:
            bases[(uf.file_id, table)] = mapping.propose(ui.db(), src, table=table, keep_extra=True)
        base = bases[(uf.file_id, table)]
        if base.remembered:
            st.caption(ui.t("ingest.ui.remembered"))
        plan = copy.deepcopy(base)
        plan.columns = _mapping_editor(src, base, f"{key}_{table}_map")
        keep = st.toggle(ui.t("ingest.ui.keep_extra"), value=True, key=f"{key}_{table}_keep")
        mapping.set_keep_extra(plan, keep)
        tb = schema.table(table)
        mapped = set(plan.columns.values())
        for c in tb.columns:
            if c.name not in mapped and (c.required or c.name in tb.key) and c.default is None:
                v = st.text_input(ui.t("ingest.ui.constant", column=c.name), key=f"{key}_{table}_const_{c.name}")
                if v:
                    plan.constants[c.name] = v
        if len(tb.key) == 1 and tb.key[0] not in mapped and tb.key[0] not in plan.constants:
            plan.surrogate_key = st.checkbox(ui.t("ingest.ui.surrogate"), key=f"{key}_{table}_surrogate")
        if plan.wide_columns and "as_of" not in plan.wide_columns.values():
            d = st.date_input(ui.t("ingest.ui.as_of"), value=None, key=f"{key}_{table}_asof")
            plan.as_of = d.isoformat() if d else None
        with st.expander(ui.t("ingest.ui.preview"), icon=":material/preview:"):
            st.dataframe(pd.DataFrame(mapping.preview(src, plan)), hide_index=True, width="stretch")
        try:
            first = _dry_run(src, plan)
            plan.values = _value_editors(first, plan, f"{key}_{table}")
            rep = _dry_run(src, plan) if plan.values else first
        except IngestError as e:
            st.error(ui.safe(e.message(ui.lang())), icon=":material/error:")
            return
        st.markdown(f"**{ui.t('ingest.ui.report')}**")
        _report(rep)
        if st.button(ui.t("ingest.ui.load", n=rep.loaded), type="primary", icon=":material/upload:",
                     key=f"{key}_{table}_load", disabled=rep.loaded == 0 and rep.rows_read > 0):
            bar = st.progress(0.0, text=ui.t("ingest.ui.loading"))
            try:
                done = load.run_import(ui.db(), src, plan, user=_user(), lang=ui.lang(),
                                       progress=lambda f: bar.progress(min(f, 1.0), text=ui.t("ingest.ui.loading")))
            except IngestError as e:
                st.error(ui.safe(e.message(ui.lang())), icon=":material/error:")
                return
            cube.refresh_in_background(ui.db())
            st.session_state.pop("ingest_reports", None)
            st.session_state.setdefault("ingest_done", []).append(done.summary_line())
            st.success(ui.t("ingest.ui.loaded", file=ui.safe(done.file_name), inserted=done.inserted, updated=done.updated,
                            unchanged=done.unchanged, rejected=done.rejected, import_id=done.import_id),
                       icon=":material/check_circle:")
    finally:
        src.cleanup()


def _user() -> str | None:
    try:
        if st.user.get("is_logged_in", False):
            return st.user.get("email") or st.user.get("name")
    except Exception:  # noqa: BLE001 - auth not configured
        return None
    return None


def upload_section() -> None:
    st.write(ui.t("ingest.ui.intro", limit=round(load.max_upload_bytes() / 2**20)))
    samples_links()
    files = st.file_uploader(ui.t("ingest.ui.upload"), type=TYPES, accept_multiple_files=True, key="ingest_upload")
    for uf in files or []:
        with st.container(border=True):
            st.subheader(ui.safe(uf.name), anchor=False)
            _one_file(uf)


def history_section() -> None:
    h = load.history(ui.db())
    if h.empty:
        st.info(ui.t("ingest.ui.no_history"), icon=":material/history:")
        return
    st.dataframe(h, hide_index=True, width="stretch", column_config={
        c: ui.t(f"ingest.ui.h_{c}") for c in h.columns})
    loaded = h.loc[h["status"] == "loaded", "import_id"].tolist()
    if not loaded or not ui.can("undo"):
        return
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    iid = c1.selectbox(ui.t("ingest.ui.undo_pick"), loaded, key="ingest_undo_id",
                       format_func=lambda i: f"#{i} — {h.loc[h.import_id == i, 'file_name'].iloc[0]}")
    if c2.button(ui.t("ingest.ui.undo"), icon=":material/undo:", key="ingest_undo_btn"):
        try:
            ids = load.undo_import(ui.db(), int(iid), user=_user())
            cube.refresh_in_background(ui.db())
            st.success(ui.t("ingest.ui.undone", ids=", ".join(map(str, ids))), icon=":material/check_circle:")
        except IngestError as e:
            st.error(ui.safe(e.message(ui.lang())), icon=":material/error:")
