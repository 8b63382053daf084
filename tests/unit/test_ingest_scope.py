"""An uploader scoped to some branches loads rows of those branches only: rows of other branches,
or of no known branch, are rejected one by one with their reason; bank-wide tables are refused."""
from __future__ import annotations

import pytest

from lib.core import auth
from lib.core.db import Scope, open_database
from lib.ingest import jobs
from lib.ingest.errors import IngestError

BRANCH_B001 = auth.Viewer("Branch uploader", "uploader", Scope(branch_ids=("B001",)))
EAST = auth.Viewer("East uploader", "uploader", Scope(region="East"))
BANK = auth.Viewer("Bank uploader", "uploader", Scope())


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'Harbour', 'West')")
        cur.execute("INSERT INTO staff (rm_id, rm_name, branch_id, line) VALUES ('R1', 'Li', 'B001', 'retail'), "
                    "('R2', 'Wang', 'B002', 'retail')")
        cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id) VALUES ('C1', 'retail', 'B001'), "
                    "('C2', 'retail', 'B002')")
    yield d
    d.close()


def write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def reasons(rep) -> dict[int, str]:
    return {i.row: i.reason for i in rep.issues if i.severity == "error"}


@pytest.mark.parametrize("viewer", [BRANCH_B001, EAST])
def test_customers_of_other_branches_are_rejected_row_by_row(db, tmp_path, viewer):
    p = write(tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C3,retail,B001", "C4,retail,B002"])
    rep = jobs.import_one(db, p, {}, viewer=viewer)
    assert (rep.inserted, rep.rejected) == (1, 1)
    assert reasons(rep) == {3: "branch_id: 'B002' belongs to branch B002, outside your scope; ask an uploader of "
                               "that branch or an administrator to load this row"}
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id IN ('C3', 'C4')") == 1


def test_balances_follow_their_customer_and_unknown_customers_are_rejected(db, tmp_path):
    p = write(tmp_path, "b.csv", ["customer_id,as_of,deposits", "C1,2026-09-30,100", "C2,2026-09-30,200",
                                  "C9,2026-09-30,300"])
    rep = jobs.import_one(db, p, {}, viewer=BRANCH_B001)
    assert (rep.inserted, rep.rejected) == (1, 2)
    assert reasons(rep) == {
        3: "customer_id: 'C2' belongs to branch B002, outside your scope; ask an uploader of that branch or an "
           "administrator to load this row",
        4: "customer_id: 'C9' has no known branch, so it cannot be checked against your scope; load its customer "
           "or RM first"}
    assert [r[0] for r in db.rows("SELECT customer_id FROM balances")] == ["C1"]


def test_sales_without_a_customer_branch_fall_back_to_the_rm(db, tmp_path):
    p = write(tmp_path, "s.csv", ["sale_id,customer_id,product_id,rm_id,sale_date", "S1,C1,P1,R1,2026-09-01",
                                  "S2,C2,P1,R1,2026-09-01"])
    rep = jobs.import_one(db, p, {}, viewer=BRANCH_B001)
    assert (rep.inserted, rep.rejected) == (1, 1)
    assert list(reasons(rep)) == [3]


def test_bank_wide_tables_are_refused_to_a_scoped_uploader(db, tmp_path):
    p = write(tmp_path, "products.csv", ["product_id,product_name,product_type", "P1,Card,credit_card"])
    with pytest.raises(IngestError) as e:
        jobs.import_one(db, p, {}, viewer=BRANCH_B001)
    assert e.value.message("en") == ("products.csv: products holds bank-wide data and you may load data of your "
                                     "branches only; ask an administrator or a bank-wide uploader to load it.")
    assert e.value.message("zh") == "products.csv：products 是全行数据，您只能导入所辖网点的数据；请管理员或全行上传人员导入。"
    assert db.scalar("SELECT count(*) FROM products") == 0


def test_a_bank_wide_uploader_loads_every_branch(db, tmp_path):
    p = write(tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C3,retail,B001", "C4,retail,B002"])
    rep = jobs.import_one(db, p, {}, viewer=BANK)
    assert (rep.inserted, rep.rejected) == (2, 0)


# ---- an update may only touch rows inside the uploader's scope before AND after the change
def test_a_scoped_uploader_cannot_take_over_a_customer_of_another_region(db, tmp_path):
    p = write(tmp_path, "c.csv", ["customer_id,customer_name,customer_type,branch_id", "C2,Mine now,retail,B001",
                                  "C5,New,retail,B001"])
    rep = jobs.import_one(db, p, {}, viewer=EAST)
    assert (rep.inserted, rep.updated, rep.rejected) == (1, 0, 1)
    assert reasons(rep) == {2: "customer_id: 'C2' belongs to branch B002, outside your scope; ask an uploader of "
                               "that branch or an administrator to change it"}
    assert db.rows("SELECT branch_id, customer_name FROM customers WHERE customer_id = 'C2'") == [("B002", None)]


def test_a_scoped_uploader_cannot_take_over_an_rm_of_another_region(db, tmp_path):
    p = write(tmp_path, "s.csv", ["rm_id,rm_name,branch_id,line", "R2,Taken,B001,retail"])
    rep = jobs.import_one(db, p, {}, viewer=EAST)
    assert (rep.loaded, rep.rejected) == (0, 1)
    assert reasons(rep) == {2: "rm_id: 'R2' belongs to branch B002, outside your scope; ask an uploader of that "
                               "branch or an administrator to change it"}
    assert db.rows("SELECT rm_name, branch_id FROM staff WHERE rm_id = 'R2'") == [("Wang", "B002")]


def test_a_sale_of_another_regions_customer_cannot_be_moved_into_scope(db, tmp_path):
    with db.transaction() as cur:
        cur.execute("INSERT INTO sales (sale_id, customer_id, product_id, rm_id, sale_date, amount) "
                    "VALUES ('S9', 'C2', 'P1', 'R2', DATE '2026-08-01', 500)")
    p = write(tmp_path, "s.csv", ["sale_id,customer_id,product_id,rm_id,sale_date,amount",
                                  "S9,C1,P1,R1,2026-09-01,1"])
    rep = jobs.import_one(db, p, {}, viewer=EAST)
    assert (rep.loaded, rep.rejected) == (0, 1)
    assert reasons(rep) == {2: "sale_id: 'S9' belongs to branch B002, outside your scope; ask an uploader of that "
                               "branch or an administrator to change it"}
    assert db.rows("SELECT customer_id, amount FROM sales WHERE sale_id = 'S9'") == [("C2", 500.0)]


def test_a_balance_of_another_regions_customer_is_rejected_and_unchanged(db, tmp_path):
    with db.transaction() as cur:
        cur.execute("INSERT INTO balances (customer_id, as_of, deposits) VALUES ('C2', DATE '2026-09-30', 7)")
    p = write(tmp_path, "b.csv", ["customer_id,as_of,deposits", "C2,2026-09-30,999"])
    rep = jobs.import_one(db, p, {}, viewer=EAST)
    assert rep.rejected == 1
    assert db.scalar("SELECT deposits FROM balances WHERE customer_id = 'C2'") == 7


def test_the_owner_region_may_still_update_its_own_rows(db, tmp_path):
    p = write(tmp_path, "c.csv", ["customer_id,customer_name,customer_type,branch_id", "C1,Renamed,retail,B001"])
    rep = jobs.import_one(db, p, {}, viewer=EAST)
    assert (rep.updated, rep.rejected) == (1, 0)


def test_stored_rows_check_in_chinese(db, tmp_path):
    from lib.core.i18n import t
    assert t("ingest.reason.stored_out_of_scope", "zh", column="客户号", value="C2", detail="B002") == \
        "客户号：“C2”属于网点 B002，不在您的权限范围内；请该网点的上传人员或管理员修改"
