"""Streamlit widgets of the upload workflow on the Data page (all logic lives in lib.ingest).

upload_section(): files -> detected source -> target table -> editable header mapping with a
preview of converted values -> fill-ins for required columns the file lacks (one value for the
whole file, picked from widgets) / surrogate key -> validation report -> Load.
The report is ``lib.ingest.jobs.report``: the load's dry run (real counts, rolled back); Load is
``jobs.commit`` with the very plan object that report used, so the two cannot disagree. A load
that loaded nothing is an error. Every file is handled on its own: a failure shows an error box
for that file (the exception goes to the server log, never a traceback) and the next file goes on.
history_section(): import history and undo, within the viewer's scope.
start_inbox(): once per process, the worker that runs CLI imports while the app holds the DB; it
also removes stale temporary upload copies. The copy of an uploaded file (``qd_upload_*`` in the
temp folder) is deleted when its load ends or fails, and when the file leaves the uploader.

Invariant: widgets are a pure function of the uploaded file and the user's choices; the mapping
proposed for a file is stored once per (file, table) and edits are applied on top of it.
"""
from __future__ import annotations

import logging
import os

import pandas as pd
import streamlit as st

from lib.core import labels, schema
from lib.ui import shell as ui
from lib.ui import tables
from lib.ingest import detect, inbox, jobs, load, mapping
from lib.ingest.errors import IngestError

log = logging.getLogger(__name__)
SAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data", "samples")
TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]


@st.cache_resource(show_spinner=False)
def _inbox_worker(path: str):
    return inbox.start_worker(ui.db(), path)


@st.cache_resource(show_spinner=False)
def _sweep_once() -> int:
    return jobs.sweep_stale_copies()


def start_inbox() -> None:
    """Start the inbox worker for the app's database (idempotent); remove stale upload copies once."""
    _sweep_once()
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
        uf.seek(0)
        path = jobs.upload_copy(iter(lambda: uf.read(4 * 1024 * 1024), b""))
        store[uf.file_id] = path
    return path


def _discard(file_id: str) -> None:
    """Delete the temporary copy of an uploaded file (and its rejected-rows files)."""
    jobs.discard_copy(st.session_state.get("ingest_files", {}).pop(file_id, None))


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
    """The load's dry run for this plan (cached per file, sheet and plan until the next write)."""
    cache = st.session_state.setdefault("ingest_reports", {})
    k = (src.checksum, src.sheet, plan.to_json(), ui.db().data_version())
    if k not in cache:
        rejects = os.path.join(os.path.dirname(src.path), f"rejects-{len(cache)}")
        cache[k] = jobs.report(ui.db(), src, plan, lang=ui.lang(), rejects_dir=rejects)
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
        tables.dataframe(df, categories=False, hide_index=True, width="stretch", column_config={  # values as in the file
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


def _message(e: Exception) -> str:
    """The viewer-language message of a refusal or import error (never a traceback)."""
    return e.message(ui.lang()) if hasattr(e, "message") else str(e)


def _fill_in_widgets(fills: list[jobs.FillIn], key: str, opts: dict) -> bool:
    """One widget per required column the file lacks; the value goes to the whole file. Returns
    whether every one is filled."""
    if not fills:
        return True
    st.caption(ui.t("ingest.ui.fill_intro"))
    done = True
    for f in fills:
        label = ui.t("ingest.ui.fill", column=labels.column_label(f.column, ui.lang()))
        k = f"{key}_fill_{f.column}"
        if f.kind == "date":
            v = st.date_input(label, value=None, key=k)
            v = v.isoformat() if v else None
        elif f.kind in ("category", "reference") and f.choices:
            v = st.selectbox(label, f.choices, index=None, key=k, placeholder=ui.t("ingest.ui.fill_pick"))
        else:
            v = st.text_input(label, key=k).strip() or None
        if v is None:
            done = False
        elif f.column == "as_of" and f.kind == "date" and "as_of" not in schema.table(opts["table"]).column_names:
            opts["as_of"] = v
        else:
            opts.setdefault("set", {})[f.column] = v
    return done


def _optional_constant(tb: schema.Table, plan: mapping.Plan, key: str, opts: dict) -> None:
    """Fill one optional column the file lacks (e.g. the contact date of a call list) with a value for
    every row; never a key or the customer of a row."""
    mapped = set(plan.columns.values()) | set(plan.constants)
    cols = [c.name for c in tb.columns if c.name not in mapped and mapping.constant_allowed(tb.name, c.name)
            and not c.required]
    if not cols:
        return
    with st.expander(ui.t("ingest.ui.constant_optional"), icon=":material/edit_note:"):
        col = st.selectbox(ui.t("ingest.ui.constant_column"), cols, index=None, key=f"{key}_opt_col",
                           format_func=lambda c: labels.column_label(c, ui.lang()),
                           placeholder=ui.t("ingest.ui.fill_pick"))
        if col is None:
            return
        c = tb.column(col)
        label = ui.t("ingest.ui.fill", column=labels.column_label(col, ui.lang()))
        if c.type == "DATE":
            v = st.date_input(label, value=None, key=f"{key}_opt_val_{col}")
            v = v.isoformat() if v else None
        elif c.categories:
            v = st.selectbox(label, list(c.categories), index=None, key=f"{key}_opt_val_{col}",
                             placeholder=ui.t("ingest.ui.fill_pick"))
        else:
            v = st.text_input(label, key=f"{key}_opt_val_{col}").strip() or None
        if v is not None:
            opts.setdefault("set", {})[col] = v


def _one_file(uf) -> None:
    """One uploaded file, start to end; any failure is an error box for this file only."""
    src = None
    try:
        src = _file_body(uf)
    except (IngestError, PermissionError) as e:
        st.error(ui.safe(_message(e)), icon=":material/error:")
    except Exception:  # noqa: BLE001 - one broken file must not stop the page or show a traceback
        log.exception("upload of %s failed", uf.name)
        st.error(ui.t("ingest.ui.failed", file=ui.safe(uf.name)), icon=":material/error:")
    finally:
        if src is not None:
            src.cleanup()


def _file_body(uf) -> detect.Source | None:
    key = f"ingest_{uf.file_id}"
    path = _saved_path(uf)
    src = jobs.open_source(path, uf.name)
    if len(src.sheets) > 1:
        sheet = st.selectbox(ui.t("ingest.ui.sheet"), src.sheets, key=f"{key}_sheet")
        if sheet != src.sheet:
            src.cleanup()
            src = jobs.open_source(path, uf.name, sheet)
    try:
        _steps(uf, src, key)
    except BaseException:
        src.cleanup()
        raise
    return src


def _steps(uf, src: detect.Source, key: str) -> None:
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
        bases[(uf.file_id, table)] = jobs.plan_for(ui.db(), src, {"table": table})
    base = bases[(uf.file_id, table)]
    if base.remembered:
        st.caption(ui.t("ingest.ui.remembered"))
    opts: dict = {"table": table, "map": _mapping_editor(src, base, f"{key}_{table}_map")}
    opts["keep_extra"] = st.toggle(ui.t("ingest.ui.keep_extra"), value=True, key=f"{key}_{table}_keep")
    plan = jobs.plan_for(ui.db(), src, opts)
    tb = schema.table(table)
    if len(tb.key) == 1 and plan.target_of(tb.key[0]) is None and mapping.surrogate_allowed(table):
        opts["surrogate_key"] = st.checkbox(ui.t("ingest.ui.surrogate"), key=f"{key}_{table}_surrogate")
    filled = _fill_in_widgets(jobs.fill_ins(ui.db(), src, plan), f"{key}_{table}", opts)
    _optional_constant(tb, plan, f"{key}_{table}", opts)
    plan = jobs.plan_for(ui.db(), src, opts)
    with st.expander(ui.t("ingest.ui.preview"), icon=":material/preview:"):
        tables.dataframe(pd.DataFrame(mapping.preview(src, plan)), categories=False, hide_index=True, width="stretch")
    if not filled:
        st.info(ui.t("ingest.ui.fill_needed"), icon=":material/edit:")
        return
    first = _dry_run(src, plan)
    edits = _value_editors(first, plan, f"{key}_{table}")
    if edits:
        opts["value"] = edits  # added to the rules the plan already holds (remembered ones stay)
        plan = jobs.plan_for(ui.db(), src, opts)
    rep = _dry_run(src, plan) if edits else first
    st.markdown(f"**{ui.t('ingest.ui.report')}**")
    _report(rep)
    if jobs.outcome(rep) == "failed":
        st.error(ui.t("ingest.ui.nothing_to_load", file=ui.safe(src.file_name), n=rep.rejected),
                 icon=":material/error:")
    if st.button(ui.t("ingest.ui.load", n=rep.loaded), type="primary", icon=":material/upload:",
                 key=f"{key}_{table}_load", disabled=rep.loaded == 0 and rep.rows_read > 0):
        bar = st.progress(0.0, text=ui.t("ingest.ui.loading"))
        try:
            done = jobs.commit(ui.db(), src, rep, user=_user(), lang=ui.lang(),
                               progress=lambda f: bar.progress(min(f, 1.0), text=ui.t("ingest.ui.loading")))
        finally:
            st.session_state.pop("ingest_reports", None)
            src.cleanup()
            _discard(uf.file_id)  # the copy is not needed any more, whatever happened
        jobs.after_write(ui.db())
        st.session_state.setdefault("ingest_done", []).append(done.summary_line())
        msg = ui.t("ingest.ui.loaded", file=ui.safe(done.file_name), inserted=done.inserted, updated=done.updated,
                   unchanged=done.unchanged, rejected=done.rejected, import_id=done.import_id)
        if jobs.outcome(done) == "failed":
            st.error(ui.t("ingest.ui.load_failed", file=ui.safe(done.file_name), n=done.rejected),
                     icon=":material/error:")
        else:
            st.success(msg, icon=":material/check_circle:")


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
    present = {uf.file_id for uf in files or []}
    for fid in [f for f in st.session_state.get("ingest_files", {}) if f not in present]:
        _discard(fid)  # removed from the uploader: its temporary copy goes too
    for uf in files or []:
        with st.container(border=True):
            st.subheader(ui.safe(uf.name), anchor=False)
            _one_file(uf)


def history_section() -> None:
    h = load.history(ui.db(), viewer=ui.viewer())
    if h.empty:
        st.info(ui.t("ingest.ui.no_history"), icon=":material/history:")
        return
    tables.dataframe(h, hide_index=True, width="stretch", column_config={
        c: ui.t(f"ingest.ui.h_{c}") for c in h.columns})
    loaded = h.loc[h["status"] == "loaded", "import_id"].tolist()
    if not loaded or not ui.can("undo"):
        return
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    iid = c1.selectbox(ui.t("ingest.ui.undo_pick"), loaded, key="ingest_undo_id",
                       format_func=lambda i: f"#{i} — {h.loc[h.import_id == i, 'file_name'].iloc[0]}")
    if c2.button(ui.t("ingest.ui.undo"), icon=":material/undo:", key="ingest_undo_btn"):
        try:
            ids = load.undo_import(ui.db(), int(iid), user=_user(), viewer=ui.viewer())
            jobs.after_write(ui.db())
            st.success(ui.t("ingest.ui.undone", ids=", ".join(map(str, ids))), icon=":material/check_circle:")
        except (IngestError, PermissionError) as e:
            st.error(ui.safe(_message(e)), icon=":material/error:")
        except Exception:  # noqa: BLE001 - never a traceback in the app
            log.exception("undo of import %s failed", iid)
            st.error(ui.t("ingest.ui.undo_failed", import_id=int(iid)), icon=":material/error:")
