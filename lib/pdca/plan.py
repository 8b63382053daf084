"""PDCA: the quarter's weeks and phases, milestones, campaigns on the calendar, weekly burn-ups
with a run-rate forecast, the weekly review's KPI comparison and notes, and the meeting agenda.

No Streamlit here. Definitions:
- Weeks come from ``lib.core.periods``: calendar quarters, week 1 starts on the quarter's first day
  (whatever the weekday), weeks are 7 days, week 13 runs from day 85 to the last day (6-8 days).
- Phases (setting ``pdca_phases``): the playbook's 12 weeks -- preparation (week 1), push (weeks 2-9),
  sprint and next quarter's pipeline (weeks 10-12) -- and week 13 for wrap-up and next quarter's
  preparation. Phases must be contiguous and cover weeks 1..13; the wrap-up may be left out (None),
  then the sprint runs to week 13 (settings saved before the wrap-up existed read that way).
- Next-quarter reserve (下季度线索储备): leads flagged ``reserve`` or at stage ``reserved``, counted in
  the quarter they were contacted (built mostly in the sprint) and carried into the next quarter's
  pipeline view; the expected amount is the lead's ``amount``.
- Sprint offers: campaigns flagged ``sprint_offer``; the timeline draws them in the sprint row.
- Milestones: saved per quarter in ``qd_pdca_milestones``; until a quarter's milestones are
  saved, the playbook's defaults are shown. Ledger due dates and campaigns come from the data.
- Burn-up of a key target (a registry metric with a target for the quarter in the viewer's
  scope): the actual by week (cumulative for flows, the level for stocks, the value to date for
  rates — from ``lib.diagnosis.diagnose.trend``), last quarter's curve at the same weeks, and the plan pace
  of ``lib.metrics.plan`` at each week's end (flows target × elapsed share of days; stocks and rates the
  target). Run-rate forecast at quarter end: flows actual ÷ elapsed share; stocks opening level +
  change so far ÷ elapsed share; rates the value to date. Needed per week: what is left to reach
  the target ÷ the weeks left (days left / 7). Status (on track / at risk / off track) is
  ``lib.metrics.plan``'s, the same as Diagnosis shows for the KPI, scope and day.
- Weekly review: for flows, the last 7 days to the as-of day against the 7 days before; for stocks
  and rates, the value at the as-of day against 7 days earlier.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from lib.core import audit
from lib.core import auth
from lib.metrics import cube
from lib.diagnosis import diagnose as diagnosis
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.metrics import plan
from lib.core import settings
from lib.core import writes
from lib.core.db import WHOLE_BANK, Database, Scope
from lib.core.periods import WEEKS, Quarter

PHASES = ("prepare", "push", "sprint", "wrapup")
OPTIONAL_PHASES = ("wrapup",)  # may be None: the phase before it then ends in the last week
PREFERRED_TARGETS = ("new_customers", "fee_income", "net_new_money", "aum", "corp_deposits", "wealth_penetration")
AGENDA = ("diagnosis", "tiering", "channels", "team", "pdca")
AGENDA_FILES = {"diagnosis": ("pages/diagnosis.py",), "tiering": ("pages/tiering.py", "pages/tiers.py"),
                "channels": ("pages/channels.py",), "team": ("pages/team.py",), "pdca": ("pages/pdca.py",)}


def _q(quarter) -> Quarter:
    return quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)


# ---------------------------------------------------------------- weeks and phases
def _span(v) -> tuple[int, int] | None:
    return None if v is None else (int(v[0]), int(v[1]))


def _parse_phases(raw) -> dict[str, tuple[int, int] | None]:
    """Phases from a setting or a form: every phase a (first, last) week pair, an optional one None
    when missing."""
    return {p: _span(raw.get(p)) if p in OPTIONAL_PHASES else _span(raw[p]) for p in PHASES}


def get_phases(db: Database) -> dict[str, tuple[int, int] | None]:
    raw = settings.get(db, "pdca_phases")
    try:
        ph = _parse_phases(raw)
        return ph if not validate_phases(ph) else _default_phases()
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return _default_phases()


def _default_phases() -> dict[str, tuple[int, int] | None]:
    return _parse_phases(settings.DEFAULTS["pdca_phases"])


def validate_phases(ph: dict) -> list[str]:
    """Error codes (empty when fine): the phases follow each other from week 1 to week 13 (an
    optional phase left out, None, is skipped)."""
    try:
        spans = [s for s in _parse_phases(ph).values() if s is not None]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return ["phases"]
    expected = 1
    for a, b in spans:
        if a != expected or b < a:
            return ["phases"]
        expected = b + 1
    return [] if expected == WEEKS + 1 else ["phases"]


def save_phases(db: Database, ph: dict) -> None:
    if validate_phases(ph):
        raise ValueError(i18n.t("pdca.err.phases", "en", weeks=WEEKS))
    ph = _parse_phases(ph)
    settings.put(db, "pdca_phases", {p: None if s is None else [s[0], s[1]] for p, s in ph.items()})  # bumps the version


def phase_of_week(ph: dict, n: int) -> str:
    for p in PHASES:
        if ph.get(p) is not None and ph[p][0] <= n <= ph[p][1]:
            return p
    return [p for p in PHASES if ph.get(p) is not None][-1]


def phase_weeks(ph: dict, phase: str) -> list[int]:
    """The weeks of a phase (empty when the phase is left out)."""
    s = ph.get(phase)
    return [] if s is None else list(range(s[0], s[1] + 1))


def weeks(quarter, ph: dict | None = None) -> pd.DataFrame:
    """One row per week: week, start, end, days, phase."""
    q = _q(quarter)
    ph = ph or _default_phases()
    rows = [{"week": n, "start": q.week_start(n), "end": q.week_end(n),
             "days": (q.week_end(n) - q.week_start(n)).days + 1, "phase": phase_of_week(ph, n)}
            for n in range(1, WEEKS + 1)]
    return pd.DataFrame(rows)


def phase_spans(quarter, ph: dict) -> pd.DataFrame:
    """One row per phase: phase, first_week, last_week, start, end (end inclusive)."""
    q = _q(quarter)
    return pd.DataFrame([{"phase": p, "first_week": a, "last_week": b, "start": q.week_start(a), "end": q.week_end(b)}
                         for p, (a, b) in ((p, ph[p]) for p in PHASES if ph.get(p) is not None)],
                        columns=["phase", "first_week", "last_week", "start", "end"])


# ---------------------------------------------------------------- milestones
def default_milestones(quarter, ph: dict, lang: str = "en") -> pd.DataFrame:
    q = _q(quarter)
    push_mid = (ph["push"][0] + ph["push"][1]) // 2
    rows = [(q.start, "kickoff"), (q.week_end(ph["prepare"][1]), "training"), (q.week_end(push_mid), "midpoint"),
            (q.week_start(ph["sprint"][0]), "sprint"), (q.week_end(ph["sprint"][1]), "pipeline"), (q.end, "retro")]
    return pd.DataFrame([{"day": d, "label": i18n.t(f"pdca.ms.{k}", lang), "week": q.week_of(d), "source": "default"}
                         for d, k in rows])


def milestones(db: Database, quarter: str, lang: str = "en", ph: dict | None = None) -> pd.DataFrame:
    """The quarter's milestones (day, label, week, source 'saved' or 'default'), by day."""
    q = _q(quarter)
    df = db.query("SELECT day, label FROM qd_pdca_milestones WHERE quarter = ? ORDER BY day, milestone_id",
                  [str(q)])
    saved = bool(db.scalar("SELECT count(*) FROM qd_meta WHERE key = ?", [f"pdca_milestones_{q}"]))
    if not saved:
        return default_milestones(q, ph or get_phases(db), lang)
    df["day"] = [pd.Timestamp(d).date() for d in df["day"]]
    df["week"] = [q.week_of(d) for d in df["day"]]
    df["source"] = "saved"
    return df.reset_index(drop=True)


def validate_milestones(quarter: str, rows: list[dict], lang: str = "en") -> list[str]:
    q = _q(quarter)
    out = []
    for r in rows:
        d, label = r.get("day"), str(r.get("label") or "").strip()
        no_day = d is None or pd.isna(d)
        if no_day and not label:
            continue  # an empty row the editor left behind
        if no_day or not label:
            out.append(i18n.t("pdca.err.milestone_label", lang))
            continue
        d = pd.Timestamp(d).date()
        if not q.contains(d):
            out.append(i18n.t("pdca.err.milestone_day", lang, label=label, day=d.isoformat(), quarter=str(q)))
    return out


def save_milestones(db: Database, quarter: str, rows: list[dict], user: str, lang: str = "en") -> int:
    """Replace the quarter's milestones with `rows` (day, label); returns how many were saved."""
    errs = validate_milestones(quarter, rows, lang)
    if errs:
        raise ValueError(" ".join(errs))
    keep = [(pd.Timestamp(r["day"]).date(), str(r["label"]).strip()) for r in rows
            if r.get("day") is not None and not pd.isna(r.get("day")) and str(r.get("label") or "").strip()]
    who = auth.check(None, "settings", db=db, target=f"milestones {quarter}")  # the quarter plan: editors and admins (lib.core.auth)
    with writes.transaction(db, "plan") as cur:
        audit.record(db, who, "ledger_edit", {"quarter": quarter, "milestones": len(keep)}, cur=cur)
        cur.execute("DELETE FROM qd_pdca_milestones WHERE quarter = ?", [quarter])
        for i, (d, label) in enumerate(sorted(keep), start=1):
            cur.execute("INSERT INTO qd_pdca_milestones VALUES (?, ?, ?, ?, 'milestone', ?, now())",
                        [quarter, i, d, label, user])
        db.set_meta(f"pdca_milestones_{quarter}", "saved", cur)
    return len(keep)


# ---------------------------------------------------------------- calendar items from the data
def campaigns(db: Database, quarter: str) -> pd.DataFrame:
    """Campaigns overlapping the quarter, clipped to it: campaign_id, campaign_name, channel,
    sprint_offer, start, end, first_week, last_week (a campaign without an end date runs to the
    quarter's end)."""
    q = _q(quarter)
    df = db.query("""
SELECT campaign_id, campaign_name, channel, coalesce(sprint_offer, false) AS sprint_offer,
       greatest(start_date, ?::DATE) AS start,
       least(coalesce(end_date, ?::DATE), ?::DATE) AS "end"
FROM campaigns WHERE start_date <= ? AND coalesce(end_date, ?::DATE) >= ?
ORDER BY start, campaign_id""", [q.start, q.end, q.end, q.end, q.end, q.start])
    for c in ("start", "end"):
        df[c] = [pd.Timestamp(v).date() for v in df[c]]
    df["first_week"] = [q.week_of(d) for d in df["start"]]
    df["last_week"] = [q.week_of(d) for d in df["end"]]
    df["sprint_offer"] = df["sprint_offer"].astype(bool)
    return df


def sprint_offers(camp: pd.DataFrame, ph: dict) -> pd.DataFrame:
    """The quarter's sprint offers (``campaigns`` rows flagged sprint_offer) with ``in_sprint``: whether
    they run inside the sprint weeks (an offer outside them is still listed, so it can be moved)."""
    df = camp[camp["sprint_offer"]].copy()
    sw = phase_weeks(ph, "sprint")
    df["in_sprint"] = [bool(sw) and a <= sw[-1] and b >= sw[0] for a, b in zip(df["first_week"], df["last_week"])]
    return df.reset_index(drop=True)


# ---------------------------------------------------------------- next-quarter reserve
RESERVE = "(coalesce(l.reserve, false) OR coalesce(l.stage, '') = 'reserved')"
RESERVE_COLS = ["lead_id", "customer_id", "rm_id", "rm_name", "branch_id", "contact_date", "week", "phase",
                "channel", "campaign_name", "product_name", "amount", "converted", "converted_date"]


def reserve_leads(db: Database, quarter: str, scope: Scope = WHOLE_BANK) -> pd.DataFrame:
    """Reserve leads contacted in `quarter` (built for the next one), in the viewer's scope: the
    lead, its customer's RM and branch (the lead's prospects only in the whole bank, RM empty), the
    contact day's week and phase, channel, campaign, product, expected amount and whether it has
    converted since. Sorted by amount, largest first."""
    q = _q(quarter)
    sc, params = scope.customer_filter("c", "sc")
    df = db.query(f"""
SELECT l.lead_id, l.customer_id, c.rm_id, s.rm_name, c.branch_id, l.contact_date, l.channel,
       cp.campaign_name, p.product_name, l.amount, coalesce(l.converted, false) OR l.stage = 'converted' AS converted,
       l.converted_date
FROM leads l LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN staff s ON s.rm_id = c.rm_id
LEFT JOIN campaigns cp ON cp.campaign_id = l.campaign_id
LEFT JOIN products p ON p.product_id = l.product_id
WHERE {RESERVE} AND l.contact_date BETWEEN $q_start AND $q_end AND {sc}
ORDER BY l.amount DESC NULLS LAST, l.lead_id""", {**params, "q_start": q.start, "q_end": q.end})
    ph = get_phases(db)
    df["contact_date"] = [pd.Timestamp(v).date() for v in df["contact_date"]]
    df["week"] = [q.week_of(d) for d in df["contact_date"]]
    df["phase"] = [phase_of_week(ph, w) for w in df["week"]]
    df["amount"] = pd.to_numeric(df["amount"], errors="coerce").astype(float)
    df["converted"] = df["converted"].fillna(False).astype(bool)
    return df[RESERVE_COLS]


def reserve_summary(df: pd.DataFrame) -> dict:
    """Count, expected amount, converted count and amount, and the split by RM (rm_id, rm_name,
    leads, amount; leads without an RM under rm_id None) of reserve leads."""
    by_rm = (df.assign(rm_id=df["rm_id"].astype(object).where(df["rm_id"].notna(), None))
             .groupby(["rm_id", "rm_name"], dropna=False, as_index=False)
             .agg(leads=("lead_id", "count"), amount=("amount", "sum"))
             .sort_values(["amount", "leads"], ascending=False).reset_index(drop=True))
    conv = df[df["converted"]]
    return {"leads": int(len(df)), "amount": float(df["amount"].sum()), "converted": int(len(conv)),
            "converted_amount": float(conv["amount"].sum()), "by_rm": by_rm}


def pipeline_reserve(db: Database, quarter: str, scope: Scope = WHOLE_BANK) -> dict:
    """The reserve carried into `quarter`'s plan: the previous quarter's reserve leads (what the
    sprint booked for this quarter) and how many of them have converted so far; plus the reserve
    built in this quarter for the next one. Keys: carried_from, carried (``reserve_summary``),
    carried_leads, built, built_leads, next."""
    q = _q(quarter)
    prev = str(q.prev())
    carried, built = reserve_leads(db, prev, scope), reserve_leads(db, str(q), scope)
    return {"carried_from": prev, "carried": reserve_summary(carried), "carried_leads": carried,
            "built": reserve_summary(built), "built_leads": built, "next": str(q.next())}


def ledger_due(db: Database, quarter: str) -> pd.DataFrame:
    """Open ledger items by due date: day, n."""
    df = db.query("SELECT due_date AS day, count(*) AS n FROM ledger WHERE quarter = ? AND due_date IS NOT NULL "
                  "AND status NOT IN ('resolved', 'closed') GROUP BY 1 ORDER BY 1", [quarter])
    df["day"] = [pd.Timestamp(v).date() for v in df["day"]]
    return df


def timeline(db: Database, quarter: str, lang: str = "en") -> dict:
    """Everything the Gantt shows: weeks, phases, milestones, campaigns, ledger due dates."""
    ph = get_phases(db)
    camp = campaigns(db, quarter)
    return {"weeks": weeks(quarter, ph), "phases": phase_spans(quarter, ph), "phase_weeks": ph,
            "milestones": milestones(db, quarter, lang, ph), "campaigns": camp,
            "sprint_offers": sprint_offers(camp, ph), "ledger_due": ledger_due(db, quarter)}


# ---------------------------------------------------------------- burn-up
def key_targets(db: Database, quarter: str, scope: Scope) -> list[str]:
    """Registry metrics with a target for the quarter in the viewer's scope, the preferred
    burn-up metrics first, then flows, stocks, rates."""
    level, sid = metrics.scope_level(scope)
    have = {r[0] for r in db.rows("SELECT DISTINCT metric FROM targets WHERE quarter = ? AND scope = ? AND "
                                  "scope_id = ? AND coalesce(week, 0) = 0", [quarter, level, sid])}
    keys = []
    for k in have:
        try:
            m = metrics.metric(k)
        except KeyError:
            continue
        if plan.applies(k, scope):
            keys.append(m)
    order = {"flow": 0, "stock": 1, "rate": 2}
    pref = {k: i for i, k in enumerate(PREFERRED_TARGETS)}
    keys.sort(key=lambda m: (pref.get(m.key, 99), order.get(m.kind, 3), m.key))
    return [m.key for m in keys]


def default_targets(keys: list[str], n: int = 3) -> list[str]:
    return [k for k in keys if k in PREFERRED_TARGETS][:n] or keys[:n]


def forecast(kind: str, higher_is_better: bool, actual: float | None, target: float | None, share: float,
             days_elapsed: int, days_left: int, start: float | None = None,
             limits: tuple[float, float] = (settings.DEFAULTS["status_on_track"],
                                            settings.DEFAULTS["status_at_risk"])) -> dict:
    """Pace, attainment, status, run-rate forecast and needed per week for one target at one
    moment. `share` is the elapsed share of the quarter; `start` the opening level of a stock;
    `limits` the status thresholds (``lib.metrics.plan.thresholds``). Pace and status are ``lib.metrics.plan``'s."""
    out = {"pace": None, "forecast": None, "needed_per_week": None, "rate_per_week": None,
           "weeks_left": days_left / 7, "status": None, "attainment": None, "gap": None,
           "forecast_attainment": None}
    if actual is None or pd.isna(actual):
        return out
    weeks_elapsed = days_elapsed / 7
    if kind == "flow":
        out["forecast"] = actual / share if share > 0 else None
        out["rate_per_week"] = actual / weeks_elapsed if weeks_elapsed > 0 else None
    elif kind == "stock":
        base = actual if start is None or pd.isna(start) else start
        out["forecast"] = base + (actual - base) / share if share > 0 else None
        out["rate_per_week"] = (actual - base) / weeks_elapsed if weeks_elapsed > 0 else None
    else:
        out["forecast"] = actual
    if target is None:
        return out
    out["pace"] = plan.expected(target, kind, share)
    if kind in ("flow", "stock"):
        left = target - actual
        if days_left <= 0:
            out["needed_per_week"] = None
        else:
            out["needed_per_week"] = (max(left, 0.0) if higher_is_better else min(left, 0.0)) / (days_left / 7)
    out["attainment"] = plan.attainment(actual, out["pace"], higher_is_better)
    out["status"] = plan.status(actual, out["pace"], out["attainment"], higher_is_better, *limits)
    out["gap"] = actual - out["pace"]
    if out["forecast"] is not None and target:
        out["forecast_attainment"] = (out["forecast"] / target if higher_is_better
                                      else (target / out["forecast"] if out["forecast"] else None))
    return out


def burnup(db: Database, key: str, quarter: str, scope: Scope) -> dict:
    """The burn-up of one key target: ``frame`` (week 0..13 with actual, plan, last_quarter,
    forecast columns) and the summary figures of ``forecast`` plus target, actual, as_of, week."""
    q = _q(quarter)
    m = metrics.metric(key)
    tr = diagnosis.trend(db, key, str(q), scope, "week")
    p = metrics.period(db, q)
    as_of = p.period_end
    target = plan.target(db, key, q, scope)
    start = None
    if m.kind == "stock":
        prev = q.prev()
        start = metrics.compute(db, key, prev, scope) if prev in metrics.quarters_in_data(db) else None
    actual_s = tr[tr.series == "actual"].set_index("step")["value"]
    last_s = tr[tr.series == "last_quarter"].set_index("step")["value"]
    actual = float(actual_s.iloc[-1]) if len(actual_s) and not pd.isna(actual_s.iloc[-1]) else None
    share = q.elapsed_share(as_of)
    days_elapsed = (as_of - q.start).days + 1
    days_left = (q.end - as_of).days
    fc = forecast(m.kind, m.higher_is_better, actual, target, share, days_elapsed, days_left, start,
                  plan.thresholds(db))
    base = 0.0 if m.kind == "flow" else start
    rows = []
    for n in range(0, WEEKS + 1):
        end = q.start - timedelta(days=1) if n == 0 else q.week_end(n)
        sh = 0.0 if n == 0 else q.elapsed_share(end)
        pace = plan.expected(target, m.kind, sh) if (n or m.kind == "flow") else None
        act = actual_s.get(n) if n else base
        lq = last_s.get(n) if n else (0.0 if m.kind == "flow" else None)
        rows.append({"week": n, "end": end, "actual": act, "plan": pace, "last_quarter": lq, "forecast": None})
    df = pd.DataFrame(rows)
    week_now = q.week_of(as_of) if q.contains(as_of) else WEEKS
    if fc["forecast"] is not None and as_of < q.end:
        # the forecast line: from the latest actual to the forecast at quarter end
        df.loc[df.week == week_now, "forecast"] = actual
        df.loc[df.week == WEEKS, "forecast"] = fc["forecast"]
        for n in range(week_now + 1, WEEKS):
            w = (q.week_end(n) - as_of).days / max((q.end - as_of).days, 1)
            df.loc[df.week == n, "forecast"] = actual + (fc["forecast"] - actual) * w
    for c in ("actual", "plan", "last_quarter", "forecast"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    ph = get_phases(db)
    return {"key": key, "kind": m.kind, "unit": m.unit, "higher_is_better": m.higher_is_better,
            "target": target, "actual": actual, "start": start, "as_of": as_of, "week": week_now,
            "share": share, "frame": df, "phases": ph, "phase": phase_of_week(ph, week_now), **fc}


def burnups(db: Database, keys: tuple[str, ...], quarter: str, scope: Scope) -> dict[str, dict]:
    return {k: burnup(db, k, quarter, scope) for k in keys}


def burnup_table(bus: dict[str, dict], lang: str) -> pd.DataFrame:
    """One row per key target with formatted figures (the burn-up summary and the pack)."""
    rows = []
    for k, b in bus.items():
        m = metrics.metric(k)
        fv = lambda v, u=m.unit: i18n.fmt_value(v, u, lang)  # noqa: E731
        rows.append({"key": k, "metric": m.label(lang), "target": fv(b["target"]), "actual": fv(b["actual"]),
                     "pace": fv(b["pace"]), "forecast": fv(b["forecast"]),
                     "needed": fv(b["needed_per_week"]) if b["needed_per_week"] is not None else "—",
                     "status": b["status"] or "none"})
    return pd.DataFrame(rows, columns=["key", "metric", "target", "actual", "pace", "forecast", "needed", "status"])


def burnup_sentence(b: dict, lang: str) -> str:
    """The status against plan pace in words, the forecast, and what is still needed per week."""
    m = metrics.metric(b["key"])
    fv = lambda v: i18n.fmt_value(v, m.unit, lang)  # noqa: E731
    if b["status"] is None:
        return i18n.t("pdca.bu.no_plan", lang)
    att = i18n.fmt_pct(b["forecast_attainment"], lang, 0) if b["forecast_attainment"] is not None else "—"
    now = i18n.fmt_pct(b["attainment"], lang, 0) if b["attainment"] is not None else "—"
    s = i18n.t("pdca.bu.sentence", lang, status=i18n.t(f"diagnosis.status.{b['status']}", lang), now=now,
               actual=fv(b["actual"]), pace=fv(b["pace"]), forecast=fv(b["forecast"]), att=att,
               target=fv(b["target"]))
    if b["kind"] == "rate":
        tail = i18n.t("pdca.bu.needed_rate", lang, target=fv(b["target"]), actual=fv(b["actual"]))
    elif not b["higher_is_better"]:
        tail = i18n.t("pdca.bu.needed_lower", lang, target=fv(b["target"]))
    elif b["needed_per_week"] is None or b["needed_per_week"] <= 0:
        tail = i18n.t("pdca.bu.needed_done", lang)
    else:
        tail = i18n.t("pdca.bu.needed", lang, needed=fv(b["needed_per_week"]), weeks=f"{b['weeks_left']:.1f}",
                      rate=fv(b["rate_per_week"]))
    return f"{s} {tail}"


# ---------------------------------------------------------------- weekly review
def _weekly_days(db: Database, q: Quarter) -> tuple[date, date, date]:
    as_of = metrics.period(db, q).period_end
    return as_of, as_of - timedelta(days=7), as_of - timedelta(days=14)


def weekly_cuts(db: Database, quarter) -> list[date]:
    """The as-of days the weekly review computes (inside the quarter); the cube keeps them (cube_jobs)."""
    q = _q(quarter)
    return [d for d in _weekly_days(db, q) if d >= q.start]


def cube_jobs(db: Database) -> cube.Jobs:
    """What the metric cube keeps for this page (lib/warmup.py collects it): for the default
    burn-up targets of the latest quarter, the weeks (and months) of the burn-up and the weekly
    review's days."""
    quarters = metrics.quarters_in_data(db)
    if not quarters:
        return cube.Jobs()
    latest = quarters[0]
    keys = default_targets(key_targets(db, str(latest), WHOLE_BANK))
    pairs = [(key, metrics.period(db, pq, cut)) for key in keys for grain in ("week", "month")
             for pq, cut in diagnosis.trend_cuts(db, latest, grain)]
    pairs += [(key, metrics.period(db, latest, cut)) for key in keys for cut in weekly_cuts(db, latest)]
    return cube.Jobs(pairs=pairs)


def weekly_kpis(db: Database, quarter: str, scope: Scope, keys: tuple[str, ...]) -> pd.DataFrame:
    """This week against last week for each key: key, kind, unit, this_week, last_week, change
    (see the module docstring), plus the window dates."""
    q = _q(quarter)
    as_of, d1, d2 = _weekly_days(db, q)

    def at(key: str, d: date):
        if d < q.start:
            return 0.0 if metrics.metric(key).kind == "flow" else None
        v = metrics.compute(db, key, q, scope, as_of=d)
        return None if v is None or pd.isna(v) else float(v)

    rows = []
    for k in keys:
        m = metrics.metric(k)
        c0, c1 = at(k, as_of), at(k, d1)
        if m.kind == "flow":
            c2 = at(k, d2)
            this = None if c0 is None or c1 is None else c0 - c1
            last = None if c1 is None or c2 is None else c1 - c2
        else:
            this, last = c0, c1
        rows.append({"key": k, "kind": m.kind, "unit": m.unit, "higher_is_better": m.higher_is_better,
                     "this_week": this, "last_week": last,
                     "change": plan.change(this, last, m.unit) if last is not None else None,
                     "from": d1 + timedelta(days=1), "to": as_of})
    return pd.DataFrame(rows)


def review(db: Database, quarter: str, week: int) -> dict:
    """Saved notes of a week's review and when the meeting was marked held."""
    row = db.rows("SELECT notes, held_at, username FROM qd_pdca_reviews WHERE quarter = ? AND week = ?",
                  [quarter, week])
    if not row:
        return {"notes": "", "held_at": None, "username": None}
    return {"notes": row[0][0] or "", "held_at": row[0][1], "username": row[0][2]}


def save_review(db: Database, quarter: str, week: int, notes: str, user: str, held: bool = False) -> None:
    who = auth.check(None, "ledger", db=db, target=f"review {quarter} week {week}")  # review notes: editors and admins (lib.core.auth)
    with writes.transaction(db, "plan") as cur:
        audit.record(db, who, "ledger_edit", {"quarter": quarter, "week": week, "review_notes": True,
                                              "held": held}, cur=cur)
        prev = cur.execute("SELECT held_at FROM qd_pdca_reviews WHERE quarter = ? AND week = ?",
                           [quarter, week]).fetchone()
        held_at = datetime.now() if held else (prev[0] if prev else None)
        cur.execute("DELETE FROM qd_pdca_reviews WHERE quarter = ? AND week = ?", [quarter, week])
        cur.execute("INSERT INTO qd_pdca_reviews VALUES (?, ?, ?, ?, ?, now())",
                    [quarter, week, notes or "", held_at, user])


def review_focus(db: Database, quarter: str, week: int, scope: Scope = WHOLE_BANK) -> dict:
    """What the weekly review of `week` looks at besides the KPIs, by the week's phase: the phase,
    the sprint offers running that week, and -- in the sprint and the wrap-up -- the reserve built
    for next quarter so far (``reserve_summary``); in the first weeks (preparation, push) the reserve
    carried in from last quarter."""
    ph = get_phases(db)
    phase = phase_of_week(ph, week)
    offers = sprint_offers(campaigns(db, quarter), ph)
    offers = offers[(offers["first_week"] <= week) & (offers["last_week"] >= week)].reset_index(drop=True)
    out = {"phase": phase, "week": week, "quarter": str(_q(quarter)), "offers": offers, "reserve": None,
           "carried": None, "next": str(_q(quarter).next()), "prev": str(_q(quarter).prev())}
    if phase in ("sprint", "wrapup"):
        out["reserve"] = reserve_summary(reserve_leads(db, quarter, scope))
    else:
        out["carried"] = reserve_summary(reserve_leads(db, out["prev"], scope))
    return out


def last_meeting(db: Database, quarter: str, week: int) -> datetime:
    """When the last review meeting before `week` was held; without one, the start of `week`."""
    held = db.scalar("SELECT max(held_at) FROM qd_pdca_reviews WHERE quarter = ? AND week < ? "
                     "AND held_at IS NOT NULL", [quarter, week])
    if held is not None:
        return pd.Timestamp(held).to_pydatetime()
    return datetime.combine(_q(quarter).week_start(week), datetime.min.time())


# ---------------------------------------------------------------- agenda
def registered_pages(app_source: str) -> list[str]:
    """Page files registered in app.py's navigation, in order."""
    return re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', app_source)


def agenda(app_path: str | Path | None = None) -> list[tuple[str, str]]:
    """The meeting agenda (step, page file) in the order Diagnosis -> Tiering -> Channels -> Team ->
    PDCA, keeping only the pages registered in app.py."""
    path = Path(app_path) if app_path else Path(__file__).resolve().parent.parent.parent / "app.py"
    pages = registered_pages(path.read_text(encoding="utf-8"))
    out = []
    for step in AGENDA:
        for f in AGENDA_FILES[step]:
            if f in pages:
                out.append((step, f))
                break
    return out


def next_step(steps: list[tuple[str, str]], current: str) -> tuple[str, str] | None:
    names = [s for s, _ in steps]
    if current not in names:
        return steps[0] if steps else None
    i = names.index(current)
    return steps[i + 1] if i + 1 < len(steps) else None
