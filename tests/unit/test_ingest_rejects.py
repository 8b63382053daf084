"""The rejected-rows CSV (app download and the CLI's ``.rejected.csv``) is written by the same
formula-safe writer as every other download: UTF-8 with BOM, cells that a spreadsheet would run as a
formula (starting =, +, -, @, tab or CR) get a leading apostrophe."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from lib.core.db import open_database
from lib.ingest import jobs

EVIL = ['=HYPERLINK("http://evil.example","x")', "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture
def db():
    d = open_database(":memory:")
    yield d
    d.close()


def evil_file(tmp_path):
    lines = ["customer_id,customer_name,customer_type,branch_id"]
    for i, v in enumerate(EVIL):
        q = '"' + v.replace('"', '""') + '"'
        lines.append(f"E{i},{q},martian,B001")  # unknown customer type: every row is rejected
    p = tmp_path / "evil.csv"
    p.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return str(p)


def read_rejects(path):
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "the rejects file starts with a UTF-8 BOM like every download"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_rejected_rows_file_is_formula_safe(db, tmp_path):
    rep = jobs.import_one(db, evil_file(tmp_path), {"rejects_dir": str(tmp_path / "out")})
    assert rep.rejected == len(EVIL)
    rows = read_rejects(rep.rejects_path)
    assert [r["customer_name"] for r in rows] == ["'" + v for v in EVIL]
    assert [r["customer_id"] for r in rows] == [f"E{i}" for i in range(len(EVIL))]
    assert rows[0]["reason"] == "customer_type: unknown value 'martian'; map it to a category or fix the file"


def test_cli_rejects_file_is_formula_safe(tmp_path):
    dbp = str(tmp_path / "q.duckdb")
    open_database(dbp).close()
    f = evil_file(tmp_path)
    r = subprocess.run([sys.executable, "-m", "lib.ingest", "--db", dbp, f], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1, r.stderr  # every row rejected: nothing loaded is a failure, not a success
    assert "error: evil.csv: nothing was loaded: all 6 rows were rejected" in r.stderr
    rows = read_rejects(str(tmp_path / "evil.rejected.csv"))
    assert [r["customer_name"] for r in rows] == ["'" + v for v in EVIL]


def test_a_line_break_inside_a_quoted_cell_loads(db, tmp_path):
    p = tmp_path / "multi.csv"
    p.write_bytes(b'customer_id,customer_name,customer_type,branch_id\nM1,"Line one\nline two",retail,B001\n'
                  b'M2,"A, B",retail,B001\nM3,"x\r\ny",retail,B001\n')
    rep = jobs.import_one(db, str(p), {})
    assert (rep.rows_read, rep.inserted, rep.rejected) == (3, 3, 0), rep.issues
    assert db.rows("SELECT customer_name FROM customers ORDER BY customer_id") == [
        ("Line one\nline two",), ("A, B",), ("x\r\ny",)]
