"""Demo banks for the benchmark, built once per (size, seed, generator version) and cached.

The cache folder is ``$QD_BENCH_CACHE`` or ``~/.cache/quarterdeck-bench``. The generator version
is a hash of lib/demo.py, so a change to the generator builds a new bank instead of reusing a
stale one; a change to the data contract alone does not (opening the file migrates it, as the
product does with any older file). Builds run in a subprocess so their CPU time
is measured on their own (``RUSAGE_CHILDREN``).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    d = Path(os.environ.get("QD_BENCH_CACHE", Path.home() / ".cache" / "quarterdeck-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def generator_version() -> str:
    """Hash of lib/demo.py without its lines about the metric cube: the cube is derived after the
    data is generated, and ensure_bank refreshes it on a cached bank."""
    h = hashlib.sha256()
    for line in (ROOT / "lib" / "demo.py").read_bytes().splitlines(keepends=True):
        if b"cube" not in line:
            h.update(line)
    return h.hexdigest()[:12]


def bank_path(n: int, seed: int = 7) -> Path:
    return cache_dir() / f"demo-{n}-s{seed}-g{generator_version()}.duckdb"


def ensure_bank(n: int, seed: int = 7, log=print) -> tuple[Path, dict]:
    """The cached bank for (n, seed), built when missing. Returns (path, build facts)."""
    path = bank_path(n, seed)
    with open(str(path) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return path, {"cached": True, **refresh_cube(path, log)}
        log(f"building the {n:,}-customer demo bank into {path} (cached for later runs) ...")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "lib.demo", "--customers", str(n), "--seed", str(seed),
                        "--out", str(path), "--force"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        facts = {"cached": False, "wall_s": time.time() - t0,
                 "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)}
        log(f"built in {facts['wall_s']:.0f} s wall, {facts['cpu_s']:.0f} s CPU")
        return path, facts


def refresh_cube(path: Path, log=print) -> dict:
    """Bring a cached bank's metric cube up to date (a bank built before the cube existed, or
    after a change to the metrics); timed, as the rebuild after an import would be."""
    out = subprocess.run([sys.executable, "-c", (
        "import sys, time; from lib.core.db import open_database; from lib import warmup; "
        "d = open_database(sys.argv[1]); t = time.time(); c = time.process_time(); "
        "n = warmup.refresh(d) if not warmup.is_current(d) else 0; d.cursor().execute('CHECKPOINT'); "
        "print(n, time.time() - t, time.process_time() - c)"), str(path)],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    n, wall, cpu = int(out[0]), float(out[1]), float(out[2])
    if n:
        log(f"metric cube of {path.name}: {n} (metric, period) pairs in {wall:.0f} s wall, {cpu:.0f} s CPU")
    return {"cube_pairs": n, "cube_wall_s": wall, "cube_cpu_s": cpu}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(ensure_bank(n))
