"""Related-party graph logic on a hand-made graph, checked against hand-worked answers and an
independent computation (DuckDB recursive SQL for k-hop sets):

- a circle of 3 guarantees C1 → C2 → C3 → C1 (C2's loan classified substandard);
- a circle of 5 C4 → … → C8 → C4 with a tail C8 → C9 → E1 (E1, an outside company, 95 days overdue);
- a diamond of ownership E2 → C10, C11 → C12 (E2's debt ratio 90%), C11 guaranteeing C1;
- C13, a client of another branch, shareholder of C1 (its loan classified loss): a viewer of
  branch B1 must never see it.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lib.core.db import Scope, open_database
from lib.related import circles, graph, groups, report, risk

B1 = Scope(branch_ids=("B1",))
WHOLE = Scope()

CUSTOMERS = [  # id, name, branch
    *[(f"C{i}", f"Client {i} Co", "B1") for i in range(1, 13)],
    ("C13", "Faraway Co", "B2"),
]
RELATIONS = [  # from, to, relation, share_pct, amount
    ("C1", "C2", "guarantee", None, 10e6), ("C2", "C3", "guarantee", None, 20e6), ("C3", "C1", "guarantee", None, 30e6),
    ("C4", "C5", "guarantee", None, 1e6), ("C5", "C6", "guarantee", None, 2e6), ("C6", "C7", "guarantee", None, 3e6),
    ("C7", "C8", "guarantee", None, 4e6), ("C8", "C4", "guarantee", None, 5e6),
    ("C8", "C9", "guarantee", None, 5e6), ("C9", "E1", "guarantee", None, 30e6),
    ("E2", "C10", "shareholder", 0.6, None), ("E2", "C11", "shareholder", 70, None),  # 70 = 70 %
    ("C10", "C12", "shareholder", 0.5, None), ("C11", "C12", "shareholder", 0.5, None),
    ("C10", "C12", "guarantee", None, 1e6), ("C11", "C1", "guarantee", None, 8e6),
    ("C13", "C1", "shareholder", 0.4, None),
]


@pytest.fixture(scope="module")
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches VALUES ('B1', 'One', 'East', NULL, NULL), ('B2', 'Two', 'West', NULL, NULL)")
        for cid, name, br in CUSTOMERS:
            cur.execute("INSERT INTO customers (customer_id, customer_name, customer_type, branch_id) "
                        "VALUES (?, ?, 'corporate', ?)", [cid, name, br])
        bal = [("C10", "2026-09-30", 5e6, None), ("C10", "2026-10-31", 4e6, "normal"), ("C11", "2026-10-31", 3e6, None),
               ("C12", "2026-10-31", 2e6, None), ("C2", "2026-10-31", 7e6, "substandard"),
               ("C13", "2026-10-31", 9e6, "loss"), ("C1", "2026-10-31", 1e6, "normal")]
        for cid, d_, loans, status in bal:
            cur.execute("INSERT INTO balances (customer_id, as_of, loans, loan_status) VALUES (?, ?, ?, ?)",
                        [cid, d_, loans, status])
        for f, t, rel, share, amount in RELATIONS:
            cur.execute("INSERT INTO relations (from_party, to_party, relation, share_pct, amount) VALUES (?, ?, ?, ?, ?)",
                        [f, t, rel, share, amount])
        # a relation that ended before the as-of day does not count
        cur.execute("INSERT INTO relations (from_party, to_party, relation, until) VALUES ('C12', 'E1', 'supply_chain', "
                    "DATE '2026-01-31')")
        cur.execute("INSERT INTO outside_parties (party_id, party_name, overdue_days) VALUES ('E1', 'Beta Ltd', 95)")
        cur.execute("INSERT INTO outside_parties (party_id, party_name, debt_ratio) VALUES ('E2', 'Holding Ltd', 0.9)")
        d.bump_data_version(cur)
    yield d
    d.close()


def ids(label):
    return label


# ---------------------------------------------------------------- k-hop neighbourhood
def sql_hops(db, start: str, k: int, relations: tuple[str, ...], hidden: tuple[str, ...] = ()) -> dict[str, int]:
    """An independent k-hop computation: DuckDB recursive SQL over the relations table."""
    rows = db.rows(f"""
        WITH RECURSIVE e AS (
          SELECT from_party AS a, to_party AS b FROM relations
          WHERE relation IN (SELECT unnest($types)) AND until IS NULL
          UNION SELECT to_party, from_party FROM relations WHERE relation IN (SELECT unnest($types)) AND until IS NULL),
        ok AS (SELECT * FROM e WHERE a NOT IN (SELECT unnest($hidden)) AND b NOT IN (SELECT unnest($hidden))),
        hops(node, d) AS (SELECT $start, 0 UNION SELECT ok.b, h.d + 1 FROM hops h JOIN ok ON ok.a = h.node WHERE h.d < $k)
        SELECT node, min(d) FROM hops GROUP BY node""",
                   {"types": list(relations), "hidden": list(hidden) or [""], "start": start, "k": k})
    return dict(rows)


@pytest.mark.parametrize("start", ["C1", "C8", "C12"])
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("types", [graph.RELATIONS, ("guarantee",), ("shareholder", "controller")])
def test_k_hop_sets_match_recursive_sql(db, start, k, types):
    view = graph.scoped(db, B1)
    got = graph.neighbourhood(view, start, k, None if types == graph.RELATIONS else types)
    assert got == sql_hops(db, start, k, types, hidden=("C13",))


def test_k_hop_by_hand_and_scope(db):
    assert graph.neighbourhood(graph.scoped(db, WHOLE), "C1", 1) == {"C1": 0, "C2": 1, "C3": 1, "C11": 1, "C13": 1}
    assert graph.neighbourhood(graph.scoped(db, B1), "C1", 1) == {"C1": 0, "C2": 1, "C3": 1, "C11": 1}
    assert graph.neighbourhood(graph.scoped(db, B1), "C13", 2) == {}  # not visible at all
    # the ended supply-chain relation C12 – E1 does not link them
    assert "E1" not in graph.neighbourhood(graph.scoped(db, WHOLE), "C12", 1)


# ---------------------------------------------------------------- circles and chains
def test_guarantee_circles(db):
    found = circles.circles(graph.scoped(db, B1))
    assert [(c["members"], c["amount"]) for c in found] == [
        (("C1", "C2", "C3"), 60e6), (("C4", "C5", "C6", "C7", "C8"), 15e6)]
    assert found[0]["amounts"] == (10e6, 20e6, 30e6)


def test_guarantee_chains_from_the_circle_tail(db):
    view = graph.scoped(db, B1)
    assert circles.chains(view, "C8") == [("C8", "C4", "C5", "C6", "C7"), ("C8", "C9", "E1")]
    assert circles.chains(view, "C9") == []  # one guarantee is not a chain


# ---------------------------------------------------------------- groups and exposure
def test_group_is_the_ownership_diamond(db):
    view = graph.scoped(db, B1)
    for member in ("E2", "C10", "C11", "C12"):
        assert groups.group_of(view, member) == ["C10", "C11", "C12", "E2"]
    assert groups.head(view, ["C10", "C11", "C12", "E2"]) == "E2"
    assert groups.group_of(view, "C1") == ["C1"]  # its shareholder C13 is out of scope
    assert groups.group_of(graph.scoped(db, WHOLE), "C1") == ["C1", "C13"]


def test_exposure_sums(db):
    view = graph.scoped(db, B1)
    # loans: C10's latest 4M + C11 3M + C12 2M; guarantees: C11 → C1 8M (C10 → C12 is inside the group)
    assert groups.exposure(view, ["C10", "C11", "C12", "E2"]) == {"loans": 9e6, "guarantees": 8e6, "total": 17e6}
    ex = groups.exposures(view)
    g = ex.attrs["member_of"]["C12"]
    assert (ex.at[g, "loans"], ex.at[g, "guarantees"], ex.at[g, "total"], ex.at[g, "members"]) == (9e6, 8e6, 17e6, 4)
    # whole bank: C1's group now holds C13 (loans 9M) and its guarantee of C2
    assert groups.exposure(graph.scoped(db, WHOLE), ["C1", "C13"]) == {"loans": 10e6, "guarantees": 10e6, "total": 20e6}


# ---------------------------------------------------------------- flags and reasons
def test_reason_paths_word_for_word(db):
    view = graph.scoped(db, B1)
    f = report.flagged(db, B1).set_index("client")
    by_name = report.party_label_frame(db, B1, tuple(view.graph.parties.index))
    names = dict(zip(by_name["party"], by_name["name"]))
    label = lambda p: names.get(p) or p  # noqa: E731
    text = {c: risk.reason(view, {**r, "client": c}, label, "en") for c, r in f.to_dict("index").items()}
    assert text["C9"] == "Client 9 Co ← guarantor of Beta Ltd (¥30M) ← Beta Ltd overdue 95 days"
    assert text["C1"] == "Client 1 Co ← guarantor of Client 2 Co (¥10M) ← Client 2 Co loan classified substandard"
    assert text["C3"] == "Client 3 Co ← guaranteed by Client 2 Co (¥20M) ← Client 2 Co loan classified substandard"
    assert text["C2"] == "Client 2 Co loan classified substandard"
    assert text["C8"] == ("Client 8 Co ← guarantor of Client 9 Co (¥5M) ← guarantor of Beta Ltd (¥30M) ← "
                          "Beta Ltd overdue 95 days")
    assert text["C11"] == "Client 11 Co ← owned by Holding Ltd (70%) ← Holding Ltd debt ratio 90%"
    # C10 both owns and guarantees C12: the guarantee is named (guarantees come first)
    assert text["C12"] == ("Client 12 Co ← guaranteed by Client 10 Co (¥1M) ← owned by Holding Ltd (60%) ← "
                           "Holding Ltd debt ratio 90%")
    assert text["C6"] == ("Client 6 Co in a guarantee circle: Client 6 Co → Client 7 Co → Client 8 Co → "
                          "Client 4 Co → Client 5 Co → Client 6 Co")
    zh = {c: risk.reason(view, {**r, "client": c}, label, "zh") for c, r in f.to_dict("index").items()}
    assert zh["C9"] == "Client 9 Co ← 为Beta Ltd担保（3000万元） ← Beta Ltd逾期95天"
    assert zh["C11"] == "Client 11 Co ← Holding Ltd持股（70%） ← Holding Ltd资产负债率90%"


def test_levels_and_order(db):
    f = report.flagged(db, B1)
    level = dict(zip(f["client"], f["level"]))
    assert level == {"C1": "high", "C2": "high", "C3": "high", "C9": "high", "C8": "medium", "C10": "medium",
                     "C11": "medium", "C4": "medium", "C5": "medium", "C6": "medium", "C7": "medium", "C12": "low"}
    ranks = [risk.LEVEL_RANK[v] for v in f["level"]]
    assert ranks == sorted(ranks)
    # the list's path is the one the client's own view shows
    for c in ("C1", "C8", "C12"):
        row = f.set_index("client").loc[c]
        assert risk.client_flag(graph.scoped(db, B1), c)["path"] == row["path"]
    assert {r for r in f["group_size"]} <= {1, 4}
    assert f.set_index("client").loc["C12", "exposure"] == 17e6


def test_out_of_scope_client_never_shows(db):
    f = report.flagged(db, B1)
    seen = set(f["client"]) | {p for path in f["path"] for p in path} | set(f["group_head"])
    seen |= {p for c in report.circle_table(db, B1)["members"] for p in c}
    cv = report.client_view(db, B1, "C1", 3, None)
    seen |= set(cv["nodes"]["party"]) | set(cv["edges"]["from_party"]) | set(cv["edges"]["to_party"]) | set(cv["group"])
    assert "C13" not in seen
    assert not report.is_client(db, B1, "C13")
    # the whole bank sees it, and C1's reason still goes through the guarantee (guarantee before shareholder)
    assert "C13" in set(report.flagged(db, WHOLE)["client"])
    assert report.summary(db, B1)["clients"] == 12 and report.summary(db, WHOLE)["clients"] == 13


def test_party_facts_thresholds():
    row = {"overdue_days": 95, "enforcement": True, "debt_ratio": 0.5, "litigation": False, "loan_status": None}
    assert [f[:2] for f in risk.facts(row)] == [("high", "overdue"), ("high", "enforcement")]
    assert risk.facts({"overdue_days": 29, "debt_ratio": 0.79}) == []
    assert [f[0] for f in risk.facts({"overdue_days": 30, "debt_ratio": 0.8, "loan_status": "watch"})] == [
        "medium", "medium", "medium"]
    assert risk.money(30e6, "en") == "¥30M" and risk.money(2.5e6, "en") == "¥2.5M" and risk.money(3e7, "zh") == "3000万元"


def test_graph_is_cached_per_data_version(db):
    first = graph.load(db)
    assert graph.load(db) is first
    with db.transaction() as cur:
        db.bump_data_version(cur)
    assert graph.load(db) is not first


def test_demo_bank_has_a_realistic_graph(demo_db):
    f = report.flagged(demo_db, WHOLE)
    ct = report.circle_table(demo_db, WHOLE)
    assert len(ct) >= 3 and set(ct["size"]) >= {2, 3}
    assert (f["level"] == "high").any() and (f["group_size"] > 3).any()
    assert demo_db.scalar("SELECT count(DISTINCT relation) FROM relations") == 5
    view = graph.scoped(demo_db, WHOLE)
    texts = [risk.reason(view, r, lambda p: p, "en") for r in f.to_dict("records")]
    assert any(" ← guarantor of " in t and t.endswith("overdue 95 days") for t in texts)
    assert demo_db.scalar("SELECT max(debt_ratio) FROM outside_parties") >= 0.9
