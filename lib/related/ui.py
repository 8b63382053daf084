"""Streamlit helpers of the Related-party risk page: labels under the masking rule, the flagged
list, the client picker kept in the URL (``?client=C00000123``), the network picture and the
guarantee-circle list.

Names: a party's name shows only when this viewer may see personal data (``ui.show_personal``:
never in projector mode); otherwise tables show the masked name (``privacy.mask_name``) and
pictures and reasons show the party's id. Figures come from ``lib.related.report``.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.ui import charts
from lib.ui import tables
from lib.core import i18n
from lib.core import privacy
from lib.ui import shell as ui
from lib.related import graph, report, risk
from lib.core.db import Scope

RISK_COLOR = {"high": "#B00020", "medium": "#E07B00", None: "#8C96A0"}
LEVEL_BADGE = {"high": "red", "medium": "orange", "low": "gray"}
EDGE_STYLE = {  # colour, dash
    "guarantee": ("#00796B", "solid"),
    "shareholder": ("#1F4E79", "solid"),
    "controller": ("#6C1D8E", "dash"),
    "legal_rep": ("#8B6508", "dot"),
    "supply_chain": ("#5D6D7E", "dashdot"),
}
CLIENT_COLOR = "#003A70"
QP = "client"
LABEL_ALL = 20
LIST_COLUMNS = ("client", "name", "level", "reason", "group", "exposure")  # the rest is in the download


# ---------------------------------------------------------------- labels
def labeller(parties: pd.DataFrame):
    """party id → what this viewer may see of it: the name, or the id when names are masked."""
    names = dict(zip(parties["party"], parties["name"]))
    shown = ui.show_personal()

    def label(p: str) -> str:
        n = names.get(p)
        return str(n) if shown and isinstance(n, str) and n else p
    return label


def shown_name(name) -> object:
    """A name column's cell: the name, or its mask (``张**``)."""
    return name if ui.show_personal() else privacy.mask_name(name)


def level_label(level) -> str:
    return ui.t(f"related.level.{level}") if isinstance(level, str) else "—"


def rel_label(rel: str) -> str:
    return ui.t(f"related.rel.{rel}")


def labels_for(scope_arg, parties) -> callable:
    frame = ui.cached(report.party_label_frame, scope_arg, tuple(sorted(set(parties))))
    return labeller(frame)


# ---------------------------------------------------------------- headline and list
def headline(summary: dict) -> None:
    cols = st.columns(4)
    for col, key, value in zip(cols, ("clients", "flagged", "high", "circles"),
                               (summary["clients"], summary["flagged"], summary["high"], summary["circles"])):
        col.metric(ui.t(f"related.kpi.{key}"), i18n.fmt_count(value, ui.lang()), border=True)


@ui.cached_view
def flagged_view(scope_arg) -> pd.DataFrame:
    """``flagged_frame`` of the scope's flagged clients, shared by every session with the same view
    (a reason path in words per flagged client is the page's heaviest work at a bank's size)."""
    return flagged_frame(ui.cached(report.flagged, scope_arg), scope_arg)


@ui.opening
def opening(quarter: str) -> None:
    """The page for the whole bank (lib.ui.shell.opening): the headline, the flagged list with its
    reasons in words, the guarantee circles and the clients offered for a network."""
    if not ui.cached(report.has_relations):
        return
    scope = ui.scope_arg(Scope())
    if not ui.cached(report.summary, scope)["clients"]:
        return
    if not ui.cached(report.flagged, scope).empty:
        flagged_shown(scope)
    circles_view(scope)
    ui.cached(report.client_options, scope)


def flagged_frame(flagged: pd.DataFrame, scope_arg) -> pd.DataFrame:
    """The flagged list as shown and downloaded: ids, masked names, reasons in words, money."""
    if flagged.empty:
        return pd.DataFrame()
    parties = {p for path in flagged["path"] for p in path} | {p for c in flagged["circle"].dropna() for p in c}
    parties |= set(flagged["client"]) | set(flagged["group_head"])
    label = labels_for(scope_arg, parties)
    view = graph.scoped(ui.db(), _scope(scope_arg))
    lang = ui.lang()
    return pd.DataFrame({
        "client": flagged["client"],
        "name": [shown_name(n) for n in flagged["name"]],
        "level": [level_label(v) for v in flagged["level"]],
        "reason": [risk.reason(view, r, label, lang) for r in flagged.to_dict("records")],
        "group": [label(h) for h in flagged["group_head"]],
        "group_size": flagged["group_size"],
        "exposure": flagged["exposure"],
        "loans": flagged["loans"],
        "guarantees": flagged["guarantees"],
        "branch": flagged["branch_id"],
    })


def _scope(scope_arg):
    return Scope(*scope_arg[1:])


@ui.cached_view
def flagged_shown(scope_arg) -> tables.Displayed:
    """``flagged_view`` as the list shows it (money in the unit of its largest exposure, cleaned for
    the table), once per view for every session: at a bank's size, cleaning 60,000 reasons in words
    was most of the page's rerun."""
    shown, unit = _money_frame(flagged_view(scope_arg)[list(LIST_COLUMNS)], ("exposure",))
    cfg = {c: ui.t(f"related.col.{c}") for c in LIST_COLUMNS}
    cfg["exposure"] = st.column_config.NumberColumn(f"{ui.t('related.col.exposure')} ({unit})", format="%.1f")
    cfg["reason"] = st.column_config.TextColumn(ui.t("related.col.reason"), width="large")
    return tables.shown(shown, ui.lang(), cfg)


def flagged_table(scope_arg) -> None:
    """The ranked list; a click on a row opens that client's network below."""
    shown = flagged_shown(scope_arg)
    tables.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown.frame), 390),
                     on_select=_pick_row, selection_mode="single-row", key="rel_list")


def _money_frame(frame: pd.DataFrame, cols) -> tuple[pd.DataFrame, str]:
    top = float(pd.concat([frame[c] for c in cols]).abs().max() or 0)
    div, unit = charts.money_unit(top, ui.lang())
    out = frame.copy()
    for c in cols:
        out[c] = out[c] / div
    return out, unit


def _pick_row() -> None:
    rows = st.session_state.get("rel_list", {}).get("selection", {}).get("rows", [])
    ids = st.session_state.get("_rel_list_ids")
    if rows and ids is not None and rows[0] < len(ids):
        st.session_state["rel_client"] = str(ids[rows[0]])


def remember_list(frame: pd.DataFrame) -> None:
    st.session_state["_rel_list_ids"] = frame["client"].to_numpy(dtype=object) if len(frame) else None


# ---------------------------------------------------------------- client picker (kept in the URL)
def pick_client(options: list[str], flagged: pd.DataFrame, scope_arg) -> str | None:
    """The client whose network is shown: from ``?client=`` when a link names one (also when the
    session already had another), else the current pick, else the worst flagged client."""
    qp = st.query_params.get(QP)
    if qp and qp != st.session_state.get("_rel_qp_seen"):
        st.session_state["_rel_qp_seen"] = qp
        if ui.cached(report.is_client, scope_arg, qp):
            st.session_state["rel_client"] = qp
        else:
            st.warning(ui.t("related.graph.not_found", client=qp), icon=":material/person_search:")
    current = st.session_state.get("rel_client")
    if current and current not in options and ui.cached(report.is_client, scope_arg, current):
        options = [current, *options]
    if not options:
        return None
    if current not in options:
        st.session_state["rel_client"] = options[0]
    offered = flagged[flagged["client"].isin(options)] if len(flagged) else flagged
    levels = dict(zip(offered["client"], offered["level"])) if len(offered) else {}
    label = labels_for(scope_arg, options)
    names = {o: (f"{o} · {label(o)}" if label(o) != o else o) + (f" · {level_label(levels[o])}" if o in levels else "")
             for o in options}
    st.selectbox(ui.t("related.graph.client"), options, key="rel_client", format_func=names.get)
    chosen = st.session_state["rel_client"]
    st.session_state["_rel_qp_seen"] = chosen
    if st.query_params.get(QP) != chosen:
        st.query_params[QP] = chosen
    return chosen


def graph_controls() -> tuple[int, tuple[str, ...] | None]:
    c1, c2 = st.columns([1, 3])
    with c1:
        k = st.radio(ui.t("related.graph.hops"), [1, 2, 3], index=1, horizontal=True, key="rel_hops")
    with c2:
        types = st.multiselect(ui.t("related.graph.types"), list(graph.RELATIONS), default=list(graph.RELATIONS),
                               format_func=rel_label, key="rel_types", placeholder=ui.t("common.choose"))
    chosen = tuple(t for t in graph.RELATIONS if t in types)
    return int(k), (None if len(chosen) in (0, len(graph.RELATIONS)) else chosen)


# ---------------------------------------------------------------- the network picture
def _edge_hover(view, a: str, b: str, rel: str, share, amount, label, lang: str) -> str:
    text = f"{label(a)} → {label(b)}: {rel_label(rel)}"
    if amount is not None and not pd.isna(amount):
        text += f" {risk.money(amount, lang)}"
    if share is not None and not pd.isna(share):
        text += f" {i18n.fmt_pct(share, lang, 0)}"
    return text


def shown_labels(label, parties) -> dict:
    """{party: what this viewer may see of it} for the network chart (a plain mapping, so the shared
    figure's key holds exactly what is shown: names or ids)."""
    return {p: label(p) for p in parties}


@ui.cached_figure
def network_chart(cv: dict, client: str, k: int, shown: dict) -> go.Figure:
    """Nodes coloured by risk (the client in navy), squares for outside companies, edges coloured and
    dashed by relation type, one legend entry per colour; hover gives names, facts and amounts.
    `shown` maps each party to its label for this viewer (``shown_labels``)."""
    lang = ui.lang()

    def label(p):  # names come from data: shown as text, never as markup (lib.ui.charts.esc)
        return charts.esc(shown.get(p, p))

    nodes, edges = cv["nodes"], cv["edges"]
    pos = dict(zip(nodes["party"], zip(nodes["x"], nodes["y"])))
    fig = go.Figure()
    projector = charts.projector()
    for rel in graph.RELATIONS:
        e = edges[edges["relation"] == rel]
        if e.empty:
            continue
        xs, ys, mx, my, hover = [], [], [], [], []
        for a, b, share, amount in zip(e["from_party"], e["to_party"], e["share_pct"], e["amount"]):
            (x0, y0), (x1, y1) = pos[a], pos[b]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            mx.append((x0 + x1) / 2)
            my.append((y0 + y1) / 2)
            hover.append(_edge_hover(None, a, b, rel, share, amount, label, lang))
        color, dash = EDGE_STYLE[rel]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=rel_label(rel), hoverinfo="skip",
                                 line=dict(color=color, dash=dash, width=3 if projector else 2)))
        fig.add_trace(go.Scatter(x=mx, y=my, mode="markers", showlegend=False, hovertext=hover, hoverinfo="text",
                                 marker=dict(size=8, color=color, symbol="triangle-up", opacity=0.7)))
    size = 20 if projector else 15
    kind = nodes["is_customer"].astype(bool)
    for level in ("high", "medium", None):
        sel = (nodes["risk"] == level) if level else nodes["risk"].isna()
        sel &= nodes["party"] != client
        part = nodes[sel]
        if part.empty:
            continue
        few = len(nodes) <= LABEL_ALL  # a small picture names every party; a big one the risky and nearest
        text = [label(p) if few or (isinstance(r, str) and h <= 2) or h <= 1 and len(nodes) <= 2 * LABEL_ALL else ""
                for p, r, h in zip(part["party"], part["risk"], part["hop"])]
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["y"], mode="markers+text", text=text, textposition="top center",
            name=ui.t(f"related.risk.{level or 'none'}"), hovertext=[_node_hover(r, label, lang) for r in part.to_dict("records")],
            hoverinfo="text",
            marker=dict(size=size, color=RISK_COLOR[level], line=dict(color="#FFFFFF", width=1.5),
                        symbol=["circle" if c else "square" for c in kind[sel]])))
    me = nodes[nodes["party"] == client]
    fig.add_trace(go.Scatter(
        x=me["x"], y=me["y"], mode="markers+text", text=[label(client)], textposition="bottom center",
        name=ui.t("related.node.client"), hovertext=[_node_hover(r, label, lang) for r in me.to_dict("records")],
        hoverinfo="text", textfont=dict(size=22 if projector else 15, color=CLIENT_COLOR),
        marker=dict(size=size + 12, color=CLIENT_COLOR, symbol="diamond",
                    line=dict(color=RISK_COLOR.get(_risk_of(me), "#FFFFFF"), width=4))))
    fig.update_layout(title=ui.t("related.graph.title", client=label(client), k=k), hovermode="closest")
    charts.style(fig, lang, height=560)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.02, xanchor="left", x=0))
    return fig


def _risk_of(me: pd.DataFrame):
    if me.empty:
        return None
    v = me["risk"].iloc[0]
    return v if isinstance(v, str) else None


def _node_hover(row: dict, label, lang: str) -> str:
    kind = ui.t("related.node.customer" if row.get("is_customer") else "related.node.outside")
    lines = [f"<b>{label(row['party'])}</b>", kind]
    if isinstance(row.get("industry"), str):
        lines.append(row["industry"])
    if row.get("hop"):
        lines.append(ui.t("related.node.hop", n=int(row["hop"])))
    facts = risk.all_facts_text(row, lang)
    if facts:
        lines.append(facts)
    return "<br>".join(lines)


# ---------------------------------------------------------------- one client's standing
def client_detail(cv: dict, client: str, scope_arg) -> None:
    lang = ui.lang()
    f = cv["flag"]
    parties = {cv["head"], client} | {p for c in cv["circles"] for p in c["members"]}
    parties |= {p for ch in cv["chains"] for p in ch} | set((f or {}).get("path") or ()) | set((f or {}).get("circle") or ())
    label = labels_for(scope_arg, parties)
    view = graph.scoped(ui.db(), _scope(scope_arg))
    if f is None:
        st.success(ui.t("related.detail.no_flag"), icon=":material/check_circle:")
    else:
        text = ui.t("related.detail.flag", level=level_label(f["level"]), reason=risk.reason(view, f, label, lang))
        (st.error if f["level"] == "high" else st.warning if f["level"] == "medium" else st.info)(
            text, icon=":material/warning:")
    ex = cv["exposure"]
    money = {k: risk.money(v, lang) for k, v in ex.items()}
    if len(cv["group"]) > 1:
        st.markdown(ui.t("related.detail.group", n=len(cv["group"]), head=label(cv["head"]), **money))
    else:
        st.markdown(ui.t("related.detail.single", **money))
    if cv["circles"]:
        st.markdown(f"**{ui.t('related.detail.circles')}**")
        for c in cv["circles"]:
            st.markdown("- " + _ring_text(c["members"], c["amounts"], label, lang))
    if cv["chains"]:
        st.markdown(f"**{ui.t('related.detail.chains')}**")
        for ch in cv["chains"][:5]:
            st.markdown("- " + " → ".join(label(p) for p in ch))
    if cv["truncated"]:
        st.caption(ui.t("related.graph.truncated", shown=len(cv["nodes"]), total=len(cv["nodes"]) + cv["truncated"]))


def _ring_text(members, amounts, label, lang: str) -> str:
    parts = []
    for m, a in zip(members, amounts):
        parts.append(label(m) + ("" if a is None else ui.t("related.paren", v=risk.money(a, lang))))
    return " → ".join(parts) + f" → {label(members[0])}"


# ---------------------------------------------------------------- circles
@ui.cached_view
def circles_view(scope_arg) -> pd.DataFrame:
    """``circles_frame`` of the scope's guarantee circles, shared like ``flagged_view``."""
    return circles_frame(ui.cached(report.circle_table, scope_arg), scope_arg)


def circles_frame(ct: pd.DataFrame, scope_arg) -> pd.DataFrame:
    if ct.empty:
        return pd.DataFrame()
    label = labels_for(scope_arg, {p for m in ct["members"] for p in m})
    lang = ui.lang()
    return pd.DataFrame({
        "circle": ct["circle"],
        "members": [_ring_text(m, a, label, lang) for m, a in zip(ct["members"], ct["amounts"])],
        "size": ct["size"], "amount": ct["amount"], "risky": ct["risky"],
        "worst": [level_label(w) for w in ct["worst"]],
    })


def circles_table(frame: pd.DataFrame) -> None:
    shown, unit = _money_frame(frame, ("amount",))
    cfg = {c: ui.t(f"related.col.{c}") for c in ("circle", "size", "risky", "worst")}
    cfg["members"] = st.column_config.TextColumn(ui.t("related.col.members"), width="large")
    cfg["amount"] = st.column_config.NumberColumn(f"{ui.t('related.col.amount')} ({unit})", format="%.1f")
    tables.dataframe(shown, hide_index=True, width="stretch", column_config=cfg,
                 height=min(38 + 35 * len(shown), 320))


def download_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Column headers in the viewer's language for a download."""
    return frame.rename(columns={c: ui.t(f"related.col.{c}") for c in frame.columns})
