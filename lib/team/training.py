"""Training programmes by tier: the plan's programmes, which weak spot each serves, and who is
enrolled in and has finished them (``training_enrolments``).

No Streamlit here. Rules:
- Programmes (``PROGRAMMES``) and their audience: the 30-day onboarding camp for new RMs (10 days
  products, 10 days sales scripts, 10 days shadowing a senior RM), the wealth-management master
  class and the digital-marketing camp for senior RMs, OKR training for managers.
- Each assessment dimension (a weak spot of lib.team.capability) maps to one programme through the
  ``training_map`` setting (defaults in lib.core.settings); a dimension the setting lacks goes to
  ``FALLBACK`` (the onboarding camp, which covers products and scripts).
- An enrolment is one RM in one programme in one quarter, ``enrolled`` or ``done``; a weak spot's
  participant counts as enrolled / done when they have such a row in the programme of the weak
  spot for the plan's quarter (the one after the assessed quarter) or the assessed quarter itself.
- Writes (``save_enrolment``): editors and admins (lib.core.auth action ``ledger``); marking one done
  without a completion day sets it to today; a completion day before the enrolment day is refused.
  Each save writes a ``team_edit`` audit row in the same transaction (lib.core.writes).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lib.core import audit
from lib.core import auth
from lib.core import i18n
from lib.core import schema
from lib.core import settings
from lib.core import writes
from lib.core.db import Database
from lib.core.periods import Quarter

PROGRAMMES = tuple(schema.TRAINING_PROGRAMME)
AUDIENCE = {"onboarding_camp": "new", "wealth_master_class": "senior", "digital_marketing_camp": "senior",
            "okr_training": "manager"}
DAYS = {"onboarding_camp": 30}
ONBOARDING_BLOCKS = (("products", 10), ("scripts", 10), ("shadowing", 10))
STATUSES = tuple(schema.TRAINING_STATUS)
FALLBACK = "onboarding_camp"


class TrainingError(ValueError):
    def __init__(self, problems: list[tuple[str, dict]]):
        self.problems = problems
        super().__init__(" ".join(self.messages("en")))

    def messages(self, lang: str = "en") -> list[str]:
        return [i18n.t(f"team.train.err.{code}", lang, **params) for code, params in self.problems]


def mapping(db: Database) -> dict[str, str]:
    """The ``training_map`` setting, known programmes only."""
    raw = settings.get(db, "training_map") or {}
    return {str(k): v for k, v in dict(raw).items() if v in PROGRAMMES}


def programme_for(dimension: str, m: dict[str, str]) -> str:
    return m.get(dimension, FALLBACK)


def save_mapping(db: Database, m: dict[str, str], viewer=None) -> dict[str, str]:
    """Save the dimension → programme mapping (plan settings: editors and admins, audited by settings)."""
    bad = [f"{k} → {v}" for k, v in m.items() if v not in PROGRAMMES]
    if bad:
        raise TrainingError([("programme", {"value": bad[0], "allowed": ", ".join(PROGRAMMES)})])
    clean = {**mapping(db), **{str(k): v for k, v in m.items()}}
    settings.put(db, "training_map", clean, viewer)
    return clean


def label(programme: str, lang: str) -> str:
    k = f"team.train.prog.{programme}"
    return i18n.t(k, lang) if k in i18n.STRINGS else str(programme)


def audience_label(programme: str, lang: str) -> str:
    return i18n.t(f"team.train.audience.{AUDIENCE.get(programme, 'senior')}", lang)


def catalogue(lang: str) -> pd.DataFrame:
    """The programmes: programme, label, audience, days, content."""
    return pd.DataFrame([{"programme": p, "label": label(p, lang), "audience": audience_label(p, lang),
                          "days": DAYS.get(p), "content": i18n.t(f"team.train.content.{p}", lang)}
                         for p in PROGRAMMES])


def enrolments(db: Database, quarters: list[str] | None = None) -> pd.DataFrame:
    """Enrolments with the RM's name: rm_id, rm_name, branch_id, programme, quarter, status,
    enrolled_on, completed_on (ordered by quarter, programme, RM)."""
    where, params = "", {}
    if quarters:
        names = [f"q{i}" for i in range(len(quarters))]
        where = f"WHERE e.quarter IN ({', '.join('$' + n for n in names)})"
        params = dict(zip(names, quarters))
    return db.query(f"""
SELECT e.rm_id, coalesce(s.rm_name, e.rm_id) AS rm_name, s.branch_id, e.programme, e.quarter, e.status,
  e.enrolled_on, e.completed_on
FROM training_enrolments e LEFT JOIN staff s ON s.rm_id = e.rm_id
{where}
ORDER BY e.quarter, e.programme, e.rm_id""", params)


def plan_quarters(quarter: str) -> list[str]:
    q = Quarter.parse(quarter)
    return [str(q), str(q.next())]


def with_progress(plan: pd.DataFrame, sc: pd.DataFrame, enr: pd.DataFrame, m: dict[str, str],
                  lang: str) -> pd.DataFrame:
    """The training plan of lib.team.capability with the programme of each weak spot and its
    participants' enrolment: programme, programme_label, audience, enrolled, done, not_enrolled (names)."""
    out = plan.copy()
    names = dict(zip(sc["rm_id"], sc["rm_name"])) if len(sc) else {}
    rows = []
    for r in plan.itertuples():
        prog = programme_for(r.dimension, m)
        ids = list(getattr(r, "participant_ids", []) or [])
        e = enr[(enr["programme"] == prog) & enr["rm_id"].isin(ids)] if len(enr) else enr
        done = set(e.loc[e["status"] == "done", "rm_id"]) if len(e) else set()
        enrolled = set(e["rm_id"]) - done if len(e) else set()
        rows.append({"programme": prog, "programme_label": label(prog, lang), "audience": audience_label(prog, lang),
                     "enrolled": len(enrolled), "done": len(done),
                     "not_enrolled": [names.get(i, i) for i in ids if i not in done and i not in enrolled]})
    extra = pd.DataFrame(rows, columns=["programme", "programme_label", "audience", "enrolled", "done",
                                        "not_enrolled"], index=plan.index)
    return pd.concat([out, extra], axis=1)


def _day(v) -> date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    return date.fromisoformat(s[:10]) if s else None


def save_enrolment(db: Database, rm_id: str, programme: str, quarter: str, status: str,
                   enrolled_on=None, completed_on=None, viewer=None, today: date | None = None) -> dict:
    """Create or update one enrolment (key: RM, programme, quarter); returns the row written."""
    who = auth.check(viewer, "ledger", db=db, target=f"training {rm_id} {programme} {quarter}")
    today = today or date.today()
    problems: list[tuple[str, dict]] = []
    prog = schema.match_category(schema.table("training_enrolments").column("programme"), programme)
    if prog is None:
        problems.append(("programme", {"value": str(programme), "allowed": ", ".join(PROGRAMMES)}))
    stat = schema.match_category(schema.table("training_enrolments").column("status"), status)
    if stat is None:
        problems.append(("status", {"value": str(status), "allowed": ", ".join(STATUSES)}))
    try:
        Quarter.parse(str(quarter))
    except (ValueError, TypeError):
        problems.append(("quarter", {"value": str(quarter)}))
    if not db.scalar("SELECT count(*) FROM staff WHERE rm_id = ?", [rm_id]):
        problems.append(("unknown_rm", {"rm": str(rm_id)}))
    try:
        start, end = _day(enrolled_on), _day(completed_on)
    except ValueError:
        start, end = None, None
        problems.append(("date", {}))
    if problems:
        raise TrainingError(problems)
    start = start or today
    if stat == "done" and end is None:
        end = today
    if stat == "enrolled":
        end = None
    if end is not None and end < start:
        raise TrainingError([("order", {"start": start.isoformat(), "end": end.isoformat()})])
    row = {"rm_id": rm_id, "programme": prog, "quarter": str(quarter), "status": stat, "enrolled_on": start,
           "completed_on": end}
    with writes.transaction(db, "plan") as cur:
        cur.execute("DELETE FROM training_enrolments WHERE rm_id = ? AND programme = ? AND quarter = ?",
                    [rm_id, prog, str(quarter)])
        cur.execute("INSERT INTO training_enrolments (rm_id, programme, quarter, status, enrolled_on, completed_on) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [rm_id, prog, str(quarter), stat, start, end])
        audit.record(db, who, "team_edit", {"training": {k: (v.isoformat() if isinstance(v, date) else v)
                                                         for k, v in row.items()}}, cur=cur)
    return row
