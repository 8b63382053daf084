"""Benchmark: import of a 1,000,000-row customer CSV vs DuckDB's raw read_csv of the same file.

    .venv/bin/python bench/ingest_bench.py [--rows 1000000] [--dir /tmp/qd_bench] [--gbk]

Each measurement runs in its own subprocess (fresh database file) and reports wall time and the
peak resident memory of that process (ru_maxrss). Not part of the test run.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make_csv(path: str, rows: int, gbk: bool) -> None:
    import duckdb
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT printf('C%09d', i) AS 客户号, '客户' || i AS 客户名称,
        CASE WHEN i % 10 = 0 THEN '对公' ELSE '个人' END AS 客户类型, printf('B%03d', 1 + i % 20) AS 网点号,
        printf('RM%04d', 1 + i % 400) AS 客户经理号, strftime(DATE '2010-01-01' + (i % 5000)::INT, '%Y/%m/%d') AS 开户日期,
        1950 + i % 50 AS 出生年份, CASE i % 3 WHEN 0 THEN '正常' WHEN 1 THEN '睡眠' ELSE '销户' END AS 客户状态,
        printf('%,.2f', (i % 1000) * 1.5) AS 获客成本, 'C' || (1 + i % 5) AS 风险承受能力,
        CASE WHEN i % 2 = 0 THEN '手机银行' ELSE '网点' END AS 获客渠道
        FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    if gbk:
        tmp = path + ".gbk"
        with open(path, encoding="utf-8") as fi, open(tmp, "w", encoding="gbk") as fo:
            for chunk in iter(lambda: fi.read(1 << 22), ""):
                fo.write(chunk)
        os.replace(tmp, path)


def child(mode: str, csv: str, db: str) -> None:
    t0 = time.time()
    if mode == "raw":
        import duckdb
        con = duckdb.connect(db)
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
        n = con.execute("SELECT count(*) FROM t").fetchone()[0]
        con.close()
        out = {"rows": n}
    else:
        from lib.core.db import open_database
        from lib.ingest import jobs
        d = open_database(db)
        rep = jobs.import_one(d, csv, {"rejects_dir": os.path.dirname(db)})
        d.close()
        out = {"line": rep.summary_line()}
    out["seconds"] = round(time.time() - t0, 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, ensure_ascii=False))


def measure(mode: str, csv: str, workdir: str) -> dict:
    db = os.path.join(workdir, f"{mode}.duckdb")
    for p in (db, db + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    r = subprocess.run([sys.executable, __file__, "--child", mode, csv, db], capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        raise SystemExit(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dir", default="/tmp/qd_bench")
    ap.add_argument("--gbk", action="store_true")
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    os.makedirs(a.dir, exist_ok=True)
    csv = os.path.join(a.dir, f"customers_{a.rows}{'_gbk' if a.gbk else ''}.csv")
    if not os.path.exists(csv):
        make_csv(csv, a.rows, a.gbk)
    print(f"file: {csv} ({os.path.getsize(csv) / 2**20:.1f} MB)")
    raw = measure("raw", csv, a.dir)
    print("raw read_csv   :", raw)
    imp = measure("import", csv, a.dir)
    print("lib.ingest     :", imp)
    print(f"import / raw time: {imp['seconds'] / raw['seconds']:.2f}x")


if __name__ == "__main__":
    main()
