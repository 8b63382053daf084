"""Data-access layer: cursors per thread, transactions that fail closed, scope, process handle."""
import threading

import pytest

from lib.core.db import Scope, forget_database, get_database, open_database


def _seed(db):
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES "
                    "('B1','One','East'), ('B2','Two','East'), ('B3','Three','West')")
        cur.execute("INSERT INTO customers (customer_id, customer_type, branch_id) VALUES "
                    "('C1','retail','B1'), ('C2','corporate','B2'), ('C3','retail','B3')")


def test_cursor_per_thread_allows_concurrent_queries():
    db = open_database(":memory:")
    _seed(db)
    errors = []

    def work():
        try:
            for _ in range(20):
                assert db.scalar("SELECT count(*) FROM customers") == 3
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_failed_transaction_leaves_database_unchanged():
    db = open_database(":memory:")
    _seed(db)
    with pytest.raises(RuntimeError):
        with db.transaction() as cur:
            cur.execute("DELETE FROM customers")
            cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B9','x','y')")
            raise RuntimeError("boom")
    assert db.scalar("SELECT count(*) FROM customers") == 3
    assert db.scalar("SELECT count(*) FROM branches") == 3


@pytest.mark.parametrize("scope,expected", [
    (Scope(), {"C1", "C2", "C3"}),
    (Scope(region="East"), {"C1", "C2"}),
    (Scope(branch_ids=("B3",)), {"C3"}),
    (Scope(region="East", customer_type="retail"), {"C1"}),
    (Scope(branch_ids=()), set()),
    (Scope(region="East' OR 1=1 --"), set()),
    (Scope(branch_ids=("B1') OR ('1'='1",)), set()),
])
def test_scope_filters_customers(scope, expected):
    db = open_database(":memory:")
    _seed(db)
    sql, params = scope.customer_filter("c")
    got = {r[0] for r in db.rows(f"SELECT customer_id FROM customers c WHERE {sql}", params)}
    assert got == expected


def test_process_handle_is_shared_and_forgettable(tmp_path):
    path = str(tmp_path / "x.duckdb")
    a = get_database(path)
    assert get_database(path) is a
    forget_database(path)
    b = get_database(path)
    assert b is not a
    forget_database(path)


def test_data_version_bumps():
    db = open_database(":memory:")
    v = db.data_version()
    with db.transaction() as cur:
        db.bump_data_version(cur)
    assert db.data_version() == v + 1


def test_write_only_facts_are_read_once_until_the_process_writes(tmp_path):
    """The data version is read once and kept; a transaction (through any handle of the process) or
    a raw cursor makes the next read fresh; a read-only handle reads every time."""
    path = str(tmp_path / "m.duckdb")
    db = open_database(path)
    reads = []
    plain = db.scalar

    def counting(sql, params=None):
        reads.append(sql)
        return plain(sql, params)
    db.scalar = counting
    try:
        v = db.data_version()
        assert [db.data_version() for _ in range(5)] == [v] * 5 and len(reads) == 1
        with db.transaction() as cur:
            db.bump_data_version(cur)
        assert db.data_version() == v + 1 and len(reads) == 2
        db.cursor().close()
        assert db.data_version() == v + 1 and len(reads) == 3
        other = open_database(path)  # another handle of this process on the same file writes
        try:
            with other.transaction() as cur:
                other.bump_data_version(cur)
        finally:
            other.close()
        assert db.data_version() == v + 2 and len(reads) == 4
    finally:
        db.close()
