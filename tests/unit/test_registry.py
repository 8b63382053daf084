"""The metric registry declares what each metric's SQL needs (lib/metrics/registry.py): its $named
parameters, the tables it reads and the ones it cannot do without, and how it adds up. The
declarations are the facts the code uses (no reading of SQL text); these tests keep them true."""
from __future__ import annotations

import re

import pytest

from lib.metrics import registry as metrics
from lib.core import schema
from lib.core.db import Scope

TABLES = {t.name for t in schema.TABLES}


@pytest.mark.parametrize("m", metrics.METRICS, ids=lambda m: m.key)
def test_declarations_match_the_sql(m):
    sql = metrics.render(m, "'ALL'", "TRUE")
    assert set(m.params) == set(re.findall(r"\$(\w+)", sql)), m.key
    assert set(m.tables) == {t for t in TABLES if re.search(rf"\b(v_)?{t}\b", sql)}, m.key
    assert set(m.required) <= set(m.tables) and m.additive in ("sum", "ratio")
    assert (m.additive == "sum") == bool(re.search(r"\b1 AS den\b", sql)), m.key
    assert {k for k, _ in m.consts} <= set(m.params)
    for _, v in m.consts:  # constants are bound as parameters, never spliced into the SQL
        for item in (v if isinstance(v, tuple) else (v,)):
            assert f"'{item}'" not in sql


def test_only_declared_parameters_are_bound(demo_db):
    q = metrics.quarters_in_data(demo_db)[0]
    p = metrics.period(demo_db, q)
    for m in metrics.METRICS:
        sc, sp = Scope(region="North").customer_filter("c")
        got = metrics._params(demo_db, m, p, Scope(region="North"), sp)
        assert set(got) == set(m.params) | set(sp), m.key


def test_constants_are_parameters(demo_db):
    """Penetration and conversion by product type bind their product types (and customer type)."""
    m = metrics.metric("supply_chain_usage")
    assert dict(m.consts) == {"product_types": ("supply_chain",), "customer_type": "corporate"}
    q = metrics.quarters_in_data(demo_db)[0]
    assert metrics.compute(demo_db, "supply_chain_usage", q, Scope()) is not None
