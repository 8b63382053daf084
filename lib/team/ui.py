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
from lib.core import auth
from lib.team import journal
from lib.team import playbook
from lib.team import scorecard as team
from lib.team import training
from lib.ui import shell as ui
from lib.core.db import Scope

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


@ui.opening
def opening(quarter: str) -> None:
    """The scorecard section for the whole bank (lib.ui.shell.opening): the scorecard of every RM and
    its quadrant chart with the default RM highlighted."""
    card = ui.cached(team.scorecard, quarter, ui.scope_arg(Scope()), weights_arg(), rule_arg())
    if card.empty:
        return
    ranked = card[card["rank"].notna()]
    quadrant_chart(card, quarter, list(ranked["rm_id"].head(1)) or list(card["rm_id"].head(1)))


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


@ui.cached_figure
def rm_radar(data: pd.DataFrame, title: str, height: int = 460) -> go.Figure:
    labels = [dim(k) for k in team.DIM_KEYS]
    fig = go.Figure()
    for series, fill, dash in (("rm", True, None), ("team_avg", False, "dash"), ("team_best", False, "dot")):
        s = data[data["series"] == series].set_index("dimension").reindex(team.DIM_KEYS)
        name = t(f"team.radar.series.{series}", name=s["rm_name"].dropna().iloc[0] if s["rm_name"].notna().any() else "")
        fig.add_trace(_trace(s["value"].tolist(), labels, name, SERIES_COLOURS[series], fill, dash))
    return _polar_layout(fig, title, height, len(labels))


@ui.cached_figure
def teams_radar(profiles: pd.DataFrame, names, title: str) -> go.Figure:
    labels = [dim(k) for k in team.DIM_KEYS]
    fig = go.Figure()
    for i, (tid, row) in enumerate(profiles.iterrows()):
        fig.add_trace(_trace([row[k] for k in team.DIM_KEYS], labels, names(tid), charts.PALETTE[i % 4],
                             fill=i == 0, dash=[None, "dash", "dot", "dashdot"][i % 4]))
    return _polar_layout(fig, title, height=600, n_axes=len(labels))


@ui.cached_figure
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


@ui.cached_figure
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


@ui.cached_figure
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
        "journal": [journal_text(r) for r in p.itertuples()],
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
        "journal": st.column_config.TextColumn(t("team.journal.col.status")),
    })
    return df


@ui.cached_figure
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


# ---------------------------------------------------------------- playbook of the quarter
def _errors(exc) -> None:
    st.error("  \n".join(ui.safe(m) for m in exc.messages(ui.lang())), icon=":material/error:")


def playbook_list(entries: pd.DataFrame) -> None:
    """Stars and innovation cases as a readable list (every text from users or data escaped)."""
    if entries.empty:
        st.info(t("team.pb.none"), icon=":material/info:")
        return
    for r in entries.itertuples():
        icon = ":material/star:" if r.kind == "star" else ":material/lightbulb:"
        shown = (r.rm_name,) if r.kind == "star" else (r.rm_name, r.team)  # a star's title names the team
        who = " · ".join(ui.safe(v) for v in shown if isinstance(v, str) and v.strip())
        with st.container(border=True):
            kind = "" if r.kind == "star" else f" · {t(f'team.pb.kind.{r.kind}')}"  # a star's title says it
            st.markdown(f"{icon} **{ui.safe(r.title)}**{kind}" + (f"  \n{who}" if who else ""))
            what = t("team.pb.why_line" if r.kind == "star" else "team.pb.what_line", text=ui.safe(r.what))
            st.markdown(f"{what}  \n{t('team.pb.result_line', text=ui.safe(r.result))}")


def _save_case(quarter: str, case_id: str | None) -> None:
    """Form callback (runs before the script, so the result survives the rerun)."""
    case = {f: st.session_state.get(f"tm_pb_{f}") for f in playbook.FIELDS}
    case["rm_id"] = None if case.get("rm_id") in (None, "", "__none__") else case["rm_id"]
    try:
        saved = playbook.save_case(ui.db(), quarter, case, case_id)
        st.session_state["tm_pb_result_msg"] = ("ok", saved)
        st.session_state["tm_pb_pick"] = st.session_state["tm_pb_loaded"] = saved  # the form now edits it
    except (playbook.PlaybookError, auth.AccessDenied) as e:
        st.session_state["tm_pb_result_msg"] = ("err", e)


def _delete_case(case_id: str) -> None:
    try:
        playbook.delete_case(ui.db(), case_id)
        st.session_state["tm_pb_result_msg"] = ("deleted", case_id)
        st.session_state.pop("tm_pb_pick", None)
    except (playbook.PlaybookError, auth.AccessDenied) as e:
        st.session_state["tm_pb_result_msg"] = ("err", e)


def playbook_form(quarter: str, cases: pd.DataFrame, card: pd.DataFrame) -> None:
    """Add or edit an innovation case (editors and admins; others see the form disabled)."""
    allowed = ui.can("ledger")
    msg = st.session_state.pop("tm_pb_result_msg", None)
    if msg and msg[0] == "ok":
        st.success(t("team.pb.saved", case=ui.safe(msg[1])), icon=":material/check:")
    elif msg and msg[0] == "deleted":
        st.success(t("team.pb.deleted", case=ui.safe(msg[1])), icon=":material/delete:")
    elif msg:
        _errors(msg[1])
    with st.expander(t("team.pb.form"), icon=":material/edit_note:", expanded=bool(msg and msg[0] == "err")):
        if not allowed:
            st.caption(t("team.pb.editors_only"))
        options = ["__new__", *cases["case_id"]]
        titles = dict(zip(cases["case_id"], cases["title"]))
        pick = st.selectbox(t("team.pb.pick"), options, key="tm_pb_pick",
                            format_func={v: t("team.pb.new") if v == "__new__" else f"{v} · {titles.get(v, '')}"
                                         for v in options}.get)
        row = cases[cases["case_id"] == pick].iloc[0] if pick != "__new__" else None
        if st.session_state.get("tm_pb_loaded") != pick:  # load the picked case into the fields once
            for f in playbook.FIELDS:
                v = None if row is None else row[f]
                st.session_state[f"tm_pb_{f}"] = ("__none__" if f == "rm_id" else "") if v is None or pd.isna(v) else v
            st.session_state["tm_pb_loaded"] = pick
        rms = ["__none__", *card["rm_id"]]
        if st.session_state.get("tm_pb_rm_id") not in rms:
            rms.append(st.session_state["tm_pb_rm_id"])
        names = dict(zip(card["rm_id"], card["rm_name"]))
        with st.form("tm_pb_form", border=False):
            st.text_input(t("team.pb.field.title"), key="tm_pb_title", max_chars=playbook.MAX_LEN["title"])
            c1, c2 = st.columns(2)
            c1.selectbox(t("team.pb.field.rm_id"), rms, key="tm_pb_rm_id",
                         format_func={v: t("team.pb.no_rm") if v == "__none__" else f"{names.get(v, v)} ({v})" for v in rms}.get)
            c2.text_input(t("team.pb.field.segment"), key="tm_pb_segment", max_chars=playbook.MAX_LEN["segment"])
            st.text_area(t("team.pb.field.what_done"), key="tm_pb_what_done", max_chars=playbook.MAX_LEN["what_done"])
            st.text_area(t("team.pb.field.result"), key="tm_pb_result", max_chars=playbook.MAX_LEN["result"])
            st.form_submit_button(t("team.save"), icon=":material/save:", disabled=not allowed,
                                  on_click=_save_case, args=(quarter, None if pick == "__new__" else pick))
        if pick != "__new__":
            st.button(t("team.pb.delete"), key="tm_pb_delete", icon=":material/delete:", disabled=not allowed,
                      on_click=_delete_case, args=(pick,))


# ---------------------------------------------------------------- mentor's customer journal
def journal_text(r) -> str:
    s = r.journal_status
    return t(f"team.journal.status.{s}", month=r.journal_month or "—", done=int(r.journal_done),
             due=int(r.journal_due))


def journal_overview(p: pd.DataFrame) -> None:
    """This month's journal entry per pair: overdue first, then due, then done."""
    order = {s: i for i, s in enumerate(journal.STATUSES)}
    p = p.assign(_o=p["journal_status"].map(order)).sort_values(["_o", "mentor_name", "mentee_name"])
    icons = {"overdue": ":material/error:", "due": ":material/schedule:", "done": ":material/check_circle:"}
    counts = p["journal_status"].value_counts()
    st.caption(t("team.journal.counts", overdue=int(counts.get("overdue", 0)), due=int(counts.get("due", 0)),
                 done=int(counts.get("done", 0))))
    lines = []
    for r in p.itertuples():
        missing = (" · " + t("team.journal.missing", months=", ".join(r.journal_missing))) if r.journal_missing else ""
        lines.append(f"{icons[r.journal_status]} " + t("team.journal.pair_line", mentor=ui.safe(r.mentor_name),
                                                                mentee=ui.safe(r.mentee_name),
                                                                status=journal_text(r) + missing))
    with st.container(border=True, height=min(60 + 36 * len(lines), 420)):
        st.markdown("  \n".join(lines))


def _save_entry(pairs: dict) -> None:
    pair = pairs.get(st.session_state.get("tm_mj_pair"))
    if pair is None:
        return
    try:
        eid = journal.add_entry(ui.db(), pair[0], pair[1], st.session_state.get("tm_mj_month"),
                                st.session_state.get("tm_mj_needs"), st.session_state.get("tm_mj_logic"),
                                st.session_state.get("tm_mj_customer"))
        st.session_state["tm_mj_msg"] = ("ok", eid)
        for k in ("tm_mj_needs", "tm_mj_logic", "tm_mj_customer"):
            st.session_state[k] = ""
    except (journal.JournalError, auth.AccessDenied) as e:
        st.session_state["tm_mj_msg"] = ("err", e)


def journal_form(p: pd.DataFrame, month: str) -> None:
    """Add an entry: editors and admins for any pair, a mentor (signed in with their RM id) for their own."""
    v = ui.viewer()
    mine = p if (v is not None and v.can("ledger")) else p[[journal.may_write(v, m) for m in p["mentor_rm_id"]]]
    msg = st.session_state.pop("tm_mj_msg", None)
    if msg and msg[0] == "ok":
        st.success(t("team.journal.saved", entry=ui.safe(msg[1])), icon=":material/check:")
    elif msg:
        _errors(msg[1])
    with st.expander(t("team.journal.form"), icon=":material/edit_note:", expanded=bool(msg and msg[0] == "err")):
        if mine.empty:
            st.caption(t("team.journal.editors_only"))
            return
        pairs = {f"{r.mentor_rm_id}|{r.mentee_rm_id}": (r.mentor_rm_id, r.mentee_rm_id, r.mentor_name, r.mentee_name)
                 for r in mine.itertuples()}
        if "tm_mj_month" not in st.session_state:
            st.session_state["tm_mj_month"] = month
        with st.form("tm_mj_form", border=False):
            c1, c2, c3 = st.columns([2, 1, 1])
            c1.selectbox(t("team.journal.field.pair"), list(pairs), key="tm_mj_pair",
                         format_func={k: f"{v[2]} → {v[3]}" for k, v in pairs.items()}.get)
            c2.text_input(t("team.journal.field.month"), key="tm_mj_month", max_chars=7, placeholder="YYYY-MM")
            c3.text_input(t("team.journal.field.customer_id"), key="tm_mj_customer", max_chars=64)
            st.text_area(t("team.journal.field.needs"), key="tm_mj_needs", max_chars=journal.MAX_TEXT)
            st.text_area(t("team.journal.field.matching_logic"), key="tm_mj_logic", max_chars=journal.MAX_TEXT)
            st.form_submit_button(t("team.save"), icon=":material/save:", on_click=_save_entry, args=(pairs,))


def journal_table(entries: pd.DataFrame, card: pd.DataFrame) -> pd.DataFrame:
    """The quarter's journal entries of the pairs whose mentee is in scope (`card`)."""
    entries = entries[entries["mentee_rm_id"].isin(card["rm_id"])]
    df = pd.DataFrame({"month": entries["month"], "mentor": entries["mentor_name"], "mentee": entries["mentee_name"],
                       "customer": entries["customer_id"].fillna("—"), "needs": entries["needs"],
                       "logic": entries["matching_logic"].fillna("—"), "by": entries["created_by"].fillna("—")})
    heads = {c: t(f"team.journal.col.{c}") for c in df.columns}
    tables.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 420),
                 column_config={c: st.column_config.TextColumn(h) for c, h in heads.items()})
    return df.rename(columns=heads)


# ---------------------------------------------------------------- training programmes
def programme(p: str) -> str:
    return training.label(p, ui.lang())


def training_programme_list(plan: pd.DataFrame) -> pd.DataFrame:
    """The training suggestions with the programme each weak spot maps to and its participants'
    enrolment; returns the table for the CSV download."""
    sep = t("team.list_sep")
    for r in plan.itertuples():
        with st.container(border=True):
            st.markdown(":material/school: " + t("team.train.item", n=r.priority, dim=ui.safe(r.label),
                                                  prog=ui.safe(r.programme_label), audience=ui.safe(r.audience),
                                                  course=ui.safe(r.course)))
            names = list(r.participants)
            more = t("team.cap.more", n=len(names) - NAMES_SHOWN) if len(names) > NAMES_SHOWN else ""
            st.caption(t("team.cap.who", n=len(names), names=ui.safe_all(names[:NAMES_SHOWN], sep) + more,
                         mean=f"{r.mean:.1f}"))
            left = list(r.not_enrolled)
            more_left = t("team.cap.more", n=len(left) - NAMES_SHOWN) if len(left) > NAMES_SHOWN else ""
            st.caption(t("team.train.progress", done=int(r.done), enrolled=int(r.enrolled), n=len(names),
                         left=ui.safe_all(left[:NAMES_SHOWN], sep) + more_left if left else "—"))
    return pd.DataFrame({t("team.cap.col.priority"): plan["priority"], t("team.cap.col.dimension"): plan["label"],
                         t("team.train.col.programme"): plan["programme_label"],
                         t("team.cap.col.course"): plan["course"], t("team.cap.col.n"): plan["n_participants"],
                         t("team.train.col.enrolled"): plan["enrolled"], t("team.train.col.done"): plan["done"],
                         t("team.cap.col.participants"): plan["participants"].map(sep.join)})


def programme_catalogue() -> None:
    cat = training.catalogue(ui.lang())
    st.markdown("  \n".join(f"**{ui.safe(r.label)}** ({ui.safe(r.audience)}) — {ui.safe(r.content)}"
                            for r in cat.itertuples()))


def _save_map(dims: list[str]) -> None:
    try:
        training.save_mapping(ui.db(), {d: st.session_state.get(f"tm_tm_{d}") for d in dims})
        st.session_state["tm_tm_msg"] = ("ok", None)
    except (training.TrainingError, auth.AccessDenied) as e:
        st.session_state["tm_tm_msg"] = ("err", e)


def mapping_form(dims: list[str]) -> None:
    """Which programme each assessment dimension's weak spot goes to (plan settings: editors, admins)."""
    m = training.mapping(ui.db())
    msg = st.session_state.pop("tm_tm_msg", None)
    with st.expander(t("team.train.map_header"), icon=":material/tune:", expanded=bool(msg and msg[0] == "err")):
        programme_catalogue()
        labels = {p: programme(p) for p in training.PROGRAMMES}
        with st.form("tm_tm_form", border=False):
            cols = st.columns(2)
            for i, d in enumerate(dims):
                cur = training.programme_for(d, m)
                cols[i % 2].selectbox(ui.safe(cap_dim(d)), list(training.PROGRAMMES), index=training.PROGRAMMES.index(cur),
                                      format_func=labels.get, key=f"tm_tm_{d}")
            st.form_submit_button(t("team.save"), icon=":material/save:", on_click=_save_map, args=(dims,),
                                  disabled=not ui.can("settings"))
        if msg and msg[0] == "ok":
            st.success(t("team.saved"), icon=":material/check:")
        elif msg:
            _errors(msg[1])


def _save_enrolment() -> None:
    s = st.session_state
    try:
        training.save_enrolment(ui.db(), s.get("tm_en_rm"), s.get("tm_en_prog"), s.get("tm_en_q"), s.get("tm_en_status"),
                                s.get("tm_en_start"), s.get("tm_en_end") if s.get("tm_en_status") == "done" else None)
        s["tm_en_msg"] = ("ok", None)
    except (training.TrainingError, auth.AccessDenied) as e:
        s["tm_en_msg"] = ("err", e)


def enrolment_form(card: pd.DataFrame, quarters: list[str], default_rm: str | None = None) -> None:
    """Enrol an RM in a programme or mark them done (editors and admins)."""
    allowed = ui.can("ledger")
    msg = st.session_state.pop("tm_en_msg", None)
    if msg and msg[0] == "ok":
        st.success(t("team.saved"), icon=":material/check:")
    elif msg:
        _errors(msg[1])
    with st.expander(t("team.train.enrol_header"), icon=":material/how_to_reg:", expanded=bool(msg and msg[0] == "err")):
        if not allowed:
            st.caption(t("team.pb.editors_only"))
        names = dict(zip(card["rm_id"], card["rm_name"]))
        rms = list(card["rm_id"])
        with st.form("tm_en_form", border=False):
            c1, c2, c3 = st.columns([2, 2, 1])
            c1.selectbox(t("team.col.rm"), rms, index=rms.index(default_rm) if default_rm in rms else 0, key="tm_en_rm",
                         format_func={v: f"{names.get(v, v)} ({v})" for v in rms}.get)
            c2.selectbox(t("team.train.col.programme"), list(training.PROGRAMMES), key="tm_en_prog",
                         format_func={p: programme(p) for p in training.PROGRAMMES}.get)
            c3.selectbox(t("team.train.col.quarter"), quarters, index=len(quarters) - 1, key="tm_en_q")
            c4, c5, c6 = st.columns(3)
            c4.radio(t("team.train.col.status"), list(training.STATUSES), key="tm_en_status", horizontal=True,
                     format_func={s: t(f"team.train.status.{s}") for s in training.STATUSES}.get)
            c5.date_input(t("team.train.col.enrolled_on"), key="tm_en_start", value=None)
            c6.date_input(t("team.train.col.completed_on"), key="tm_en_end", value=None)
            st.form_submit_button(t("team.save"), icon=":material/save:", on_click=_save_enrolment, disabled=not allowed)


def enrolment_table(enr: pd.DataFrame, card: pd.DataFrame) -> pd.DataFrame:
    """Enrolments of the RMs in scope (`card`)."""
    enr = enr[enr["rm_id"].isin(card["rm_id"])]
    df = pd.DataFrame({"rm": enr["rm_name"], "rm_id": enr["rm_id"], "programme": enr["programme"].map(programme),
                       "quarter": enr["quarter"], "status": enr["status"].map(lambda s: t(f"team.train.status.{s}")),
                       "enrolled_on": enr["enrolled_on"].map(fmt_date), "completed_on": enr["completed_on"].map(fmt_date)})
    heads = {"rm": t("team.col.rm"), "rm_id": t("team.col.rm_id"), **{c: t(f"team.train.col.{c}") for c in
                                                                        ("programme", "quarter", "status", "enrolled_on",
                                                                         "completed_on")}}
    tables.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 400),
                 column_config={c: st.column_config.TextColumn(h) for c, h in heads.items()})
    return df.rename(columns=heads)
