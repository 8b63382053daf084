"""Diagnosis: where the quarter stands against plan and peers, and what holds it back —
KPI cards for retail and corporate banking, the bottleneck panel, a drill-down by region →
branch → RM with the KPI's trend through the quarter, and the plan vs actual vs peer table."""
import streamlit as st

from lib.diagnosis import diagnose as diagnosis
from lib.metrics import gaps
from lib.metrics import registry as metrics
from lib.ui import shell as ui
from lib.diagnosis import ui as ud

f = ui.current_filters()
lang = ui.lang()
st.title(ui.t("diagnosis.title"))
ui.demo_banner()

if f.quarter is None:
    st.warning(gaps.no_data(lang), icon=":material/upload_file:")
    st.stop()

progress = ui.cached(metrics.quarter_progress, f.quarter)
st.caption(ui.t("diagnosis.caption", quarter=f.quarter, as_of=ui.day(progress["as_of"]), week=progress["week"],
                weeks=progress["weeks"], share=ui.pct(progress["share"], 0), scope=ui.scope_md(f.scope)))

kpis = ui.cached(diagnosis.kpis, f.quarter, ui.scope_arg(f.scope))
missing = ui.cached(diagnosis.missing_data, f.quarter)
ud.missing_notes(missing, f.quarter)
day = ui.cached(diagnosis.comparison_day, f.quarter)
notes = []
if day is not None:
    notes.append(ui.t("diagnosis.like_for_like", day=day + 1))
if f.scope.customer_type:
    notes.append(ui.t("diagnosis.ctype_plan_note", line=ui.t(f"filters.{f.scope.customer_type}")))
if notes and not ui.projector():  # on the projector the first screen is the quarter's numbers
    st.caption("  \n".join(notes))

sections = diagnosis.visible_kpis(f.scope)
available = diagnosis.available_keys(kpis, sections)

# ---- what holds the quarter back
behind = diagnosis.bottlenecks(kpis, lang, tuple(available))
if not ui.projector():
    ud.bottleneck_panel(behind, has_plan=not missing["targets"])

# ---- KPI cards, retail and corporate
section = ui.section("diagnosis", {s: f"diagnosis.section.{s}" for s in sections})  # only the open group's cards
ud.card_grid(kpis, sections[section])
if ui.projector():  # the room sees the KPIs first, then the three worst bottlenecks
    ud.bottleneck_panel(behind, has_plan=not missing["targets"], limit=3)

# ---- drill-down and trend for one KPI
st.subheader(ui.t("diagnosis.drill.title"), anchor=False)
pick_kpi, pick_place = st.columns([1, 2])
with pick_kpi:
    kpi = ud.kpi_picker(available, default=behind["key"].iloc[0] if len(behind) else None)
with pick_place:
    region, branch = ud.drill_pickers(ui.cached(diagnosis.drill_options, ui.scope_arg(f.scope)), f.scope)
level = diagnosis.drill_level(f.scope, region, branch)
ranked = ui.cached(diagnosis.drill, kpi, f.quarter, ui.scope_arg(f.scope), region, branch)
chart_col, table_col = (st.container(), st.container()) if ui.projector() else st.columns([3, 2])  # stacked: whole names
with chart_col:
    if ranked.empty:
        st.info(ui.t("diagnosis.drill.empty"), icon=":material/info:")
    else:
        st.plotly_chart(ud.drill_chart(ranked, kpi, level), width="stretch")
with table_col:
    ud.drill_table(ranked, kpi)

grain = ud.grain_picker()
trend_scope = diagnosis.drill_scope(f.scope, region, branch)
st.plotly_chart(ud.trend_chart(ui.cached(diagnosis.trend, kpi, f.quarter, ui.scope_arg(trend_scope), grain),
                               kpi, grain), width="stretch")
st.caption(ui.t("diagnosis.trend.note"))

# ---- plan vs actual vs peers
st.subheader(ui.t("diagnosis.table.title"), anchor=False)
ud.plan_table(diagnosis.plan_table(kpis, lang), show_peers=not missing["peers"], show_plan=not missing["targets"])
ui.downloads(diagnosis.plan_table(kpis, lang, False), f"quarterdeck-diagnosis-{f.quarter}")
