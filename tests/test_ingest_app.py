"""The Data page's upload workflow through the real st.file_uploader (AppTest)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

import pytest

from lib.db import forget_database, get_database, open_database

APP = str(Path(__file__).resolve().parent.parent / "app.py")
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
    at = AppTest.from_file(APP, default_timeout=90).run()
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
    at.run()
    undo = next(b for b in at.button if b.label == "Undo import")
    undo.click().run()
    assert any(s.value.startswith("Undone: import") for s in at.success)
    assert count(small_app_db) == 0
