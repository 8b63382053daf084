"""The relations and outside_parties tables: schema synonyms, migration of an older file, and a
Chinese-headed relations export loaded through the generic import (lib.ingest.jobs and the CLI)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from lib.core import schema
from lib.core.db import Scope, open_database
from lib.ingest import jobs
from lib.related import report

ROOT = Path(__file__).resolve().parents[2]
RELATIONS_CSV = "\n".join([
    "担保人,被担保人,关系类型,担保金额,持股比例,起始日期",
    "C1,C2,互保,3000万,,2024-01-01",
    "C2,C1,担保,2000万,,2024-01-01",
    "E1,C1,股东,,60%,2020-05-01",
    "C1,E2,上下游,,,2023-03-01",
    "C2,E1,火星关系,,,2023-03-01",
]) + "\n"
PARTIES_CSV = "企业编号,企业名称,行業,逾期天數,资产负债率,是否涉诉,被执行\nE1,某某控股,制造业,95,0.91,是,否\n"


def test_synonyms_and_categories():
    rel, parties = schema.table("relations"), schema.table("outside_parties")
    assert [schema.match_header(rel, h) for h in ("担保人", "被担保人", "擔保金額", "持股比例(%)", "关系类型")] == [
        "from_party", "to_party", "amount", "share_pct", "relation"]
    col = rel.column("relation")
    assert [schema.match_category(col, v) for v in ("股东", "互保", "聯保", "实际控制人", "法定代表人", "上下游", "供应商")] == [
        "shareholder", "guarantee", "guarantee", "controller", "legal_rep", "supply_chain", "supply_chain"]
    assert [schema.match_header(parties, h) for h in ("统一社会信用代码", "逾期天數", "资产负债率", "被执行")] == [
        "party_id", "overdue_days", "debt_ratio", "enforcement"]
    assert parties.personal == ["party_name"]


def test_an_older_database_gets_the_new_tables(tmp_path):
    path = str(tmp_path / "old.duckdb")
    open_database(path).close()
    con = duckdb.connect(path)
    con.execute("DROP TABLE relations")
    con.execute("DROP TABLE outside_parties")
    con.execute("UPDATE qd_meta SET value = '10' WHERE key = 'schema_version'")
    con.close()
    db = open_database(path)
    try:
        assert db.scalar("SELECT value FROM qd_meta WHERE key = 'schema_version'") == str(schema.SCHEMA_VERSION)
        assert not db.has_rows("relations") and not db.has_rows("outside_parties")
    finally:
        db.close()


def test_chinese_headed_relations_load_through_the_import(tmp_path):
    db = open_database(str(tmp_path / "q.duckdb"))
    try:
        with db.transaction() as cur:
            cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B1', 'One', 'East')")
            cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id) VALUES "
                        "('C1', 'corporate', 'B1'), ('C2', 'corporate', 'B1')")
        f = tmp_path / "关联关系.csv"
        f.write_bytes(RELATIONS_CSV.encode("gbk"))
        rep = jobs.import_one(db, str(f), {})
        assert (rep.table, rep.rows_read, rep.inserted, rep.rejected) == ("relations", 5, 4, 1)
        rows = db.rows("SELECT from_party, to_party, relation, amount, share_pct, since FROM relations ORDER BY 1, 2")
        assert [r[:5] for r in rows] == [
            ("C1", "C2", "guarantee", 3e7, None), ("C1", "E2", "supply_chain", None, None),
            ("C2", "C1", "guarantee", 2e7, None), ("E1", "C1", "shareholder", None, 0.6)]
        p = tmp_path / "parties.csv"
        p.write_text(PARTIES_CSV, encoding="utf-8")
        rep = jobs.import_one(db, str(p), {})
        assert (rep.table, rep.inserted, rep.rejected) == ("outside_parties", 1, 0)
        assert db.rows("SELECT party_id, overdue_days, debt_ratio, litigation, enforcement FROM outside_parties") == [
            ("E1", 95, 0.91, True, False)]
        # the page's logic sees the loaded graph: a circle of two and E1's overdue shareholder flag
        circles = report.circle_table(db, Scope())
        assert list(circles["members"]) == [("C1", "C2")] and circles["amount"].iloc[0] == 5e7
        assert dict(zip(*report.flagged(db, Scope())[["client", "level"]].T.values)) == {"C1": "high", "C2": "medium"}
        # a re-upload updates by key (from_party + to_party + relation) instead of duplicating
        rep = jobs.import_one(db, str(f), {})
        assert (rep.inserted, rep.updated, rep.unchanged) == (0, 0, 4)
    finally:
        db.close()


def test_cli_imports_a_chinese_relations_file(tmp_path):
    path = str(tmp_path / "q.duckdb")
    open_database(path).close()
    f = tmp_path / "rel.csv"
    f.write_text(RELATIONS_CSV, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "lib.ingest", "--db", path, str(f)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "rel.csv table=relations read=5 inserted=4 updated=0 unchanged=0 rejected=1 import_id=1"
    rejects = (tmp_path / "rel.rejected.csv").read_text(encoding="utf-8-sig")
    assert "火星关系" in rejects
