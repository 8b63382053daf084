"""Streamlit helpers for the Tiering page: translated labels, the tier-rules form, charts, display
tables (money in readable units, personal data masked through lib.core.privacy), downloads and the
churn model cached per data version with training progress.

Figures come from lib.tiering.tiers / lib.tiering.health / lib.tiering.churn / lib.tiering.compliance; this module only shapes
them for the screen.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.ui import charts
from lib.ui import tables
from lib.tiering import churn
from lib.tiering import health
from lib.core import i18n
from lib.core import privacy
from lib.core import settings
from lib.tiering import tiers
from lib.ui import shell as ui
from lib.core.periods import Quarter
from lib.ui.shell import _dbkey
from lib.core.db import Scope

t = ui.t
GREEN, RED, GREY, BLUE = "#2E8B57", "#C0392B", "#5D6D7E", "#1F4E79"


# ---------------------------------------------------------------- labels
def label(prefix: str, value) -> str:
    key = f"{prefix}.{value}"
    return t(key) if key in i18n.STRINGS else ("—" if value is None or value != value else str(value))


def tier_label(v) -> str:
    return label("tiering.tier", v)


def formatter(prefix: str | None = None, all_key: str | None = None, **kw):
    """A format_func for a widget with the language fixed now (format functions may be called
    outside the script run, where the session's language is not available)."""
    lang = ui.lang()

    def fmt(v) -> str:
        if all_key and v == "ALL":
            return i18n.t(all_key, lang)
        key = f"{prefix}.{v}"
        return i18n.t(key, lang, **kw) if key in i18n.STRINGS else str(v)
    return fmt


def ptype_label(v) -> str:
    return label("channels.ptype", v)


def feature_label(name: str) -> str:
    if name.startswith("x:"):
        return t("tiering.feature.extra", name=name[2:])
    return label("tiering.feature", name)


def _money_cols(df: pd.DataFrame, cols: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    return tables.money_columns(df, cols, ui.lang())


def _pct(key: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(t(key), format="%.1f%%")


def definitions(keys: tuple[str, ...]) -> None:
    with st.expander(t("tiering.definitions"), icon=":material/functions:"):
        rows = [d for d in health.definitions(ui.lang()) if d["key"] in keys]
        tables.dataframe(pd.DataFrame(rows)[["label", "definition", "formula"]], hide_index=True, width="stretch",
                     column_config={"label": t("tiering.col.metric"), "definition": st.column_config.TextColumn(
                         t("tiering.col.definition"), width="large"), "formula": t("tiering.col.formula")})


def download(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV / Excel downloads of a table already masked by ``masked`` (lib.core.privacy)."""
    ui.downloads(df, name, None, key)


def masked(df: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    return privacy.mask_frame(df, "customers", allowed=show_names)


# ---------------------------------------------------------------- tier rules
def rules_summary(rules: dict) -> str:
    m = ui.money
    loans = " / ".join(ptype_label(x) for x in rules["potential_loan_types"]) or "—"
    return t("tiering.rules.summary", private=m(rules["private"]), wealth=m(rules["wealth"]),
             potential=m(rules["potential"]), growth=ui.pct(rules["potential_growth"], 0),
             growth_min=m(rules["potential_growth_min_aum"]), loans=loans, large=m(rules["corporate_large"]),
             medium=m(rules["corporate_medium"]))


def rules_form(db) -> dict:
    """Shows the rules and an editor that saves them; returns the rules in force."""
    rules = tiers.tier_rules(db)
    st.caption(rules_summary(rules))
    with st.expander(t("tiering.rules.edit"), icon=":material/tune:"):
        with st.form("tg_rules"):
            c1, c2, c3 = st.columns(3)
            private = c1.number_input(t("tiering.rules.private"), min_value=0.0, value=float(rules["private"]),
                                      step=100_000.0, format="%.0f")
            wealth = c2.number_input(t("tiering.rules.wealth"), min_value=0.0, value=float(rules["wealth"]),
                                     step=10_000.0, format="%.0f")
            potential = c3.number_input(t("tiering.rules.potential"), min_value=0.0, value=float(rules["potential"]),
                                        step=1_000.0, format="%.0f")
            c4, c5, c6 = st.columns(3)
            growth = c4.number_input(t("tiering.rules.growth"), min_value=0.0, max_value=1000.0,
                                     value=float(rules["potential_growth"]) * 100, step=5.0, format="%.0f")
            growth_min = c5.number_input(t("tiering.rules.growth_min"), min_value=0.0,
                                         value=float(rules["potential_growth_min_aum"]), step=1_000.0, format="%.0f")
            loan_opts = ["consumer_loan", "business_loan", "mortgage", "credit_card"]
            loans = c6.multiselect(t("tiering.rules.loans"), loan_opts,
                                   default=[x for x in rules["potential_loan_types"] if x in loan_opts],
                                   format_func=formatter("channels.ptype"), placeholder=t("common.choose"))
            c7, c8, _ = st.columns(3)
            large = c7.number_input(t("tiering.rules.corp_large"), min_value=0.0, value=float(rules["corporate_large"]),
                                    step=1_000_000.0, format="%.0f")
            medium = c8.number_input(t("tiering.rules.corp_medium"), min_value=0.0,
                                     value=float(rules["corporate_medium"]), step=100_000.0, format="%.0f")
            if st.form_submit_button(t("tiering.rules.save"), icon=":material/save:"):
                new = {"private": private, "wealth": wealth, "potential": potential, "potential_growth": growth / 100,
                       "potential_growth_min_aum": growth_min, "potential_loan_types": loans,
                       "corporate_large": large, "corporate_medium": medium}
                try:
                    tiers.save_rules(db, new)
                except ValueError:
                    st.error(t("tiering.rules.invalid", error=t("tiering.rules.err_order")), icon=":material/error:")
                else:
                    st.toast(t("tiering.rules.saved"), icon=":material/check_circle:")
                    rules = tiers.tier_rules(db)
    return rules


# ---------------------------------------------------------------- pyramid and penetration
@ui.cached_figure
def pyramid_charts(pyr: pd.DataFrame, quarter: str) -> tuple[go.Figure, go.Figure]:
    df = pyr.copy()
    df["label"] = df["tier"].map(tier_label)
    lang = ui.lang()
    retail = df[df["segment"] == "retail"]
    fun = go.Figure(go.Funnel(
        y=retail["label"], x=retail["customers"], textinfo="value+percent total",
        marker=dict(color=[charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(retail))]),
        hovertemplate="%{y}: %{x:,}<extra></extra>"))
    fun.update_layout(title=t("tiering.pyramid.customers_title", quarter=quarter),
                      xaxis_title=t("tiering.axis.customers"), showlegend=False)
    bar = go.Figure(go.Bar(
        y=df["label"], x=df["aum_share"] * 100, orientation="h",
        text=[f"{s * 100:.1f}% · {i18n.fmt_money(a, lang)}" for s, a in zip(df["aum_share"], df["aum"])],
        textposition="auto", marker_color=charts.PALETTE[0],
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    bar.update_layout(title=t("tiering.pyramid.aum_title", quarter=quarter),
                      xaxis_title=t("tiering.axis.aum_share"), yaxis_title=None, showlegend=False)
    bar.update_yaxes(autorange="reversed")
    return charts.style(fun, lang), charts.style(bar, lang)


def reconcile_note(rec: dict | None) -> None:
    """Under the pyramid, when some AUM is in no tier: how the tiers add up to the AUM card."""
    if rec is None or not (rec["not_open"] or rec["no_customer"]):
        return
    st.caption(ui.t("tiering.pyramid.reconcile", tiered=ui.money(rec["tiered"]), bank=ui.money(rec["bank"]),
                    day=ui.day(rec["day"]), not_open=ui.money(rec["not_open"]),
                    no_customer=ui.money(rec["no_customer"])))


def pyramid_table(pyr: pd.DataFrame) -> pd.DataFrame:
    df = pyr[["tier", "customers", "customer_share", "aum", "aum_share", "avg_aum", "corp_balance"]].copy()
    df["tier"] = df["tier"].map(tier_label)
    df["customer_share"] *= 100
    df["aum_share"] *= 100
    out, cfg = _money_cols(df, {"aum": "tiering.col.aum", "avg_aum": "tiering.col.avg_aum",
                                "corp_balance": "tiering.col.corp_balance"})
    tables.dataframe(out, hide_index=True, width="stretch", column_config={
        **cfg, "tier": t("tiering.col.tier"),
        "customers": st.column_config.NumberColumn(t("tiering.col.customers"), format="localized"),
        "customer_share": _pct("tiering.col.customer_share"), "aum_share": _pct("tiering.col.aum_share")})
    return df.rename(columns={"tier": t("tiering.col.tier"), "customers": t("tiering.col.customers")})


@ui.cached_figure
def penetration_chart(pen: pd.DataFrame, quarter: str) -> go.Figure:
    df = pen.copy()
    order_t = [x for x in tiers.TIERS if x in set(df["tier"])]
    types = sorted(df["product_type"].unique(), key=lambda p: -df.loc[df.product_type == p, "holders"].sum())
    mat = df.pivot_table(index="tier", columns="product_type", values="penetration").reindex(index=order_t, columns=types)
    z = (mat.to_numpy() * 100).round(1)
    fig = go.Figure(go.Heatmap(
        z=z, x=[ptype_label(p) for p in types], y=[tier_label(x) for x in order_t], colorscale="Blues", zmin=0, zmax=100,
        text=[[("" if v != v else f"{v:.0f}") for v in row] for row in z], texttemplate="%{text}",
        colorbar=dict(title=t("tiering.legend.penetration")),
        hovertemplate="%{y} · %{x}: %{z:.1f}%<extra></extra>"))
    fig.update_layout(title=t("tiering.pen.title", quarter=quarter), xaxis_title=t("tiering.axis.product_type"),
                      yaxis_title=None)
    fig.update_yaxes(autorange="reversed")
    return charts.style(fig, ui.lang(), height=360 + 18 * len(order_t))


# ---------------------------------------------------------------- migration
def _mig_axis(mig: pd.DataFrame, col: str, extra: str) -> list[str]:
    seen = set(mig[col])
    states = (extra,) + tiers.TIERS if extra == "new" else tiers.TIERS + (extra,)
    return [s for s in states if s in seen]


@ui.cached_figure
def migration_chart(mig: pd.DataFrame, a: str, b: str) -> go.Figure:
    rows, cols = _mig_axis(mig, "from_tier", "new"), _mig_axis(mig, "to_tier", "left")
    mat = mig.pivot_table(index="from_tier", columns="to_tier", values="customers", aggfunc="sum").reindex(
        index=rows, columns=cols)
    colour = {"up": 1.0, "same": 0.5, "down": 0.0, "new": 0.75, "left": 0.1}
    dmat = mig.pivot_table(index="from_tier", columns="to_tier", values="direction", aggfunc="first").reindex(
        index=rows, columns=cols)
    z = [[(colour[d] if isinstance(d, str) else None) for d in r] for r in dmat.to_numpy()]
    text = [[("" if v != v else f"{int(v):,}") for v in r] for r in mat.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=z, x=[tier_label(c) for c in cols], y=[tier_label(r) for r in rows], text=text, texttemplate="%{text}",
        colorscale=[[0, RED], [0.5, "#EEF2F6"], [1, GREEN]], zmin=0, zmax=1, showscale=False,
        customdata=[[("" if v != v else f"{int(v):,}") for v in r] for r in mat.to_numpy()],
        hovertemplate="%{y} → %{x}: %{customdata}<extra></extra>", xgap=2, ygap=2))
    fig.update_layout(title=t("tiering.mig.title", a=a, b=b),
                      xaxis_title=t("tiering.mig.axis_to", q=b), yaxis_title=t("tiering.mig.axis_from", q=a))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="bottom")
    return charts.style(fig, ui.lang(), height=300 + 34 * len(rows))


def migration_matrix(mig: pd.DataFrame, key: str) -> tuple[str, str] | None:
    """The matrix as a table whose cells can be clicked; returns the clicked (from, to) tiers."""
    rows, cols = _mig_axis(mig, "from_tier", "new"), _mig_axis(mig, "to_tier", "left")
    mat = mig.pivot_table(index="from_tier", columns="to_tier", values="customers", aggfunc="sum").reindex(
        index=rows, columns=cols).fillna(0).astype("int64")
    shown = mat.copy()
    shown.index = [tier_label(r) for r in rows]
    shown.columns = [tier_label(c) for c in cols]
    shown = shown.reset_index(names=t("tiering.mig.pick_from"))
    event = tables.dataframe(shown, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="single-cell")
    cells = getattr(getattr(event, "selection", None), "cells", None) or []
    if not cells:
        return None
    r, c = cells[0][0], cells[0][1]
    labels = dict(zip(shown.columns[1:], cols))
    if c not in labels or not 0 <= int(r) < len(rows):
        return None
    return rows[int(r)], labels[c]


def migration_picker(mig: pd.DataFrame, clicked: tuple[str, str] | None) -> tuple[str, str]:
    """Two selectboxes for the matrix cell whose customers are listed; a clicked cell sets them
    (once per click), otherwise the largest upgrade/downgrade is the default."""
    if clicked and clicked != st.session_state.get("_tg_mig_applied"):
        st.session_state["tg_mig_from"], st.session_state["tg_mig_to"] = clicked
        st.session_state["_tg_mig_applied"] = clicked
    froms, tos = _mig_axis(mig, "from_tier", "new"), _mig_axis(mig, "to_tier", "left")
    default = default_move(mig)
    if st.session_state.get("tg_mig_from") not in froms:
        st.session_state["tg_mig_from"] = default[0]
    if st.session_state.get("tg_mig_to") not in tos:
        st.session_state["tg_mig_to"] = default[1]
    c1, c2 = st.columns(2)
    a = c1.selectbox(t("tiering.mig.pick_from"), froms, key="tg_mig_from", format_func=formatter("tiering.tier"))
    b = c2.selectbox(t("tiering.mig.pick_to"), tos, key="tg_mig_to", format_func=formatter("tiering.tier"))
    return a, b


def default_move(mig: pd.DataFrame) -> tuple[str, str]:
    """The cell listed before any pick: the largest upgrade or downgrade, else the first cell."""
    moved = mig[mig["direction"].isin(["up", "down"])].sort_values("customers", ascending=False)
    if len(moved):
        return moved.iloc[0]["from_tier"], moved.iloc[0]["to_tier"]
    return _mig_axis(mig, "from_tier", "new")[0], _mig_axis(mig, "to_tier", "left")[0]


@ui.opening
def opening(quarter: str) -> None:
    """The tiers section for the whole bank (lib.ui.shell.opening): pyramid, its reconciliation,
    penetration, and the migration from the quarter before with the default cell's customers."""
    scope, rk = ui.scope_arg(Scope()), tiers.rules_key(tiers.tier_rules(ui.db()))
    pyr = ui.cached(tiers.pyramid, quarter, scope, rk)
    if pyr.empty:
        return
    pyramid_charts(pyr, quarter)
    ui.cached(tiers.reconcile, quarter, scope)
    penetration_chart(ui.cached(tiers.penetration, quarter, scope, rk), quarter)
    earlier = [q for q in ui.quarters() if q < quarter]
    if earlier:
        mig = ui.cached(tiers.migration, earlier[0], quarter, scope, rk)
        migration_chart(mig, earlier[0], quarter)
        if len(mig):
            a, b = default_move(mig)
            ui.cached(tiers.migration_customers, earlier[0], quarter, scope, a, b, 5000, rk)


def migration_list(df: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    out = masked(df, show_names)
    out["from_tier"] = tables.map_values(out["from_tier"], tier_label)
    out["to_tier"] = tables.map_values(out["to_tier"], tier_label)
    out["customer_type"] = tables.map_values(out["customer_type"], lambda v: t(f"filters.{v}") if v in ("retail", "corporate") else v)
    disp, cfg = _money_cols(out, {"from_aum": "tiering.col.from_aum", "to_aum": "tiering.col.to_aum"})
    tables.dataframe(disp, hide_index=True, width="stretch", column_config={
        **cfg, "customer_id": t("tiering.col.customer_id"), "customer_name": t("tiering.col.customer_name"),
        "customer_type": t("tiering.col.customer_type"), "from_tier": t("tiering.col.from_tier"),
        "to_tier": t("tiering.col.to_tier"), "branch_id": t("tiering.col.branch_id"), "rm_id": t("tiering.col.rm_id")})
    return out.rename(columns=_headers())


def _headers() -> dict[str, str]:
    keys = ("customer_id", "customer_name", "customer_type", "from_tier", "to_tier", "branch_id", "rm_id", "tier",
            "stability", "diversity", "risk_fit", "health", "weakest", "action", "tolerance", "n_types",
            "probability", "drivers", "retention_action", "sale_id", "sale_date", "product", "product_type",
            "risk_level", "risk_tolerance", "assessed_on", "issue", "sales", "flagged", "exceeds", "missing",
            "expired", "flagged_share", "high_risk", "customers")
    out = {k: t(f"tiering.col.{k}") for k in keys}
    out.update({"branch_name": t("tiering.col.branch"), "rm_name": t("tiering.col.rm"),
                "churn_probability": t("tiering.col.probability"), "product_name": t("tiering.col.product"),
                "risk_assessed_on": t("tiering.col.assessed_on"),
                "from_aum": t("tiering.col.from_aum", unit=tables.cny(ui.lang())),
                "to_aum": t("tiering.col.to_aum", unit=tables.cny(ui.lang())),
                "aum": t("tiering.col.aum", unit=tables.cny(ui.lang())),
                "aum_at_risk": t("tiering.col.aum_at_risk", unit=tables.cny(ui.lang())),
                "amount": t("tiering.col.amount", unit=tables.cny(ui.lang()))})
    return out


# ---------------------------------------------------------------- health
@ui.cached_figure
def health_box(dist: pd.DataFrame, dimension: str, quarter: str) -> go.Figure:
    df = dist[dist["dimension"] == dimension]
    fig = go.Figure(go.Box(
        x=[tier_label(x) for x in df["tier"]], q1=df["p25"], median=df["p50"], q3=df["p75"],
        lowerfence=df["p10"], upperfence=df["p90"], mean=df["mean"], marker_color=BLUE, boxmean=True,
        name=t(f"tiering.dim.{dimension}")))
    fig.update_layout(title=t("tiering.health.dist_title", dimension=t(f"tiering.dim.{dimension}"), quarter=quarter),
                      yaxis_title=t("tiering.health.axis_score"), xaxis_title=None, showlegend=False)
    fig.update_yaxes(range=[0, 105])
    return charts.style(fig, ui.lang())


@ui.cached_figure
def weakest_chart(counts: pd.DataFrame) -> go.Figure:
    df = counts.groupby(["tier", "weakest"], as_index=False)["customers"].sum()
    order = [x for x in tiers.TIERS if x in set(df["tier"])]
    fig = go.Figure()
    for i, d in enumerate(health.DIMENSIONS):
        part = df[df["weakest"] == d].set_index("tier").reindex(order)
        fig.add_bar(x=[tier_label(x) for x in order], y=part["customers"].fillna(0), name=t(f"tiering.dim.{d}"),
                    marker_color=charts.PALETTE[i + 1])
    fig.update_layout(barmode="stack", title=t("tiering.health.weak_title"), yaxis_title=t("tiering.axis.customers"),
                      xaxis_title=None)
    return charts.style(fig, ui.lang())


def _tol(v) -> str:
    return "—" if v is None or pd.isna(v) else f"C{int(v)}"


def health_action(row) -> str:
    a = row["action"]
    tol = _tol(row["tolerance"])
    if a == "bundle":
        return t("tiering.haction.bundle", product=ptype_label(row["next_type"]))
    if a in ("rebalance", "match_risk"):
        return t(f"tiering.haction.{a}", tol=tol, level=tol[1:] if tol != "—" else "?")
    return t(f"tiering.haction.{a}")


def health_table(df: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    out = masked(df, show_names)
    out["action"] = [health_action(r) for _, r in out.iterrows()] if len(out) else []
    out["weakest"] = tables.map_values(out["weakest"], lambda v: t(f"tiering.dim.{v}") if isinstance(v, str) else "—")
    out["tier"] = tables.map_values(out["tier"], tier_label)
    out["tolerance"] = out["tolerance"].map(_tol)
    out = out[["customer_id", "customer_name", "tier", "aum", "health", "stability", "diversity", "risk_fit",
               "weakest", "action", "tolerance", "n_types", "branch_id", "rm_id"]]
    disp, cfg = _money_cols(out, {"aum": "tiering.col.aum"})
    score = lambda k: st.column_config.ProgressColumn(t(k), min_value=0, max_value=100, format="%.0f")  # noqa: E731
    tables.dataframe(disp, hide_index=True, width="stretch", column_config={
        **cfg, "customer_id": t("tiering.col.customer_id"), "customer_name": t("tiering.col.customer_name"),
        "tier": t("tiering.col.tier"), "health": score("tiering.col.health"),
        "stability": st.column_config.NumberColumn(t("tiering.col.stability"), format="%.0f"),
        "diversity": st.column_config.NumberColumn(t("tiering.col.diversity"), format="%.0f"),
        "risk_fit": st.column_config.NumberColumn(t("tiering.col.risk_fit"), format="%.0f"),
        "weakest": t("tiering.col.weakest"), "action": st.column_config.TextColumn(t("tiering.col.action"), width="large"),
        "tolerance": t("tiering.col.tolerance"), "n_types": t("tiering.col.n_types"),
        "branch_id": t("tiering.col.branch_id"), "rm_id": t("tiering.col.rm_id")})
    return out.rename(columns=_headers())


# ---------------------------------------------------------------- churn model (cached per data version)
@st.cache_resource(show_spinner=False)
def _model_store() -> dict:
    """Process-wide trained models keyed on (database path, data version, churn share). Kept out
    of st.cache_* on purpose: training draws a progress bar, which a cached call cannot replay."""
    import threading
    return {"lock": threading.Lock(), "models": {}}


def _model_key() -> tuple:
    return (*_dbkey(), float(settings.get(ui.db(), "churn_aum_share")))


def _stored(key: tuple):
    return _model_store()["models"][key]


def churn_model():
    """The trained model for this data version and churn setting; trains (with progress) once."""
    key = _model_key()
    store = _model_store()
    if key in store["models"]:
        return store["models"][key]
    with store["lock"]:
        if key in store["models"]:
            return store["models"][key]
        with st.status(t("tiering.churn.training"), expanded=True) as status:
            bar = st.progress(0.0)

            def progress(frac: float, step: str, kw: dict) -> None:
                bar.progress(min(max(frac, 0.0), 1.0), text=t(f"tiering.churn.step.{step}", **kw))

            m = churn.train(ui.db(), seed=0, progress=progress, churn_share=key[-1])
            status.update(label=t("tiering.churn.trained"), state="complete", expanded=False)
        models = store["models"]
        for old in [k for k in models if k[0] == key[0]]:
            del models[old]  # an older data version of the same database
        models[key] = m
    return m


@st.cache_data(show_spinner=False, max_entries=64)
def _scored(model_key: tuple, scope_key: tuple):
    return churn.score(ui.db(), _stored(model_key), Scope(*scope_key))


@st.cache_data(show_spinner=False, max_entries=64)
def _retention(model_key: tuple, scope_key: tuple, limit: int):
    return churn.retention_list(ui.db(), _stored(model_key), Scope(*scope_key), limit)


def scored(scope) -> pd.DataFrame:
    """Every open customer in scope with churn probability and AUM at risk (call churn_model() first)."""
    return _scored(_model_key(), scope.cache_key())


def retention(scope, limit: int) -> pd.DataFrame:
    return _retention(_model_key(), scope.cache_key(), limit)


def model_quality(m) -> None:
    mt = m.metrics
    name = t(f"tiering.churn.model.{m.model_name}")
    if m.mode == "quarterly":
        st.caption(t("tiering.churn.method_quarterly", model=name, train=", ".join(m.train_quarters),
                     valid=m.validation_quarter, current=m.current))
    else:
        st.caption(t("tiering.churn.method_snapshot", model=name, folds=mt.get("folds", 5),
                     label=t("tiering.churn.label_attr", attr=m.label_attr) if m.label_attr else ""))
    if m.candidates:
        st.caption(t("tiering.churn.chosen", scores=", ".join(
            f"{t(f'tiering.churn.model.{k}')} {v:.3f}" for k, v in m.candidates.items() if v is not None)))
    r1, r2 = st.columns(2), st.columns(2)   # 2 x 2: the labels stay readable at 1024 px
    c1, c2, c3, c4 = r1[0], r1[1], r2[0], r2[1]
    auc, base = mt.get("roc_auc"), mt.get("baseline_auc")
    with c1.container(border=True):
        st.metric(t("tiering.churn.kpi.auc"), "—" if auc is None else f"{auc:.3f}",
                  delta=None if auc is None or base is None else f"{auc - base:+.3f}",
                  help=t("tiering.churn.kpi.auc_help"))
        st.caption(t("tiering.churn.kpi.baseline", auc="—" if base is None else f"{base:.3f}"))
    with c2.container(border=True):
        st.metric(t("tiering.churn.kpi.precision"), ui.pct(mt.get("precision_top10")),
                  help=t("tiering.churn.kpi.precision_help", base=ui.pct(mt.get("base_rate"))))
        if mt.get("lift_top10"):
            st.caption(t("tiering.churn.kpi.lift", lift=f"{mt['lift_top10']:.1f}"))
    with c3.container(border=True):
        st.metric(t("tiering.churn.kpi.recall"), ui.pct(mt.get("recall_top10")), help=t("tiering.churn.kpi.recall_help"))
    with c4.container(border=True):
        st.metric(t("tiering.churn.kpi.learned"), i18n.fmt_count(mt.get("train_customers"), ui.lang()))
        st.caption(t("tiering.churn.kpi.learned_caption", rows=i18n.fmt_count(mt.get("train_rows"), ui.lang()),
                     churners=i18n.fmt_count(mt.get("train_churners"), ui.lang()),
                     vrows=i18n.fmt_count(mt.get("rows"), ui.lang()),
                     vchurners=i18n.fmt_count(mt.get("churners"), ui.lang())))
    if mt.get("sample_share", 1.0) < 1.0:
        st.caption(t("tiering.churn.sampled", share=ui.pct(mt["sample_share"]),
                     max=i18n.fmt_count(churn.MAX_TRAIN_ROWS, ui.lang())))
    for w in m.warnings:
        n = mt.get("train_churners") if w == "few_train_churners" else mt.get("churners")
        st.warning(t(f"tiering.churn.warn.{w}", n=n), icon=":material/warning:")


@ui.cached_figure
def calibration_chart(cal: pd.DataFrame) -> go.Figure:
    top = max(float(cal["predicted"].max()), float(cal["observed"].max()), 0.01) * 100 * 1.05 if len(cal) else 100
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line=dict(dash="dash", color=GREY),
                    name=t("tiering.churn.legend_perfect"))
    fig.add_scatter(x=cal["predicted"] * 100, y=cal["observed"] * 100, mode="lines+markers",
                    marker=dict(size=9, color=BLUE), name=t("tiering.churn.legend_model"),
                    customdata=cal["customers"], hovertemplate="%{x:.1f}% → %{y:.1f}% (n=%{customdata})<extra></extra>")
    fig.update_layout(title=t("tiering.churn.cal_title"), xaxis_title=t("tiering.churn.axis_predicted"),
                      yaxis_title=t("tiering.churn.axis_observed"))
    return charts.style(fig, ui.lang())


@ui.cached_figure
def importance_chart(imp: pd.DataFrame, top: int = 12) -> go.Figure:
    df = imp.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=df["importance"], y=[feature_label(f) for f in df["feature"]], orientation="h",
                           error_x=dict(type="data", array=df["std"], visible=True), marker_color=BLUE,
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_layout(title=t("tiering.churn.imp_title"), xaxis_title=t("tiering.churn.axis_importance"),
                      yaxis_title=None, showlegend=False)
    return charts.style(fig, ui.lang(), height=420)


def retention_table(rl: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    out = masked(rl, show_names)
    out["tier"] = tables.map_values(out["tier"], tier_label)
    out["drivers"] = out["drivers"].map(lambda ds: ", ".join(feature_label(d) for d in ds) if len(ds) else "—")
    out["action"] = out["action"].map(lambda a: t(f"tiering.raction.{a}"))
    out["churn_probability"] = out["churn_probability"] * 100
    out = out[["customer_id", "customer_name", "tier", "aum", "churn_probability", "aum_at_risk", "drivers", "action",
               "rm_name", "rm_id", "branch_name"]]
    disp, cfg = _money_cols(out, {"aum": "tiering.col.aum", "aum_at_risk": "tiering.col.aum_at_risk"})
    tables.dataframe(disp, hide_index=True, width="stretch", column_config={
        **cfg, "customer_id": t("tiering.col.customer_id"), "customer_name": t("tiering.col.customer_name"),
        "tier": t("tiering.col.tier"),
        "churn_probability": st.column_config.ProgressColumn(t("tiering.col.probability"), min_value=0, max_value=100,
                                                             format="%.0f%%"),
        "drivers": st.column_config.TextColumn(t("tiering.col.drivers"), width="large"),
        "action": t("tiering.col.retention_action"), "rm_name": t("tiering.col.rm"), "rm_id": t("tiering.col.rm_id"),
        "branch_name": t("tiering.col.branch")})
    return out.rename(columns={**_headers(), "action": t("tiering.col.retention_action"),
                               "churn_probability": t("tiering.col.probability") + " (%)"})


def at_risk_table(df: pd.DataFrame) -> pd.DataFrame:
    disp, cfg = _money_cols(df, {"aum": "tiering.col.aum", "aum_at_risk": "tiering.col.aum_at_risk"})
    tables.dataframe(disp, hide_index=True, width="stretch", height=320, column_config={
        **cfg, "rm_id": t("tiering.col.rm_id"), "rm_name": t("tiering.col.rm"), "branch_name": t("tiering.col.branch"),
        "branch_id": t("tiering.col.branch_id"),
        "customers": st.column_config.NumberColumn(t("tiering.col.customers"), format="localized"),
        "high_risk": st.column_config.NumberColumn(t("tiering.col.high_risk"), format="localized")})
    return df.rename(columns=_headers())


# ---------------------------------------------------------------- compliance
def comp_period(quarter: str, choice: str, as_of: date | None) -> tuple[date, date]:
    q = Quarter.parse(quarter)
    if choice == "quarter":
        return q.start, q.end
    end = as_of or q.end
    if choice == "year":
        return end - timedelta(days=365), end
    return date(1900, 1, 1), end


def comp_kpis(tot: dict) -> None:
    """Sales checked; breaches (R above C) and to-dos (assessment missing or expired) apart, each
    with its count and amount -- a to-do is never counted as a breach."""
    lang = ui.lang()
    cols = st.columns(3)
    cards = (("checked", tot["sales"], tot.get("amount"), None),
             ("breach", tot.get("breach", tot["exceeds"]), tot.get("breach_amount"),
              t("tiering.comp.share_of_checked", share=i18n.fmt_pct(tot["exceeds"] / tot["sales"], lang)
                if tot["sales"] else "—")),
             ("todo", tot.get("todo", tot["missing"] + tot["expired"]), tot.get("todo_amount"),
              t("tiering.comp.todo_split", missing=i18n.fmt_count(tot["missing"], lang),
                expired=i18n.fmt_count(tot["expired"], lang))))
    for col, (k, n, amount, note) in zip(cols, cards):
        with col.container(border=True):
            st.metric(t(f"tiering.comp.kpi.{k}"), i18n.fmt_count(n, lang),
                      help=t(f"tiering.comp.kpi.{k}_help") if k != "checked" else None)
            st.caption(" · ".join(x for x in (t("tiering.comp.amount", amount=i18n.fmt_money(amount, lang)), note) if x))


def comp_summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per RM or branch: breaches (count, amount) before to-dos (count, amount), ranked that way."""
    out = df.copy()
    out["flagged_share"] = out["flagged_share"] * 100
    out, money = tables.money_columns(out, {"breach_amount": "tiering.col.breach_amount",
                                            "todo_amount": "tiering.col.todo_amount"}, ui.lang())
    first = [c for c in ("rm_name", "rm_id", "branch_name", "branch_id") if c in out]
    order = [*first, "sales", "exceeds", "breach_amount", "todo", "todo_amount", "missing", "expired", "flagged_share"]
    tables.dataframe(out, hide_index=True, width="stretch", height=320, column_order=order, column_config={
        **money, "todo": t("tiering.col.todo"),
        "rm_id": t("tiering.col.rm_id"), "rm_name": t("tiering.col.rm"), "branch_name": t("tiering.col.branch"),
        "branch_id": t("tiering.col.branch_id"), "sales": t("tiering.col.sales"), "flagged": t("tiering.col.flagged"),
        "exceeds": t("tiering.col.exceeds"), "missing": t("tiering.col.missing"), "expired": t("tiering.col.expired"),
        "flagged_share": _pct("tiering.col.flagged_share")})
    return df[[c for c in order if c in df]].rename(columns=_headers())


def kind_rows(flagged: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The flagged sales of one kind (breach / todo), in their ranked order."""
    return flagged[flagged["kind"] == kind].reset_index(drop=True)


def comp_table(df: pd.DataFrame, show_names: bool) -> pd.DataFrame:
    """Flagged sales as ranked (breaches first, then by amount); each amount in its own readable unit
    (one unit for the whole column turned small sales into "0.00 M")."""
    out = masked(df, show_names)
    out["issue"] = tables.map_values(out["issue"], lambda v: t(f"tiering.comp.issue.{v}"))
    out["product_type"] = tables.map_values(out["product_type"], ptype_label)
    out = out[["sale_date", "sale_id", "customer_id", "customer_name", "product_name", "product_type", "risk_level",
               "risk_tolerance", "risk_assessed_on", "issue", "amount", "rm_name", "rm_id", "branch_name"]]
    disp = out.copy()
    disp["amount"] = [i18n.fmt_money(v, ui.lang(), 2) for v in disp["amount"]]
    cfg = {"amount": st.column_config.TextColumn(t("tiering.col.amount_each"))}
    tables.dataframe(disp, hide_index=True, width="stretch", column_config={
        **cfg, "sale_date": st.column_config.DateColumn(t("tiering.col.sale_date")), "sale_id": t("tiering.col.sale_id"),
        "customer_id": t("tiering.col.customer_id"), "customer_name": t("tiering.col.customer_name"),
        "product_name": t("tiering.col.product"), "product_type": t("tiering.col.product_type"),
        "risk_level": t("tiering.col.risk_level"), "risk_tolerance": t("tiering.col.risk_tolerance"),
        "risk_assessed_on": st.column_config.DateColumn(t("tiering.col.assessed_on")), "issue": t("tiering.col.issue"),
        "rm_name": t("tiering.col.rm"), "rm_id": t("tiering.col.rm_id"), "branch_name": t("tiering.col.branch")})
    return out.rename(columns=_headers())
