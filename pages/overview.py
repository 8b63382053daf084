"""Overview: the selected quarter at a glance — headline KPIs against last quarter and plan,
and where the assets sit."""
import streamlit as st

from lib.metrics import gaps
from lib.metrics import registry as metrics
from lib.ui import overview
from lib.ui import shell as ui

f = ui.current_filters()
st.title(ui.t("overview.title"))
ui.demo_banner()

if f.quarter is None:
    st.warning(gaps.no_data(ui.lang()), icon=":material/upload_file:")
    st.stop()

progress = ui.cached(metrics.quarter_progress, f.quarter)
st.caption(" · ".join([
    ui.t("overview.subtitle", quarter=f.quarter, as_of=ui.day(progress["as_of"])),
    ui.t("overview.quarter_progress", week=progress["week"], weeks=progress["weeks"],
         share=ui.pct(progress["share"], 0)),
    ui.t("filters.scope_caption", scope=ui.scope_md(f.scope)),
]))

for row in (("aum", "aum_growth", "new_customers", "fee_income"),
            ("churn_rate", "products_per_customer", "conversion_rate", "active_share")):
    for key, col in zip(row, st.columns(len(row))):
        ui.metric_card(key, f.quarter, f.scope, col)

left, right = st.columns([3, 2])
raw_trend = ui.cached(metrics.aum_trend, ui.scope_arg(f.scope))
if raw_trend.empty:  # no balance snapshots: the charts name the export they need
    for col, title in ((left, "overview.aum_trend"), (right, "overview.aum_by_region")):
        col.markdown(f"**{ui.t(title)}**")
        col.info(gaps.needs(("balances",), ui.lang()), icon=":material/upload_file:")
    st.stop()
with left:
    if raw_trend["as_of"].nunique() == 1:
        st.caption(ui.t("overview.single_snapshot", day=ui.day(progress["end_snap"])))
    st.plotly_chart(overview.aum_trend_chart(raw_trend), width="stretch")
with right:
    st.plotly_chart(overview.aum_region_chart(ui.cached(metrics.aum_by_region, ui.scope_arg(f.scope),
                                                        progress["end_snap"])), width="stretch")
