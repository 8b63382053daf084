"""Command-line import for scheduled dumps; the same code path as the app's upload.

    python -m lib.ingest --db PATH [--table NAME] [--map SOURCE=TARGET ...]
        [--value COLUMN:SOURCE=TARGET ...] [--set COLUMN=VALUE ...] [--drop-extra]
        [--surrogate-key] [--as-of YYYY-MM-DD] [--sheet NAME] [--rejects-dir DIR]
        [--user NAME] [--dry-run] [--timeout SECONDS] FILE...
    python -m lib.ingest --db PATH --undo IMPORT_ID

Prints one line per file (and per part of a wide customer export):
``FILE table=T read=N inserted=N updated=N unchanged=N rejected=N import_id=ID``. Rejected rows
go to ``<stem>.rejected.csv`` next to the file or in --rejects-dir. Exit status: 0 when every
file loaded (rows may still be rejected), 1 when a file could not be loaded at all or every row
of it was rejected, 2 on bad usage. Unmapped columns are kept as extra attributes unless
--drop-extra; ignored columns are listed on stderr. When the running app holds the database, the job goes through its inbox (lib.ingest.inbox).
"""
from __future__ import annotations

import argparse
import os
import re
import sys

import duckdb

from lib import warmup  # noqa: F401 - after an import, lib.core.writes tells the warm-up to rebuild the cube
from lib.core.i18n import t
from lib.ingest import inbox, jobs
from lib.ingest.errors import IngestError
from lib.ingest.mapping import EXTRA, IGNORE


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise IngestError("ingest.err.bad_option", option=option, expected="NAME=VALUE", value=it)
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _values(items: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for it in items or []:
        m = re.match(r"^([^:=]+):(.*)=(.*)$", it)
        if not m:
            raise IngestError("ingest.err.bad_option", option="--value", expected="COLUMN:SOURCE=TARGET", value=it)
        out.setdefault(m.group(1).strip(), {})[m.group(2).strip()] = m.group(3).strip()
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m lib.ingest", description="Import exports into Quarterdeck.")
    ap.add_argument("--db", required=True, help="DuckDB file")
    ap.add_argument("--table", help="target table (default: guessed from the headers)")
    ap.add_argument("--map", action="append", default=[], metavar="SOURCE=TARGET",
                    help=f"map a file header to a column ({EXTRA} keeps it as extra attribute, {IGNORE} ignores it)")
    ap.add_argument("--value", action="append", default=[], metavar="COLUMN:SOURCE=TARGET",
                    help="map a category value (empty TARGET rejects it)")
    ap.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE", help="fill a column with a constant")
    ap.add_argument("--number-format", action="append", default=[], metavar="COLUMN=1,234.56|1.234,56",
                    help="state a number column's format when its values do not tell (e.g. only 1,234 or 1.234)")
    extra = ap.add_mutually_exclusive_group()
    extra.add_argument("--keep-extra", dest="keep_extra", action="store_const", const=True, default=None,
                       help="keep unmapped columns as extra attributes (the default)")
    extra.add_argument("--drop-extra", dest="keep_extra", action="store_const", const=False,
                       help="ignore unmapped columns (they are listed in the summary)")
    ap.add_argument("--surrogate-key", action="store_true", help="build a missing key from file name and row")
    ap.add_argument("--as-of", help="snapshot date for the balances of a wide customer export")
    ap.add_argument("--sheet", help="Excel sheet (default: the first)")
    ap.add_argument("--rejects-dir", help="folder for rejected rows (default: next to each file)")
    ap.add_argument("--user", default=os.environ.get("USER"), help="recorded in the import history")
    ap.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    ap.add_argument("--undo", type=int, metavar="IMPORT_ID", help="undo an import")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for the app's worker")
    ap.add_argument("files", nargs="*", metavar="FILE")
    args = ap.parse_args(argv)
    if args.undo is None and not args.files:
        ap.error("give at least one FILE, or --undo IMPORT_ID")
    if args.as_of and not re.match(r"^\d{4}-\d{2}-\d{2}$", args.as_of):
        ap.error("--as-of must be YYYY-MM-DD")
    return args


def _open(db_path: str):
    """The database, or None when another process (the app) holds its lock."""
    from lib.core.db import open_database
    try:
        return open_database(db_path)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            return None
        raise IngestError("ingest.err.locked", db=db_path, error=str(e)) from None


def _print(result: dict) -> bool:
    for line in result.get("lines", []):
        print(line, flush=True)
    for msg in result.get("messages", []):
        print(msg, file=sys.stderr)
    for err in result.get("errors", []):
        print("error: " + err, file=sys.stderr)
    return bool(result.get("ok"))


def main(argv=None) -> int:
    try:
        args = parse_args(argv)
        opts = {"table": args.table, "map": _pairs(args.map, "--map"), "value": _values(args.value),
                "set": _pairs(args.set, "--set"), "number_format": _pairs(args.number_format, "--number-format"),
                "keep_extra": args.keep_extra, "surrogate_key": args.surrogate_key,
                "as_of": args.as_of, "sheet": args.sheet, "user": args.user, "dry_run": args.dry_run,
                "rejects_dir": os.path.abspath(args.rejects_dir) if args.rejects_dir else None}
        if args.undo is not None:
            job_list = [{"undo": args.undo, "user": args.user}]
        else:
            job_list = []
            for f in args.files:
                o = dict(opts)
                o["rejects_dir"] = o["rejects_dir"] or os.path.dirname(os.path.abspath(f))
                job_list.append({"files": [{"path": os.path.abspath(f), "file_name": os.path.basename(f)}],
                                 "options": o})
        db = _open(args.db)
        ok = True
        if db is not None:
            try:
                from lib.core import auth  # the command line runs as the system viewer (it holds the file)
                wrote = False
                for job in job_list:
                    done = _print(jobs.run_job(db, job, viewer=auth.system_viewer(args.user)))
                    ok &= done
                    wrote |= done and not args.dry_run
                if wrote and jobs.after_write(db, wait=True):
                    print(t("ingest.cli.cube", "en"), file=sys.stderr)
            finally:
                db.close()
            return 0 if ok else 1
        for job in job_list:
            name = job["files"][0]["file_name"] if "files" in job else f"undo {job['undo']}"
            jid = inbox.submit(args.db, job)
            print(t("ingest.cli.queued", "en", file=name, db=args.db, inbox=inbox.inbox_dir(args.db)), file=sys.stderr)
            result = inbox.wait(args.db, jid, args.timeout)
            if result is None:
                print("error: " + t("ingest.err.locked_timeout", "en", file=name, db=args.db,
                                    seconds=int(args.timeout), inbox=inbox.inbox_dir(args.db)), file=sys.stderr)
                return 1
            ok &= _print(result)
        return 0 if ok else 1
    except IngestError as e:
        print("error: " + e.message("en"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
