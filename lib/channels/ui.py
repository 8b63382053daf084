"""Streamlit helpers for the Channels & products page: translated labels, display tables with
money in readable units, charts, CSV downloads, "upload this export" notices and the settings
forms (ROI, referral reward, corporate calculator assumptions).

Figures come from lib.channels.campaigns / lib.channels.abtest / lib.channels.bundles; this module only shapes them for the
screen. Money in tables is scaled per column (元/万元/亿元 in Chinese, CNY/K/M/B in English) so the
columns stay sortable numbers.
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from lib.ui import charts
from lib.ui import tables
from lib.channels import campaigns as channels
from lib.core import i18n
from lib.core import schema
from lib.core import settings
from lib.ui import shell as ui
from lib.core.db import Scope
from lib.channels import bundles

t = ui.t


# ---------------------------------------------------------------- labels
def label(prefix: str, value) -> str:
    """Translated label for a category value, or the raw value when it has none."""
    key = f"{prefix}.{value}"
    return t(key) if key in i18n.STRINGS else str(value)


def channel_label(c) -> str:
    return label("channels.channel", c)


def ptype_label(p) -> str:
    return label("channels.ptype", p)


def reasons_text(codes) -> str:
    return ", ".join(t(f"channels.reason.{c}") for c in (codes or []))


def money_unit_label(values: pd.Series) -> tuple[float, str]:
    return tables.money_unit(values, ui.lang())


# ---------------------------------------------------------------- page plumbing
def page_quarter(filters) -> str | None:
    """The sidebar quarter, or, in a database without balance snapshots, the newest quarter
    with leads, campaigns or referrals."""
    if filters.quarter:
        return filters.quarter
    qs = ui.cached(channels.activity_quarters)
    return qs[0] if qs else None


def needs(*tables: str) -> bool:
    """True when every table has rows; otherwise shows which exports to upload and returns False."""
    missing = ui.cached(channels.missing_tables, *tables)
    if not missing:
        return True
    zh = ui.lang() == "zh"
    exports = "; ".join(
        f"**{(schema.table(m).source_zh if zh else schema.table(m).source_en)}** "
        f"({schema.table(m).label_zh if zh else schema.table(m).label_en})" for m in missing)
    st.info(t("channels.missing", exports=exports), icon=":material/upload_file:")
    return False


def download(df: pd.DataFrame, name: str, key: str) -> None:
    ui.downloads(df, name, personal_table="customers", key=key)


def _scaled(df: pd.DataFrame, money: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """Scale money columns into readable units (lib.ui.tables.money_columns); returns the frame and
    column_config entries (header keys of `money` get the unit)."""
    return tables.money_columns(df, money, ui.lang())


def _pct_col(key: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(t(key), format="%.1f%%")


@ui.opening
def opening(quarter: str) -> None:
    """The channels section for the whole bank (lib.ui.shell.opening): lead totals, the weekly mix
    with its chart, the channel summary and the funnel with its chart."""
    scope = ui.scope_arg(Scope())
    if ui.cached(channels.missing_tables, "leads"):
        return
    ui.cached(channels.lead_totals, scope)
    weekly = ui.cached(channels.channel_weekly, quarter, scope)
    if weekly.empty:
        return
    mix_chart(weekly, "leads", quarter)
    ui.cached(channels.channel_summary, quarter, scope)
    funnel_chart(ui.cached(channels.funnel, quarter, scope, "channel"), t("channels.funnel.chart_title", quarter=quarter))


# ---------------------------------------------------------------- channel mix and funnel
MEASURES = ("leads", "conversions", "new_customers", "sales_amount", "aum_inflow")
MONEY_MEASURES = ("sales_amount", "aum_inflow")


@ui.cached_figure
def mix_chart(weekly: pd.DataFrame, measure: str, quarter: str) -> go.Figure:
    df = weekly.copy()
    df["channel"] = df["channel"].map(channel_label)
    name = t(f"channels.measure.{measure}")
    if measure in MONEY_MEASURES:
        df, unit = charts.scale_money(df, measure, ui.lang())
        y_title = t("channels.axis.money", measure=name, unit=unit)
    else:
        y_title = t("channels.axis.count", measure=name)
    fig = px.bar(df, x="week", y=measure, color="channel",
                 labels={"week": t("channels.axis.week"), measure: y_title, "channel": t("channels.legend.channel")},
                 title=t("channels.mix.chart_title", measure=name, quarter=quarter))
    fig.update_xaxes(dtick=1)
    return charts.style(fig, ui.lang())


def channel_table(summary: pd.DataFrame) -> None:
    df = summary.copy()
    df["channel"] = df["channel"].map(channel_label)
    df["conversion_rate"] = df["conversion_rate"] * 100
    df, cfg = _scaled(df, {"sales_amount": "channels.col.sales_amount", "aum_inflow": "channels.col.aum_inflow"})
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        **cfg, "channel": t("channels.col.channel"),
        "leads": st.column_config.NumberColumn(t("channels.col.leads"), format="localized"),
        "conversions": st.column_config.NumberColumn(t("channels.col.conversions"), format="localized"),
        "new_customers": st.column_config.NumberColumn(t("channels.col.new_customers"), format="localized"),
        "conversion_rate": _pct_col("channels.col.conversion_rate"),
    }, column_order=["channel", "leads", "conversions", "conversion_rate", "new_customers", "aum_inflow",
                     "sales_amount"])


def _funnel_frame(f: pd.DataFrame, group_label) -> pd.DataFrame:
    df = f.copy()
    df["grp"] = df["grp"].map(group_label)
    df["step"] = df["step"].map(lambda s: t(f"channels.step.{s}"))
    return df


@ui.cached_figure
def funnel_chart(f: pd.DataFrame, title: str, group_label=channel_label) -> go.Figure:
    df = _funnel_frame(f, group_label)
    fig = px.funnel(df, x="leads", y="step", color="grp", title=title,
                    labels={"leads": t("channels.funnel.axis.leads"), "step": t("channels.funnel.axis.step"),
                            "grp": t("channels.legend.channel")})
    return charts.style(fig, ui.lang(), height=420)


def funnel_table(f: pd.DataFrame, group_label=channel_label) -> pd.DataFrame:
    df = _funnel_frame(f, group_label)
    df["share_of_contacted"] = df["share_of_contacted"] * 100
    df["drop_from_previous"] = df["drop_from_previous"] * 100
    df = df.drop(columns=["step_no"])
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        "grp": t("channels.col.group"), "step": t("channels.col.step"),
        "leads": st.column_config.NumberColumn(t("channels.col.leads"), format="localized"),
        "share_of_contacted": _pct_col("channels.col.share_of_contacted"),
        "drop_from_previous": _pct_col("channels.col.drop"),
    })
    return df


# ---------------------------------------------------------------- campaign board
BOARD_MONEY = {"cost": "channels.col.cost", "acquisition_cost": "channels.col.acquisition_cost",
               "aum_inflow": "channels.col.aum_contribution", "fee_income": "channels.col.fee_income",
               "revenue": "channels.col.revenue", "cost_per_lead": "channels.col.cost_per_lead"}
BOARD_ORDER = ["status", "campaign_name", "kind", "channel", "start_date", "end_date", "cost", "leads", "conversions",
               "conversion_rate", "new_customers", "acquisition_cost", "aum_inflow", "fee_income", "revenue",
               "roi", "cost_per_lead", "reasons"]


def status_label(row) -> str:
    if row["flagged"]:
        return t("channels.status.flagged")
    if not row.get("started", True):
        return t("channels.status.not_started")
    if pd.isna(row["roi"]):
        return t("channels.status.no_cost")
    return t("channels.status.ok")


def board_display(board: pd.DataFrame) -> pd.DataFrame:
    """The board with translated status, channel and reasons; numbers unscaled (for CSV)."""
    df = board.copy()
    df["status"] = df.apply(status_label, axis=1) if len(df) else pd.Series(dtype=str)
    df["channel"] = df["channel"].map(channel_label)
    df["reasons"] = df["reasons"].map(reasons_text)
    offer = df["sprint_offer"] if "sprint_offer" in df else pd.Series(False, index=df.index)
    df["kind"] = [t("channels.kind.sprint_offer") if o else "" for o in offer.fillna(False)]
    return df[BOARD_ORDER]


def filter_board(display: pd.DataFrame, channel_labels: list[str], flagged_only: bool) -> pd.DataFrame:
    keep = pd.Series(True, index=display.index)
    if channel_labels:
        keep &= display["channel"].isin(channel_labels)
    if flagged_only:
        keep &= display["status"] == t("channels.status.flagged")
    return display[keep]


def board_headers() -> dict[str, str]:
    """Plain column titles for the CSV (money in CNY)."""
    cny = tables.cny(ui.lang())
    return {"status": t("channels.col.flag"), "campaign_name": t("channels.col.campaign"),
            "kind": t("channels.col.kind"), "channel": t("channels.col.channel"), "start_date": t("channels.col.start"),
            "end_date": t("channels.col.end"), "leads": t("channels.col.leads"),
            "conversions": t("channels.col.conversions"), "conversion_rate": t("channels.col.conversion_rate"),
            "new_customers": t("channels.col.new_customers"), "roi": t("channels.col.roi"),
            "reasons": t("channels.col.reasons"), **{c: t(k, unit=cny) for c, k in BOARD_MONEY.items()}}


def board_table(display: pd.DataFrame) -> None:
    df = display.copy()
    df["conversion_rate"] = df["conversion_rate"] * 100
    df, cfg = _scaled(df, BOARD_MONEY)
    tables.dataframe(df, hide_index=True, width="stretch", column_config={
        **cfg, "status": t("channels.col.flag"), "campaign_name": t("channels.col.campaign"),
        "kind": t("channels.col.kind"), "channel": t("channels.col.channel"),
        "start_date": st.column_config.DateColumn(t("channels.col.start")),
        "end_date": st.column_config.DateColumn(t("channels.col.end")),
        "leads": st.column_config.NumberColumn(t("channels.col.leads"), format="localized"),
        "conversions": st.column_config.NumberColumn(t("channels.col.conversions"), format="localized"),
        "conversion_rate": _pct_col("channels.col.conversion_rate"),
        "new_customers": st.column_config.NumberColumn(t("channels.col.new_customers"), format="localized"),
        "roi": st.column_config.NumberColumn(t("channels.col.roi"), format="%.2f"),
        "reasons": st.column_config.TextColumn(t("channels.col.reasons"), width="medium"),
    })


def board_kpis(board: pd.DataFrame) -> None:
    cost, revenue = board["cost"].sum(), board["revenue"].sum()
    cols = st.columns(5)
    cols[0].metric(t("channels.board.kpi.campaigns"), f"{len(board):,}")
    cols[1].metric(t("channels.board.kpi.flagged"), f"{int(board['flagged'].sum()):,}")
    cols[2].metric(t("channels.board.kpi.cost"), ui.money(cost))
    cols[3].metric(t("channels.board.kpi.revenue"), ui.money(revenue))
    cols[4].metric(t("channels.board.kpi.roi"), f"{revenue / cost:.2f}" if cost else "—")


@ui.cached_figure
def roi_chart(display: pd.DataFrame, threshold: float) -> go.Figure:
    df = display.dropna(subset=["roi"]).sort_values("roi")
    fig = px.bar(df, x="roi", y="campaign_name", color="status", orientation="h",
                 color_discrete_map={t("channels.status.flagged"): "#C0392B", t("channels.status.ok"): "#2E8B57"},
                 labels={"roi": t("channels.axis.roi"), "campaign_name": t("channels.axis.campaign"),
                         "status": t("channels.legend.status")},
                 title=t("channels.board.roi_chart", threshold=f"{threshold:g}"))
    fig.add_vline(x=threshold, line_dash="dash", line_color="#1B1F24")
    fig.update_yaxes(categoryorder="array", categoryarray=list(df["campaign_name"]))
    return charts.style(fig, ui.lang(), height=max(300, 60 + 34 * len(df)))


def roi_settings(db) -> tuple[float, float]:
    """The annual margin and ROI threshold, editable and saved (settings)."""
    margin = float(settings.get(db, "annual_margin"))
    threshold = float(settings.get(db, "roi_threshold"))
    with st.expander(t("channels.settings.header"), icon=":material/tune:"):
        with st.form("ch_roi_settings", border=False):
            c1, c2 = st.columns(2)
            m = c1.number_input(t("channels.settings.margin"), 0.0, 20.0, margin * 100, 0.1, format="%.2f")
            th = c2.number_input(t("channels.settings.threshold"), 0.0, 20.0, threshold, 0.1, format="%.2f")
            if st.form_submit_button(t("channels.save"), icon=":material/save:", disabled=not ui.can("settings")):
                settings.put(db, "annual_margin", round(m / 100, 6))
                settings.put(db, "roi_threshold", float(th))
                st.success(t("channels.saved"))
                margin, threshold = round(m / 100, 6), float(th)
    return margin, threshold


# ---------------------------------------------------------------- A/B tests
def ab_option_label(names: dict[str, str]):
    return lambda cid: names.get(cid, cid)


@ui.cached_figure
def ab_arms_chart(arms: pd.DataFrame) -> go.Figure:
    df = arms.copy()
    for c in ("rate", "ci_low", "ci_high"):
        df[c] = df[c] * 100
    fig = go.Figure(go.Bar(
        x=df["variant"], y=df["rate"], marker_color=charts.PALETTE[: len(df)],
        error_y=dict(type="data", symmetric=False, array=df["ci_high"] - df["rate"],
                     arrayminus=df["rate"] - df["ci_low"], thickness=2, width=10),
        text=[f"{v:.1f}%" for v in df["rate"]], textposition="inside"))
    fig.update_layout(title=t("channels.ab.arms_title"), xaxis_title=t("channels.ab.axis.variant"),
                      yaxis_title=t("channels.ab.axis.rate"), showlegend=False)
    return charts.style(fig, ui.lang(), height=360)


def ab_arms_table(arms: pd.DataFrame) -> None:
    df = arms.copy()
    df["ci"] = [f"{lo * 100:.1f}% – {hi * 100:.1f}%" for lo, hi in zip(df["ci_low"], df["ci_high"])]
    df["rate"] = df["rate"] * 100
    tables.dataframe(df[["variant", "leads", "conversions", "rate", "ci"]], hide_index=True, width="stretch",
                 column_config={"variant": t("channels.ab.col.variant"),
                                "leads": st.column_config.NumberColumn(t("channels.col.leads"), format="localized"),
                                "conversions": st.column_config.NumberColumn(t("channels.col.conversions"),
                                                                             format="localized"),
                                "rate": _pct_col("channels.col.conversion_rate"),
                                "ci": t("channels.ab.col.ci")})


def _pp(v: float) -> str:
    return t("channels.ab.pp", value=f"{v * 100:+.1f}")


def _p(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def verdict_text(c: dict) -> str:
    pct = lambda v: i18n.fmt_pct(v, ui.lang())  # noqa: E731
    need = c["n_per_arm_needed"]
    return t(f"channels.ab.verdict.{c['verdict']}", variant=c["variant"], control=c["control"],
             rate_variant=pct(c["rate_variant"]), rate_control=pct(c["rate_control"]), diff=_pp(c["diff"]),
             low=_pp(c["diff_low"]), high=_pp(c["diff_high"]), p=_p(c["p_exact"] if c["small_sample"] else c["p_value"]),
             direction=t("channels.ab.direction." + ("better" if c["diff"] > 0 else "worse")),
             needed=f"{math.ceil(need):,}" if math.isfinite(need) else "—",
             more=f"{c['more_per_arm']:,}" if c["more_per_arm"] is not None else "—")


def ab_comparison(c: dict) -> None:
    """Metrics and the plain-language verdict for one variant-vs-control comparison."""
    need = c["n_per_arm_needed"]
    m1, m2, m3 = st.columns(3)
    m1.metric(t("channels.ab.diff", variant=ui.safe(c["variant"]), control=ui.safe(c["control"])), _pp(c["diff"]))
    m1.caption(t("channels.ab.diff_ci", low=_pp(c["diff_low"]), high=_pp(c["diff_high"])))
    m2.metric(t("channels.ab.p_value"), _p(c["p_value"]))
    m2.caption(t("channels.ab.p_exact", p=_p(c["p_exact"])))
    m3.metric(t("channels.ab.needed"), f"{math.ceil(need):,}" if math.isfinite(need) else t("channels.ab.infinite"),
              help=t("channels.ab.needed_help"))
    box = st.success if c["verdict"] == "significant" else st.info
    box(verdict_text(c), icon=":material/fact_check:" if c["verdict"] == "significant" else ":material/hourglass_top:")
    if c["small_sample"]:
        st.caption(t("channels.ab.small_note"))


# ---------------------------------------------------------------- referrals
def direction_label(d) -> str:
    return label("channels.direction", d)


def referral_kpis(by_direction: pd.DataFrame) -> None:
    cols = st.columns(len(channels.REFERRAL_DIRECTIONS))
    idx = by_direction.set_index("direction") if len(by_direction) else None
    for col, d in zip(cols, channels.REFERRAL_DIRECTIONS):
        r = idx.loc[d] if idx is not None and d in idx.index else None
        n = int(r["referrals"]) if r is not None else 0
        conv = int(r["converted"]) if r is not None else 0
        with col.container(border=True):
            st.metric(direction_label(d), f"{n:,}")
            st.caption(t("channels.ref.kpi_caption", converted=f"{conv:,}", referrals=f"{n:,}",
                         rate=ui.pct(conv / n if n else None),
                         amount=ui.money(r["amount"] if r is not None else 0),
                         reward=ui.money(r["reward"] if r is not None else 0)))


@ui.cached_figure
def referral_branch_chart(by_branch: pd.DataFrame) -> go.Figure:
    df = by_branch.copy()
    df["direction"] = df["direction"].map(direction_label)
    fig = px.bar(df, x="referrals", y="branch_name", color="direction", orientation="h",
                 labels={"referrals": t("channels.ref.axis.referrals"), "branch_name": t("channels.ref.axis.branch"),
                         "direction": t("channels.legend.direction")},
                 title=t("channels.ref.by_branch_title"))
    fig.update_yaxes(categoryorder="total ascending")
    return charts.style(fig, ui.lang(), height=max(320, 80 + 26 * df["branch_name"].nunique()))


REF_COLS = {"from_rm_name": "channels.col.referrer", "to_rm_name": "channels.col.receiver",
            "branch_name": "channels.col.branch", "direction": "channels.col.direction"}


def referral_table(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = df.copy()
    if "direction" in out:
        out["direction"] = out["direction"].map(direction_label)
    out["conversion_rate"] = out["conversion_rate"] * 100
    out = out[[*columns, "referrals", "converted", "conversion_rate", "amount", "reward"]]
    shown, cfg = _scaled(out, {"amount": "channels.col.amount", "reward": "channels.col.reward"})
    tables.dataframe(shown, hide_index=True, width="stretch", column_config={
        **cfg, **{c: t(k) for c, k in REF_COLS.items()},
        "referrals": st.column_config.NumberColumn(t("channels.col.referrals"), format="localized"),
        "converted": st.column_config.NumberColumn(t("channels.col.converted"), format="localized"),
        "conversion_rate": _pct_col("channels.col.conversion_rate"),
    })
    return out


def reward_rule_form(db) -> tuple:
    """The referral reward rule, explained, editable and saved; returns it as hashable items."""
    rule = channels.reward_rule(db)
    st.caption(t("channels.ref.rule", flat=ui.money(rule["flat_per_conversion"]), share=ui.pct(rule["share"]),
                 m_c2r=ui.pct(rule["margin_corporate_to_retail"]), m_r2c=ui.pct(rule["margin_retail_to_corporate"])))
    with st.expander(t("channels.ref.rule_header"), icon=":material/tune:"):
        with st.form("ch_reward_rule", border=False):
            c = st.columns(4)
            share = c[0].number_input(t("channels.ref.share"), 0.0, 100.0, rule["share"] * 100, 1.0)
            flat = c[1].number_input(t("channels.ref.flat"), 0.0, 1e6, float(rule["flat_per_conversion"]), 50.0)
            m1 = c[2].number_input(t("channels.ref.m_c2r"), 0.0, 20.0, rule["margin_corporate_to_retail"] * 100, 0.1)
            m2 = c[3].number_input(t("channels.ref.m_r2c"), 0.0, 20.0, rule["margin_retail_to_corporate"] * 100, 0.1)
            if st.form_submit_button(t("channels.save"), icon=":material/save:", disabled=not ui.can("settings")):
                rule = {"share": round(share / 100, 6), "flat_per_conversion": float(flat),
                        "margin_corporate_to_retail": round(m1 / 100, 6),
                        "margin_retail_to_corporate": round(m2 / 100, 6)}
                settings.put(db, "referral_reward", rule)
                st.success(t("channels.saved"))
    return tuple(sorted(rule.items()))


# ---------------------------------------------------------------- products
def tier_note(db) -> str:
    th = bundles.tier_thresholds(db)
    return t("channels.prod.tiers_note", **{k: ui.money(v) for k, v in th.items()})


@ui.cached_figure
def penetration_heatmap(pen: pd.DataFrame, quarter: str) -> go.Figure:
    df = pen.copy()
    df["tier"] = df["tier"].map(lambda v: t(f"channels.tier.{v}"))
    df["product_type"] = df["product_type"].map(ptype_label)
    m = df.pivot_table(index="tier", columns="product_type", values="penetration", sort=False) * 100
    fig = px.imshow(m, text_auto=".0f", aspect="auto", color_continuous_scale="Blues", zmin=0, zmax=100,
                    labels={"x": t("channels.axis.product_type"), "y": t("channels.axis.tier"),
                            "color": t("channels.axis.share")},
                    title=t("channels.prod.penetration_title", quarter=quarter))
    return charts.style(fig, ui.lang(), height=80 + 48 * max(len(m), 3))


@ui.cached_figure
def coholding_heatmap(co: pd.DataFrame) -> go.Figure:
    df = co.copy()
    df["type_a"] = df["type_a"].map(ptype_label)
    df["type_b"] = df["type_b"].map(ptype_label)
    m = df.pivot_table(index="type_a", columns="type_b", values="share").fillna(0) * 100
    fig = px.imshow(m, text_auto=".0f", aspect="auto", color_continuous_scale="Oranges", zmin=0, zmax=100,
                    labels={"x": t("channels.axis.also_hold"), "y": t("channels.axis.holds"),
                            "color": t("channels.axis.share")},
                    title=t("channels.prod.coholding_title"))
    return charts.style(fig, ui.lang(), height=120 + 34 * max(len(m), 3))


@ui.cached_figure
def next_product_chart(nxt: pd.DataFrame, holders: int) -> go.Figure:
    df = nxt.copy()
    df["product_type"] = df["product_type"].map(ptype_label)
    df["share"] = df["share"] * 100
    fig = px.bar(df, x="share", y="product_type", orientation="h", text="customers",
                 labels={"share": t("channels.axis.share"), "product_type": t("channels.axis.product_type"),
                         "customers": t("channels.axis.customers")},
                 title=t("channels.prod.next_title", holders=f"{holders:,}"))
    fig.update_yaxes(categoryorder="total ascending")
    return charts.style(fig, ui.lang(), height=max(300, 80 + 30 * len(df)))


# ---------------------------------------------------------------- corporate calculator
PCT_ASSUMPTIONS = ("deposit_margin", "loan_margin", "wealth_fee_rate", "payroll_fee_rate", "scf_margin",
                   "wealth_share_of_deposits")


def assumptions_form(db) -> dict:
    a = bundles.assumptions(db)
    with st.expander(t("channels.calc.assumptions"), icon=":material/tune:"):
        with st.form("ch_calc_assumptions", border=False):
            cols = st.columns(3)
            new = {}
            for i, k in enumerate(bundles.ASSUMPTION_KEYS):
                is_pct = k in PCT_ASSUMPTIONS
                v = float(a[k]) * (100 if is_pct else 1)
                new[k] = cols[i % 3].number_input(t(f"channels.calc.a.{k}"), 0.0, 1e9 if not is_pct else 100.0, v,
                                                  0.1 if is_pct else 100.0, format="%.3f" if is_pct else "%.0f",
                                                  key=f"ch_a_{k}") / (100 if is_pct else 1)
            if st.form_submit_button(t("channels.save"), icon=":material/save:", disabled=not ui.can("settings")):
                bundles.save_assumptions(db, new)
                a = bundles.assumptions(db)
                st.success(t("channels.saved"))
    return a


def calculator_inputs(defaults: dict, key: str) -> dict:
    st.markdown(f"**{t('channels.calc.inputs')}**")
    cols = st.columns(3)
    out = {}
    for i, k in enumerate(bundles.INPUT_KEYS):
        if k == "employees":
            out[k] = cols[i % 3].number_input(t(f"channels.calc.in.{k}"), 0, 10_000_000, int(defaults.get(k, 0)), 10,
                                              key=f"ch_in_{k}_{key}")
        else:
            out[k] = cols[i % 3].number_input(t(f"channels.calc.in.{k}"), 0.0, 1e13, float(defaults.get(k, 0.0)),
                                              100_000.0, format="%.0f", key=f"ch_in_{k}_{key}")
            cols[i % 3].caption(ui.money(out[k]))  # the typed amount in words: ¥597.7M / 5.98亿元
    return out


@ui.cached_figure
def calculator_chart(rev: pd.DataFrame) -> go.Figure:
    df = rev.copy()
    totals = df.groupby("scenario", sort=False)["revenue"].sum()
    df, unit = charts.scale_money(df, "revenue", ui.lang())
    df["scenario"] = df["scenario"].map(lambda s: t(f"channels.scenario.{s}"))
    df["component"] = df["component"].map(lambda c: t(f"channels.component.{c}"))
    fig = px.bar(df, x="scenario", y="revenue", color="component",
                 labels={"scenario": t("channels.calc.axis.scenario"),
                         "revenue": t("channels.calc.axis.revenue", unit=unit),
                         "component": t("channels.legend.component")},
                 title=t("channels.calc.chart_title"))
    div, _ = charts.money_unit(totals.abs().max(), ui.lang())
    fig.add_trace(go.Scatter(x=[t(f"channels.scenario.{s}") for s in totals.index], y=totals.values / div,
                             text=tables.distinct_money(totals.values, ui.lang()), mode="text", textposition="top center",
                             showlegend=False, hoverinfo="skip"))
    return charts.style(fig, ui.lang(), height=420)


def calculator_table(rev: pd.DataFrame) -> None:
    """Each bundle's annual revenue and its upside over today (only products not held yet), with as
    many decimals as it takes for different amounts to read differently."""
    totals = rev.groupby("scenario", sort=False)["revenue"].sum()
    upside = rev[rev["new"]].groupby("scenario", sort=False)["revenue"].sum()
    has_today = "today" in totals.index
    shown = tables.distinct_money(totals.values, ui.lang())
    ups = tables.distinct_money([upside.get(s, 0.0) for s in totals.index], ui.lang())
    rows = [{"scenario": t(f"channels.scenario.{s}"), "annual_revenue": shown[i],
             "vs_today": "—" if not has_today or s == "today" else "+" + ups[i]}
            for i, s in enumerate(totals.index)]
    if has_today and any(upside.get(s, 0.0) == 0 for s in totals.index if s != "today"):
        st.caption(t("channels.calc.zero_upside"))
    tables.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "scenario": t("channels.col.scenario"), "annual_revenue": t("channels.col.annual_revenue"),
        "vs_today": t("channels.col.vs_today")})


def client_count_note(clients: pd.DataFrame) -> None:
    matching = int(clients["matching"].iloc[0]) if len(clients) else 0
    if matching > len(clients):
        st.caption(t("channels.calc.shown", n=f"{len(clients):,}", total=f"{matching:,}"))


def client_graph_link(cid: str) -> None:
    """A link to the client's related-party graph (shareholders, guarantees, group exposure)."""
    st.page_link("pages/related.py", label=t("related.link.client"), icon=":material/hub:",
                 query_params={"client": cid})


def client_label(clients: pd.DataFrame):
    """Labels made in the run (a widget's format_func is also called outside it, in the run's language)."""
    return {r.customer_id: t("channels.calc.client_label", id=r.customer_id, industry=r.industry or "—",
                             deposits=ui.money(r.deposits)) for r in clients.itertuples(index=False)}.get
