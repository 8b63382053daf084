"""Quarterdeck: navigation, global filters, language and the first-start demo bank."""
from pathlib import Path

import streamlit as st

from lib.core import auth
from lib.ui import shell as ui
from lib.ui import ingest as ui_ingest
from lib.ui import preload
from lib.pdca import ui as ui_pdca
from lib.core.db import Config, DatabaseUnwritable
from lib.demo import ensure_demo

with ui.shell():
    st.set_page_config(page_title="Quarterdeck", page_icon="static/favicon.png", layout="wide",
                       initial_sidebar_state="collapsed" if ui.projector_requested() else "auto")
    ui.init_state()
    ui.apply_display_mode()

    config = Config()
    if not Path(config.db_path).exists():
        with st.spinner(ui.t("demo.building")):
            ensure_demo(config.db_path, config.demo_customers, config.demo_seed)
    preload.start(ui.db())  # once per process: the pages' imports and the warm-up on a background thread

    def pages(admin: bool) -> dict:
        """The app's pages by section. Every page answers at its own path: the default page is served
        at `/` and again, hidden from the menu, at `/diagnosis` (Streamlit serves a default page
        only at the root)."""
        return {
            ui.t("nav.section.plan"): [
                st.Page("pages/diagnosis.py", title=ui.t("diagnosis.nav"), icon=":material/monitoring:", default=True, url_path="home"),
                st.Page("pages/tiering.py", title=ui.t("tiering.nav"), icon=":material/stacked_bar_chart:"),
                st.Page("pages/overview.py", title=ui.t("nav.overview"), icon=":material/dashboard:"),
                st.Page("pages/channels.py", title=ui.t("channels.nav"), icon=":material/campaign:"),
                st.Page("pages/team.py", title=ui.t("team.nav"), icon=":material/groups:"),
                st.Page("pages/related.py", title=ui.t("related.nav"), icon=":material/hub:"),
                st.Page("pages/pdca.py", title=ui.t("pdca.nav"), icon=":material/event_repeat:"),
                st.Page("pages/diagnosis.py", title=ui.t("diagnosis.nav"), icon=":material/monitoring:", url_path="diagnosis", visibility="hidden"),
            ],
            ui.t("nav.section.data"): [
                st.Page("pages/data.py", title=ui.t("nav.data"), icon=":material/database:"),
                *([st.Page("pages/admin.py", title=ui.t("admin.nav"), icon=":material/admin_panel_settings:")]
                  if admin else []),
            ],
        }

    # stops with a sign-in screen until someone is signed in (lib.core.auth); the requested page and
    # its URL parameters are held meanwhile, so a deep link opens once signed in
    viewer = ui.sign_in(hold_page=lambda: st.navigation(pages(True), position="hidden"))
    ui_ingest.start_inbox()
    navigation = st.navigation(pages(viewer.can("admin")))
    ui.sidebar_filters()
    if ui_pdca.agenda_step() and navigation.url_path != "pdca":
        ui_pdca.agenda_bar()  # the weekly meeting walks Diagnosis → Tiering → Channels → Team → PDCA
    try:
        navigation.run()
    except auth.AccessDenied as e:  # lib refused a write this role may not do
        st.error(e.message(ui.lang()), icon=":material/lock:")
    except DatabaseUnwritable as e:  # a read-only database folder or file, a full disk: nothing was changed
        st.error(ui.safe(e.message(ui.lang())), icon=":material/error:")
