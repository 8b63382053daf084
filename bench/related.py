"""Benchmark of the related-party graph (lib/related): a synthetic bank of 100k parties (corporate
customers and outside companies) and 500k relations, then the times the page needs:

- building the graph from DuckDB (once per data version, shared by every session);
- one client's 2-hop neighbourhood and its flag (the page's network and reason), over 50 clients;
- every client's flag with the group exposure (the ranked list) and every guarantee circle.

    .venv/bin/python bench/related.py [--parties 100000] [--relations 500000] [--db /tmp/qd_rel.duckdb]

The issue's budget: a client's 2-hop neighbourhood and flag in ≤ 0.3 s; all guarantee circles found.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.core.db import Scope, open_database  # noqa: E402
from lib.related import circles, graph, report, risk  # noqa: E402

PLANTED_CIRCLES = 500


def build_bank(path: str, parties: int, relations: int, seed: float = 0.42) -> None:
    """Corporate customers (60 %) and outside companies (40 %), relations drawn at random with a
    realistic mix (supply chain and shareholdings most), plus planted guarantee circles of 2–5."""
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    db = open_database(path)
    n_c = int(parties * 0.6)
    with db.transaction() as cur:
        cur.execute(f"SELECT setseed({seed})")
        cur.execute("INSERT INTO branches SELECT 'B' || lpad(i::VARCHAR, 3, '0'), 'Branch ' || i, "
                    "'R' || (i % 4), NULL, NULL FROM range(1, 41) t(i)")
        cur.execute(f"""INSERT INTO customers (customer_id, customer_name, customer_type, branch_id, industry)
            SELECT 'C' || lpad(i::VARCHAR, 8, '0'), 'Company ' || i, 'corporate',
                   'B' || lpad((1 + i % 40)::VARCHAR, 3, '0'), 'manufacturing' FROM range({n_c}) t(i)""")
        cur.execute(f"""INSERT INTO balances (customer_id, as_of, loans, loan_status)
            SELECT 'C' || lpad(i::VARCHAR, 8, '0'), DATE '2026-10-31', round(random() * 5e7),
                   CASE WHEN random() < 0.01 THEN 'substandard' WHEN random() < 0.03 THEN 'watch' ELSE 'normal' END
            FROM range({n_c}) t(i)""")
        cur.execute(f"""INSERT INTO outside_parties (party_id, party_name, overdue_days, debt_ratio, litigation, enforcement)
            SELECT 'E' || lpad(i::VARCHAR, 8, '0'), 'Outside ' || i,
                   CASE WHEN random() < 0.04 THEN (30 + random() * 150)::INT ELSE 0 END, random(),
                   random() < 0.03, random() < 0.01 FROM range({parties - n_c}) t(i)""")
        pick = (f"CASE WHEN random() < 0.6 THEN 'C' || lpad((random() * {n_c - 1})::INT::VARCHAR, 8, '0') "
                f"ELSE 'E' || lpad((random() * {parties - n_c - 1})::INT::VARCHAR, 8, '0') END")
        cur.execute(f"""INSERT INTO relations (from_party, to_party, relation, share_pct, amount)
            SELECT DISTINCT ON (a, b, r) a, b, r,
                   CASE WHEN r = 'shareholder' THEN round(0.05 + random() * 0.9, 2) END,
                   CASE WHEN r = 'guarantee' THEN round(random() * 3e7, -6) END
            FROM (SELECT {pick} AS a, {pick} AS b,
                         CASE WHEN u < 0.35 THEN 'supply_chain' WHEN u < 0.65 THEN 'shareholder'
                              WHEN u < 0.75 THEN 'guarantee' WHEN u < 0.9 THEN 'legal_rep' ELSE 'controller' END AS r
                  FROM (SELECT random() AS u FROM range({relations - PLANTED_CIRCLES * 4}))) WHERE a <> b""")
        for i in range(PLANTED_CIRCLES):
            size = 2 + i % 4
            members = [f"C{(i * 97 + j * 7919) % n_c:08d}" for j in range(size)]
            for a, b in zip(members, members[1:] + members[:1]):
                cur.execute("INSERT INTO relations (from_party, to_party, relation, amount) "
                            "SELECT ?, ?, 'guarantee', 1e7 WHERE NOT EXISTS (SELECT 1 FROM relations "
                            "WHERE from_party = ? AND to_party = ? AND relation = 'guarantee')", [a, b, a, b])
        db.bump_data_version(cur)
    db.close()


def measure(path: str, sample: int = 50) -> dict:
    db = open_database(path)
    try:
        out = {"parties": db.scalar("SELECT count(*) FROM (SELECT from_party FROM relations UNION "
                                    "SELECT to_party FROM relations)"),
               "relations": db.scalar("SELECT count(*) FROM relations")}
        t = time.perf_counter()
        graph.load(db)
        out["graph_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        view = graph.scoped(db, Scope())
        out["scope_s"] = time.perf_counter() - t
        clients = view.clients[:: max(1, len(view.clients) // sample)][:sample]
        times, sizes = [], []
        for c in clients:
            t = time.perf_counter()
            near = graph.neighbourhood(view, c, 2)
            risk.client_flag(view, c)
            times.append(time.perf_counter() - t)
            sizes.append(len(near))
        out["hop2_flag_median_s"] = statistics.median(times)
        out["hop2_flag_max_s"] = max(times)
        out["hop2_nodes_median"] = statistics.median(sizes)
        t = time.perf_counter()
        found = circles.circles(view)
        out["circles_s"] = time.perf_counter() - t
        out["circles"] = len(found)
        n_c = db.scalar("SELECT count(*) FROM customers")
        sets = {frozenset(c["members"]) for c in found}
        planted = {frozenset(f"C{(i * 97 + j * 7919) % n_c:08d}" for j in range(2 + i % 4)) for i in range(PLANTED_CIRCLES)}
        out["planted_circles_found"] = f"{len(planted & sets)}/{len(planted)}"
        t = time.perf_counter()
        flagged = report.flagged(db, Scope())
        out["flag_all_s"] = time.perf_counter() - t
        out["flagged"] = len(flagged)
        t = time.perf_counter()
        report.client_view(db, Scope(), clients[0], 2, None)
        out["client_view_s"] = time.perf_counter() - t
        t = time.perf_counter()
        graph.scoped(db, Scope(branch_ids=("B001",)))
        out["branch_scope_s"] = time.perf_counter() - t
        return out
    finally:
        db.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parties", type=int, default=100_000)
    ap.add_argument("--relations", type=int, default=500_000)
    ap.add_argument("--db", default="/tmp/qd_bench_related.duckdb")
    ap.add_argument("--reuse", action="store_true", help="measure an existing --db without rebuilding it")
    a = ap.parse_args(argv)
    if not a.reuse:
        t = time.perf_counter()
        build_bank(a.db, a.parties, a.relations)
        print(f"built in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    r = measure(a.db)
    print(json.dumps(r, indent=1, default=str))
    return 0 if r["hop2_flag_max_s"] <= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
