"""A database folder or file that cannot be written: a clear message naming it, nothing changed,
and never DuckDB's "cannot rollback - no transaction is active" (lib/core/db.py)."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from lib.core.db import DatabaseUnwritable, open_database, storage_problem

ROOT = Path(__file__).resolve().parents[2]

# Run as an unprivileged user (root ignores file permissions): everything is imported first.
CHILD = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
import duckdb, pandas  # noqa: F401
from lib.core import audit
from lib.core import db as dbm
from lib.core import i18n
from lib.core import schema  # noqa: F401
i18n.t("db.err.folder_read_only", "en", folder="", file="")
os.setgid(65534); os.setuid(65534)
try:
    d = dbm.open_database(sys.argv[2])
    with d.transaction() as cur:
        cur.execute("INSERT INTO qd_meta VALUES ('written', 'yes')")
    print("WROTE")
except Exception as e:
    print(type(e).__name__ + ": " + str(e))
"""


def _as_nobody(path: str) -> str:
    r = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), path], capture_output=True, text=True, timeout=120)
    return (r.stdout + r.stderr).strip()


@pytest.fixture
def ro_folder():
    if os.geteuid() != 0:
        pytest.skip("needs root to run a child as an unprivileged user")
    base = tempfile.mkdtemp(prefix="qd_ro_")
    os.chmod(base, 0o755)
    folder = Path(base) / "data"
    folder.mkdir()
    path = folder / "q.duckdb"
    open_database(str(path)).close()
    os.chmod(path, 0o666)
    os.chmod(folder, 0o555)
    yield folder
    os.chmod(folder, 0o755)
    shutil.rmtree(base)


def test_a_read_only_folder_says_so_and_changes_nothing(ro_folder):
    path = ro_folder / "q.duckdb"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = _as_nobody(str(path))
    assert out == (f"DatabaseUnwritable: The database folder {ro_folder} is read-only (Quarterdeck writes the database "
                   "file q.duckdb and its .wal file there): nothing was changed. Make the folder writable for the user "
                   "running Quarterdeck, or set QUARTERDECK_DB to a file in a writable folder.")
    assert "rollback" not in out.lower()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in ro_folder.iterdir()) == ["q.duckdb"]
    d = open_database(str(path))
    try:
        assert d.scalar("SELECT count(*) FROM qd_meta WHERE key = 'written'") == 0
    finally:
        d.close()


def test_a_new_database_in_a_read_only_folder_and_a_read_only_file(ro_folder):
    out = _as_nobody(str(ro_folder / "new" / "x.duckdb"))
    assert out.startswith(f"DatabaseUnwritable: The database folder {ro_folder} is read-only")
    os.chmod(ro_folder / "q.duckdb", 0o444)
    out = _as_nobody(str(ro_folder / "q.duckdb"))
    assert out == (f"DatabaseUnwritable: The database file {ro_folder / 'q.duckdb'} is read-only for the user "
                   "running Quarterdeck: nothing was changed. Make the file writable for that user, or set "
                   "QUARTERDECK_DB to a writable copy.")


@pytest.mark.parametrize("error, key", [
    (duckdb.TransactionException('TransactionContext Error: Failed to commit: Cannot open file '
                                 '"/srv/qd/q.duckdb.wal": Permission denied'), "db.err.folder_read_only"),
    (duckdb.IOException('IO Error: Cannot open file "/srv/qd/q.duckdb.wal": Read-only file system'),
     "db.err.folder_read_only"),
    (OSError(30, "Read-only file system"), "db.err.folder_read_only"),
    (duckdb.IOException('IO Error: Could not write file "/srv/qd/q.duckdb": No space left on device'),
     "db.err.disk_full"),
    (duckdb.IOException('IO Error: Could not set lock on file "/srv/qd/q.duckdb": Conflicting lock is held'), None),
    (duckdb.ConstraintException("Constraint Error: Duplicate key"), None),
])
def test_error_texts_are_classified(error, key):
    got = storage_problem(error, "/srv/qd/q.duckdb")
    assert (got.key if got else None) == key
    if got is not None:
        assert "nothing was changed" in got.message("en") and "未做任何更改" in got.message("zh")


def test_a_failed_commit_is_reported_not_the_rollback(monkeypatch, tmp_path):
    """A COMMIT that fails ends DuckDB's transaction; the ROLLBACK after it must not replace the error."""
    d = open_database(str(tmp_path / "q.duckdb"))
    real_cursor = d._con.cursor

    class Cur:
        def __init__(self):
            self.c = real_cursor()

        def execute(self, sql, *a):
            if sql == "COMMIT":
                self.c.execute("ROLLBACK")  # DuckDB has ended the transaction when its COMMIT failed
                raise duckdb.TransactionException('TransactionContext Error: Failed to commit: Cannot open file '
                                                  f'"{d.path}.wal": Permission denied')
            return self.c.execute(sql, *a)

        def close(self):
            self.c.close()

    monkeypatch.setattr(d, "_con", type("C", (), {"cursor": staticmethod(Cur)})())
    with pytest.raises(DatabaseUnwritable, match="is read-only"):
        with d.transaction() as cur:
            cur.execute("INSERT INTO qd_meta VALUES ('written', 'yes')")
    monkeypatch.undo()
    assert d.scalar("SELECT count(*) FROM qd_meta WHERE key = 'written'") == 0
    d.close()
