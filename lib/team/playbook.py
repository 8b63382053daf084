"""The quarter's playbook (《实战手册》): the star of the quarter of each team (lib.team.scorecard)
and the innovation cases (创新案例奖) editors write up in the app, compiled for the Team page and
the review pack (lib.pdca.review_pack).

No Streamlit here. Rules:
- A case belongs to a quarter and has a title, what was done and the result (all required), and
  optionally the RM (an RM id of the staff table) and the customer segment (free text). Texts are
  stored as typed; every reader escapes them (the page through lib.ui.shell.safe, the pack as HTML).
- Writes (``save_case``, ``delete_case``): editors and admins (lib.core.auth action ``ledger``); a
  refused write is audited (``access_denied``), a saved one writes a ``team_edit`` audit row in the
  same transaction (lib.core.writes). Cases are kept in ``qd_playbook_cases``.
- ``entries``: stars first (highest score first), then the cases in the order they were written.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from lib.core import audit
from lib.core import auth
from lib.core import i18n
from lib.core import writes
from lib.core.db import Database, Scope
from lib.core.periods import Quarter
from lib.team import scorecard as team

FIELDS = ("title", "rm_id", "segment", "what_done", "result")
REQUIRED = ("title", "what_done", "result")
MAX_LEN = {"title": 200, "rm_id": 64, "segment": 200, "what_done": 3000, "result": 3000}
COLUMNS = ["case_id", "quarter", "title", "rm_id", "rm_name", "segment", "what_done", "result", "created_by",
           "created_at", "updated_by", "updated_at"]


class PlaybookError(ValueError):
    """A refused case; ``messages(lang)`` gives one sentence per problem."""

    def __init__(self, problems: list[tuple[str, dict]]):
        self.problems = problems
        super().__init__(" ".join(self.messages("en")))

    def messages(self, lang: str = "en") -> list[str]:
        return [i18n.t(f"team.pb.err.{code}", lang, **{k: (i18n.t(f"team.pb.field.{v}", lang) if k == "field" else v)
                                                        for k, v in params.items()})
                for code, params in self.problems]


def _text(v) -> str | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def cases(db: Database, quarter: str | None = None) -> pd.DataFrame:
    """The innovation cases (one quarter or all) with the RM's name, oldest first."""
    where, params = ("WHERE p.quarter = $q", {"q": quarter}) if quarter else ("", {})
    return db.query(f"""
SELECT p.case_id, p.quarter, p.title, p.rm_id, s.rm_name, p.segment, p.what_done, p.result, p.created_by,
  p.created_at, p.updated_by, p.updated_at
FROM qd_playbook_cases p LEFT JOIN staff s ON s.rm_id = p.rm_id
{where}
ORDER BY p.quarter, p.created_at, p.case_id""", params)[COLUMNS]


def validate(db: Database, case: dict) -> list[tuple[str, dict]]:
    out = []
    for f in REQUIRED:
        if case.get(f) is None:
            out.append(("required", {"field": f}))
    for f, n in MAX_LEN.items():
        if case.get(f) is not None and len(case[f]) > n:
            out.append(("too_long", {"field": f, "max": n}))
    rm = case.get("rm_id")
    if rm is not None and not db.scalar("SELECT count(*) FROM staff WHERE rm_id = ?", [rm]):
        out.append(("unknown_rm", {"rm": rm}))
    return out


def save_case(db: Database, quarter: str, case: dict, case_id: str | None = None, viewer=None) -> str:
    """Create (no `case_id`) or update one case of `quarter`; returns its id."""
    Quarter.parse(quarter)
    who = auth.check(viewer, "ledger", db=db, target=f"playbook {quarter}")
    clean = {f: _text(case.get(f)) for f in FIELDS}
    problems = validate(db, clean)
    if problems:
        raise PlaybookError(problems)
    now = datetime.now()
    with writes.transaction(db, "plan") as cur:
        if case_id is None:
            n = cur.execute("SELECT count(*) FROM qd_playbook_cases WHERE quarter = ?", [quarter]).fetchone()[0]
            case_id = f"PB-{quarter}-{n + 1:03d}"
            while cur.execute("SELECT count(*) FROM qd_playbook_cases WHERE case_id = ?", [case_id]).fetchone()[0]:
                n += 1
                case_id = f"PB-{quarter}-{n + 1:03d}"
            cur.execute("INSERT INTO qd_playbook_cases (case_id, quarter, title, rm_id, segment, what_done, result, "
                        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [case_id, quarter, *(clean[f] for f in FIELDS), who.label, now])
            action = "create"
        else:
            if not cur.execute("SELECT count(*) FROM qd_playbook_cases WHERE case_id = ?", [case_id]).fetchone()[0]:
                raise PlaybookError([("unknown_case", {"case": case_id})])
            cur.execute("UPDATE qd_playbook_cases SET title = ?, rm_id = ?, segment = ?, what_done = ?, result = ?, "
                        "updated_by = ?, updated_at = ? WHERE case_id = ?",
                        [*(clean[f] for f in FIELDS), who.label, now, case_id])
            action = "update"
        audit.record(db, who, "team_edit", {"playbook": case_id, "quarter": quarter, "action": action,
                                            "title": clean["title"]}, cur=cur)
    return case_id


def delete_case(db: Database, case_id: str, viewer=None) -> None:
    who = auth.check(viewer, "ledger", db=db, target=f"playbook {case_id}")
    with writes.transaction(db, "plan") as cur:
        row = cur.execute("SELECT quarter, title FROM qd_playbook_cases WHERE case_id = ?", [case_id]).fetchone()
        if row is None:
            raise PlaybookError([("unknown_case", {"case": case_id})])
        cur.execute("DELETE FROM qd_playbook_cases WHERE case_id = ?", [case_id])
        audit.record(db, who, "team_edit", {"playbook": case_id, "quarter": row[0], "action": "delete",
                                            "title": row[1]}, cur=cur)


def entries(db: Database, quarter: str, scope: Scope, lang: str, team_by: str = "branch_id",
            card: pd.DataFrame | None = None) -> pd.DataFrame:
    """The playbook of the quarter: kind (star / case), title, rm_name, team (the star's team or the
    case's segment), what (the star's reason or what was done), result."""
    rows = []
    card = team.scorecard(db, quarter, scope) if card is None else card
    if len(card):
        for s in team.stars(card, team_by, team.weights(db), lang).itertuples():
            rows.append({"kind": "star", "title": i18n.t("team.pb.star_title", lang, team=s.team_name),
                         "rm_name": s.rm_name, "team": s.team_name, "what": s.reason,
                         "result": i18n.t("team.star.score", lang, score=f"{s.score:.0f}", rank=int(s.rank))})
    for c in cases(db, quarter).itertuples():
        rows.append({"kind": "case", "title": _text(c.title), "rm_name": _text(c.rm_name) or _text(c.rm_id),
                     "team": _text(c.segment), "what": _text(c.what_done), "result": _text(c.result)})
    return pd.DataFrame(rows, columns=["kind", "title", "rm_name", "team", "what", "result"])
