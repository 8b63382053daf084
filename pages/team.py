"""Team: RM scorecards with star of the quarter and the performance-vs-behaviour quadrant, radar
charts (RM vs team, team vs team), the capability radar from assessments with weak spots and next
quarter's training, and mentor pairs. Figures come from lib.team.scorecard, lib.team.capability, lib.team.mentoring."""
import streamlit as st

from lib.team import capability
from lib.team import journal
from lib.team import mentoring
from lib.team import playbook
from lib.team import training
from lib.core import settings
from lib.team import scorecard as team
from lib.ui import shell as ui
from lib.team import ui as ut

f = ui.current_filters()
lang = ui.lang()
st.title(ui.t("team.title"))
ui.demo_banner()

if f.quarter is None:
    st.warning(ui.t("team.no_quarter"), icon=":material/upload_file:")
    st.stop()
st.caption(ui.t("team.caption", quarter=f.quarter, scope=ui.scope_md(f.scope)))
scope = ui.scope_arg(f.scope)
w_arg, rule_arg = ut.weights_arg(), ut.rule_arg()
card = ui.cached(team.scorecard, f.quarter, scope, w_arg, rule_arg)
if card.empty:
    st.info(ui.t("team.no_staff"), icon=":material/upload_file:")
    st.stop()

team_by = st.segmented_control(ui.t("team.team_by"), list(team.TEAM_BY), default="branch_id", key="tm_team_by",
                               format_func={v: ui.t(f"team.team_by.{v}") for v in team.TEAM_BY}.get) or "branch_id"
ranked = card[card["rank"].notna()]
ut.seed_rms(list(card["rm_id"]), list(ranked["rm_id"].head(1)) or list(card["rm_id"].head(1)))
ut.keep_rms_in_url()  # in every section: the chosen RMs are highlighted in the scorecard and capability too

section = ui.section("team", {s: f"team.tab.{s}" for s in ("scorecard", "radar", "capability", "mentors", "playbook")},
                     {"scorecard": "leaderboard", "radar": "radar", "capability": "school",
                      "mentors": "diversity_3", "playbook": "menu_book"})  # only the open section runs


@st.fragment
def rm_radars(card, team_by: str) -> None:
    """Picking RMs reruns only their radars (and keeps the choice in the URL)."""
    picked = st.multiselect(ui.t("team.radar.pick"), list(card["rm_id"]), key="tm_rms", max_selections=ut.MAX_RMS,
                            format_func=ut.rm_label(card), help=ui.t("team.radar.pick_help"), placeholder=ui.t("common.choose"))
    ut.keep_rms_in_url()
    if not picked:
        st.info(ui.t("team.radar.none"), icon=":material/info:")
        return
    names = ut.team_label(card, team_by)
    for col, rm in zip(st.columns(len(picked)), picked):
        data = team.radar(card, rm, team_by)
        me = card[card["rm_id"] == rm].iloc[0]
        with col:
            st.plotly_chart(ut.rm_radar(data, ui.t("team.radar.title", name=me["rm_name"], team=names(me[team_by])),
                                        height=620 if len(picked) == 1 else 500), width="stretch")
            if not me["has_book"]:
                st.caption(ui.t("team.radar.unscored", name=ui.safe(me["rm_name"])))


# ---------------------------------------------------------------- scorecard
if section == "scorecard":
    st.subheader(ui.t("team.stars.header"), anchor=False)
    ut.star_cards(team.stars(card, team_by, dict(w_arg), lang))

    st.subheader(ui.t("team.card.header"), anchor=False)
    show = st.segmented_control(ui.t("team.card.show"), ["pct", "raw"], default="pct", key="tm_show",
                                format_func={v: ui.t(f"team.card.show.{v}") for v in ("pct", "raw")}.get) or "pct"
    shown = ut.scorecard_table(card, show)
    ut.download(shown, f"team-scorecard-{f.quarter}", "tm_dl_card", ut.scorecard_headers())
    st.caption(ui.t("team.card.note"))
    ut.weights_form()

    st.subheader(ui.t("team.quad.header"), anchor=False)
    st.plotly_chart(ut.quadrant_chart(card, f.quarter, st.session_state.get("tm_rms", [])), width="stretch")
    st.caption(ui.t("team.quad.note"))

# ---------------------------------------------------------------- radar
if section == "radar":
    st.subheader(ui.t("team.radar.header"), anchor=False)
    rm_radars(card, team_by)
    st.caption(ui.t("team.radar.note"))

    st.subheader(ui.t("team.radar.teams_header"), anchor=False)
    profiles = team.team_profiles(card, team_by)
    names = ut.team_label(card, team_by)
    teams = st.multiselect(ui.t("team.radar.teams_pick"), list(profiles.index), default=list(profiles.index[:2]),
                           max_selections=ut.MAX_TEAMS, format_func=names, key=f"tm_teams_{team_by}", placeholder=ui.t("common.choose"))
    if teams:
        st.plotly_chart(ut.teams_radar(profiles.loc[teams], names, ui.t("team.radar.teams_title", quarter=f.quarter)),
                        width="stretch")

# ---------------------------------------------------------------- capability
if section == "capability":
    st.subheader(ui.t("team.cap.header"), anchor=False)
    sc = ui.cached(capability.scores, f.quarter, scope)
    if sc.empty:
        st.info(ui.t("team.cap.no_data"), icon=":material/upload_file:")
    else:
        limit = capability.threshold(ui.db())
        st.caption(ui.t("team.cap.round", date=ut.fmt_date(max(capability.round_dates(sc)))))
        cap_teams = capability.teams(sc, team_by)
        names = ut.team_label(card, team_by)
        options = ["ALL", *cap_teams["team"]]
        c1, c2 = st.columns(2)
        with c1:
            tid = st.selectbox(ui.t("team.cap.team_pick"), options, key=f"tm_cap_team_{team_by}",
                               format_func={v: ui.t("team.cap.all_scope") if v == "ALL" else names(v) for v in options}.get)
            tb, tv = (None, None) if tid == "ALL" else (team_by, tid)
            prof = capability.profile(sc, limit, tb, tv)
            st.plotly_chart(ut.capability_team_radar(
                prof, ui.t("team.cap.all_scope") if tid == "ALL" else names(tid), limit), width="stretch")
        with c2:
            rms = capability.rm_choices(sc, st.session_state.get("tm_rms", []))
            rm = st.selectbox(ui.t("team.cap.pick_rm"), rms, key="tm_cap_rm", format_func=ut.rm_label(card))
            name = card.set_index("rm_id")["rm_name"].get(rm, rm)
            st.plotly_chart(ut.capability_rm_radar(capability.rm_profile(sc, rm, team_by), name, limit), width="stretch")
        weak = capability.weak_spots(prof)
        sep = ui.t("team.list_sep")
        if weak.empty:
            st.success(ui.t("team.cap.weak_none", score=f"{limit:g}"), icon=":material/check_circle:")
        else:
            st.warning(ui.t("team.cap.weak_list", dims=ui.safe_all((ut.cap_dim(d) for d in weak["dimension"]), sep)),
                       icon=":material/report:")
        ut.capability_table(prof, limit)
        st.caption(ui.t("team.cap.threshold_help"))
        st.subheader(ui.t("team.cap.training"), anchor=False)
        st.caption(ui.t("team.train.caption"))
        plan = capability.training_plan(sc, limit, lang, tb, tv)
        plan_qs = training.plan_quarters(f.quarter)
        enr = ui.cached(training.enrolments, tuple(plan_qs))
        if not plan.empty:
            plan = training.with_progress(plan, sc, enr, training.mapping(ui.db()), lang)
            shown_plan = ut.training_programme_list(plan)
            ut.download(shown_plan, f"team-training-{f.quarter}", "tm_dl_training")
        ut.mapping_form(capability.dimensions(sc))
        st.subheader(ui.t("team.train.enrolments", quarters=" · ".join(plan_qs)), anchor=False)
        ut.enrolment_form(card, plan_qs, rm)
        if enr.empty:
            st.info(ui.t("team.train.none"), icon=":material/info:")
        else:
            shown_enr = ut.enrolment_table(enr, card)
            ut.download(shown_enr, f"team-enrolments-{f.quarter}", "tm_dl_enrolments")

# ---------------------------------------------------------------- mentors
if section == "mentors":
    st.subheader(ui.t("team.mentor.header"), anchor=False)
    ut.rule_form()
    pairs = ui.cached(mentoring.pairs, f.quarter, scope, ut.weights_arg(), ut.rule_arg())
    if pairs.empty:
        st.info(ui.t("team.mentor.none"), icon=":material/info:")
    else:
        at_risk = float(settings.get(ui.db(), "status_at_risk"))
        st.markdown(f"**{ui.t('team.mentor.behind_header')}**")
        behind = mentoring.falling_behind(pairs)
        ut.behind_list(behind)
        st.plotly_chart(ut.mentee_trend_chart(behind if len(behind) else pairs, at_risk), width="stretch")
        st.markdown(f"**{ui.t('team.mentor.pairs')}**")
        shown_pairs = ut.pairs_table(pairs)
        ut.download(shown_pairs.drop(columns=["trend"]), f"team-mentors-{f.quarter}", "tm_dl_mentors")
        st.caption(ui.t("team.mentor.note", at_risk=ui.pct(at_risk, 0)))

        st.subheader(ui.t("team.journal.header"), anchor=False)
        st.caption(ui.t("team.journal.caption"))
        ut.journal_overview(pairs)
        ut.journal_form(pairs, journal.current_month(ui.db(), f.quarter))
        entries = ui.cached(journal.entries, None, None, f.quarter)
        if entries.empty:
            st.info(ui.t("team.journal.none"), icon=":material/info:")
        else:
            ut.download(ut.journal_table(entries, card), f"team-journal-{f.quarter}", "tm_dl_journal")

# ---------------------------------------------------------------- playbook
if section == "playbook":
    st.subheader(ui.t("team.pb.header", quarter=f.quarter), anchor=False)
    st.caption(ui.t("team.pb.caption"))
    ut.playbook_list(playbook.entries(ui.db(), f.quarter, scope, lang, team_by, card))
    ut.playbook_form(f.quarter, ui.cached(playbook.cases, f.quarter), card)
