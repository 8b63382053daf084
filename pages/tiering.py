"""Customer tiers & churn: the tier pyramid with configurable rules, penetration per tier and
tier migration with its customers; health scores with the weakest dimension and an action per
customer; the churn model's honest validation and the ranked retention list; the suitability
check of wealth sales. Figures come from lib.tiering.tiers, lib.tiering.health, lib.tiering.churn and lib.tiering.compliance."""
import streamlit as st

from lib.tiering import churn
from lib.tiering import compliance
from lib.metrics import gaps
from lib.tiering import health
from lib.metrics import registry as metrics
from lib.core import settings
from lib.tiering import tiers
from lib.ui import shell as ui
from lib.tiering import ui as ut

f = ui.current_filters()
st.title(ui.t("tiering.title"))
ui.demo_banner()

if f.quarter is None:
    st.warning(ui.t("tiering.no_data"), icon=":material/upload_file:")
    st.stop()

quarter = f.quarter
scope = ui.scope_arg(f.scope)
progress = ui.cached(metrics.quarter_progress, quarter)
st.caption(ui.t("tiering.caption", quarter=quarter, as_of=ui.day(progress["as_of"]),
                scope=ui.t("filters.scope_caption", scope=ui.scope_md(f.scope))))
show_names = ui.show_personal()  # the sidebar's "show customer names" switch (never in projector mode)

section = ui.section("tiering", {s: f"tiering.tab.{s}" for s in ("tiers", "health", "churn", "compliance")},
                     {"tiers": "stacked_bar_chart", "health": "favorite", "churn": "person_remove",
                      "compliance": "verified_user"})  # only the open section runs

# ---------------------------------------------------------------- tiers
if section == "tiers":
    st.subheader(ui.t("tiering.rules.header"), anchor=False)
    rules = ut.rules_form(ui.db())
    rk = tiers.rules_key(rules)
    st.subheader(ui.t("tiering.pyramid.header"), anchor=False)
    if progress["end_snap"] is None:  # tiers are read from AUM: customers count, as tier "unknown"
        st.info(gaps.needs(("balances",), ui.lang()), icon=":material/upload_file:")
    pyr = ui.cached(tiers.pyramid, quarter, scope, rk)
    if pyr.empty:
        st.info(ui.t("tiering.none"), icon=":material/info:")
    else:
        left, right = st.columns(2)
        fun, bar = ut.pyramid_charts(pyr, quarter)
        left.plotly_chart(fun, width="stretch")
        right.plotly_chart(bar, width="stretch")
        ut.download(ut.pyramid_table(pyr), f"tiers-{quarter}", "tg_dl_pyramid")
        ut.reconcile_note(ui.cached(tiers.reconcile, quarter, scope))  # tiers + not in a tier = the AUM card

        st.subheader(ui.t("tiering.pen.header"), anchor=False)
        pen = ui.cached(tiers.penetration, quarter, scope, rk)
        st.plotly_chart(ut.penetration_chart(pen, quarter), width="stretch")

        st.subheader(ui.t("tiering.mig.header"), anchor=False)
        earlier = [q for q in ui.quarters() if q < quarter]
        if not earlier:
            st.info(ui.t("tiering.mig.none"), icon=":material/info:")
        else:
            q_from = st.selectbox(ui.t("tiering.mig.from_quarter"), earlier, key="tg_mig_from_q")
            mig = ui.cached(tiers.migration, q_from, quarter, scope, rk)
            st.markdown(ui.t("tiering.mig.summary", **{k: ui.value(v, "count")
                                                       for k, v in tiers.migration_summary(mig).items()}))
            st.plotly_chart(ut.migration_chart(mig, q_from, quarter), width="stretch")
            st.caption(ui.t("tiering.mig.click"))
            a, b = ut.migration_picker(mig, ut.migration_matrix(mig, "tg_mig_matrix"))
            n = tiers.migration_count(mig, a, b)
            st.markdown(f"**{ui.t('tiering.mig.list_header', n=ui.value(n, 'count'), a=ut.tier_label(a), b=ut.tier_label(b))}**")
            who = ui.cached(tiers.migration_customers, q_from, quarter, scope, a, b, 5000, rk)
            if who.empty:
                st.info(ui.t("tiering.none"), icon=":material/info:")
            else:
                ut.download(ut.migration_list(who, show_names), f"migration-{q_from}-{quarter}-{a}-{b}",
                            "tg_dl_mig")

# ---------------------------------------------------------------- health
if section == "health":
    st.subheader(ui.t("tiering.health.header"), anchor=False)
    dist = ui.cached(health.distribution, quarter, scope)
    if dist.empty:
        st.info(ui.t("tiering.none"), icon=":material/info:")
    else:
        dims = ("health", *health.DIMENSIONS)
        dim = st.segmented_control(ui.t("tiering.health.dimension"), dims, default="health", key="tg_health_dim",
                                   format_func=ut.formatter("tiering.dim")) or "health"
        left, right = st.columns([3, 2])
        left.plotly_chart(ut.health_box(dist, dim, quarter), width="stretch")
        right.plotly_chart(ut.weakest_chart(ui.cached(health.weakest_counts, quarter, scope)), width="stretch")
        st.subheader(ui.t("tiering.health.list_header"), anchor=False)
        c1, c2 = st.columns(2)
        tier_opts = ["ALL", *[x for x in tiers.TIERS if x in set(dist["tier"])]]
        tier = c1.selectbox(ui.t("tiering.health.filter_tier"), tier_opts, key="tg_health_tier",
                            format_func=ut.formatter("tiering.tier", "tiering.health.all"))
        weak = c2.selectbox(ui.t("tiering.health.filter_weakest"), ["ALL", *health.DIMENSIONS], key="tg_health_weak",
                            format_func=ut.formatter("tiering.dim", "tiering.health.all"))
        low = ui.cached(health.lowest, quarter, scope, None if tier == "ALL" else tier,
                        None if weak == "ALL" else weak, 500)
        ut.download(ut.health_table(low, show_names), f"health-{quarter}", "tg_dl_health")
    ut.definitions(("stability", "diversity", "risk_fit", "health"))

# ---------------------------------------------------------------- churn
if section == "churn":
    st.subheader(ui.t("tiering.churn.header"), anchor=False)
    model = ut.churn_model()
    if model.mode == "none":
        st.warning(ui.t("tiering.churn.no_label"), icon=":material/warning:")
    else:
        ut.model_quality(model)
        left, right = st.columns(2)
        left.plotly_chart(ut.calibration_chart(model.calibration), width="stretch")
        right.plotly_chart(ut.importance_chart(model.importance), width="stretch")

        scored = ut.scored(f.scope)
        list_quarter = model.current or quarter
        st.subheader(ui.t("tiering.churn.list_header", quarter=list_quarter), anchor=False)
        if scored.empty:
            st.info(ui.t("tiering.none"), icon=":material/info:")
        else:
            tot = churn.totals(scored)
            c1, c2 = st.columns([1, 3])
            with c1.container(border=True):
                st.metric(ui.t("tiering.churn.total_risk"), ui.money(tot["aum_at_risk"]),
                          help=gaps.needs(("balances",), ui.lang()) if tot["aum_at_risk"] is None else None)
                st.caption(ui.t("tiering.churn.total_risk_caption", customers=ui.value(tot["customers"], "count"),
                                high=ui.value(tot["high_risk"], "count")))
            with c2:
                st.caption(ui.t("tiering.churn.list_caption"))
                limit = st.select_slider(ui.t("tiering.churn.list_size"), [50, 100, 200, 500, 1000, 2000],
                                         value=200, key="tg_churn_limit")
            rl = ut.retention(f.scope, limit)
            ut.download(ut.retention_table(rl, show_names), f"retention-{list_quarter}", "tg_dl_retention")
            left, right = st.columns(2)
            with left:
                st.markdown(f"**{ui.t('tiering.churn.by_rm')}**")
                ut.download(ut.at_risk_table(churn.at_risk_by(scored, "rm")), f"aum-at-risk-rm-{list_quarter}",
                            "tg_dl_risk_rm")
            with right:
                st.markdown(f"**{ui.t('tiering.churn.by_branch')}**")
                ut.download(ut.at_risk_table(churn.at_risk_by(scored, "branch")),
                            f"aum-at-risk-branch-{list_quarter}", "tg_dl_risk_branch")
    ut.definitions(("churn", "churn_probability", "aum_at_risk"))

# ---------------------------------------------------------------- compliance
if section == "compliance":
    st.subheader(ui.t("tiering.comp.header"), anchor=False)
    choice = st.segmented_control(
        ui.t("tiering.comp.period"), ["quarter", "year", "all"], default="quarter", key="tg_comp_period",
        format_func=ut.formatter("tiering.comp.period", quarter=quarter)) or "quarter"
    validity = int(settings.get(ui.db(), "risk_assessment_validity_days"))
    st.caption(ui.t("tiering.comp.validity", days=validity))
    start, end = ut.comp_period(quarter, choice, progress["as_of"])
    ut.comp_kpis(ui.cached(compliance.totals, start, end, scope, validity))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{ui.t('tiering.comp.by_rm')}**")
        ut.download(ut.comp_summary_table(ui.cached(compliance.summary, start, end, scope, "rm", validity)),
                    f"suitability-rm-{choice}", "tg_dl_comp_rm")
    with right:
        st.markdown(f"**{ui.t('tiering.comp.by_branch')}**")
        ut.download(ut.comp_summary_table(ui.cached(compliance.summary, start, end, scope, "branch", validity)),
                    f"suitability-branch-{choice}", "tg_dl_comp_branch")
    flagged = ui.cached(compliance.mismatches, start, end, scope, validity, False)  # breaches first, by amount
    if flagged.empty:
        st.info(ui.t("tiering.comp.none"), icon=":material/check_circle:")
    else:  # a breach (R above C) and a to-do (assessment to redo) in lists of their own
        for kind in compliance.KINDS:
            st.markdown(f"**{ui.t(f'tiering.comp.{kind}_header')}**")
            part = ut.kind_rows(flagged, kind)
            if part.empty:
                st.info(ui.t(f"tiering.comp.no_{kind}" if kind == "breach" else "tiering.comp.none"),
                        icon=":material/check_circle:")
            else:
                ut.download(ut.comp_table(part, show_names), f"suitability-{kind}-{choice}", f"tg_dl_comp_{kind}")
    ut.definitions(("compliance",))
