"""Streamlit helpers of the Team page: URL-kept RM selection, the weights and mentor-rule forms,
display tables, and the projector-friendly charts (radars, quadrant, mentee trend).

Figures come from lib.team.scorecard / lib.team.capability / lib.team.mentoring; this module only shapes them for
the screen. Charts keep to at most four series, large labels and the shared palette.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.team import capability
from lib.ui import charts
from lib.ui import tables
from lib.core import i18n
from lib.core import settings
from lib.team import scorecard as team
from lib.ui import shell as ui

t = ui.t
QP_RM = "rm"
MAX_RMS = 3
MAX_TEAMS = 4
SERIES_COLOURS = {"rm": charts.PALETTE[0], "team_avg": charts.PALETTE[1], "team_best": charts.PALETTE[2],
                  "extra": charts.PALETTE[3]}
QUAD_COLOURS = {"both_high": "#2E8B57", "busy_not_converting": "#E07B00",
                "converting_little_activity": "#1F4E79", "both_low": "#C0392B"}
WEAK_COLOUR = "#C0392B"
RADAR_FONT = 16


# ---------------------------------------------------------------- settings as hashable cache args
def weights_arg() -> tuple:
    return tuple(sorted(team.weights(ui.db()).items()))


def rule_arg() -> tuple:
    return tuple(sorted(team.mentor_rule(ui.db()).items()))


# ---------------------------------------------------------------- labels
def dim(k: str) -> str:
    return team.dim_label(k, ui.lang())


def line(v: str) -> str:
    return team.line_label(v, ui.lang())


def cap_dim(k: str) -> str:
    return capability.dim_label(k, ui.lang())


def rm_label(card: pd.DataFrame):
    names = dict(zip(card["rm_id"], card["rm_name"]))
    branches = dict(zip(card["rm_id"], card["branch_name"]))
    return lambda r: f"{names.get(r, r)} ({r} · {branches.get(r, '')})"


def team_label(card: pd.DataFrame, team_by: str):
    names = team.team_names(card, team_by, ui.lang())
    return lambda v: names.get(v, str(v))


def change_text(v) -> str:
    if v is None or pd.isna(v):
        return t("team.change.new")
    v = int(v)
    return f"+{v}" if v > 0 else (f"−{-v}" if v < 0 else "0")


# ---------------------------------------------------------------- URL-kept RM selection
def seed_rms(options: list[str], default: list[str]) -> None:
    """Session state of the RM multiselect: from ``?rm=`` on first sight, otherwise the
    current choice minus RMs that left the scope."""
    key = "tm_rms"
    if key not in st.session_state:
        raw = st.query_params.get(QP_RM, "")
        picked = [r for r in str(raw).split(",") if r in options][:MAX_RMS]
        st.session_state[key] = picked or default
    else:
        st.session_state[key] = [r for r in st.session_state[key] if r in options][:MAX_RMS] or default


def keep_rms_in_url() -> None:
    value = ",".join(st.session_state.get("tm_rms") or [])
    if not value:
        if QP_RM in st.query_params:
            del st.query_params[QP_RM]
    elif st.query_params.get(QP_RM) != value:
        st.query_params[QP_RM] = value


# ---------------------------------------------------------------- forms
def _save_weights() -> None:
    """Form callback: runs before the script, so the save survives any rerun of the run."""
    team.save_weights(ui.db(), {k: st.session_state.get(f"tm_w_{k}", 0.0) for k in team.DIM_KEYS})
    st.session_state["tm_w_saved"] = True


def _reset_weights() -> None:
    team.save_weights(ui.db(), settings.DEFAULTS["team_weights"])
    for k in team.DIM_KEYS:
        st.session_state[f"tm_w_{k}"] = float(settings.DEFAULTS["team_weights"][k])
    st.session_state["tm_w_saved"] = True


def weights_form() -> None:
    db = ui.db()
    current = team.weights(db)
    with st.expander(t("team.weights.header"), icon=":material/tune:"):
        st.caption(t("team.weights.help"))
        with st.form("tm_weights_form", border=False):
            cols = st.columns(2)
            for col, group, keys in ((cols[0], "performance", team.PERFORMANCE), (cols[1], "behaviour", team.BEHAVIOUR)):
                with col:
                    st.markdown(f"**{t(f'team.group.{group}')}**")
                    for k in keys:
                        if f"tm_w_{k}" not in st.session_state:
                            st.session_state[f"tm_w_{k}"] = float(current[k])
                        st.number_input(dim(k), min_value=0.0, max_value=10.0, step=0.01, key=f"tm_w_{k}",
                                        format="%.2f")
            st.form_submit_button(t("team.save"), icon=":material/save:", on_click=_save_weights,
                                  disabled=not ui.can("settings"))
        if st.session_state.pop("tm_w_saved", False):
            st.success(t("team.saved"), icon=":material/check:")
        st.button(t("team.reset"), key="tm_w_reset", icon=":material/restart_alt:", on_click=_reset_weights,
                  disabled=not ui.can("settings"))
        total = sum(current.values())
        if total > 0:
            perf = sum(current[k] for k in team.PERFORMANCE) / total
            st.caption(t("team.weights.total", perf=ui.pct(perf, 0), beh=ui.pct(1 - perf, 0)))
    if sum(current.values()) <= 0:
        st.warning(t("team.weights.zero"), icon=":material/warning:")


def _save_rule() -> None:
    team.save_rule(ui.db(), {"aggregate": st.session_state.get("tm_rule_agg", "average"),
                             "share": st.session_state.get("tm_rule_share", 0.2)})
    st.session_state["tm_rule_saved"] = True


def rule_form() -> dict:
    rule = team.mentor_rule(ui.db())
    with st.expander(t("team.mentor.rule"), icon=":material/tune:"):
        with st.form("tm_rule_form", border=False):
            c1, c2 = st.columns(2)
            aggs = ["average", "minimum", "none"]
            c1.radio(t("team.mentor.aggregate"), aggs, index=aggs.index(rule["aggregate"]),
                     format_func={a: t(f"team.mentor.aggregate.{a}") for a in aggs}.get, key="tm_rule_agg")
            c2.slider(t("team.mentor.share"), 0.0, 1.0, float(rule["share"]), 0.05, key="tm_rule_share")
            st.form_submit_button(t("team.save"), icon=":material/save:", on_click=_save_rule,
                                  disabled=not ui.can("settings"))
        if st.session_state.pop("tm_rule_saved", False):
            st.success(t("team.saved"), icon=":material/check:")
    if rule["aggregate"] == "none" or rule["share"] <= 0:
        st.caption(t("team.mentor.rule_off"))
    else:
        st.caption(t("team.mentor.rule_text", own=f"{1 - rule['share']:.2f}", share=f"{rule['share']:.2f}",
                     agg=t(f"team.mentor.agg_word.{rule['aggregate']}")))
    return rule


# ---------------------------------------------------------------- stars
def star_cards(stars: pd.DataFrame) -> None:
    """One line per team (a list wraps at any screen width; narrow cards did not at 1024 px)."""
    if stars.empty:
        st.info(t("team.stars.none"), icon=":material/info:")
        return
    with st.container(border=True):
        for row in stars.itertuples():
            st.markdown(f":material/star: **{ui.safe(row.rm_name)}** · {ui.safe(row.team_name)} · "
                        f"{t('team.star.score', score=f'{row.score:.0f}', rank=int(row.rank))}  \n{ui.safe(row.reason)}")


# ---------------------------------------------------------------- scorecard table
def scorecard_display(card: pd.DataFrame, show: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "rank": card["rank"], "change": card["rank_change"].map(change_text),
        "rm": card["rm_name"], "rm_id": card["rm_id"], "branch": card["branch_name"],
        "line": card["line"].map(line), "score": card["score"], "performance": card["performance"],
        "behaviour": card["behaviour"],
    })
    for k in team.DIM_KEYS:
        out[k] = card[team.PCT + k] if show == "pct" else card[k]
    out["book"] = card["book"]
    return out


def scorecard_table(card: pd.DataFrame, show: str) -> pd.DataFrame:
    df = scorecard_display(card, show)
    cfg = {
        "rank": st.column_config.NumberColumn(t("team.col.rank"), format="%d", width="small"),
        "change": st.column_config.TextColumn(t("team.col.rank_change"), width="small"),
        "rm": st.column_config.TextColumn(t("team.col.rm"), pinned=True),
        "rm_id": st.column_config.TextColumn(t("team.col.rm_id"), width="small"),
        "branch": st.column_config.TextColumn(t("team.col.branch")),
        "line": st.column_config.TextColumn(t("team.col.line"), width="small"),
        "score": st.column_config.ProgressColumn(t("team.col.score"), min_value=0, max_value=100, format="%.0f"),
        "performance": st.column_config.NumberColumn(t("team.col.performance"), format="%.0f"),
        "behaviour": st.column_config.NumberColumn(t("team.col.behaviour"), format="%.0f"),
        "book": st.column_config.NumberColumn(t("team.col.book"), format="%d"),
    }
    for k in team.DIM_KEYS:
        unit = team.DIM_BY_KEY[k].unit
        fmt = "%.0f" if show == "pct" else {"pct": "percent", "ratio": "%.2f", "cny": "localized"}.get(unit, "%.0f")
        cfg[k] = st.column_config.NumberColumn(dim(k), format=fmt)
    tables.dataframe(df, column_config=cfg, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 520))
    return df


def download(df: pd.DataFrame, name: str, key: str, headers: dict | None = None) -> None:
    ui.downloads(df.rename(columns=headers or {}), name, key=key)


def scorecard_headers() -> dict:
    h = {c: t(f"team.col.{c}") for c in ("rank", "rm", "rm_id", "branch", "line", "score", "performance",
                                           "behaviour", "book")}
    h["change"] = t("team.col.rank_change")
    h.update({k: dim(k) for k in team.DIM_KEYS})
    return h


# ---------------------------------------------------------------- charts
def _polar_layout(fig: go.Figure, title: str, height: int = 500, n_axes: int = 6, rmin: float = 0) -> go.Figure:
    charts.style(fig, ui.lang(), height=height)
    fig.update_layout(
        title=dict(text=title, font=dict(size=18)),
        polar=dict(radialaxis=dict(range=[rmin, 100], tickvals=[v for v in (25, 50, 75, 100) if v > rmin] if rmin == 0
                                   else list(range(int(rmin) + 10, 101, 10)), tickfont=dict(size=12, color="#5D6D7E"),
                                   gridcolor="#C8CDD2", angle=90 + 180 / max(n_axes, 3), tickangle=90 + 180 / max(n_axes, 3)),
                   angularaxis=dict(tickfont=dict(size=RADAR_FONT, color="#1B2631"), gridcolor="#C8CDD2",
                                    rotation=90, direction="clockwise")),
        legend=dict(orientation="h", yanchor="top", y=-0.06, xanchor="center", x=0.5, font=dict(size=15)),
        margin=dict(l=90, r=90, t=60, b=30),
    )
    return fig


def _closed(values: list, labels: list) -> tuple[list, list]:
    return values + values[:1], labels + labels[:1]


def _trace(values, labels, name, colour, fill=False, dash=None, width=3) -> go.Scatterpolar:
    r, th = _closed([None if pd.isna(v) else float(v) for v in values], list(labels))
    return go.Scatterpolar(r=r, theta=th, name=name, mode="lines+markers",
                           line=dict(color=colour, width=width, dash=dash), marker=dict(size=7),
                           fill="toself" if fill else None, opacity=0.95,
                           fillcolor=_rgba(colour, 0.18) if fill else None, connectgaps=True)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {alpha})"


def rm_radar(data: pd.DataFrame, title: str, height: int = 460) -> go.Figure:
    labels = [dim(k) for k in team.DIM_KEYS]
    fig = go.Figure()
    for series, fill, dash in (("rm", True, None), ("team_avg", False, "dash"), ("team_best", False, "dot")):
        s = data[data["series"] == series].set_index("dimension").reindex(team.DIM_KEYS)
        name = t(f"team.radar.series.{series}", name=s["rm_name"].dropna().iloc[0] if s["rm_name"].notna().any() else "")
        fig.add_trace(_trace(s["value"].tolist(), labels, name, SERIES_COLOURS[series], fill, dash))
    return _polar_layout(fig, title, height, len(labels))


def teams_radar(profiles: pd.DataFrame, names, title: str) -> go.Figure:
    labels = [dim(k) for k in team.DIM_KEYS]
    fig = go.Figure()
    for i, (tid, row) in enumerate(profiles.iterrows()):
        fig.add_trace(_trace([row[k] for k in team.DIM_KEYS], labels, names(tid), charts.PALETTE[i % 4],
                             fill=i == 0, dash=[None, "dash", "dot", "dashdot"][i % 4]))
    return _polar_layout(fig, title, height=600, n_axes=len(labels))


def quadrant_chart(card: pd.DataFrame, quarter: str, highlight: list[str]) -> go.Figure:
    df = card[card["performance"].notna() & card["behaviour"].notna()]
    fig = go.Figure()
    for q in team.QUADRANTS:
        sub = df[df["quadrant"] == q]
        fig.add_trace(go.Scatter(
            x=sub["behaviour"], y=sub["performance"], mode="markers", name=t(f"team.quad.{q}"),
            marker=dict(size=13, color=QUAD_COLOURS[q], line=dict(color="white", width=1)),
            customdata=list(zip(charts.esc_all(sub["rm_name"]), charts.esc_all(sub["branch_name"]), sub["score"].round(0))),
            hovertemplate="%{customdata[0]} · %{customdata[1]}<br>%{x:.0f} / %{y:.0f} · %{customdata[2]}<extra></extra>"))
    hl = df[df["rm_id"].isin(highlight)]
    if len(hl):
        fig.add_trace(go.Scatter(x=hl["behaviour"], y=hl["performance"], mode="markers+text", text=charts.esc_all(hl["rm_name"]),
                                 textposition="top center", textfont=dict(size=15, color="#111"),
                                 marker=dict(size=20, color="rgba(0,0,0,0)", line=dict(color="#111", width=2.5)),
                                 showlegend=False, hoverinfo="skip"))
    split = team.QUADRANT_SPLIT
    fig.add_hline(y=split, line=dict(color="#5D6D7E", width=1.5, dash="dash"))
    fig.add_vline(x=split, line=dict(color="#5D6D7E", width=1.5, dash="dash"))
    corners = {"both_high": (98, 102, "right"), "busy_not_converting": (98, -4, "right"),
               "converting_little_activity": (2, 102, "left"), "both_low": (2, -4, "left")}
    for q, (x, y, anchor) in corners.items():
        fig.add_annotation(x=x, y=y, text=f"<b>{t(f'team.quad.{q}')}</b>", showarrow=False, xanchor=anchor,
                           font=dict(size=14, color=QUAD_COLOURS[q]))
    charts.style(fig, ui.lang(), height=520)
    fig.update_layout(title=t("team.quad.title", quarter=quarter),
                      xaxis=dict(title=t("team.quad.x"), range=[-6, 106], title_font=dict(size=15)),
                      yaxis=dict(title=t("team.quad.y"), range=[-10, 108], title_font=dict(size=15)))
    return fig


def capability_rm_radar(prof: pd.DataFrame, name: str, limit: float) -> go.Figure:
    labels = [cap_dim(d) for d in prof["dimension"]]
    fig = go.Figure()
    fig.add_trace(_trace([limit] * len(labels), labels, t("team.cap.series.threshold", score=f"{limit:g}"),
                         WEAK_COLOUR, dash="dot", width=2))
    fig.add_trace(_trace(prof["team_mean"].tolist(), labels, t("team.cap.series.team"), SERIES_COLOURS["team_avg"],
                         dash="dash"))
    if prof["prev_score"].notna().any():
        fig.add_trace(_trace(prof["prev_score"].tolist(), labels, t("team.cap.series.prev"), "#5D6D7E", dash="dot"))
    fig.add_trace(_trace(prof["score"].tolist(), labels, t("team.cap.series.latest"), SERIES_COLOURS["rm"], fill=True))
    return _polar_layout(fig, t("team.cap.rm_title", name=name), n_axes=len(labels),
                         rmin=_cap_floor([*prof["score"], *prof["team_mean"], *prof["prev_score"], limit]))


def capability_team_radar(prof: pd.DataFrame, team_name: str, limit: float) -> go.Figure:
    labels = [cap_dim(d) for d in prof["dimension"]]
    fig = go.Figure()
    fig.add_trace(_trace([limit] * len(labels), labels, t("team.cap.series.threshold", score=f"{limit:g}"),
                         WEAK_COLOUR, dash="dot", width=2))
    if prof["prev_mean"].notna().any():
        fig.add_trace(_trace(prof["prev_mean"].tolist(), labels, t("team.cap.series.prev"), "#5D6D7E", dash="dot"))
    fig.add_trace(_trace(prof["mean"].tolist(), labels, t("team.cap.series.team"), SERIES_COLOURS["rm"], fill=True))
    weak = prof[prof["weak"]]
    if len(weak):
        fig.add_trace(go.Scatterpolar(r=weak["mean"], theta=[cap_dim(d) for d in weak["dimension"]], mode="markers",
                                      name=t("team.cap.series.weak"),
                                      marker=dict(size=18, color=WEAK_COLOUR, symbol="x-thin", line=dict(width=4,
                                                  color=WEAK_COLOUR))))
    return _polar_layout(fig, t("team.cap.team_title", team=team_name), n_axes=len(labels),
                         rmin=_cap_floor([*prof["mean"], *prof["prev_mean"], limit]))


def _cap_floor(values) -> float:
    """Radial floor of a capability radar: 10 below the lowest score, in tens (scores of 60–80 on
    a 0–100 scale would all look alike on a projector)."""
    vals = [float(v) for v in values if v is not None and not pd.isna(v)]
    return float(max(0, (int(min(vals)) // 10 - 1) * 10)) if vals else 0.0


def capability_table(prof: pd.DataFrame, limit: float) -> None:
    df = pd.DataFrame({"dimension": prof["dimension"].map(cap_dim), "mean": prof["mean"],
                       "prev_mean": prof["prev_mean"], "change": prof["change"],
                       "share_below": prof["share_below"] * 100,
                       "weak": prof["weak"].map(lambda w: t("team.cap.series.weak") if w else "")})
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        "dimension": st.column_config.TextColumn(t("team.cap.col.dimension")),
        "mean": st.column_config.NumberColumn(t("team.cap.col.mean"), format="%.1f"),
        "prev_mean": st.column_config.NumberColumn(t("team.cap.col.prev_mean"), format="%.1f"),
        "change": st.column_config.NumberColumn(t("team.cap.col.change"), format="%+.1f"),
        "share_below": st.column_config.ProgressColumn(t("team.cap.col.share_below", score=f"{limit:g}"),
                                                       min_value=0, max_value=100, format="%.0f%%"),
        "weak": st.column_config.TextColumn(t("team.cap.col.weak")),
    })


NAMES_SHOWN = 12


def training_list(plan: pd.DataFrame) -> pd.DataFrame:
    """The training suggestions as a readable list (a projector cannot scroll a table cell);
    returns the full table for the CSV download."""
    sep = t("team.list_sep")
    for r in plan.itertuples():
        with st.container(border=True):
            st.markdown(f":material/school: **{r.priority}. {ui.safe(r.label)}** — {ui.safe(r.course)}")
            names = list(r.participants)
            more = t("team.cap.more", n=len(names) - NAMES_SHOWN) if len(names) > NAMES_SHOWN else ""
            st.caption(t("team.cap.who", n=len(names), names=ui.safe_all(names[:NAMES_SHOWN], sep) + more,
                         mean=f"{r.mean:.1f}"))
    return pd.DataFrame({t("team.cap.col.priority"): plan["priority"], t("team.cap.col.dimension"): plan["label"],
                         t("team.cap.col.course"): plan["course"], t("team.cap.col.n"): plan["n_participants"],
                         t("team.cap.col.participants"): plan["participants"].map(sep.join)})


def pp(v) -> str:
    if v is None or pd.isna(v):
        return t("team.mentor.change_none")
    return t("team.mentor.change_pp", v=f"{v * 100:+.1f}")


def behind_list(behind: pd.DataFrame) -> None:
    if behind.empty:
        st.success(t("team.mentor.behind_none"), icon=":material/check_circle:")
        return
    lines = [t("team.mentor.behind_item", mentee=ui.safe(r.mentee_name), mentor=ui.safe(r.mentor_name),
               branch=ui.safe(r.branch_name),
               att=ui.pct(r.attainment, 0), change=pp(r.change), since=r.paired_since,
               status=t(f"team.mentor.status.{r.status}")) for r in behind.itertuples()]
    st.warning("  \n".join(lines), icon=":material/trending_down:")


def pairs_table(p: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame({
        "mentor": p["mentor_name"], "mentee": p["mentee_name"], "branch": p["branch_name"],
        "since": p["paired_since"], "attainment": p["attainment"] * 100, "change": p["change"] * 100,
        "trend": p["trend"], "status": p["status"].map(lambda s: t(f"team.mentor.status.{s}")),
        "mentor_own": p["mentor_own"] * 100, "mentor_counted": p["mentor_counted"] * 100, "effect": p["score_effect"],
    })
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        "mentor": st.column_config.TextColumn(t("team.mentor.col.mentor")),
        "mentee": st.column_config.TextColumn(t("team.mentor.col.mentee")),
        "branch": st.column_config.TextColumn(t("team.col.branch")),
        "since": st.column_config.TextColumn(t("team.mentor.col.since"), width="small"),
        "attainment": st.column_config.NumberColumn(t("team.mentor.col.attainment"), format="%.0f%%"),
        "change": st.column_config.NumberColumn(t("team.mentor.col.change"), format="%+.1f pp"),
        "trend": st.column_config.LineChartColumn(t("team.mentor.col.trend"), y_min=0.5, y_max=1.2),
        "status": st.column_config.TextColumn(t("team.mentor.col.status"), width="small"),
        "mentor_own": st.column_config.NumberColumn(t("team.mentor.col.mentor_own"), format="%.0f%%"),
        "mentor_counted": st.column_config.NumberColumn(t("team.mentor.col.mentor_counted"), format="%.0f%%"),
        "effect": st.column_config.NumberColumn(t("team.mentor.col.effect"), format="%+.1f"),
    })
    return df


def mentee_trend_chart(p: pd.DataFrame, at_risk: float) -> go.Figure:
    """Attainment by quarter of (at most four) mentees, behind ones first."""
    fig = go.Figure()
    for i, r in enumerate(p.head(MAX_TEAMS).itertuples()):
        fig.add_trace(go.Scatter(x=r.trend_quarters, y=r.trend, mode="lines+markers",
                                 name=f"{r.mentee_name} ← {r.mentor_name}",
                                 line=dict(color=charts.PALETTE[i % 4], width=3,
                                           dash=[None, "dash", "dot", "dashdot"][i % 4]), marker=dict(size=9)))
    fig.add_hline(y=at_risk, line=dict(color=WEAK_COLOUR, width=1.5, dash="dot"),
                  annotation_text=ui.pct(at_risk, 0), annotation_position="right")
    charts.style(fig, ui.lang(), height=400)
    fig.update_layout(title=t("team.mentor.chart_title"), xaxis=dict(title=t("team.mentor.axis.quarter"), type="category"),
                      yaxis=dict(title=t("team.mentor.axis.attainment"), tickformat=".0%"))
    return fig


def fmt_date(d) -> str:
    return i18n.fmt_date(pd.Timestamp(d).date(), ui.lang()) if d is not None and not pd.isna(d) else "—"
