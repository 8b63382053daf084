"""A corpus of odd and bad exports, generated here, each with its exact expected outcome.

Every case builds one file under tmp_path, imports it into a small fresh database through the
same code path as the CLI (``jobs.import_one``) and asserts rows read/inserted/rejected and the
rejection reasons or the file-level error message word for word.
"""
from __future__ import annotations

import datetime as dt
import io
import os

import pandas as pd
import pytest

from lib.core.db import open_database
from lib.ingest import jobs
from lib.ingest.errors import IngestError

HDR = "customer_id,customer_name,customer_type,branch_id,open_date,status,acquisition_cost"
ROWS = ["C1,Alice,retail,B001,2026-01-05,active,100",
        "C2,Bob,corporate,B002,2026-02-06,closed,200",
        "C3,Carol,retail,B001,2026-03-07,dormant,300"]
ZH_HDR = "客户号,客户名称,客户类型,网点号,开户日期,客户状态,获客成本"
ZH_ROWS = ["C1,张三,个人,B001,2026-01-05,正常,100", "C2,李四,对公,B002,2026-02-06,销户,200",
           "C3,王五,零售,B001,2026-03-07,睡眠,300"]
TW_HDR = "客戶號,客戶名稱,客戶類型,網點編號,開戶日期,客戶狀態,獲客成本"
TW_ROWS = ["C1,陳大文,個人,B001,2026-01-05,正常,100", "C2,林小華,對公,B002,2026-02-06,銷戶,200",
           "C3,黃志明,個人,B001,2026-03-07,正常,300"]


def text(lines, enc="utf-8", eol="\n", bom=b""):
    return bom + (eol.join(lines) + eol).encode(enc)


def base(**kw):
    return text([HDR, *ROWS], **kw)


def xlsx(sheets: dict[str, list[list]], formula=False) -> bytes:
    import xlsxwriter
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), datefmt)
                elif isinstance(v, str) and v.startswith("="):
                    ws.write_formula(r, c, v, None, 300)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


XROWS = [["customer_id", "customer_name", "customer_type", "branch_id", "open_date", "status", "acquisition_cost"],
         ["C1", "Alice", "retail", "B001", dt.date(2026, 1, 5), "active", 100],
         ["C2", "Bob", "corporate", "B002", dt.date(2026, 2, 6), "closed", 200]]


def parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"customer_id": ["C1", "C2"], "customer_type": ["retail", "corporate"], "branch_id": ["B001", "B002"],
                  "open_date": pd.to_datetime(["2026-01-05", "2026-02-06"]), "acquisition_cost": [1.5, 2.0]}
                 ).to_parquet(buf, index=False)
    return buf.getvalue()


def wide_hdr_5000() -> bytes:
    hdr = ["customer_id", "customer_type", "branch_id"] + [f"attr_{i}" for i in range(4997)]
    rows = [hdr, ["C1", "retail", "B001"] + ["x"] * 4997, ["C2", "retail", "B002"] + ["y"] * 4997]
    return text([",".join(r) for r in rows])


LEAD_HDR = "lead_id,customer_id,contact_date,converted,is_new_customer"

# name, file name, content, options, expected
CASES = [
    ("utf8", "c.csv", base(), {}, dict(read=3, inserted=3, rejected=0)),
    ("utf8_bom", "c.csv", base(bom=b"\xef\xbb\xbf"), {}, dict(read=3, inserted=3, rejected=0)),
    ("gbk_chinese_headers", "客户.csv", text([ZH_HDR, *ZH_ROWS], "gbk"), {}, dict(read=3, inserted=3, rejected=0)),
    ("gb18030", "c.csv", text([ZH_HDR, *ZH_ROWS], "gb18030"), {}, dict(read=3, inserted=3, rejected=0)),
    ("big5_traditional", "c.csv", text([TW_HDR, *TW_ROWS], "big5"), {}, dict(read=3, inserted=3, rejected=0)),
    ("utf16_excel_unicode_text", "c.txt",
     text([r.replace(",", "\t") for r in [ZH_HDR, *ZH_ROWS]], "utf-16-le", "\r\n", b"\xff\xfe"), {},
     dict(read=3, inserted=3, rejected=0)),
    ("utf16_no_bom", "c.txt", text([r.replace(",", "\t") for r in [HDR, *ROWS]], "utf-16-le"), {},
     dict(read=3, inserted=3, rejected=0)),
    ("semicolon", "c.csv", text([r.replace(",", ";") for r in [HDR, *ROWS]]), {}, dict(read=3, inserted=3, rejected=0)),
    ("tab", "c.tsv", text([r.replace(",", "\t") for r in [HDR, *ROWS]]), {}, dict(read=3, inserted=3, rejected=0)),
    ("pipe", "c.txt", text([r.replace(",", "|") for r in [HDR, *ROWS]]), {}, dict(read=3, inserted=3, rejected=0)),
    ("crlf", "c.csv", base(eol="\r\n"), {}, dict(read=3, inserted=3, rejected=0)),
    ("quoted_fields", "c.csv", text([HDR, 'C1,"Smith, ""Jr""",retail,B001,2026-01-05,active,"1,000.50"']), {},
     dict(read=1, inserted=1, rejected=0, check=("customer_name", "C1", 'Smith, "Jr"'))),
    ("title_rows", "c.csv", text(["客户明细表", "导出日期：2026-10-01", "", HDR, *ROWS]), {},
     dict(read=3, inserted=3, rejected=0)),
    ("totals_row", "c.csv", text([HDR, *ROWS, "合计,,,,,,600"]), {},
     dict(read=3, inserted=3, rejected=0, skipped=[(5, "totals")])),
    ("note_rows_below", "c.csv", text([HDR, *ROWS, "", "数据来源：核心系统", "Total rows: 3"]), {},
     dict(read=3, inserted=3, rejected=0, skipped=[(6, "note"), (7, "totals")])),
    ("amount_formats", "c.csv", text([HDR] + [f"C{i},n,retail,B001,2026-01-05,active,\"{v}\"" for i, v in enumerate(
        ["1,234.50", "¥1,234", "1.2万", "3亿", "(500)", "9.34E-05", "12.5%", "￥2,000元"])]), {},
     dict(read=8, inserted=8, rejected=0, check=("acquisition_cost", "C4", -500.0))),
    ("date_formats", "c.csv", text([HDR] + [f"C{i},n,retail,B001,{v},active,1" for i, v in enumerate(
        ["2026-09-30", "2026/9/30", "20260930", "30-09-2026", "2026年9月30日", "46295", "2026-09-30 08:15:00"])]), {},
     dict(read=7, inserted=7, rejected=0, distinct_dates=1)),
    ("bad_amount_and_date", "c.csv", text([HDR, "C1,n,retail,B001,2026-02-30,active,12abc", *ROWS[1:]]), {},
     dict(read=3, inserted=2, rejected=1, reasons=[
         (2, "acquisition_cost: '12abc' is not a number"), (2, "open_date: '2026-02-30' is not a date")])),
    ("booleans", "l.csv", text([LEAD_HDR] + [f"L{i},C1,2026-01-01,{v},{w}" for i, (v, w) in enumerate(
        [("yes", "no"), ("是", "否"), ("Y", "N"), ("1", "0"), ("TRUE", "false")])]), {"table": "leads"},
     dict(read=5, inserted=5, rejected=0, warnings=5, true_count=("converted", 5))),
    ("bad_boolean", "l.csv", text([LEAD_HDR, "L1,,2026-01-01,maybe,"]), {"table": "leads"},
     dict(read=1, inserted=0, rejected=1, reasons=[(2, "converted: 'maybe' is not yes/no")])),
    ("blanks_and_unknown", "c.csv", text([HDR, "C1,,retail,B001,,unknown,", "C2,Bob,,B002,,N/A,", ROWS[2]]), {},
     dict(read=3, inserted=2, rejected=1, reasons=[(3, "customer_type: required value is missing")])),
    ("junk_row_shifted", "c.csv", text([HDR, ROWS[0], "C9,x,retail,B001,2026-01-05,active,5,oops,shifted", *ROWS[1:]]),
     {}, dict(read=4, inserted=3, rejected=1, reasons=[
         (3, "malformed line (TOO MANY COLUMNS): C9,x,retail,B001,2026-01-05,active,5,oops,shifted")])),
    ("duplicate_keys", "c.csv", text([HDR, *ROWS, ROWS[0]]), {},
     dict(read=4, inserted=3, rejected=1, reasons=[(5, "customer_id: duplicate key 'C1' in the file, first in row 2")])),
    ("unknown_category", "c.csv", text([HDR, "C1,n,martian,B001,2026-01-05,active,1", *ROWS[1:]]), {},
     dict(read=3, inserted=2, rejected=1, reasons=[
         (2, "customer_type: unknown value 'martian'; map it to a category or fix the file")])),
    ("unknown_category_mapped", "c.csv", text([HDR, "C1,n,martian,B001,2026-01-05,active,1"]),
     {"value": {"customer_type": {"martian": "retail"}}}, dict(read=1, inserted=1, rejected=0)),
    ("foreign_key_warning", "c.csv", text([HDR, "C1,n,retail,B999,2026-01-05,active,1"]), {},
     dict(read=1, inserted=1, rejected=0, warnings=1)),
    ("mangled_characters", "c.csv", text([HDR, "C1,??,retail,B001,2026-01-05,active,1"]), {},
     dict(read=1, inserted=1, rejected=0, warnings=1)),
    ("missing_required_column", "c.csv", text(["customer_id,customer_name,branch_id", "C1,n,B001"]), {},
     dict(error="c.csv: the file lacks columns that table customers needs: customer_type (e.g. 客户类型, 客戶類型, "
                "客户类别, 对公对私) — map a column to it, or fill in one value for the whole file.")),
    ("constant_fills_column", "c.csv", text(["customer_id,customer_name,branch_id", "C1,n,B001"]),
     {"set": {"customer_type": "对公"}}, dict(read=1, inserted=1, rejected=0, check=("customer_type", "C1", "corporate"))),
    ("missing_key", "s.csv", text(["customer_id,survey_date,score", "C1,2026-01-01,9"]), {"table": "surveys"},
     dict(error="s.csv: the file lacks columns that table surveys needs: survey_id (e.g. 问卷编号, 回访编号, 問卷編號, "
                "survey_no) — map the column that identifies each row, or build it from the file name and row number.")),
    ("surrogate_key", "s.csv", text(["customer_id,survey_date,score", "C1,2026-01-01,9", "C2,2026-01-02,7"]),
     {"table": "surveys", "surrogate_key": True}, dict(read=2, inserted=2, rejected=0, key="s-3")),
    ("unknown_table", "x.csv", text(["foo,bar,baz", "1,2,3"]), {},
     dict(error="x.csv: cannot tell which table this file is (headers: foo, bar, baz); choose the table "
                "(--table NAME) or rename the headers.")),
    ("empty_file", "e.csv", b"", {}, dict(error="e.csv: the file is empty; export it again with its header row and data.")),
    ("blank_lines_only", "e.csv", b"\r\n \r\n\r\n", {},
     dict(error="e.csv: the file is empty; export it again with its header row and data.")),
    ("header_only", "c.csv", text([HDR]), {}, dict(read=0, inserted=0, rejected=0)),
    ("binary_garbage", "g.csv", bytes(range(256)) * 40, {},
     dict(error="g.csv: this is not a text, Excel (.xlsx) or Parquet file; export the data as CSV, XLSX or Parquet.")),
    ("old_xls", "o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, {},
     dict(error="o.xls: old Excel 97-2003 (.xls) files are not supported; save it as .xlsx or CSV.")),
    ("xlsx", "c.xlsx", xlsx({"客户": XROWS}), {}, dict(read=2, inserted=2, rejected=0,
                                                     check=("open_date", "C2", dt.date(2026, 2, 6)))),
    ("xlsx_second_sheet_title_rows", "c.xlsx",
     xlsx({"说明": [["read me"]], "data": [["客户清单"], [], *XROWS]}), {"sheet": "data"},
     dict(read=2, inserted=2, rejected=0)),
    ("xlsx_formula_cell", "c.xlsx", xlsx({"s": [XROWS[0], XROWS[1][:-1] + ["=100*3"]]}), {},
     dict(read=1, inserted=1, rejected=0, check=("acquisition_cost", "C1", 300.0))),
    ("xlsx_truncated", "t.xlsx", xlsx({"s": XROWS})[:700], {}, dict(error_prefix="t.xlsx: cannot read this Excel file")),
    ("parquet", "c.parquet", parquet_bytes(), {}, dict(read=2, inserted=2, rejected=0,
                                                      check=("open_date", "C2", dt.date(2026, 2, 6)))),
    ("5000_columns", "w.csv", wide_hdr_5000(), {},
     dict(error="w.csv: 5000 columns is more than the 1000 an import takes; remove unused columns, or raise "
                "QUARTERDECK_MAX_COLUMNS.")),
    ("1mb_cell", "c.csv", text([HDR, "C1," + "长" * (1024 * 1024 // 3) + ",retail,B001,2026-01-05,active,1"]), {},
     dict(read=1, inserted=1, rejected=0)),
    ("trailing_delimiter", "c.csv", text([HDR + ",", *(r + "," for r in ROWS)]), {}, dict(read=3, inserted=3, rejected=0)),
    ("extra_columns_kept", "c.csv", text([HDR + ",vip_flag", ROWS[0] + ",gold"]), {"keep_extra": True},
     dict(read=1, inserted=1, rejected=0, check=("extra_attrs", "C1", {"vip_flag": "gold"}))),
    ("wide_customer_with_balances", "c.csv",
     text(["客户号,客户类型,网点号,存款余额,理财余额,贷款余额", "C1,个人,B001,\"1,000.00\",2万,0", "C2,对公,B002,5,,"]),
     {"as_of": "2026-09-30"}, dict(read=2, inserted=2, rejected=0, balances=2)),
    ("wide_customer_without_date", "c.csv", text(["客户号,客户类型,网点号,存款余额", "C1,个人,B001,1"]), {},
     dict(error="c.csv: the balance columns (存款余额) need a snapshot date; add an as-of date column or give one "
                "(--as-of YYYY-MM-DD).")),
]


@pytest.fixture
def small_db():
    db = open_database(":memory:")
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'West End', 'West')")
        cur.execute("INSERT INTO staff (rm_id, rm_name, branch_id, line) VALUES ('R001', 'Wang', 'B001', 'retail')")
    yield db
    db.close()


@pytest.mark.parametrize("name,file_name,content,opts,exp", CASES, ids=[c[0] for c in CASES])
def test_corpus(small_db, tmp_path, name, file_name, content, opts, exp):
    path = tmp_path / file_name
    path.write_bytes(content)
    opts = {"rejects_dir": str(tmp_path / "rejects"), **opts}
    if "error" in exp or "error_prefix" in exp:
        with pytest.raises(IngestError) as ei:
            jobs.import_one(small_db, str(path), opts)
        msg = ei.value.message("en")
        if "error" in exp:
            assert msg == exp["error"]
        else:
            assert msg.startswith(exp["error_prefix"]) and msg.endswith("Open and save it again in Excel, or export CSV.")
        assert small_db.scalar("SELECT count(*) FROM qd_imports") == 0
        return
    rep = jobs.import_one(small_db, str(path), opts)
    assert (rep.rows_read, rep.inserted, rep.rejected) == (exp["read"], exp["inserted"], exp["rejected"])
    assert rep.rows_read == rep.inserted + rep.updated + rep.unchanged + rep.rejected
    errors = [(i.row, i.reason) for i in rep.issues if i.severity == "error"]
    assert errors == exp.get("reasons", [])
    if "warnings" in exp:
        assert rep.warnings == exp["warnings"]
    if "skipped" in exp:
        assert rep.skipped == exp["skipped"]
    if rep.rejected:
        rej = pd.read_csv(rep.rejects_path, dtype=str)
        assert len(rej) == rep.rejected and list(rej.columns[:2]) == ["row", "reason"]
    table = rep.table
    if "check" in exp:
        col, key, want = exp["check"]
        got = small_db.scalar(f'SELECT "{col}" FROM "{table}" WHERE customer_id = ?', [key])
        assert got == want
    if "distinct_dates" in exp:
        assert small_db.scalar("SELECT count(DISTINCT open_date) FROM customers") == 1
        assert small_db.scalar("SELECT max(open_date) FROM customers") == dt.date(2026, 9, 30)
    if "true_count" in exp:
        assert small_db.scalar("SELECT count(*) FROM leads WHERE converted AND NOT is_new_customer") == 5
    if "key" in exp:
        assert small_db.scalar(f"SELECT min(survey_id) FROM surveys") == "s-2"
        assert small_db.scalar(f"SELECT max(survey_id) FROM surveys") == exp["key"]
    if "ignored" in exp:
        assert len(rep.ignored_columns) == exp["ignored"]
    if "balances" in exp:
        assert rep.parts and rep.parts[0].inserted == exp["balances"]
        assert small_db.scalar("SELECT deposits + wealth FROM balances WHERE customer_id = 'C1'") == 21000.0
        assert small_db.scalar("SELECT max(as_of) FROM balances") == dt.date(2026, 9, 30)


def test_corpus_is_big_enough():
    assert len(CASES) >= 30


def test_amounts_exact(small_db, tmp_path):
    vals = ["1,234.50", "¥1,234", "1.2万", "3亿", "(500)", "9.34E-05", "12.5%", "￥2,000元"]
    p = tmp_path / "a.csv"
    p.write_bytes(text([HDR] + [f"C{i},n,retail,B001,2026-01-05,active,\"{v}\"" for i, v in enumerate(vals)]))
    jobs.import_one(small_db, str(p), {})
    got = [r[0] for r in small_db.rows("SELECT acquisition_cost FROM customers ORDER BY customer_id")]
    assert got == [1234.5, 1234.0, 12000.0, 300000000.0, -500.0, 9.34e-05, 0.125, 2000.0]
