"""Atomic load, upsert, history, undo, remembered mappings and sample round trips."""
from __future__ import annotations

import os

import pytest
from python_calamine import CalamineWorkbook

from lib.core import schema
from lib.core.db import open_database
from lib.ingest import detect, jobs, load, mapping, samples
from lib.ingest.errors import IngestError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "data", "samples")
HDR = "customer_id,customer_name,customer_type,branch_id,open_date,status,acquisition_cost"


def dump(db) -> dict:
    """Content of every canonical and system table, order-independent."""
    out = {}
    for (name,) in db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                           "AND table_type = 'BASE TABLE' ORDER BY 1"):
        out[name] = sorted(map(repr, db.rows(f'SELECT * FROM "{name}"')))
    return out


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East')")
    yield d
    d.close()


def write(tmp_path, name, lines, enc="utf-8"):
    p = tmp_path / name
    p.write_bytes(("\n".join(lines) + "\n").encode(enc))
    return str(p)


def test_reupload_is_idempotent(db, tmp_path):
    p = write(tmp_path, "c.csv", [HDR, "C1,A,retail,B001,2026-01-05,active,1", "C2,B,retail,B001,,active,2"])
    first = jobs.import_one(db, p, {})
    second = jobs.import_one(db, p, {})
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert db.scalar("SELECT count(*) FROM customers") == 2
    assert db.scalar("SELECT import_id FROM customers WHERE customer_id = 'C1'") == first.import_id


def test_update_then_undo_restores_exactly(db, tmp_path):
    p1 = write(tmp_path, "c1.csv", [HDR + ",tier", "C1,A,retail,B001,2026-01-05,active,1,gold", "C2,B,retail,B001,,active,2,"])
    jobs.import_one(db, p1, {"keep_extra": True})
    before = dump(db)
    # a file without the open_date column: stored open dates must survive the update
    p2 = write(tmp_path, "c2.csv", ["customer_id,customer_type,branch_id,status", "C1,retail,B001,closed",
                                    "C2,retail,B001,active", "C3,corporate,B001,active"])
    rep = jobs.import_one(db, p2, {})
    assert (rep.inserted, rep.updated, rep.unchanged) == (1, 1, 1)
    assert db.rows("SELECT status, open_date, extra_attrs FROM customers WHERE customer_id = 'C1'")[0][:2] == \
        ("closed", __import__("datetime").date(2026, 1, 5))
    load.undo_import(db, rep.import_id)
    after = dump(db)
    for name in ("customers", "branches"):
        assert after[name] == before[name]
    assert db.scalar("SELECT status FROM qd_imports WHERE import_id = ?", [rep.import_id]) == "undone"
    with pytest.raises(IngestError, match="already undone"):
        load.undo_import(db, rep.import_id)


def test_undo_refuses_when_a_later_import_changed_the_rows(db, tmp_path):
    a = jobs.import_one(db, write(tmp_path, "a.csv", [HDR, "C1,A,retail,B001,,active,1"]), {})
    b = jobs.import_one(db, write(tmp_path, "b.csv", [HDR, "C1,A,retail,B001,,closed,1"]), {})
    with pytest.raises(IngestError) as ei:
        load.undo_import(db, a.import_id)
    assert ei.value.message() == (f"import {a.import_id} cannot be undone: import {b.import_id} changed the same "
                                  f"rows later; undo {b.import_id} first.")
    load.undo_import(db, b.import_id)
    load.undo_import(db, a.import_id)
    assert db.scalar("SELECT count(*) FROM customers") == 0


@pytest.mark.parametrize("step", ["_upsert", "_record", "save", "bump_data_version"])
def test_failure_mid_import_leaves_database_unchanged(db, tmp_path, monkeypatch, step):
    jobs.import_one(db, write(tmp_path, "a.csv", [HDR, "C1,A,retail,B001,,active,1"]), {})
    before = dump(db)

    def boom(*a, **k):
        raise RuntimeError("injected failure")
    if step == "save":
        monkeypatch.setattr(load, "save_mapping", boom)
    elif step == "bump_data_version":
        monkeypatch.setattr(type(db), "bump_data_version", boom)
    else:
        original = getattr(load, step)

        def half(*a, **k):  # let the step write, then fail
            original(*a, **k)
            raise RuntimeError("injected failure")
        monkeypatch.setattr(load, step, half)
    p = write(tmp_path, "b.csv", [HDR, "C1,A,retail,B001,,closed,1", "C2,B,retail,B001,,active,2"])
    with pytest.raises(RuntimeError, match="injected failure"):
        jobs.import_one(db, p, {})
    assert dump(db) == before


def test_dry_run_counts_but_writes_nothing(db, tmp_path):
    before = dump(db)
    rep = jobs.import_one(db, write(tmp_path, "a.csv", [HDR, "C1,A,retail,B001,,active,1"]), {"dry_run": True})
    assert (rep.rows_read, rep.inserted, rep.import_id) == (1, 1, None)
    assert dump(db) == before


def test_confirmed_mapping_is_remembered(db, tmp_path):
    lines = ["编号,类型,机构,备注", "C1,甲类,B001,x"]
    p = write(tmp_path, "odd.csv", lines)
    opts = {"table": "customers", "map": {"编号": "customer_id", "类型": "customer_type", "机构": "branch_id"},
            "value": {"customer_type": {"甲类": "corporate"}}, "keep_extra": True}
    assert jobs.import_one(db, p, opts).inserted == 1
    src = detect.inspect(write(tmp_path, "odd2.csv", ["编号,类型,机构,备注", "C2,甲类,B001,y"]))
    plan = mapping.propose(db, src)
    assert plan.remembered and plan.columns["编号"] == "customer_id" and plan.values["customer_type"] == {"甲类": "corporate"}
    assert jobs.import_one(db, src.path, {}).inserted == 1
    assert db.scalar("SELECT customer_type FROM customers WHERE customer_id = 'C2'") == "corporate"


def test_history_records_file(db, tmp_path):
    p = write(tmp_path, "c.csv", [HDR, "C1,A,retail,B001,,active,1", "C1,A,retail,B001,,active,1"])
    rep = jobs.import_one(db, p, {"user": "li.lei"})
    h = load.history(db).iloc[0]
    assert (h.file_name, h.table_name, h.rows_read, h.rows_inserted, h.rows_rejected, h.username, h.status) == \
        ("c.csv", "customers", 2, 1, 1, "li.lei", "loaded")
    assert h.file_size == os.path.getsize(p) and h.checksum == detect.checksum(p) and rep.import_id == h.import_id


def test_every_sample_round_trips(tmp_path):
    db = open_database(":memory:")
    try:
        for spec in samples.SPECS:
            rep = jobs.import_one(db, os.path.join(SAMPLES, spec.file), {"rejects_dir": str(tmp_path)})
            assert rep.table == spec.table and rep.rejected == 0 and rep.warnings == 0, rep.summary_line()
            assert rep.inserted == rep.rows_read > 0
        for spec in samples.SPECS:
            out = samples.write(db, spec, str(tmp_path / "again"))
            orig = os.path.join(SAMPLES, spec.file)
            if spec.file.endswith(".xlsx"):
                def cells(p):
                    return CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()
                assert cells(out) == cells(orig)
            else:
                assert open(out, "rb").read() == open(orig, "rb").read(), spec.file
        assert {s.table for s in samples.SPECS} == {t.name for t in schema.TABLES}
    finally:
        db.close()
