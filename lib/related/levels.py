"""Risk levels of parties from their facts, for every party at once (the thresholds live here).

- high: overdue ``OVERDUE_HIGH`` days or more; under enforcement (被执行); a loan of the bank
  classified substandard, doubtful or loss (latest balance snapshot);
- medium: overdue ``OVERDUE_MEDIUM``–89 days; debt ratio ``DEBT_RATIO_MEDIUM`` or more;
  in litigation; a loan classified watch (关注).
Kept below ``graph`` (which stores each party's level once, when it builds) and ``risk`` (which
explains a level as facts and paths).
"""
from __future__ import annotations

import pandas as pd

OVERDUE_HIGH = 90
OVERDUE_MEDIUM = 30
DEBT_RATIO_MEDIUM = 0.8
BAD_LOANS = ("substandard", "doubtful", "loss")


def party_levels(parties: pd.DataFrame) -> pd.Series:
    """'high' / 'medium' / None for every party row at once (the same rules as ``facts``)."""
    overdue = pd.to_numeric(parties["overdue_days"], errors="coerce")
    debt = pd.to_numeric(parties["debt_ratio"], errors="coerce")
    status = parties["loan_status"].astype(object)
    flag = lambda c: parties[c].astype(object).fillna(False).astype(bool)  # noqa: E731
    high = (overdue >= OVERDUE_HIGH) | flag("enforcement") | status.isin(BAD_LOANS)
    medium = ((overdue >= OVERDUE_MEDIUM) & (overdue < OVERDUE_HIGH)) | (debt >= DEBT_RATIO_MEDIUM) | \
        flag("litigation") | (status == "watch")
    out = pd.Series(None, index=parties.index, dtype=object)
    out[medium.fillna(False).to_numpy()] = "medium"
    out[high.fillna(False).to_numpy()] = "high"
    return out
