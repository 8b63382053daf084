"""The report is the load: the Upload tab's validation report and the Load (and the CLI's dry run and
import) are one code path with the same plan object, so their counts are identical, for every file of
the corpus, fresh and with a remembered mapping. Remembered category value rules are reapplied; a load
that loads nothing never saves its mapping. Temporary upload copies do not outlive their use."""
from __future__ import annotations

import glob
import os
import tempfile
import time

import pytest

from lib.core.db import open_database
from lib.ingest import jobs, load, mapping
from lib.ingest.errors import IngestError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = sorted(
    [p for p in glob.glob(os.path.join(ROOT, "data", "samples", "*")) if os.path.isfile(p)]
    + [p for p in glob.glob(os.path.join(ROOT, "tests", "corpus", "real", "*"))
       if os.path.isfile(p) and not p.endswith((".md", ".py"))])


def counts(rep):
    return [(p.table, p.rows_read, p.inserted, p.updated, p.unchanged, p.rejected) for p in [rep, *rep.parts]]


def fill(db, src, plan) -> dict:
    """Constants for the fill-ins the app would ask for (the first choice, a fixed date, a text)."""
    out: dict = {"set": {}}
    for f in jobs.fill_ins(db, src, plan):
        v = f.choices[0] if f.choices else ("2026-09-30" if f.kind == "date" else "X1")
        if f.column == "as_of" and plan.table == "customers":
            out["as_of"] = v
        else:
            out["set"][f.column] = v
    return out


def app_round(db, path, opts=None):
    """What the Upload tab does: plan, fill-ins, report, then Load with that report."""
    src = jobs.open_source(path, os.path.basename(path))
    opts = {} if opts is None else opts
    try:
        opts["table"] = src.table_guess
        if opts["table"] is None:
            return None
        opts.update(fill(db, src, jobs.plan_for(db, src, opts)))
        plan = jobs.plan_for(db, src, opts)
        rep = jobs.report(db, src, plan)
        done = jobs.commit(db, src, rep)
        assert done.plan is plan  # the very plan object of the report
        return counts(rep), counts(done), done, opts
    finally:
        src.cleanup()


@pytest.mark.skipif(not CORPUS, reason="no corpus files")
@pytest.mark.parametrize("path", CORPUS, ids=[os.path.basename(p) for p in CORPUS])
def test_report_then_load_counts_are_identical(path, tmp_path):
    db = open_database(":memory:")
    try:
        opts: dict = {}
        try:
            got = app_round(db, path, opts)
        except IngestError as e:  # a file that cannot be mapped fails the same way in the CLI
            cli = jobs.run_job(db, {"files": [{"path": path}], "options": opts})
            assert not cli["ok"] and cli["errors"] == [e.message("en")]
            return
        if got is None:
            return
        report, loaded, done, opts = got
        assert report == loaded
        # the CLI: dry run then import, same options, in a fresh database
        db2 = open_database(":memory:")
        try:
            o = {**opts, "rejects_dir": str(tmp_path)}
            dry = jobs.import_one(db2, path, {**o, "dry_run": True})
            real = jobs.import_one(db2, path, o)
            assert counts(dry) == counts(real) == loaded
        finally:
            db2.close()
        # with the mapping remembered from that load: undo, then report and load again
        if done.loaded:
            src = jobs.open_source(path, os.path.basename(path))
            try:
                assert jobs.plan_for(db, src, {}).remembered
            finally:
                src.cleanup()
            load.undo_import(db, done.import_id)
            again = app_round(db, path)
            assert again[0] == again[1] == loaded
    finally:
        db.close()


STATUS_HDR = "customer_id,customer_type,branch_id,flag"


def write(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("\n".join([STATUS_HDR, *rows]) + "\n", encoding="utf-8")
    return str(p)


def test_remembered_value_rules_are_reapplied(tmp_path):
    db = open_database(":memory:")
    try:
        first = jobs.import_one(db, write(tmp_path, "a.csv", ["C1,retail,B001,1", "C2,retail,B001,0"]),
                                {"map": {"flag": "status"}, "value": {"status": {"1": "closed", "0": "active"}}})
        assert (first.inserted, first.rejected) == (2, 0)
        p = write(tmp_path, "b.csv", ["C3,retail,B001,1", "C4,retail,B001,0", "C5,retail,B001,0"])
        src = jobs.open_source(p)
        try:
            plan = jobs.plan_for(db, src, {"table": "customers", "map": {"flag": "status"}})
            assert plan.remembered and plan.values["status"] == {"1": "closed", "0": "active"}
            rep = jobs.report(db, src, plan)
            done = jobs.commit(db, src, rep)
        finally:
            src.cleanup()
        assert counts(rep) == counts(done) == [("customers", 3, 3, 0, 0, 0)]
        assert db.rows("SELECT customer_id, status FROM customers WHERE customer_id >= 'C3' ORDER BY 1") == [
            ("C3", "closed"), ("C4", "active"), ("C5", "active")]
    finally:
        db.close()


def test_a_load_that_loads_nothing_saves_no_mapping(tmp_path):
    db = open_database(":memory:")
    try:
        p = write(tmp_path, "a.csv", ["C1,martian,B001,1"])
        rep = jobs.import_one(db, p, {"map": {"flag": "status"}, "value": {"status": {"1": "closed"}}})
        assert rep.loaded == 0 and jobs.outcome(rep) == "failed"
        src = jobs.open_source(p)
        try:
            assert mapping.remembered(db, src.shape) is None
        finally:
            src.cleanup()
        result = jobs.run_job(db, {"files": [{"path": p}], "options": {}})
        assert not result["ok"] and result["errors"][-1].startswith("a.csv: nothing was loaded: all 1 rows")
    finally:
        db.close()


def test_upload_copies_are_discarded_and_stale_ones_swept():
    path = jobs.upload_copy([b"customer_id\n", b"C1\n"])
    assert open(path, "rb").read() == b"customer_id\nC1\n"
    assert os.path.basename(os.path.dirname(path)).startswith(jobs.UPLOAD_PREFIX)
    jobs.discard_copy(path)
    assert not os.path.exists(os.path.dirname(path))
    old = tempfile.mkdtemp(prefix=jobs.UPLOAD_PREFIX)
    fresh = tempfile.mkdtemp(prefix=jobs.UPLOAD_PREFIX)
    past = time.time() - jobs.STALE_SECONDS - 60
    os.utime(old, (past, past))
    try:
        assert jobs.sweep_stale_copies() >= 1
        assert not os.path.exists(old) and os.path.exists(fresh)
    finally:
        jobs.discard_copy(os.path.join(fresh, "upload.bin"))
    assert not os.path.exists(fresh)
