"""Plan, pace and comparisons of a KPI: the one place that says what a KPI's plan is for a scope,
what it should be by now, whether it is on track, and how it moved against earlier quarters.
Overview (``lib.ui.shell.metric_card``), Diagnosis (``lib.diagnosis.diagnose``), the PDCA burn-up and weekly
review (``lib.pdca.plan``) and the review pack all read these functions, so a KPI shows the same
plan, pace, attainment, status and change on every page for the same scope and day.

Definitions:
- *Plan* is the quarter's target for the viewer's scope (bank / region / branch / RM). Targets
  are set for all customers of a unit, so when the customer-type filter is on, a plan (and a
  peer benchmark) applies only to metrics of that line (``applies``).
- *Expected* (plan pace) is the plan × the elapsed share of the quarter's days for flow metrics
  (they accumulate); the plan itself for stocks and rates.
- *Attainment* is actual / expected (expected / actual when lower is better); undefined when
  the expected value is not positive.
- *Status* (``on_track`` / ``at_risk`` / ``off_track``) compares attainment with the
  ``status_on_track`` / ``status_at_risk`` settings; without a ratio it falls back to whether the
  actual is on the right side of the expected value; None without a plan.
- *Like for like*: while a quarter is running, earlier quarters of non-stock metrics are read at
  the same day of their quarter (``compared_period``), so changes against the previous quarter
  or the same quarter last year compare the same stretch of time. Stocks compare snapshots.
- *Change*: percentage points for percentage metrics; relative change for others.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from lib.core import i18n
from lib.metrics import registry as metrics
from lib.core import settings
from lib.core.db import Database, Scope
from lib.core.periods import Quarter

STATUSES = ("on_track", "at_risk", "off_track")


# ---------------------------------------------------------------- pure rules
def applies(key: str, scope: Scope) -> bool:
    """Targets and peer benchmarks describe all customers of a unit; with a customer-type
    filter they only fit metrics of that line."""
    return scope.customer_type is None or metrics.metric(key).line == scope.customer_type


def expected(plan: float | None, kind: str, share: float) -> float | None:
    """Plan pace: plan × elapsed share for flows, the plan for stocks and rates."""
    if plan is None or pd.isna(plan):
        return None
    return float(plan) * share if kind == "flow" else float(plan)


def attainment(value: float | None, expected: float | None, higher_is_better: bool) -> float | None:
    if value is None or expected is None or pd.isna(value) or pd.isna(expected) or expected <= 0:
        return None
    if higher_is_better:
        return float(value) / float(expected)
    return float(expected) / float(value) if value > 0 else None


def status(value, expected, att, higher_is_better: bool, on_track: float, at_risk: float) -> str | None:
    """on_track / at_risk / off_track from attainment; without a ratio, from the side of the
    expected value the actual is on; None without a plan."""
    if att is not None and not pd.isna(att):
        return "on_track" if att >= on_track else "at_risk" if att >= at_risk else "off_track"
    if value is None or expected is None or pd.isna(value) or pd.isna(expected):
        return None
    good = value >= expected if higher_is_better else value <= expected
    return "on_track" if good else "off_track"


def change(value: float | None, base: float | None, unit: str) -> float | None:
    """Change from `base` to `value`: percentage points (as a fraction) for pct metrics,
    relative change otherwise (None when the base is zero or negative)."""
    if value is None or base is None or pd.isna(value) or pd.isna(base):
        return None
    if unit == "pct":
        return float(value) - float(base)
    if base <= 0:
        return None
    return float(value) / float(base) - 1


def fmt_change(v: float | None, unit: str, lang: str) -> str:
    """'+1.2 pp' for percentage metrics, '+18%' for others ('—' without a change)."""
    if v is None or pd.isna(v):
        return "—"
    if unit == "pct":
        return i18n.t("diagnosis.pp", lang, v=f"{v * 100:+.1f}")
    return f"{v * 100:+.0f}%" if abs(v) >= 0.1 else f"{v * 100:+.1f}%"


def thresholds(db: Database) -> tuple[float, float]:
    """(on track from, at risk from) attainment, from the settings."""
    return float(settings.get(db, "status_on_track")), float(settings.get(db, "status_at_risk"))


# ---------------------------------------------------------------- plan of a scope
def target(db: Database, key: str, quarter: Quarter, scope: Scope) -> float | None:
    """The quarter's target of `key` for `scope`, None when there is none or it does not apply
    under the scope's customer-type filter."""
    if not applies(key, scope):
        return None
    level, sid = metrics.scope_level(scope)
    return metrics.target(db, key, quarter, level, sid)


def peer(db: Database, key: str, quarter: Quarter, scope: Scope) -> float | None:
    return metrics.peer(db, key, quarter) if applies(key, scope) else None


def share(db: Database, quarter: Quarter) -> float:
    """The elapsed share of the quarter's days the data reaches."""
    return quarter.elapsed_share(metrics.period(db, quarter).period_end)


@dataclass(frozen=True)
class Assessment:
    plan: float | None
    expected: float | None
    attainment: float | None
    status: str | None


def assess(key: str, value: float | None, plan: float | None, share: float,
           limits: tuple[float, float]) -> Assessment:
    """Expected, attainment and status of `value` against `plan` at `share` of the quarter."""
    m = metrics.metric(key)
    exp = expected(plan, m.kind, share)
    att = attainment(value, exp, m.higher_is_better)
    return Assessment(plan, exp, att, status(value, exp, att, m.higher_is_better, *limits))


def assess_in(db: Database, key: str, quarter: Quarter, scope: Scope, value: float | None) -> Assessment:
    """`assess` with the plan of `scope` and the share of the quarter the data reaches."""
    return assess(key, value, target(db, key, quarter, scope), share(db, quarter), thresholds(db))


# ---------------------------------------------------------------- like-for-like comparisons
def comparison_day(db: Database, quarter: Quarter | str) -> int | None:
    """Days into the quarter the data reaches while it is running (None once it is complete)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    p = metrics.period(db, quarter)
    if p.period_end >= quarter.end:
        return None
    return (p.period_end - quarter.start).days


def same_day(q: Quarter, day: int | None) -> date | None:
    return None if day is None else min(q.start + timedelta(days=day), q.end)


def compared_cut(kind: str, q: Quarter, other: Quarter, day: int | None) -> date | None:
    """The as-of day at which `other` is read when compared with `q` (None: the whole quarter):
    the same day of its quarter for flows and rates while `q` runs; stocks compare snapshots."""
    return None if (other == q or kind == "stock") else same_day(other, day)


def compared_period(db: Database, key: str, q: Quarter, other: Quarter, day: int | None = None) -> metrics.Period:
    day = comparison_day(db, q) if day is None else day
    return metrics.period(db, other, compared_cut(metrics.metric(key).kind, q, other, day))


def card(db: Database, key: str, quarter: Quarter | str, scope: Scope) -> dict:
    """One KPI of one quarter and scope as every card shows it: value, prev (last quarter like
    for like), qoq (change), plan, expected, attainment, status."""
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    m = metrics.metric(key)
    jobs = {"value": (key, metrics.period(db, q))}
    if q.prev() in metrics.quarters_in_data(db):
        jobs["prev"] = (key, compared_period(db, key, q, q.prev()))
    got = metrics.compute_many(db, jobs, scope)
    value, prev = got.get("value"), got.get("prev")
    a = assess_in(db, key, q, scope, value)
    return {"key": key, "value": value, "prev": prev, "qoq": change(value, prev, m.unit), "plan": a.plan,
            "expected": a.expected, "attainment": a.attainment, "status": a.status}


# ---------------------------------------------------------------- ranking
def weakest(table: pd.DataFrame, keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """KPIs of `table` (columns key, available, status, attainment) that are at risk or off track,
    furthest below plan first (no ratio counts as furthest); adds ``shortfall``."""
    if table.empty:
        return table.assign(shortfall=pd.Series(dtype=float))
    df = table[table["available"] & table["status"].isin(["at_risk", "off_track"])].copy()
    if keys is not None:
        df = df[df["key"].isin(keys)]
    df["shortfall"] = (1 - pd.to_numeric(df["attainment"], errors="coerce")).fillna(1.0)
    return df.sort_values(["shortfall", "key"], ascending=[False, True]).reset_index(drop=True)
