"""Settings saved in the database (qd_settings), with defaults kept here.

Values are JSON. A page or model reads ``get(db, key)``; the default applies until a user
saves another value. Only keys listed in DEFAULTS can be written.
"""
from __future__ import annotations

import json
from typing import Any

from lib.core import audit
from lib.core import auth
from lib.core import writes

DEFAULTS: dict[str, Any] = {
    "churn_aum_share": 0.3,          # churn when end AUM < this share of start-of-quarter AUM
    "annual_margin": 0.012,          # margin earned on AUM inflow per year (ROI)
    "roi_threshold": 2.0,            # campaigns below revenue:cost 2:1 are flagged
    "status_on_track": 0.95,         # attainment of plan pace at or above: on track
    "status_at_risk": 0.85,          # at or above: at risk; below: off track
    "large_client_balance": 10_000_000,  # corporate deposits + loans at or above: a large client
    "balance_margin": 0.015,         # annual margin earned on corporate deposits + loans (revenue)
    "cost_per_visit": 1000,          # cost to serve: one RM visit to a client (CNY)
    "cost_per_call": 100,            # cost to serve: one RM call to a client (CNY)
    # customer tiers by AUM (CNY): private >= private, wealth >= wealth, potential >= potential, else mass
    "tier_thresholds": {"private": 6_000_000, "wealth": 500_000, "potential": 50_000},
    # tiering page (lib/tiering/tiers.py): below the potential threshold a retail customer is still
    # "potential" when AUM grew by at least potential_growth over the quarter (from at least
    # potential_growth_min_aum) or when holding an active loan of potential_loan_types; corporate
    # clients by deposits + loans: >= large_client_balance large, >= corporate_medium medium, else small
    "tier_rules": {"potential_growth": 0.3, "potential_growth_min_aum": 10_000,
                   "potential_loan_types": ["consumer_loan", "business_loan"], "corporate_medium": 1_000_000},
    "risk_assessment_validity_days": 365,  # compliance: a risk-tolerance assessment older than this has expired
    # referral reward earned by the referring RM per converted referral:
    # flat + share x first-year revenue, first-year revenue = amount x the direction's margin
    "referral_reward": {"share": 0.10, "flat_per_conversion": 0.0,
                        "margin_corporate_to_retail": 0.012, "margin_retail_to_corporate": 0.008},
    # corporate combined-revenue calculator assumptions (annual rates)
    "corporate_calculator": {"deposit_margin": 0.015, "loan_margin": 0.02, "account_fee": 2_000.0,
                             "wealth_fee_rate": 0.006, "payroll_fee_rate": 0.002,
                             "retail_revenue_per_employee": 300.0, "scf_margin": 0.025,
                             "wealth_share_of_deposits": 0.2, "avg_monthly_salary": 8_000.0},
    # team scorecard: weight of each dimension (percentile within line peers); see lib/team/scorecard.py
    "team_weights": {"target_attainment": 0.20, "aum_growth": 0.15, "product_penetration": 0.10,
                     "new_customers": 0.10, "fee_income": 0.10, "cross_referrals": 0.05,
                     "visits": 0.08, "calls": 0.06, "digital_tools": 0.06, "livestreams": 0.04,
                     "training_hours": 0.06, "mentor_journal": 0.05},
    # mentor rule: share of the mentor's target attainment that comes from their mentees
    # (aggregate: "average" of the mentees, their "minimum", or "none" = mentees do not count)
    "mentor_rule": {"aggregate": "average", "share": 0.2},
    "capability_weak_score": 70,     # assessment score below which a dimension is a weak spot
    # training programme for each capability weak spot (lib/team/training.py): dimension -> programme
    "training_map": {"product_knowledge": "onboarding_camp", "sales_skills": "onboarding_camp",
                     "compliance": "onboarding_camp", "service": "wealth_master_class",
                     "risk_management": "wealth_master_class", "digital_tools": "digital_marketing_camp",
                     "management": "okr_training", "leadership": "okr_training"},
    # PDCA phases (lib/pdca/plan.py): first and last week of each, the playbook's 12 weeks (preparation 1,
    # push 2-9, sprint 10-12) and week 13 (6-8 days) for wrap-up and next quarter's preparation; a
    # wrap-up of null lets the sprint run to week 13
    "pdca_phases": {"prepare": [1, 1], "push": [2, 9], "sprint": [10, 12], "wrapup": [13, 13]},
}


def get(db, key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    def read():
        return db.scalar("SELECT value FROM qd_settings WHERE key = ?", [key])
    memo = getattr(db, "memo", None)  # a Database keeps it until the next write (pages ask on every run)
    raw = memo(("setting", key), read) if memo else read()
    return DEFAULTS[key] if raw is None else json.loads(raw)


def put(db, key: str, value: Any, viewer=None) -> None:
    """Save a setting for `viewer` (default: the acting viewer, see lib.core.auth); see ``put_many``."""
    put_many(db, {key: value}, viewer)


def put_many(db, values: dict[str, Any], viewer=None) -> None:
    """Save settings together for `viewer` (default: the acting viewer, see lib.core.auth): only roles
    allowed to change plan settings may; the change is written to the audit log and the data
    version bumped in the same transaction, and the warm-up scheduled after it (lib.core.writes)."""
    unknown = [k for k in values if k not in DEFAULTS]
    if unknown:
        raise KeyError(f"unknown setting {unknown[0]!r}")
    v = auth.check(viewer, "settings", db=db, target="setting " + ", ".join(values))
    old = {k: get(db, k) for k in values}
    with writes.transaction(db, "settings") as cur:
        for key, value in values.items():
            cur.execute("INSERT OR REPLACE INTO qd_settings VALUES (?, ?, now())", [key, json.dumps(value)])
            audit.record(db, v, "setting", {"key": key, "old": old[key], "new": value}, cur=cur)
