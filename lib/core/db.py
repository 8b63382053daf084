"""Data-access layer: the one DuckDB connection of this process, cursors, scope, migrations.

Invariants:
- One ``duckdb`` connection per database path per process (``get_database``); every query
  runs on its own ``cursor()`` because a connection is not thread-safe and Streamlit runs
  each session in its own thread.
- Every query is parameterised; identifiers come only from ``lib.core.schema``, never from user text.
- ``open_database(":memory:")`` or a temporary path gives an isolated database for tests.
- ``migrate`` is idempotent: it creates missing tables/columns and records ``SCHEMA_VERSION``
  in ``qd_meta``; a file written by an older version is brought up to date on open.
- Writes go through ``Database.transaction()``: commit on success, roll back on any error,
  so a failed write leaves the database exactly as it was.
- The facts only a write changes (meta values such as the data version, the balance row count,
  whether a table has rows, the number of users) are read once and kept until the next write by
  this process (any transaction, raw cursor or newly opened handle): a writable handle is the only
  writer of its file, since DuckDB lets no other process open a file that one process writes.
  Read-only handles read every time.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import duckdb
import pandas as pd

from lib.core import schema
from lib.core import i18n

ROOT = Path(__file__).resolve().parent.parent.parent
DATA_DIR = ROOT / "data"


def default_db_path() -> str:
    return os.environ.get("QUARTERDECK_DB", str(DATA_DIR / "quarterdeck.duckdb"))


_writes = [0]  # writes begun or done by this process (all handles): kept facts are valid while it stands
_facts: dict = {}  # (handle id, key) -> (write count when read, value)


def _wrote() -> None:
    _writes[0] += 1


@dataclass(frozen=True)
class Config:
    """Where the database lives and how the demo bank is built when it is missing."""
    db_path: str = field(default_factory=default_db_path)
    demo_customers: int = 20_000
    demo_seed: int = 7


# ---------------------------------------------------------------- scope
@dataclass(frozen=True)
class Scope:
    """Which rows a query may see: the whole bank, a region, or a set of branches, and
    optionally one customer type. Every customer-level query filters through it; the
    access-control layer narrows it per viewer."""
    region: str | None = None
    branch_ids: tuple[str, ...] | None = None
    customer_type: str | None = None
    # the "Unassigned" member of the region and branch filters: only the rows whose branch is not
    # a known branch (no branch, or a code the branches table lacks), so without a region either.
    # They belong to no branch: only a whole-bank viewer may choose it (lib.core.auth.narrow).
    unassigned: bool = False

    @property
    def is_whole_bank(self) -> bool:
        return self.region is None and self.branch_ids is None and not self.unassigned

    @property
    def takes_unknown_customers(self) -> bool:
        """Rows of no known customer (a balance, sale or lead whose customer is not, or not yet,
        in the customers table) have no branch and no customer type: they count in the whole bank
        without a customer-type filter and under "Unassigned", nowhere else. Bound as the metrics'
        ``$whole_bank``."""
        return (self.is_whole_bank or self.unassigned) and self.customer_type is None

    def branch_filter(self, column: str, prefix: str = "sc") -> tuple[str, dict]:
        """SQL predicate restricting a branch_id column, with its named parameters."""
        parts, params = [], {}
        if self.unassigned:
            parts.append(f"({column} IS NULL OR {column} NOT IN (SELECT branch_id FROM branches))")
        if self.region is not None:
            parts.append(f"{column} IN (SELECT branch_id FROM branches WHERE region = ${prefix}_region)")
            params[f"{prefix}_region"] = self.region
        if self.branch_ids is not None:
            if not self.branch_ids:
                parts.append("FALSE")
            else:
                names = [f"{prefix}_b{i}" for i in range(len(self.branch_ids))]
                parts.append(f"{column} IN ({', '.join('$' + n for n in names)})")
                params.update(zip(names, self.branch_ids))
        return (" AND ".join(parts) or "TRUE"), params

    def customer_filter(self, alias: str = "c", prefix: str = "sc") -> tuple[str, dict]:
        """SQL predicate over a customers alias (branch scope and customer type)."""
        sql, params = self.branch_filter(f"{alias}.branch_id", prefix)
        if self.customer_type is not None:
            sql += f" AND {alias}.customer_type = ${prefix}_ctype"
            params[f"{prefix}_ctype"] = self.customer_type
        return sql, params

    def rm_filter(self, alias: str = "s", prefix: str = "sc") -> tuple[str, dict]:
        """SQL predicate over a staff alias."""
        return self.branch_filter(f"{alias}.branch_id", prefix)

    def cache_key(self) -> tuple:
        return (self.region, self.branch_ids, self.customer_type, self.unassigned)


WHOLE_BANK = Scope()


# ---------------------------------------------------------------- storage problems
class DatabaseUnwritable(RuntimeError):
    """The database file or its folder cannot be written (permissions, a read-only file system, a
    full disk). The message names the file or folder, says that nothing was changed and what to do."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return i18n.t(self.key, lang, **self.params)


_DENIED = ("permission denied", "read-only file system", "read only file system", "operation not permitted")
_FULL = ("no space left on device", "disk quota exceeded")


def storage_problem(error: BaseException, path: str) -> DatabaseUnwritable | None:
    """The clear error when `error` (from DuckDB or the OS) says the database file `path` or its
    folder cannot be written, else None. DuckDB reports a read-only folder only when it first
    writes (its ``.wal`` file next to the database), as ``Failed to commit: Cannot open file
    "….wal": Permission denied``; a read-only file when it opens it."""
    text = str(error).lower()
    if isinstance(error, OSError) and error.errno is not None:
        text += " " + os.strerror(error.errno).lower()
    if path == ":memory:":
        return None
    folder_p = Path(path).resolve().parent
    while not folder_p.exists() and folder_p != folder_p.parent:  # the folder that could not be written
        folder_p = folder_p.parent
    folder = str(folder_p)
    if any(k in text for k in _FULL):
        return DatabaseUnwritable("db.err.disk_full", folder=folder)
    if not any(k in text for k in _DENIED):
        return None
    if ".wal" in text or "read-only file system" in text or "read only file system" in text \
            or not Path(path).exists():
        return DatabaseUnwritable("db.err.folder_read_only", folder=folder, file=Path(path).name)
    return DatabaseUnwritable("db.err.file_read_only", path=str(path))


def _unwritable(error: BaseException, path: str) -> BaseException:
    problem = storage_problem(error, path)
    return error if problem is None else problem


# ---------------------------------------------------------------- database
def _params(params):
    if params is None:
        return []
    return params if isinstance(params, dict) else list(params)


class Database:
    """A DuckDB database file (or ":memory:") with its single connection."""

    def __init__(self, path: str, read_only: bool = False):
        self.path = path
        try:
            self._con = duckdb.connect(path, read_only=read_only)
        except (duckdb.Error, OSError) as e:
            raise _unwritable(e, path) from e
        self._write_lock = threading.RLock()
        self.read_only = read_only
        self._snapshots: tuple | None = None
        self.closing = threading.Event()
        self.background: list[threading.Thread] = []
        if not read_only:
            try:
                migrate(self._con)
            except (duckdb.Error, OSError) as e:
                self._con.close()
                raise _unwritable(e, path) from e
        _wrote()  # a new handle (maybe at an old one's id, maybe after another process wrote the file)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A raw cursor (the demo build and bulk reads); it may write, so kept facts are dropped."""
        _wrote()
        return self._con.cursor()

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A raw cursor for reading only (a consistent read of several tables in one transaction)."""
        return self._con.cursor()

    def memo(self, key: tuple, read):
        """``read()``, kept until this process writes again (module docstring): for facts every page
        run asks for, such as the data version. Read-only handles read every time."""
        if self.read_only:
            return read()
        seen = _writes[0]  # taken before the read: a write that commits meanwhile retires the value
        hit = _facts.get((id(self), key))
        if hit is not None and hit[0] == seen:
            return hit[1]
        value = read()
        _facts[(id(self), key)] = (seen, value)
        return value

    def query(self, sql: str, params: Sequence | dict | None = None) -> pd.DataFrame:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, _params(params)).df()
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, _params(params)).fetchall()
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence | dict | None = None):
        cur = self._con.cursor()
        try:
            row = cur.execute(sql, _params(params)).fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN/COMMIT; any exception rolls everything back."""
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            _wrote()
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as e:
                _rollback(cur)  # a failed COMMIT has already ended the transaction
                if isinstance(e, (duckdb.Error, OSError)):
                    problem = _unwritable(e, self.path)
                    if problem is not e:
                        raise problem from e
                raise
            finally:
                _wrote()  # what the transaction wrote is visible now
                cur.close()

    def close(self) -> None:
        """Close the connection; a background job on it (lib/metrics/cube.py's refresh) is asked to stop
        and waited for first, so it never runs on a closed connection."""
        self.closing.set()
        for th in list(self.background):
            th.join(60)
        self._con.close()
        _wrote()
        for k in [k for k in list(_facts) if k[0] == id(self)]:
            _facts.pop(k, None)

    # ---- metadata
    def meta(self, key: str, default: str | None = None) -> str | None:
        v = self.memo(("meta", key), lambda: self.scalar("SELECT value FROM qd_meta WHERE key = ?", [key]))
        return default if v is None else v

    def set_meta(self, key: str, value: str, cur: duckdb.DuckDBPyConnection | None = None) -> None:
        sql = "INSERT OR REPLACE INTO qd_meta VALUES (?, ?)"
        if cur is not None:
            cur.execute(sql, [key, str(value)])
        else:
            with self.transaction() as c:
                c.execute(sql, [key, str(value)])

    def data_version(self) -> int:
        """Bumped by every write of business data; pages key their caches on it."""
        return int(self.meta("data_version", "0"))

    def bump_data_version(self, cur: duckdb.DuckDBPyConnection, facts: bool = True) -> None:
        """Count a write. `facts` (the canonical tables metrics read: imports, undos, demo
        builds) also bumps ``facts_version``, which retires the metric cube (lib/metrics/cube.py);
        ledger, plan and review edits pass ``facts=False``."""
        keys = ("data_version", "facts_version") if facts else ("data_version",)
        for key in keys:
            cur.execute(
                "INSERT OR REPLACE INTO qd_meta SELECT ?, "
                "CAST(coalesce(max(CAST(value AS BIGINT)), 0) + 1 AS VARCHAR) FROM qd_meta WHERE key = ?", [key, key])

    def snapshot_dates(self) -> tuple:
        """The distinct balance snapshot dates, ascending. Every metric's period looks them up, and
        on a 15M-row balances table each look-up is a scan; they are kept per data version and
        balance row count (both cheap to read), so an import or any write of rows refreshes them."""
        key = (self.data_version(), self.memo(("rows", "balances"),
                                               lambda: self.scalar("SELECT count(*) FROM balances")))
        hit = self._snapshots
        if hit is not None and hit[0] == key:
            return hit[1]
        dates = tuple(r[0] for r in self.rows("SELECT DISTINCT as_of FROM balances WHERE as_of IS NOT NULL ORDER BY 1"))
        self._snapshots = (key, dates)
        return dates

    def has_rows(self, table_name: str) -> bool:
        schema.table(table_name)  # only canonical names reach the SQL text
        return self.memo(("has_rows", table_name), lambda: self.scalar(
            f'SELECT count(*) FROM (SELECT 1 FROM "{table_name}" LIMIT 1)') > 0)

    def table_status(self) -> pd.DataFrame:
        """Row count, date range and last import of every canonical table, all read in one
        transaction: an import committing meanwhile shows wholly or not at all, never in some
        tables and not in others."""
        out = []
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            for t in schema.TABLES:
                n = cur.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                lo = hi = None
                if t.date_column and n:
                    lo, hi = cur.execute(f'SELECT min("{t.date_column}"), max("{t.date_column}") FROM "{t.name}"').fetchone()
                last = cur.execute("SELECT max(finished_at) FROM qd_imports WHERE table_name = ? AND status = 'loaded'",
                                   [t.name]).fetchone()[0]
                out.append({"table": t.name, "rows": int(n), "first_date": lo, "last_date": hi, "last_import": last})
            cur.execute("COMMIT")
        finally:
            cur.close()
        return pd.DataFrame(out)


# ---------------------------------------------------------------- migrations
def _existing_columns(con: duckdb.DuckDBPyConnection, table_name: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ?", [table_name]).fetchall()
    return {r[0]: r[1] for r in rows}


def _rollback(cur) -> None:
    """Roll back if a transaction is still open; a COMMIT that failed (e.g. the .wal file could not
    be written) has ended it already, and DuckDB then says "cannot rollback - no transaction is
    active", which must not hide the real error."""
    try:
        cur.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Create or upgrade the schema in place; returns the version the file had before."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute(schema.SYSTEM_TABLES_DDL[0])
            row = cur.execute("SELECT value FROM qd_meta WHERE key = 'schema_version'").fetchone()
            before = int(row[0]) if row else 0
            if before > schema.SCHEMA_VERSION:
                raise RuntimeError(
                    f"this database was written by a newer Quarterdeck (schema {before}, "
                    f"this program knows {schema.SCHEMA_VERSION}); update the program")
            if before < schema.SCHEMA_VERSION:
                for stmt in schema.SYSTEM_TABLES_DDL[1:]:
                    cur.execute(stmt)
                for t in schema.TABLES:
                    cur.execute(schema.create_table_sql(t))
                    have = _existing_columns(cur, t.name)
                    wanted = [(c.name, c.type) for c in t.columns] + list(schema.SYSTEM_COLUMNS)
                    for name, typ in wanted:
                        if name not in have:
                            cur.execute(f'ALTER TABLE "{t.name}" ADD COLUMN "{name}" {typ}')
                for stmt in schema.VIEWS_DDL:
                    cur.execute(stmt)
                cur.execute("INSERT OR REPLACE INTO qd_meta VALUES ('schema_version', ?)",
                            [str(schema.SCHEMA_VERSION)])
            cur.execute("COMMIT")
        except BaseException:
            _rollback(cur)
            raise
        return before
    finally:
        cur.close()


# ---------------------------------------------------------------- process-wide handle
_databases: dict[str, Database] = {}
_lock = threading.Lock()


def open_database(path: str) -> Database:
    """A new, private Database (tests, CLI). Use ``get_database`` inside the app."""
    if path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _unwritable(e, path) from e
    return Database(path)


_resolved: dict[str, str] = {}  # absolute path as given -> resolved (every page run asks, many times)


def get_database(path: str | None = None) -> Database:
    """The process-wide Database for `path` (default: the configured file)."""
    path = path or default_db_path()
    key = _resolved.get(path)
    if key is None:
        key = path if path == ":memory:" else str(Path(path).resolve())
        if os.path.isabs(path):  # a relative path's meaning changes with the working directory
            _resolved[path] = key
    with _lock:
        db = _databases.get(key)
        if db is None:
            db = open_database(path)
            _databases[key] = db
        return db


def forget_database(path: str | None = None) -> None:
    """Close and drop the process-wide handle (used before replacing a file)."""
    path = path or default_db_path()
    key = path if path == ":memory:" else str(Path(path).resolve())
    with _lock:
        db = _databases.pop(key, None)
    if db is not None:
        db.close()
