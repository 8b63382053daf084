"""Streamlit helpers for the PDCA page: the viewer's name for the audit trail, the timeline Gantt,
burn-up charts, the ledger editor with its save / conflict messages, the weekly review cards and
agenda, and the retrospective tables.

Figures come from lib.pdca.plan, lib.pdca.ledger, lib.pdca.retro and lib.pdca.review_pack; this module only shapes
them for the screen.
"""
from __future__ import annotations

import functools
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.ui import charts
from lib.ui import tables
from lib.core import export
from lib.core import i18n
from lib.pdca import ledger
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca
from lib.metrics import plan
from lib.pdca import review_pack
from lib.ui import shell as ui
from lib.core.db import Scope
from lib.core.periods import Quarter

t = ui.t
GOOD, BAD, PLAN, LAST, FORECAST = "#2E8B57", "#C0392B", "#5D6D7E", "#8E44AD", "#E07B00"
STATUS_COLOUR = {"on_track": GOOD, "at_risk": "#B35F00", "off_track": BAD}  # lib.metrics.plan statuses
PHASE_COLOURS = {"prepare": "#17A2B8", "push": "#1F4E79", "sprint": "#E07B00", "wrapup": "#5D6D7E"}


# ---------------------------------------------------------------- plumbing
def viewer() -> str:
    """Who is editing: the signed-in user's name or e-mail, else the "local user" label."""
    v = ui.viewer()
    if v is not None and v.mode != "local":
        return v.label
    try:
        if st.user.get("is_logged_in", False):
            return str(st.user.get("name") or st.user.get("email") or t("pdca.user.local"))
    except Exception:  # auth not configured
        pass
    return t("pdca.user.local")


def today() -> date:
    """The meeting's "today": the data's as-of day for the demo bank (its calendar is frozen),
    the real date otherwise."""
    d = ui.db()
    if d.meta("source") == "demo":
        return date.fromisoformat(d.meta("demo_as_of", date.today().isoformat()))
    return date.today()


def _mark(flag: str) -> None:
    st.session_state[flag] = True


def review_pack_buttons(quarter: str, scope, keys: tuple[str, ...], user: str, now, week: int) -> None:
    """The review pack's HTML download and PDF buttons. The pack is built when a button is
    clicked (the HTML download's data is a callable), never on a rerun that does not ask for it."""
    lang, label, db = ui.lang(), ui.scope_label(scope), ui.db()
    sa = ui.scope_arg(scope)
    bus = ui.cached(pdca.burnups, keys, quarter, sa) if keys else {}
    wk = ui.cached(pdca.weekly_kpis, quarter, sa, keys) if keys else None

    def html() -> str:
        return review_pack.build_html(db, quarter, scope, keys, lang, label, user, now, week, bus, wk)

    p1 = p2 = st.container(horizontal=True, gap="small")  # buttons as wide as their labels
    p1.download_button(t("pdca.rv.pack_html"), lambda: html().encode("utf-8"),
                       file_name=f"review-{quarter}-w{week}.html", mime="text/html", key="pdca_pack_html",
                       icon=":material/download:")
    if clicked(t("pdca.rv.pack_make_pdf"), "pdca_pack_make_pdf", p2, icon=":material/picture_as_pdf:"):
        try:
            st.session_state["pdca_pdf"] = (quarter, week, lang, review_pack.to_pdf(html()))
        except Exception as e:  # noqa: BLE001 - no Chromium on this machine
            st.warning(t("pdca.rv.pack_pdf_failed", error=type(e).__name__), icon=":material/warning:")
    pdf = st.session_state.get("pdca_pdf")
    if pdf and pdf[:3] == (quarter, week, lang):
        p2.download_button(t("pdca.rv.pack_pdf"), pdf[3], file_name=f"review-{quarter}-w{week}.pdf",
                           mime="application/pdf", key="pdca_pack_pdf", icon=":material/download:")


def clicked(label: str, key: str, container=None, form: bool = False, **kw) -> bool:
    """A button whose click survives a rerun of the script before the page's body runs (the
    app shell reruns a page that was started outside it): the click is recorded by a callback,
    which runs first, and read back here."""
    flag = f"{key}__clicked"
    target = container or st
    if form:
        target.form_submit_button(label, key=key, on_click=_mark, args=(flag,), **kw)
    else:
        target.button(label, key=key, on_click=_mark, args=(flag,), **kw)
    return bool(st.session_state.pop(flag, False))


def flash(kind: str, text: str) -> None:
    st.session_state.setdefault("pdca_flash", []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop("pdca_flash", []):
        getattr(st, kind)(text, icon={"success": ":material/check_circle:", "error": ":material/error:",
                                      "warning": ":material/warning:", "info": ":material/info:"}[kind])


def download_csv(df: pd.DataFrame, name: str, key: str) -> None:
    st.download_button(t("pdca.download_csv"), functools.partial(export.csv_bytes, df), file_name=f"{name}.csv",
                       mime="text/csv", key=key, icon=":material/download:")  # built when clicked


def label(prefix: str, v) -> str:
    k = f"{prefix}.{v}"
    return t(k) if k in i18n.STRINGS else ("—" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def phase_label(p: str) -> str:
    return t(f"pdca.phase.{p}")


# ---------------------------------------------------------------- timeline
@ui.opening
def opening(quarter: str) -> None:
    """The timeline section for the whole bank (lib.ui.shell.opening): the key targets, the timeline
    with its chart, and the pipeline reserve."""
    scope = ui.scope_arg(Scope())
    ui.cached(pdca.key_targets, quarter, scope)
    timeline_chart(ui.cached(pdca.timeline, quarter, ui.lang()), quarter, today())
    ui.cached(pdca.pipeline_reserve, quarter, scope)


def _label_side(day, q: Quarter) -> str:
    """Which way a milestone's label runs from its diamond, so labels near the ends stay on the chart."""
    share = (pd.Timestamp(day) - pd.Timestamp(q.start)).days / max(1, (q.end - q.start).days)
    return "right" if share < 0.1 else "left" if share > 0.85 else "center"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@ui.cached_figure
def timeline_chart(tl: dict, quarter: str, now: date) -> go.Figure:
    q = Quarter.parse(quarter)
    fig = go.Figure()
    day_ms = 86_400_000
    rows = []

    def bar(y, start, end, colour, name, text, legend, show):
        fig.add_trace(go.Bar(
            y=[y], base=[pd.Timestamp(start)], x=[((end - start).days + 1) * day_ms], orientation="h",
            marker_color=colour, name=name, legendgroup=legend, showlegend=show, text=[text],
            textposition="inside", insidetextanchor="middle", textfont=dict(color="white"),
            hovertemplate=f"{text or name}<br>{i18n.fmt_date(start, ui.lang())} – {i18n.fmt_date(end, ui.lang())}<extra></extra>"))

    ph_row = t("pdca.tl.row.phases")
    for r in tl["phases"].itertuples():
        wk = f"W{r.first_week}" + (f"–{r.last_week}" if r.last_week != r.first_week else "")
        # a phase of one week has no room for its name inside the bar: the legend names it
        text = f"{phase_label(r.phase)} ({wk})" if r.last_week > r.first_week else ""
        bar(ph_row, r.start, r.end, PHASE_COLOURS[r.phase], phase_label(r.phase), text,
            r.phase, True)
    rows.append(ph_row)
    camp = tl["campaigns"]
    for i, r in enumerate(camp.itertuples()):
        name = str(r.campaign_name)
        if name.startswith(f"{quarter} "):
            name = name[len(quarter) + 1:]
        y = name if len(name) <= 28 else name[:26] + "…"
        if getattr(r, "sprint_offer", False):  # a sprint offer: the sprint's colour, hatched, in its own legend entry
            bar(y, r.start, r.end, PHASE_COLOURS["sprint"], t("pdca.tl.legend.sprint_offer"),
                t("pdca.tl.sprint_offer", name=label("channels.channel", r.channel)), "sprint_offer",
                not any(tr.legendgroup == "sprint_offer" for tr in fig.data))
            fig.data[-1].marker.pattern = dict(shape="/", fgcolor="white", fgopacity=0.35)
        else:
            bar(y, r.start, r.end, charts.PALETTE[(i % 6) + 1 if (i % 6) + 1 != 2 else 6],
                t("pdca.tl.legend.campaign"), label("channels.channel", r.channel), "campaign", False)
        rows.append(y)
    ms_row = t("pdca.tl.row.milestones")
    ms = tl["milestones"]
    if len(ms):
        ms = ms.sort_values("day")
        fig.add_trace(go.Scatter(  # each diamond labelled on the chart, alternately above and below
            x=[pd.Timestamp(d) + pd.Timedelta(hours=12) for d in ms["day"]], y=[ms_row] * len(ms),
            mode="markers+text", marker=dict(symbol="diamond", size=16, color="#1F4E79", line=dict(color="white", width=1)),
            name=t("pdca.tl.legend.milestone"), text=[_short(v, 11 if ui.lang() == "zh" else 20) for v in charts.esc_all(ms["label"])],
            textposition=[("top " if i % 2 == 0 else "bottom ") + _label_side(d, q) for i, d in enumerate(ms["day"])],
            textfont=dict(size=17 if charts.projector() else 13, color="#1F4E79"), cliponaxis=False,
            hovertext=charts.esc_all(ms["label"]), hovertemplate="%{hovertext}<br>%{x|%Y-%m-%d}<extra></extra>"))
    due = tl["ledger_due"]
    if len(due):
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(d) + pd.Timedelta(hours=12) for d in due["day"]], y=[ms_row] * len(due), mode="markers",
            marker=dict(symbol="triangle-down", size=13, color=BAD), name=t("pdca.tl.legend.ledger_due"),
            text=[t("pdca.tl.ledger_due", n=int(n)) for n in due["n"]],
            hovertemplate="%{text}<br>%{x|%Y-%m-%d}<extra></extra>"))
    # blank rows above and below the milestones: room for their labels (alternately above and below)
    rows.extend(["\u2009", ms_row, "\u2009\u2009"])
    for blank in ("\u2009", "\u2009\u2009"):  # a category axis shows a row only when something sits on it
        fig.add_trace(go.Scatter(x=[pd.Timestamp(q.start)], y=[blank], mode="markers", marker=dict(opacity=0),
                                 showlegend=False, hoverinfo="skip"))
    starts = [q.week_start(n) for n in range(1, q.weeks + 1)]
    fig.update_xaxes(type="date", range=[pd.Timestamp(q.start) - pd.Timedelta(days=1), pd.Timestamp(q.end) + pd.Timedelta(days=2)],
                     tickvals=[pd.Timestamp(d) for d in starts],
                     ticktext=[f"W{n}" for n in range(1, q.weeks + 1)], tickangle=0, showgrid=True,
                     gridcolor="#D5DBE1", side="top", automargin=True, title_text="")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), title_text="", automargin=True)
    if q.start <= now <= q.end:
        x = pd.Timestamp(now) + pd.Timedelta(hours=12)
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=dict(color=BAD, width=3, dash="dot"))
        fig.add_annotation(x=x, y=1, yref="paper", yanchor="top", xanchor="left", text=f"<b>{t('pdca.tl.today')}</b>",
                           showarrow=False, font=dict(color=BAD, size=15))
    height = 230 + 40 * len(rows)  # the milestone row carries labels above and below its diamonds
    span = t("pdca.tl.axis", start=i18n.fmt_date(q.start, ui.lang()), end=i18n.fmt_date(q.end, ui.lang()))
    fig.update_layout(barmode="overlay", bargap=0.25)
    charts.style(fig, ui.lang(), height=height)
    # the title and its subtitle (the quarter's dates) stacked above the week ticks, never on them
    fig.update_layout(title=dict(text=t("pdca.tl.chart_title", quarter=quarter), subtitle=dict(text=span),
                                 x=0, xanchor="left", y=0.99, yanchor="top", yref="container", automargin=True),
                      margin=dict(l=10, r=10, t=40, b=40),
                      legend=dict(orientation="h", yanchor="top", y=-0.02, xanchor="left", x=0))
    return fig


def phases_form(phases: dict) -> dict | None:
    """Editable first / last week per phase (the wrap-up can be switched off: the sprint then runs to
    week 13); returns the new phases when saved."""
    with st.form("pdca_phases_form", border=True):
        st.markdown(f"**{t('pdca.tl.edit_phases')}**")
        cols = st.columns(len(pdca.PHASES))
        new = {}
        for c, p in zip(cols, pdca.PHASES):
            c.markdown(f"{phase_label(p)}  \n:gray[{t(f'pdca.phase.desc.{p}')}]")
            cur = phases.get(p) or (13, 13)
            on = True
            if p in pdca.OPTIONAL_PHASES:
                on = c.checkbox(t("pdca.tl.wrapup_on"), value=phases.get(p) is not None, key=f"pdca_ph_{p}_on",
                                help=t("pdca.tl.wrapup_help"))
            a = c.number_input(t("pdca.tl.first"), 1, 13, int(cur[0]), key=f"pdca_ph_{p}_a")
            b = c.number_input(t("pdca.tl.last"), 1, 13, int(cur[1]), key=f"pdca_ph_{p}_b")
            new[p] = (int(a), int(b)) if on else None
        if clicked(t("pdca.save"), "pdca_phases_save", form=True, icon=":material/save:",
                   disabled=not ui.can("settings")):
            return new
    return None


def milestones_editor(ms: pd.DataFrame, quarter: str) -> list[dict] | None:
    q = Quarter.parse(quarter)
    st.markdown(f"**{t('pdca.tl.edit_milestones', quarter=quarter)}**")
    st.caption(t("pdca.tl.milestones_help"))
    df = ms[["day", "label"]].copy()
    edited = st.data_editor(df, num_rows="dynamic", hide_index=True, width="stretch", key=f"pdca_ms_{quarter}",
                            column_config={
                                "day": st.column_config.DateColumn(t("pdca.tl.col.day"), min_value=q.start,
                                                                   max_value=q.end, format="YYYY-MM-DD"),
                                "label": st.column_config.TextColumn(t("pdca.tl.col.label"), width="large")})
    if clicked(t("pdca.save"), "pdca_ms_save", icon=":material/save:", disabled=not ui.can("settings")):
        return edited.to_dict("records")
    return None


def campaigns_table(camp: pd.DataFrame) -> None:
    if camp.empty:
        st.caption(t("pdca.tl.no_campaigns"))
        return
    df = camp.copy()
    df["channel"] = df["channel"].map(lambda c: label("channels.channel", c))
    df["weeks"] = [f"{a}–{b}" if a != b else f"{a}" for a, b in zip(df["first_week"], df["last_week"])]
    tables.dataframe(df[["campaign_name", "channel", "start", "end", "weeks"]], hide_index=True, width="stretch",
                 column_config={"campaign_name": t("pdca.tl.col.campaign"), "channel": t("pdca.tl.col.channel"),
                                "start": st.column_config.DateColumn(t("pdca.tl.col.start"), format="YYYY-MM-DD"),
                                "end": st.column_config.DateColumn(t("pdca.tl.col.end"), format="YYYY-MM-DD"),
                                "weeks": t("pdca.tl.col.weeks")})


def offers_table(offers: pd.DataFrame) -> None:
    """The quarter's sprint offers with their weeks (an offer outside the sprint weeks is marked)."""
    if offers.empty:
        st.caption(t("pdca.tl.offers_none"))
        return
    df = offers.copy()
    df["channel"] = df["channel"].map(lambda c: label("channels.channel", c))
    df["weeks"] = [(f"{a}–{b}" if a != b else f"{a}") + ("" if ok else f" ({t('pdca.tl.offer_outside')})")
                   for a, b, ok in zip(df["first_week"], df["last_week"], df["in_sprint"])]
    tables.dataframe(df[["campaign_name", "channel", "start", "end", "weeks"]], hide_index=True, width="stretch",
                 key="pdca_offers", column_config={
                     "campaign_name": t("pdca.tl.col.campaign"), "channel": t("pdca.tl.col.channel"),
                     "start": st.column_config.DateColumn(t("pdca.tl.col.start"), format="YYYY-MM-DD"),
                     "end": st.column_config.DateColumn(t("pdca.tl.col.end"), format="YYYY-MM-DD"),
                     "weeks": t("pdca.tl.col.weeks")})


# ---------------------------------------------------------------- next-quarter reserve
def reserve_kpis(s: dict) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric(t("pdca.rs.leads"), f"{s['leads']:,}", border=True)
    c2.metric(t("pdca.rs.amount"), ui.money(s["amount"]), border=True)
    c3.metric(t("pdca.rs.converted"), t("pdca.rs.converted_value", n=f"{s['converted']:,}",
                                        amount=ui.money(s["converted_amount"])), border=True)


def reserve_by_rm(s: dict, key: str) -> None:
    df = s["by_rm"].copy()
    df["rm"] = [t("pdca.rs.unassigned") if i is None or pd.isna(i) else (f"{n} ({i})" if isinstance(n, str) else str(i))
                for i, n in zip(df["rm_id"], df["rm_name"])]
    div, unit = charts.money_unit(float(df["amount"].abs().max()) if len(df) else 0, ui.lang())
    df["amount"] = df["amount"] / div
    tables.dataframe(df[["rm", "leads", "amount"]], hide_index=True, width="stretch", key=key, column_config={
        "rm": t("pdca.rs.col.rm"), "leads": st.column_config.NumberColumn(t("pdca.rs.col.leads"), format="%d"),
        "amount": st.column_config.NumberColumn(f"{t('pdca.rs.col.amount')} ({unit})", format="%.2f")})


def reserve_list(df: pd.DataFrame, key: str) -> None:
    show = df[["lead_id", "customer_id", "rm_name", "contact_date", "week", "phase", "channel", "product_name",
               "amount", "converted"]].copy()
    show["phase"] = tables.map_values(show["phase"], phase_label)
    show["channel"] = tables.map_values(show["channel"], lambda c: label("channels.channel", c))
    show["converted"] = [t("pdca.rs.yes") if c else "" for c in show["converted"]]
    for c in ("customer_id", "rm_name", "product_name"):
        show[c] = show[c].astype(object).where(show[c].notna(), "—")
    tables.dataframe(show, hide_index=True, width="stretch", key=key, column_config={
        **{c: t(f"pdca.rs.col.{c}") for c in ("lead_id", "customer_id", "week", "phase", "channel", "product_name",
                                             "converted")},
        "rm_name": t("pdca.rs.col.rm"),
        "contact_date": st.column_config.DateColumn(t("pdca.rs.col.contact_date"), format="YYYY-MM-DD"),
        "amount": st.column_config.NumberColumn(t("pdca.rs.col.amount"), format="localized")})


def reserve_block(title: str, s: dict, leads: pd.DataFrame, quarter: str, key: str) -> None:
    """One reserve (built in a quarter for the next): count, expected amount and conversions so far,
    the split by RM, and the list."""
    st.markdown(f"**{title}**")
    if not s["leads"]:
        st.caption(t("pdca.rs.none", quarter=quarter))
        return
    reserve_kpis(s)
    left, right = st.columns([2, 3])
    with left:
        st.caption(t("pdca.rs.by_rm"))
        reserve_by_rm(s, f"{key}_rm")
    with right:
        st.caption(t("pdca.rs.list"))
        reserve_list(leads, f"{key}_list")


def review_focus(f: dict) -> None:
    """The week's phase and what the review looks at for it (sprint offers, the reserve)."""
    st.info(t("pdca.rv.phase", phase=phase_label(f["phase"]), desc=t(f"pdca.phase.desc.{f['phase']}")),
            icon=":material/flag:")
    if len(f["offers"]):
        sep = "、" if ui.lang() == "zh" else ", "
        st.markdown(t("pdca.rv.offers", names=sep.join(f["offers"]["campaign_name"])))
    if f["reserve"] is not None:
        st.markdown(f"**{t('pdca.rs.built', quarter=f['quarter'], next=f['next'])}**")
        reserve_kpis(f["reserve"])
    elif f["carried"] is not None and f["carried"]["leads"]:
        st.markdown(f"**{t('pdca.rs.carried', prev=f['prev'])}**")
        reserve_kpis(f["carried"])


# ---------------------------------------------------------------- burn-up
def _unit(b: dict, values: list) -> tuple[float, str]:
    if b["unit"] == "cny":
        return charts.money_unit(max([abs(v) for v in values if v is not None and not pd.isna(v)] or [0]), ui.lang())
    if b["unit"] == "pct":
        return 0.01, t("pdca.bu.unit.pct")
    return 1.0, t(f"pdca.bu.unit.{b['unit']}") if f"pdca.bu.unit.{b['unit']}" in i18n.STRINGS else ""


@ui.cached_figure
def burnup_chart(b: dict, quarter: str, height: int = 400) -> go.Figure:
    m = metrics.metric(b["key"])
    df = b["frame"]
    div, unit = _unit(b, [*df["actual"], *df["plan"], *df["last_quarter"], *df["forecast"]])
    colour = STATUS_COLOUR.get(b["status"], charts.PALETTE[0])
    fig = go.Figure()

    def line(col, name, **kw):
        s = df[["week", col]].dropna()
        if len(s):
            fig.add_trace(go.Scatter(x=s["week"], y=s[col] / div, name=name, **{"mode": "lines", **kw}))

    line("last_quarter", t("pdca.bu.series.last_quarter"), line=dict(color=LAST, width=2, dash="dot"))
    line("plan", t("pdca.bu.series.plan"), line=dict(color=PLAN, width=2, dash="dash"))
    line("forecast", t("pdca.bu.series.forecast"), line=dict(color=FORECAST, width=3, dash="dash"))
    line("actual", t("pdca.bu.series.actual"), line=dict(color=colour, width=4), mode="lines+markers")
    if b["target"] is not None:
        fig.add_hline(y=b["target"] / div, line=dict(color="#1F4E79", width=1),
                      annotation_text=t("pdca.bu.series.target"), annotation_position="top left")
    for p, span in (b.get("phases") or {}).items():  # the sprint and the wrap-up as bands (week n = its end)
        if span is not None and p in ("sprint", "wrapup"):
            fig.add_vrect(x0=span[0] - 1, x1=span[1], fillcolor=PHASE_COLOURS[p], opacity=0.10, line_width=0,
                          layer="below", annotation_text=phase_label(p), annotation_position="top left",
                          annotation_font=dict(color=PHASE_COLOURS[p], size=13))
    key = "pdca.bu.chart_title" if b["kind"] == "flow" else "pdca.bu.chart_title_stock"
    fig.update_layout(title_text=t(key, metric=m.label(ui.lang()), quarter=quarter))
    fig.update_xaxes(title_text=t("pdca.bu.axis.week"), dtick=1, range=[-0.2, 13.2])
    fig.update_yaxes(title_text=t("pdca.bu.axis.value", metric=m.label(ui.lang()), unit=unit) if unit
                     else m.label(ui.lang()))
    return charts.style(fig, ui.lang(), height=height)


def pace_box(b: dict) -> None:
    text = pdca.burnup_sentence(b, ui.lang())
    if b["status"] == "on_track":
        st.success(text, icon=":material/trending_up:")
    elif b["status"] == "at_risk":
        st.warning(text, icon=":material/warning:")
    elif b["status"] == "off_track":
        st.error(text, icon=":material/trending_down:")
    else:
        st.info(text, icon=":material/info:")


def burnup_summary(bus: dict) -> None:
    df = pdca.burnup_table(bus, ui.lang()).drop(columns=["key"])
    labels = {s: t(f"diagnosis.status.{s}") for s in plan.STATUSES}
    df["status"] = df["status"].map(lambda s: labels.get(s, t("pdca.bu.no_plan")))
    colours = {labels[s]: c for s, c in STATUS_COLOUR.items()}

    def colour(v):
        return f"color: {colours[v]}; font-weight: 700" if v in colours else ""
    tables.dataframe(df.style.map(colour, subset=["status"]), hide_index=True, width="stretch", column_config={
        c: t(f"pdca.bu.col.{c}") for c in ("metric", "target", "actual", "pace", "forecast", "needed", "status")})


# ---------------------------------------------------------------- ledger
EDIT_COLS = ["item_id", "overdue", "week", "owner", "category", "problem", "action", "due_date", "status",
             "resolved_on", "notes"]


def ledger_snapshot(quarter: str, reload: bool = False) -> pd.DataFrame:
    """The ledger as this session loaded it (kept until a save or a reload, so a save can tell
    what others changed meanwhile)."""
    key = f"pdca_ledger_loaded_{quarter}"
    if reload or key not in st.session_state:
        st.session_state[key] = ledger.load(ui.db(), quarter)
        st.session_state[f"pdca_ledger_loaded_at_{quarter}"] = datetime.now()
        st.session_state["pdca_editor_gen"] = st.session_state.get("pdca_editor_gen", 0) + 1
    return st.session_state[key]


def ledger_filters(df: pd.DataFrame) -> tuple[list, list, list]:
    c1, c2, c3 = st.columns(3)
    owners = c1.multiselect(t("pdca.ledger.filter.owner"), sorted(df["owner"].dropna().unique()), key="pdca_f_owner", placeholder=t("common.choose"))
    statuses = c2.multiselect(t("pdca.ledger.filter.status"), list(ledger.STATUSES), key="pdca_f_status",
                              format_func=lambda s: label("pdca.status", s), placeholder=t("common.choose"))
    cats = c3.multiselect(t("pdca.ledger.filter.category"), sorted(df["category"].dropna().unique()),
                          key="pdca_f_category", format_func=lambda c: label("pdca.category", c), placeholder=t("common.choose"))
    return owners, statuses, cats


def ledger_kpis(df: pd.DataFrame, now: date) -> None:
    n_over = int(ledger.overdue(df, now).sum())
    n_open = int((~df["status"].isin(ledger.DONE)).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(t("pdca.field.overdue"), t("pdca.ledger.overdue_n", n=n_over), border=True)
    c2.metric(t("pdca.field.status"), t("pdca.ledger.open_n", n=n_open), border=True)
    c3.metric(t("pdca.field.status"), t("pdca.ledger.done_n", n=len(df) - n_open), border=True)


def overdue_table(df: pd.DataFrame, now: date) -> None:
    over = df[ledger.overdue(df, now)]
    if over.empty:
        return
    st.markdown(f"**:red[{t('pdca.ledger.overdue_table')}]**")
    show = over[["item_id", "owner", "problem", "due_date", "status"]].copy()
    show["status"] = show["status"].map(lambda s: label("pdca.status", s))
    tables.dataframe(show.style.set_properties(**{"background-color": "#FDECEA", "color": "#8B1A10"}),
                 hide_index=True, width="stretch",
                 column_config={c: t(f"pdca.field.{c}") for c in ("item_id", "owner", "problem", "status")}
                 | {"due_date": st.column_config.DateColumn(t("pdca.field.due_date"), format="YYYY-MM-DD")})


def editor_frame(view: pd.DataFrame, quarter: str, now: date, cats: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The ledger editor's input and its category options, built once per (loaded snapshot,
    filters, language) and then handed to the editor as the very same object on every rerun.

    A ``data_editor`` with dynamic rows is identified by its key *and* its data and column
    settings: if either differs by one byte between two runs, the browser gets a new widget and
    the user's pending edits are dropped. So nothing that can drift while the ledger is open
    (today's date in the Overdue column, the category list another user extends, a rebuilt index
    or dtype) may reach the editor except through a reload or a save."""
    gen = st.session_state.get("pdca_editor_gen", 0)
    sig = (quarter, gen, ui.lang(), tuple(view["item_id"]))
    key = f"pdca_ledger_frame_{quarter}"
    held = st.session_state.get(key)
    if held is None or held[0] != sig:
        df = view.copy()
        df["overdue"] = [t("pdca.overdue.yes") if o else "" for o in ledger.overdue(df, now)]
        df = df[EDIT_COLS].reset_index(drop=True)
        held = (sig, df, list(cats))
        st.session_state[key] = held
    return held[1], held[2]


def ledger_editor(view: pd.DataFrame, quarter: str, now: date, cats: list[str]) -> pd.DataFrame:
    """The ledger's data editor. Required fields are not marked ``required`` in the grid on
    purpose: the grid keeps a new row that lacks one in the browser and never sends it, so the
    save would say "no changes" and the row would vanish on the next reload; the save validates
    instead and names the row and the missing field (lib.pdca.ledger)."""
    q = pdca._q(quarter)
    df, options = editor_frame(view, quarter, now, cats)
    gen = st.session_state.get("pdca_editor_gen", 0)
    return st.data_editor(
        df, num_rows="dynamic", hide_index=True, width="stretch", key=f"pdca_ledger_editor_{quarter}_{gen}",
        disabled=["item_id", "overdue", "week"] if ui.can("ledger") else True,
        column_config={
            "item_id": st.column_config.TextColumn(t("pdca.field.item_id"), width="small"),
            "overdue": st.column_config.TextColumn(t("pdca.field.overdue"), width="small"),
            "week": st.column_config.NumberColumn(t("pdca.field.week"), width="small", format="%d"),
            "owner": st.column_config.TextColumn(t("pdca.field.owner")),
            "category": st.column_config.SelectboxColumn(t("pdca.field.category"), options=options,
                                                         format_func=lambda c: label("pdca.category", c)),
            "problem": st.column_config.TextColumn(t("pdca.field.problem"), width="large"),
            "action": st.column_config.TextColumn(t("pdca.field.action"), width="large"),
            "due_date": st.column_config.DateColumn(t("pdca.field.due_date"), min_value=q.start, max_value=q.end,
                                                    format="YYYY-MM-DD"),
            "status": st.column_config.SelectboxColumn(t("pdca.field.status"), options=list(ledger.STATUSES),
                                                       default="open",
                                                       format_func=lambda s: label("pdca.status", s)),
            "resolved_on": st.column_config.DateColumn(t("pdca.field.resolved_on"), format="YYYY-MM-DD"),
            "notes": st.column_config.TextColumn(t("pdca.field.notes")),
        })


def save_ledger(quarter: str, loaded_view: pd.DataFrame, edited: pd.DataFrame, user: str, now: date) -> bool:
    cols = [c for c in edited.columns if c not in ("overdue",)]
    try:
        res = ledger.save_changes(ui.db(), quarter, loaded_view, edited[cols], user, now)
    except ledger.LedgerError as e:
        st.error("\n".join([t("pdca.ledger.refused"), *[f"- {ui.safe(m)}" for m in e.messages(ui.lang())]]),
                 icon=":material/block:")
        return False
    if not (res["created"] or res["updated"] or res["deleted"]):
        flash("info", t("pdca.ledger.nothing"))
    else:
        flash("success", t("pdca.ledger.saved", created=len(res["created"]), updated=len(res["updated"]),
                           deleted=len(res["deleted"])))
    for i, fields in res["merged"].items():
        flash("warning", t("pdca.ledger.merged", item=i, fields=", ".join(f"“{t('pdca.field.' + f)}”" for f in fields)))
    ledger_snapshot(quarter, reload=True)
    return True


def history_table(h: pd.DataFrame) -> None:
    if h.empty:
        st.caption(t("pdca.ledger.history_none"))
        return
    df = h.copy()
    df["action"] = df["action"].map(lambda a: label("pdca.action", a))
    df["field"] = df["field"].map(lambda f: label("pdca.field", f) if isinstance(f, str) else "")
    cfg = {"changed_at": st.column_config.DatetimeColumn(t("pdca.hist.col.when"), format="YYYY-MM-DD HH:mm"),
           "username": t("pdca.hist.col.who"), "action": t("pdca.hist.col.action"),
           "field": t("pdca.hist.col.field"), "old_value": t("pdca.hist.col.old"), "new_value": t("pdca.hist.col.new"),
           "item_id": t("pdca.hist.col.item"), "problem": t("pdca.field.problem")}
    tables.dataframe(df, hide_index=True, width="stretch", column_config=cfg)


def ledger_download(df: pd.DataFrame, quarter: str) -> None:
    """The ledger as loaded, with the time it was read (``exported_at``): a file edited offline and
    loaded back keeps every field the app changed after that time (lib.pdca.ledger.guard_import)."""
    out = df.drop(columns=[c for c in ("import_id",) if c in df.columns])
    at = st.session_state.get(f"pdca_ledger_loaded_at_{quarter}") or datetime.now()
    out = out.assign(exported_at=at.isoformat(sep=" "))
    download_csv(out, f"ledger-{quarter}", "pdca_dl_ledger")


# ---------------------------------------------------------------- weekly review
def week_cards(wk: pd.DataFrame) -> None:
    """Fixed-width cards in a wrapping row (reflows from a projector to a laptop)."""
    with st.container(horizontal=True, wrap=True, gap="small"):
        for r in wk.itertuples():
            m = metrics.metric(r.key)
            delta = None
            if r.change is not None and not pd.isna(r.change):
                delta = (f"{r.change * 100:+.1f} pp" if r.unit == "pct" else f"{r.change * 100:+.0f}%")
            with st.container(border=True, width=300):
                st.metric(m.label(ui.lang()), ui.card_value(r.this_week, r.unit), delta=delta,
                          delta_color="normal" if r.higher_is_better else "inverse",
                          help=t("pdca.rv.card_help", last=ui.value(r.last_week, r.unit)))
                st.caption(t("pdca.rv.card_caption", last=ui.value(r.last_week, r.unit)))


def ledger_list(df: pd.DataFrame, now: date, key: str) -> None:
    if df.empty:
        st.caption(t("pdca.rv.none"))
        return
    show = df[["item_id", "owner", "problem", "due_date", "status"]].copy()
    over = ledger.overdue(df, now)
    show["status"] = show["status"].map(lambda s: label("pdca.status", s))
    show.insert(1, "overdue", [t("pdca.overdue.yes") if o else "" for o in over])

    def row_style(row):
        return ["background-color: #FDECEA; color: #8B1A10; font-weight: 600" if row["overdue"] else ""] * len(row)
    tables.dataframe(show.style.apply(row_style, axis=1), hide_index=True, width="stretch", key=key,
                 column_config={c: t(f"pdca.field.{c}") for c in ("item_id", "overdue", "owner", "problem", "status")}
                 | {"due_date": st.column_config.DateColumn(t("pdca.field.due_date"), format="YYYY-MM-DD")})


def agenda_step() -> str | None:
    """The agenda step the meeting is on (URL ``agenda`` or this session's last step)."""
    return st.query_params.get("agenda") or st.session_state.get("pdca_agenda")


def agenda_bar() -> None:
    """The meeting agenda Diagnosis -> Tiering -> Channels -> Team -> PDCA (pages registered in
    app.py only) with a "next" button that switches page, keeping the URL's query parameters
    (filters, language) and recording the step in ``agenda``."""
    steps = pdca.agenda()
    if not steps:
        return
    names = [s for s, _ in steps]
    at = agenda_step()
    at = at if at in names else None
    labels = [t(f"pdca.agenda.{s}") for s in names]
    st.markdown(t("pdca.agenda.label") + " " + " → ".join(
        f"**:blue-background[{lbl}]**" if s == at else lbl for s, lbl in zip(names, labels)))
    c1 = c2 = st.container(horizontal=True, gap="small")  # buttons as wide as their labels
    if at is None:
        if clicked(t("pdca.agenda.start", page=labels[0]), "pdca_agenda_next", c1, type="primary",
                   icon=":material/play_arrow:"):
            go_to(steps[0])
        return
    nxt = pdca.next_step(steps, at)
    if nxt is None:
        c1.button(t("pdca.agenda.done"), disabled=True, key="pdca_agenda_next", icon=":material/flag:")
    elif clicked(t("pdca.agenda.next", page=t(f"pdca.agenda.{nxt[0]}")), "pdca_agenda_next", c1, type="primary",
                 icon=":material/arrow_forward:"):
        go_to(nxt)
    if clicked(t("pdca.agenda.restart"), "pdca_agenda_restart", c2, icon=":material/restart_alt:"):
        go_to(steps[0])


AGENDA_END_SECTION = "review"  # the meeting ends on the weekly review's summary (KPIs, due items, notes, pack)


def go_to(step: tuple[str, str]) -> None:
    """Switch to an agenda step keeping every URL parameter (language, projector, filters and the
    rest); a page's section is not carried to another page, and the last step opens the summary."""
    params = {k: st.query_params.get(k) for k in st.query_params.keys() if k != ui.SECTION_PARAM}
    params.update(ui.view_params())
    params["agenda"] = step[0]
    if step[0] == pdca.AGENDA[-1]:
        params[ui.SECTION_PARAM] = AGENDA_END_SECTION
    st.session_state["pdca_agenda"] = step[0]
    ui.switch_page(step[1], params)


# ---------------------------------------------------------------- retrospective
def plan_table(df: pd.DataFrame) -> None:
    cfg = {c: t(f"diagnosis.col.{c}") if f"diagnosis.col.{c}" in i18n.STRINGS else c for c in df.columns}
    tables.dataframe(df, hide_index=True, width="stretch", column_config=cfg)


def delivery_table(df: pd.DataFrame, by: str) -> None:
    out = df.copy()
    prefix = "channels.ptype" if by == "product_type" else "channels.channel"
    out["grp"] = out["grp"].map(lambda g: label(prefix, g))
    div, unit = charts.money_unit(out[["amount", "prev_amount"]].abs().max().max() if len(out) else 0, ui.lang())
    out["amount"] = out["amount"] / div
    out["prev_amount"] = out["prev_amount"] / div
    out["change"] = out["change"] * 100
    out["share"] = out["share"] * 100
    out["verdict"] = out["verdict"].map(lambda v: t(f"pdca.rt.verdict.{v}"))

    def colour(v):
        return f"color: {GOOD}; font-weight: 600" if v == t("pdca.rt.verdict.over") else f"color: {BAD}; font-weight: 600"
    tables.dataframe(out.style.map(colour, subset=["verdict"]), hide_index=True, width="stretch", column_config={
        "grp": t(f"pdca.rt.col.{by}"),
        "amount": st.column_config.NumberColumn(t("pdca.rt.col.amount", unit=unit), format="%.2f"),
        "prev_amount": st.column_config.NumberColumn(t("pdca.rt.col.prev_amount", unit=unit), format="%.2f"),
        "change": st.column_config.NumberColumn(t("pdca.rt.col.change"), format="%+.1f%%"),
        "share": st.column_config.NumberColumn(t("pdca.rt.col.share"), format="%.1f%%"),
        "verdict": t("pdca.rt.col.verdict")})


def tier_label(tier: str) -> str:
    for k in (f"tiers.tier.{tier}", f"pdca.tier.{tier}"):
        if k in i18n.STRINGS:
            return t(k)
    return str(tier)


def sample_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()  # labels looked up once per distinct value (the sample can have 100k rows)
    out["tier"] = out["tier"].map({v: tier_label(v) for v in out["tier"].dropna().unique()})
    out["customer_type"] = out["customer_type"].map(
        {c: t(f"filters.{c}") if c in ("retail", "corporate") else c for c in out["customer_type"].dropna().unique()})
    cols = {c: t(f"pdca.rt.sample.{c}") for c in out.columns}
    tables.dataframe(out, hide_index=True, width="stretch", height=320, column_config={
        **cols, "aum": st.column_config.NumberColumn(t("pdca.rt.sample.aum"), format="localized"),
        "last_survey_date": st.column_config.DateColumn(t("pdca.rt.sample.last_survey_date"), format="YYYY-MM-DD")})
    return out.rename(columns=cols)


@ui.cached_figure
def needs_chart(needs: pd.DataFrame) -> go.Figure:
    df = needs.sort_values("n")
    fig = go.Figure(go.Bar(x=df["n"], y=df["need"], orientation="h", marker_color=charts.PALETTE[1]))
    fig.update_layout(title_text=t("pdca.rt.needs_title"))
    fig.update_xaxes(title_text=t("pdca.rt.needs_axis"), dtick=1)
    return charts.style(fig, ui.lang(), height=max(260, 60 + 34 * len(df)))


@ui.cached_figure
def weak_spots_chart(prof: pd.DataFrame, limit: float) -> go.Figure:
    df = prof.sort_values("mean")
    colours = [BAD if w else GOOD for w in df["weak"]]
    fig = go.Figure(go.Bar(x=df["mean"], y=df["label"], orientation="h", marker_color=colours,
                           text=[f"{v:.0f}" for v in df["mean"]], textposition="outside"))
    fig.add_vline(x=limit, line=dict(color=PLAN, dash="dash"), annotation_text=t("pdca.rt.threshold", v=f"{limit:g}"))
    fig.update_layout(title_text=t("pdca.rt.cap_title"))
    fig.update_xaxes(title_text=t("pdca.rt.cap_axis"), range=[0, 100])
    return charts.style(fig, ui.lang(), height=max(280, 80 + 40 * len(df)))


def training_table(tr: pd.DataFrame) -> None:
    df = tr[["priority", "label", "course", "n_participants", "participants"]].copy()
    df["participants"] = df["participants"].map(lambda p: ", ".join(p[:8]) + (" …" if len(p) > 8 else ""))
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        c: t(f"pdca.rt.train.{c}") for c in df.columns})


def carry_table(df: pd.DataFrame) -> None:
    show = df[["item_id", "owner", "problem", "due_date", "status", "carried"]].copy()
    show["status"] = show["status"].map(lambda s: label("pdca.status", s))
    show["carried"] = show["carried"].map(lambda c: t("pdca.rt.carried_yes") if c else "")
    tables.dataframe(show, hide_index=True, width="stretch", column_config={
        **{c: t(f"pdca.field.{c}") for c in ("item_id", "owner", "problem", "status")},
        "due_date": st.column_config.DateColumn(t("pdca.field.due_date"), format="YYYY-MM-DD"),
        "carried": t("pdca.rt.col.carried")})
