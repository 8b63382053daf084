"""Related-party risk: corporate clients flagged through their shareholders, guarantees, controllers,
legal representatives and supply chains, with the reason as a path and the group's exposure; one
client's network (``?client=`` in the URL); guarantee circles. Figures come from lib.related."""
import streamlit as st

from lib.ui import shell as ui
from lib.related import report
from lib.related import ui as ur

f = ui.current_filters()
st.title(ui.t("related.title"))
ui.demo_banner()

if not ui.cached(report.has_relations):
    st.info(ui.t("related.missing", export=ui.export_name("relations"), parties=ui.export_name("outside_parties")),
            icon=":material/upload_file:")
    st.stop()
if f.scope.customer_type == "retail":
    st.info(ui.t("related.corporate_only"), icon=":material/info:")
    st.stop()

scope = ui.scope_arg(f.scope)
summary = ui.cached(report.summary, scope)
st.caption(ui.t("related.caption", scope=ui.scope_md(f.scope), clients=f"{summary['clients']:,}",
                day=ui.day(ui.cached(report.as_of))))
if not summary["clients"]:
    st.info(ui.t("related.no_clients"), icon=":material/info:")
    st.stop()
ur.headline(summary)

# ---- flagged clients, worst first
st.subheader(ui.t("related.list.header"), anchor=False)
flagged = ui.cached(report.flagged, scope)
if flagged.empty:
    st.success(ui.t("related.list.none"), icon=":material/check_circle:")
else:
    listed = ur.flagged_view(scope)
    ur.remember_list(listed)
    ur.flagged_table(scope)
    st.caption(ui.t("related.list.note"))
    ui.downloads(ur.download_frame(listed), "quarterdeck-related-flagged", key="dl_rel_flagged")

# ---- one client's network
st.subheader(ui.t("related.graph.header"), anchor=False)
client = ur.pick_client(ui.cached(report.client_options, scope), flagged, scope)
if client is not None:
    k, types = ur.graph_controls()
    cv = ui.cached(report.client_view, scope, client, k, types)
    label = ur.labels_for(scope, tuple(cv["nodes"]["party"]))
    if len(cv["nodes"]) <= 1:
        st.info(ui.t("related.graph.alone"), icon=":material/info:")
    else:
        st.plotly_chart(ur.network_chart(cv, client, k, ur.shown_labels(label, cv["nodes"]["party"])), width="stretch")
    ur.client_detail(cv, client, scope)
st.caption(ui.t("related.def.exposure"))

# ---- guarantee circles
st.subheader(ui.t("related.circles.header"), anchor=False)
circles = ur.circles_view(scope)
if circles.empty:
    st.success(ui.t("related.circles.none"), icon=":material/check_circle:")
else:
    ur.circles_table(circles)
    st.caption(ui.t("related.circles.note"))
    ui.downloads(ur.download_frame(circles), "quarterdeck-related-circles", key="dl_rel_circles")
