"""Diagnosis: where the quarter stands against plan and peers, and what holds it back.

Everything the Diagnosis page shows is computed here from the metric registry
(``lib.metrics.registry``); the page only lays it out. No Streamlit in this module.

Plan, pace (expected), attainment, status and the like-for-like changes against earlier
quarters follow ``lib.metrics.plan`` (one place for every page): plan × the elapsed share of the quarter
for flows, the plan for stocks and rates; status from attainment and the ``status_on_track`` /
``status_at_risk`` settings; earlier quarters of flows and rates read at the same day of their
quarter while the current one runs. Changes of percentage metrics are in percentage points; of
others, relative.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from lib.metrics import cube
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.metrics import plan
from lib.core import schema
from lib.core.db import WHOLE_BANK, Database, Scope
from lib.core.periods import WEEKS, Quarter  # one week count for every page (lib/core/periods.py)

RETAIL_KPIS = ("aum", "aum_growth", "net_new_money", "market_movement", "new_customers", "acquisition_cost",
               "retention_rate", "churn_rate", "products_per_customer", "wealth_penetration", "card_conversion",
               "wealth_conversion", "conversion_rate", "refusal_rate", "fee_income", "active_share")
CORPORATE_KPIS = ("corp_deposits", "corp_loans", "active_corporate_clients", "new_corporate_clients",
                  "large_client_revenue", "large_client_cost_income", "small_biz_revenue", "small_biz_risk_share",
                  "supply_chain_usage", "fx_usage")
SECTIONS = {"retail": RETAIL_KPIS, "corporate": CORPORATE_KPIS}
ALL_KPIS = RETAIL_KPIS + CORPORATE_KPIS
BASE_TABLES = ("customers", "branches")
SPARK_QUARTERS = 6
STATUSES = ("on_track", "at_risk", "off_track")

# What to look at when a metric falls behind: related metrics whose adverse change explains it.
DRIVERS: dict[str, tuple[str, ...]] = {
    "aum": ("net_new_money", "market_movement", "churn_rate"),
    "aum_growth": ("net_new_money", "market_movement", "churn_rate"),
    "net_new_money": ("new_customers", "churn_rate", "wealth_conversion"),
    "market_movement": ("wealth_penetration",),
    "new_customers": ("acquisition_cost", "conversion_rate", "card_conversion"),
    "acquisition_cost": ("new_customers", "conversion_rate"),
    "retention_rate": ("active_share", "products_per_customer"),
    "churn_rate": ("active_share", "products_per_customer"),
    "products_per_customer": ("wealth_conversion", "card_conversion"),
    "wealth_penetration": ("wealth_conversion", "active_share"),
    "card_conversion": ("conversion_rate", "active_share"),
    "wealth_conversion": ("conversion_rate", "active_share"),
    "conversion_rate": ("active_share",),
    "fee_income": ("wealth_conversion", "products_per_customer", "active_share"),
    "active_share": ("products_per_customer",),
    "corp_deposits": ("active_corporate_clients", "new_corporate_clients"),
    "corp_loans": ("small_biz_risk_share", "new_corporate_clients"),
    "active_corporate_clients": ("new_corporate_clients",),
    "new_corporate_clients": ("active_corporate_clients",),
    "large_client_revenue": ("large_client_cost_income", "corp_deposits"),
    "large_client_cost_income": ("large_client_revenue",),
    "small_biz_revenue": ("small_biz_risk_share", "corp_loans"),
    "small_biz_risk_share": ("small_biz_revenue",),
    "supply_chain_usage": ("fx_usage",),
    "fx_usage": ("supply_chain_usage",),
}


# ---------------------------------------------------------------- plan rules (lib.metrics.plan, one place)
plan_applies = plan.applies
change = plan.change
attainment = plan.attainment
status = plan.status
comparison_day = plan.comparison_day


def visible_kpis(scope: Scope) -> dict[str, tuple[str, ...]]:
    """The card sections for a scope: the customer-type filter hides the other line."""
    out = {}
    if scope.customer_type != "corporate":
        out["retail"] = RETAIL_KPIS
    else:
        out["retail"] = tuple(k for k in RETAIL_KPIS if metrics.metric(k).line != "retail")
    if scope.customer_type != "retail":
        out["corporate"] = CORPORATE_KPIS
    return {k: v for k, v in out.items() if v}


def available_keys(table: pd.DataFrame, sections: dict[str, tuple[str, ...]]) -> list[str]:
    """The KPIs of the visible sections whose data is loaded, in card order."""
    ok = set(table.loc[table["available"], "key"]) if len(table) else set()
    return [k for keys in sections.values() for k in keys if k in ok]


# ---------------------------------------------------------------- availability
def empty_tables(db: Database) -> set[str]:
    return {t.name for t in schema.TABLES if not db.has_rows(t.name)}


def missing_tables(key: str, empty: set[str]) -> tuple[str, ...]:
    """The empty tables a metric needs (the base tables excluded: without customers the
    page has nothing to show at all)."""
    return tuple(t for t in metrics.tables_used(key) if t in empty and t not in BASE_TABLES)


def missing_data(db: Database, quarter: str) -> dict:
    """What is missing and what it hides: {"tables": {table: [metric keys]}, "targets": bool
    (no targets for the quarter), "peers": bool (no peer benchmarks for the quarter),
    "sources": {table: (source_en, source_zh, label_en, label_zh)}}."""
    empty = empty_tables(db)
    hidden: dict[str, list[str]] = {}
    for key in ALL_KPIS:
        for t in missing_tables(key, empty):
            hidden.setdefault(t, []).append(key)
    no_targets = "targets" in empty or not db.scalar(
        "SELECT count(*) FROM targets WHERE quarter = ?", [quarter])
    no_peers = "peer_benchmarks" in empty or not db.scalar(
        "SELECT count(*) FROM peer_benchmarks WHERE quarter = ?", [quarter])
    sources = {}
    for name in [*hidden, "targets", "peer_benchmarks"]:
        tb = schema.table(name)
        sources[name] = (tb.source_en, tb.source_zh, tb.label_en, tb.label_zh)
    return {"tables": hidden, "targets": bool(no_targets), "peers": bool(no_peers), "sources": sources}


# ---------------------------------------------------------------- KPI cards
def _compared_quarters(db: Database, q: Quarter) -> tuple[list[Quarter], list[Quarter]]:
    """(the last SPARK_QUARTERS quarters up to `q`, those plus the same quarter last year when
    it is in the data)."""
    in_data = {str(x) for x in metrics.quarters_in_data(db)}
    history = [x for x in sorted((Quarter.parse(s) for s in in_data)) if x <= q][-SPARK_QUARTERS:]
    ly = q.last_year()
    return history, history + ([ly] if str(ly) in in_data and ly not in history else [])


def kpi_jobs(db: Database, q: Quarter, empty: set[str] | None = None) -> dict[tuple[str, str], tuple[str, metrics.Period]]:
    """The metric queries the cards of quarter `q` need, keyed (metric, quarter): every KPI in
    the last SPARK_QUARTERS quarters and the same quarter last year; while `q` is running, flows
    and rates of earlier quarters are cut at the same day of their quarter. The cube keeps
    exactly these."""
    empty = empty_tables(db) if empty is None else empty
    _, wanted = _compared_quarters(db, q)
    day = comparison_day(db, q)
    cache: dict = {}

    def periods(pq: Quarter, cut: date | None) -> metrics.Period:
        if (pq, cut) not in cache:
            cache[(pq, cut)] = metrics.period(db, pq, cut)
        return cache[(pq, cut)]

    jobs = {}
    for key in ALL_KPIS:
        m = metrics.metric(key)
        if missing_tables(key, empty):
            continue
        for hq in wanted:
            cut = plan.compared_cut(m.kind, q, hq, day)
            jobs[(key, str(hq))] = (key, periods(hq, cut))
    return jobs


def cube_jobs(db: Database) -> cube.Jobs:
    """What the metric cube keeps for this page (lib/warmup.py collects it): the cards of every
    quarter in the data, with the cuts they compare with."""
    empty = empty_tables(db)
    return cube.Jobs(pairs=[p for q in metrics.quarters_in_data(db) for p in kpi_jobs(db, q, empty).values()])


def trend_cube_jobs(db: Database) -> cube.Jobs:
    """The week and month trend (and last quarter's curve) of the whole bank's weakest KPI in the
    latest quarter — the trend the page opens with. Reads the cards, so the warm-up asks for it
    after the cards are stored."""
    quarters = metrics.quarters_in_data(db)
    if not quarters:
        return cube.Jobs()
    latest = quarters[0]
    table = kpis(db, str(latest), WHOLE_BANK)
    available = available_keys(table, visible_kpis(WHOLE_BANK))
    weak = plan.weakest(table, tuple(available))
    focus = weak["key"].iloc[0] if len(weak) else (available[0] if available else None)
    if focus is None:
        return cube.Jobs()
    return cube.Jobs(pairs=[(focus, metrics.period(db, pq, cut)) for grain in ("week", "month")
                            for pq, cut in trend_cuts(db, latest, grain)])


def kpis(db: Database, quarter: str, scope: Scope) -> pd.DataFrame:
    """One row per KPI (every KPI of both sections) with everything a card and the plan table
    show: value, plan, expected (plan pace), attainment, status, peer, vs_peer, prev / qoq,
    yoy_value / yoy, spark (values of the last quarters, oldest first) and spark_quarters,
    available and missing (tables)."""
    q = Quarter.parse(quarter)
    history, wanted = _compared_quarters(db, q)
    ly = q.last_year()
    share = plan.share(db, q)
    limits = plan.thresholds(db)
    empty = empty_tables(db)
    results = metrics.compute_many(db, kpi_jobs(db, q, empty), scope)
    rows = []
    for section, keys in SECTIONS.items():
        for key in keys:
            m = metrics.metric(key)
            missing = missing_tables(key, empty)
            row = {"key": key, "section": section, "unit": m.unit, "kind": m.kind,
                   "higher_is_better": m.higher_is_better, "available": not missing, "missing": missing,
                   "value": None, "plan": None, "expected": None, "attainment": None, "status": None,
                   "peer": None, "vs_peer": None, "prev": None, "qoq": None, "yoy_value": None, "yoy": None,
                   "spark": [], "spark_quarters": []}
            if missing:
                rows.append(row)
                continue
            series = {str(hq): results[(key, str(hq))] for hq in wanted}
            value = series.get(str(q))
            prev = series.get(str(q.prev()))
            yoy_value = series.get(str(ly))
            a = plan.assess(key, value, plan.target(db, key, q, scope), share, limits)
            peer = plan.peer(db, key, q, scope)
            spark_q = [str(hq) for hq in history if series.get(str(hq)) is not None]
            row.update({
                "value": value, "plan": a.plan, "expected": a.expected, "attainment": a.attainment,
                "status": a.status,
                "peer": peer, "vs_peer": change(value, peer, m.unit),
                "prev": prev, "qoq": change(value, prev, m.unit),
                "yoy_value": yoy_value, "yoy": change(value, yoy_value, m.unit),
                "spark": [float(series[s]) for s in spark_q], "spark_quarters": spark_q,
            })
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- sentences
def _t(key: str, lang: str, **kw) -> str:
    return i18n.t(f"diagnosis.{key}", lang, **kw)


def _mid(label: str, lang: str) -> str:
    """A label inside a sentence: lower-case first letter in English unless it is an acronym."""
    if lang == "zh" or label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


fmt_change = plan.fmt_change


def _abs_change(v: float, unit: str, lang: str) -> str:
    return fmt_change(abs(v), unit, lang).lstrip("+")


def _adverse(v: float | None, higher_is_better: bool) -> bool:
    return v is not None and not pd.isna(v) and ((v < 0) if higher_is_better else (v > 0))


def _qoq_clause(row, lang: str, label: str | None) -> str:
    direction = "up" if row["qoq"] > 0 else "down"
    chg = _abs_change(row["qoq"], row["unit"], lang)
    if label is None:
        return _t(f"s.own_{direction}", lang, chg=chg)
    return _t(f"s.qoq_{direction}", lang, label=label, chg=chg)


def sentence(row: dict | pd.Series, table: pd.DataFrame, lang: str) -> str:
    """A one-line diagnosis of a KPI that falls behind plan, generated from the data: how far
    it is from plan (pace), its own adverse change against last quarter, the related metric
    that moved the wrong way most, and the gap to peers."""
    m = metrics.metric(row["key"])
    fv = lambda v: i18n.fmt_value(v, m.unit, lang)  # noqa: E731
    label = m.label(lang)
    att = i18n.fmt_pct(row["attainment"], lang, 0) if row["attainment"] is not None and not pd.isna(
        row["attainment"]) else None
    if not m.higher_is_better:
        main = _t("s.main_lower", lang, label=label, value=fv(row["value"]), plan=fv(row["expected"]),
                  att=att or "—")
    elif m.kind == "flow":
        main = _t("s.main_pace", lang, label=label, att=att or "—", value=fv(row["value"]),
                  expected=fv(row["expected"]))
    else:
        main = _t("s.main_plan", lang, label=label, att=att or "—", value=fv(row["value"]),
                  plan=fv(row["expected"]))
    if att is None:
        main = _t("s.main_gap", lang, label=label, value=fv(row["value"]), plan=fv(row["expected"]))
    clauses = [main]
    if _adverse(row["qoq"], m.higher_is_better):
        clauses.append(_qoq_clause(row, lang, None))
    by_key = table.set_index("key") if len(table) else table
    for d in DRIVERS.get(m.key, ()):
        if d not in by_key.index:
            continue
        drow = by_key.loc[d]
        if _adverse(drow["qoq"], bool(drow["higher_is_better"])):
            clauses.append(_qoq_clause({"qoq": drow["qoq"], "unit": drow["unit"]}, lang,
                                       _mid(metrics.metric(d).label(lang), lang)))
            break
    if (row["peer"] is not None and not pd.isna(row["peer"]) and _adverse(row["vs_peer"], m.higher_is_better)
            and fv(row["value"]) != fv(row["peer"])):
        clauses.append(_t("s.peer_below" if m.higher_is_better else "s.peer_worse", lang,
                          value=fv(row["value"]), peer=fv(row["peer"])))
    return _t("s.join", lang).join(clauses)


def bottlenecks(table: pd.DataFrame, lang: str, keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """KPIs that are not on track (at risk or off track against plan, plan pace for flows),
    furthest below first, each with its generated diagnosis. Columns:
    key, attainment, status, shortfall (1 − attainment), sentence."""
    cols = ["key", "attainment", "status", "shortfall", "sentence"]
    df = plan.weakest(table, keys)
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["sentence"] = [sentence(r, table, lang) for _, r in df.iterrows()]
    return df[cols].reset_index(drop=True)


# ---------------------------------------------------------------- drill-down
LEVELS = ("region", "branch_id", "rm_id")
TARGET_SCOPE = {"region": "region", "branch_id": "branch", "rm_id": "rm"}


def drill_level(scope: Scope, region: str | None = None, branch: str | None = None) -> str:
    """The grouping one step below the selection: regions → branches → RMs."""
    if branch or (scope.branch_ids is not None and len(scope.branch_ids) == 1):
        return "rm_id"
    if region or scope.region or scope.unassigned:  # Unassigned: by the branch codes not (yet) loaded
        return "branch_id"
    return "region"


def drill_scope(scope: Scope, region: str | None = None, branch: str | None = None) -> Scope:
    return Scope(region=region or scope.region,
                 branch_ids=(branch,) if branch else scope.branch_ids,
                 customer_type=scope.customer_type, unassigned=scope.unassigned)


def _universe(db: Database, scope: Scope, level: str) -> pd.DataFrame:
    """Every group of the level inside the scope (grp, name), including empty ones."""
    bf, params = scope.branch_filter("b.branch_id")
    if level == "region":
        return db.query(f"SELECT DISTINCT b.region AS grp, b.region AS name FROM branches b WHERE {bf} ORDER BY 1",
                        params)
    if level == "branch_id":
        return db.query(f"SELECT b.branch_id AS grp, b.branch_name AS name FROM branches b WHERE {bf} ORDER BY 1",
                        params)
    return db.query(f"SELECT s.rm_id AS grp, s.rm_name AS name FROM staff s JOIN branches b "
                    f"ON b.branch_id = s.branch_id WHERE {bf} ORDER BY 1", params)


def drill(db: Database, key: str, quarter: str, scope: Scope, region: str | None = None,
          branch: str | None = None) -> pd.DataFrame:
    """A KPI per region, branch (of a region) or RM (of a branch), ranked best first, with
    each group's own plan, attainment and status. Groups without customers are listed with 0
    for counts and amounts and no value for rates. Columns: grp, name, value, plan, expected,
    attainment, status, rank."""
    q = Quarter.parse(quarter)
    m = metrics.metric(key)
    level = drill_level(scope, region, branch)
    sc = drill_scope(scope, region, branch)
    got = metrics.compute_grouped(db, key, q, sc, level)[["grp", "value"]]
    got["grp"] = got["grp"].astype(str)
    uni = _universe(db, sc, level)
    uni["grp"] = uni["grp"].astype(str)
    df = uni.merge(got, on="grp", how="outer")
    df["name"] = df["name"].where(df["name"].notna(), df["grp"])
    additive = m.unit in ("count", "cny") and m.kind != "rate"
    if additive:
        df["value"] = df["value"].fillna(0.0)
    period = metrics.period(db, q)
    share = q.elapsed_share(period.period_end)
    limits = plan.thresholds(db)
    plans = {}
    if plan_applies(key, scope):
        plans = dict(db.rows(
            "SELECT scope_id, target_value FROM targets WHERE quarter = ? AND scope = ? AND metric = ? "
            "AND coalesce(week, 0) = 0", [quarter, TARGET_SCOPE[level], key]))
    df["plan"] = df["grp"].map(plans).astype(float)
    vals = df["value"].astype(float)
    got = [plan.assess(key, None if pd.isna(v) else v, None if pd.isna(p) else p, share, limits)
           for v, p in zip(vals, df["plan"])]
    df["expected"] = pd.Series([a.expected for a in got], index=df.index, dtype=float)
    df["attainment"] = [a.attainment for a in got]
    df["status"] = [a.status for a in got]
    df["value"] = vals
    df = df.sort_values(["value", "grp"], ascending=[not m.higher_is_better, True], na_position="last")
    df["rank"] = range(1, len(df) + 1)
    return df[["grp", "name", "value", "plan", "expected", "attainment", "status", "rank"]].reset_index(drop=True)


def drill_options(db: Database, scope: Scope) -> pd.DataFrame:
    """Regions and branches a drill-down may select inside the viewer's scope."""
    bf, params = scope.branch_filter("b.branch_id")
    return db.query(f"SELECT b.region, b.branch_id, b.branch_name FROM branches b WHERE {bf} ORDER BY 1, 2",
                    params)


# ---------------------------------------------------------------- trend


def _steps(q: Quarter, grain: str) -> list[date]:
    """Step end dates: 13 weeks (the 13th runs to the quarter's last day) or 3 month ends."""
    if grain == "week":
        return [q.week_start(n) + timedelta(days=6) for n in range(1, WEEKS)] + [q.end]
    out = []
    for k in range(3):
        m = q.start.month + k
        nxt = date(q.year + (m == 12), m % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
    return out


def _trend_steps(db: Database, q: Quarter, grain: str) -> list[tuple[int, str, Quarter, date]]:
    """(step, series, quarter, as-of day) of a trend: this quarter's steps up to the data's end
    ("actual"), and last quarter's steps ("last_quarter") when it is in the data."""
    p = metrics.period(db, q)
    steps = _steps(q, grain)
    out = []
    for i, end in enumerate(steps, start=1):
        if end > p.period_end and (i == 1 or steps[i - 2] >= p.period_end):
            break
        out.append((i, "actual", q, min(end, p.period_end)))
    prev = q.prev()
    if prev in metrics.quarters_in_data(db):
        out += [(i, "last_quarter", prev, end) for i, end in enumerate(_steps(prev, grain), start=1)]
    return out


def trend_cuts(db: Database, q: Quarter, grain: str) -> list[tuple[Quarter, date]]:
    """The (quarter, as-of day) pairs a trend of `q` computes (kept in the cube, see trend_cube_jobs)."""
    return [(pq, cut) for _, _, pq, cut in _trend_steps(db, q, grain)]


def trend(db: Database, key: str, quarter: str, scope: Scope, grain: str = "week") -> pd.DataFrame:
    """The KPI through the quarter by week or month (to date at each step's end), the plan
    pace, and last quarter's curve at the same steps. Long format: step, series
    (actual / plan / last_quarter), value."""
    if grain not in ("week", "month"):
        raise ValueError(f"unknown grain {grain!r}")
    q = Quarter.parse(quarter)
    m = metrics.metric(key)
    steps = _trend_steps(db, q, grain)
    values = metrics.compute_many(db, {(i, series): (key, metrics.period(db, pq, cut))
                                       for i, series, pq, cut in steps}, scope)
    rows = [(i, series, values[(i, series)]) for i, series, _, _ in steps]
    target = plan.target(db, key, q, scope)
    if target is not None:
        for i, end in enumerate(_steps(q, grain), start=1):
            rows.append((i, "plan", plan.expected(target, m.kind, q.elapsed_share(end))))
    df = pd.DataFrame(rows, columns=["step", "series", "value"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


# ---------------------------------------------------------------- plan vs actual vs peer
def plan_table(table: pd.DataFrame, lang: str, formatted: bool = True) -> pd.DataFrame:
    """Plan vs actual vs peer for every available KPI. `formatted` gives display strings in
    the language's units (万/亿 or K/M/B); otherwise raw numbers for the CSV download."""
    out = []
    for _, r in table[table["available"]].iterrows():
        m = metrics.metric(r["key"])
        fv = (lambda v, u=m.unit: i18n.fmt_value(v, u, lang)) if formatted else (lambda v: v)
        fc = (lambda v, u=m.unit: fmt_change(v, u, lang)) if formatted else (lambda v: v)
        fa = (lambda v: i18n.fmt_pct(v, lang, 0)) if formatted else (lambda v: v)
        st = r["status"] if isinstance(r["status"], str) else None
        out.append({
            "section": _t(f"section.{r['section']}", lang), "metric": m.label(lang),
            **({} if formatted else {"key": r["key"], "unit": m.unit}),
            "actual": fv(r["value"]), "plan": fv(r["plan"]), "expected": fv(r["expected"]),
            "attainment": fa(r["attainment"]),
            "status": _t(f"status.{st}" if st else "status.none", lang),
            "peer": fv(r["peer"]), "vs_peer": fc(r["vs_peer"]), "qoq": fc(r["qoq"]), "yoy": fc(r["yoy"]),
        })
    return pd.DataFrame(out)
