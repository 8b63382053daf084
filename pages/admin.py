"""Admin: users (role, scope, customer names, password) and the audit log. Registered in app.py's
navigation for admins only; lib.core.auth refuses every change from anyone else anyway."""
import streamlit as st

from lib.core import audit
from lib.core import auth
from lib.ui import shell as ui
from lib.ui import tables

st.title(ui.t("admin.title"))
if not ui.can("admin"):
    st.error(ui.t("auth.no_rights", role=ui.t(f"auth.role.{ui.viewer().role}") if ui.viewer() else "—"),
             icon=":material/lock:")
    st.stop()

mode = auth.sign_in_mode(ui.db(), ui._oidc_configured())
st.caption(ui.t("admin.mode", mode=ui.t(f"admin.mode.{mode}")) + " · " + ui.t("auth.role_help"))
section = ui.section("admin", {s: f"admin.tab.{s}" for s in ("users", "audit", "locks")},
                     {"users": "group", "audit": "receipt_long", "locks": "lock_clock"})  # only the open section runs
NEW = ui.t("admin.form.new")  # the pick list's first entry (plain strings: no format_func)


SCOPES, CTYPES, PERSONAL = ["bank", "region", "branches"], ["ALL", "retail", "corporate"], ["default", "yes", "no"]


def _k(name: str) -> str:
    """Form widgets are keyed per picked user, so picking another user shows its stored values."""
    return f"adm_{name}_{st.session_state.get('adm_pick', NEW)}"


def _form_values() -> auth.User:
    ss = st.session_state
    kind, ctype, personal = ss.get(_k("scope"), "bank"), ss.get(_k("ctype"), "ALL"), ss.get(_k("personal"), "default")
    return auth.User(
        username=str(ss.get(_k("username")) or "").strip(), role=ss.get(_k("role"), "viewer"),
        display_name=str(ss.get(_k("display")) or "").strip() or None,
        region=ss.get(_k("region")) if kind == "region" else None,
        branch_ids=tuple(ss.get(_k("branches")) or ()) if kind == "branches" else None,
        customer_type=None if ctype == "ALL" else ctype,
        personal=None if personal == "default" else personal == "yes", disabled=bool(ss.get(_k("disabled"))))


def _save() -> None:  # callbacks: they survive the shell's rerun of a page started on its own
    u = _form_values()
    try:
        auth.save_user(ui.db(), u, password=st.session_state.get(_k("password")) or None,
                       identity_provider=ui._oidc_configured())
    except ValueError as e:
        st.session_state["adm_msg"] = ("error", str(e))
        return
    st.session_state[_k("password")] = ""
    st.session_state["adm_msg"] = ("success", ui.t("admin.saved", user=u.username))


def _unlock() -> None:
    kind, _, key = str(st.session_state.get("adm_unlock_pick") or "").partition(":")
    if key:
        auth.unlock(ui.db(), kind, key)
        st.session_state["adm_lock_msg"] = ui.t("admin.locks.unlocked", key=key)


def _delete() -> None:
    name = st.session_state.get("adm_pick")
    try:
        auth.delete_user(ui.db(), name, identity_provider=ui._oidc_configured())
    except ValueError as e:
        st.session_state["adm_msg"] = ("error", str(e))
        return
    st.session_state["adm_pick"] = NEW
    st.session_state["adm_msg"] = ("success", ui.t("admin.deleted", user=name))


if section == "users":
    table = auth.users(ui.db())
    if table.empty:
        st.info(ui.t("admin.users.empty"), icon=":material/person_add:")
    else:
        shown = table.assign(role=table["role"].map(lambda r: ui.t(f"auth.role.{r}")))
        tables.dataframe(shown, hide_index=True, width="stretch", column_config={
            c: ui.t(f"admin.col.{c}") for c in auth.USER_COLUMNS})
    msg = st.session_state.get("adm_msg")  # the last save's outcome (kept: the shell may rerun the page)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])

    st.subheader(ui.t("admin.form.title"))
    names = [NEW, *table["username"].tolist()]
    if st.session_state.get("adm_pick") not in names:
        st.session_state["adm_pick"] = NEW
    pick = st.selectbox(ui.t("admin.form.pick"), names, key="adm_pick")
    u = auth.get_user(ui.db(), pick) if pick != NEW else None
    org = ui.org()
    regions = sorted(org["region"].unique())
    c1, c2 = st.columns(2)
    c1.text_input(ui.t("admin.form.username"), value=u.username if u else "", key=_k("username"),
                  help=ui.t("admin.form.username_help"))
    c2.text_input(ui.t("admin.form.display_name"), value=(u.display_name or "") if u else "", key=_k("display"))
    c1.selectbox(ui.t("admin.form.role"), list(auth.ROLES), index=auth.ROLES.index(u.role) if u else 0,
                 key=_k("role"), format_func={r: ui.t(f"auth.role.{r}") for r in auth.ROLES}.get, help=ui.t("auth.role_help"))
    kind0 = "region" if u and u.region else "branches" if u and u.branch_ids else "bank"
    kind = c2.radio(ui.t("admin.form.scope"), SCOPES, index=SCOPES.index(kind0), key=_k("scope"), horizontal=True,
                    format_func={k: ui.t(f"admin.scope.{k}") for k in SCOPES}.get)
    if kind == "region":
        c2.selectbox(ui.t("admin.form.region"), regions, key=_k("region"),
                     index=regions.index(u.region) if u and u.region in regions else 0)
    elif kind == "branches":
        names_by_id = dict(zip(org["branch_id"], org["branch_name"]))
        c2.multiselect(ui.t("admin.form.branches"), org["branch_id"].tolist(), key=_k("branches"),
                       default=[b for b in (u.branch_ids or ()) if b in names_by_id] if u else [],
                       format_func=lambda b: f"{names_by_id.get(b, b)} ({b})", placeholder=ui.t("common.choose"))
    c1.selectbox(ui.t("admin.form.customer_type"), CTYPES, key=_k("ctype"),
                 index=CTYPES.index(u.customer_type) if u and u.customer_type else 0,
                 format_func={c: ui.t("filters.all") if c == "ALL" else ui.t(f"filters.{c}") for c in CTYPES}.get)
    c1.selectbox(ui.t("admin.form.personal"), PERSONAL, key=_k("personal"),
                 index=0 if not u or u.personal is None else (1 if u.personal else 2),
                 format_func={p: ui.t(f"admin.personal.{p}") for p in PERSONAL}.get)
    c2.text_input(ui.t("admin.form.password"), type="password", key=_k("password"))
    c2.checkbox(ui.t("admin.form.disabled"), value=bool(u.disabled) if u else False, key=_k("disabled"))
    b1, b2, _ = st.columns([1, 1, 3])
    b1.button(ui.t("admin.form.save"), type="primary", on_click=_save, key="adm_save", icon=":material/save:")
    if pick != NEW:
        b2.button(ui.t("admin.form.delete"), on_click=_delete, key="adm_delete", icon=":material/delete:")

if section == "audit":
    c1, c2 = st.columns(2)
    action = c1.selectbox(ui.t("admin.audit.action"), ["ALL", *audit.ACTIONS], key="adm_audit_action",
                          format_func={a: ui.t("admin.audit.all") if a == "ALL" else ui.t(f"audit.action.{a}")
                                       for a in ["ALL", *audit.ACTIONS]}.get)
    who = c2.text_input(ui.t("admin.audit.user"), key="adm_audit_user")
    log = audit.entries(ui.db(), action=None if action == "ALL" else action, user=who.strip() or None)
    st.caption(ui.t("admin.audit.count", n=len(log)))
    log = tables.audit_frame(log, ui.lang())  # action codes, roles and JSON details in words
    heads = {c: ui.t(f"admin.audit.col.{c}") for c in ("happened_at", "username", "role", "action", "detail")}
    tables.dataframe(log, hide_index=True, width="stretch", column_config={"audit_id": None, **heads})
    ui.downloads(log.drop(columns=["audit_id"]).rename(columns=heads), "audit-log", key="adm_audit_dl")

if section == "locks":
    st.caption(ui.t("admin.locks.intro", throttle=auth.THROTTLE_AFTER, lock=auth.LOCK_AFTER, minutes=auth.LOCK_MINUTES))
    if st.session_state.get("adm_lock_msg"):
        st.success(ui.safe(st.session_state.pop("adm_lock_msg")))
    locks = auth.throttled(ui.db())
    if locks.empty:
        st.info(ui.t("admin.locks.empty"), icon=":material/lock_open:")
    else:
        kinds = {k: ui.t(f"admin.locks.kind.{k}") for k in ("account", "address")}
        tables.dataframe(locks.assign(kind=locks["kind"].map(kinds)), hide_index=True, width="stretch",
                     column_config={c: ui.t(f"admin.locks.col.{c}") for c in auth.THROTTLE_COLUMNS})
        picks = [f"{k}:{v}" for k, v in zip(locks["kind"], locks["key"])]
        labels = {p: f"{kinds[p.partition(':')[0]]} {p.partition(':')[2]}" for p in picks}
        st.selectbox(ui.t("admin.locks.pick"), picks, key="adm_unlock_pick", format_func=labels.get)
        st.button(ui.t("admin.locks.unlock"), on_click=_unlock, key="adm_unlock", icon=":material/lock_open:")
