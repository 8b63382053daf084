"""The relationship graph: relations and parties read from DuckDB into networkx, per data version.

A row of ``relations`` reads "from_party is <relation> of to_party": a shareholder of, the
guarantor of, the actual controller of, shares a legal representative with, a supplier of. A party
is a customer (``customers.customer_id``) or an outside company (``outside_parties.party_id``);
an id found in neither is still a node (an outside company nobody described yet).

Only relations in force on the data's as-of day count (the latest balance snapshot, else today):
``since`` is empty or on/before it and ``until`` is empty or on/after it.

Invariants:
- The full graph is built once per (database path, data version) and shared by every session;
  a viewer's view of it (``scoped``) hides every customer outside the viewer's Scope, so no path,
  circle, group or exposure ever passes through or counts a client the viewer may not see.
- Outside companies are seen only through in-scope clients: every view starts from a client.
- Graph algorithms are networkx's; nothing here walks the graph by hand.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from lib.core.db import Database, Scope
from lib.related import levels

RELATIONS = ("shareholder", "guarantee", "controller", "legal_rep", "supply_chain")
OWNERSHIP = ("shareholder", "controller")  # the edges that make a group


@dataclass
class RelGraph:
    """Every party and relation in force, as networkx graphs sharing node ids."""
    as_of: object
    parties: pd.DataFrame  # one row per node, indexed by party id; "risk": high / medium / None
    edges: pd.DataFrame  # from_party, to_party, relation, share_pct, amount
    pairs: dict  # (from, to) -> {relation: (share_pct, amount)}
    undirected: nx.Graph  # any relation between two parties, either direction
    guarantees: nx.DiGraph  # guarantor → guaranteed, attribute "amount"
    ownership: nx.DiGraph  # shareholder / controller → the company it owns or controls
    _views: dict = field(default_factory=dict, repr=False)

    def party(self, p: str) -> dict:
        """One party's row as a dict (kept: reasons read the same risky party for many clients)."""
        records = self._views.setdefault("__records__", {})
        rec = records.get(p)
        if rec is None:
            rec = records[p] = self.parties.loc[p].to_dict()
        return rec

    def relations_between(self, a: str, b: str) -> list[tuple[str, bool, tuple]]:
        """(relation, reversed, (share_pct, amount)) of every relation a → b (reversed False) and b → a."""
        out = [(r, False, v) for r, v in self.pairs.get((a, b), {}).items()]
        return out + [(r, True, v) for r, v in self.pairs.get((b, a), {}).items()]


def _load_frames(db: Database) -> tuple[object, pd.DataFrame, pd.DataFrame]:
    as_of = db.scalar("SELECT coalesce((SELECT max(as_of) FROM balances), current_date)")
    edges = db.query("""
        SELECT from_party, to_party, relation, share_pct, amount FROM relations
        WHERE from_party IS NOT NULL AND to_party IS NOT NULL AND relation IS NOT NULL AND from_party <> to_party
          AND (since IS NULL OR since <= $d) AND (until IS NULL OR until >= $d)
        ORDER BY from_party, to_party, relation""", {"d": as_of})
    parties = db.query("""
        WITH ids AS (
          SELECT from_party AS id FROM relations WHERE from_party IS NOT NULL
          UNION SELECT to_party FROM relations WHERE to_party IS NOT NULL),
        last_bal AS (
          SELECT customer_id, arg_max(loans, as_of) AS loans, arg_max(loan_status, as_of) AS loan_status
          FROM balances WHERE customer_id IN (SELECT id FROM ids) GROUP BY customer_id)
        SELECT ids.id AS party, c.customer_id IS NOT NULL AS is_customer, c.customer_type, c.branch_id,
               coalesce(c.customer_name, o.party_name) AS name, coalesce(c.industry, o.industry) AS industry,
               o.overdue_days, o.debt_ratio, coalesce(o.litigation, FALSE) AS litigation,
               coalesce(o.enforcement, FALSE) AS enforcement, b.loans, b.loan_status
        FROM ids
        LEFT JOIN customers c ON c.customer_id = ids.id
        LEFT JOIN outside_parties o ON o.party_id = ids.id
        LEFT JOIN last_bal b ON b.customer_id = ids.id
        ORDER BY ids.id""")
    return as_of, parties.set_index("party", drop=False), edges


def _shares(values: pd.Series) -> pd.Series:
    """Shares as fractions: 60 and 0.6 both mean 60 % (a file may give either)."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    return v.where(v <= 1, v / 100)


def _nan_none(v):
    return None if v is None or v != v else float(v)


def build(db: Database) -> RelGraph:
    """Read the tables and build the graphs (use ``load`` for the cached one)."""
    as_of, parties, edges = _load_frames(db)
    edges["share_pct"] = _shares(edges["share_pct"])
    parties["risk"] = levels.party_levels(parties)
    f, t_, rel = edges["from_party"].tolist(), edges["to_party"].tolist(), edges["relation"].tolist()
    share = [_nan_none(v) for v in edges["share_pct"].tolist()]
    amount = [_nan_none(v) for v in pd.to_numeric(edges["amount"], errors="coerce").tolist()]
    pairs: dict = {}
    for a, b, r, s_, m in zip(f, t_, rel, share, amount):
        pairs.setdefault((a, b), {})[r] = (s_, m)
    nodes = parties.index.tolist()
    undirected = nx.Graph()
    undirected.add_nodes_from(nodes)
    undirected.add_edges_from(pairs)
    guarantees = nx.DiGraph()
    guarantees.add_edges_from((a, b, {"amount": m}) for a, b, r, s_, m in zip(f, t_, rel, share, amount)
                              if r == "guarantee")
    ownership = nx.DiGraph()
    ownership.add_edges_from((a, b) for a, b, r in zip(f, t_, rel) if r in OWNERSHIP)
    g = RelGraph(as_of, parties, edges, pairs, undirected, guarantees, ownership)
    g._views["__risk__"] = {p: v for p, v in zip(parties.index, parties["risk"]) if isinstance(v, str)}
    return g


_cache: dict[tuple, RelGraph] = {}
_cache_lock = threading.Lock()


def load(db: Database) -> RelGraph:
    """The graph of `db` at its current data version, built once and shared (two versions kept)."""
    key = (db.path, db.data_version())
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None:
            hit = build(db)
            for old in [k for k in _cache if k[0] == db.path]:
                del _cache[old]
            _cache[key] = hit
        return hit


# ---------------------------------------------------------------- the viewer's scope
@dataclass(frozen=True)
class View:
    """A viewer's part of the graph: customers outside the Scope removed."""
    graph: RelGraph
    hidden: frozenset  # customer ids outside the scope
    clients: tuple  # in-scope corporate customers that have at least one relation, sorted

    def visible(self, node) -> bool:
        return node not in self.hidden

    def sub(self, g):
        """`g` (one of the RelGraph's graphs) without the hidden customers (a networkx view)."""
        if not self.hidden:
            return g
        return nx.subgraph_view(g, filter_node=self.visible)


def visible_customers(db: Database, scope: Scope) -> set[str]:
    """Customers of the relation graph that this scope may see (branch scope and customer type)."""
    where, params = scope.customer_filter("c")
    rows = db.rows(f"""
        SELECT c.customer_id FROM customers c
        WHERE c.customer_id IN (SELECT from_party FROM relations UNION SELECT to_party FROM relations)
          AND {where}""", params)
    return {r[0] for r in rows}


def scoped(db: Database, scope: Scope) -> View:
    """The graph as `scope` may see it (kept with the cached graph, per scope)."""
    g = load(db)
    key = scope.cache_key()
    hit = g._views.get(key)
    if hit is not None:
        return hit
    p = g.parties
    customers = set(p.index[p["is_customer"].astype(bool)])
    seen = visible_customers(db, scope) if not scope.is_whole_bank or scope.customer_type else customers
    hidden = frozenset(customers - seen)
    corp = p[p["is_customer"].astype(bool) & (p["customer_type"] == "corporate")].index
    clients = tuple(sorted(c for c in corp if c not in hidden))
    view = View(g, hidden, clients)
    g._views[key] = view
    return view


# ---------------------------------------------------------------- neighbourhood
def neighbourhood(view: View, party: str, k: int = 2, relations: tuple[str, ...] | None = None) -> dict[str, int]:
    """Every party within `k` hops of `party` (k = 1–3) through relations of the given types
    (all when None), in any direction, with its distance; {} when the party is not visible."""
    g = view.graph
    if party not in g.undirected or not view.visible(party):
        return {}
    types = set(relations) if relations else set(RELATIONS)
    und = view.sub(g.undirected)
    if types != set(RELATIONS):
        und = nx.subgraph_view(und, filter_edge=lambda a, b: any(r in types for r, _, _ in g.relations_between(a, b)))
    return dict(nx.single_source_shortest_path_length(und, party, cutoff=max(1, min(3, int(k)))))


def edges_among(view: View, nodes, relations: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The relations (from, to, relation, share_pct, amount) between the given parties."""
    types = set(relations) if relations else set(RELATIONS)
    inside = set(nodes)
    rows = []
    for a in sorted(inside):
        for b in view.graph.undirected[a]:
            if b in inside:
                for r, (share, amount) in sorted(view.graph.pairs.get((a, b), {}).items()):
                    if r in types:
                        rows.append((a, b, r, share, amount))
    return pd.DataFrame(rows, columns=["from_party", "to_party", "relation", "share_pct", "amount"])
