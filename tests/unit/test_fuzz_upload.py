"""Fuzzing the upload path (hypothesis): CSV, XLSX and Parquet inputs — random bytes, truncated
files, NUL bytes, extreme values, odd headers — plus a zip bomb disguised as xlsx and files with a
huge number of columns or rows.

For every input the import (lib.ingest.jobs.import_one, the path the app and the CLI share) either
loads or raises IngestError, a clear message naming the file; never another exception, never a
hang past the time limit, and when the file is rejected the database is exactly as before."""
from __future__ import annotations

import io
import os
import time
import zipfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lib.core import auth
from lib.core.db import open_database
from lib.ingest import jobs
from lib.ingest.errors import IngestError

SETTINGS = dict(max_examples=int(os.environ.get("QD_FUZZ_EXAMPLES", "40")), deadline=30_000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], database=None)
SYSTEM = auth.system_viewer("fuzz")
HEADERS = ["客户号", "customer_id", "客户名称", "客户类型", "网点号", "开户日期", "客户状态", "获客成本", "as_of",
           "存款余额", "理财余额", "sale_id", "amount", "product_id", "leads", "", "x", "\x00", '"', "'", "a,b"]
CELLS = st.one_of(
    st.sampled_from(["", "C001", "个人", "对公", "正常", "销户", "B001", "2026/01/31", "9999/99/99", "20261301",
                     "1,500.00", "(500)", "1.2万", "3亿", "12.5%", "1e308", "-1e309", "9" * 400, "NaN", "inf",
                     "-0", "0x1F", "99999", "\x00", "a\x00b", "'; DROP TABLE customers; --", '"', '""', "\n", "\r",
                     "￥", "\ufeff", "\ud7ff", "𠀀", "null", "#N/A"]),
    st.text(max_size=30),
    st.integers(min_value=-2**70, max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("fuzz") / "q.duckdb")
    d = open_database(path)
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East')")
        cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id, status) VALUES "
                    "('C001', 'retail', 'B001', 'active')")
    yield d
    d.close()


def fingerprint(db) -> tuple:
    cur = db.cursor()
    try:
        tables = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                            "'main' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return tuple((t, cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables) + (
            cur.execute("SELECT value FROM qd_meta WHERE key = 'data_version'").fetchone(),
            cur.execute("SELECT sum(hash(customer_id, customer_type, status)) FROM customers").fetchone())
    finally:
        cur.close()


def attempt(db, tmp_path, name: str, data: bytes, opts: dict | None = None, limit: float = 30) -> str:
    """Import `data` as file `name`; returns 'loaded' or 'rejected' and checks the contract."""
    path = os.path.join(tmp_path, name)
    with open(path, "wb") as f:
        f.write(data)
    before = fingerprint(db)
    t0 = time.time()
    try:
        rep = jobs.import_one(db, path, {"rejects_dir": str(tmp_path), **(opts or {})}, file_name=name, viewer=SYSTEM)
        outcome = "loaded"
        assert rep.rows_read == rep.loaded + rep.rejected
    except IngestError as e:
        outcome = "rejected"
        msg = e.message("en")
        assert name in msg or "option" in e.key, msg  # the message names the file
        assert fingerprint(db) == before, f"rejected file {name} changed the database: {msg}"
    finally:
        os.remove(path)
    assert time.time() - t0 < limit, f"{name} took {time.time() - t0:.1f} s"
    return outcome


# ---------------------------------------------------------------- generators
def csv_bytes(rows: list[list[str]], delim: str = ",", encoding: str = "utf-8") -> bytes:
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in (delim, '"', "\n", "\r")) else c
    return "\n".join(delim.join(cell(c) for c in r) for r in rows).encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list]) -> bytes:
    import xlsxwriter
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False, "nan_inf_to_errors": True})
    ws = wb.add_worksheet("数据")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write(i, j, v.replace("\x00", "") if isinstance(v, str) else v)
    wb.close()
    return buf.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


header_rows = st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8)


@st.composite
def tables(draw):
    headers = draw(header_rows)
    body = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(headers) + 2), max_size=12))
    return [headers, *body]


# ---------------------------------------------------------------- properties
@pytest.mark.timeout(600)
@settings(**SETTINGS)
@given(data=st.binary(max_size=4096), ext=st.sampled_from(["csv", "xlsx", "parquet", "txt"]))
def test_random_bytes(db, tmp_path, data, ext):
    attempt(db, tmp_path, f"random.{ext}", data)


@pytest.mark.timeout(600)
@settings(**SETTINGS)
@given(rows=tables(), delim=st.sampled_from([",", "\t", ";", "|"]), enc=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       cut=st.one_of(st.none(), st.floats(0, 1)), table=st.sampled_from([None, "customers", "balances"]))
def test_csv(db, tmp_path, rows, delim, enc, cut, table):
    data = csv_bytes(rows, delim, enc)
    if cut is not None:
        data = data[:int(len(data) * cut)]
    attempt(db, tmp_path, "客户.csv", data, {"table": table, "as_of": "2026-09-30", "keep_extra": True})


@pytest.mark.timeout(600)
@settings(**SETTINGS)
@given(rows=tables(), cut=st.one_of(st.none(), st.floats(0, 1)))
def test_xlsx(db, tmp_path, rows, cut):
    data = xlsx_bytes(rows)
    if cut is not None:
        data = data[:int(len(data) * cut)]
    attempt(db, tmp_path, "客户.xlsx", data)


@pytest.mark.timeout(600)
@settings(**SETTINGS)
@given(names=st.lists(st.sampled_from(HEADERS[:15] + ["id", "日期"]), min_size=1, max_size=6, unique=True),
       kind=st.sampled_from(["int", "float", "str", "binary", "null", "date"]),
       n=st.integers(0, 20), cut=st.one_of(st.none(), st.floats(0, 1)), seed=st.integers(0, 2**16))
def test_parquet(db, tmp_path, names, kind, n, cut, seed):
    import random
    r = random.Random(seed)
    gen = {"int": lambda: r.choice([0, -1, 2**63 - 1, -2**63, r.randint(-10**9, 10**9)]),
           "float": lambda: r.choice([0.0, -0.0, 1e308, -1e308, float("nan"), float("inf"), r.random()]),
           "str": lambda: r.choice(["C001", "\x00", "", "个人", "2026/01/31", "1,500.00", "'; --", "x" * 1000]),
           "binary": lambda: bytes(r.randrange(256) for _ in range(r.randrange(8))),
           "null": lambda: None,
           "date": lambda: r.choice([__import__("datetime").date(1, 1, 1), __import__("datetime").date(9999, 12, 31),
                                     __import__("datetime").date(2026, 9, 30)])}[kind]
    table = pa.table({nm: pa.array([gen() for _ in range(n)], type=pa.null() if kind == "null" else None)
                      for nm in names})
    data = parquet_bytes(table)
    if cut is not None:
        data = data[:int(len(data) * cut)]
    attempt(db, tmp_path, "客户.parquet", data)


# ---------------------------------------------------------------- hostile files
def zip_bomb(rows: int = 500_000, cells: int = 20) -> bytes:
    """A valid-looking xlsx (5 parts) whose sheet unpacks to ~385 MB of XML: ~2 MB on disk."""
    buf = io.BytesIO()
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
                   f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'.encode())
            chunk = (b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * cells + b"</row>") * 10_000
            for _ in range(rows // 10_000):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


@pytest.mark.timeout(300)
def test_zip_bomb_disguised_as_xlsx_is_refused_quickly(db, tmp_path):
    data = zip_bomb()
    assert len(data) < 5 * 2**20
    t0 = time.time()
    assert attempt(db, tmp_path, "客户.xlsx", data, limit=60) == "rejected"
    assert time.time() - t0 < 60


@pytest.mark.timeout(300)
def test_huge_number_of_columns(db, tmp_path):
    def rows(n, m=50):
        headers = ["客户号", "客户类型", "网点号"] + [f"col{i}" for i in range(n)]
        return [headers] + [[f"W{i:04d}", "个人", "B001"] + [str(i)] * n for i in range(m)]
    # far wider than any export: refused up front with a clear message (QUARTERDECK_MAX_COLUMNS)
    assert attempt(db, tmp_path, "wide.csv", csv_bytes(rows(5_000)), {"keep_extra": True}, limit=30) == "rejected"
    assert attempt(db, tmp_path, "wide.xlsx", xlsx_bytes(rows(5_000, 5)), limit=60) == "rejected"
    wide = pa.table({f"col{i}": pa.array([1, 2]) for i in range(5_000)})
    assert attempt(db, tmp_path, "wide.parquet", parquet_bytes(wide), limit=60) == "rejected"
    # wide but within the limit: loads, every column kept as an extra attribute
    assert attempt(db, tmp_path, "wide300.csv", csv_bytes(rows(300)), {"keep_extra": True}, limit=120) == "loaded"


@pytest.mark.timeout(300)
def test_many_rows_with_nul_bytes_and_extreme_values(db, tmp_path):
    path = str(tmp_path / "big.csv")
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT printf('N%07d', i) AS 客户号, CASE i % 4 WHEN 0 THEN '个人' WHEN 1 THEN '对公'
        WHEN 2 THEN CASE WHEN i > 150000 THEN 'x' || chr(0) || 'y' ELSE 'z' END ELSE '' END AS 客户类型, 'B001' AS 网点号,
        CASE i % 5 WHEN 0 THEN '1e308' WHEN 1 THEN '-1e309' WHEN 2 THEN repeat('9', 300) WHEN 3 THEN '(1,000.5)'
        ELSE 'NaN' END AS 获客成本, CASE i % 3 WHEN 0 THEN '0001/01/01' WHEN 1 THEN '9999/12/31' ELSE '2026/02/30' END
        AS 开户日期 FROM range(200000) t(i)) TO '{path}' (HEADER)""")
    con.close()
    with open(path, "rb") as f:
        data = f.read()
    assert b"\x00" in data and b"\x00" not in data[:1 << 20]  # NUL bytes past the sniffed sample
    # one rule for the whole file: a NUL byte anywhere refuses it, past the sniffed sample as well as in it
    with pytest.raises(IngestError) as late:
        jobs.import_one(db, _write(tmp_path, "big.csv", data), {}, viewer=SYSTEM)
    line = data[:data.index(b"\x00")].count(b"\n") + 1
    assert late.value.message("en") == (f"big.csv: line {line} holds a NUL byte, which a text export never has: the "
                                        "file is damaged or not plain text. Export it again as CSV, XLSX or Parquet.")
    assert attempt(db, tmp_path, "big.csv", data, limit=240) == "rejected"
    assert attempt(db, tmp_path, "nul.csv", data[:4096] + b"\x00" * 10, limit=30) == "rejected"  # NUL in the sample


def _write(tmp_path, name: str, data: bytes) -> str:
    path = os.path.join(tmp_path, name)
    with open(path, "wb") as f:
        f.write(data)
    return path
