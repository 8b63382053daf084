"""Access control in the app (AppTest): each role and scope through ``at.user`` (identity
provider), the password sign-in form, what each sees and cannot do, a branch manager's totals
against the branch's true totals, and the audit rows the app writes."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import audit
from lib.core import auth
from lib.core import i18n
from lib.core import markup
from lib.core import settings
from lib.core.db import Scope, forget_database, get_database
from tests.apptest import open_section
from lib.core.periods import Quarter

APP = str(Path(__file__).resolve().parents[2] / "app.py")
USERS = {  # e-mail (identity provider account) -> role, scope
    "admin@bank.example": ("admin", Scope()),
    "editor@bank.example": ("editor", Scope()),
    "uploader@bank.example": ("uploader", Scope()),
    "viewer@bank.example": ("viewer", Scope()),
    "bm@bank.example": ("viewer", Scope(branch_ids=("B001",))),        # a branch manager
    "south@bank.example": ("editor", Scope(region="South")),          # a regional manager
}


@pytest.fixture(scope="module")
def bank(demo_master, tmp_path_factory):
    """The demo bank with the users above (no [auth] secrets: without at.user it asks for passwords)."""
    path = str(tmp_path_factory.mktemp("auth") / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    db = get_database(path)
    with auth.acting_as(auth.system_viewer("setup")):
        auth.save_user(db, auth.User("root", "admin", "Root"), password="root password")
        for email, (role, scope) in USERS.items():
            auth.save_user(db, auth.User(email, role, None, scope.region, scope.branch_ids, scope.customer_type))
    yield path
    forget_database(path)


@pytest.fixture
def app_db(bank, monkeypatch):
    monkeypatch.setenv("QUARTERDECK_DB", bank)
    return get_database(bank)


def run_as(email: str | None, page: str | None = "pages/overview.py", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if email:
        at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page:
        at.switch_page(page)
    return at.run()


def sidebar_options(at, label: str) -> list:
    """A sidebar selectbox's choices beyond "All" (branches by id)."""
    opts = next(s for s in at.sidebar.selectbox if s.label == label).options
    assert opts[0] == "All"
    return [o.rsplit("(", 1)[-1].rstrip(")") if o.endswith(")") else o for o in opts[1:]]


def true_totals(db, quarter: str, branches: tuple[str, ...]) -> tuple[float, int]:
    """AUM at the quarter's last snapshot and customers opened in the quarter, straight from the tables."""
    q = Quarter.parse(quarter)
    marks = ", ".join("?" for _ in branches)
    end = db.scalar("SELECT max(as_of) FROM balances WHERE as_of BETWEEN ? AND ?", [q.start, q.end])
    aum = db.scalar(f"SELECT sum(coalesce(b.deposits,0) + coalesce(b.wealth,0) + coalesce(b.funds,0) + "
                    f"coalesce(b.insurance,0) + coalesce(b.other_assets,0)) FROM balances b JOIN customers c "
                    f"USING (customer_id) WHERE b.as_of = ? AND c.branch_id IN ({marks})", [end, *branches])
    new = db.scalar(f"SELECT count(*) FROM customers WHERE open_date BETWEEN ? AND ? AND branch_id IN ({marks})",
                    [q.start, min(q.end, end), *branches])
    return aum, new


# ---------------------------------------------------------------- scope
def test_branch_manager_sees_only_the_branch_totals(app_db):
    at = run_as("bm@bank.example")
    assert not at.exception
    assert sidebar_options(at, "Branch") == ["B001"]
    region = app_db.scalar("SELECT region FROM branches WHERE branch_id = 'B001'")
    assert sidebar_options(at, "Region") == [region]
    quarter = at.session_state["f_quarter"]
    aum, new = true_totals(app_db, quarter, ("B001",))
    cards = {m.label: m.value for m in at.metric}
    assert cards["AUM"] == i18n.fmt_money(aum, "en")
    assert cards["New customers"] == i18n.fmt_value(new, "count", "en")
    bank_aum = app_db.scalar("SELECT sum(aum) FROM v_balances WHERE as_of = (SELECT max(as_of) FROM balances "
                             "WHERE as_of <= ?)", [Quarter.parse(quarter).end])
    assert i18n.fmt_money(bank_aum, "en") != cards["AUM"]
    name = app_db.scalar("SELECT branch_name FROM branches WHERE branch_id = 'B001'")
    assert f"Scope: {name}" in markup.rendered(" ".join(c.value for c in at.caption))

    # a crafted link to another branch or region shows nothing beyond the branch
    other = app_db.scalar("SELECT branch_id FROM branches WHERE branch_id <> 'B001' ORDER BY 1 LIMIT 1")
    other_region = app_db.scalar("SELECT region FROM branches WHERE region <> ? LIMIT 1", [region])
    for query in ({"branch": other}, {"region": other_region}, {"region": other_region, "branch": other}):
        crafted = run_as("bm@bank.example", query=query)
        assert not crafted.exception
        assert {m.label: m.value for m in crafted.metric}["AUM"] == cards["AUM"], query


def test_regional_manager_sees_the_region(app_db):
    at = run_as("south@bank.example")
    assert not at.exception
    south = [r[0] for r in app_db.rows("SELECT branch_id FROM branches WHERE region = 'South' ORDER BY 1")]
    assert sidebar_options(at, "Region") == ["South"]
    assert sidebar_options(at, "Branch") == south
    aum, _ = true_totals(app_db, at.session_state["f_quarter"], tuple(south))
    assert {m.label: m.value for m in at.metric}["AUM"] == i18n.fmt_money(aum, "en")


def test_whole_bank_viewer_is_offered_every_branch(app_db):
    at = run_as("viewer@bank.example")
    n = app_db.scalar("SELECT count(*) FROM branches")
    offered = sidebar_options(at, "Branch")
    # and "Unassigned" (leads of prospects, rows of no known branch): whole-bank viewers only
    assert len(offered) == n + 1 and offered[-1] == "Unassigned"
    assert sidebar_options(at, "Region")[-1] == "Unassigned"
    assert "Unassigned" not in sidebar_options(run_as("bm@bank.example"), "Branch")
    assert "Unassigned" not in sidebar_options(run_as("south@bank.example"), "Region")


# ---------------------------------------------------------------- roles in the pages
def test_viewer_sees_pages_but_cannot_import_edit_or_see_names(app_db):
    at = run_as("viewer@bank.example", "pages/data.py", {"tab": "upload"})
    assert not at.exception
    assert not at.get("file_uploader")
    assert any("may not do this" in i.value for i in at.info)
    assert "Show customer names" not in [tg.label for tg in at.sidebar.toggle]
    assert any("viewer@bank.example" in markup.rendered(c.value) and "viewer" in c.value for c in at.sidebar.caption)

    ch = run_as("viewer@bank.example", "pages/channels.py", {"tab": "campaigns"})
    saves = [b for b in ch.button if b.label == "Save"]
    assert saves and all(b.disabled for b in saves)

    pd_ = run_as("viewer@bank.example", "pages/pdca.py", {"tab": "ledger"})
    assert not pd_.exception
    assert next(b for b in pd_.button if b.key == "pdca_ledger_save").disabled


def test_viewer_cannot_open_the_admin_page(app_db):
    at = run_as("viewer@bank.example", "pages/admin.py")
    assert "Users and audit log" not in [t.value for t in at.title]
    assert not any(b.label == "Save user" for b in at.button)


def test_uploader_may_upload_but_not_change_settings(app_db):
    at = run_as("uploader@bank.example", "pages/data.py", {"tab": "upload"})
    assert not at.exception
    assert at.get("file_uploader")
    ch = run_as("uploader@bank.example", "pages/channels.py", {"tab": "campaigns"})
    assert all(b.disabled for b in ch.button if b.label == "Save")


def test_editor_edits_the_ledger_and_sees_names_but_not_the_admin_page(app_db):
    at = run_as("editor@bank.example", "pages/pdca.py", {"tab": "ledger"})
    assert not at.exception
    assert not next(b for b in at.button if b.key == "pdca_ledger_save").disabled
    assert "Show customer names" in [tg.label for tg in at.sidebar.toggle]
    ch = run_as("editor@bank.example", "pages/channels.py", {"tab": "campaigns"})
    assert not any(b.disabled for b in ch.button if b.label == "Save")
    assert "Users and audit log" not in [t.value for t in run_as("editor@bank.example", "pages/admin.py").title]


def test_a_crafted_request_in_a_viewer_session_is_refused_by_lib(bank):
    """What a forged click would run: the save, inside the viewer's session, without a viewer
    argument; lib takes the session's signed-in user and refuses."""
    def script():
        import streamlit as st

        from lib.core import auth
        from lib.core import settings
        from lib.ui import shell as ui
        st.session_state["_qd_viewer"] = auth.Viewer("viewer", "viewer", email="viewer@bank.example")
        try:
            settings.put(ui.db(), "roi_threshold", 9.0)
            st.write("saved")
        except PermissionError as e:
            st.write(str(e))
    at = AppTest.from_function(script)
    import os
    os.environ["QUARTERDECK_DB"] = bank
    try:
        at.run()
    finally:
        os.environ.pop("QUARTERDECK_DB", None)
    assert "may not change plan settings" in at.markdown[0].value
    assert settings.get(get_database(bank), "roi_threshold") == settings.DEFAULTS["roi_threshold"]


def test_names_only_for_roles_allowed_and_never_on_the_projector():
    def script():
        import streamlit as st

        from lib.core import auth
        from lib.ui import shell as ui
        st.session_state["show_personal"] = True
        out = []
        for role in auth.ROLES:
            st.session_state["_qd_viewer"] = auth.Viewer(role, role, may_see_personal=role in ("editor", "admin"))
            out.append(ui.show_personal())
        st.session_state["projector"] = True
        out.append(ui.show_personal())
        st.write(repr(out))
    at = AppTest.from_function(script).run()
    assert at.markdown[0].value == repr([False, False, True, True, False])


def test_admin_manages_users_and_downloads_the_audit_log(app_db):
    at = run_as("admin@bank.example", "pages/admin.py")
    assert not at.exception
    assert at.title[0].value == "Users and audit log"
    users = at.dataframe[0].value
    assert set(USERS) | {"root"} <= set(users["username"])
    new = "(new user)"
    at.text_input(key=f"adm_username_{new}").set_value("new.bm@bank.example")
    at.radio(key=f"adm_scope_{new}").set_value("branches").run()
    at.multiselect(key=f"adm_branches_{new}").set_value(["B002"])
    at.button(key="adm_save").click().run()
    assert not at.exception
    assert not at.error
    u = auth.get_user(app_db, "new.bm@bank.example")
    assert u.role == "viewer" and u.branch_ids == ("B002",) and u.password_hash is None
    row = audit.entries(app_db, action="user_saved").iloc[0]
    assert row["username"] == "admin@bank.example" and json.loads(row["detail"])["branches"] == ["B002"]
    log = open_section(at, "audit").dataframe[0].value
    # the log reads in words: the action's name, the details as "label: value" (no JSON, no codes)
    assert i18n.t("audit.action.user_saved", "en") in set(log["action"]) and "user_saved" not in set(log["action"])
    saved = log[log["action"] == i18n.t("audit.action.user_saved", "en")]["detail"].iloc[0]
    assert "branches: B002" in saved and "{" not in saved and '"' not in saved
    assert at.download_button(key="adm_audit_dl_csv") and at.download_button(key="adm_audit_dl_xlsx")


def test_downloads_are_audited_with_the_viewer_and_masking(bank):
    def script():
        import pandas as pd
        import streamlit as st

        from lib.core import auth
        from lib.ui import shell as ui
        st.session_state["_qd_viewer"] = auth.Viewer("bm", "viewer", auth.Scope(branch_ids=("B001",)),
                                                     email="bm@bank.example")
        with ui.shell():
            ui.downloads(pd.DataFrame({"customer_id": ["C1"], "customer_name": ["Zhang San"]}), "call-list",
                         personal_table="customers", key="dl")
    import os
    os.environ["QUARTERDECK_DB"] = bank
    try:
        at = AppTest.from_function(script).run()
        at.download_button(key="dl_csv").click().run()
    finally:
        os.environ.pop("QUARTERDECK_DB", None)
    exp = audit.entries(get_database(bank), action="export").iloc[0]
    detail = json.loads(exp["detail"])
    assert exp["username"] == "bm@bank.example" and exp["role"] == "viewer"
    assert detail["file"] == "call-list.csv" and detail["rows"] == 1 and detail["personal_masked"] is True


# ---------------------------------------------------------------- sign-in modes
def test_password_sign_in_wrong_then_right_then_sign_out(app_db):
    at = run_as(None, page=None)
    assert not at.exception
    assert at.title[0].value == "Sign in to Quarterdeck"
    assert not at.metric
    at.text_input(key="qd_login_user").set_value("root")
    at.text_input(key="qd_login_password").set_value("wrong password")
    at.button[0].click().run()
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert at.title[0].value == "Sign in to Quarterdeck"
    at.text_input(key="qd_login_user").set_value("root")
    at.text_input(key="qd_login_password").set_value("root password")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value != "Sign in to Quarterdeck"
    assert any("root" in c.value and "admin" in c.value for c in at.sidebar.caption)
    assert at.session_state["qd_login_password"] == ""
    kinds = list(audit.entries(app_db, user="root")["action"])
    assert kinds[:2] == ["sign_in", "sign_in_failed"]
    at.sidebar.button(key="qd_sign_out").click().run()
    assert at.title[0].value == "Sign in to Quarterdeck"
    assert audit.entries(app_db, user="root")["action"].iloc[0] == "sign_out"


def test_identity_provider_configured_asks_to_sign_in(app_db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "quarterdeck", "client_secret": "y", "server_metadata_url":
                          "https://idp.example/.well-known/openid-configuration"}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in with your bank account"]
    assert not at.metric


def test_unknown_identity_provider_account_gets_no_access(app_db):
    at = run_as("stranger@elsewhere.example")
    assert not at.exception
    assert any("no access" in w.value and "stranger@elsewhere.example" in markup.rendered(w.value) for w in at.warning)
    assert not at.metric


def test_oidc_sign_in_is_audited_once_per_session(app_db):
    before = len(audit.entries(app_db, action="sign_in", user="editor@bank.example"))
    at = run_as("editor@bank.example")
    at.run()
    after = audit.entries(app_db, action="sign_in", user="editor@bank.example")
    assert len(after) == before + 1 and json.loads(after["detail"].iloc[0]) == {"mode": "oidc"}


def test_local_mode_is_labelled_in_the_sidebar(app_env):
    at = run_as(None)
    assert not at.exception
    assert any("Local single-user mode" in m.value for m in at.sidebar.markdown)
    assert at.metric  # pages run: the local user is admin of the whole bank


# ---------------------------------------------------------------- the Data page within the viewer's scope
def test_data_page_counts_within_a_branch_viewers_scope_and_no_server_path(app_db, bank):
    at = run_as("bm@bank.example", "pages/data.py")
    assert not at.exception
    status = at.dataframe[0].value.set_index("table")
    n_b001 = app_db.scalar("SELECT count(*) FROM customers WHERE branch_id = 'B001'")
    assert status.loc["customers", "rows"] == n_b001 < app_db.scalar("SELECT count(*) FROM customers")
    assert status.loc["branches", "rows"] == 1
    assert status.loc["balances", "rows"] == app_db.scalar(
        "SELECT count(*) FROM balances b JOIN customers c USING (customer_id) WHERE c.branch_id = 'B001'")
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert bank not in markup.rendered(shown) and "Database file" not in shown
    admin = run_as("admin@bank.example", "pages/data.py")
    assert any(bank in markup.rendered(c.value) for c in admin.caption)
    assert admin.dataframe[0].value.set_index("table").loc["customers", "rows"] == app_db.scalar(
        "SELECT count(*) FROM customers")


def test_sign_in_form_says_when_guessing_is_throttled_and_locked(app_db):
    from datetime import datetime, timedelta
    start = datetime.now()
    for i in range(auth.THROTTLE_AFTER):  # five failures from elsewhere: the next attempt must wait
        auth.sign_in(app_db, "root", "bad bad bad", "10.9.9.9", now=datetime.now())
    at = run_as(None, page=None)
    at.text_input(key="qd_login_user").set_value("root")
    at.text_input(key="qd_login_password").set_value("root password")
    at.button[0].click().run()
    assert any(e.value.startswith("Too many failed sign-ins. Wait ") for e in at.error)
    assert at.title[0].value == "Sign in to Quarterdeck"
    for i in range(auth.LOCK_AFTER - auth.THROTTLE_AFTER):  # spaced past each delay: the lock comes at 10
        auth.sign_in(app_db, "root", "bad bad bad", "10.9.9.9", now=start + timedelta(seconds=70 * (i + 1)))
    at.text_input(key="qd_login_password").set_value("root password")
    at.button[0].click().run()
    assert any("sign-in is locked until" in e.value and "An administrator can unlock it sooner" in e.value
               for e in at.error)
    with auth.acting_as(auth.system_viewer("test")):
        auth.unlock(app_db, "account", "root")
        auth.unlock(app_db, "address", "10.9.9.9")
    at.text_input(key="qd_login_password").set_value("root password")
    at.button[0].click().run()
    assert at.title[0].value != "Sign in to Quarterdeck"
