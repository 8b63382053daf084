"""Shared pieces of the stress tests: a wide customer export (customers + their balances in one
file, so one import writes two tables), integrity checks and the import's all-or-nothing state."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request

import duckdb

AS_OF = "2026-11-20"


def make_wide_csv(path: str, rows: int, prefix: str = "KX", branches: int = 8) -> str:
    """`rows` new customers with a deposits/wealth balance each, in dump style (2026/01/05, 1,500.00).
    Imported with --as-of it writes `rows` customers and `rows` balance rows in one transaction."""
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT printf('{prefix}%07d', i) AS 客户号, 'Stress ' || i AS 客户名称,
        CASE WHEN i % 10 = 0 THEN '对公' ELSE '个人' END AS 客户类型, printf('B%03d', 1 + i % {branches}) AS 网点号,
        strftime(DATE '2015-01-01' + (i % 3000)::INT, '%Y/%m/%d') AS 开户日期, '正常' AS 客户状态,
        printf('%,.2f', 1000 + (i % 997) * 13.5) AS 存款余额, printf('%,.2f', (i % 89) * 1000.0) AS 理财余额
        FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()
    return path


def base_tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]


def integrity_check(path: str) -> dict:
    """Open the file, read every column of every table in full, checkpoint. Returns row counts."""
    from lib.core.db import open_database
    db = open_database(path)  # opening runs the migration check too
    try:
        cur = db.cursor()
        counts = {}
        for t in base_tables(cur):
            cols = [r[0] for r in cur.execute(f'DESCRIBE "{t}"').fetchall()]
            # hash every value of every column: a damaged block fails here, not just the row count
            sums = ", ".join(f'sum(hash("{c}"))' for c in cols)
            row = cur.execute(f'SELECT count(*), {sums} FROM "{t}"').fetchone()
            counts[t] = row[0]
        cur.execute("CHECKPOINT")
        cur.close()
        return counts
    finally:
        db.close()


def import_state(path: str, prefix: str = "KX") -> dict:
    con = duckdb.connect(path, read_only=True)
    try:
        return {
            "customers": con.execute("SELECT count(*) FROM customers WHERE customer_id LIKE ?", [prefix + "%"]).fetchone()[0],
            "balances": con.execute("SELECT count(*) FROM balances WHERE customer_id LIKE ?", [prefix + "%"]).fetchone()[0],
            "imports": con.execute("SELECT count(*) FROM qd_imports WHERE file_name LIKE ?", [prefix + "%"]).fetchone()[0],
            "loaded_rows": con.execute("SELECT coalesce(sum(rows_inserted), 0) FROM qd_imports WHERE file_name LIKE ?",
                                       [prefix + "%"]).fetchone()[0],
            "all_customers": con.execute("SELECT count(*) FROM customers").fetchone()[0],
            "all_balances": con.execute("SELECT count(*) FROM balances").fetchone()[0],
            "data_version": con.execute("SELECT value FROM qd_meta WHERE key = 'data_version'").fetchone()[0],
        }
    finally:
        con.close()


def assert_all_or_nothing(state: dict, base: dict, rows: int) -> str:
    """The import is wholly present (customers, balances, both history rows, data version bumped)
    or wholly absent (nothing of it, the rest as before). Returns 'present' or 'absent'."""
    if state["customers"] == 0:
        assert state["balances"] == 0 and state["imports"] == 0, state
        assert (state["all_customers"], state["all_balances"], state["data_version"]) == \
            (base["all_customers"], base["all_balances"], base["data_version"]), (state, base)
        return "absent"
    assert state["customers"] == rows and state["balances"] == rows, state
    assert state["imports"] == 2 and state["loaded_rows"] == 2 * rows, state
    assert state["all_customers"] == base["all_customers"] + rows, state
    assert state["all_balances"] == base["all_balances"] + rows, state
    assert int(state["data_version"]) > int(base["data_version"]), state
    return "present"


@contextlib.contextmanager
def server(db_path: str, log_name: str = "stress"):
    """A `streamlit run` server on localhost; yields (url, Popen) so a test can kill -9 it."""
    from tests.browser import app_server
    with app_server(db_path, os.path.dirname(db_path), log_name) as (url, proc):
        yield url, proc

