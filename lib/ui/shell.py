"""Streamlit helpers shared by app.py and the pages: language, global filters kept in the
URL, cached data access keyed on the database's data version, and metric cards.

This is the only module in lib/ that imports Streamlit. Invariants:
- Filters and language live in st.session_state and are mirrored into st.query_params on
  every run, so a copied link reproduces the view.
- Cached results are keyed on (database path, data_version, arguments); an import bumps the
  data version, so every page shows the new data on its next run.
"""
from __future__ import annotations

import functools
import threading
import time
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from lib import warmup
from lib.core import audit
from lib.core import auth
from lib.ui import charts
from lib.core import export
from lib.metrics import gaps
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.metrics import plan
from lib.core import privacy
from lib.core import schema
from lib.core.db import Scope, default_db_path, get_database
from streamlit.runtime.caching.cache_errors import UnhashableParamError
from lib.core.markup import safe, safe_all  # noqa: F401 - every value from data or users goes through it into Markdown

QP_KEYS = {"lang": "lang", "quarter": "q", "region": "region", "branch": "branch", "ctype": "ctype"}


def db():
    """The app's database; its writes warm the metric cube up in the background (lib.warmup)."""
    d = get_database(default_db_path())
    if d not in _warm_in_background:
        _warm_in_background.add(warmup.use(d, "background"))
    return d


def _serves(d) -> bool:
    """Whether `d` is the app's database handle: the one ``db`` gives, or lib.ui.preload's handle of
    the configured file at process start (background warm-up). Never opens a database: a script's or
    a test's own background handle of another file is not the app's."""
    if d in _warm_in_background:
        return True
    return warmup.mode(d) == "background" and d.path != ":memory:" and \
        Path(d.path).resolve() == Path(default_db_path()).resolve()


_warm_in_background: "weakref.WeakSet" = weakref.WeakSet()


_shell = threading.local()
_shell_reruns = 0
_as_view = threading.local()  # set by ``viewing`` on the warm-up thread: the view a pre-build shapes for


GIVE_WAY_IDLE_S = 3.0  # the warm-up's pre-build waits until no page has run for this long (the browser draws)
GIVE_WAY_MAX_S = 60.0  # ... but no longer than this before each of its steps
_runs = {"active": 0, "last": float("-inf")}  # app.py runs in progress in this process, and when the last one ended
_runs_lock = threading.Lock()


@contextmanager
def shell():
    """Marks app.py's run; pages check that they run inside it."""
    _shell.active = True
    with _runs_lock:
        _runs["active"] += 1
    try:
        yield
    finally:
        _shell.active = False
        with _runs_lock:
            _runs["active"] -= 1
            _runs["last"] = time.monotonic()


@warmup.gives_way
def _wait_for_quiet(d) -> None:
    """Before each pre-build step of the app's database: wait while a page runs or ran in the last
    ``GIVE_WAY_IDLE_S`` (its browser is still drawing), at most ``GIVE_WAY_MAX_S``: the warm-up
    competes for the same cores, and the visitor in front of the screen goes first."""
    if not _serves(d):
        return
    deadline = time.monotonic() + GIVE_WAY_MAX_S
    while time.monotonic() < deadline and not d.closing.is_set():
        with _runs_lock:
            busy = _runs["active"] > 0 or time.monotonic() - _runs["last"] < GIVE_WAY_IDLE_S
        if not busy:
            return
        time.sleep(0.1)


def _require_shell() -> None:
    """Pages run inside app.py's navigation. Streamlit emulates the old pages/-folder
    multipage mode (running a page file on its own) until st.navigation has run once in the
    process — a server's first visit straight to /<page> — and on every AppTest run. Switch
    that mode off and go through app.py: the first time in a process by rerunning (a server's
    later runs are then normal navigation runs, so widget identities stay stable); after
    that (only AppTest, which resets the mode on every run) by running app.py inline in this
    run, which navigates to this page and keeps the run's button events, then stopping the
    bare page."""
    global _shell_reruns
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:  # not a script run (e.g. a test formatting a label)
        return
    if getattr(_shell, "active", False) or ctx.fragment_ids_this_run:  # a fragment's own rerun: the shell ran before
        return
    from streamlit.runtime.pages_manager import PagesManager
    PagesManager.uses_pages_directory = False
    if _shell_reruns == 0:  # a server needs this once per process; its later runs navigate normally
        _shell_reruns += 1
        st.rerun()
    import runpy
    runpy.run_path(str(Path(__file__).resolve().parent.parent.parent / "app.py"), run_name="__main__")
    st.stop()


def lang() -> str:
    if getattr(_as_view, "lang", None):
        return _as_view.lang
    _require_shell()
    return st.session_state.get("lang", i18n.DEFAULT_LANG)


def t(key: str, **kw) -> str:
    return i18n.t(key, lang(), **kw)


def money(v) -> str:
    return i18n.fmt_money(v, lang())


def value(v, unit: str) -> str:
    return i18n.fmt_value(v, unit, lang())


def card_value(v, unit: str) -> str:
    """A metric card's value: compact unit, at most 4 significant digits (``charts.card_value``)."""
    return charts.card_value(v, unit, lang())


def pct(v, digits: int = 1) -> str:
    return i18n.fmt_pct(v, lang(), digits)


def day(d) -> str:
    return i18n.fmt_date(d, lang())


def labelled(df: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """A copy of `df` whose category `column` shows translated labels (`prefix.value`)."""
    out = df.copy()
    out[column] = out[column].map(  # no value: a row of no known customer (lib.core.db.Scope.takes_unknown_customers)
        lambda v: t("common.unassigned") if v is None or pd.isna(v) or v == "" else t(f"{prefix}.{v}"))
    return out


def money_column(df: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    return charts.scale_money(df, column, lang())


def init_state() -> None:
    """Seed session state from the URL once per session, and again on arrival after
    ``switch_page`` (the browser forgets the sidebar widgets' values across ``st.switch_page``,
    so the parameters passed to the switch decide the view, as on a fresh visit)."""
    reseed = st.session_state.pop("_qd_reseed", None)
    if st.session_state.get("_qd_init") and reseed is None:
        return
    st.session_state["_qd_init"] = True
    qp = st.query_params if reseed is None else reseed
    st.session_state["lang"] = i18n.norm_lang(qp.get("lang", i18n.DEFAULT_LANG))
    for key, param in QP_KEYS.items():
        if key == "lang":
            continue
        if param in qp:
            st.session_state[f"f_{key}"] = qp[param]
        elif reseed is not None:
            st.session_state.pop(f"f_{key}", None)
    if reseed is None:
        st.session_state["projector"] = projector_requested()
        return
    st.session_state["projector"] = _truthy(qp.get("projector"))
    for k in [k for k in st.session_state if str(k).endswith("_section")]:
        del st.session_state[k]  # the target page opens the section its URL names (``section``)


def _truthy(v) -> bool:
    return str(v or "").lower() in ("1", "true", "yes", "on")


def switch_page(page: str, params: dict) -> None:
    """``st.switch_page`` to `page` with `params` as its URL (language, projector and filters
    included, see ``view_params``); the target page takes its view from them."""
    params = {k: str(v) for k, v in params.items() if v is not None}
    st.session_state["_qd_reseed"] = params
    st.switch_page(page, query_params=params)


def projector_requested() -> bool:
    """Projector mode as asked for by the URL (``?projector=1``) or the sidebar switch."""
    if "projector" in st.session_state:
        return bool(st.session_state["projector"])
    return _truthy(st.query_params.get("projector"))


def projector() -> bool:
    if getattr(_as_view, "lang", None):
        return _as_view.projector
    return bool(st.session_state.get("projector", False))


def show_personal() -> bool:
    """Whether this viewer sees customers' personal data in full: never in projector mode,
    otherwise only when switched on and the viewer's role allows it (lib.core.auth)."""
    if getattr(_as_view, "lang", None):
        return False
    v = viewer()
    return (bool(st.session_state.get("show_personal", False)) and not projector()
            and v is not None and v.may_see_personal)


# ---------------------------------------------------------------- who is looking (lib.core.auth)
def viewer() -> "auth.Viewer | None":
    """The signed-in viewer of this session (set by ``sign_in`` on every run of app.py)."""
    return st.session_state.get("_qd_viewer")


def can(action: str) -> bool:
    """Whether this session's viewer may `action` (pages hide what the role cannot do; lib
    refuses it anyway)."""
    v = viewer()
    return v is not None and v.can(action)


def _session_viewer() -> "auth.Viewer | None":
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        return st.session_state.get("_qd_viewer")
    except Exception:  # noqa: BLE001 - no session (e.g. a worker thread)
        return None


auth.set_session_resolver(_session_viewer)


def _session_db():
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    return db() if get_script_run_ctx(suppress_warning=True) is not None else None


auth.set_database_resolver(_session_db)  # a refused write that names no database is audited in the app's


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def client_address() -> str | None:
    """The client's IP address as the server saw it (None outside a browser session, e.g. AppTest)."""
    try:
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context
        return None


def _do_login() -> None:
    """The sign-in form's callback (survives the shell's rerun of a page started on its own)."""
    name = str(st.session_state.get("qd_login_user") or "").strip()
    res = auth.sign_in(db(), name, st.session_state.get("qd_login_password") or "", client_address())
    st.session_state["qd_login_password"] = ""
    v = res.viewer
    if v is None:  # lib.core.auth throttles guessing per account and address across sessions (no sleeping)
        # the message is worded in the form's run (a callback runs outside app.py's shell)
        st.session_state["_qd_login_failed"] = (
            ("auth.login.wait", {"seconds": max(1, round(res.retry_after))}) if res.outcome == "wait" else
            ("auth.login.locked", {"until": res.locked_until.strftime("%H:%M")}) if res.outcome == "locked" else
            ("auth.login.failed", {}))
        return
    st.session_state.pop("_qd_login_failed", None)
    st.session_state["_qd_user"] = name
    st.session_state["_qd_viewer"] = v
    st.session_state["_qd_signed_in_logged"] = True  # authenticate() wrote the sign-in to the audit log


def _login_form() -> None:
    st.title(t("auth.login.title"))
    with st.form("qd_login"):
        st.text_input(t("auth.login.username"), key="qd_login_user")
        st.text_input(t("auth.login.password"), type="password", key="qd_login_password")
        st.form_submit_button(t("auth.login.submit"), type="primary", on_click=_do_login)
    failed = st.session_state.get("_qd_login_failed")
    if failed:  # kept until the next attempt (the shell may rerun)
        key, params = failed if isinstance(failed, tuple) else ("auth.login.failed", {})
        st.error(t(key, **params), icon=":material/lock:")
    st.caption(t("auth.login.help"))


def sign_in(hold_page=None) -> "auth.Viewer":
    """Who is looking, decided on every run of app.py (a role or scope changed by an admin
    applies on the next run): the identity provider's account when ``[auth]`` is configured in
    secrets (``st.login``); else a user name and password when users exist in the database; else
    local single-user mode (admin, whole bank; labelled in the sidebar). Stops the run with a
    sign-in screen until someone is signed in; `hold_page` (app.py's navigation, hidden) is called
    before that screen, so the page and URL parameters asked for are still the ones open once
    signed in (a deep link survives the sign-in)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    if get_script_run_ctx(suppress_warning=True) is None:  # app.py run bare (no session): nobody, nothing
        return auth.Viewer("(no session)", "viewer", Scope(branch_ids=()), False, None, "bare")
    d = db()
    user = st.user
    v = None
    if user.get("is_logged_in", False):
        email = user.get("email")
        v = auth.oidc_viewer(d, email, user.get("name"))
        if v is None:
            st.session_state.pop("_qd_viewer", None)
            st.warning(t("auth.oidc.no_access", user=safe(email or user.get("name") or "?")), icon=":material/lock:")
            st.button(t("auth.sign_out"), on_click=st.logout)
            st.stop()
        if not st.session_state.get("_qd_signed_in_logged"):
            audit.record(d, v, "sign_in", {"mode": "oidc"})
    elif _oidc_configured():
        st.session_state.pop("_qd_viewer", None)
        if hold_page is not None:
            hold_page()
        st.title(t("auth.login.title"))
        st.button(t("auth.oidc.button"), on_click=st.login, type="primary", icon=":material/login:")
        st.caption(t("auth.login.help"))
        st.stop()
    elif auth.sign_in_mode(d, False) == "local":
        v = auth.local_admin()
        if not st.session_state.get("_qd_signed_in_logged"):
            audit.record(d, v, "sign_in", {"mode": "local"})
    else:
        name = st.session_state.get("_qd_user")
        v = auth.viewer_for(d, name) if name else None
        if v is None:
            st.session_state.pop("_qd_viewer", None)
            st.session_state.pop("_qd_user", None)
            if hold_page is not None:
                hold_page()
            _login_form()
            st.stop()
    st.session_state["_qd_signed_in_logged"] = True
    st.session_state["_qd_viewer"] = v
    return v


def _sign_out() -> None:
    v = viewer()
    if v is not None:
        audit.record(db(), v, "sign_out", {"mode": v.mode})
    for k in ("_qd_user", "_qd_viewer", "_qd_signed_in_logged"):
        st.session_state.pop(k, None)
    if v is not None and v.mode == "oidc":
        st.logout()


def account_box() -> None:
    """Who is signed in (or the local-mode label) and the sign-out button, in the sidebar."""
    v = viewer()
    if v is None:
        return
    if v.mode == "local":
        st.markdown(f":orange-badge[:material/person_alert: {t('auth.local.label')}]", help=t("auth.local.help"))
        return
    st.caption(t("auth.signed_in_as", user=safe(v.label), role=t(f"auth.role.{v.role}"),
                 scope=safe(scope_label(v.scope))))
    st.button(t("auth.sign_out"), on_click=_sign_out, key="qd_sign_out", icon=":material/logout:")


# Every card's value and label show whole at every width: the value's type scales with its card
# (a container query) and wraps rather than being cut with "…" (Streamlit's default).
CARD_CSS = """
<style>
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"],
[data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; }
[data-testid="stMetricValue"] { font-size: clamp(1.2rem, 17cqi, 2.25rem); line-height: 1.2; }
[data-testid="stMetricValue"] > div { font-size: inherit; }
</style>
"""

PROJECTOR_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #FFFFFF; color: #000000; }
[data-testid="stMain"] .block-container { padding: 3.8rem 1.6rem 2rem 1.6rem; max-width: 100%; }
[data-testid="stMain"] h1 { font-size: 1.8rem; color: #000000; padding: 0 0 0.3rem 0; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { color: #000000; }
[data-testid="stMetricValue"] { font-size: clamp(1.3rem, 18cqi, 2.4rem); font-weight: 700; color: #000000; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; font-weight: 600; color: #000000; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label { color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #1A1A1A !important; }
[data-testid="stVerticalBlockBorderWrapper"] { border-color: #555555 !important; }
/* tables read from the back of the room: the grid (a canvas) drawn larger within its column */
[data-testid="stElementContainer"]:has(> [data-testid="stDataFrame"]) { zoom: 1.25; width: 80% !important; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1rem; }
/* buttons show their whole label */
[data-testid="stMain"] button p, [data-testid="stDownloadButton"] button p { white-space: nowrap; font-size: 1rem; }
[data-testid="stMain"] button { min-height: 2.6rem; }
</style>
"""


def _widget_text_css() -> str:
    """Streamlit's file uploader has built-in English text ("Upload", "200MB per file • CSV…");
    replace it with the current language's text."""
    limit = st.get_option("server.maxUploadSize")
    upload = t("widget.upload").replace('"', "'")
    hint = t("widget.upload_limit", mb=limit).replace('"', "'")
    return f"""
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{ content: "{upload}"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div > span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: "{hint}"; font-size: 0.875rem; }}
</style>
"""


def apply_display_mode() -> None:
    """Per run: projector styling for charts (thread-local), the projector CSS when on, and
    the current language for Streamlit's own widget texts."""
    charts.set_projector(projector())
    st.html(_widget_text_css() + CARD_CSS + (PROJECTOR_CSS if projector() else ""))

def view_params() -> dict[str, str]:
    """The URL parameters of this session's view: language, filters (when not "all") and projector."""
    values = {"lang": lang()}
    for key, param in QP_KEYS.items():
        if key == "lang":
            continue
        v = st.session_state.get(f"f_{key}")
        if v not in (None, "", "ALL"):
            values[param] = v
    if projector():
        values["projector"] = "1"
    return values


def sync_query_params() -> None:
    values = view_params()
    for param in list(st.query_params.keys()):
        if param in (*QP_KEYS.values(), "projector") and param not in values:
            del st.query_params[param]
    for k, v in values.items():
        if st.query_params.get(k) != v:
            st.query_params[k] = v


SECTION_PARAM = "tab"  # ?tab=<section key>: the open section of a page, kept in a copied link


def section(page_key: str, options: dict[str, str], icons: dict[str, str] | None = None) -> str:
    """The page's section switch (a segmented control) and the chosen section's key, so a
    page runs only the open section's code (``st.tabs`` runs every tab's code on every run).

    `options` maps section keys to label keys (translated with ``t``), in order; the first is
    the default. `icons` optionally maps section keys to ``:material/…:`` icon names. The
    choice is kept in the URL as ``?tab=<key>`` (absent for the first section), so a reload or
    a copied link opens the same section; a value that is not one of this page's sections
    opens the first. The widget's session key is ``<page_key>_section``; the other URL
    parameters (language, filters, projector) are kept by ``sync_query_params`` as before."""
    keys = list(options)
    state = f"{page_key}_section"
    if st.session_state.get(state) not in keys:  # a fresh session or page visit: the URL decides
        asked = st.query_params.get(SECTION_PARAM)
        st.session_state[state] = asked if asked in keys else keys[0]
    icons = icons or {}
    labels = {k: (f":material/{icons[k]}: " if k in icons else "") + t(label) for k, label in options.items()}
    chosen = st.segmented_control(t("common.section"), keys, required=True, format_func=labels.get, key=state,
                                  label_visibility="collapsed", width="stretch")
    chosen = chosen if chosen in keys else keys[0]
    if chosen == keys[0]:
        if SECTION_PARAM in st.query_params:
            del st.query_params[SECTION_PARAM]
    elif st.query_params.get(SECTION_PARAM) != chosen:
        st.query_params[SECTION_PARAM] = chosen
    return chosen


# ---------------------------------------------------------------- cached reads
def _dbkey() -> tuple[str, int]:
    d = db()
    return d.path, d.data_version()


@st.cache_data(show_spinner=False, max_entries=64)
def _quarters(dbkey: tuple) -> list[str]:
    return [str(q) for q in metrics.quarters_in_data(db())]


@st.cache_data(show_spinner=False, max_entries=16)
def _org(dbkey: tuple) -> pd.DataFrame:
    return metrics.regions_and_branches(db())


@st.cache_data(show_spinner=False, max_entries=2048)
def _card(dbkey: tuple, key: str, quarter: str, scope_key: tuple) -> dict:
    return plan.card(db(), key, quarter, Scope(*scope_key))


def quarters() -> list[str]:
    return _quarters(_dbkey())


def org() -> pd.DataFrame:
    return _org(_dbkey())


def kpi(key: str, quarter: str, scope: Scope) -> dict:
    """A KPI as every card shows it (``lib.metrics.plan.card``): value, change against last quarter like
    for like, plan, expected, attainment and status."""
    return _card(_dbkey(), key, quarter, scope.cache_key())


_CACHED_FUNCTIONS: dict[str, object] = {}  # name -> function run through ``cached`` in this process


def cached(fn, *args):
    """Run ``fn(db, *args)`` through the data-version keyed cache (args must be hashable; a
    Scope may be passed as it is). The cache is keyed on the function's qualified name, and the
    function itself is kept here, so the cached call runs exactly `fn`."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _CACHED_FUNCTIONS.setdefault(name, fn)
    return _cached_call(_dbkey(), name, tuple(_as_scope(a) for a in args))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(dbkey: tuple, name: str, args: tuple):
    # st.cache_data is process-wide: the key is (database path, data version, function, arguments with
    # the Scope as a tuple), never the session; a session asking for a key being computed waits for it
    t0 = time.perf_counter()
    out = _CACHED_FUNCTIONS[name](db(), *args)
    _remember(name, args, time.perf_counter() - t0)
    return out


def cached_figure(build):
    """Decorator for a chart builder (``lib.<page>.ui``): the figure is built once per (arguments,
    data version, language, projector mode, names shown) and the same object is handed to every
    session and rerun (``st.cache_resource``: no copy), so the shared figure must only be passed to
    ``st.plotly_chart``, never changed. Building a Plotly figure (Express, validation, the template)
    was most of a warm page run. A builder given a closure or a lambda (e.g. a masking label
    function: its hash would not see what it holds) builds every time."""
    return _per_view(build, _figure)


def cached_view(build):
    """``cached_figure`` for a table shaped for the viewer (labels in its language, names masked or
    not): computed once per (arguments, data version, language, projector, names shown) for every
    session, and a copy handed out each time (``st.cache_data``), so callers may change it."""
    return _per_view(build, _view)


def _per_view(build, store):
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def shaped(*args, **kwargs):
        if any(_opaque(a) for a in (*args, *kwargs.values())):
            return build(*args, **kwargs)
        view = (_dbkey(), lang(), projector(), show_personal())
        try:
            return store(name, view, args, kwargs, _build=build)
        except UnhashableParamError:  # an argument Streamlit cannot hash: built as before
            return build(*args, **kwargs)
    return shaped


def _opaque(arg) -> bool:
    """A callable whose behaviour its hash may not capture: a lambda, a closure, a local function."""
    if not callable(arg) or isinstance(arg, type):
        return False
    q = getattr(arg, "__qualname__", "")
    return bool(getattr(arg, "__closure__", None)) or "<lambda>" in q or "<locals>" in q


@st.cache_resource(show_spinner=False, max_entries=512)
def _figure(name: str, view: tuple, args: tuple, kwargs: dict, _build=None):
    return _build(*args, **kwargs)


@st.cache_data(show_spinner=False, max_entries=256)
def _view(name: str, view: tuple, args: tuple, kwargs: dict, _build=None):
    return _build(*args, **kwargs)


# the heavy cached calls of this process, most recently computed last: after a write the warm-up
# computes them again for the new data version (``_prebuild_openings``), so sessions find them ready
PREBUILD_MAX = 48  # calls kept
PREBUILD_MIN_S = 0.05  # a call cheaper than this is not worth pre-building
_recent: "OrderedDict[tuple, float]" = OrderedDict()
_recent_lock = threading.Lock()


def _remember(name: str, args: tuple, seconds: float) -> None:
    with _recent_lock:
        _recent.pop((name, args), None)
        if seconds >= PREBUILD_MIN_S:
            _recent[(name, args)] = seconds
            while len(_recent) > PREBUILD_MAX:
                _recent.popitem(last=False)


# what each page opens with for the whole bank in the latest quarter (``opening``): pre-built in the
# warm-up at process start and after every write, in every language, so the first visitor of a page
# finds its heavy tables, views and figures ready
_OPENINGS: list = []


def opening(fn):
    """Decorator for ``fn(quarter)`` in a page's ``lib.<page>.ui``: computes, through the same cached
    calls, views and figures as the page, what the page's first section shows a whole-bank viewer for
    `quarter` (names masked, projector off). Registered for the warm-up's pre-build; an opening that
    asks for other arguments than the page does only wastes its own work."""
    if fn not in _OPENINGS:
        _OPENINGS.append(fn)
    return fn


@contextmanager
def viewing(language: str, on_projector: bool = False):
    """On the warm-up thread: shape views and figures for this view (language, projector; names
    masked) instead of a session's."""
    _as_view.lang, _as_view.projector = language, on_projector
    try:
        yield
    finally:
        _as_view.lang = None


def _run_openings(d, version: int, language: str) -> int:
    qs = quarters()  # the sidebar's list (and its cache): the latest quarter is the pages' default
    if not qs:
        return 0
    n = 0
    with viewing(language):
        for fn in _OPENINGS:
            warmup.give_way(d)
            if d.closing.is_set() or d.data_version() != version:
                break
            try:
                fn(qs[0])
                n += 1
            except Exception:  # noqa: BLE001 - the page builds what was not pre-built
                warmup.log.exception("opening %s failed", fn.__qualname__)
    return n


@warmup.on_prebuild
def _prebuild_openings(d) -> int:
    """lib.warmup's pre-build: the pages' openings (``opening``) in the default language, then the
    remembered heavy calls for `d`'s current data version, most recent first, then the openings in the
    other languages (stops when a newer write arrives: its own warm-up follows). Returns the calls
    and openings made."""
    if not _serves(d):  # not the app's database (a script's or a test's own handle)
        return 0
    version = d.data_version()
    n = _run_openings(d, version, i18n.DEFAULT_LANG)
    with _recent_lock:
        todo = list(reversed(_recent))
    for name, args in todo:
        warmup.give_way(d)
        if d.closing.is_set() or d.data_version() != version:
            return n
        _cached_call((d.path, version), name, args)
        n += 1
    for language in i18n.LANGS:
        if language != i18n.DEFAULT_LANG:
            n += _run_openings(d, version, language)
    return n


def scope_arg(scope: Scope) -> tuple:
    """The scope as a plain tuple (kept for helpers that rebuild a Scope from it; ``cached``
    takes a Scope as it is)."""
    return ("__scope__", *scope.cache_key())


def _as_scope(a):
    return Scope(*a[1:]) if isinstance(a, tuple) and a and a[0] == "__scope__" else a


# ---------------------------------------------------------------- filters
@dataclass(frozen=True)
class Filters:
    quarter: str | None
    scope: Scope


UNASSIGNED = "__unassigned__"  # the "Unassigned" member's value in the region and branch filters (and the URL)


@opening
def _filters_opening(quarter: str) -> None:
    """What the sidebar asks for on every page's first run (the whole bank's offer of Unassigned)."""
    cached(metrics.has_unassigned)


def sidebar_filters() -> Filters:
    """Language switch and the global filters; returns the current selection."""
    v = viewer()
    allowed = v.scope if v is not None else Scope(branch_ids=())
    with st.sidebar:
        account_box()
        st.radio(t("filters.language"), list(i18n.LANGS), key="lang", horizontal=True,
                 format_func=lambda code: i18n.LANG_NAMES[code])
        st.toggle(t("display.projector"), key="projector", help=t("display.projector_help"))
        if v is not None and v.may_see_personal:
            st.toggle(t("display.show_personal"), key="show_personal", disabled=projector(),
                      help=t("display.show_personal_help"))
        st.subheader(t("filters.header"))
        qs = quarters()
        if qs:
            if st.session_state.get("f_quarter") not in qs:
                st.session_state["f_quarter"] = qs[0]
            st.selectbox(t("filters.quarter"), qs, key="f_quarter")
        o = auth.allowed_org(org(), allowed)  # a scoped user is offered only their regions/branches
        # rows of no known branch ("Unassigned") belong to no branch: offered to whole-bank viewers only
        unassigned = [UNASSIGNED] if allowed.is_whole_bank and cached(metrics.has_unassigned) else []
        regions = ["ALL", *sorted(o.region.unique()), *unassigned]
        if st.session_state.get("f_region") not in regions:
            st.session_state["f_region"] = "ALL"
        every = t("filters.all")  # labels computed here: AppTest calls format_func outside the run
        labels = {"ALL": every, UNASSIGNED: t("common.unassigned")}
        st.selectbox(t("filters.region"), regions, key="f_region",
                     format_func={r: labels.get(r, r) for r in regions}.get)
        region = st.session_state["f_region"]
        sub = o if region == "ALL" else o[o.region == region]
        names = dict(zip(sub.branch_id, sub.branch_name))
        branches = ["ALL", *sub.branch_id, *(unassigned if region in ("ALL", UNASSIGNED) else [])]
        if st.session_state.get("f_branch") not in branches:
            st.session_state["f_branch"] = "ALL"
        st.selectbox(t("filters.branch"), branches, key="f_branch",
                     format_func={b: labels[b] if b in labels else f"{names[b]} ({b})" for b in branches}.get)
        ctypes = ["ALL", "retail", "corporate"] if allowed.customer_type is None else [allowed.customer_type]
        if st.session_state.get("f_ctype") not in ctypes:
            st.session_state["f_ctype"] = "ALL"
        st.selectbox(t("filters.customer_type"), ctypes, key="f_ctype",
                     format_func={c: t(f"filters.{c.lower()}") if c != "ALL" else every for c in ctypes}.get)
    sync_query_params()
    return current_filters()


def current_filters() -> Filters:
    region = st.session_state.get("f_region", "ALL")
    branch = st.session_state.get("f_branch", "ALL")
    ctype = st.session_state.get("f_ctype", "ALL")
    if UNASSIGNED in (region, branch):  # rows of no known branch (lib.core.db.Scope.unassigned)
        chosen = Scope(customer_type=None if ctype == "ALL" else ctype, unassigned=True)
    else:
        chosen = Scope(region=None if region == "ALL" else region,
                       branch_ids=None if branch == "ALL" else (branch,),
                       customer_type=None if ctype == "ALL" else ctype)
    v = viewer()
    # never wider than the viewer's own scope (lib.core.auth); nobody signed in sees nothing
    scope = auth.narrow(v.scope if v is not None else Scope(branch_ids=()), chosen)
    return Filters(st.session_state.get("f_quarter"), scope)


def scope_label(scope: Scope) -> str:
    parts = []
    if scope.unassigned:
        parts.append(t("common.unassigned"))
    if scope.region:
        parts.append(scope.region)
    if scope.branch_ids:
        names = dict(zip(org().branch_id, org().branch_name))
        parts.append(", ".join(names.get(b, b) for b in scope.branch_ids))
    if scope.customer_type:
        parts.append(t(f"filters.{scope.customer_type}"))
    return " · ".join(parts) or t("filters.whole_bank")


def scope_md(scope: Scope) -> str:
    """``scope_label`` made safe for Markdown (branch and region names come from data)."""
    return safe(scope_label(scope))


# ---------------------------------------------------------------- widgets
def export_name(table_name: str) -> str:
    """The export that fills a canonical table, in the current language."""
    tb = schema.table(table_name)
    return f"{tb.name} — {tb.source_zh if lang() == 'zh' else tb.source_en}"


def downloads(df: pd.DataFrame, name: str, personal_table: str | None = None, key: str | None = None) -> None:
    """CSV and XLSX download buttons for a table. Cells that would run as spreadsheet formulas
    are neutralised; columns the data contract marks personal in `personal_table` are masked
    unless this viewer may see them."""
    key = key or f"dl_{name}"
    row = st.container(horizontal=True, gap="small")  # buttons as wide as their labels (never "Downloa…")
    c1 = c2 = row
    masked = personal_table is not None and not show_personal()
    # the files (masked, then in words: headers and category values, blanks empty, full precision) are
    # built when a button is clicked (a callable), not on every rerun
    ready = functools.partial(_download_frame, df, personal_table, not masked, lang())
    c1.download_button(t("common.download_csv"), lambda: export.csv_bytes(ready()), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/download:",
                       on_click=record_export, args=(f"{name}.csv", len(df), masked))
    c2.download_button(t("common.download_xlsx"), lambda: export.xlsx_bytes(ready()), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", icon=":material/table_view:",
                       on_click=record_export, args=(f"{name}.xlsx", len(df), masked))


def _download_frame(df: pd.DataFrame, personal_table: str | None, allowed: bool, lang_: str) -> pd.DataFrame:
    out = df if personal_table is None else privacy.mask_frame(df, personal_table, allowed=allowed)
    return export.readable(out, lang_)


def record_export(file_name: str, rows: int | None = None, masked: bool | None = None) -> None:
    """Audit-log one download (a download button's on_click)."""
    f = current_filters()
    audit.record(db(), viewer(), "export", {"file": file_name, "rows": rows, "personal_masked": masked,
                                            "quarter": f.quarter, "scope": scope_label(f.scope)})


def demo_banner() -> None:
    d = db()
    if d.meta("source") == "demo":
        if projector():  # the room sees the quarter's numbers first: one small badge, no banner
            st.badge(t("demo.badge"), icon=":material/science:", color="gray")
            return
        as_of = date.fromisoformat(d.meta("demo_as_of", "2026-11-20"))
        st.info(t("demo.banner", customers=i18n.fmt_count(int(d.meta("demo_customers", "0")), lang()),
                  as_of=i18n.fmt_date(as_of, lang())), icon=":material/science:")


def metric_card(key: str, quarter: str, scope: Scope, container=None) -> None:
    """st.metric for one registry metric: value, change against last quarter like for like,
    plan attainment and status — all from ``lib.metrics.plan``, as on the Diagnosis page — with the
    registry definition as tooltip."""
    m = metrics.metric(key)
    k = kpi(key, quarter, scope)
    delta = None if k["qoq"] is None else plan.fmt_change(k["qoq"], m.unit, lang())
    if k["plan"] is None:
        caption = t("overview.no_plan")
    else:
        caption = " · ".join([
            t("overview.plan_pace" if m.kind == "flow" else "overview.plan", plan=value(k["plan"], m.unit),
              att=i18n.fmt_pct(k["attainment"], lang(), 0)),
            t(f"diagnosis.status.{k['status']}" if k["status"] else "diagnosis.status.none")])
    target = container or st
    help_text = f"{m.definition(lang())}\n\n`{m.formula}`"
    if k["value"] is None:  # "—": say why on hover (the exports it needs, else nothing to count)
        why = (gaps.needs(metrics.missing_inputs(db(), key, metrics.Quarter.parse(quarter)), lang())
               or gaps.blank_columns(metrics.missing_columns(db(), key), lang()))
        help_text = (why or t("empty.unanswerable")) + "\n\n" + help_text
    with target.container(border=True):
        st.metric(m.label(lang()), card_value(k["value"], m.unit), delta=delta,
                  delta_color="normal" if m.higher_is_better else "inverse",
                  help=help_text)
        st.caption(caption)
