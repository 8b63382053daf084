"""Real public bank files and Chinese core-banking-style exports, loaded as a new user would.

Files: tests/corpus/real/ (origins and licences in SOURCES.md). For each file the table lists what
a manager would map it to (table, the header/value choices detection cannot know), the counts a
correct load gives, and TRUE figures computed here with pandas straight from the source file.

Each file goes through both product paths into a fresh database:
- the command line (``python -m lib.ingest``, a subprocess), then a second time with no options so
  the remembered mapping (with its value rules and constants) is used;
- the app path (what lib/ui/ingest.py does): detect.inspect -> mapping.propose -> the manager's
  choices -> dry run (the report) -> load, then again with the remembered mapping.
The report's counts, the load's counts, the CLI's counts and the remembered run's counts must agree,
and the stored values must match the source (no silent change), and the registry metrics computed
for the bank scope must give the true figures.

These cases are expectations of a correct product (issue #14); they are not relaxed to today's
behaviour. The state per file is kept in the team's corpus status notes.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pytest

from lib.core.db import Scope, open_database
from lib.ingest import detect, load, mapping

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "corpus", "real")
LINE_RE = re.compile(r"^(\S+) table=(\w+) read=(\d+) inserted=(\d+) updated=(\d+) unchanged=(\d+) "
                     r"rejected=(\d+) import_id=(\d+)$")
AS_OF = "2026-03-31"


def src_path(name: str) -> str:
    return os.path.join(CORPUS, name)


# ---- the source, read independently with pandas ---------------------------------------------
def read_src(name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(src_path(name), dtype=str, keep_default_na=False, **kw)


def money(s: pd.Series) -> pd.Series:
    """'￥1,234.50' / '1,234.50' / '' -> float (NaN for empty)."""
    return pd.to_numeric(s.str.replace("￥", "", regex=False).str.replace(",", "", regex=False).replace("", None))


def eu_money(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))


def churn_modelling():
    return read_src("churn_modelling.csv")


def bank_churners():
    return read_src("bank_churners.csv")


def bank_additional():
    return read_src("bank_additional_full.csv", sep=";")


def berka(name):
    return read_src(name, sep=";")


def cn(name):
    return read_src(name, encoding="gbk")


def xlsx_accounts():
    return pd.read_excel(src_path("cn_accounts.xlsx"), dtype=str)


# ---- expectations ---------------------------------------------------------------------------
@dataclass
class Truth:
    label: str
    sql: str                 # a scalar or a list of rows from the loaded database
    expected: object         # computed from the source above
    tol: float = 0.005


@dataclass
class Case:
    file: str
    table: str
    read: int
    loaded: int
    rejected: int
    maps: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    sets: dict = field(default_factory=dict)
    as_of: str | None = None
    surrogate_key: bool = False
    truths: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)   # metric key -> (quarter, true value)
    note: str = ""
    detectable: bool = True  # headers that say what the file is (A1..A16 do not)
    ask: bool = False        # the headers fit several tables: detection must not guess, but list candidates with why


def _cm():
    df = churn_modelling()
    bal = pd.to_numeric(df["Balance"])
    return Case(
        "churn_modelling.csv", "customers", 200, 200, 0,
        maps={"CustomerId": "customer_id", "Surname": "customer_name", "Geography": "branch_id",
              "Balance": "balances.deposits", "Exited": "status"},
        values={"status": {"1": "closed", "0": "active"}}, sets={"customer_type": "retail"}, as_of=AS_OF,
        truths=[
            Truth("customer ids as in the file", "SELECT list(customer_id ORDER BY customer_id) FROM customers",
                  sorted(df["CustomerId"])),
            Truth("churn share (Exited=1) = share of status closed",
                  "SELECT avg(CASE WHEN status = 'closed' THEN 1.0 ELSE 0 END) FROM customers",
                  (df["Exited"] == "1").mean()),
            Truth("total balance (AUM) at the snapshot",
                  f"SELECT sum(deposits) FROM balances WHERE as_of = DATE '{AS_OF}'", bal.sum()),
            Truth("balance per customer unchanged",
                  f"SELECT list(deposits ORDER BY customer_id) FROM balances WHERE as_of = DATE '{AS_OF}'",
                  list(bal[df["CustomerId"].argsort()].astype(float))),
            Truth("extra EstimatedSalary kept exactly",
                  "SELECT sum(CAST(json_extract_string(extra_attrs, '$.EstimatedSalary') AS DOUBLE)) FROM customers",
                  pd.to_numeric(df["EstimatedSalary"]).sum()),
        ],
        metrics={"aum": ("2026Q1", bal.sum())})


def _bc():
    df = bank_churners()
    return Case(
        "bank_churners.csv", "customers", 200, 200, 0,
        maps={"CLIENTNUM": "customer_id", "Attrition_Flag": "status"},
        values={"status": {"Existing Customer": "active", "Attrited Customer": "closed"}},
        sets={"customer_type": "retail", "branch_id": "HQ"},
        truths=[
            Truth("customer ids", "SELECT list(customer_id ORDER BY customer_id) FROM customers", sorted(df["CLIENTNUM"])),
            Truth("attrition share = share closed",
                  "SELECT avg(CASE WHEN status = 'closed' THEN 1.0 ELSE 0 END) FROM customers",
                  (df["Attrition_Flag"] == "Attrited Customer").mean()),
            Truth("'Unknown' education kept as text in the extras",
                  "SELECT count(*) FROM customers WHERE json_extract_string(extra_attrs, '$.Education_Level') = 'Unknown'",
                  int((df["Education_Level"] == "Unknown").sum())),
            Truth("'Unknown' income category kept as text",
                  "SELECT count(*) FROM customers WHERE json_extract_string(extra_attrs, '$.Income_Category') = 'Unknown'",
                  int((df["Income_Category"] == "Unknown").sum())),
            Truth("credit limits kept", "SELECT sum(CAST(json_extract_string(extra_attrs, '$.Credit_Limit') AS DOUBLE)) "
                  "FROM customers", pd.to_numeric(df["Credit_Limit"]).sum()),
        ])


def _ba():
    df = bank_additional()
    return Case(
        "bank_additional_full.csv", "leads", 100, 100, 0,
        maps={"y": "converted", "contact": "channel", "campaign": mapping.EXTRA},
        values={"channel": {"telephone": "phone", "cellular": "phone"}}, surrogate_key=True,
        truths=[
            Truth("leads loaded", "SELECT count(*) FROM leads", len(df)),
            Truth("conversion rate (y = yes)", "SELECT avg(CASE WHEN converted THEN 1.0 ELSE 0 END) FROM leads",
                  (df["y"] == "yes").mean()),
            Truth("no campaign invented from the contact count", "SELECT count(*) FROM campaigns", 0),
            Truth("'unknown' default kept as text",
                  "SELECT count(*) FROM leads WHERE json_extract_string(extra_attrs, '$.default') = 'unknown'",
                  int((df["default"] == "unknown").sum())),
            Truth("contacts per lead (campaign column) kept", "SELECT sum(CAST(json_extract_string(extra_attrs, "
                  "'$.campaign') AS INTEGER)) FROM leads", int(pd.to_numeric(df["campaign"]).sum())),
        ],
        note="undated call list: conversion rate of what is loaded must be shown (issue #14 §4)")


def _bd():
    df = berka("berka_district.asc")
    return Case(
        "berka_district.asc", "branches", 77, 77, 0, maps={"A1": "branch_id", "A2": "branch_name", "A3": "region"},
        detectable=False,
        truths=[Truth("districts", "SELECT count(*) FROM branches", len(df)),
                Truth("regions", "SELECT count(DISTINCT region) FROM branches", df["A3"].nunique()),
                Truth("names", "SELECT list(branch_name ORDER BY CAST(branch_id AS INTEGER)) FROM branches",
                      list(df["A2"]))])


def _bcl():
    df = berka("berka_client.asc")
    return Case(
        "berka_client.asc", "customers", 200, 200, 0, maps={"client_id": "customer_id", "district_id": "branch_id"},
        sets={"customer_type": "retail"},
        truths=[Truth("client ids", "SELECT list(customer_id ORDER BY customer_id) FROM customers", sorted(df["client_id"])),
                Truth("birth numbers kept as text", "SELECT list(json_extract_string(extra_attrs, '$.birth_number') "
                      "ORDER BY CAST(customer_id AS INTEGER)) FROM customers", list(df["birth_number"]))])


def _bac():
    df = berka("berka_account.asc")
    opened = pd.to_datetime(df["date"], format="%y%m%d").dt.date
    return Case(
        "berka_account.asc", "customers", 200, 200, 0, ask=True,
        note="an account list could be customers (one account per client) or not: the manager picks",
        maps={"account_id": "customer_id", "district_id": "branch_id", "date": "open_date"},
        sets={"customer_type": "retail"},
        truths=[Truth("opening dates (YYMMDD)", "SELECT list(open_date ORDER BY CAST(customer_id AS INTEGER)) FROM customers",
                      list(opened[df["account_id"].astype(int).argsort()])),
                Truth("statement frequency kept", "SELECT count(*) FROM customers WHERE "
                      "json_extract_string(extra_attrs, '$.frequency') = 'POPLATEK MESICNE'",
                      int((df["frequency"] == "POPLATEK MESICNE").sum()))])


def _bl():
    df = berka("berka_loan.asc")
    amt = pd.to_numeric(df["amount"])
    return Case(
        "berka_loan.asc", "sales", 200, 200, 0,
        maps={"loan_id": "sale_id", "account_id": "customer_id", "date": "sale_date", "amount": "amount",
              "status": "status"},
        values={"status": {"A": "matured", "B": "matured", "C": "active", "D": "active"}},
        sets={"product_id": "LOAN"},
        truths=[Truth("loan volume", "SELECT sum(amount) FROM sales", amt.sum()),
                Truth("running loans (C, D)", "SELECT count(*) FROM sales WHERE status = 'active'",
                      int(df["status"].isin(["C", "D"]).sum())),
                Truth("first loan date", "SELECT min(sale_date) FROM sales",
                      pd.to_datetime(df["date"], format="%y%m%d").min().date()),
                Truth("monthly payments kept", "SELECT sum(CAST(json_extract_string(extra_attrs, '$.payments') AS DOUBLE)) "
                      "FROM sales", pd.to_numeric(df["payments"]).sum())])


def _bt():
    df = berka("berka_trans.asc")
    first = df.drop_duplicates(["account_id", "date"])
    return Case(
        "berka_trans.asc", "balances", 200, len(first), 200 - len(first), ask=True,
        maps={"account_id": "customer_id", "date": "as_of", "balance": "deposits"},
        truths=[Truth("balances of the loaded (first per account and day) rows", "SELECT sum(deposits) FROM balances",
                      pd.to_numeric(first["balance"]).sum())],
        note="transactions as daily balance snapshots; a second row for the same account and day is rejected "
             "(the product's stated duplicate-key rule)")


def _cnb():
    df = cn("cn_branches_gbk.csv")
    return Case("cn_branches_gbk.csv", "branches", 5, 5, 0,
                truths=[Truth("branches", "SELECT list(branch_id ORDER BY branch_id) FROM branches", sorted(df["网点号"]))])


def _cnc():
    df = cn("cn_customers_gbk.csv")
    bal = money(df["账户余额"])
    return Case(
        "cn_customers_gbk.csv", "customers", 120, 120, 0, as_of=AS_OF,
        truths=[Truth("所属网点 is the branch", "SELECT list(branch_id ORDER BY customer_id) FROM customers",
                      list(df.sort_values("客户号")["所属网点"])),
                Truth("客户经理工号 is the RM", "SELECT count(*) FROM customers WHERE rm_id IS NOT NULL", len(df)),
                Truth("销户 = closed", "SELECT count(*) FROM customers WHERE status = 'closed'", int((df["客户状态"] == "销户").sum())),
                Truth("账户余额 total (￥, thousands separators)",
                      f"SELECT sum(deposits) FROM balances WHERE as_of = DATE '{AS_OF}'", bal.sum())],
        metrics={"aum": ("2026Q1", bal.sum())})


def _cnw():
    df = cn("cn_balances_wanyuan_gbk.csv")
    df = df[df["客户号"] != "合计"]
    dep, wl, fu = (money(df[c]) * 10_000 for c in ("存款余额(万元)", "理财余额(万元)", "基金余额(万元)"))
    return Case(
        "cn_balances_wanyuan_gbk.csv", "balances", 100, 100, 0,
        truths=[Truth("存款余额(万元) in yuan", "SELECT sum(deposits) FROM balances", dep.sum()),
                Truth("理财余额(万元) in yuan", "SELECT sum(wealth) FROM balances", wl.sum()),
                Truth("基金余额(万元) in yuan", "SELECT sum(funds) FROM balances", fu.sum())],
        metrics={"aum": ("2026Q1", dep.sum() + wl.sum() + fu.sum())},
        note="the 合计 row is a totals row, not data")


def _cnx():
    df = xlsx_accounts()
    dep = pd.to_numeric(df["存款余额"])
    return Case(
        "cn_accounts.xlsx", "customers", 60, 60, 0, as_of=AS_OF,
        truths=[Truth("12-digit 客户号 as text", "SELECT list(customer_id ORDER BY customer_id) FROM customers",
                      sorted(df["客户号"])),
                Truth("20-digit 账号 exactly", "SELECT list(json_extract_string(extra_attrs, '$.账号') ORDER BY customer_id) "
                      "FROM customers", list(df.sort_values("客户号")["账号"])),
                Truth("所属支行 is the branch", "SELECT count(*) FROM customers WHERE branch_id IS NOT NULL", len(df)),
                Truth("存款余额 total", "SELECT sum(deposits) FROM balances", dep.sum())],
        metrics={"aum": ("2026Q1", dep.sum())})


def _eu():
    df = read_src("eu_balances_decimal_comma.csv", sep=";")
    dep, wl = eu_money(df["deposits"]), eu_money(df["wealth"])
    return Case(
        "eu_balances_decimal_comma.csv", "balances", 80, 80, 0,
        truths=[Truth("deposits (1.234,56)", "SELECT sum(deposits) FROM balances", dep.sum()),
                Truth("wealth (1.234,56)", "SELECT sum(wealth) FROM balances", wl.sum()),
                Truth("per-row deposits unchanged", "SELECT list(deposits ORDER BY customer_id) FROM balances",
                      list(dep[df["customer_id"].argsort()].astype(float))),
                Truth("dates 31.03.2026", "SELECT list(DISTINCT as_of) FROM balances", [date(2026, 3, 31)])],
        metrics={"aum": ("2026Q1", dep.sum() + wl.sum())})


def _ml():
    df = pd.read_csv(src_path("cn_multiline_note.csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return Case(
        "cn_multiline_note.csv", "customers", 50, 50, 0,
        truths=[Truth("customers", "SELECT count(*) FROM customers", len(df)),
                Truth("备注 with a line break kept", "SELECT count(*) FROM customers WHERE "
                      "json_extract_string(extra_attrs, '$.备注') = '地址变更：\n朝阳区建国路88号'",
                      int((df["备注"] == "地址变更：\n朝阳区建国路88号").sum())),
                Truth("'Unknown' note kept", "SELECT count(*) FROM customers WHERE "
                      "json_extract_string(extra_attrs, '$.备注') = 'Unknown'", int((df["备注"] == "Unknown").sum()))])


def _dup():
    raw = pd.read_csv(src_path("cn_duplicate_header_gbk.csv"), dtype=str, encoding="gbk", header=None)
    body = raw.iloc[1:]
    return Case(
        "cn_duplicate_header_gbk.csv", "customers", 40, 40, 0, as_of=AS_OF,
        truths=[Truth("first 客户名称 is the name", "SELECT list(customer_name ORDER BY customer_id) FROM customers",
                      list(body.sort_values(0)[1])),
                Truth("second 客户名称 column kept (not dropped)", "SELECT count(*) FROM customers c, "
                      "json_each(c.extra_attrs) e WHERE json_extract_string(e.value, '$') LIKE 'Client %'", len(body)),
                Truth("存款余额 total", "SELECT sum(deposits) FROM balances", pd.to_numeric(body[5]).sum())])


def _cnl():
    df = cn("cn_leads_gbk.csv")
    conv = (df["是否成交"] == "是").mean()
    return Case(
        "cn_leads_gbk.csv", "leads", 150, 150, 0,
        truths=[Truth("conversion (是否成交 = 是)", "SELECT avg(CASE WHEN converted THEN 1.0 ELSE 0 END) FROM leads", conv),
                Truth("成交金额 total", "SELECT sum(amount) FROM leads", money(df["成交金额"]).sum()),
                Truth("渠道 mapped", "SELECT list(DISTINCT channel ORDER BY channel) FROM leads", ["app", "branch", "phone"]),
                Truth("联系日期 2026/1/5", "SELECT min(contact_date) FROM leads",
                      pd.to_datetime(df["联系日期"], format="%Y/%m/%d").min().date())],
        metrics={"conversion_rate": ("2026Q1", conv)})


CASES = [f() for f in (_cm, _bc, _ba, _bd, _bcl, _bac, _bl, _bt, _cnb, _cnc, _cnw, _cnx, _eu, _ml, _dup, _cnl)]
IDS = [c.file for c in CASES]


# ---- helpers --------------------------------------------------------------------------------
def cli(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "lib.ingest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def cli_args(case: Case, with_options: bool = True) -> list[str]:
    a = []
    if with_options:
        a += ["--table", case.table]
        a += [x for k, v in case.maps.items() for x in ("--map", f"{k}={v}")]
        a += [x for col, vm in case.values.items() for s, t in vm.items() for x in ("--value", f"{col}:{s}={t}")]
        a += [x for k, v in case.sets.items() for x in ("--set", f"{k}={v}")]
        a += ["--as-of", case.as_of] if case.as_of else []
        a += ["--surrogate-key"] if case.surrogate_key else []
    return a


def counts_of(stdout: str) -> list[tuple]:
    """(table, read, loaded, rejected) per summary line."""
    out = []
    for line in stdout.strip().splitlines():
        m = LINE_RE.match(line)
        assert m, f"not a summary line: {line!r}"
        _, table, read, ins, upd, unch, rej, _ = m.groups()
        out.append((table, int(read), int(ins) + int(upd) + int(unch), int(rej)))
    return out


def expected(case: Case) -> tuple:
    return (case.table, case.read, case.loaded, case.rejected)


def check_truths(db, case: Case) -> list[str]:
    bad = []
    for tr in case.truths:
        try:
            got = db.scalar(tr.sql)
        except Exception as e:  # noqa: BLE001 - a failing query is a wrong load, reported with the rest
            bad.append(f"{tr.label}: query failed ({type(e).__name__}: {e})")
            continue
        if not _same(got, tr.expected, tr.tol):
            bad.append(f"{tr.label}: stored {_short(got)} != true {_short(tr.expected)}")
    return bad


def _same(got, exp, tol) -> bool:
    if isinstance(exp, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(exp):
            return False
        return all(_same(g, e, tol) for g, e in zip(got, exp))
    if isinstance(exp, float) or (isinstance(exp, (int,)) and isinstance(got, float)):
        return got is not None and abs(float(got) - float(exp)) <= max(tol, abs(float(exp)) * 1e-9)
    if hasattr(exp, "item"):
        exp = exp.item()
        return _same(got, exp, tol)
    return got == exp


def _short(v):
    s = repr(v)
    return s if len(s) < 160 else s[:150] + "…"


def app_load(db, path: str, case: Case | None, table: str | None, rejects_dir: str):
    """What the Upload tab does for one file: inspect, propose (remembered or automatic), the
    manager's choices, the validation report (a dry run) and the load. Returns (report, load)."""
    src = detect.inspect(path, file_name=os.path.basename(path))
    try:
        plan = mapping.propose(db, src, table=table or src.table_guess, keep_extra=True)
        if case is not None:
            mapping.apply_overrides(plan, src, maps=case.maps, values=case.values, constants=case.sets)
            if case.surrogate_key:
                plan.surrogate_key = True
            if case.as_of:
                plan.as_of = case.as_of
        rep = load.run_import(db, src, plan, dry_run=True, rejects_dir=rejects_dir)
        done = load.run_import(db, src, plan, rejects_dir=rejects_dir)
        return rep, done
    finally:
        src.cleanup()


def rep_counts(r) -> tuple:
    return (r.table, r.rows_read, r.loaded, r.rejected)


@pytest.fixture
def work(tmp_path):
    return tmp_path


# ---- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [c for c in CASES if c.detectable], ids=[c.file for c in CASES if c.detectable])
def test_detected_table(case):
    """Detection alone (no --table) proposes the table a manager would pick."""
    src = detect.inspect(src_path(case.file), file_name=case.file)
    try:
        if case.ask:
            offered = src.candidates("en")
            assert src.table_guess is None and offered and all(why for _, _, why in offered), offered
            return
        assert src.table_guess == case.table, f"guessed {src.table_guess!r}; headers {src.headers[:8]}"
    finally:
        src.cleanup()


@pytest.mark.e2e  # two command-line processes per file: the app path below covers the same load in the fast lane
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_fresh_then_remembered(case, work):
    db = str(work / "q.duckdb")
    r = cli("--db", db, "--rejects-dir", str(work), *cli_args(case), src_path(case.file))
    assert r.returncode == 0, f"exit {r.returncode}; stderr: {r.stderr.strip()}"
    assert counts_of(r.stdout)[0] == expected(case), r.stderr.strip()
    again = cli("--db", db, "--rejects-dir", str(work), src_path(case.file))
    assert again.returncode == 0, f"remembered run exit {again.returncode}; stderr: {again.stderr.strip()}"
    assert counts_of(again.stdout)[0] == expected(case), ("remembered mapping gave other counts", again.stderr.strip())
    m = LINE_RE.match(again.stdout.strip().splitlines()[0])
    assert int(m.group(4)) == 0 and int(m.group(5)) == 0, "second identical upload must change nothing"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_app_report_is_the_load(case, work):
    db = open_database(str(work / "app.duckdb"))
    try:
        rep, done = app_load(db, src_path(case.file), case, case.table, str(work))
        assert rep_counts(rep) == rep_counts(done), "the validation report promised other counts than the load"
        assert rep_counts(done) == expected(case), [i.reason for i in done.issues[:5]]
        rep2, done2 = app_load(db, src_path(case.file), None, None, str(work))  # remembered mapping, nothing chosen
        assert rep_counts(rep2) == rep_counts(done2) == expected(case), [i.reason for i in done2.issues[:5]]
        assert done2.inserted == 0 and done2.updated == 0
    finally:
        db.close()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_true_figures(case, work):
    """Stored values equal the source: totals, rates, ids, dates, extra attributes."""
    db_path = str(work / "q.duckdb")
    r = cli("--db", db_path, "--rejects-dir", str(work), *cli_args(case), src_path(case.file))
    assert r.returncode == 0, f"exit {r.returncode}; stderr: {r.stderr.strip()}"
    db = open_database(db_path)
    try:
        bad = check_truths(db, case)
    finally:
        db.close()
    assert not bad, "\n".join(bad)


METRIC_CASES = [(c, k, q, v) for c in CASES for k, (q, v) in c.metrics.items()]


@pytest.mark.parametrize("case,key,quarter,true", METRIC_CASES, ids=[f"{c.file}-{k}" for c, k, _, _ in METRIC_CASES])
def test_metric_for_the_bank(case, key, quarter, true, work):
    """The registry metric (what the pages show) for the whole bank equals the true figure."""
    from lib.metrics import registry as metrics
    from lib.core.periods import Quarter
    db_path = str(work / "q.duckdb")
    r = cli("--db", db_path, "--rejects-dir", str(work), *cli_args(case), src_path(case.file))
    assert r.returncode == 0, f"exit {r.returncode}; stderr: {r.stderr.strip()}"
    db = open_database(db_path)
    try:
        got = metrics.compute(db, key, Quarter.parse(quarter), Scope())
    finally:
        db.close()
    assert got is not None and abs(got - true) <= max(0.005, abs(true) * 1e-9), f"{key} shown {got!r}, true {true!r}"


def test_corpus_sources_listed():
    """Every file of the corpus names its origin and licence in SOURCES.md."""
    text = open(os.path.join(CORPUS, "SOURCES.md"), encoding="utf-8").read()
    files = sorted(f for f in os.listdir(CORPUS) if not f.endswith((".md", ".py")))
    assert files and all(f"`{f}`" in text for f in files), [f for f in files if f"`{f}`" not in text]


def test_expectations_are_from_the_source():
    """Sanity of the table itself: the expected read counts are the data rows pandas sees."""
    assert len(churn_modelling()) == 200 and len(bank_churners()) == 200 and len(bank_additional()) == 100
    assert json.dumps([c.read for c in CASES])
