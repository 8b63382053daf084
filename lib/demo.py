"""The embedded demo bank: a deterministic, realistic bank covering every canonical table.

    python -m lib.demo --customers N --seed S --out PATH

Invariants (tested in tests/unit/test_demo.py):
- Same seed and size give the same database; keys are unique and foreign keys resolve.
- Monthly balance snapshots from the last day of the quarter before HISTORY_START to the
  as-of date cover at least five complete quarters, so quarter-over-quarter, tier
  migration and out-of-time churn models all work.
- Retail AUM is lognormal with a realistic tier pyramid (private ≥ 6M, wealth ≥ 500k,
  potential ≥ 50k, mass).
- Churn is driven, not random: a customer's quarterly churn hazard rises with low
  engagement, holding one product type, and no RM contact in the previous quarter; churners'
  balances fall in the quarter before they leave.
- Customers are generated in chunks, so a million customers build in bounded memory.
- The database is written to a temporary file and moved into place only when complete.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lib import warmup  # the metric cube is built after the data, not part of it
from lib.metrics import registry as metrics
from lib.core.db import Database, Scope, forget_database, open_database
from lib.core.periods import Quarter

AS_OF = date(2026, 11, 20)
HISTORY_START = date(2025, 7, 1)
CHUNK = 50_000

REGIONS = {
    "East": ["Shanghai Lujiazui", "Shanghai Xujiahui", "Hangzhou Xihu", "Nanjing Xinjiekou", "Suzhou SIP", "Ningbo Yinzhou"],
    "South": ["Shenzhen Futian", "Guangzhou Tianhe", "Xiamen Siming", "Dongguan Nancheng", "Foshan Chancheng"],
    "North": ["Beijing Chaoyang", "Beijing Haidian", "Tianjin Binhai", "Qingdao Shinan", "Jinan Lixia"],
    "West": ["Chengdu Hi-tech", "Chongqing Jiefangbei", "Xi'an Qujiang", "Wuhan Optics Valley", "Kunming Dianchi"],
}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆晨阳欣怡梓涵子轩思雨")
INDUSTRIES = ["manufacturing", "wholesale & retail", "construction", "logistics", "technology",
              "healthcare", "real estate services", "agriculture", "import & export", "catering"]
CO_WORDS = list("华瑞鑫达盛通宏源泰丰恒信远航新天汇智联创")

# product_id, name, type, risk level, line
PRODUCTS = [
    ("P001", "Demand deposit", "deposit", "R1", "retail"),
    ("P002", "Time deposit 1Y", "deposit", "R1", "retail"),
    ("P003", "Large-denomination CD", "deposit", "R1", "retail"),
    ("P010", "Cash-plus wealth (T+0)", "wealth", "R1", "retail"),
    ("P011", "Steady income wealth 90D", "wealth", "R2", "retail"),
    ("P012", "Fixed income plus wealth", "wealth", "R3", "retail"),
    ("P013", "Equity-linked wealth", "wealth", "R4", "private"),
    ("P020", "Bond fund", "fund", "R2", "retail"),
    ("P021", "Balanced fund", "fund", "R3", "retail"),
    ("P022", "Equity growth fund", "fund", "R4", "retail"),
    ("P023", "Sector tech fund", "fund", "R5", "private"),
    ("P030", "Annuity insurance", "insurance", "R2", "retail"),
    ("P031", "Unit-linked insurance", "insurance", "R3", "retail"),
    ("P040", "Platinum credit card", "credit_card", None, "retail"),
    ("P041", "Consumer loan", "consumer_loan", None, "retail"),
    ("P042", "Mortgage", "mortgage", None, "retail"),
    ("P043", "Gold accumulation", "precious_metal", "R3", "retail"),
    ("P050", "Corporate settlement account", "corporate_account", None, "corporate"),
    ("P051", "Corporate time deposit", "deposit", "R1", "corporate"),
    ("P052", "Working-capital loan", "business_loan", None, "corporate"),
    ("P053", "Payroll service", "payroll", None, "corporate"),
    ("P054", "Supply-chain financing", "supply_chain", None, "corporate"),
    ("P055", "Cross-border FX settlement", "fx_settlement", None, "corporate"),
    ("P056", "Corporate wealth", "wealth", "R2", "corporate"),
]
PRODUCT_DF = pd.DataFrame(PRODUCTS, columns=["product_id", "product_name", "product_type", "risk_level", "line"])
RETAIL_EXTRA = ["credit_card", "wealth", "fund", "insurance", "consumer_loan", "mortgage", "precious_metal"]
RETAIL_EXTRA_W = np.array([0.28, 0.24, 0.16, 0.12, 0.09, 0.07, 0.04])
CORP_EXTRA = ["payroll", "business_loan", "supply_chain", "fx_settlement", "wealth"]
CORP_EXTRA_W = np.array([0.30, 0.28, 0.14, 0.16, 0.12])
TYPE_PRODUCT = {"credit_card": "P040", "consumer_loan": "P041", "mortgage": "P042", "precious_metal": "P043",
                "payroll": "P053", "business_loan": "P052", "supply_chain": "P054", "fx_settlement": "P055"}
CHANNELS = ["app", "branch", "mobile_rm", "livestream", "wechat", "phone", "referral"]
CHANNEL_W = np.array([0.33, 0.25, 0.12, 0.10, 0.08, 0.06, 0.06])
CHANNEL_CAC = {"app": 90, "branch": 420, "mobile_rm": 650, "livestream": 160, "wechat": 120, "phone": 260,
               "referral": 220}


def snapshot_dates(as_of: date = AS_OF) -> list[date]:
    """Month ends from the day before HISTORY_START up to as_of, plus as_of itself."""
    out, d = [], HISTORY_START - timedelta(days=1)
    while d < as_of:
        out.append(d)
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        d = date(nxt.year + (nxt.month == 12), nxt.month % 12 + 1, 1) - timedelta(days=1)
    if out[-1] != as_of:
        out.append(as_of)
    return out


@dataclass
class Org:
    branches: pd.DataFrame
    staff: pd.DataFrame


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN, n)
    g2 = np.where(rng.random(n) < 0.7, rng.choice(GIVEN, n), "")
    return np.char.add(np.char.add(s, g1), g2)


def _company_names(rng: np.random.Generator, n: int, ids: np.ndarray) -> np.ndarray:
    w = np.char.add(rng.choice(CO_WORDS, n), rng.choice(CO_WORDS, n))
    return np.char.add(np.char.add(w, np.char.mod("%03d", ids % 1000)), "科技有限公司")


def _days(rng, n, lo: date, hi: date) -> np.ndarray:
    span = max((hi - lo).days, 0)
    return np.datetime64(lo) + rng.integers(0, span + 1, n).astype("timedelta64[D]")


def build_org(rng: np.random.Generator, n_customers: int) -> Org:
    n_branches = int(np.clip(n_customers // 1500, 8, 48))
    names = [(r, b) for r, bs in REGIONS.items() for b in bs]
    rows = []
    for i in range(n_branches):
        region, base = names[i % len(names)]
        suffix = "" if i < len(names) else f" {i // len(names) + 1}"
        rows.append((f"B{i + 1:03d}", base + suffix, region))
    branches = pd.DataFrame(rows, columns=["branch_id", "branch_name", "region"])
    per_branch = n_customers / n_branches
    staff, rid = [], 0
    for b in branches.branch_id:
        n_retail = int(np.clip(per_branch * 0.9 / 350, 4, 30))
        n_corp = int(np.clip(per_branch * 0.08 / 60, 2, 8))
        n_priv = int(np.clip(per_branch / 2500, 1, 3))
        roles = [("retail", "branch manager")] + [("retail", "retail RM")] * n_retail + \
                [("corporate", "corporate RM")] * n_corp + [("private", "private banker")] * n_priv
        for line, role in roles:
            rid += 1
            senior = rng.random() < 0.65
            hire = _days(rng, 1, date(2008, 1, 1), date(2022, 12, 31))[0] if senior else \
                _days(rng, 1, date(2023, 1, 1), date(2025, 9, 30))[0]
            staff.append({"rm_id": f"RM{rid:04d}", "rm_name": str(_names(rng, 1)[0]), "branch_id": b,
                          "line": line, "role": role, "hire_date": pd.Timestamp(hire).date(),
                          "mentor_rm_id": None, "skill": rng.normal(0, 1), "diligence": rng.lognormal(0, 0.35)})
    staff = pd.DataFrame(staff)
    # Mentor pairs: juniors (hired 2023+) get a senior mentor of the same branch and line.
    for (b, line), grp in staff.groupby(["branch_id", "line"]):
        seniors = grp[pd.to_datetime(grp.hire_date) < "2023-01-01"]
        juniors = grp[pd.to_datetime(grp.hire_date) >= "2023-01-01"]
        if len(seniors):
            for idx in juniors.index:
                staff.loc[idx, "mentor_rm_id"] = seniors.rm_id.iloc[rng.integers(len(seniors))]
    return Org(branches, staff)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class Builder:
    """Writes the demo bank into one Database, chunk by chunk."""

    def __init__(self, db: Database, n_customers: int, seed: int, as_of: date = AS_OF):
        self.db, self.n, self.seed, self.as_of = db, n_customers, seed, as_of
        self.rng = np.random.default_rng(seed)
        self.snaps = snapshot_dates(as_of)
        self.quarters = sorted({Quarter.of(d) for d in self.snaps[1:]})
        self.sale_seq = 0
        self.act_seq = 0

    # -- helpers
    def insert(self, table: str, df: pd.DataFrame) -> None:
        if df.empty:
            return
        cur = self.db.cursor()
        try:
            cur.register("_chunk", df)
            cur.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _chunk')
            cur.unregister("_chunk")
        finally:
            cur.close()

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"[demo] {msg}", file=sys.stderr, flush=True)

    verbose = False

    # -- build
    def build(self) -> None:
        t0 = time.time()
        self.org = build_org(self.rng, self.n)
        self.insert("branches", self.org.branches)
        self.insert("staff", self.org.staff.drop(columns=["skill", "diligence"]))
        self.insert("products", PRODUCT_DF)
        for start in range(0, self.n, CHUNK):
            self.customers_chunk(start, min(self.n, start + CHUNK))
            self.log(f"customers {min(self.n, start + CHUNK):,}/{self.n:,} ({time.time() - t0:.1f}s)")
        self.campaigns_and_leads()
        self.sprint_offers_and_reserve()
        self.rm_activities()
        self.referrals()
        self.assessments()
        self.surveys()
        self.ledger()
        self.team_plan()
        self.targets_and_peers()
        self.related_parties()
        with self.db.transaction() as cur:
            for k, v in {"source": "demo", "demo_seed": self.seed, "demo_customers": self.n,
                         "demo_as_of": self.as_of.isoformat(), "built_at": pd.Timestamp.now().isoformat()}.items():
                self.db.set_meta(k, str(v), cur)
            self.db.bump_data_version(cur)
        n = warmup.refresh(self.db, self.log)  # the metric cube, for the facts just written
        self.log(f"metric cube: {n} (metric, period) pairs ({time.time() - t0:.1f}s)")
        self.log(f"done in {time.time() - t0:.1f}s")

    def customers_chunk(self, lo: int, hi: int) -> None:
        rng = np.random.default_rng([self.seed, lo])
        n = hi - lo
        ids_num = np.arange(lo + 1, hi + 1)
        cid = np.char.add("C", np.char.zfill(ids_num.astype(str), 8))
        br = self.org.branches
        bw = np.linspace(1.6, 0.6, len(br))
        branch = br.branch_id.to_numpy()[rng.choice(len(br), n, p=bw / bw.sum())]
        corporate = rng.random(n) < 0.08
        snaps = np.array(self.snaps, dtype="datetime64[D]")
        n_s = len(snaps)

        # opening dates: most customers predate the window; ~14% open inside it
        is_new = rng.random(n) < 0.14
        open_old = _days(rng, n, date(2008, 1, 1), HISTORY_START - timedelta(days=1))
        q_weights = np.array([1.0, 0.9, 1.15, 1.05, 1.1, 0.75])[: len(self.quarters)]
        q_pick = rng.choice(len(self.quarters), n, p=q_weights / q_weights.sum())
        q_start = np.array([np.datetime64(q.start) for q in self.quarters])[q_pick]
        q_end = np.array([np.datetime64(min(q.end, self.as_of)) for q in self.quarters])[q_pick]
        open_new = q_start + (rng.random(n) * ((q_end - q_start).astype(int) + 1)).astype("timedelta64[D]")
        open_date = np.where(is_new, open_new, open_old)

        # wealth: retail lognormal AUM, corporate deposits/loans
        aum0 = np.where(corporate, rng.lognormal(np.log(2.0e6), 1.5, n), rng.lognormal(np.log(30_000), 1.75, n))
        aum0 = np.round(aum0, 2)
        tier = np.select([aum0 >= 6e6, aum0 >= 5e5, aum0 >= 5e4], [3, 2, 1], 0)
        tier = np.where(corporate, 1, tier)
        engagement = rng.normal(0, 1, n)

        # relationship managers: by branch and line
        staff = self.org.staff
        line = np.where(corporate, "corporate", np.where(tier == 3, "private", "retail"))
        rm = np.empty(n, dtype=object)
        skill = np.zeros(n)
        dil = np.ones(n)
        for (b, ln), grp in staff[staff.role != "branch manager"].groupby(["branch_id", "line"]):
            m = (branch == b) & (line == ln)
            k = int(m.sum())
            if k:
                pick = rng.integers(0, len(grp), k)
                rm[m] = grp.rm_id.to_numpy()[pick]
                skill[m] = grp.skill.to_numpy()[pick]
                dil[m] = grp.diligence.to_numpy()[pick]
        missing = rm == None  # noqa: E711  (private customers in a branch without a private banker)
        if missing.any():
            for b in np.unique(branch[missing]):
                grp = staff[(staff.branch_id == b) & (staff.line == "retail") & (staff.role != "branch manager")]
                m = missing & (branch == b)
                pick = rng.integers(0, len(grp), int(m.sum()))
                rm[m] = grp.rm_id.to_numpy()[pick]

        # products held (distinct types beyond the base account)
        lam = 0.45 + 0.45 * tier + 0.35 * np.clip(engagement, 0, None)
        n_extra = np.minimum(rng.poisson(lam), 5)
        n_extra = np.where(corporate, np.minimum(rng.poisson(1.3 + 0.2 * np.clip(engagement, 0, None)), 4), n_extra)
        holds: list[list[str]] = []
        for i in range(n):
            if corporate[i]:
                extra = list(rng.choice(CORP_EXTRA, n_extra[i], replace=False, p=CORP_EXTRA_W))
                holds.append(["corporate_account", "deposit", *extra])
            else:
                extra = list(rng.choice(RETAIL_EXTRA, n_extra[i], replace=False, p=RETAIL_EXTRA_W))
                holds.append(["deposit", *extra])
        n_types = np.array([len(h) for h in holds])

        # quarterly engagement, RM contacts and churn
        nq = len(self.quarters)
        eq = engagement[:, None] + np.cumsum(rng.normal(0, 0.35, (n, nq)), axis=1)
        base_contact = np.select([tier == 3, tier == 2, tier == 1], [3.0, 1.6, 0.7], 0.2)
        base_contact = np.where(corporate, 2.0, base_contact)
        contact_rate = base_contact[:, None] * np.exp(0.45 * eq) * dil[:, None]
        elapsed = np.array([q.elapsed_share(self.as_of) for q in self.quarters])
        contacts = rng.poisson(contact_rate * elapsed[None, :])
        opened_q = open_date[:, None] <= np.array([np.datetime64(q.end) for q in self.quarters])[None, :]
        contacts = np.where(opened_q, contacts, 0)
        no_contact_prev = np.concatenate([np.zeros((n, 1), bool), contacts[:, :-1] == 0], axis=1)
        hazard = _sigmoid(-4.2 - 0.85 * eq + 0.75 * (n_types <= 1)[:, None] + 0.9 * no_contact_prev
                          - 0.25 * skill[:, None] + 0.3 * (tier == 0)[:, None])
        hazard = hazard * np.maximum(elapsed, 0.05)[None, :]
        opened_before_q = open_date[:, None] < np.array([np.datetime64(q.start) for q in self.quarters])[None, :]
        event = (rng.random((n, nq)) < hazard) & opened_before_q
        churn_q = np.where(event.any(axis=1), event.argmax(axis=1), -1)
        hard_close = rng.random(n) < 0.4

        # monthly AUM path
        snap_q = np.array([self.quarters.index(Quarter.of(d)) if Quarter.of(d) in self.quarters else -1
                           for d in self.snaps])
        mu = 0.004 + 0.004 * engagement + 0.002 * skill
        sigma = np.where(rng.random(n) < 0.2, 0.11, 0.035)
        market = np.random.default_rng(self.seed + 99).normal(0.002, 0.02, n_s)
        risky = np.where(tier >= 1, 0.35, 0.1)
        steps = mu[:, None] + sigma[:, None] * rng.normal(0, 1, (n, n_s)) + risky[:, None] * market[None, :]
        steps[:, 0] = 0
        for s in range(1, n_s):
            q = snap_q[s]
            pre = churn_q == q + 1  # the quarter before churn: a visible decline
            steps[pre, s] -= 0.07
        path = aum0[:, None] * np.exp(np.cumsum(steps, axis=1))
        soft_level = rng.uniform(0.04, 0.22, n)
        close_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        for qi, q in enumerate(self.quarters):
            m = churn_q == qi
            if not m.any():
                continue
            qs, qe = np.datetime64(q.start), np.datetime64(min(q.end, self.as_of))
            in_q = (snaps >= qs) & (snaps <= qe)
            hard = m & hard_close
            cd = qs + (rng.random(int(hard.sum())) * ((qe - qs).astype(int) + 1)).astype("timedelta64[D]")
            close_date[hard] = cd
            soft = m & ~hard_close
            after = snaps >= qs
            path[np.ix_(soft, after & ~in_q)] *= soft_level[soft][:, None]
            if in_q.any():
                k = np.cumsum(in_q)[in_q] / in_q.sum()
                path[np.ix_(soft, in_q)] *= (1 - (1 - soft_level[soft][:, None]) * k[None, :])
        status = np.where(~np.isnat(close_date), "closed",
                          np.where((churn_q >= 0) & (rng.random(n) < 0.5), "dormant", "active"))

        # customers
        risk_tol = rng.choice(["C1", "C2", "C3", "C4", "C5"], n, p=[0.15, 0.3, 0.3, 0.17, 0.08])
        assessed = _days(rng, n, date(2023, 6, 1), date(2026, 10, 31))
        acq_channel = np.where(is_new, rng.choice(CHANNELS, n, p=CHANNEL_W / CHANNEL_W.sum()), "branch")
        cac = np.array([CHANNEL_CAC[c] for c in acq_channel]) * rng.lognormal(0, 0.3, n)
        names = np.where(corporate, _company_names(rng, n, ids_num), _names(rng, n))
        phone = np.char.add("13", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))
        cust = pd.DataFrame({
            "customer_id": cid, "customer_name": names,
            "customer_type": np.where(corporate, "corporate", "retail"),
            "branch_id": branch, "rm_id": rm.astype(str),
            "open_date": open_date,
            "birth_year": np.where(corporate, pd.NA, rng.integers(1950, 2004, n)),
            "industry": np.where(corporate, rng.choice(INDUSTRIES, n), None),
            "risk_tolerance": np.where(corporate, None, risk_tol),
            "risk_assessed_on": np.where(corporate, np.datetime64("NaT"), assessed),
            "acquisition_channel": acq_channel,
            "acquisition_cost": np.where(is_new, np.round(cac, 2), np.nan),
            "status": status, "close_date": close_date,
            "phone": phone, "id_number": None,
        })
        cust["birth_year"] = cust["birth_year"].astype("Int32")
        cust["acquisition_cost"] = cust["acquisition_cost"].astype(float)
        self.insert("customers", cust)

        # balances
        alive = (snaps[None, :] >= open_date[:, None] - np.timedelta64(0, "D"))
        alive &= np.where(np.isnat(close_date)[:, None], True, snaps[None, :] < close_date[:, None])
        # a customer opened mid-month first appears at the next month end
        rows_i, rows_s = np.nonzero(alive)
        aum = path[rows_i, rows_s]
        h = holds
        w_dep = np.ones(n)
        w_wealth = np.array([1.3 if "wealth" in x else 0.0 for x in h])
        w_fund = np.array([0.7 if "fund" in x else 0.0 for x in h])
        w_ins = np.array([0.5 if "insurance" in x else 0.0 for x in h])
        w_oth = np.array([0.15 if "precious_metal" in x else 0.02 for x in h])
        tot = w_dep + w_wealth + w_fund + w_ins + w_oth
        loan0 = np.zeros(n)
        has_loan = np.array([any(t in x for t in ("consumer_loan", "mortgage", "business_loan")) for x in h])
        loan0 = np.where(has_loan, np.where(corporate, rng.lognormal(np.log(5e6), 1.3, n),
                                            rng.lognormal(np.log(3e5), 1.0, n)), 0.0)
        loan_amort = np.exp(-0.004 * rows_s)
        small_biz = corporate & (aum0 + loan0 < 1e7)
        p_bad = np.where(small_biz, 0.09, 0.035)
        bad = rng.random(n) < p_bad
        loan_status = np.where(has_loan, np.where(bad, rng.choice(["watch", "substandard", "doubtful", "loss"], n,
                                                                  p=[0.6, 0.25, 0.1, 0.05]), "normal"), None)
        bal = pd.DataFrame({
            "customer_id": cid[rows_i], "as_of": snaps[rows_s],
            "deposits": np.round(aum * (w_dep / tot)[rows_i], 2),
            "wealth": np.round(aum * (w_wealth / tot)[rows_i], 2),
            "funds": np.round(aum * (w_fund / tot)[rows_i], 2),
            "insurance": np.round(aum * (w_ins / tot)[rows_i], 2),
            "other_assets": np.round(aum * (w_oth / tot)[rows_i], 2),
            "loans": np.round(loan0[rows_i] * loan_amort, 2),
            "loan_status": loan_status[rows_i],
        })
        self.insert("balances", bal)

        # sales: one row per held type (opening sale) plus repeat wealth purchases in the window
        sale_rows = []
        for i in range(n):
            for t in holds[i]:
                sale_rows.append((i, t))
        si = np.array([r[0] for r in sale_rows])
        st = np.array([r[1] for r in sale_rows])
        m = len(si)
        od = open_date[si]
        sale_date = od + (rng.random(m) * np.maximum(
            (np.datetime64(self.as_of) - od).astype(int), 1) * np.where(st == "deposit", 0.0, 0.6)).astype("timedelta64[D]")
        repeat_n = rng.poisson(0.12 * (1 + tier) * np.exp(0.3 * engagement) * len(self.quarters))
        repeat_n = np.where(corporate, rng.poisson(0.6 * len(self.quarters), n), repeat_n)
        ri = np.repeat(np.arange(n), repeat_n)
        window_lo = np.maximum(open_date[ri], np.datetime64(HISTORY_START))
        span = (np.datetime64(self.as_of) - window_lo).astype(int)
        rdate = window_lo + (rng.random(len(ri)) * np.maximum(span, 0)).astype("timedelta64[D]")
        rtype = np.where(corporate[ri], rng.choice(["wealth", "fx_settlement", "supply_chain"], len(ri)),
                         rng.choice(["wealth", "fund", "insurance"], len(ri), p=[0.55, 0.3, 0.15]))
        all_i = np.concatenate([si, ri])
        all_t = np.concatenate([st, rtype])
        all_d = np.concatenate([sale_date, rdate])
        k = len(all_i)
        prod = np.empty(k, dtype=object)
        tol = np.array([int(x[1]) if x else 3 for x in np.where(corporate, "C3", risk_tol)])[all_i]
        mismatch = rng.random(k) < 0.03
        lvl = np.where(mismatch, np.minimum(tol + 1 + rng.integers(0, 2, k), 5),
                       np.maximum(1, tol - rng.integers(0, 2, k)))
        for j in range(k):
            t = all_t[j]
            if t == "deposit":
                prod[j] = "P051" if corporate[all_i[j]] else ("P001", "P002", "P003")[j % 3]
            elif t in ("wealth", "fund", "insurance"):
                if corporate[all_i[j]] and t == "wealth":
                    prod[j] = "P056"
                    continue
                pool = _TYPE_LEVEL.get((t, int(lvl[j]))) or _TYPE_LEVEL_NEAREST[(t, int(lvl[j]))]
                prod[j] = pool[j % len(pool)]
            elif t == "corporate_account":
                prod[j] = "P050"
            else:
                prod[j] = TYPE_PRODUCT[t]
        amount = np.round(np.maximum(aum0[all_i], 1000) * rng.uniform(0.05, 0.5, k), 2)
        fee_rate = np.array([_FEE_RATE[t] for t in all_t])
        fee = np.round(amount * fee_rate, 2)
        fee = np.where(all_t == "credit_card", np.round(rng.uniform(0, 600, k), 2), fee)
        sale_status = np.where(np.isin(all_t, ["wealth", "fund"]) & (rng.random(k) < 0.25), "matured", "active")
        sale_close = np.where(sale_status == "matured",
                              all_d + rng.integers(90, 400, k).astype("timedelta64[D]"), np.datetime64("NaT"))
        sale_close = np.where(sale_close > np.datetime64(self.as_of), np.datetime64("NaT"), sale_close)
        sale_status = np.where(np.isnat(sale_close), "active", sale_status)
        # closed customers' holdings end at closure
        cl = close_date[all_i]
        ended = ~np.isnat(cl) & (np.isnat(sale_close) | (sale_close > cl))
        sale_close = np.where(ended, cl, sale_close)
        sale_status = np.where(ended, "redeemed", sale_status)
        ids = np.arange(self.sale_seq + 1, self.sale_seq + k + 1)
        self.sale_seq += k
        sales = pd.DataFrame({
            "sale_id": np.char.add("S", np.char.zfill(ids.astype(str), 9)),
            "customer_id": cid[all_i], "product_id": prod.astype(str), "rm_id": rm[all_i].astype(str),
            "channel": rng.choice(CHANNELS[:6], k, p=CHANNEL_W[:6] / CHANNEL_W[:6].sum()),
            "sale_date": all_d, "amount": amount, "fee_income": fee,
            "status": sale_status, "close_date": sale_close,
        })
        self.insert("sales", sales)

        # RM contacts with customers (visits and calls), per quarter
        ci, cq = np.nonzero(contacts)
        reps = contacts[ci, cq]
        ci, cq = np.repeat(ci, reps), np.repeat(cq, reps)
        qs = np.array([np.datetime64(q.start) for q in self.quarters])[cq]
        qe = np.array([np.datetime64(min(q.end, self.as_of)) for q in self.quarters])[cq]
        lo_d = np.maximum(qs, open_date[ci])
        span = np.maximum((qe - lo_d).astype(int), 0)
        adate = lo_d + (rng.random(len(ci)) * (span + 1)).astype("timedelta64[D]")
        adate = np.minimum(adate, qe)
        ids = np.arange(self.act_seq + 1, self.act_seq + len(ci) + 1)
        self.act_seq += len(ci)
        acts = pd.DataFrame({
            "activity_id": np.char.add("A", np.char.zfill(ids.astype(str), 9)),
            "rm_id": rm[ci].astype(str), "activity_date": adate,
            "activity_type": np.where(rng.random(len(ci)) < 0.35, "visit", "call"),
            "customer_id": cid[ci], "quantity": 1.0,
        })
        self.insert("activities", acts)

    # ---------------------------------------------------------------- campaigns & leads
    def campaigns_and_leads(self) -> None:
        rng = np.random.default_rng([self.seed, 7_000])
        plan = [  # channel, product type, name, cost per lead, conversion
            ("app", "credit_card", "App credit-card sign-up", 18, 0.16),
            ("livestream", "fund", "Livestream fund talk", 30, 0.07),
            ("branch", "wealth", "Branch wealth salon", 55, 0.22),
            ("mobile_rm", "insurance", "Mobile RM insurance visits", 70, 0.18),
            ("phone", "consumer_loan", "Phone consumer-loan outreach", 22, 0.09),
            ("wechat", "deposit", "WeChat new-money CD drive", 12, 0.14),
        ]
        cust = self.db.query("SELECT customer_id, branch_id, rm_id, open_date, customer_type FROM customers")
        cust["open_date"] = pd.to_datetime(cust["open_date"])
        camp_rows, lead_rows, new_links, lead_sales = [], [], [], []
        cid = 0
        lid = 0
        products_by_type = PRODUCT_DF[PRODUCT_DF.line != "corporate"].groupby("product_type").product_id.first()
        used_new: set[str] = set()
        for q in self.quarters:
            q_end = min(q.end, self.as_of)
            opened = cust[(cust.open_date >= pd.Timestamp(q.start)) & (cust.open_date <= pd.Timestamp(q_end))
                          & (cust.customer_type == "retail")]
            existing = cust[(cust.open_date < pd.Timestamp(q.start)) & (cust.customer_type == "retail")]
            new_pool = [c for c in opened.customer_id.tolist() if c not in used_new]
            rng.shuffle(new_pool)
            for ch, ptype, name, cpl, conv in plan:
                cid += 1
                low_roi = (ch == "livestream")  # the livestream fund talks cost a lot for little
                ab = (ch == "app" and q == self.quarters[-1]) or (ch == "phone" and q == self.quarters[-2])
                n_leads = max(40, int(self.n * 0.012 * rng.uniform(0.7, 1.3)))
                if ab:  # big enough for the difference between the two scripts to show
                    n_leads = max(900, int(self.n * 0.05))
                start = q.start + timedelta(days=int(rng.integers(0, 20)))
                end = min(start + timedelta(days=int(rng.integers(30, 70))), q.end)
                cost = round(n_leads * cpl * (3.2 if low_roi else 1.0) * rng.uniform(0.85, 1.15), 2)
                camp_id = f"CMP{cid:03d}"
                camp_rows.append({"campaign_id": camp_id, "campaign_name": f"{q} {name}", "channel": ch,
                                  "start_date": start, "end_date": end, "cost": cost,
                                  "target_tier": "mass" if ch in ("app", "wechat", "livestream") else "potential",
                                  "product_id": products_by_type.get(ptype)})
                contact_end = min(end, self.as_of)
                if contact_end < start:
                    continue
                span = (contact_end - start).days
                prospect = rng.random(n_leads) < 0.3
                variant = np.where(rng.random(n_leads) < 0.5, "A", "B") if ab else np.array([None] * n_leads)
                p_conv = np.full(n_leads, conv * (0.55 if low_roi else 1.0))
                if ab:
                    p_conv = np.where(variant == "A", conv * 0.7, conv * 1.3)
                r = rng.random(n_leads)
                converted = r < p_conv
                applied = r < np.minimum(p_conv * 1.6, 1)
                interested = r < np.minimum(p_conv * 2.8, 1)
                stage = np.where(converted, "converted", np.where(applied, "applied",
                                 np.where(interested, "interested", "contacted")))
                stage = np.where(~converted & (rng.random(n_leads) < 0.3) & interested, "lost", stage)
                contact = [start + timedelta(days=int(x)) for x in rng.integers(0, span + 1, n_leads)]
                ex = existing.sample(n=n_leads, replace=True, random_state=int(rng.integers(1 << 31)))
                for j in range(n_leads):
                    lid += 1
                    customer = None if prospect[j] else ex.customer_id.iloc[j]
                    is_new = False
                    if prospect[j] and converted[j] and new_pool:
                        customer = new_pool.pop()
                        used_new.add(customer)
                        is_new = True
                        new_links.append((customer, ch, camp_id))
                    elif prospect[j] and converted[j]:
                        is_new = True  # won, not yet in the customer export
                    conv_date = min(contact[j] + timedelta(days=int(rng.integers(1, 15))), self.as_of) \
                        if converted[j] else None
                    amount = float(np.round(rng.lognormal(np.log(60_000), 0.9), 2)) if converted[j] else None
                    inflow = amount if converted[j] and ptype in ("wealth", "fund", "insurance", "deposit") else 0.0
                    lead_rows.append({"lead_id": f"L{lid:08d}", "campaign_id": camp_id, "customer_id": customer,
                                      "contact_date": contact[j], "channel": ch, "variant": variant[j],
                                      "stage": stage[j], "converted": bool(converted[j]), "converted_date": conv_date,
                                      "product_id": products_by_type.get(ptype), "amount": amount,
                                      "aum_inflow": inflow if converted[j] else None, "is_new_customer": is_new})
                    if converted[j] and customer is not None:
                        lead_sales.append((customer, products_by_type.get(ptype), conv_date, amount, ptype, ch))
        campaigns = pd.DataFrame(camp_rows)
        self.insert("campaigns", campaigns)
        leads = pd.DataFrame(lead_rows)
        for c in ("contact_date", "converted_date"):
            leads[c] = pd.to_datetime(leads[c])
        self.insert("leads", leads)
        # new customers won by campaigns carry the campaign's channel and cost per new customer
        if new_links:
            links = pd.DataFrame(new_links, columns=["customer_id", "channel", "campaign_id"])
            won = links.groupby("campaign_id").size().rename("won")
            links = links.join(won, on="campaign_id").merge(campaigns[["campaign_id", "cost"]], on="campaign_id")
            links["cac"] = (links["cost"] / links["won"]).round(2)
            cur = self.db.cursor()
            cur.register("_links", links)
            cur.execute("UPDATE customers SET acquisition_channel = l.channel, acquisition_cost = l.cac "
                        "FROM _links l WHERE customers.customer_id = l.customer_id")
            cur.close()
        # converted leads of known customers become sales
        if lead_sales:
            df = pd.DataFrame(lead_sales, columns=["customer_id", "product_id", "sale_date", "amount", "ptype", "channel"])
            rm = cust.set_index("customer_id").rm_id
            k = len(df)
            ids = np.arange(self.sale_seq + 1, self.sale_seq + k + 1)
            self.sale_seq += k
            df["sale_id"] = np.char.add("S", np.char.zfill(ids.astype(str), 9))
            df["rm_id"] = df.customer_id.map(rm)
            df["fee_income"] = (df.amount * df.ptype.map(_FEE_RATE).fillna(0.005)).round(2)
            df.loc[df.ptype == "credit_card", "fee_income"] = 200.0
            df["status"] = "active"
            df["sale_date"] = pd.to_datetime(df.sale_date)
            self.insert("sales", df.drop(columns=["ptype"]))

    # ---------------------------------------------------------------- RM activities
    # -- the sprint (lib/pdca/plan.py): offers, next-quarter reserve, and refusals in the push weeks
    SPRINT_OFFERS = (  # channel, product, name, cost per lead, conversion
        ("branch", "P001", "Sprint: points for deposits reaching a target", 25, 0.20),
        ("app", "P001", "Sprint: waived account-opening fees", 15, 0.12),
    )

    def sprint_offers_and_reserve(self) -> None:
        """Two sprint offers per quarter in weeks 10-12 (campaigns flagged sprint_offer; the running
        quarter's are planned, without leads yet); reserve leads (spring allocation bookings) of
        high-net-worth customers contacted in the sprint weeks, a third of them converted early in the
        next quarter; and refusals (stage 'refused', 客户拒签) among the lost leads, most in the
        push weeks. Its own random stream, so the rest of the demo bank is unchanged."""
        rng = np.random.default_rng([self.seed, 7_100])
        camps, leads = [], []
        n_lead = 0
        cust = self.db.query("SELECT customer_id FROM customers WHERE customer_type = 'retail'")
        for i, q in enumerate(self.quarters):
            start, end = q.week_start(10), q.week_end(12)
            for j, (ch, pid, name, cpl, conv) in enumerate(self.SPRINT_OFFERS):
                cid = f"SPR{i * 2 + j + 1:03d}"
                n = max(30, int(self.n * 0.008 * rng.uniform(0.8, 1.2)))
                camps.append({"campaign_id": cid, "campaign_name": f"{q} {name}", "channel": ch, "start_date": start,
                              "end_date": end, "cost": round(n * cpl * rng.uniform(0.9, 1.1), 2),
                              "target_tier": "mass", "product_id": pid, "sprint_offer": True})
                if start > self.as_of:
                    continue
                span = (min(end, self.as_of) - start).days
                ex = cust.sample(n=n, replace=True, random_state=int(rng.integers(1 << 31))).customer_id.to_numpy()
                won = rng.random(n) < conv
                for k in range(n):
                    n_lead += 1
                    d = start + timedelta(days=int(rng.integers(0, span + 1)))
                    amount = float(np.round(rng.lognormal(np.log(120_000), 0.7), 2)) if won[k] else None
                    leads.append({"lead_id": f"LS{n_lead:07d}", "campaign_id": cid, "customer_id": ex[k],
                                  "contact_date": d, "channel": ch, "stage": "converted" if won[k] else "contacted",
                                  "converted": bool(won[k]), "product_id": pid, "amount": amount,
                                  "converted_date": min(d + timedelta(days=int(rng.integers(1, 8))), self.as_of)
                                  if won[k] else None, "aum_inflow": amount, "is_new_customer": False,
                                  "reserve": False})
            # next quarter's reserve: bookings of high-net-worth customers in the sprint weeks
            if start > self.as_of:
                continue
            snap = max((d for d in self.snaps if d <= start), default=None)
            hnw = self.db.query("SELECT b.customer_id FROM v_balances b JOIN customers c USING (customer_id) "
                                "WHERE b.as_of = ? AND b.aum >= 500000 AND c.customer_type = 'retail' "
                                "ORDER BY b.customer_id", [snap])["customer_id"].to_numpy()
            if not len(hnw):
                continue
            n = min(len(hnw), max(12, int(self.n * 0.006)))
            nxt = q.next()
            for c in rng.choice(hnw, size=n, replace=False):
                n_lead += 1
                d = start + timedelta(days=int(rng.integers(0, (min(end, self.as_of) - start).days + 1)))
                pid = str(rng.choice(["P012", "P021", "P030"]))
                done_day = nxt.start + timedelta(days=int(rng.integers(3, 30)))
                won = rng.random() < 0.35 and done_day <= self.as_of
                amount = float(np.round(rng.lognormal(np.log(800_000), 0.5), -3))
                leads.append({"lead_id": f"LS{n_lead:07d}", "campaign_id": None, "customer_id": c, "contact_date": d,
                              "channel": str(rng.choice(["mobile_rm", "branch"])),
                              "stage": "converted" if won else "reserved", "converted": bool(won),
                              "converted_date": done_day if won else None, "product_id": pid, "amount": amount,
                              "aum_inflow": amount if won else None, "is_new_customer": False, "reserve": True})
        self.insert("campaigns", pd.DataFrame(camps))
        df = pd.DataFrame(leads)
        for c in ("contact_date", "converted_date"):
            df[c] = pd.to_datetime(df[c])
        self.insert("leads", df)
        # refusals: lost leads whose customer refused to sign, most in the push weeks
        lost = self.db.query("SELECT lead_id, contact_date FROM leads WHERE stage = 'lost' ORDER BY lead_id")
        if len(lost):
            wk = np.array([Quarter.of(d).week_of(d) for d in pd.to_datetime(lost["contact_date"]).dt.date])
            p = np.where((wk >= 3) & (wk <= 8), 0.65, 0.35)
            ids = lost.loc[rng.random(len(lost)) < p, "lead_id"].tolist()
            cur = self.db.cursor()
            try:
                cur.execute("UPDATE leads SET stage = 'refused' WHERE list_contains(?, lead_id)", [ids])
            finally:
                cur.close()

    def rm_activities(self) -> None:
        rng = np.random.default_rng([self.seed, 8_000])
        rows = []
        staff = self.org.staff
        for q in self.quarters:
            weeks = int(np.ceil(q.elapsed_share(self.as_of) * q.days / 7))
            for w in range(1, weeks + 1):
                day = q.week_start(w) + timedelta(days=2)
                if day > self.as_of:
                    break
                for r in staff.itertuples():
                    d = r.diligence
                    rows.append((r.rm_id, day, "digital_tool", float(rng.poisson(4 * d * (1.3 if r.hire_date.year >= 2023 else 0.9)))))
                    if w % 4 == 1:
                        rows.append((r.rm_id, day, "training", float(rng.choice([2.0, 4.0, 8.0]))))
                    if r.line == "retail" and rng.random() < 0.12 * d:
                        rows.append((r.rm_id, day, "livestream", 1.0))
                    if r.rm_id in self._mentors and w % 2 == 0:
                        rows.append((r.rm_id, day, "mentoring", 1.0))
        df = pd.DataFrame(rows, columns=["rm_id", "activity_date", "activity_type", "quantity"])
        df = df[df.quantity > 0].reset_index(drop=True)
        ids = np.arange(self.act_seq + 1, self.act_seq + len(df) + 1)
        self.act_seq += len(df)
        df["activity_id"] = np.char.add("A", np.char.zfill(ids.astype(str), 9))
        df["activity_date"] = pd.to_datetime(df.activity_date)
        self.insert("activities", df)

    @property
    def _mentors(self) -> set[str]:
        return set(self.org.staff.mentor_rm_id.dropna())

    # ---------------------------------------------------------------- referrals
    def referrals(self) -> None:
        rng = np.random.default_rng([self.seed, 9_000])
        staff = self.org.staff
        cust = self.db.query("SELECT customer_id, branch_id, customer_type FROM customers")
        pools = {k: g.customer_id.to_numpy() for k, g in cust.groupby(["branch_id", "customer_type"])}
        lines = {k: g.reset_index(drop=True) for k, g in
                 staff[staff.role != "branch manager"].groupby(["branch_id", "line"])}
        rows, rid = [], 0
        for q in self.quarters:
            n = max(10, int(self.n * 0.002 * q.elapsed_share(self.as_of)))
            for _ in range(n):
                b = self.org.branches.branch_id.iloc[rng.integers(len(self.org.branches))]
                corp = lines.get((b, "corporate"))
                ret = lines.get((b, "retail"))
                if corp is None or ret is None:
                    continue
                c2r = rng.random() < 0.65
                c_rm = corp.iloc[rng.integers(len(corp))]
                r_rm = ret.iloc[rng.integers(len(ret))]
                frm, to = (c_rm, r_rm) if c2r else (r_rm, c_rm)
                pool = pools.get((b, "retail" if c2r else "corporate"), [])
                customer = pool[rng.integers(len(pool))] if len(pool) else None
                conv = rng.random() < (0.45 + 0.1 * frm.skill)
                rid += 1
                d = q.start + timedelta(days=int(rng.integers(0, max(1, (min(q.end, self.as_of) - q.start).days))))
                rows.append({"referral_id": f"R{rid:06d}", "from_rm_id": frm.rm_id, "to_rm_id": to.rm_id,
                             "customer_id": customer,
                             "direction": "corporate_to_retail" if c2r else "retail_to_corporate",
                             "referral_date": d, "converted": bool(conv),
                             "amount": float(np.round(rng.lognormal(np.log(2e5 if c2r else 3e6), 0.8), 2)) if conv else None})
        df = pd.DataFrame(rows)
        df["referral_date"] = pd.to_datetime(df.referral_date)
        self.insert("referrals", df)

    # ---------------------------------------------------------------- assessments & surveys & ledger
    def assessments(self) -> None:
        rng = np.random.default_rng([self.seed, 10_000])
        dims = {"product_knowledge": 74, "sales_skills": 71, "digital_tools": 62, "compliance": 80,
                "service": 76, "risk_management": 66}
        rows = []
        for when in (date(2025, 12, 15), date(2026, 6, 15)):
            for r in self.org.staff.itertuples():
                for dim, mean in dims.items():
                    score = mean + 6 * r.skill + rng.normal(0, 7) + (3 if when.year == 2026 else 0)
                    rows.append((r.rm_id, when, dim, float(np.clip(round(score, 1), 0, 100))))
        df = pd.DataFrame(rows, columns=["rm_id", "assessed_on", "dimension", "score"])
        df["assessed_on"] = pd.to_datetime(df.assessed_on)
        self.insert("assessments", df)

    def surveys(self) -> None:
        rng = np.random.default_rng([self.seed, 11_000])
        ids = self.db.query("SELECT customer_id, status FROM customers USING SAMPLE 4 PERCENT (reservoir, 42)")
        needs = ["better deposit rates", "faster loan approval", "more fund choices", "weekend branch hours",
                 "clearer app navigation", "retirement planning advice", "cross-border payments", None, None, None]
        n = len(ids)
        score = np.clip(np.round(rng.normal(8.1, 1.4, n) - 2.0 * (ids.status != "active").to_numpy()), 1, 10)
        df = pd.DataFrame({
            "survey_id": [f"SV{i + 1:07d}" for i in range(n)],
            "customer_id": ids.customer_id,
            "survey_date": pd.to_datetime(_days(rng, n, HISTORY_START, self.as_of)),
            "score": score, "unmet_need": rng.choice(np.array(needs, dtype=object), n),
        })
        self.insert("surveys", df)

    def ledger(self) -> None:
        q = Quarter.of(self.as_of)
        managers = self.org.staff[self.org.staff.role == "branch manager"].rm_name.tolist()
        items = [
            ("customers", "New-customer acquisition behind plan pace in the South region",
             "Add two weekend app sign-up events per branch", 3, "in_progress"),
            ("channels", "Livestream fund talks cost too much per lead", "Cut to one session a week, test a new host", 4, "open"),
            ("products", "Wealth-product conversion low for potential-tier customers",
             "Bundle the 90-day wealth product with the payroll account", 2, "resolved"),
            ("team", "Junior RMs make few customer visits", "Pair each junior with a mentor for two visits a week", 5, "in_progress"),
            ("compliance", "Risk assessments expired for some wealth buyers", "Re-assess before the next purchase", 3, "open"),
            ("data", "CRM visit log missing for two branches", "Ask IT for the weekly CRM export", 6, "resolved"),
            ("customers", "High-value customers moving money to brokers", "Private-banker call list for the top 50 at risk", 7, "in_progress"),
            ("channels", "Mobile RM visits not logged on weekends", "Enable offline logging in the app", 8, "open"),
            ("products", "Supply-chain financing approvals slow", "Pre-approve limits for core-enterprise suppliers", 6, "open"),
            ("team", "Digital-tool scores lowest in the capability radar", "Run two hands-on sessions on the CRM app", 9, "open"),
        ]
        rows = []
        for i, (cat, problem, action, week, status) in enumerate(items):
            due = q.week_start(min(week + 2, q.weeks))
            rows.append({"item_id": f"{q}-{i + 1:03d}", "quarter": str(q), "week": week,
                         "owner": managers[i % len(managers)], "category": cat, "problem": problem,
                         "action": action, "due_date": due, "status": status,
                         "resolved_on": q.week_start(week + 1) if status == "resolved" else None, "notes": None})
        df = pd.DataFrame(rows)
        for c in ("due_date", "resolved_on"):
            df[c] = pd.to_datetime(df[c])
        self.insert("ledger", df)

    # ---------------------------------------------------------------- mentor journal, training, playbook
    JOURNAL_NEEDS = (
        ("Retiree couple wants steady income; deposits maturing next month",
         "Laddered 90/180-day wealth products plus a large-denomination CD; avoid R3+ for C2 tolerance"),
        ("Young family saving for school fees, salary paid elsewhere",
         "Move payroll to us with the fee waiver, then a monthly fund plan matched to C3"),
        ("Small-business owner needs working capital before the festival season",
         "Business loan pre-approval with the corporate account; refer to the corporate RM for payroll"),
        ("High-net-worth client asks about overseas education remittance",
         "FX settlement with the cross-border desk; insurance for education savings as a second step"),
        ("Customer worried about fund losses after the market fell",
         "Review risk tolerance first, then rebalance towards R2 wealth; no new equity funds this quarter"),
    )

    def team_plan(self) -> None:
        """Mentor's customer journal (most months logged, some missed), training enrolments in the
        plan's programmes, and two innovation cases for the current quarter's playbook."""
        rng = np.random.default_rng([self.seed, 12_000])
        staff = self.org.staff
        pairs = staff[staff.mentor_rm_id.notna()]
        months = pd.period_range(HISTORY_START, self.as_of, freq="M").strftime("%Y-%m").tolist()
        books = self.db.query("SELECT rm_id, min(customer_id) AS c FROM customers GROUP BY rm_id")
        book = dict(zip(books.rm_id, books.c))
        rows = []
        for k, r in enumerate(pairs.itertuples()):
            hired = f"{pd.Timestamp(r.hire_date):%Y-%m}" if r.hire_date is not None and not pd.isna(r.hire_date) else ""
            diligent = rng.random() < 0.7
            for m in months:
                if m < hired or rng.random() > (0.95 if diligent else 0.55) or (m == months[-1] and k % 3 == 0):
                    continue
                needs, logic = self.JOURNAL_NEEDS[int(rng.integers(len(self.JOURNAL_NEEDS)))]
                rows.append({"entry_id": f"MJ-{r.mentor_rm_id}-{r.rm_id}-{m}-001", "mentor_rm_id": r.mentor_rm_id,
                             "mentee_rm_id": r.rm_id, "month": m, "customer_id": book.get(r.rm_id),
                             "needs": needs, "matching_logic": logic, "created_by": "demo",
                             "created_on": pd.Timestamp(m + "-25")})
        self.insert("mentor_journal", pd.DataFrame(rows))
        q, nq = Quarter.of(self.as_of), Quarter.of(self.as_of).next()
        enr = []
        for r in staff.itertuples():
            junior = r.hire_date is not None and not pd.isna(r.hire_date) and pd.Timestamp(r.hire_date).year >= 2025
            prog = ("okr_training" if r.role == "branch manager" else "onboarding_camp" if junior
                    else ["wealth_master_class", "digital_marketing_camp"][int(rng.integers(2))])
            if rng.random() < 0.45 or junior:
                done = rng.random() < 0.5
                start = q.week_start(int(rng.integers(1, 8)))
                enr.append({"rm_id": r.rm_id, "programme": prog, "quarter": str(q), "status": "done" if done else "enrolled",
                            "enrolled_on": pd.Timestamp(start),
                            "completed_on": pd.Timestamp(start + timedelta(days=30)) if done else None})
            if rng.random() < 0.2:
                enr.append({"rm_id": r.rm_id, "programme": "digital_marketing_camp", "quarter": str(nq),
                            "status": "enrolled", "enrolled_on": pd.Timestamp(self.as_of), "completed_on": None})
        df = pd.DataFrame(enr).drop_duplicates(["rm_id", "programme", "quarter"])
        self.insert("training_enrolments", df)
        rms = staff[staff.role != "branch manager"].rm_id.tolist()
        cases = [("Payroll-led family banking", "potential (white-collar)",
                  "Signed the payroll of a 300-employee firm and held a lunchtime wealth clinic in its office",
                  "46 new retail customers, 12 fund plans in four weeks"),
                 ("Spring allocation bookings for private clients", "private / wealth",
                  "Pre-booked January allocation meetings with the top 30 clients during the sprint",
                  "18 bookings carried into next quarter's lead reserve")]
        self.insert("qd_playbook_cases", pd.DataFrame([
            {"case_id": f"PB-{q}-{i + 1:03d}", "quarter": str(q), "title": t, "rm_id": rms[(i * 7) % len(rms)],
             "segment": seg, "what_done": what, "result": res, "created_by": "demo",
             "created_at": pd.Timestamp(self.as_of)} for i, (t, seg, what, res) in enumerate(cases)]))

    # ---------------------------------------------------------------- plan and peers
    TARGET_METRICS = ("aum", "aum_growth", "new_customers", "acquisition_cost", "churn_rate", "retention_rate",
                      "products_per_customer", "wealth_penetration", "conversion_rate", "card_conversion",
                      "wealth_conversion", "fee_income", "active_share", "corp_deposits", "corp_loans",
                      "active_corporate_clients", "new_corporate_clients", "net_new_money", "large_client_revenue",
                      "large_client_cost_income", "small_biz_revenue", "small_biz_risk_share", "supply_chain_usage",
                      "fx_usage", "refusal_rate")
    RM_TARGETS = ("aum", "new_customers", "fee_income")

    def targets_and_peers(self) -> None:
        rng = np.random.default_rng([self.seed, 12_000])
        current = Quarter.of(self.as_of)
        # plan ambition per metric in the running quarter: new customers and conversion lag most
        stretch = {"new_customers": 1.45, "card_conversion": 1.2, "fee_income": 1.12, "wealth_penetration": 1.03}
        rows, peers = [], []
        for q in self.quarters:
            share = q.elapsed_share(self.as_of)
            for key in self.TARGET_METRICS:
                m = metrics.metric(key)
                levels = [("bank", None), ("region", "region"), ("branch", "branch_id")]
                if key in self.RM_TARGETS:
                    levels.append(("rm", "rm_id"))
                for level, group in levels:
                    df = metrics.compute_grouped(self.db, key, q, Scope(), group)
                    for g, v in zip(df.grp, df.value):
                        if v is None or pd.isna(v) or pd.isna(g) or g == "":
                            continue
                        if m.kind == "flow" and share < 1:
                            v = v / max(share, 0.05)
                        amb = stretch.get(key, 1.05) if q == current else 1.04
                        f = rng.normal(amb, 0.06) if m.higher_is_better else rng.normal(2 - amb, 0.06)
                        if m.unit == "pct":
                            tv = float(np.clip(v * f, 0, 1))
                        else:
                            tv = float(v * f)
                        tv = float(f"{tv:.6g}")  # plans are round figures; also hides float-sum jitter
                        rows.append({"quarter": str(q), "scope": level, "scope_id": "ALL" if group is None else g,
                                     "metric": key, "week": 0, "target_value": tv})
                        if level == "bank" and m.kind == "rate" or (level == "bank" and key == "products_per_customer"):
                            peers.append({"quarter": str(q), "metric": key,
                                          "peer_value": float(f"{v * rng.normal(1.0, 0.07):.4g}"),
                                          "source": "Regional banking association survey (demo)"})
        self.insert("targets", pd.DataFrame(rows))
        self.insert("peer_benchmarks", pd.DataFrame(peers))


    # -- related parties (lib/related): outside companies and the relationship graph
    PARTY_SUFFIX = ["实业有限公司", "贸易有限公司", "投资控股有限公司", "建设集团有限公司", "物流有限公司"]

    def related_parties(self) -> None:
        """Outside companies and relations among corporate customers and them: ownership trees under
        holding companies (one of them a highly indebted group with an overdue subsidiary), guarantee
        circles (互保 / 联保; one member 95 days overdue), loose guarantee chains, supply chains
        around core enterprises and shared legal representatives. Deterministic with the seed."""
        rng = np.random.default_rng([self.seed, 13_000])
        corp = [r[0] for r in self.db.rows(
            "SELECT customer_id FROM customers WHERE customer_type = 'corporate' ORDER BY customer_id")]
        n_c = len(corp)
        if n_c < 10:
            return
        n_o = max(30, n_c // 2)
        oid = [f"E{i:07d}" for i in range(1, n_o + 1)]
        suffix = np.array(self.PARTY_SUFFIX)[rng.integers(0, len(self.PARTY_SUFFIX), n_o)]
        n_h = max(3, n_c // 15)
        suffix[:n_h] = "投资控股有限公司"
        names = [f"{a}{b}{c}" for a, b, c in zip(rng.choice(CO_WORDS, n_o), rng.choice(CO_WORDS, n_o), suffix)]
        overdue = np.where(rng.random(n_o) < 0.05, rng.integers(30, 200, n_o), 0)
        parties = pd.DataFrame({
            "party_id": oid, "party_name": names, "industry": rng.choice(INDUSTRIES, n_o),
            "overdue_days": overdue, "debt_ratio": np.round(rng.beta(5, 4, n_o), 3),
            "litigation": rng.random(n_o) < 0.05, "enforcement": rng.random(n_o) < 0.015})
        rows: list[tuple] = []

        def rel(f, t, kind, share=None, amount=None):
            rows.append((f, t, kind, share, amount))

        pool = list(rng.permutation(corp))
        holdings, outsiders = oid[:n_h], oid[n_h:]
        # ownership trees: holding -> 2..5 subsidiaries (customers), some owning a further customer
        for h_i, h in enumerate(holdings):
            rel(outsiders[(h_i * 7) % len(outsiders)], h, "controller")
            for _ in range(int(rng.integers(2, 6))):
                if len(pool) < 2:
                    break
                sub = pool.pop()
                rel(h, sub, "shareholder", round(float(rng.uniform(0.51, 1.0)), 2))
                if rng.random() < 0.3:
                    rel(sub, pool.pop(), "shareholder", round(float(rng.uniform(0.3, 0.8)), 2))
        # the highly indebted group: holding 0 at 93% debt, in litigation, with an overdue subsidiary
        parties.loc[0, ["debt_ratio", "litigation"]] = [0.93, True]
        bad_sub = outsiders[1]
        parties.loc[parties.party_id == bad_sub, ["overdue_days", "enforcement"]] = [120, True]
        rel(holdings[0], bad_sub, "shareholder", 0.7)
        # minority shareholders from outside
        for c in corp:
            if rng.random() < 0.12:
                rel(outsiders[int(rng.integers(len(outsiders)))], c, "shareholder", round(float(rng.uniform(0.05, 0.3)), 2))
        # guarantee circles: 2 (mutual), 3-5 (joint); circle 0 runs through an outside company 95 days overdue
        ring_pool = list(rng.permutation(corp))
        for i in range(max(3, n_c // 50)):
            size = (2, 3, 4, 3, 5)[i % 5]
            members = [ring_pool.pop() for _ in range(size)]
            if i == 0:
                members[-1] = outsiders[2]
                parties.loc[parties.party_id == outsiders[2], ["overdue_days", "debt_ratio"]] = [95, 0.88]
            for a, b in zip(members, members[1:] + members[:1]):
                rel(a, b, "guarantee", amount=float(rng.integers(5, 51)) * 1e6)
        # loose guarantees (chains): customers and outside companies guaranteeing customers
        for _ in range(n_c // 5):
            f = corp[int(rng.integers(n_c))] if rng.random() < 0.6 else outsiders[int(rng.integers(len(outsiders)))]
            rel(f, corp[int(rng.integers(n_c))], "guarantee", amount=float(rng.integers(1, 21)) * 1e6)
        # supply chains around core enterprises: suppliers -> core -> buyers
        for core in list(rng.choice(corp, max(2, n_c // 25), replace=False)):
            for _ in range(int(rng.integers(3, 8))):
                sup = outsiders[int(rng.integers(len(outsiders)))] if rng.random() < 0.6 else corp[int(rng.integers(n_c))]
                rel(sup, core, "supply_chain")
            for _ in range(int(rng.integers(1, 4))):
                rel(core, corp[int(rng.integers(n_c))], "supply_chain")
        # shared legal representatives
        for _ in range(max(2, n_c // 30)):
            rel(corp[int(rng.integers(n_c))], outsiders[int(rng.integers(len(outsiders)))], "legal_rep")
        df = pd.DataFrame(rows, columns=["from_party", "to_party", "relation", "share_pct", "amount"])
        df = df[df.from_party != df.to_party].drop_duplicates(["from_party", "to_party", "relation"])
        n = len(df)
        since = _days(rng, n, date(2014, 1, 1), date(2025, 12, 31))
        ended = rng.random(n) < 0.04
        df["since"] = since
        df["until"] = np.where(ended, _days(rng, n, date(2024, 1, 1), date(2025, 12, 31)), np.datetime64("NaT"))
        df.loc[df.index[:1], "until"] = np.datetime64("NaT")
        self.insert("outside_parties", parties)
        self.insert("relations", df.reset_index(drop=True))

_FEE_RATE = {"deposit": 0.0, "wealth": 0.006, "fund": 0.012, "insurance": 0.03, "credit_card": 0.0,
             "consumer_loan": 0.004, "mortgage": 0.002, "precious_metal": 0.004, "corporate_account": 0.0005,
             "payroll": 0.001, "business_loan": 0.003, "supply_chain": 0.004, "fx_settlement": 0.0015}
_TYPE_LEVEL: dict[tuple[str, int], list[str]] = {}
for _p in PRODUCTS:
    if _p[2] in ("wealth", "fund", "insurance") and _p[4] != "corporate":
        _TYPE_LEVEL.setdefault((_p[2], int(_p[3][1])), []).append(_p[0])
_TYPE_LEVEL_NEAREST: dict[tuple[str, int], list[str]] = {}
for _t in ("wealth", "fund", "insurance"):
    for _lvl in range(1, 6):
        _cands = sorted((abs(k[1] - _lvl), k[1]) for k in _TYPE_LEVEL if k[0] == _t)
        _TYPE_LEVEL_NEAREST[(_t, _lvl)] = _TYPE_LEVEL[(_t, _cands[0][1])]


# ---------------------------------------------------------------- entry points
def build(out: str, n_customers: int = 20_000, seed: int = 7, as_of: date = AS_OF, verbose: bool = False) -> None:
    """Build the demo bank into `out` (a new file, or ":memory:" is not supported here)."""
    tmp = out + ".building"
    for p in (tmp, tmp + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    db = open_database(tmp)
    try:
        cur = db.cursor()
        cur.execute("SET preserve_insertion_order = false")
        cur.close()
        b = Builder(db, n_customers, seed, as_of)
        b.verbose = verbose
        b.build()
        db.cursor().execute("CHECKPOINT")
    finally:
        db.close()
    forget_database(out)
    os.replace(tmp, out)


def build_into(db: Database, n_customers: int = 2_000, seed: int = 7, as_of: date = AS_OF) -> None:
    """Build the demo bank into an open (e.g. in-memory) database; used by tests."""
    Builder(db, n_customers, seed, as_of).build()


def ensure_demo(path: str, n_customers: int = 20_000, seed: int = 7) -> bool:
    """Build the demo bank at `path` unless a database is already there. Safe when several
    sessions or processes start at once: one builds, the others wait. True if built."""
    if os.path.exists(path):
        return False
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.path.exists(path):
                return False
            build(path, n_customers, seed)
            return True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.demo", description="Build the Quarterdeck demo bank.")
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=None, help="database file (default: $QUARTERDECK_DB or data/quarterdeck.duckdb)")
    ap.add_argument("--force", action="store_true", help="replace an existing file")
    args = ap.parse_args(argv)
    from lib.core.db import default_db_path
    out = args.out or default_db_path()
    if os.path.exists(out) and not args.force and args.out is None:
        print(f"{out} exists; pass --force to replace it", file=sys.stderr)
        return 1
    t0 = time.time()
    build(out, args.customers, args.seed, verbose=True)
    print(f"built {args.customers:,} customers into {out} in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
