"""Admin: users (role, scope, customer names, password) and the audit log. Registered in app.py's
navigation for admins only; lib.auth refuses every change from anyone else anyway."""
import streamlit as st

from lib import audit, auth, ui

st.title(ui.t("admin.title"))
if not ui.can("admin"):
    st.error(ui.t("auth.no_rights", role=ui.t(f"auth.role.{ui.viewer().role}") if ui.viewer() else "—"),
             icon=":material/lock:")
    st.stop()

mode = auth.sign_in_mode(ui.db(), ui._oidc_configured())
st.caption(ui.t("admin.mode", mode=ui.t(f"admin.mode.{mode}")) + " · " + ui.t("auth.role_help"))
users_tab, audit_tab = st.tabs([ui.t("admin.tab.users"), ui.t("admin.tab.audit")])
NEW = "__new__"


def _form_values() -> auth.User:
    ss = st.session_state
    kind = ss.get("adm_scope", "bank")
    ctype = ss.get("adm_ctype", "ALL")
    personal = ss.get("adm_personal", "default")
    return auth.User(
        username=str(ss.get("adm_username") or "").strip(), role=ss.get("adm_role", "viewer"),
        display_name=str(ss.get("adm_display") or "").strip() or None,
        region=ss.get("adm_region") if kind == "region" else None,
        branch_ids=tuple(ss.get("adm_branches") or ()) if kind == "branches" else None,
        customer_type=None if ctype == "ALL" else ctype,
        personal=None if personal == "default" else personal == "yes", disabled=bool(ss.get("adm_disabled")))


def _save() -> None:  # callbacks: they survive the shell's rerun of a page started on its own
    u = _form_values()
    try:
        auth.save_user(ui.db(), u, password=st.session_state.get("adm_password") or None)
    except ValueError as e:
        st.session_state["adm_msg"] = ("error", str(e))
        return
    st.session_state["adm_password"] = ""
    st.session_state["adm_msg"] = ("success", ui.t("admin.saved", user=u.username))


def _delete() -> None:
    name = st.session_state.get("adm_pick")
    try:
        auth.delete_user(ui.db(), name)
    except ValueError as e:
        st.session_state["adm_msg"] = ("error", str(e))
        return
    st.session_state["adm_pick"] = NEW
    st.session_state["adm_msg"] = ("success", ui.t("admin.deleted", user=name))


def _load_pick() -> None:
    """Fill the form with the chosen user (or empty it for a new one)."""
    name = st.session_state.get("adm_pick")
    u = auth.get_user(ui.db(), name) if name and name != NEW else None
    ss = st.session_state
    ss["adm_username"] = u.username if u else ""
    ss["adm_display"] = (u.display_name or "") if u else ""
    ss["adm_role"] = u.role if u else "viewer"
    ss["adm_scope"] = ("region" if u and u.region else "branches" if u and u.branch_ids else "bank")
    if u and u.region:
        ss["adm_region"] = u.region
    ss["adm_branches"] = list(u.branch_ids or ()) if u else []
    ss["adm_ctype"] = (u.customer_type or "ALL") if u else "ALL"
    ss["adm_personal"] = ("default" if not u or u.personal is None else "yes" if u.personal else "no")
    ss["adm_disabled"] = bool(u.disabled) if u else False
    ss["adm_password"] = ""


with users_tab:
    table = auth.users(ui.db())
    if table.empty:
        st.info(ui.t("admin.users.empty"), icon=":material/person_add:")
    else:
        shown = table.assign(role=table["role"].map(lambda r: ui.t(f"auth.role.{r}")))
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            c: ui.t(f"admin.col.{c}") for c in auth.USER_COLUMNS})
    msg = st.session_state.pop("adm_msg", None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])

    st.subheader(ui.t("admin.form.title"))
    names = [NEW, *table["username"].tolist()]
    if st.session_state.get("adm_pick") not in names:
        st.session_state["adm_pick"] = NEW
    if "adm_role" not in st.session_state:
        _load_pick()
    st.selectbox(ui.t("admin.form.pick"), names, key="adm_pick", on_change=_load_pick,
                 format_func=lambda n: ui.t("admin.form.new") if n == NEW else n)
    org = ui.org()
    c1, c2 = st.columns(2)
    c1.text_input(ui.t("admin.form.username"), key="adm_username", help=ui.t("admin.form.username_help"))
    c2.text_input(ui.t("admin.form.display_name"), key="adm_display")
    c1.selectbox(ui.t("admin.form.role"), list(auth.ROLES), key="adm_role",
                 format_func=lambda r: ui.t(f"auth.role.{r}"), help=ui.t("auth.role_help"))
    c2.radio(ui.t("admin.form.scope"), ["bank", "region", "branches"], key="adm_scope", horizontal=True,
             format_func=lambda k: ui.t(f"admin.scope.{k}"))
    kind = st.session_state["adm_scope"]
    if kind == "region":
        c2.selectbox(ui.t("admin.form.region"), sorted(org["region"].unique()), key="adm_region")
    elif kind == "branches":
        names_by_id = dict(zip(org["branch_id"], org["branch_name"]))
        c2.multiselect(ui.t("admin.form.branches"), org["branch_id"].tolist(), key="adm_branches",
                       format_func=lambda b: f"{names_by_id.get(b, b)} ({b})")
    c1.selectbox(ui.t("admin.form.customer_type"), ["ALL", "retail", "corporate"], key="adm_ctype",
                 format_func=lambda c: ui.t("filters.all") if c == "ALL" else ui.t(f"filters.{c}"))
    c1.selectbox(ui.t("admin.form.personal"), ["default", "yes", "no"], key="adm_personal",
                 format_func=lambda p: ui.t(f"admin.personal.{p}"))
    c2.text_input(ui.t("admin.form.password"), type="password", key="adm_password")
    c2.checkbox(ui.t("admin.form.disabled"), key="adm_disabled")
    b1, b2, _ = st.columns([1, 1, 3])
    b1.button(ui.t("admin.form.save"), type="primary", on_click=_save, key="adm_save", icon=":material/save:")
    if st.session_state["adm_pick"] != NEW:
        b2.button(ui.t("admin.form.delete"), on_click=_delete, key="adm_delete", icon=":material/delete:")

with audit_tab:
    c1, c2 = st.columns(2)
    action = c1.selectbox(ui.t("admin.audit.action"), ["ALL", *audit.ACTIONS], key="adm_audit_action",
                          format_func=lambda a: ui.t("admin.audit.all") if a == "ALL" else ui.t(f"audit.action.{a}"))
    who = c2.text_input(ui.t("admin.audit.user"), key="adm_audit_user")
    log = audit.entries(ui.db(), action=None if action == "ALL" else action, user=who.strip() or None)
    st.caption(ui.t("admin.audit.count", n=len(log)))
    st.dataframe(log, hide_index=True, width="stretch", column_config={
        "audit_id": None, **{c: ui.t(f"admin.audit.col.{c}") for c in ("happened_at", "username", "role", "action",
                                                                         "detail")}})
    ui.downloads(log, "audit-log", key="adm_audit_dl")
