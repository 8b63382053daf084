"""SQL injection attempts through every global filter, URL parameter and mapped column name:
nothing beyond the intended query happens — pages render, the database is unchanged, a hostile
filter value matches nothing (never the whole bank), hostile headers and values are stored as text."""
from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import auth
from lib.metrics import registry as metrics
from lib.core.db import Scope, forget_database, open_database
from lib.ingest import jobs
from lib.core.periods import Quarter

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ["East' OR '1'='1", "B001'); DROP TABLE customers; --", "retail\" OR 1=1 --",
            "2026Q3'; DELETE FROM balances; --", "$sc_region", "?", "%", "_", "\\'; CHECKPOINT; --",
            "'; ATTACH '/tmp/x.duckdb' AS x; --"]
URL_PARAMS = ["lang", "q", "region", "branch", "ctype", "projector", "kpi", "drill_region", "drill_branch",
              "grain", "rm", "agenda"]


def fingerprint(path: str) -> tuple:
    forget_database(path)
    con = duckdb.connect(path, read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                            "'main' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return tuple((t, con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables
                     if t not in ("qd_settings", "qd_audit")) + (  # page views are audited by design
            con.execute("SELECT sum(hash(customer_id, status, branch_id)) FROM customers").fetchone(),
            con.execute("SELECT sum(hash(customer_id, as_of, deposits)) FROM balances").fetchone())
    finally:
        con.close()


def app_pages() -> list[str]:
    return re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


@pytest.mark.timeout(600)
def test_every_url_parameter_on_every_page(fresh_demo):
    before = fingerprint(fresh_demo)
    for i, page in enumerate(app_pages()):
        payload = PAYLOADS[i % len(PAYLOADS)]
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for p in URL_PARAMS:
            at.query_params[p] = payload
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, payload, [e.value for e in at.exception])
        # hostile values are not kept: the filters fall back to valid options
        assert at.session_state["f_region"] == "ALL" and at.session_state["f_branch"] == "ALL"
        assert at.session_state["f_ctype"] == "ALL"
        forget_database(fresh_demo)
    assert fingerprint(fresh_demo) == before


def test_hostile_scope_values_match_nothing(demo_db):
    q = metrics.quarters_in_data(demo_db)[1]
    whole = metrics.compute(demo_db, "aum", q, Scope())
    assert whole > 0
    for payload in PAYLOADS:
        for scope in (Scope(region=payload), Scope(branch_ids=(payload,)), Scope(branch_ids=("B001", payload)),
                      Scope(customer_type=payload)):
            v = metrics.compute(demo_db, "aum", q, scope)
            if scope.branch_ids == ("B001", payload):
                assert v == metrics.compute(demo_db, "aum", q, Scope(branch_ids=("B001",)))
            else:
                assert v == 0.0, (scope, v)
            g = metrics.compute_grouped(demo_db, "new_customers", q, scope, "region")
            assert g["num"].sum() <= metrics.compute(demo_db, "new_customers", q, Scope())
    with pytest.raises(ValueError):
        metrics.compute_grouped(demo_db, "aum", q, Scope(), "region; DROP TABLE customers")
    with pytest.raises(KeyError):
        metrics.compute(demo_db, "aum'; DROP TABLE customers; --", q, Scope())


HOSTILE_HEADERS = ['x"); DROP TABLE customers; --', "'; DELETE FROM balances; --", "c0", "_row", "qd_raw",
                   "extra_attrs", "import_id", "a\"b'c", "$1", "?"]


def test_hostile_column_names_values_maps_and_file_names(tmp_path):
    path = str(tmp_path / "q.duckdb")
    db = open_database(path)
    with db.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East')")
    who = auth.system_viewer("inject")
    header = ["客户号", "客户类型", "网点号", "客户状态", *HOSTILE_HEADERS]
    rows = [[f"J{i}", "个人" if i % 2 else "'); DELETE FROM customers; --", "B001", "正常",
             *[f"v{i}'; DROP TABLE branches; --" for _ in HOSTILE_HEADERS]] for i in range(6)]
    name = "x'); DROP TABLE customers; --.csv"
    csv = tmp_path / "hostile.csv"
    csv.write_text("\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in [header, *rows]),
                   encoding="utf-8")
    opts = {"keep_extra": True, "rejects_dir": str(tmp_path),
            "value": {"customer_type": {"'); DELETE FROM customers; --": "retail"}},
            "set": {"phone": "1'); DROP TABLE customers; --"}}
    rep = jobs.import_one(db, str(csv), opts, file_name=name, viewer=who)
    assert (rep.inserted, rep.rejected) == (6, 0), rep.summary_line()
    got = db.query("SELECT customer_id, customer_type, phone, extra_attrs FROM customers "
                   "ORDER BY customer_id")
    assert list(got["customer_type"]) == ["retail"] * 6
    assert set(got["phone"]) == {"1'); DROP TABLE customers; --"}
    extra = dict(got["extra_attrs"].iloc[0])
    for h in HOSTILE_HEADERS:
        assert extra.get(h) == "v0'; DROP TABLE branches; --", (h, extra)
    assert db.scalar("SELECT count(*) FROM branches") == 1
    assert db.scalar("SELECT file_name FROM qd_imports") == name
    # a map that points a hostile header at the key column: it is only a name
    rep = jobs.import_one(db, str(csv), {**opts, "map": {"'; DELETE FROM balances; --": "customer_id"}},
                          file_name=name, viewer=who)
    assert db.scalar("SELECT count(*) FROM customers WHERE customer_id LIKE 'v%'") == 6
    assert db.scalar("SELECT count(*) FROM customers") == 12
    # the names of the tables themselves can not be chosen from outside
    from lib.ingest.errors import IngestError
    with pytest.raises((IngestError, KeyError, ValueError)):
        jobs.import_one(db, str(csv), {**opts, "table": "customers; DROP TABLE branches"}, file_name=name, viewer=who)
    assert db.scalar("SELECT count(*) FROM branches") == 1
    db.close()
