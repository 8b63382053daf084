"""Undo keeps to the undoer's scope: a scoped uploader may undo only imports whose every row (written
and replaced) is inside its scope and whose table it may import; its history lists only those;
refusals are audited. Undoing a customers import whose customers have later facts is refused."""
from __future__ import annotations

import pytest

from lib.core import audit
from lib.core import auth
from lib.core.db import Scope, open_database
from lib.ingest import jobs, load
from lib.ingest.errors import IngestError

EAST = auth.Viewer("East uploader", "uploader", Scope(region="East"), username="east")
B001 = auth.Viewer("B001 uploader", "uploader", Scope(branch_ids=("B001",)), username="b001")
BANK = auth.Viewer("Bank uploader", "uploader", Scope(), username="bank")


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'Harbour', 'West')")
        cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id) VALUES ('C1', 'retail', 'B001'), "
                    "('C2', 'retail', 'B002')")
    yield d
    d.close()


def load_csv(db, tmp_path, name, lines, viewer=BANK):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = jobs.import_one(db, str(p), {}, viewer=viewer)
    assert rep.rejected == 0, rep.issues
    return rep.import_id


def denials(db):
    return audit.entries(db, action="access_denied")


def test_scoped_uploader_undoes_its_own_import_and_sees_it(db, tmp_path):
    iid = load_csv(db, tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C3,retail,B001"], viewer=EAST)
    assert load.history(db, viewer=EAST)["import_id"].tolist() == [iid]
    assert load.may_undo(db, iid, viewer=EAST)
    assert load.undo_import(db, iid, viewer=EAST) == [iid]
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id = 'C3'") == 0


def test_an_import_touching_another_region_is_hidden_and_its_undo_refused_and_audited(db, tmp_path):
    iid = load_csv(db, tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C4,retail,B001",
                                           "C5,retail,B002"])
    assert load.history(db, viewer=EAST).empty
    assert not load.may_undo(db, iid, viewer=EAST)
    with pytest.raises(IngestError) as e:
        load.undo_import(db, iid, viewer=EAST)
    assert e.value.message("en") == (f"import {iid} cannot be undone by you: it wrote or replaced rows of branch "
                                     "B002, outside your scope ('?': no known branch); ask an administrator to "
                                     "undo it.")
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id IN ('C4', 'C5')") == 2
    d = denials(db)
    assert len(d) == 1 and d.iloc[0]["username"] == "east" and "outside your scope" in d.iloc[0]["detail"]
    assert load.history(db, viewer=BANK)["import_id"].tolist() == [iid]  # the admin side sees and may undo all
    assert load.undo_import(db, iid, viewer=BANK) == [iid]


def test_an_update_that_moved_a_row_out_of_another_region_cannot_be_undone_by_the_receiving_region(db, tmp_path):
    iid = load_csv(db, tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C2,retail,B001"])
    # written row: B001 (East); replaced row: B002 (West) -> not all inside East
    assert db.scalar("SELECT branch_id FROM customers WHERE customer_id = 'C2'") == "B001"
    assert load.history(db, viewer=EAST).empty
    with pytest.raises(IngestError):
        load.undo_import(db, iid, viewer=EAST)
    assert db.scalar("SELECT branch_id FROM customers WHERE customer_id = 'C2'") == "B001"


def test_an_admin_import_inside_the_scope_may_be_undone_by_the_scoped_uploader(db, tmp_path):
    iid = load_csv(db, tmp_path, "b.csv", ["customer_id,as_of,deposits", "C1,2026-09-30,10"])
    assert load.history(db, viewer=B001)["import_id"].tolist() == [iid]
    assert load.undo_import(db, iid, viewer=B001) == [iid]


def test_bank_wide_tables_cannot_be_undone_by_a_scoped_uploader(db, tmp_path):
    iid = load_csv(db, tmp_path, "br.csv", ["branch_id,branch_name,region", "B009,New,East"])
    assert load.history(db, viewer=EAST).empty
    with pytest.raises(IngestError) as e:
        load.undo_import(db, iid, viewer=EAST)
    assert e.value.message("en") == (f"import {iid} cannot be undone by you: branches holds bank-wide data and you "
                                     "may change data of your branches only; ask an administrator to undo it.")
    assert e.value.message("zh").startswith(f"您无法撤销导入批次 {iid}：branches 是全行数据")
    assert db.scalar("SELECT count(*) FROM branches WHERE branch_id = 'B009'") == 1
    assert len(denials(db)) == 1


def test_undoing_customers_with_later_balances_is_refused_until_those_are_undone(db, tmp_path):
    cust = load_csv(db, tmp_path, "c.csv", ["customer_id,customer_type,branch_id", "C7,retail,B001"])
    bal = load_csv(db, tmp_path, "b.csv", ["customer_id,as_of,deposits", "C7,2026-09-30,10", "C1,2026-09-30,5"])
    with pytest.raises(IngestError) as e:
        load.undo_import(db, cust)
    assert e.value.message("en") == (f"import {cust} cannot be undone: 1 rows of balances belong to customers it "
                                     f"added (e.g. C7) and were loaded by import {bal}; undo those imports first, "
                                     "so that no balance, sale or lead is left without its customer.")
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id = 'C7'") == 1
    assert load.undo_import(db, bal) == [bal]
    assert load.undo_import(db, cust) == [cust]
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id = 'C7'") == 0


def test_a_wide_customer_export_undoes_with_its_own_balances(db, tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("customer_id,customer_type,branch_id,deposits\nC8,retail,B001,10\n", encoding="utf-8")
    rep = jobs.import_one(db, str(p), {"table": "customers", "as_of": "2026-09-30"}, viewer=BANK)
    assert rep.parts and rep.parts[0].inserted == 1
    assert load.undo_import(db, rep.import_id) == [rep.import_id, rep.parts[0].import_id]
    assert db.scalar("SELECT count(*) FROM balances WHERE customer_id = 'C8'") == 0
