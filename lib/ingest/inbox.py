"""Hand import jobs to the process that holds the database (DuckDB allows one writer process).

While the Streamlit app has the file open read-write, no other process can open it at all. The
CLI then drops a job into ``<db>.inbox/``: the file is copied in, then ``<id>.job.json`` is
written atomically (rename), and it waits for ``<id>.result.json``. The app runs one worker
thread per database (``start_worker(db)``, idempotent) that claims jobs by renaming them to
``.running``, runs them through ``jobs.run_job`` (the same code path as the CLI) and writes the
result atomically. Readers in the app never see a half-loaded state: each job is one transaction.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import traceback
import uuid

from lib.ingest import jobs
from lib.core import auth

POLL_SECONDS = 0.5
_workers: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def inbox_dir(db_path: str) -> str:
    return os.path.abspath(db_path) + ".inbox"


def _write_json(path: str, data: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


# ---------------------------------------------------------------- client (CLI)
def submit(db_path: str, job: dict) -> str:
    """Queue `job` for the app's worker; files are copied into the inbox. Returns the job id."""
    box = inbox_dir(db_path)
    os.makedirs(box, exist_ok=True)
    jid = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:8]
    job = dict(job)
    if "files" in job:
        files = []
        for i, f in enumerate(job["files"]):
            dest = os.path.join(box, f"{jid}.{i}.data")
            shutil.copyfile(f["path"], dest)
            files.append({"path": dest, "file_name": f.get("file_name") or os.path.basename(f["path"])})
        job["files"] = files
    _write_json(os.path.join(box, f"{jid}.job.json"), job)
    return jid


def wait(db_path: str, jid: str, timeout: float) -> dict | None:
    """The job's result, or None after `timeout` seconds."""
    path = os.path.join(inbox_dir(db_path), f"{jid}.result.json")
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                out = json.load(f)
            os.remove(path)
            return out
        time.sleep(0.2)
    return None


# ---------------------------------------------------------------- worker (app)
def process_pending(db, db_path: str) -> int:
    """Run every queued job once; returns how many ran."""
    box = inbox_dir(db_path)
    if not os.path.isdir(box):
        return 0
    n = 0
    for name in sorted(os.listdir(box)):
        if not name.endswith(".job.json"):
            continue
        jid = name[: -len(".job.json")]
        src, running = os.path.join(box, name), os.path.join(box, jid + ".running")
        try:
            os.replace(src, running)  # claim
        except FileNotFoundError:
            continue
        try:
            with open(running, encoding="utf-8") as f:
                job = json.load(f)
            # whoever can write the inbox (next to the database file) can write the file itself:
            # the job runs as the system viewer, recorded under the CLI's --user
            who = job.get("user") or job.get("options", {}).get("user")
            result = jobs.run_job(db, job, viewer=auth.system_viewer(who))
        except Exception as e:  # noqa: BLE001 - the CLI must always get an answer
            result = {"ok": False, "lines": [], "messages": [], "errors": [f"{type(e).__name__}: {e}"],
                      "trace": traceback.format_exc()[-2000:]}
            job = {}
        _write_json(os.path.join(box, jid + ".result.json"), result)
        for f in job.get("files", []):
            try:
                os.remove(f["path"])
            except OSError:
                pass
        os.remove(running)
        n += 1
    return n


def _loop(db, db_path: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if process_pending(db, db_path):
                jobs.after_write(db)
        except Exception:  # noqa: BLE001 - keep serving
            traceback.print_exc()
        stop.wait(POLL_SECONDS)


def start_worker(db, db_path: str | None = None) -> threading.Thread:
    """Start (once per process and database) the thread that runs queued CLI imports."""
    path = os.path.abspath(db_path or db.path)
    with _lock:
        th = _workers.get(path)
        if th is not None and th.is_alive():
            return th
        stop = threading.Event()
        th = threading.Thread(target=_loop, args=(db, path, stop), name="qd-ingest-inbox", daemon=True)
        th.stop_event = stop  # type: ignore[attr-defined]
        th.start()
        _workers[path] = th
        return th


def stop_worker(db_path: str) -> None:
    path = os.path.abspath(db_path)
    with _lock:
        th = _workers.pop(path, None)
    if th is not None:
        th.stop_event.set()  # type: ignore[attr-defined]
        th.join(timeout=10)
