"""No value changes silently, and detection a manager can follow (issue 14, sections 2 and 5).

Each case imports a small file through the path the CLI and the app share (``jobs.import_one``)
and asserts what was stored, or the reason of every rejected row / the file-level message, word
for word. The table-guess cases are the layouts of real public bank files (bank marketing call
list, card attrition list, churn list, a loan table) and of Chinese core-banking exports.
"""
from __future__ import annotations

import io

import pytest

from lib.core.db import open_database
from lib.ingest import detect, jobs, mapping
from lib.ingest.errors import IngestError

HDR = "customer_id,customer_type,branch_id,acquisition_cost"


def csv(lines: list[str], enc: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(enc)


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'West End', 'West')")
    yield d
    d.close()


def load(db, tmp_path, name: str, content: bytes, **opts):
    p = tmp_path / name
    p.write_bytes(content)
    return jobs.import_one(db, str(p), {"rejects_dir": str(tmp_path / "rej"), **opts})


def errors(rep) -> list[tuple[int, str]]:
    return [(i.row, i.reason) for i in rep.issues if i.severity == "error"]


# ---------------------------------------------------------------- number formats of a whole column
AMBIG = ("no value in this column shows whether ',' or '.' is the decimal mark; state the column's number format "
         "(1,234.56 or 1.234,56) and load again")
MIXED = ("this column mixes the number formats 1,234.56 and 1.234,56, so its separators cannot be trusted; fix the "
         "column in the file, or state its number format and load again")
NUMBER_CASES = [
    # name, cells of acquisition_cost (rows 2..), options, stored per row (None: rejected), reasons
    ("us_grouping", ["1,234,567.89", "1,234"], {}, [1234567.89, 1234.0], []),
    ("european_grouping", ["1.234.567,89", "1.234"], {}, [1234567.89, 1234.0], []),
    ("decimal_comma", ["12345,67", "1,234"], {}, [12345.67, 1.234], []),
    ("european_negative_and_currency", ["-1.234,5", "€ 2.000,00", "(1.000,25)"], {}, [-1234.5, 2000.0, -1000.25], []),
    ("plain_with_chinese_units", ["¥1.2万", "(3,000.00)", "RMB 5", "CNY 1,000.00", "2亿元", "￥7.5元"], {},
     [12000.0, -3000.0, 5.0, 1000.0, 2e8, 7.5], []),
    ("ambiguous_comma_rejected", ["1,234", "500"], {}, [None, 500.0],
     [(2, f"acquisition_cost: '1,234' could be 1234 / 1.234: {AMBIG}")]),
    ("ambiguous_dot_rejected", ["1.234", "7"], {}, [None, 7.0],
     [(2, f"acquisition_cost: '1.234' could be 1.234 / 1234: {AMBIG}")]),
    ("ambiguous_stated_european", ["1.234", "7"], {"number_format": {"acquisition_cost": "1.234,56"}},
     [1234.0, 7.0], []),
    ("ambiguous_stated_us", ["1,234", "7"], {"number_format": {"acquisition_cost": "1,234.56"}}, [1234.0, 7.0], []),
    ("mixed_formats_rejected", ["1,234.5", "1.234,5", "7"], {}, [None, None, 7.0],
     [(2, f"acquisition_cost: '1,234.5': {MIXED}"), (3, f"acquisition_cost: '1.234,5': {MIXED}")]),
    ("stated_format_contradicted", ["12,5", "7"], {"number_format": {"acquisition_cost": "us"}}, [None, 7.0],
     [(2, "acquisition_cost: '12,5' does not fit the column's number format 1,234.56; fix the value or the "
          "stated format")]),
]


@pytest.mark.parametrize("name,cells,opts,want,reasons", NUMBER_CASES, ids=[c[0] for c in NUMBER_CASES])
def test_number_format_is_decided_from_the_whole_column(db, tmp_path, name, cells, opts, want, reasons):
    rows = [f'C{i},retail,B001,"{v}"' for i, v in enumerate(cells)]
    rep = load(db, tmp_path, "c.csv", csv([HDR, *rows]), **opts)
    assert errors(rep) == reasons
    stored = dict(db.rows("SELECT customer_id, acquisition_cost FROM customers"))
    assert [stored.get(f"C{i}") for i in range(len(cells))] == want


def test_sql_and_python_twin_agree_on_every_format():
    import duckdb
    from lib.ingest import parse
    con = duckdb.connect()
    parse.install_macros(con)
    cells = ["1,234.50", "¥1,234", "1.2万", "(500)", "9.34E-05", "12.5%", "12345,67", "1.234,56", "1.234.567,89",
             "1,234", "1.234", "12,34,567.00", "abc", "1,2万", "-1.234,5", "1 234,56", "0,00", ""]
    for fmt in ("plain", "us", "eu", "unknown", "mixed"):
        for v in cells:
            sql = con.execute("SELECT " + parse.amount_sql("$1", fmt), [v]).fetchone()[0]
            assert sql == parse.parse_amount(v, fmt), (fmt, v)
            assert con.execute("SELECT qd_num_class(qd_null($1))", [v]).fetchone()[0] == parse.number_class(v)


def test_ambiguous_column_takes_the_format_of_the_files_other_numbers(db, tmp_path):
    rep = load(db, tmp_path, "b.csv", csv(["customer_id;as_of;deposits;wealth", "E1;2026-03-31;1.234;2.079,86",
                                           "E2;2026-03-31;5;0,50"]))
    assert db.rows("SELECT deposits, wealth FROM balances ORDER BY customer_id") == [(1234.0, 2079.86), (5.0, 0.5)]
    assert rep.notes == [
        "b.csv: deposits has only values like 1,234 that read two ways; read as 1.234,56, the format of the file's "
        "other number columns.",
        "b.csv: deposits reads numbers as 1.234,56 (decided from the whole column).",
        "b.csv: wealth reads numbers as 1.234,56 (decided from the whole column)."]


def test_ambiguous_column_of_a_chinese_export_groups_thousands(db, tmp_path):
    rep = load(db, tmp_path, "l.csv", csv(["线索编号,是否成交,成交金额", 'L1,是,"224,000"', "L2,否,"]))
    assert (rep.inserted, rep.rejected) == (2, 0)
    assert db.rows("SELECT lead_id, amount FROM leads ORDER BY 1") == [("L1", 224000.0), ("L2", None)]
    assert rep.notes == ["l.csv: 成交金额 has only values like 1,234 that read two ways; read as 1,234.56, as Chinese "
                         "exports write numbers (',' groups thousands)."]


@pytest.mark.parametrize("cell,want,reason", [
    ("930705", "1993-07-05", None),
    ("000101", "2000-01-01", None),
    ("31.03.2026", "2026-03-31", None),
    ("200312", None, "open_date: '200312' is not a date"),
], ids=["yymmdd", "yymmdd_2000", "dd.mm.yyyy", "yyyymm_or_yymmdd"])
def test_compact_dates(db, tmp_path, cell, want, reason):
    from lib.ingest import parse
    rep = load(db, tmp_path, "c.csv", csv(["customer_id,customer_type,branch_id,open_date", f"C1,retail,B001,{cell}"]))
    assert errors(rep) == ([(2, reason)] if reason else [])
    got = db.scalar("SELECT CAST(open_date AS VARCHAR) FROM customers")
    assert got == want and (str(parse.parse_date(cell)) if want else parse.parse_date(cell)) == want


def test_unit_in_header_scales_the_column_and_says_so(db, tmp_path):
    rep = load(db, tmp_path, "b.csv", csv(["客户号,数据日期,存款余额(万元),理财余额（元）", "C1,2026-03-31,24.09,1500"]))
    assert db.rows("SELECT deposits, wealth FROM balances") == [(240900.0, 1500.0)]
    assert rep.notes == ["b.csv: 存款余额(万元) states its unit in the header; its values are multiplied by 10,000."]


def test_european_column_is_named_in_the_report(db, tmp_path):
    rep = load(db, tmp_path, "eu.csv", csv(["customer_id;as_of;deposits", "E1;2026-03-31;2.079,86"]))
    assert db.rows("SELECT deposits FROM balances") == [(2079.86,)]
    assert rep.notes == ["eu.csv: deposits reads numbers as 1.234,56 (decided from the whole column)."]


# ---------------------------------------------------------------- Excel ids, extras, headers, NUL, constants
def _xlsx(rows: list[list], digits: dict[str, str] | None = None) -> bytes:
    """An xlsx; `digits` rewrites number cells' XML text (as exporters that write every digit do)."""
    import openpyxl
    import zipfile
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    if not digits:
        return buf.getvalue()
    zin, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for old, new in digits.items():
                    data = data.replace(f"<v>{old}</v>".encode(), f"<v>{new}</v>".encode())
            zout.writestr(item, data)
    return out.getvalue()


XHDR = ["客户号", "客户类型", "网点号", "账号"]


def test_excel_ids_stay_exact(db, tmp_path):
    content = _xlsx([XHDR, [1234567890123456, "个人", "B001", 6222021234567890],
                     [310100000000.0, "个人", "B001", "62220212345679004729"],
                     [7.0, "个人", "B001", 12345678901234567890]],
                    digits={"1.234567890123457e+19": "12345678901234567890"})
    rep = load(db, tmp_path, "a.xlsx", content)
    assert rep.inserted == 3
    assert db.rows("SELECT customer_id, extra_attrs['账号'] FROM customers ORDER BY 1") == [
        ("1234567890123456", "6222021234567890"), ("310100000000", "62220212345679004729"),
        ("7", "12345678901234567890")]


def test_excel_number_that_lost_its_digits_is_refused(db, tmp_path):
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "a.xlsx", _xlsx([XHDR, [7, "个人", "B001", 62220212345678900000]]))
    assert ei.value.message("en") == (
        "a.xlsx: cell D2 of sheet Sheet (账号) is a number of 16 or more digits, which Excel stores without its last "
        "digits (6.22202123456789e+19…); format that column as Text in Excel, or export CSV, and upload again.")


def test_extra_attributes_keep_their_text(db, tmp_path):
    load(db, tmp_path, "c.csv", csv([HDR + ",vip,备注", "C1,retail,B001,1,Unknown,无", "C2,retail,B001,1,,N/A"]))
    got = dict(db.rows("SELECT customer_id, extra_attrs FROM customers"))
    assert got == {"C1": {"vip": "Unknown", "备注": "无"}, "C2": {"备注": "N/A"}}


def test_duplicated_header_is_kept_and_reported(db, tmp_path):
    rep = load(db, tmp_path, "d.csv", csv(["客户号,客户名称,客户类型,网点号,客户名称", "D1,朱娟,个人,B001,Client 0"]))
    assert db.rows("SELECT customer_name, extra_attrs FROM customers") == [("朱娟", {"客户名称_2": "Client 0"})]
    assert rep.notes == ["d.csv: the header 客户名称 appears 2 times; all are kept, as 客户名称, 客户名称_2 (the first "
                         "one is matched to a column, the others are kept as extra attributes)."]


def _nul_late() -> bytes:
    rows = [f"C{i},retail,B001,1" for i in range(20000)]
    rows[15000] = "C15000,re\x00tail,B001,1"
    return csv([HDR, *rows])


@pytest.mark.parametrize("name,content,line", [
    ("in_the_first_lines", csv([HDR, "C1,retail,B001,1", "C2,ret\x00ail,B001,1"]), 3),
    ("past_the_sniffed_sample", _nul_late(), 15002),
], ids=["in_the_first_lines", "past_the_sniffed_sample"])
def test_nul_byte_anywhere_refuses_the_file(db, tmp_path, name, content, line):
    assert len(content) > detect.SAMPLE_BYTES or name == "in_the_first_lines"
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "n.csv", content)
    assert ei.value.message("en") == (f"n.csv: line {line} holds a NUL byte, which a text export never has: the file "
                                      "is damaged or not plain text. Export it again as CSV, XLSX or Parquet.")
    assert db.scalar("SELECT count(*) FROM customers") == 0


def test_constant_for_a_column_the_file_has_is_refused(db, tmp_path):
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "c.csv", csv([HDR, "C1,retail,B001,1"]), set={"branch_id": "B002"})
    assert ei.value.message("en") == (
        "c.csv: the file already has branch_id (column branch_id); one value for the whole file would overwrite it. "
        "Fill in only columns the file lacks, or map branch_id elsewhere first.")
    assert ei.value.message("zh") == (
        "c.csv：文件已有 branch_id（列 branch_id），整个文件填同一个值会覆盖它。只为文件缺少的列填值，或先把 branch_id 映射到别处。")


# ---------------------------------------------------------------- header matching
HEADER_CASES = [
    ("customers", "所属网点", "branch_id", "exact"),
    ("customers", "开户网点", "branch_id", "exact"),
    ("customers", "归属机构", "branch_id", "exact"),
    ("customers", "所属支行", "branch_id", "exact"),
    ("staff", "归属营业部", None, None),
    ("staff", "管户支行", "branch_id", "token"),
    ("customers", "客户经理工号", "rm_id", "exact"),
    ("customers", "客戶經理工號", "rm_id", "normalised"),
    ("customers", "CLIENTNUM", "customer_id", "token"),
    ("customers", "ＣＵＳＴ＿ＩＤ", "customer_id", "normalised"),
    ("customers", "Customer Id", "customer_id", "normalised"),
    ("customers", "客户编码", "customer_id", "token"),
    ("customers", "网点名称", "branch_id", "name"),
    ("customers", "开户日期", "open_date", "exact"),
    ("balances", "存款余额(万元)", "deposits", "exact"),
    ("sales", "借据号", "sale_id", "exact"),
]


@pytest.mark.parametrize("table,header,column,how", HEADER_CASES, ids=[f"{c[0]}-{c[1]}" for c in HEADER_CASES])
def test_header_matching_by_normalised_tokens(table, header, column, how):
    m = mapping.match_header(table, header)
    assert (m.column if m else None, m.how if m else None) == (column, how)


def test_match_reason_is_said():
    plan = mapping.Plan(table="customers", columns={"CLIENTNUM": "customer_id", "客户名称": "customer_name",
                                                    "存款余额(万元)": "balances.deposits", "vip": mapping.EXTRA})
    plan.scales = mapping.plan_scales(plan, list(plan.columns))
    assert mapping.match_reason(plan, "CLIENTNUM") == (
        "CLIENTNUM → customer_id: the word 'client' of customer_id with a qualifier or an id word (所属, 开户, 号, ID, NUM)")
    assert mapping.match_reason(plan, "客户名称", "zh") == "客户名称 → customer_name：customer_name 的已知名称"
    assert mapping.match_reason(plan, "存款余额(万元)") == (
        "存款余额(万元) → balances.deposits: a known name of balances.deposits · values in the header's unit, × 10,000")
    assert mapping.match_reason(plan, "vip") == "vip: matches no column; kept as an extra attribute"


def test_branch_names_are_looked_up_and_unknown_names_still_load(db, tmp_path):
    rep = load(db, tmp_path, "c.csv", csv(["客户号,客户类型,网点名称", "C1,个人,West End", "C2,个人,Nowhere",
                                           "C3,个人,B001"]))
    assert (rep.inserted, rep.rejected) == (3, 0)
    assert db.rows("SELECT customer_id, branch_id FROM customers ORDER BY 1") == [
        ("C1", "B002"), ("C2", "Nowhere"), ("C3", "B001")]
    assert [(i.row, i.reason) for i in rep.issues if i.severity == "warning"] == [
        (3, "网点名称: 'Nowhere' not found in branches")]


# ---------------------------------------------------------------- missing columns and advice
def test_every_missing_column_in_one_error(db, tmp_path):
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "c.csv", csv(["客户名称,开户日期", "张三,2026-01-01"]), table="customers")
    e = ei.value
    assert e.kw["missing"] == ["customer_id", "customer_type", "branch_id"]
    assert e.message("en") == (
        "c.csv: the file lacks columns that table customers needs: customer_id (e.g. 客户号, 客户编号, 客户id, 客戶號) — "
        "map the column that holds each row's own code (a customers row cannot take a code made up from file and row); "
        "customer_type (e.g. 客户类型, 客戶類型, 客户类别, 对公对私) — map a column to it, or fill in one value for the "
        "whole file; branch_id (e.g. 网点号, 网点编号, 机构号, 机构编号) — map a column to it, or fill in one value for "
        "the whole file.")
    assert "--" not in e.message("zh")


def test_loan_list_is_never_advised_onto_one_customer(db, tmp_path):
    berka_loan = csv(['"loan_id";"account_id";"date";"amount";"duration";"payments";"status"',
                      '5314;1787;930705;96396;12;8033.00;"B"', '5316;1801;930711;165960;36;4610.00;"A"',
                      '6863;9188;930728;127080;60;2118.00;"A"'])
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "loan.asc", berka_loan)
    msg = ei.value.message("en")
    assert msg.startswith("loan.asc: the file lacks columns that table sales needs: customer_id (e.g. 客户号, 客户编号, "
                          "客户id, 客戶號) — map the column that says whose row it is (one value for the whole file would "
                          "put every row on one customer); product_id")
    assert "customer_id=" not in msg and "--set" not in msg
    assert ei.value.kw["missing"] == ["customer_id", "product_id"]


def test_call_list_never_becomes_campaigns(db, tmp_path):
    calls = csv(['"age";"job";"contact";"duration";"campaign";"pdays";"poutcome";"y"',
                 '56;"housemaid";"telephone";261;1;999;"nonexistent";"no"',
                 '57;"services";"telephone";149;1;999;"nonexistent";"yes"',
                 '41;"blue-collar";"cellular";217;2;999;"nonexistent";"no"'])
    with pytest.raises(IngestError) as ei:
        load(db, tmp_path, "calls.csv", calls, table="campaigns", surrogate_key=True)
    assert ei.value.message("en") == (
        "calls.csv: a row of campaigns is something with its own code, so a key made from file name and row number "
        "would make every row a new one; map the column that holds campaign_id.")
    rep = load(db, tmp_path, "calls.csv", calls, surrogate_key=True)  # the guess: leads, one lead per call
    assert (rep.table, rep.inserted, rep.rejected) == ("leads", 3, 0)
    assert db.scalar("SELECT count(*) FILTER (WHERE converted) FROM leads") == 1
    assert db.scalar("SELECT count(*) FROM campaigns") == 0


# ---------------------------------------------------------------- which table: whole header set and values
GUESS_CASES = [
    ("bank_marketing_call_list", ['"age";"job";"marital";"education";"default";"housing";"loan";"contact";"month";'
                                  '"day_of_week";"duration";"campaign";"pdays";"previous";"poutcome";"y"',
                                  '56;"housemaid";"married";"basic.4y";"no";"no";"no";"telephone";"may";"mon";261;1;'
                                  '999;0;"nonexistent";"no"',
                                  '37;"services";"married";"high.school";"no";"yes";"no";"telephone";"may";"mon";226;'
                                  '1;999;0;"nonexistent";"yes"'], "leads"),
    ("card_attrition_clientnum", ["CLIENTNUM,Attrition_Flag,Customer_Age,Gender,Dependent_count,Education_Level,"
                                  "Marital_Status,Income_Category,Card_Category,Months_on_book,Credit_Limit",
                                  "768805383,Existing Customer,45,M,3,High School,Married,$60K - $80K,Blue,39,12691",
                                  "818770008,Existing Customer,49,F,5,Graduate,Married,Less than $40K,Blue,44,8256"],
     "customers"),
    ("churn_list_with_balance", ["RowNumber,CustomerId,Surname,CreditScore,Geography,Gender,Age,Tenure,Balance,"
                                 "NumOfProducts,HasCrCard,IsActiveMember,EstimatedSalary,Exited",
                                 "1,15634602,Hargrave,619,France,Female,42,2,0,1,1,1,101348.88,1",
                                 "2,15647311,Hill,608,Spain,Female,41,1,83807.86,1,0,1,112542.58,0"], "customers"),
    ("loan_table", ['"loan_id";"account_id";"date";"amount";"duration";"payments";"status"',
                    '5314;1787;930705;96396;12;8033.00;"B"', '5316;1801;930711;165960;36;4610.00;"A"'], "sales"),
    ("cn_customers_with_balance", ["客户号,客户名称,客户类型,所属网点,客户经理工号,开户日期,客户状态,账户余额",
                                   '6000000000,吴强强,对公,0201,E1027,2014-02-21,正常,"￥7,864.17"',
                                   '6000000001,赵涛,个人,0301,E1030,2014-04-19,正常,"￥93,956.31"'], "customers"),
    ("cn_customer_list_with_deposits", ["客户号,客户名称,存款余额", "C1,张三,100", "C2,李四,200"], "customers"),
    ("cn_balances_wanyuan", ["客户号,开户网点,归属机构,数据日期,存款余额(万元),理财余额(万元)",
                             "6000000000,0201,上海浦东支行,2026-03-31,24.09,34.76",
                             "6000000001,0201,上海浦东支行,2026-03-31,5.00,0.00"], "balances"),
    ("account_table_is_no_table_without_asking", ['"account_id";"district_id";"frequency";"date"',
                                                  '576;55;"POPLATEK MESICNE";930101', '3818;74;"POPLATEK MESICNE";930101'],
     None),
    ("transactions_are_no_snapshots", ['"trans_id";"account_id";"date";"type";"operation";"amount";"balance"',
                                       '695247;2378;930101;"PRIJEM";"VKLAD";700.00;700.00',
                                       '171812;576;930101;"PRIJEM";"VKLAD";900.00;900.00'], None),
    ("cn_leads", ["线索编号,活动编号,客户号,联系日期,渠道,是否成交,成交金额", 'L00000,CMP2026Q1,6000000016,2026/3/1,网点,是,"224,000"'],
     "leads"),
]


@pytest.mark.parametrize("name,lines,table", GUESS_CASES, ids=[c[0] for c in GUESS_CASES])
def test_table_guess_uses_headers_and_values(tmp_path, name, lines, table):
    p = tmp_path / "f.csv"
    p.write_bytes(csv(lines))
    src = detect.inspect(str(p))
    assert src.table_guess == table, src.candidates()
    assert len(src.candidates()) >= (2 if table else 1)


def test_guess_says_why(tmp_path):
    p = tmp_path / "calls.csv"
    p.write_bytes(csv([l for l in GUESS_CASES[0][1]]))
    src = detect.inspect(str(p))
    best = src.candidates("en")[0]
    assert best[0] == "leads" and best[2] == (
        "no lead_id column, but each row is one record of leads (key from file name and row); also found: y → "
        "converted; headers typical of a leads file: contact, duration, pdays, previous, poutcome")
    camp = detect.why(src.reasons["campaigns"])
    assert "campaign holds only numbers, not names, so it is hardly campaign_name" in camp
    assert src.candidates("zh")[0][2].startswith("没有 lead_id 列，但每一行都是 leads 的一条记录")


def test_weak_guess_names_the_candidates(db, tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(csv(["trans_id;type;amount", "1;PRIJEM;700.00", "2;VYDAJ;900.00"]))
    with pytest.raises(IngestError) as ei:
        jobs.import_one(db, str(p), {})
    assert ei.value.message("en").startswith("t.csv: not sure which table this file is; the best candidates: ")
    assert ei.value.message("en").endswith(". Choose the table.")


def test_preview_uses_the_columns_format_and_unit(db, tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes(csv(["customer_id;as_of;deposits;理财余额(万元)", "E1;2026-03-31;2.079,86;1,5", "E2;2026-03-31;1.234;0"]))
    src = detect.inspect(str(p))
    plan = mapping.propose(db, src)
    rows = mapping.preview(src, plan)
    assert [(r["deposits"], r["wealth"]) for r in rows] == [(2079.86, 15000.0), (1234.0, 0.0)]
