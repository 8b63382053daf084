"""Churn prediction: features as of a quarter's start (DuckDB SQL), a gradient-boosting model
validated out of time, the ranked retention list and AUM at risk per RM and branch.

    python -m lib.tiering.churn --db PATH [--seed 0]

prints the validation metrics, one ``name=value`` per line (``roc_auc=...`` among them).

No Streamlit here. Definitions (documented on the page through ``lib.tiering.health.definitions``):

- **Label** (quarterly mode): a customer with AUM > 0 at the last snapshot before quarter Q's start,
  open before the start and not closed before it, churns in Q when closed during Q or when AUM at
  Q's last snapshot is below ``churn_aum_share`` (setting, default 30 %) of the start AUM — the
  registry's ``churn_rate`` definition, per customer.
- **Features** use only data dated before Q's start (balances snapshots, sales, RM contacts,
  surveys, opening date), plus the customer's static attributes (type, birth year, risk tolerance)
  and the extra attributes kept at import (numeric ones as numbers, categorical ones one-hot on
  their 10 most frequent values; attributes that look like a churn flag or an ID are left out).
  ``tests/unit/test_churn.py`` checks this by computing features on a copy of the database cut at Q's
  start and comparing.
- **Model**: candidates are scikit-learn's HistGradientBoostingClassifier and a logistic regression;
  with three or more labelled quarters the one with the higher ROC AUC on the second-latest quarter
  (trained on the quarters before it) is chosen, otherwise gradient boosting. It is then trained on
  every labelled quarter but the latest and **validated out of time on the latest complete quarter**;
  the model that scores the current quarter is refit on all labelled quarters.
- **Snapshot fallback**: with fewer than two labelled quarters but a churn flag on the customers
  (status ``closed``, or an extra attribute such as Exited / churn / 流失), the model is validated
  by stratified 5-fold cross-validation on that snapshot (no history: no out-of-time test).
- **Size**: training uses at most ``MAX_TRAIN_ROWS`` customer-quarters; above that a deterministic
  hash sample of customers (the same customers in every quarter) is drawn in SQL. Scoring covers
  every customer.
- **AUM at risk** = churn probability x current AUM (expected AUM lost).
- **Main drivers** of a customer: of the model's most important features, those whose value moves
  the customer's probability up the most compared with a typical retained customer's value
  (median of the non-churners in training), largest first.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import numpy as np
import pandas as pd

from lib.metrics import registry as metrics
from lib.core import settings
from lib.tiering import tiers
from lib.core.db import WHOLE_BANK, Database, Scope, open_database
from lib.core.periods import Quarter

MAX_TRAIN_ROWS = 300_000     # customer-quarters used for training (hash sample above this)
TOP_SHARE = 0.10             # precision / recall reported in the top 10 % of risk
MIN_CHURNERS_TRAIN = 50      # fewer churners than this to learn from: warn
MIN_CHURNERS_VALID = 30      # fewer churners than this in the validation set: warn
DRIVER_FEATURES = 8          # features tried as drivers per customer
PERM_ROWS = 5_000            # rows used for permutation importance
CONTACT_FEATURES = ("contacts_prev_q", "contacts_2q", "days_since_contact")
BALANCE_FEATURES = ("growth_1m", "growth_1q", "growth_2q", "volatility_6m", "deposit_share")

# base features (name -> SQL over the feature CTEs); all numeric
BASE_FEATURES: dict[str, str] = {
    "log_aum": "ln(1 + greatest(coalesce(s0.aum, 0), 0))",
    "growth_1m": "CASE WHEN sm.aum > 0 THEN s0.aum / sm.aum - 1 END",
    "growth_1q": "CASE WHEN s1.aum > 0 THEN s0.aum / s1.aum - 1 END",
    "growth_2q": "CASE WHEN s2.aum > 0 THEN s0.aum / s2.aum - 1 END",
    "volatility_6m": "vol.vol",
    "deposit_share": "CASE WHEN s0.aum > 0 THEN coalesce(s0.deposits, 0) / s0.aum END",
    "invest_share": "CASE WHEN s0.aum > 0 THEN (coalesce(s0.wealth, 0) + coalesce(s0.funds, 0) "
                    "+ coalesce(s0.insurance, 0)) / s0.aum END",
    "has_loan": "CAST(coalesce(s0.loans, 0) > 0 OR coalesce(held.loan, FALSE) AS DOUBLE)",
    "n_product_types": "coalesce(held.n_types, 0)",
    "holds_wealth": "CAST(coalesce(held.wealth, FALSE) AS DOUBLE)",
    "holds_fund": "CAST(coalesce(held.fund, FALSE) AS DOUBLE)",
    "holds_insurance": "CAST(coalesce(held.insurance, FALSE) AS DOUBLE)",
    "holds_credit_card": "CAST(coalesce(held.credit_card, FALSE) AS DOUBLE)",
    "sales_prev_q": "coalesce(rs.n, 0)",
    "tenure_years": "CASE WHEN c.open_date IS NOT NULL THEN date_diff('day', c.open_date, $f_start) / 365.25 END",
    "contacts_prev_q": "coalesce(act.c1, 0)",
    "contacts_2q": "coalesce(act.c2, 0)",
    "days_since_contact": "date_diff('day', act.last, $f_start)",
    "survey_score": "srv.last_score",
    "unmet_need": "CAST(coalesce(srv.unmet, FALSE) AS DOUBLE)",
    "corporate": "CAST(c.customer_type = 'corporate' AS DOUBLE)",
    "age": "CASE WHEN c.birth_year BETWEEN 1900 AND 2100 THEN year($f_start) - c.birth_year END",
    "risk_tolerance": "CASE WHEN c.risk_tolerance LIKE 'C_' THEN CAST(substr(c.risk_tolerance, 2, 1) AS DOUBLE) END",
}

_LABEL_KEY = re.compile(r"churn|exit|attrit|closed|close_flag|left_bank|流失|销户|銷戶|离网|離網", re.I)
_ID_KEY = re.compile(r"(^|_)(id|no|row|rownumber|number|index|name|surname|phone|mobile|email)$|^surname$|^rownumber$",
                     re.I)
TRUE_VALUES = ("1", "1.0", "true", "t", "yes", "y", "是", "流失", "churned", "exited", "closed", "attrited customer",
               "attrited", "已流失", "已销户")


# ---------------------------------------------------------------- periods
def snapshot_dates(db: Database) -> list[date]:
    return [r[0] for r in db.rows("SELECT DISTINCT as_of FROM balances ORDER BY 1")]


def _before(dates: list[date], d: date) -> date | None:
    prior = [x for x in dates if x < d]
    return prior[-1] if prior else None


@dataclass(frozen=True)
class Setup:
    mode: str                       # quarterly | snapshot | none
    labelled: tuple[str, ...]       # labelled quarters, oldest first
    current: str | None             # the quarter the retention list is for
    label_attr: str | None = None   # snapshot mode: the extra attribute holding the churn flag


def labelled_quarters(db: Database) -> tuple[list[Quarter], Quarter | None]:
    """Quarters with a snapshot before the start and one inside, complete in the data; and the
    current quarter (the running one, or the next when the data ends on a quarter end)."""
    dates = snapshot_dates(db)
    if not dates:
        return [], None
    last = dates[-1]
    out, q = [], Quarter.of(dates[0])
    while q.start <= last:
        if _before(dates, q.start) and any(q.contains(d) for d in dates) and q.end <= last:
            out.append(q)
        q = q.next()
    current = Quarter.of(last) if last < Quarter.of(last).end else Quarter.of(last).next()
    return out, current


def label_attribute(db: Database) -> str | None:
    """The extra customer attribute that looks like a churn flag (Exited, churn, 流失 …), if any."""
    for k in extra_keys(db):
        if _LABEL_KEY.search(k["key"]) and k["distinct"] <= 5:
            return k["key"]
    return None


def setup(db: Database) -> Setup:
    qs, current = labelled_quarters(db)
    if len(qs) >= 2:
        return Setup("quarterly", tuple(str(q) for q in qs), str(current))
    attr = label_attribute(db)
    has_closed = bool(db.scalar("SELECT count(*) FROM customers WHERE status = 'closed' OR close_date IS NOT NULL"))
    if attr or has_closed:
        return Setup("snapshot", (), None, attr)
    return Setup("none", (), None)


# ---------------------------------------------------------------- extra attributes
def extra_keys(db: Database) -> list[dict]:
    """Extra attribute keys on customers with their row count, numeric count and distinct values."""
    rows = db.rows("""
        SELECT k, count(*) AS n, count(try_cast(v AS DOUBLE)) AS nnum, count(DISTINCT v) AS nd
        FROM (SELECT unnest(map_keys(extra_attrs)) AS k, unnest(map_values(extra_attrs)) AS v
              FROM customers WHERE extra_attrs IS NOT NULL AND cardinality(extra_attrs) > 0)
        WHERE v IS NOT NULL AND trim(v) <> ''
        GROUP BY k ORDER BY k""")
    return [{"key": k, "rows": n, "numeric": nn, "distinct": nd} for k, n, nn, nd in rows]


def extra_features(db: Database, exclude: str | None = None) -> list[dict]:
    """Model features from the extra attributes: [{name, key, kind ('num'|'cat'), value}]."""
    total = db.scalar("SELECT count(*) FROM customers") or 1
    out = []
    for k in extra_keys(db):
        key = k["key"]
        if key == exclude or _LABEL_KEY.search(key) or _ID_KEY.search(key):
            continue
        if k["rows"] < 0.2 * total:
            continue
        if k["numeric"] >= 0.95 * k["rows"]:
            if k["distinct"] >= 0.98 * k["rows"] and k["distinct"] > 50 and "." not in key:
                # unique integers on every row look like an identifier; keep real-valued measures
                vals = db.scalar("SELECT count(*) FROM customers WHERE extra_attrs[$k] LIKE '%.%'", {"k": key})
                if not vals:
                    continue
            out.append({"name": f"x:{key}", "key": key, "kind": "num", "value": None})
        elif k["distinct"] <= 30:
            top = db.rows("""SELECT extra_attrs[$k] AS v, count(*) FROM customers WHERE extra_attrs[$k] IS NOT NULL
                             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10""", {"k": key})
            for v, _ in top[: max(1, min(10, len(top) - (1 if len(top) == k["distinct"] else 0)))]:
                out.append({"name": f"x:{key}={v}", "key": key, "kind": "cat", "value": v})
    return out


# ---------------------------------------------------------------- features
def feature_sql(extras: list[dict], with_label: bool, population: str = "quarter",
                label_attr: str | None = None) -> tuple[str, dict, list[str]]:
    """The feature query (needs $f_start, $f_prev, $f_prev2, $f_s0, $f_sm, $f_s1, $f_s2, $f_sample
    and the scope parameters; with a label also $f_end, $f_se, $f_share)."""
    cols = [f"{sql} AS {name}" for name, sql in BASE_FEATURES.items()]
    names = list(BASE_FEATURES)
    params: dict = {}
    for i, x in enumerate(extras):
        params[f"fx_k{i}"] = x["key"]
        if x["kind"] == "num":
            cols.append(f"try_cast(c.extra_attrs[$fx_k{i}] AS DOUBLE) AS fx{i}")
        else:
            params[f"fx_v{i}"] = x["value"]
            cols.append(f"CAST(coalesce(c.extra_attrs[$fx_k{i}] = $fx_v{i}, FALSE) AS DOUBLE) AS fx{i}")
        names.append(x["name"])
    if with_label and population == "quarter":
        cols.append("CAST((coalesce(c.status, '') = 'closed' AND c.close_date BETWEEN $f_start AND $f_end)"
                    " OR coalesce(se.aum, 0) < $f_share * s0.aum AS INTEGER) AS churned")
    elif with_label:
        flag = "FALSE"
        if label_attr is not None:
            params["f_label_key"] = label_attr
            params["f_true"] = list(TRUE_VALUES)
            flag = "list_contains($f_true, lower(trim(c.extra_attrs[$f_label_key])))"
        cols.append(f"CAST(coalesce(c.status, '') = 'closed' OR c.close_date IS NOT NULL OR coalesce({flag}, FALSE)"
                    " AS INTEGER) AS churned")
    join_s0 = "JOIN s0 ON s0.customer_id = c.customer_id AND s0.aum > 0" if population == "quarter" else \
        "LEFT JOIN s0 ON s0.customer_id = c.customer_id"
    open_filter = ("(c.open_date IS NULL OR c.open_date < $f_start) AND (c.close_date IS NULL OR c.close_date >= $f_start)"
                   if population == "quarter" else "TRUE")
    label_cte = ", se AS (SELECT customer_id, aum FROM v_balances WHERE as_of = $f_se)" \
        if with_label and population == "quarter" else ""
    label_join = "LEFT JOIN se ON se.customer_id = c.customer_id" if label_cte else ""
    sql = f"""
WITH s0 AS (SELECT customer_id, aum, deposits, wealth, funds, insurance, loans FROM v_balances WHERE as_of = $f_s0),
sm AS (SELECT customer_id, aum FROM v_balances WHERE as_of = $f_sm),
s1 AS (SELECT customer_id, aum FROM v_balances WHERE as_of = $f_s1),
s2 AS (SELECT customer_id, aum FROM v_balances WHERE as_of = $f_s2),
mon AS (SELECT customer_id, date_trunc('month', as_of) AS m, arg_max(aum, as_of) AS aum FROM v_balances
        WHERE as_of < $f_start AND as_of >= $f_start - INTERVAL 7 MONTH GROUP BY ALL),
vol AS (SELECT customer_id, stddev_samp(d) AS vol FROM (
          SELECT customer_id, ln(greatest(aum, 1)) - lag(ln(greatest(aum, 1))) OVER (PARTITION BY customer_id ORDER BY m) AS d
          FROM mon) WHERE d IS NOT NULL GROUP BY 1),
held AS (SELECT s.customer_id, count(DISTINCT p.product_type) AS n_types,
                bool_or(p.product_type = 'wealth') AS wealth, bool_or(p.product_type = 'fund') AS fund,
                bool_or(p.product_type = 'insurance') AS insurance, bool_or(p.product_type = 'credit_card') AS credit_card,
                bool_or(p.product_type IN ('consumer_loan', 'business_loan', 'mortgage')) AS loan
         FROM sales s JOIN products p ON p.product_id = s.product_id
         WHERE s.sale_date < $f_start AND (s.close_date IS NULL OR s.close_date >= $f_start)
           AND (coalesce(s.status, 'active') <> 'cancelled' OR s.close_date >= $f_start)
         GROUP BY 1),
rs AS (SELECT customer_id, count(*) AS n FROM sales WHERE sale_date >= $f_prev AND sale_date < $f_start GROUP BY 1),
act AS (SELECT customer_id, count(*) FILTER (WHERE activity_date >= $f_prev) AS c1,
               count(*) FILTER (WHERE activity_date >= $f_prev2 AND activity_date < $f_prev) AS c2,
               max(activity_date) AS last
        FROM activities WHERE customer_id IS NOT NULL AND activity_date < $f_start GROUP BY 1),
srv AS (SELECT customer_id, arg_max(score, survey_date) AS last_score, bool_or(unmet_need IS NOT NULL) AS unmet
        FROM surveys WHERE survey_date < $f_start GROUP BY 1){label_cte}
SELECT c.customer_id, {', '.join(cols)}
FROM customers c {join_s0}
LEFT JOIN sm ON sm.customer_id = c.customer_id
LEFT JOIN s1 ON s1.customer_id = c.customer_id
LEFT JOIN s2 ON s2.customer_id = c.customer_id
LEFT JOIN vol ON vol.customer_id = c.customer_id
LEFT JOIN held ON held.customer_id = c.customer_id
LEFT JOIN rs ON rs.customer_id = c.customer_id
LEFT JOIN act ON act.customer_id = c.customer_id
LEFT JOIN srv ON srv.customer_id = c.customer_id
{label_join}
WHERE {{scope}} AND {open_filter} AND hash(c.customer_id) % 10000 < $f_sample
ORDER BY c.customer_id"""
    return sql, params, names


def features_at(db: Database, start: date, scope: Scope = WHOLE_BANK, extras: list[dict] | None = None,
                end: date | None = None, churn_share: float | None = None, sample_bp: int = 10_000,
                population: str = "quarter", label_attr: str | None = None) -> pd.DataFrame:
    """Features of every customer in the population as of `start` (data dated before `start`
    only); with `end`, the quarter's churn label too. Columns: customer_id, features…, [churned]."""
    dates = snapshot_dates(db)
    extras = extra_features(db) if extras is None else extras
    with_label = end is not None or population == "snapshot"
    sql, params, names = feature_sql(extras, with_label, population, label_attr)
    sc, sp = scope.customer_filter("c", "fsc")
    prev = Quarter.of(start).prev().start if start == Quarter.of(start).start else start - timedelta(days=91)
    prev2 = Quarter.of(prev).prev().start if prev == Quarter.of(prev).start else prev - timedelta(days=91)
    s0 = _before(dates, start)
    params.update(sp)
    params.update({
        "f_start": start, "f_prev": prev, "f_prev2": prev2,
        "f_s0": s0 or date(1900, 1, 1), "f_sm": (_before(dates, s0) if s0 else None) or date(1900, 1, 1),
        "f_s1": _before(dates, prev) or date(1900, 1, 1), "f_s2": _before(dates, prev2) or date(1900, 1, 1),
        "f_sample": int(sample_bp)})
    if end is not None and population == "quarter":
        se = [d for d in dates if start <= d <= end]
        params.update({"f_end": end, "f_se": se[-1] if se else date(1900, 1, 1),
                       "f_share": float(churn_share if churn_share is not None else settings.get(db, "churn_aum_share"))})
    df = db.query(sql.replace("{scope}", sc), params)
    df.columns = ["customer_id", *names, *(["churned"] if with_label else [])]
    for n in names:
        df[n] = df[n].astype("float64")
    return df


# ---------------------------------------------------------------- model
@dataclass
class ChurnModel:
    mode: str
    model: object | None
    features: list[str]
    extras: list[dict]
    metrics: dict
    calibration: pd.DataFrame
    importance: pd.DataFrame
    reference: dict[str, float]
    warnings: list[str]
    train_quarters: tuple[str, ...] = ()
    validation_quarter: str | None = None
    current: str | None = None
    label_attr: str | None = None
    model_name: str = ""
    churn_share: float = 0.3
    sample_bp: int = 10_000
    candidates: dict = field(default_factory=dict)


def _candidates(seed: int) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return {
        "gradient_boosting": lambda: HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.06, max_leaf_nodes=15, min_samples_leaf=30, l2_regularization=1.0,
            early_stopping=False, random_state=seed),
        "logistic_regression": lambda: make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True), StandardScaler(),
            LogisticRegression(C=0.3, max_iter=1000)),
    }


def _xy(df: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return df[features].to_numpy(dtype="float64"), df["churned"].to_numpy(dtype="int64")


def _auc(y, p) -> float | None:
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(y, p)) if 0 < int(np.sum(y)) < len(y) else None


def evaluate(y: np.ndarray, p: np.ndarray, top_share: float = TOP_SHARE) -> dict:
    """ROC AUC, precision/recall/lift in the top share of risk, Brier score, base rate."""
    from sklearn.metrics import average_precision_score, brier_score_loss
    n, pos = len(y), int(np.sum(y))
    k = max(1, int(math.ceil(top_share * n)))
    order = np.argsort(-p, kind="stable")
    hit = int(np.sum(y[order[:k]]))
    base = pos / n if n else 0.0
    return {
        "roc_auc": _auc(y, p),
        "pr_auc": float(average_precision_score(y, p)) if 0 < pos < n else None,
        "precision_top10": hit / k, "recall_top10": hit / pos if pos else None,
        "lift_top10": (hit / k) / base if base else None,
        "brier": float(brier_score_loss(y, p)) if n else None,
        "base_rate": base, "rows": n, "churners": pos,
    }


def calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed churn in bins of equal size: bin, predicted, observed, customers."""
    if len(y) == 0:
        return pd.DataFrame(columns=["bin", "predicted", "observed", "customers"])
    order = np.argsort(p, kind="stable")
    parts = np.array_split(order, min(bins, len(y)))
    return pd.DataFrame([{"bin": i + 1, "predicted": float(p[ix].mean()), "observed": float(y[ix].mean()),
                          "customers": len(ix)} for i, ix in enumerate(parts) if len(ix)])


def _importance(model, X, y, features: list[str], seed: int) -> pd.DataFrame:
    from sklearn.inspection import permutation_importance
    if len(y) > PERM_ROWS:
        rng = np.random.default_rng(seed)
        ix = rng.choice(len(y), PERM_ROWS, replace=False)
        X, y = X[ix], y[ix]
    if not 0 < y.sum() < len(y):
        return pd.DataFrame({"feature": features, "importance": 0.0, "std": 0.0})
    r = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=3, random_state=seed, n_jobs=1)
    return (pd.DataFrame({"feature": features, "importance": r.importances_mean, "std": r.importances_std})
            .sort_values("importance", ascending=False).reset_index(drop=True))


def _baseline(df: pd.DataFrame) -> float | None:
    """A trivial rule: the larger the AUM fall over the previous quarter, the higher the risk."""
    col = "growth_1q" if df["growth_1q"].notna().any() else "log_aum"
    score = -df[col].fillna(0).to_numpy()
    return _auc(df["churned"].to_numpy(), score)


def _warn(metrics: dict) -> list[str]:
    out = []
    if metrics.get("train_churners", 0) < MIN_CHURNERS_TRAIN:
        out.append("few_train_churners")
    if metrics.get("churners", 0) < MIN_CHURNERS_VALID:
        out.append("few_valid_churners")
    auc = metrics.get("roc_auc")
    if auc is not None and auc < 0.6:
        out.append("weak_model")
    return out


def _sample_bp(db: Database, n_quarters: int) -> int:
    n = db.scalar("SELECT count(*) FROM customers") or 0
    if n * max(n_quarters, 1) <= MAX_TRAIN_ROWS:
        return 10_000
    return max(1, int(10_000 * MAX_TRAIN_ROWS / (n * n_quarters)))


def train(db: Database, seed: int = 0, progress: Callable[[float, str, dict], None] | None = None,
          churn_share: float | None = None) -> ChurnModel:
    """Build features, choose and validate the model, refit for scoring (see module docstring).
    Runs single-threaded: OpenMP threads fighting over a shared 2-core machine made one fit ~25x
    slower than a single thread."""
    _load_sklearn()  # threadpoolctl only limits libraries already loaded
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        return _train(db, seed, progress, churn_share)


def _load_sklearn() -> None:
    import sklearn.ensemble  # noqa: F401
    import sklearn.inspection  # noqa: F401
    import sklearn.linear_model  # noqa: F401


def _train(db: Database, seed: int, progress, churn_share) -> ChurnModel:
    say = progress or (lambda frac, key, kw: None)
    share = float(churn_share if churn_share is not None else settings.get(db, "churn_aum_share"))
    st = setup(db)
    if st.mode == "none":
        return ChurnModel("none", None, [], [], {}, calibration(np.array([]), np.array([])),
                          pd.DataFrame(columns=["feature", "importance", "std"]), {}, ["no_label"], churn_share=share)
    extras = extra_features(db, exclude=st.label_attr)
    cands = _candidates(seed)
    if st.mode == "snapshot":
        return _train_snapshot(db, st, extras, cands, seed, say, share)

    qs = [Quarter.parse(q) for q in st.labelled]
    bp = _sample_bp(db, len(qs))
    frames = {}
    for i, q in enumerate(qs):
        say(0.05 + 0.45 * i / len(qs), "features", {"quarter": str(q)})
        frames[str(q)] = features_at(db, q.start, extras=extras, end=q.end, churn_share=share, sample_bp=bp)
    features = [c for c in frames[str(qs[0])].columns if c not in ("customer_id", "churned")]
    features = [f for f in features if any(frames[str(q)][f].notna().any() for q in qs)]

    # model choice on the second-latest quarter
    chosen, cand_scores = "gradient_boosting", {}
    if len(qs) >= 3:
        say(0.5, "choose", {})
        tr = pd.concat([frames[str(q)] for q in qs[:-2]])
        va = frames[str(qs[-2])]
        Xt, yt = _xy(tr, features)
        Xv, yv = _xy(va, features)
        if 0 < yt.sum() < len(yt):
            for name, make in cands.items():
                m = make().fit(Xt, yt)
                cand_scores[name] = _auc(yv, m.predict_proba(Xv)[:, 1])
            scored = {k: v for k, v in cand_scores.items() if v is not None}
            if scored:
                chosen = max(scored, key=scored.get)

    # out-of-time validation on the latest complete quarter
    say(0.65, "validate", {"quarter": str(qs[-1])})
    tr = pd.concat([frames[str(q)] for q in qs[:-1]])
    va = frames[str(qs[-1])]
    Xt, yt = _xy(tr, features)
    Xv, yv = _xy(va, features)
    if not 0 < yt.sum() < len(yt):
        return ChurnModel("none", None, features, extras, {"train_rows": len(yt), "train_churners": int(yt.sum())},
                          calibration(np.array([]), np.array([])),
                          pd.DataFrame(columns=["feature", "importance", "std"]), {}, ["no_label"], churn_share=share)
    model = cands[chosen]().fit(Xt, yt)
    pv = model.predict_proba(Xv)[:, 1]
    metrics = evaluate(yv, pv)
    metrics.update({"baseline_auc": _baseline(va), "train_rows": len(yt), "train_churners": int(yt.sum()),
                    "train_customers": int(tr["customer_id"].nunique()), "sample_share": bp / 10_000})
    say(0.8, "importance", {})
    imp = _importance(model, Xv, yv, features, seed)
    cal = calibration(yv, pv)

    # refit on every labelled quarter for scoring
    say(0.9, "refit", {})
    full = pd.concat(frames.values())
    Xa, ya = _xy(full, features)
    final = cands[chosen]().fit(Xa, ya)
    ref = full.loc[full["churned"] == 0, features].median().to_dict()
    metrics["final_rows"] = len(ya)
    metrics["final_customers"] = int(full["customer_id"].nunique())
    say(1.0, "done", {})
    return ChurnModel("quarterly", final, features, extras, metrics, cal, imp, ref, _warn(metrics),
                      tuple(str(q) for q in qs[:-1]), str(qs[-1]), st.current, None, chosen, share, bp, cand_scores)


def _train_snapshot(db, st: Setup, extras, cands, seed, say, share) -> ChurnModel:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    say(0.1, "features", {"quarter": "snapshot"})
    start = (db.scalar("SELECT max(as_of) FROM balances") or date.today()) + timedelta(days=1)
    bp = _sample_bp(db, 1)
    df = features_at(db, start, extras=extras, population="snapshot", label_attr=st.label_attr, sample_bp=bp)
    features = [c for c in df.columns if c not in ("customer_id", "churned") and df[c].notna().any()
                and df[c].nunique(dropna=True) > 1]
    X, y = _xy(df, features)
    pos = int(y.sum())
    if pos < 2 or pos > len(y) - 2:
        return ChurnModel("none", None, features, extras, {"train_rows": len(y), "train_churners": pos},
                          calibration(np.array([]), np.array([])),
                          pd.DataFrame(columns=["feature", "importance", "std"]), {}, ["no_label"],
                          label_attr=st.label_attr, churn_share=share)
    folds = min(5, pos, len(y) - pos)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    cand_scores = {}
    say(0.3, "choose", {})
    preds = {}
    for name, make in cands.items():
        preds[name] = cross_val_predict(make(), X, y, cv=cv, method="predict_proba")[:, 1]
        cand_scores[name] = _auc(y, preds[name])
    # model chosen by cross-validated AUC; its out-of-fold predictions are reported
    # (the choice between two candidates makes the figure very slightly optimistic)
    chosen = max(cand_scores, key=lambda k: cand_scores[k] or 0)
    p = preds[chosen]
    metrics = evaluate(y, p)
    metrics.update({"baseline_auc": _baseline(df), "train_rows": len(y), "train_churners": pos,
                    "train_customers": len(y), "folds": folds, "sample_share": bp / 10_000})
    say(0.7, "refit", {})
    final = cands[chosen]().fit(X, y)
    say(0.85, "importance", {})
    imp = _importance(final, X, y, features, seed)  # in-sample: no held-out data in a snapshot
    ref = df.loc[df["churned"] == 0, features].median().to_dict()
    metrics["final_rows"] = len(y)
    metrics["final_customers"] = len(y)
    warnings = _warn(metrics) + ["snapshot_mode"]
    say(1.0, "done", {})
    return ChurnModel("snapshot", final, features, extras, metrics, calibration(y, p), imp, ref, warnings,
                      (), None, None, st.label_attr, chosen, share, bp, cand_scores)


# ---------------------------------------------------------------- scoring and the retention list
ACTIONS = ("rm_call", "wealth_offer", "rate_coupon")


def _drivers(model: ChurnModel, X: np.ndarray, p: np.ndarray, top: int = 3) -> list[list[str]]:
    """Per row, the features whose typical (retained) value lowers the probability most."""
    imp = model.importance
    cand = [f for f in imp.loc[imp["importance"] > 0, "feature"].head(DRIVER_FEATURES)] if len(imp) else []
    if not cand or len(p) == 0:
        return [[] for _ in range(len(p))]
    deltas = np.zeros((len(p), len(cand)))
    for j, f in enumerate(cand):
        i = model.features.index(f)
        ref = model.reference.get(f)
        if ref is None or (isinstance(ref, float) and math.isnan(ref)):
            continue
        Xr = X.copy()
        Xr[:, i] = ref
        deltas[:, j] = p - model.model.predict_proba(Xr)[:, 1]
    out = []
    for row in deltas:
        order = np.argsort(-row, kind="stable")
        out.append([cand[j] for j in order[:top] if row[j] > 0.005])
    return out


def action_for(tier: str | None, customer_type: str | None, drivers: list[str]) -> str:
    """rm_call when contact drives the risk or for corporate clients; a dedicated wealth offer
    for private and wealth customers; otherwise a deposit-rate coupon."""
    if drivers and drivers[0] in CONTACT_FEATURES:
        return "rm_call"
    if customer_type == "corporate":
        return "rm_call"
    if tier in ("private", "wealth"):
        return "wealth_offer"
    return "rate_coupon"


def score(db: Database, model: ChurnModel, scope: Scope = WHOLE_BANK) -> pd.DataFrame:
    """Churn probability of every customer in scope who is still open (quarterly mode: as of the
    current quarter's start; snapshot mode: customers not flagged as churned). Columns:
    customer_id, customer_name, customer_type, branch_id, branch_name, rm_id, rm_name, tier, aum,
    churn_probability, aum_at_risk. Unmasked; mask with lib.core.privacy before showing."""
    cols = ["customer_id", "customer_name", "customer_type", "branch_id", "branch_name", "rm_id", "rm_name",
            "tier", "aum", "churn_probability", "aum_at_risk"]
    if model.model is None:
        return pd.DataFrame(columns=cols)
    if model.mode == "quarterly":
        q = Quarter.parse(model.current)
        df = features_at(db, q.start, scope, extras=model.extras)
    else:
        start = (db.scalar("SELECT max(as_of) FROM balances") or date.today()) + timedelta(days=1)
        df = features_at(db, start, scope, extras=model.extras, population="snapshot", label_attr=model.label_attr)
        df = df[df["churned"] == 0]
    if df.empty:
        return pd.DataFrame(columns=cols)
    X = df[model.features].to_numpy(dtype="float64")
    _load_sklearn()
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        p = model.model.predict_proba(X)[:, 1]
    probs = pd.DataFrame({"customer_id": df["customer_id"].to_numpy(), "churn_probability": p,
                          "row": np.arange(len(df))})
    info = _customer_info(db, model, scope)
    out = info.merge(probs, on="customer_id", how="inner")
    if db.has_rows("balances"):
        out["aum"] = out["aum"].fillna(0.0)
    # without balance snapshots AUM and AUM at risk are unknown (NaN, shown as "—"), not 0
    out["aum_at_risk"] = out["churn_probability"] * out["aum"].astype(float)
    out = out.sort_values(["aum_at_risk", "churn_probability", "customer_id"], ascending=[False, False, True])
    return out.reset_index(drop=True)


def _customer_info(db: Database, model: ChurnModel, scope: Scope) -> pd.DataFrame:
    """Open customers in scope with tier, current AUM (latest snapshot), branch and RM names."""
    # without balance snapshots the newest quarter of the dated facts: customers are listed with
    # their tier unknown and no AUM, not dropped
    in_data = metrics.quarters_in_data(db)
    quarter = model.current or (str(in_data[0]) if in_data else None)
    if quarter is None:
        return pd.DataFrame(columns=["customer_id", "customer_name", "customer_type", "branch_id", "branch_name",
                                     "rm_id", "rm_name", "tier", "aum"])
    cte, params = tiers.tiered_cte(db, quarter, scope)
    return db.query(f"""
        WITH {cte}
        SELECT t.customer_id, c.customer_name, t.customer_type, t.branch_id, br.branch_name, t.rm_id, s.rm_name,
               t.tier, t.aum
        FROM tiered t JOIN customers c ON c.customer_id = t.customer_id
        LEFT JOIN branches br ON br.branch_id = t.branch_id
        LEFT JOIN staff s ON s.rm_id = t.rm_id""", params)


def retention_list(db: Database, model: ChurnModel, scope: Scope = WHOLE_BANK, limit: int = 500) -> pd.DataFrame:
    """The `limit` customers with the most AUM at risk, with main drivers and a suggested action."""
    scored = score(db, model, scope)
    top = scored.head(limit).copy()
    if top.empty:
        top["drivers"] = []
        top["action"] = []
        return top.drop(columns=["row"], errors="ignore")
    q = Quarter.parse(model.current) if model.mode == "quarterly" else None
    if q is not None:
        feats = features_at(db, q.start, scope, extras=model.extras)
    else:
        start = (db.scalar("SELECT max(as_of) FROM balances") or date.today()) + timedelta(days=1)
        feats = features_at(db, start, scope, extras=model.extras, population="snapshot", label_attr=model.label_attr)
    feats = feats.set_index("customer_id").loc[top["customer_id"]]
    X = feats[model.features].to_numpy(dtype="float64")
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        top["drivers"] = _drivers(model, X, top["churn_probability"].to_numpy())
    top["action"] = [action_for(t, ct, d) for t, ct, d in zip(top["tier"], top["customer_type"], top["drivers"])]
    return top.drop(columns=["row"]).reset_index(drop=True)


def totals(scored: pd.DataFrame, high: float = 0.2) -> dict:
    """Customers scored, those with probability >= `high`, and the AUM at risk."""
    known = scored["aum_at_risk"].notna().any()
    return {"customers": len(scored), "high_risk": int((scored["churn_probability"] >= high).sum()),
            "aum_at_risk": float(scored["aum_at_risk"].sum()) if known or scored.empty else None}


def at_risk_by(scored: pd.DataFrame, level: str, high: float = 0.2) -> pd.DataFrame:
    """AUM at risk per RM or branch: customers, high_risk (probability >= `high`), aum, aum_at_risk."""
    keys = {"rm": ["rm_id", "rm_name"], "branch": ["branch_id", "branch_name"]}[level]
    extra = {"branch_name": ("branch_name", "first")} if level == "rm" else {}
    if scored.empty:
        return pd.DataFrame(columns=[*keys, *extra, "customers", "high_risk", "aum", "aum_at_risk"])
    g = scored.assign(high=scored["churn_probability"] >= high).fillna({k: "" for k in keys})
    out = g.groupby(keys, dropna=False).agg(**extra, customers=("customer_id", "size"), high_risk=("high", "sum"),
                                            aum=("aum", "sum"), aum_at_risk=("aum_at_risk", "sum")).reset_index()
    out["high_risk"] = out["high_risk"].astype("int64")
    return out.sort_values("aum_at_risk", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------- CLI
def summary_lines(m: ChurnModel) -> list[str]:
    def fmt(v):
        if v is None:
            return "NA"
        if isinstance(v, float):
            return f"{v:.4f}"
        return str(v)
    lines = [f"mode={m.mode}", f"model={m.model_name or 'none'}"]
    if m.validation_quarter:
        lines.append(f"validation_quarter={m.validation_quarter}")
        lines.append(f"train_quarters={','.join(m.train_quarters)}")
    keys = ("roc_auc", "baseline_auc", "pr_auc", "precision_top10", "recall_top10", "lift_top10", "brier",
            "base_rate", "rows", "churners", "train_rows", "train_customers", "train_churners", "final_rows",
            "sample_share", "folds")
    for k in keys:
        if k in m.metrics:
            name = {"rows": "valid_rows", "churners": "valid_churners"}.get(k, k)
            lines.append(f"{name}={fmt(m.metrics[k])}")
    if m.mode == "none" and "roc_auc" not in m.metrics:
        lines.append("roc_auc=NA")
    for name, auc in m.candidates.items():
        lines.append(f"candidate_auc_{name}={fmt(auc)}")
    if len(m.importance):
        lines.append("top_features=" + ",".join(m.importance["feature"].head(5)))
    lines.append("warnings=" + (",".join(m.warnings) or "none"))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.tiering.churn", description="Train and validate the churn model.")
    ap.add_argument("--db", required=True, help="DuckDB file")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    db = open_database(a.db)
    try:
        m = train(db, seed=a.seed)
    finally:
        db.close()
    print("\n".join(summary_lines(m)))
    return 0 if m.mode != "none" else 1


if __name__ == "__main__":
    sys.exit(main())
