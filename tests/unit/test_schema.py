"""The data contract: DDL round trip, header and category synonyms, migrations."""
import duckdb
import pytest

from lib.core import schema
from lib.core.db import migrate, open_database


def test_ddl_round_trip_creates_every_table_with_its_columns():
    db = open_database(":memory:")
    for t in schema.TABLES:
        cols = db.rows("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = ? ORDER BY ordinal_position", [t.name])
        names = [c[0] for c in cols]
        assert names == t.column_names + [n for n, _ in schema.SYSTEM_COLUMNS]
        types = dict(cols)
        for c in t.columns:
            assert types[c.name] == c.type, (t.name, c.name)
    assert db.meta("schema_version") == str(schema.SCHEMA_VERSION)


def test_ddl_is_idempotent():
    con = duckdb.connect(":memory:")
    for stmt in schema.ddl():
        con.execute(stmt)
    for stmt in schema.ddl():
        con.execute(stmt)
    assert migrate(con) == 0
    assert migrate(con) == schema.SCHEMA_VERSION


def test_every_table_from_the_design_is_in_the_contract():
    assert {t.name for t in schema.TABLES} == {
        "branches", "staff", "customers", "balances", "products", "sales", "campaigns", "leads", "activities",
        "referrals", "targets", "peer_benchmarks", "assessments", "surveys", "ledger", "relations", "outside_parties",
        "mentor_journal", "training_enrolments"}


@pytest.mark.parametrize("t", schema.TABLES, ids=lambda t: t.name)
def test_no_two_columns_share_a_synonym(t):
    seen = {}
    for c in t.columns:
        forms = {schema.normalise(f) for f in schema.header_forms(c)}
        for f in forms:
            assert f not in seen or seen[f] == c.name, f"{t.name}: {f!r} maps to {seen.get(f)} and {c.name}"
            seen[f] = c.name


@pytest.mark.parametrize("t", schema.TABLES, ids=lambda t: t.name)
def test_keys_and_required_columns_exist(t):
    for k in t.key:
        assert k in t.column_names
    assert t.required, t.name
    for c in t.columns:
        if c.references:
            ref_table, ref_col = c.references.split(".")
            assert ref_col in schema.table(ref_table).column_names


@pytest.mark.parametrize("table_name,header,expected", [
    ("customers", "客户号", "customer_id"),
    ("customers", "客户编号", "customer_id"),
    ("customers", "客戶號", "customer_id"),
    ("customers", "cust_no", "customer_id"),
    ("customers", "CustomerId", "customer_id"),
    ("customers", "Customer ID", "customer_id"),
    ("customers", "ＣＵＳＴ＿ＮＯ", "customer_id"),
    ("customers", "客户名称", "customer_name"),
    ("customers", "开户日期", "open_date"),
    ("customers", "风险承受能力", "risk_tolerance"),
    ("balances", "存款余额", "deposits"),
    ("balances", "数据日期", "as_of"),
    ("balances", "資料日期", "as_of"),
    ("sales", "中收", "fee_income"),
    ("staff", "客户经理编号", "rm_id"),
    ("leads", "话术版本", "variant"),
    ("targets", "目标值", "target_value"),
    ("customers", "no such column", None),
])
def test_match_header(table_name, header, expected):
    assert schema.match_header(schema.table(table_name), header) == expected


@pytest.mark.parametrize("table_name,column,value,expected", [
    ("customers", "status", "正常", "active"),
    ("customers", "status", "销户", "closed"),
    ("customers", "status", "銷戶", "closed"),
    ("customers", "acquisition_channel", "手机银行", "app"),
    ("customers", "acquisition_channel", "网点", "branch"),
    ("customers", "acquisition_channel", "telephone", "phone"),  # UCI bank-marketing call lists
    ("leads", "channel", "cellular", "phone"),
    ("leads", "channel", "Telephone", "phone"),
    ("customers", "customer_type", "对公", "corporate"),
    ("customers", "risk_tolerance", "稳健型", "C2"),
    ("products", "risk_level", "r4", "R4"),
    ("products", "product_type", "理财", "wealth"),
    ("leads", "stage", "已成交", "converted"),
    ("customers", "status", "unknown", None),
])
def test_match_category(table_name, column, value, expected):
    assert schema.match_category(schema.table(table_name).column(column), value) == expected


def test_table_guess_prefers_the_right_table():
    headers = ["客户号", "客户名称", "客户类型", "网点号", "开户日期"]
    best = max(schema.TABLES, key=lambda t: schema.table_match_score(t, headers))
    assert best.name == "customers"


def test_personal_columns_are_marked():
    assert set(schema.table("customers").personal) == {"customer_name", "phone", "id_number"}


def test_migration_brings_an_older_file_up_to_date(tmp_path):
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    con.execute("CREATE TABLE qd_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO qd_meta VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE customers (customer_id VARCHAR, customer_name VARCHAR, branch_id VARCHAR)")
    con.execute("INSERT INTO customers VALUES ('C1', 'Wang', 'B1')")
    con.close()
    db = open_database(path)
    assert db.meta("schema_version") == str(schema.SCHEMA_VERSION)
    cols = [r[0] for r in db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'customers'")]
    assert "risk_tolerance" in cols and "extra_attrs" in cols
    assert db.rows("SELECT customer_id, customer_name FROM customers") == [("C1", "Wang")]
    assert db.scalar("SELECT count(*) FROM ledger") == 0
    db.close()


def test_a_newer_file_is_refused(tmp_path):
    path = str(tmp_path / "new.duckdb")
    con = duckdb.connect(path)
    con.execute("CREATE TABLE qd_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO qd_meta VALUES ('schema_version', '999')")
    con.close()
    with pytest.raises(RuntimeError, match="newer Quarterdeck"):
        open_database(path)


def test_generated_docs_are_current():
    """docs/DATA_CONTRACT.md and docs/METRICS.md come from the schema and the registry;
    run `python -m lib.docs` after changing either."""
    from lib import docs
    assert docs.main(["--check"]) == 0
