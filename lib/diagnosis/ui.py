"""Streamlit helpers of the Diagnosis page: KPI cards with status and sparkline, the
bottleneck panel, URL-kept drill-down widgets, and the page's charts and tables.

The numbers all come from ``lib.diagnosis.diagnose``; this module only lays them out. Drill-down
state lives in st.session_state and is mirrored into st.query_params (``kpi``,
``drill_region``, ``drill_branch``, ``grain``) so a copied link reproduces the view.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.ui import charts
from lib.ui import tables
from lib.diagnosis import diagnose as diagnosis
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.core import schema
from lib.ui import shell as ui

STATUS_STYLE = {  # badge colour, icon, chart colour
    "on_track": ("green", ":material/check_circle:", "#2E8B57"),
    "at_risk": ("orange", ":material/warning:", "#E07B00"),
    "off_track": ("red", ":material/error:", "#C0392B"),
    None: ("gray", ":material/remove:", "#8C96A0"),
}
QP = {"kpi": "kpi", "region": "drill_region", "branch": "drill_branch", "grain": "grain"}
ALL = "ALL"


def _status(v) -> str | None:
    return v if isinstance(v, str) else None


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else float(v)


# ---------------------------------------------------------------- URL-kept widget state
def seed(name: str, options: list, default) -> None:
    """Put a valid value for widget `d_<name>` into session state: from the URL on first
    sight, otherwise keep the current one unless it is no longer an option."""
    key = f"d_{name}"
    if key not in st.session_state:
        raw = st.query_params.get(QP[name])
        st.session_state[key] = raw if raw in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default


def keep_in_url(name: str, default) -> None:
    value = st.session_state.get(f"d_{name}")
    param = QP[name]
    if value in (None, default):
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


# ---------------------------------------------------------------- notes
def missing_notes(missing: dict, quarter: str) -> None:
    lang = ui.lang()
    sep = ui.t("diagnosis.list_sep")
    for table_name, keys in missing["tables"].items():
        src_en, src_zh, lab_en, lab_zh = missing["sources"][table_name]
        st.info(ui.t("diagnosis.missing.table", label=lab_zh if lang == "zh" else lab_en,
                     source=src_zh if lang == "zh" else src_en,
                     metrics=sep.join(metrics.metric(k).label(lang) for k in keys)),
                icon=":material/upload_file:")
    for flag, table_name, key in (("targets", "targets", "diagnosis.missing.targets"),
                                  ("peers", "peer_benchmarks", "diagnosis.missing.peers")):
        if missing[flag]:
            tb = schema.table(table_name)
            st.info(ui.t(key, quarter=quarter, source=tb.source_zh if lang == "zh" else tb.source_en),
                    icon=":material/upload_file:")


# ---------------------------------------------------------------- cards
CARD_WIDTH = 272  # px: five cards a row on a 1920 screen, two on a 1024 laptop, wrapping in between
PROJECTOR_CARD_WIDTH = 220  # px: four cards a row on a 1024 projector (gaps of 1rem = 20 px) (values scale with the card)


def kpi_card(row: pd.Series) -> None:
    lang = ui.lang()
    m = metrics.metric(row["key"])
    value = _num(row["value"])
    qoq = _num(row["qoq"])
    spark = list(row["spark"]) if len(row["spark"]) >= 2 else None
    help_text = f"{m.definition(lang)}\n\n`{m.formula}`"
    if value is None:  # "—": say why on hover
        help_text = i18n.t("empty.unanswerable", lang) + "\n\n" + help_text
    if spark:
        help_text += "\n\n" + ui.t("diagnosis.card.spark", quarters=" · ".join(
            f"{q} {i18n.fmt_value(v, m.unit, lang)}" for q, v in zip(row["spark_quarters"], row["spark"])))
    with st.container(border=True, width=PROJECTOR_CARD_WIDTH if ui.projector() else CARD_WIDTH):
        st.metric(m.label(lang), ui.card_value(value, m.unit),  # compact: shows whole on any card width
                  delta=None if qoq is None else diagnosis.fmt_change(qoq, m.unit, lang),
                  delta_color="normal" if m.higher_is_better else "inverse",
                  delta_description=ui.t("diagnosis.card.vs_last_quarter") if qoq is not None else None,
                  help=help_text, chart_data=spark, chart_type="line")
        st_ = _status(row["status"])
        color, icon, _ = STATUS_STYLE[st_]
        st.badge(ui.t(f"diagnosis.status.{st_}" if st_ else "diagnosis.status.none"), icon=icon, color=color)
        lines = []
        plan = _num(row["plan"])
        if plan is None:
            lines.append(ui.t("diagnosis.card.no_plan"))
        else:
            att = i18n.fmt_pct(_num(row["attainment"]), lang, 0)
            if m.kind == "flow":
                lines.append(ui.t("diagnosis.card.plan_pace", plan=i18n.fmt_value(plan, m.unit, lang),
                                  expected=i18n.fmt_value(_num(row["expected"]), m.unit, lang), att=att))
            else:
                lines.append(ui.t("diagnosis.card.plan", plan=i18n.fmt_value(plan, m.unit, lang), att=att))
        extra = []
        if _num(row["peer"]) is not None:
            extra.append(ui.t("diagnosis.card.peer", peer=i18n.fmt_value(_num(row["peer"]), m.unit, lang),
                              vs=diagnosis.fmt_change(_num(row["vs_peer"]), m.unit, lang)))
        if _num(row["yoy"]) is not None:
            extra.append(ui.t("diagnosis.card.yoy", chg=diagnosis.fmt_change(_num(row["yoy"]), m.unit, lang)))
        if extra:
            lines.append(" · ".join(extra))
        st.caption("  \n".join(lines))


def card_grid(table: pd.DataFrame, keys: tuple[str, ...]) -> None:
    """Cards of fixed width in a wrapping row, so the grid reflows with the screen."""
    rows = table.set_index("key")
    shown = [k for k in keys if k in rows.index and bool(rows.loc[k, "available"])]
    with st.container(horizontal=True, wrap=True, gap="small"):
        for key in shown:
            kpi_card(rows.loc[key].to_dict() | {"key": key})


# ---------------------------------------------------------------- bottlenecks
def bottleneck_panel(items: pd.DataFrame, has_plan: bool, limit: int = 6) -> None:
    with st.container(border=True):
        st.subheader(ui.t("diagnosis.bottleneck.title"), help=ui.t("diagnosis.bottleneck.help"),
                     anchor=False)
        if not has_plan:
            st.caption(ui.t("diagnosis.bottleneck.no_plan"))
            return
        if items.empty:
            st.success(ui.t("diagnosis.bottleneck.none"), icon=":material/check_circle:")
            return
        for _, r in items.head(limit).iterrows():
            color, icon, _ = STATUS_STYLE[_status(r["status"])]
            st.markdown(f":{color}[{icon}] {ui.safe(r['sentence'])}")
        if len(items) > limit:
            with st.expander(ui.t("diagnosis.bottleneck.more", n=len(items) - limit)):
                for _, r in items.iloc[limit:].iterrows():
                    color, icon, _ = STATUS_STYLE[_status(r["status"])]
                    st.markdown(f":{color}[{icon}] {ui.safe(r['sentence'])}")
        if set(items["key"]) & set(diagnosis.CORPORATE_KPIS):  # corporate clients behind plan: the risk around them
            st.page_link("pages/related.py", label=ui.t("related.link.diagnosis"), icon=":material/hub:")


# ---------------------------------------------------------------- drill-down widgets
def kpi_picker(keys: list[str], default: str | None = None) -> str:
    """The KPI of the drill-down and trend; defaults to the worst bottleneck."""
    default = default if default in keys else keys[0]
    seed("kpi", keys, default)
    st.selectbox(ui.t("diagnosis.drill.kpi"), keys, key="d_kpi",
                 format_func={k: metrics.metric(k).label(ui.lang()) for k in keys}.get)  # labels made in the run
    keep_in_url("kpi", None)  # always in the URL: the default follows the data
    return st.session_state["d_kpi"]


def drill_pickers(options: pd.DataFrame, scope) -> tuple[str | None, str | None]:
    """Region and branch selectors inside the viewer's scope (hidden where the global
    filters already fix them); returns (region, branch) of the drill-down, None for all."""
    region = branch = None
    if scope.branch_ids is not None or scope.unassigned:  # Unassigned has no regions or branches to pick
        return None, None
    left, right = st.columns(2)
    if scope.region is None:
        regions = [ALL, *sorted(options["region"].unique())]
        seed("region", regions, ALL)
        with left:
            st.selectbox(ui.t("diagnosis.drill.region"), regions, key="d_region",
                         format_func={r: ui.t("diagnosis.drill.all_regions") if r == ALL else r for r in regions}.get)
        keep_in_url("region", ALL)
        region = None if st.session_state["d_region"] == ALL else st.session_state["d_region"]
    sub = options if region is None else options[options["region"] == region]
    names = dict(zip(sub["branch_id"], sub["branch_name"]))
    branches = [ALL, *sub["branch_id"]]
    seed("branch", branches, ALL)
    with right:
        st.selectbox(ui.t("diagnosis.drill.branch"), branches, key="d_branch",
                     format_func={b: ui.t("diagnosis.drill.all_branches") if b == ALL else f"{names[b]} ({b})"
                                  for b in branches}.get)
    keep_in_url("branch", ALL)
    branch = None if st.session_state["d_branch"] == ALL else st.session_state["d_branch"]
    return region, branch


def grain_picker() -> str:
    options = ["week", "month"]
    seed("grain", options, "week")
    st.segmented_control(ui.t("diagnosis.trend.grain"), options, key="d_grain", required=True,
                         format_func={g: ui.t(f"diagnosis.trend.{g}") for g in options}.get)
    keep_in_url("grain", "week")
    return st.session_state.get("d_grain") or "week"


# ---------------------------------------------------------------- charts and tables
def _scale(unit: str, values) -> tuple[float, str]:
    lang = ui.lang()
    if unit == "cny":
        vals = [abs(v) for v in values if v is not None and not pd.isna(v)]
        return charts.money_unit(max(vals) if vals else 0, lang)
    if unit == "pct":
        return 0.01, "%"
    return 1.0, ui.t(f"unit.{unit}")


def _names(df: pd.DataFrame) -> list[str]:
    return [ui.t("diagnosis.drill.unassigned") if (n is None or pd.isna(n) or n == "") else str(n) for n in df["name"]]


@ui.cached_figure
def drill_chart(df: pd.DataFrame, key: str, level: str) -> go.Figure:
    lang = ui.lang()
    m = metrics.metric(key)
    div, unit = _scale(m.unit, list(df["value"]) + list(df["expected"]))
    names = _names(df)
    fig = go.Figure()
    fig.add_bar(y=names, x=df["value"] / div, orientation="h", name=ui.t("diagnosis.col.actual"),
                marker_color=[STATUS_STYLE[_status(s)][2] for s in df["status"]],
                text=[i18n.fmt_value(_num(v), m.unit, lang) for v in df["value"]], textposition="auto",
                hovertemplate="%{y}: %{text}<extra></extra>")
    if df["expected"].notna().any():
        fig.add_scatter(y=names, x=df["expected"] / div, mode="markers", name=ui.t("diagnosis.col.expected"),
                        marker=dict(symbol="line-ns-open", size=20, color="#1F4E79", line=dict(width=3, color="#1F4E79")))
    level_label = ui.t(f"diagnosis.level.{level}")
    fig.update_layout(title=ui.t("diagnosis.drill.chart", kpi=m.label(lang), level=level_label),
                      xaxis_title=ui.t("diagnosis.axis.value", kpi=m.label(lang), unit=unit),
                      yaxis=dict(autorange="reversed", title=None), bargap=0.25)
    return charts.style(fig, lang, height=max(300, 90 + 30 * len(df)))


def drill_table(df: pd.DataFrame, key: str) -> None:
    lang = ui.lang()
    m = metrics.metric(key)
    out = pd.DataFrame({
        "rank": df["rank"], "name": _names(df), "grp": df["grp"],
        "value": [i18n.fmt_value(_num(v), m.unit, lang) for v in df["value"]],
        "expected": [i18n.fmt_value(_num(v), m.unit, lang) for v in df["expected"]],
        "attainment": [i18n.fmt_pct(_num(v), lang, 0) for v in df["attainment"]],
        "status": [ui.t(f"diagnosis.status.{s}" if _status(s) else "diagnosis.status.none") for s in df["status"]],
    })
    tables.dataframe(out, hide_index=True, width="stretch", column_config={
        # the name column takes the room it needs: a branch or RM name is never cut
        "rank": st.column_config.NumberColumn(ui.t("diagnosis.col.rank"), width=50),
        "name": st.column_config.TextColumn(ui.t("diagnosis.col.name"), width=max(120, 16 + 15 * max(
            (len(str(n)) for n in out["name"]), default=8))),
        "grp": st.column_config.TextColumn(ui.t("diagnosis.col.id"), width="small"),
        "value": ui.t("diagnosis.col.actual"), "expected": ui.t("diagnosis.col.expected"),
        "attainment": ui.t("diagnosis.col.attainment"), "status": ui.t("diagnosis.col.status"),
    })


@ui.cached_figure
def trend_chart(df: pd.DataFrame, key: str, grain: str) -> go.Figure:
    lang = ui.lang()
    m = metrics.metric(key)
    div, unit = _scale(m.unit, list(df["value"]))
    fig = go.Figure()
    style = {"actual": dict(color="#1F4E79", width=4), "plan": dict(color="#2E8B57", width=2, dash="dash"),
             "last_quarter": dict(color="#8C96A0", width=2, dash="dot")}
    for series in ("last_quarter", "plan", "actual"):
        s = df[df["series"] == series]
        if s.empty:
            continue
        fig.add_scatter(x=s["step"], y=s["value"] / div, mode="lines+markers" if series == "actual" else "lines",
                        name=ui.t(f"diagnosis.trend.series.{series}"), line=style[series],
                        hovertemplate="%{x}: %{y:.3~s}<extra></extra>" if m.unit != "pct" else
                        "%{x}: %{y:.1f}%<extra></extra>")
    fig.update_layout(title=ui.t("diagnosis.trend.title", kpi=m.label(lang)),
                      xaxis_title=ui.t(f"diagnosis.trend.axis.{grain}"),
                      yaxis_title=ui.t("diagnosis.axis.value", kpi=m.label(lang), unit=unit),
                      xaxis=dict(dtick=1))
    return charts.style(fig, lang, height=380)


def plan_table(display: pd.DataFrame, show_peers: bool, show_plan: bool) -> None:
    hidden = ([] if show_peers else ["peer", "vs_peer"]) + ([] if show_plan else ["plan", "expected", "attainment",
                                                                                   "status"])
    cols = [c for c in display.columns if c not in hidden]
    tables.dataframe(display[cols], hide_index=True, width="stretch", height=38 + 35 * len(display),
                 column_config={c: ui.t(f"diagnosis.col.{c}") for c in cols})
