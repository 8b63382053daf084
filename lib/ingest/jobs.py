"""One import job = one file + options, as plain JSON-able data; shared by the CLI and the inbox.

``run_job(db, job)`` is the single code path for scheduled dumps, whether the CLI writes the
database itself or the running app's inbox worker does it on the CLI's behalf. A job is
``{"files": [{"path", "file_name"}], "options": {...}}`` or ``{"undo": ID}``; the result is
``{"ok": bool, "lines": [...], "messages": [...], "errors": [...]}`` where ``lines`` are the
machine-readable summary lines (``FILE table=T read=N inserted=N ...``).
"""
from __future__ import annotations

import os

from lib.i18n import t
from lib.ingest import detect, load, mapping
from lib.ingest.errors import IngestError

OPTION_KEYS = ("table", "map", "value", "set", "keep_extra", "surrogate_key", "as_of", "sheet",
               "rejects_dir", "user", "dry_run")


def plan_for(db, src: detect.Source, opts: dict) -> mapping.Plan:
    keep = bool(opts.get("keep_extra"))
    plan = mapping.propose(db, src, table=opts.get("table"), keep_extra=keep)
    if not plan.remembered or opts.get("keep_extra") is not None:
        mapping.set_keep_extra(plan, keep)
    mapping.apply_overrides(plan, src, maps=opts.get("map"), values=opts.get("value"), constants=opts.get("set"))
    if opts.get("surrogate_key"):
        plan.surrogate_key = True
    if opts.get("as_of"):
        plan.as_of = opts["as_of"]
    return plan


def import_one(db, path: str, opts: dict, file_name: str | None = None, viewer=None) -> load.Report:
    src = detect.inspect(path, file_name=file_name, sheet=opts.get("sheet"))
    try:
        plan = plan_for(db, src, opts)
        rejects_dir = opts.get("rejects_dir") or os.path.dirname(os.path.abspath(path))
        return load.run_import(db, src, plan, dry_run=bool(opts.get("dry_run")), user=opts.get("user"),
                               rejects_dir=rejects_dir, viewer=viewer)
    finally:
        src.cleanup()


def run_job(db, job: dict, viewer=None) -> dict:
    """Run one job for `viewer` (default: the acting viewer, see lib.auth); a role that may not
    import or undo gets an error in the result, nothing is written."""
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
            out["errors"].append(str(e))
            continue
        except IngestError as e:
            out["ok"] = False
            out["errors"].append(e.message("en"))
            continue
        except Exception as e:  # noqa: BLE001 - report, never leave the caller without an answer
            out["ok"] = False
            out["errors"].append(t("ingest.err.failed", "en", file=name, error=f"{type(e).__name__}: {e}"))
            continue
        out["lines"].append(rep.summary_line())
        for p in rep.parts:
            out["lines"].append(p.summary_line())
        out["import_ids"].append(rep.import_id)
        if rep.rejects_path:
            out["messages"].append(t("ingest.cli.rejects", "en", file=name, n=rep.rejected, path=rep.rejects_path))
    return out
