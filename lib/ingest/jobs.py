"""The one upload orchestration, called by the app's Upload tab, the CLI and the inbox worker.

A file goes through the same steps whoever uploads it:

    src  = open_source(path, file_name, sheet)      detect.inspect
    plan = plan_for(db, src, opts)                  remembered or automatic mapping + the user's choices
    fill_ins(src, plan)                             required columns the file lacks (the app offers widgets)
    rep  = report(db, src, plan)                    the load's dry run: real counts, rolled back
    done = commit(db, src, rep)                     the load, with the very plan object the report used

``opts`` are plain JSON-able choices: ``table``, ``map`` {header: target}, ``value`` {column: {raw:
canonical}}, ``set`` {column: constant}, ``keep_extra`` (None: the remembered choice, else keep),
``surrogate_key``, ``as_of``, ``sheet``, ``rejects_dir``, ``user``, ``dry_run``. The CLI builds them
from its flags, the app from its widgets. Category value rules remembered with a mapping stay in the
plan; the user's new rules are added to them, never replace them.

``outcome(rep)`` tells a load that wrote rows from one that rejected every row (an error, not a
success). ``run_job(db, job)`` runs a CLI/inbox job ``{"files": [{"path", "file_name"}], "options":
{...}}`` or ``{"undo": ID}``; the result is ``{"ok", "lines", "messages", "errors", "import_ids"}``.
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from lib.core import schema
from lib.core import writes
from lib.core.i18n import t
from lib.ingest import detect, load, mapping
from lib.ingest.errors import IngestError

log = logging.getLogger(__name__)

OPTION_KEYS = ("table", "map", "value", "set", "keep_extra", "surrogate_key", "as_of", "sheet",
               "rejects_dir", "user", "dry_run", "number_format")
UPLOAD_PREFIX = "qd_upload_"
STALE_SECONDS = 6 * 3600


# ---------------------------------------------------------------- plan
def plan_for(db, src: detect.Source, opts: dict) -> mapping.Plan:
    """The plan for `src` under the user's choices `opts` (see the module docstring)."""
    keep = opts.get("keep_extra")
    plan = mapping.propose(db, src, table=opts.get("table"), keep_extra=True if keep is None else bool(keep))
    mapping.apply_overrides(plan, src, maps=opts.get("map"))
    if keep is not None:
        mapping.set_keep_extra(plan, bool(keep))
    mapping.apply_overrides(plan, src, values=opts.get("value"), constants=opts.get("set"),
                            number_formats=opts.get("number_format"))
    if opts.get("surrogate_key"):
        plan.surrogate_key = True
    if opts.get("as_of"):
        plan.as_of = str(opts["as_of"])
    return plan


@dataclass
class FillIn:
    """A required column the file lacks, to be filled with one value for the whole file."""
    column: str
    kind: str                       # date | category | reference | text
    choices: list[str] | None = None


def fill_ins(db, src: detect.Source, plan: mapping.Plan) -> list[FillIn]:
    """The required columns of the plan's table that no header maps to and no constant fills, all at
    once, where one value for the whole file can be right (never a key, nor the customer of a row),
    plus the snapshot date of a wide customer export; each with what a widget should offer."""
    tb = schema.table(plan.table)
    out = []
    for name in mapping.missing_required(plan):
        c = tb.column(name)
        snapshot = c.type == "DATE" and name in tb.key and len(tb.key) > 1  # e.g. the as-of date of a balance file
        if not (mapping.constant_allowed(plan.table, name) or snapshot):
            continue
        if c.categories:
            out.append(FillIn(c.name, "category", list(c.categories)))
        elif c.type == "DATE":
            out.append(FillIn(c.name, "date"))
        elif c.references and db is not None:
            rt, rc = c.references.split(".")
            vals = [r[0] for r in db.rows(f'SELECT DISTINCT "{rc}" FROM "{rt}" WHERE "{rc}" IS NOT NULL '
                                          f'ORDER BY 1 LIMIT 1000')]
            out.append(FillIn(c.name, "reference", vals))
        else:
            out.append(FillIn(c.name, "text"))
    if plan.table == "customers" and plan.wide_columns and "as_of" not in plan.wide_columns.values() \
            and not plan.as_of:
        out.append(FillIn("as_of", "date"))
    return out


# ---------------------------------------------------------------- report and load
def report(db, src: detect.Source, plan: mapping.Plan, *, viewer=None, lang: str = "en",
           rejects_dir: str | None = None, user: str | None = None) -> load.Report:
    """The load's dry run: exactly what ``commit`` will do with this plan, rolled back."""
    return load.run_import(db, src, plan, dry_run=True, viewer=viewer, lang=lang, rejects_dir=rejects_dir,
                           user=user)


def commit(db, src: detect.Source, rep: load.Report, *, viewer=None, lang: str = "en",
           rejects_dir: str | None = None, user: str | None = None, progress=None) -> load.Report:
    """Load `src` with the plan its report `rep` was made with (one transaction)."""
    return load.run_import(db, src, rep.plan, viewer=viewer, lang=lang, rejects_dir=rejects_dir, user=user,
                           progress=progress)


def outcome(rep: load.Report) -> str:
    """``failed`` when rows were read and none would load (or loaded), ``partial`` with rejected
    rows, ``ok`` otherwise."""
    if rep.rows_read > 0 and rep.loaded == 0:
        return "failed"
    return "partial" if rep.rejected else "ok"


def open_source(path: str, file_name: str | None = None, sheet: str | None = None) -> detect.Source:
    return detect.inspect(path, file_name=file_name, sheet=sheet)


def import_one(db, path: str, opts: dict, file_name: str | None = None, viewer=None) -> load.Report:
    src = open_source(path, file_name, opts.get("sheet"))
    try:
        plan = plan_for(db, src, opts)
        rejects_dir = opts.get("rejects_dir") or os.path.dirname(os.path.abspath(path))
        return load.run_import(db, src, plan, dry_run=bool(opts.get("dry_run")), user=opts.get("user"),
                               rejects_dir=rejects_dir, viewer=viewer)
    finally:
        src.cleanup()


# ---------------------------------------------------------------- temporary upload copies
def upload_copy(chunks, prefix: str = UPLOAD_PREFIX) -> str:
    """Write an uploaded file's bytes (an iterable of chunks) to a private temp folder; returns the
    path. ``discard_copy`` removes it; ``sweep_stale_copies`` removes leftovers of dead sessions."""
    folder = tempfile.mkdtemp(prefix=prefix)
    path = os.path.join(folder, "upload.bin")
    try:
        with open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def discard_copy(path: str | None) -> None:
    """Delete the temp folder of an upload copy made by ``upload_copy`` (and nothing else)."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.basename(folder).startswith(UPLOAD_PREFIX) and \
            os.path.dirname(folder) == os.path.abspath(tempfile.gettempdir()):
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale_copies(max_age: float = STALE_SECONDS) -> int:
    """Remove upload copies (and the loader's transcoding folders) older than `max_age` seconds
    from the temp folder, e.g. left by a killed server; returns how many were removed."""
    n, now = 0, time.time()
    for pattern in (UPLOAD_PREFIX + "*", "qd_ingest_*", "qd_rejects_*"):
        for folder in glob.glob(os.path.join(tempfile.gettempdir(), pattern)):
            try:
                if now - os.path.getmtime(folder) >= max_age:
                    shutil.rmtree(folder, ignore_errors=True)
                    n += 1
            except OSError:
                continue
    return n


def after_write(db, wait: bool = False) -> bool:
    """Bring what is derived from the facts (the metric cube) up to date after an import or undo that
    wrote: ``lib.core.writes.after_commit`` tells the warm-up (lib/warmup.py), which rebuilds in the
    background for the app and at once for the CLI (`wait`). The one call every ingest writer
    makes; returns whether a rebuild ran (when waited for)."""
    return writes.after_commit(db, "facts", wait=wait)


# ---------------------------------------------------------------- CLI and inbox jobs
def run_job(db, job: dict, viewer=None) -> dict:
    """Run one job for `viewer` (default: the acting viewer, see lib.core.auth); a role that may not
    import or undo gets an error in the result, nothing is written. A file whose every row is
    rejected makes the job fail (nothing was loaded)."""
    out = {"ok": True, "lines": [], "messages": [], "errors": [], "import_ids": []}
    if "undo" in job:
        try:
            ids = load.undo_import(db, int(job["undo"]), user=job.get("user"), viewer=viewer)
            out["messages"].append(t("ingest.cli.undone", "en", ids=", ".join(map(str, ids))))
            out["import_ids"] = ids
        except (IngestError, PermissionError) as e:
            out["ok"] = False
            out["errors"].append(e.message("en") if hasattr(e, "message") else str(e))
        return out
    opts = job.get("options", {})
    for f in job["files"]:
        name = f.get("file_name") or os.path.basename(f["path"])
        try:
            rep = import_one(db, f["path"], opts, file_name=name, viewer=viewer)
        except PermissionError as e:
            out["ok"] = False
            out["errors"].append(e.message("en") if hasattr(e, "message") else str(e))
            continue
        except IngestError as e:
            out["ok"] = False
            out["errors"].append(e.message("en"))
            continue
        except Exception as e:  # noqa: BLE001 - report, never leave the caller without an answer
            log.exception("import of %s failed", name)
            out["ok"] = False
            out["errors"].append(t("ingest.err.failed", "en", file=name, error=f"{type(e).__name__}: {e}"))
            continue
        out["lines"].append(rep.summary_line())
        for p in rep.parts:
            out["lines"].append(p.summary_line())
        out["import_ids"].append(rep.import_id)
        out["messages"].extend(rep.notes)  # units read from headers, number formats, duplicated headers
        if rep.ignored_columns:
            out["messages"].append(t("ingest.cli.ignored", "en", file=name, columns=", ".join(rep.ignored_columns)))
        if rep.rejects_path:
            out["messages"].append(t("ingest.cli.rejects", "en", file=name, n=rep.rejected, path=rep.rejects_path))
        if outcome(rep) == "failed":
            out["ok"] = False
            out["errors"].append(t("ingest.err.all_rejected", "en", file=name, n=rep.rejected))
    return out
