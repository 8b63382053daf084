"""PDCA: the quarter's 13-week timeline, weekly burn-ups of the key targets, the problem-resolution
ledger (edited here, audited, safe against concurrent edits), the weekly review meeting with its
agenda walk and review pack, and the quarter retrospective. Figures come from lib.pdca.plan, lib.pdca.ledger,
lib.pdca.retro and lib.pdca.review_pack."""
import streamlit as st

from lib.pdca import ledger
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca
from lib.pdca import retro
from lib.ui import shell as ui
from lib.pdca import ui as up
from lib.core.periods import Quarter

f = ui.current_filters()
lang = ui.lang()
st.title(ui.t("pdca.title"))
ui.demo_banner()
if f.quarter is None:
    st.warning(ui.t("pdca.no_quarter"), icon=":material/upload_file:")
    st.stop()
quarter = f.quarter
scope = ui.scope_arg(f.scope)
user = up.viewer()
now = up.today()
progress = ui.cached(metrics.quarter_progress, quarter)
phases = pdca.get_phases(ui.db())
week_now = progress["week"]
if progress["share"] < 1:
    st.caption(ui.t("pdca.caption", quarter=quarter, week=week_now, weeks=progress["weeks"],
                    phase=up.phase_label(pdca.phase_of_week(phases, week_now)), as_of=ui.day(progress["as_of"]),
                    scope=ui.scope_md(f.scope)))
else:
    st.caption(ui.t("pdca.caption_done", quarter=quarter, as_of=ui.day(progress["as_of"]),
                    scope=ui.scope_md(f.scope)))
up.show_flash()

keys_all = ui.cached(pdca.key_targets, quarter, scope)
section = ui.section("pdca", {s: f"pdca.tab.{s}" for s in ("timeline", "burnup", "ledger", "review", "retro")},
                     {"timeline": "calendar_month", "burnup": "trending_up", "ledger": "list_alt",
                      "review": "event_note", "retro": "history"})  # only the open section runs

# ---------------------------------------------------------------- timeline
if section == "timeline":
    tl = ui.cached(pdca.timeline, quarter, lang)
    st.plotly_chart(up.timeline_chart(tl, quarter, now), width="stretch")
    st.caption(ui.t("pdca.weeks_note"))
    new_phases = up.phases_form(phases)  # the quarter's structure (lib.core.settings "pdca_phases")
    if new_phases is not None:
        if pdca.validate_phases(new_phases):
            st.error(ui.t("pdca.err.phases", weeks=progress["weeks"]), icon=":material/error:")
        else:
            pdca.save_phases(ui.db(), new_phases)
            up.flash("success", ui.t("pdca.saved"))
            st.rerun()
    rows = up.milestones_editor(tl["milestones"], quarter)
    if rows is not None:
        errors = pdca.validate_milestones(quarter, rows, lang)
        if errors:
            st.error("\n".join(f"- {ui.safe(e)}" for e in errors), icon=":material/error:")
        else:
            pdca.save_milestones(ui.db(), quarter, rows, user, lang)
            up.flash("success", ui.t("pdca.saved"))
            st.rerun()
    st.markdown(f"**{ui.t('pdca.tl.campaigns')}**")
    up.campaigns_table(tl["campaigns"])
    st.markdown(f"**{ui.t('pdca.tl.offers')}**")
    up.offers_table(tl["sprint_offers"])
    st.markdown(f"### {ui.t('pdca.rs.header')}")
    st.caption(ui.t("pdca.rs.help"))
    pr = ui.cached(pdca.pipeline_reserve, quarter, scope)
    up.reserve_block(ui.t("pdca.rs.carried", prev=pr["carried_from"]), pr["carried"], pr["carried_leads"],
                     pr["carried_from"], "pdca_rs_carried")
    up.reserve_block(ui.t("pdca.rs.built", quarter=quarter, next=pr["next"]), pr["built"], pr["built_leads"],
                     quarter, "pdca_rs_built")

# ---------------------------------------------------------------- burn-up
if section == "burnup":
    if not keys_all:
        st.info(ui.t("pdca.bu.none", quarter=quarter), icon=":material/upload_file:")
        chosen = []
    else:
        chosen = st.multiselect(ui.t("pdca.bu.pick"), keys_all, default=pdca.default_targets(keys_all),
                                format_func=lambda k: metrics.metric(k).label(lang), key="pdca_targets",
                                help=ui.t("pdca.bu.pick_help"), placeholder=ui.t("common.choose"))
    bus = ui.cached(pdca.burnups, tuple(chosen), quarter, scope) if chosen else {}
    if bus:
        up.burnup_summary(bus)
        for k, b in bus.items():
            st.plotly_chart(up.burnup_chart(b, quarter), width="stretch")
            up.pace_box(b)
        st.caption(ui.t("pdca.bu.method"))

# ---------------------------------------------------------------- ledger
if section == "ledger":
    st.subheader(ui.t("pdca.ledger.header", quarter=quarter))
    st.caption(ui.t("pdca.ledger.help"))
    loaded = up.ledger_snapshot(quarter)
    up.ledger_kpis(loaded, now)
    up.overdue_table(loaded, now)
    owners, statuses, cats = up.ledger_filters(loaded)
    view = ledger.filter_items(loaded, owners, statuses, cats)
    if owners or statuses or cats:
        st.caption(ui.t("pdca.ledger.filtered_note"))
    if loaded.empty:
        st.info(ui.t("pdca.ledger.empty", quarter=quarter), icon=":material/info:")
    edited = up.ledger_editor(view, quarter, now, ledger.categories(ui.db()))
    c1, c2, c3 = st.columns([1, 1, 4])
    if up.clicked(ui.t("pdca.ledger.save"), "pdca_ledger_save", c1, type="primary", icon=":material/save:",
                  disabled=not ui.can("ledger")):
        if up.save_ledger(quarter, view, edited, user, now):
            st.rerun()
    if up.clicked(ui.t("pdca.ledger.reload"), "pdca_ledger_reload", c2, icon=":material/refresh:"):
        up.ledger_snapshot(quarter, reload=True)
        st.rerun()
    with c3:
        up.ledger_download(loaded, quarter)
    st.caption(ui.t("pdca.ledger.upload"))
    st.markdown(f"**{ui.t('pdca.ledger.history')}**")
    if len(loaded):
        item = st.selectbox(ui.t("pdca.ledger.history_pick"), list(loaded["item_id"]), key="pdca_hist_item",
                            format_func=lambda i: f"{i} — {loaded.set_index('item_id').loc[i, 'problem']}")
        up.history_table(ledger.history(ui.db(), item))

# ---------------------------------------------------------------- weekly review
if section == "review":
    q = Quarter.parse(quarter)
    st.subheader(ui.t("pdca.rv.header", week=week_now, start=ui.day(q.week_start(week_now)),
                      end=ui.day(q.week_end(week_now))))
    up.agenda_bar()
    up.review_focus(ui.cached(pdca.review_focus, quarter, week_now, scope))  # the week's phase: offers, reserve
    review_keys = tuple(st.session_state.get("pdca_targets") or pdca.default_targets(keys_all))
    if review_keys:
        st.markdown(f"### {ui.t('pdca.rv.kpis')}")
        wk = ui.cached(pdca.weekly_kpis, quarter, scope, review_keys)
        up.week_cards(wk)
        st.caption(ui.t("pdca.rv.kpis_note", to=ui.day(progress["as_of"])))
    led = ledger.load(ui.db(), quarter)
    since = pdca.last_meeting(ui.db(), quarter, week_now)
    left, right = st.columns(2)
    with left:
        st.markdown(f"### {ui.t('pdca.rv.due')}")
        due = led[ledger.overdue(led, now) | ledger.due_soon(led, now)] if len(led) else led
        up.ledger_list(due, now, "pdca_rv_due")
    with right:
        st.markdown(f"### {ui.t('pdca.rv.new')}")
        new_ids = ledger.created_since(ui.db(), since, quarter)
        new_items = led[led["item_id"].isin(new_ids) | (led["week"] == week_now)] if len(led) else led
        up.ledger_list(new_items, now, "pdca_rv_new")
    st.markdown(f"### {ui.t('pdca.rv.changed', since=since.strftime('%Y-%m-%d %H:%M'))}")
    up.history_table(ledger.changes_since(ui.db(), since, quarter))
    st.markdown(f"### {ui.t('pdca.rv.notes')}")
    rev = pdca.review(ui.db(), quarter, week_now)
    notes = st.text_area(ui.t("pdca.rv.notes"), value=rev["notes"], key=f"pdca_notes_{quarter}_{week_now}",
                         label_visibility="collapsed", height=140)
    n1, n2, _ = st.columns([1, 2, 3])
    if up.clicked(ui.t("pdca.rv.save_notes"), "pdca_notes_save", n1, icon=":material/save:",
                  disabled=not ui.can("ledger")):
        pdca.save_review(ui.db(), quarter, week_now, notes, user)
        up.flash("success", ui.t("pdca.saved"))
        st.rerun()
    if up.clicked(ui.t("pdca.rv.mark_held"), "pdca_notes_held", n2, icon=":material/event_available:",
                  disabled=not ui.can("ledger")):
        pdca.save_review(ui.db(), quarter, week_now, notes, user, held=True)
        up.flash("success", ui.t("pdca.saved"))
        st.rerun()
    if rev["held_at"] is not None:
        st.caption(ui.t("pdca.rv.held", when=str(rev["held_at"])[:16], user=ui.safe(rev["username"])))

    st.markdown(f"### {ui.t('pdca.rv.pack')}")
    up.review_pack_buttons(quarter, f.scope, review_keys, user, now, week_now)  # built on click, not per rerun

# ---------------------------------------------------------------- retrospective
if section == "retro":
    if progress["share"] < 1:
        st.info(ui.t("pdca.rt.early", quarter=quarter, week=week_now, weeks=progress["weeks"]), icon=":material/info:")
    st.markdown(f"### {ui.t('pdca.rt.data')}")
    up.plan_table(ui.cached(retro.data_review, quarter, scope, lang))
    c1, c2 = st.columns(2)
    for col, by in ((c1, "product_type"), (c2, "channel")):
        with col:
            st.markdown(f"**{ui.t('pdca.rt.products' if by == 'product_type' else 'pdca.rt.channels')}**")
            dv = ui.cached(retro.delivery, quarter, scope, by)
            up.delivery_table(dv, by)
            tot, prev = dv["amount"].sum(), dv["prev_amount"].sum()
            st.caption(ui.t("pdca.rt.delivery_note", overall=f"{(tot / prev - 1) * 100:+.1f}%" if prev else "—"))

    st.markdown(f"### {ui.t('pdca.rt.customers')}")
    sample = ui.cached(retro.sample, quarter, scope, retro.SAMPLE_SHARE, retro.SAMPLE_SEED, ui.show_personal())
    counts = ui.cached(retro.tier_counts, quarter, scope)
    st.caption(ui.t("pdca.rt.sample_note", share=ui.pct(retro.SAMPLE_SHARE, 0), n=f"{len(sample):,}",
                    total=f"{int(counts['customers'].sum()):,}", seed=retro.SAMPLE_SEED))
    shown = up.sample_table(sample)
    up.download_csv(shown, f"interview-call-list-{quarter}", "pdca_dl_sample")
    surveys = ui.cached(retro.survey_summary, quarter, scope)
    if surveys["n"]:
        st.markdown(ui.t("pdca.rt.surveys", n=surveys["n"], mean=f"{surveys['mean']:.1f}",
                         prom=ui.pct(surveys["promoters"], 0), det=ui.pct(surveys["detractors"], 0)))
        if len(surveys["needs"]):
            st.plotly_chart(up.needs_chart(surveys["needs"]), width="stretch")
    else:
        st.info(ui.t("pdca.rt.no_surveys"), icon=":material/info:")

    st.markdown(f"### {ui.t('pdca.rt.team')}")
    team = ui.cached(retro.team_review, quarter, scope, lang)
    if team["profile"].empty:
        st.info(ui.t("pdca.rt.no_assessments"), icon=":material/info:")
    else:
        left, right = st.columns([2, 3])
        with left:
            st.plotly_chart(up.weak_spots_chart(team["profile"], team["limit"]), width="stretch")
        with right:
            up.training_table(team["training"])

    nxt = str(Quarter.parse(quarter).next())
    st.markdown(f"### {ui.t('pdca.rt.carry', next=nxt)}")
    carry = retro.carry_over_list(ui.db(), quarter)
    if carry.empty:
        st.caption(ui.t("pdca.rt.carry_none"))
    else:
        up.carry_table(carry)
        todo = int((~carry["carried"]).sum())
        if todo and up.clicked(ui.t("pdca.rt.carry_button", n=todo, next=nxt), "pdca_carry",
                               icon=":material/move_down:", disabled=not ui.can("ledger")):
            ids = ledger.carry_over(ui.db(), quarter, user, lang)
            up.flash("success", ui.t("pdca.rt.carried", ids=", ".join(ids)))
            st.rerun()
