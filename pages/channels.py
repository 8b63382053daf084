"""Channels & products: channel mix and funnels, the campaign ROI board, A/B tests of sales
scripts, corporate <-> retail cross-referrals, product penetration and bundles, and the corporate
combined-revenue calculator. Figures come from lib.channels.campaigns, lib.channels.abtest and lib.channels.bundles."""
import streamlit as st

from lib.channels import abtest
from lib.channels import bundles
from lib.channels import campaigns as channels
from lib.ui import shell as ui
from lib.channels import ui as uc

f = ui.current_filters()
st.title(ui.t("channels.title"))
ui.demo_banner()

quarter = uc.page_quarter(f)
if quarter is None:
    st.warning(ui.t("channels.no_quarter"), icon=":material/upload_file:")
    st.stop()
st.caption(ui.t("channels.caption", quarter=quarter,
                scope=ui.t("filters.scope_caption", scope=ui.scope_md(f.scope))))
scope = ui.scope_arg(f.scope)

section = ui.section("channels", {s: f"channels.tab.{s}" for s in ("channels", "campaigns", "ab", "referrals", "products")},
                     {"channels": "bar_chart", "campaigns": "campaign", "ab": "science", "referrals": "handshake",
                      "products": "inventory_2"})  # only the open section runs


@st.fragment
def mix_chart(weekly, quarter: str) -> None:
    """The measure switch reruns only this chart."""
    names = {m: ui.t(f"channels.measure.{m}") for m in uc.MEASURES}
    measure = st.segmented_control(ui.t("channels.mix.measure"), uc.MEASURES, default="leads",
                                   format_func=names.get, key="ch_measure")
    st.plotly_chart(uc.mix_chart(weekly, measure or "leads", quarter), width="stretch")


@st.fragment
def ab_test(tests: dict, ids: list) -> None:
    """Picking another campaign reruns only its test."""
    names = {c: tests[c]["campaign_name"] for c in ids}
    cid = st.selectbox(ui.t("channels.ab.pick"), ids, format_func=lambda c: names.get(c, c), key="ch_ab_campaign")
    test = tests[cid]
    left, right = st.columns(2)
    with left:
        st.plotly_chart(uc.ab_arms_chart(test["arms"]), width="stretch")
    with right:
        uc.ab_arms_table(test["arms"])
    comps = test["comparisons"].to_dict("records")
    if len(comps) > 1:
        st.caption(ui.t("channels.ab.multi_note", arms=len(comps) + 1, control=ui.safe(comps[0]["control"]),
                        alpha=f"{comps[0]['alpha']:.3f}"))
    for comp in comps:
        uc.ab_comparison(comp)


# ---------------------------------------------------------------- channels
if section == "channels":
    if uc.needs("leads"):
        tot = ui.cached(channels.lead_totals, scope)  # every lead loaded, undated ones in their own bucket
        c1, c2, c3 = st.columns(3)
        c1.metric(ui.t("channels.leads.loaded"), ui.value(tot["leads"], "count"))
        c2.metric(ui.t("channels.leads.conversion"), ui.pct(tot["conversion_rate"]),
                  help=ui.t("channels.leads.conversion_help"))
        c3.metric(ui.t("channels.leads.undated"), ui.value(tot["undated"], "count"),
                  help=ui.t("channels.leads.undated_help"))
        st.subheader(ui.t("channels.mix.header"))
        weekly = ui.cached(channels.channel_weekly, quarter, scope)
        if weekly.empty:
            st.info(ui.t("channels.none_in_quarter"), icon=":material/info:")
        else:
            mix_chart(weekly, quarter)
            st.caption(ui.t("channels.mix.note"))
            st.markdown(f"**{ui.t('channels.summary.header')}**")
            summary = ui.cached(channels.channel_summary, quarter, scope)
            uc.channel_table(summary)
            uc.download(summary, f"channels-{quarter}", "dl_channels")

            st.subheader(ui.t("channels.funnel.header"))
            fun = ui.cached(channels.funnel, quarter, scope, "channel")
            st.plotly_chart(uc.funnel_chart(fun, ui.t("channels.funnel.chart_title", quarter=quarter)),
                            width="stretch")
            uc.funnel_table(fun)
            st.caption(ui.t("channels.funnel.note"))

# ---------------------------------------------------------------- campaigns
if section == "campaigns":
    if uc.needs("campaigns", "leads"):
        st.subheader(ui.t("channels.board.header"))
        margin, threshold = uc.roi_settings(ui.db())
        st.info(ui.t("channels.def.roi", margin=ui.pct(margin, 2), threshold=f"{threshold:g}"),
                icon=":material/functions:")
        board = ui.cached(channels.campaign_board, quarter, scope, margin, threshold)
        if board.empty:
            st.info(ui.t("channels.board.none"), icon=":material/info:")
        else:
            uc.board_kpis(board)
            display = uc.board_display(board)
            c1, c2 = st.columns([3, 1])
            chosen = c1.multiselect(ui.t("channels.board.filter_channel"), sorted(display["channel"].unique()),
                                    key="ch_board_channels", placeholder=ui.t("common.choose"))
            flagged_only = c2.toggle(ui.t("channels.board.flagged_only"), key="ch_board_flagged")
            shown = uc.filter_board(display, chosen, flagged_only)
            uc.board_table(shown)
            uc.download(shown.rename(columns=uc.board_headers()), f"campaigns-{quarter}", "dl_board")
            st.caption(ui.t("channels.def.board"))
            st.plotly_chart(uc.roi_chart(shown, threshold), width="stretch")

            st.subheader(ui.t("channels.funnel.campaign_header"))
            names = dict(zip(board["campaign_id"], board["campaign_name"]))
            cid = st.selectbox(ui.t("channels.funnel.pick_campaign"), list(names), format_func=names.get,
                               key="ch_funnel_campaign")
            cf = ui.cached(channels.funnel, quarter, scope, "campaign", cid)
            if cf.empty:
                st.info(ui.t("channels.none_in_quarter"), icon=":material/info:")
            else:
                st.plotly_chart(uc.funnel_chart(cf, ui.t("channels.funnel.campaign_title", name=names[cid]),
                                                group_label=names.get), width="stretch")
                uc.funnel_table(cf, group_label=names.get)

# ---------------------------------------------------------------- A/B tests
if section == "ab":
    if uc.needs("leads"):
        st.subheader(ui.t("channels.ab.header"))
        tests = abtest.analyse(ui.cached(channels.campaign_variants, scope))
        if not tests:
            st.info(ui.t("channels.ab.none"), icon=":material/info:")
        else:
            in_quarter = set(ui.cached(channels.campaigns_in_quarter, quarter))
            ab_test(tests, sorted(tests, key=lambda c: (c not in in_quarter, c), reverse=False))
            st.caption(ui.t("channels.ab.method"))

# ---------------------------------------------------------------- referrals
if section == "referrals":
    if uc.needs("referrals"):
        st.subheader(ui.t("channels.ref.header"))
        rule = uc.reward_rule_form(ui.db())
        ref = ui.cached(channels.referral_summary, quarter, scope, rule)
        if ref["ledger"].empty:
            st.info(ui.t("channels.none_in_quarter"), icon=":material/info:")
        else:
            uc.referral_kpis(ref["by_direction"])
            left, right = st.columns([2, 3])
            with left:
                st.plotly_chart(uc.referral_branch_chart(ref["by_branch"]), width="stretch")
            with right:
                st.markdown(f"**{ui.t('channels.ref.top')}**")
                uc.referral_table(ref["referrers"].head(10), ["from_rm_name", "branch_name"])
            st.markdown(f"**{ui.t('channels.ref.pairs')}**")
            uc.referral_table(ref["by_pair"], ["from_rm_name", "to_rm_name", "direction"])
            uc.download(ref["ledger"], f"referrals-{quarter}", "dl_referrals")

# ---------------------------------------------------------------- products and bundles
if section == "products":
    if uc.needs("sales", "products"):
        st.subheader(ui.t("channels.prod.penetration_header"))
        thresholds = tuple(sorted(bundles.tier_thresholds(ui.db()).items()))
        pen = ui.cached(bundles.penetration, quarter, scope, thresholds)
        if pen.empty:
            st.info(ui.t("channels.none_in_quarter"), icon=":material/info:")
        else:
            st.plotly_chart(uc.penetration_heatmap(pen, quarter), width="stretch")
            st.caption(uc.tier_note(ui.db()))
            uc.download(pen, f"penetration-{quarter}", "dl_penetration")

            st.subheader(ui.t("channels.prod.coholding_header"))
            st.plotly_chart(uc.coholding_heatmap(ui.cached(bundles.coholding, quarter, scope)), width="stretch")

        st.subheader(ui.t("channels.prod.next_header"))
        types = ui.cached(bundles.product_types)
        held_set = st.multiselect(ui.t("channels.prod.next_pick"), types,
                                  default=[t for t in ("deposit", "wealth") if t in types],
                                  format_func=uc.ptype_label, key="ch_next_set", placeholder=ui.t("common.choose"))
        holders, nxt = ui.cached(bundles.next_product, scope, tuple(sorted(held_set)))
        if not holders:
            st.info(ui.t("channels.prod.next_none"), icon=":material/info:")
        else:
            st.plotly_chart(uc.next_product_chart(nxt, holders), width="stretch")
            st.caption(ui.t("channels.prod.next_note", without=f"{holders - int(nxt['customers'].sum()):,}"))

    st.subheader(ui.t("channels.calc.header"))
    assumptions = uc.assumptions_form(ui.db())
    search = st.text_input(ui.t("channels.calc.search"), key="ch_calc_search", placeholder=ui.t("channels.calc.search_hint"))
    clients = ui.cached(bundles.corporate_clients, scope, search)
    mode = st.radio(ui.t("channels.calc.mode"), ["client", "prospect"], horizontal=True,
                    format_func={m: ui.t(f"channels.calc.mode.{m}") for m in ("client", "prospect")}.get, key="ch_calc_mode")
    held = None  # a prospect holds nothing yet
    if mode == "client" and clients.empty:
        st.info(ui.t("channels.calc.no_match" if search.strip() else "channels.calc.no_clients"), icon=":material/info:")
        mode = "prospect"
    if mode == "client":
        cid = st.selectbox(ui.t("channels.calc.pick"), list(clients["customer_id"]),
                           format_func=uc.client_label(clients), key="ch_calc_client")
        uc.client_count_note(clients)
        uc.client_graph_link(cid)
        figures = ui.cached(bundles.client_figures, cid, scope)
        held = figures["held"]
        st.caption(ui.t("channels.calc.today", fees=ui.money(figures["fee_income_12m"]),
                        held=", ".join(uc.ptype_label(p) for p in figures["held"]) or "—"))
        inputs = uc.calculator_inputs(bundles.suggested_inputs(figures, assumptions), cid)
    else:
        inputs = uc.calculator_inputs({}, "prospect")
    include_scf = st.toggle(ui.t("channels.calc.include_scf"), value=True, key="ch_calc_scf")
    revenue = bundles.bundle_revenue(inputs, assumptions, include_scf, held)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(uc.calculator_chart(revenue), width="stretch")
    with right:
        uc.calculator_table(revenue)
        st.caption(ui.t("channels.calc.formula"))
