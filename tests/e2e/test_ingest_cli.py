"""The CLI: summary lines, exit codes, rejects file, undo, and import while another process
(the app) holds the DuckDB file and runs the inbox worker."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from lib.core.db import open_database

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HDR = "customer_id,customer_name,customer_type,branch_id,open_date,status,acquisition_cost"
LINE_RE = re.compile(r"^(\S+) table=(\w+) read=(\d+) inserted=(\d+) updated=(\d+) unchanged=(\d+) "
                     r"rejected=(\d+) import_id=(\d+)$")


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "lib.ingest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def dbfile(tmp_path):
    path = str(tmp_path / "q.duckdb")
    db = open_database(path)
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East')")
    db.close()
    return path


@pytest.fixture
def csvfile(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("\n".join([HDR, "C1,A,retail,B001,2026-01-05,active,1", "C2,B,martian,B001,,active,2",
                            "C3,C,corporate,B001,,正常,3"]) + "\n", encoding="utf-8")
    return str(p)


def test_cli_import_reupload_and_undo(dbfile, csvfile, tmp_path):
    r = cli("--db", dbfile, csvfile)
    assert r.returncode == 0, r.stderr
    m = LINE_RE.match(r.stdout.strip())
    assert m and m.groups() == ("c.csv", "customers", "3", "2", "0", "0", "1", "1")
    rejects = tmp_path / "c.rejected.csv"
    assert rejects.exists() and "customer_type: unknown value 'martian'" in rejects.read_text(encoding="utf-8")
    r = cli("--db", dbfile, csvfile, "--value", "customer_type:martian=retail")
    assert r.stdout.strip() == "c.csv table=customers read=3 inserted=1 updated=0 unchanged=2 rejected=0 import_id=2"
    r = cli("--db", dbfile, "--undo", "2")
    assert r.returncode == 0 and "undone import 2" in r.stderr
    r = cli("--db", dbfile, "--undo", "2")
    assert r.returncode == 1 and r.stderr.strip() == "error: import 2 was already undone."


def test_cli_rejects_unloadable_file_with_clear_message(dbfile, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("foo,bar\n1,2\n")
    r = cli("--db", dbfile, str(p))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == ("error: x.csv: cannot tell which table this file is (headers: foo, bar); choose the "
                                "table (--table NAME) or rename the headers.")


def test_cli_options(dbfile, tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("编号,客户,日期,备注\nL1,,2026-01-01,hello\n", encoding="gbk")
    r = cli("--db", dbfile, "--table", "leads", "--map", "编号=lead_id", "--map", "日期=contact_date",
            "--set", "channel=网点", "--keep-extra", "--rejects-dir", str(tmp_path / "rej"), str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "l.csv table=leads read=1 inserted=1 updated=0 unchanged=0 rejected=0 import_id=1"
    db = open_database(dbfile)
    try:
        assert db.rows("SELECT channel, extra_attrs FROM leads") == [("branch", {"备注": "hello"})]
    finally:
        db.close()


HOLDER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from lib.core.db import open_database
    from lib.ingest import inbox
    db = open_database({path!r})
    inbox.start_worker(db)
    print("ready", flush=True)
    sys.stdin.readline()          # hold the lock until the test closes stdin
    inbox.stop_worker({path!r})
    print(db.scalar("SELECT count(*) FROM customers"), flush=True)
""")


def test_cli_imports_while_the_app_holds_the_database(dbfile, csvfile):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, path=dbfile)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = cli("--db", dbfile, csvfile, "--timeout", "30")
        assert r.returncode == 0, r.stderr
        assert "job queued" in r.stderr
        assert r.stdout.strip() == "c.csv table=customers read=3 inserted=2 updated=0 unchanged=0 rejected=1 import_id=1"
        r = cli("--db", dbfile, "--undo", "1", "--timeout", "30")
        assert r.returncode == 0 and "undone import 1" in r.stderr
        out, _ = holder.communicate("\n", timeout=30)
        assert out.strip() == "0"
    finally:
        if holder.poll() is None:
            holder.kill()
    assert not [f for f in os.listdir(dbfile + ".inbox") if not f.startswith(".")]


def test_cli_times_out_when_no_worker_answers(dbfile, csvfile):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, path=dbfile).replace(
        "inbox.start_worker(db)", "pass")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = cli("--db", dbfile, csvfile, "--timeout", "1")
        assert r.returncode == 1
        assert "its import worker did not answer within 1 s; the job stays queued in" in r.stderr
    finally:
        holder.communicate("\n", timeout=30)


def test_cli_keeps_extra_columns_by_default_and_lists_dropped_ones(dbfile, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("customer_id,customer_type,branch_id,vip\nC1,retail,B001,gold\n", encoding="utf-8")
    r = cli("--db", dbfile, str(p))
    assert r.returncode == 0, r.stderr
    db = open_database(dbfile)
    try:
        assert db.scalar("SELECT extra_attrs['vip'] FROM customers WHERE customer_id = 'C1'") == "gold"
    finally:
        db.close()
    q = tmp_path / "y.csv"
    q.write_text("customer_id,customer_type,branch_id,tier\nC2,retail,B001,x\n", encoding="utf-8")
    r = cli("--db", dbfile, "--drop-extra", str(q))
    assert r.returncode == 0, r.stderr
    assert "y.csv: ignored columns (not loaded): tier" in r.stderr
