"""Settings saved in the database (qd_settings), with defaults kept here.

Values are JSON. A page or model reads ``get(db, key)``; the default applies until a user
saves another value. Only keys listed in DEFAULTS can be written.
"""
from __future__ import annotations

import json
from typing import Any

DEFAULTS: dict[str, Any] = {
    "churn_aum_share": 0.3,          # churn when end AUM < this share of start-of-quarter AUM
    "annual_margin": 0.012,          # margin earned on AUM inflow per year (ROI)
    "roi_threshold": 2.0,            # campaigns below revenue:cost 2:1 are flagged
    "status_on_track": 0.95,         # attainment of plan pace at or above: on track
    "status_at_risk": 0.85,          # at or above: at risk; below: off track
}


def get(db, key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    raw = db.scalar("SELECT value FROM qd_settings WHERE key = ?", [key])
    return DEFAULTS[key] if raw is None else json.loads(raw)


def put(db, key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    with db.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO qd_settings VALUES (?, ?, now())", [key, json.dumps(value)])
