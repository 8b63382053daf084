"""A smoke run of the benchmark (bench/run.py) at a tiny size: it runs end to end and prints its
table. The real run (1M customers) is not part of the test suite; see docs/BENCHMARK.md."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(420)
def test_benchmark_smoke(tmp_path):
    env = {**os.environ, "QD_BENCH_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "bench/run.py", "--customers", "300", "--small", "300", "--skip-browser",
                        "--pages", "pages/overview.py", "--work", str(tmp_path / "work")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    for heading in ("## Import", "## Pages", "## KPIs"):
        assert heading in out
    assert "| customers | 300 |" in out
    assert "| overview |" in out and "ERRORS" not in out
    assert "| NO |" not in out  # pandas and the product agree on every KPI
