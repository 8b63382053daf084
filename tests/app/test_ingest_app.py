"""The Data page's upload workflow through the real st.file_uploader (AppTest)."""
from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

import pytest

from lib.core.db import forget_database, get_database, open_database

APP = str(Path(__file__).resolve().parents[2] / "app.py")
GBK = ("客户明细\n客户号,客户名称,客户类型,网点号,客户状态,会员等级\n"
       "CX001,张三,个人,B001,正常,金卡\nCX002,李四,对公,B002,销户,\nCX003,王五,外星人,B001,正常,\n"
       "合计,,,,,\n").encode("gbk")


@pytest.fixture
def small_app_db(tmp_path, monkeypatch):
    """A database with two branches only (fast), marked as holding uploads, as QUARTERDECK_DB."""
    path = str(tmp_path / "q.duckdb")
    db = open_database(path)
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'West End', 'West')")
    db.close()
    monkeypatch.setenv("QUARTERDECK_DB", path)
    yield path
    forget_database(path)


def count(path: str) -> int:
    return get_database(path).scalar("SELECT count(*) FROM customers WHERE customer_id LIKE 'CX%'")


def test_upload_validate_load_and_undo(small_app_db):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["tab"] = "upload"
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.file_uploader(key="ingest_upload").set_value(("客户.csv", GBK, "text/csv")).run()
    assert not at.exception, at.exception
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.key and s.key.endswith("_table"))).value == "customers"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["New"], metrics["Rejected"]) == ("3", "2", "1")
    assert any("Kept as extra attributes: 会员等级" in c.value for c in at.caption)
    load_btn = next(b for b in at.button if b.label == "Load 2 rows")
    assert count(small_app_db) == 0  # validation is a dry run
    load_btn.click().run()
    assert not at.exception, at.exception
    assert any("客户.csv: 2 new, 0 updated, 0 unchanged, 1 rejected" in s.value for s in at.success)
    assert count(small_app_db) == 2
    at.session_state["data_section"] = "history"
    at.run()
    undo = next(b for b in at.button if b.label == "Undo import")
    undo.click().run()
    assert any(s.value.startswith("Undone: import") for s in at.success)
    assert count(small_app_db) == 0


def _data_page(lang: str | None = None):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["tab"] = "upload"
    if lang:
        at.query_params["lang"] = lang
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


MULTILINE = ('customer_id,customer_name,customer_type,branch_id\n'
             'CX010,"Line one\nline two",retail,B001\nCX011,Plain,retail,B001\n').encode()


def test_a_broken_file_is_an_error_box_and_the_other_files_go_on(small_app_db, monkeypatch):
    from lib.ingest import jobs
    real = jobs.report

    def boom(db, src, plan, **kw):
        if src.file_name == "boom.csv":
            raise RuntimeError("/srv/secret/path exploded")
        return real(db, src, plan, **kw)
    monkeypatch.setattr(jobs, "report", boom)
    at = _data_page()
    at.file_uploader(key="ingest_upload").set_value([
        ("junk.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "application/octet-stream"),
        ("boom.csv", MULTILINE, "text/csv"),
        ("multi.csv", MULTILINE, "text/csv")]).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("junk.xlsx: cannot read this Excel file") for e in errors), errors
    assert any(e.startswith("boom.csv: this file could not be read or loaded; nothing was written.") for e in errors)
    assert not any("secret" in e or "Traceback" in e for e in errors)
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("Rows read", "2") in metrics and ("New", "2") in metrics  # the multi-line file still reports
    next(b for b in at.button if b.label == "Load 2 rows").click().run()
    assert not at.exception, at.exception
    assert any("multi.csv: 2 new" in s.value for s in at.success)
    assert get_database(small_app_db).scalar("SELECT customer_name FROM customers WHERE customer_id = 'CX010'") \
        == "Line one\nline two"


def test_fill_ins_for_missing_required_columns_and_no_cli_flags(small_app_db):
    at = _data_page()
    at.file_uploader(key="ingest_upload").set_value(
        ("c.csv", b"customer_id,customer_name\nCX020,Ann\nCX021,Bob\n", "text/csv")).run()
    assert not at.exception, at.exception
    texts = " ".join(str(x.value) for x in [*at.error, *at.info, *at.caption, *at.warning])
    assert "--set" not in texts and "--as-of" not in texts
    fills = {s.label: s for s in at.selectbox if s.key and "_fill_" in s.key}
    assert set(fills) == {"Customer type for every row", "Branch ID for every row"}, list(fills)
    assert not at.metric  # no report before the fill-ins are given
    fills["Customer type for every row"].set_value("corporate")
    fills["Branch ID for every row"].set_value("B002")
    at.run()
    assert not at.exception, at.exception
    assert ("New", "2") in [(m.label, m.value) for m in at.metric]
    next(b for b in at.button if b.label == "Load 2 rows").click().run()
    assert get_database(small_app_db).rows(
        "SELECT DISTINCT customer_type, branch_id FROM customers WHERE customer_id LIKE 'CX02%'") == [("corporate", "B002")]


def test_fill_in_labels_name_the_column_in_words_in_chinese(small_app_db):
    at = _data_page("zh")
    at.file_uploader(key="ingest_upload").set_value(
        ("c.csv", b"customer_id,customer_name\nCX020,Ann\n", "text/csv")).run()
    assert not at.exception, at.exception
    labels = {w.label for w in [*at.selectbox, *at.date_input] if w.key and "_fill_" in w.key}
    assert labels == {"所有行的 客户类型", "所有行的 网点号"}, labels


def test_a_contact_date_can_be_filled_for_a_leads_file_without_one(small_app_db):
    import datetime as dt
    at = _data_page()
    at.file_uploader(key="ingest_upload").set_value(
        ("l.csv", "lead_id,campaign_id,customer_id,channel\nL1,K1,CX001,网点\nL2,K1,CX002,网点\n".encode(),
         "text/csv")).run()
    assert not at.exception, at.exception
    next(s for s in at.selectbox if s.key and s.key.endswith("_opt_col")).set_value("contact_date").run()
    next(d for d in at.date_input if d.key and d.key.endswith("_opt_val_contact_date")).set_value(
        dt.date(2026, 9, 1)).run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Load 2 rows").click().run()
    assert get_database(small_app_db).rows("SELECT DISTINCT contact_date FROM leads") == [(dt.date(2026, 9, 1),)]


def test_an_all_rejected_file_is_an_error_not_a_success(small_app_db):
    at = _data_page()
    at.file_uploader(key="ingest_upload").set_value(
        ("bad.csv", b"customer_id,customer_type,branch_id\nCX030,martian,B001\n", "text/csv")).run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("bad.csv: no row would load: all 1 rows are rejected.") for e in at.error)
    assert not at.success


def test_the_upload_copy_is_deleted_after_the_load(small_app_db):
    at = _data_page()
    at.file_uploader(key="ingest_upload").set_value(("客户.csv", GBK, "text/csv")).run()
    made = list(at.session_state["ingest_files"].values())
    assert len(made) == 1 and os.path.basename(os.path.dirname(made[0])).startswith("qd_upload_")
    assert os.path.exists(made[0])
    next(b for b in at.button if b.label == "Load 2 rows").click().run()
    assert not at.exception, at.exception
    assert not os.path.exists(os.path.dirname(made[0]))


def test_remembered_value_rules_hold_from_report_to_load(small_app_db, tmp_path):
    from lib.ingest import jobs
    hdr = "customer_id,customer_type,branch_id,flag\n"
    first = tmp_path / "a.csv"
    first.write_text(hdr + "CX040,retail,B001,1\nCX041,retail,B001,0\n", encoding="utf-8")
    at = _data_page()  # opens on the upload section (the database holds no customers yet)
    db = get_database(small_app_db)
    rep = jobs.import_one(db, str(first), {"map": {"flag": "status"},
                                           "value": {"status": {"1": "closed", "0": "active"}}})
    assert rep.inserted == 2
    at.file_uploader(key="ingest_upload").set_value(
        ("b.csv", (hdr + "CX042,retail,B001,1\nCX043,retail,B001,0\nCX044,retail,B001,0\n").encode(), "text/csv")).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["New"], metrics["Rejected"]) == ("3", "0")
    next(b for b in at.button if b.label == "Load 3 rows").click().run()
    assert any("b.csv: 3 new, 0 updated, 0 unchanged, 0 rejected" in s.value for s in at.success)
    assert db.rows("SELECT status, count(*) FROM customers WHERE customer_id >= 'CX042' GROUP BY 1 ORDER BY 1") == [
        ("active", 2), ("closed", 1)]
