"""Guarantee circles (互保 / 联保: cycles in the guarantee digraph) and guarantee chains.

A circle is a cycle guarantor → guaranteed → … → back to the first guarantor: when one member
fails, the guarantees pass the loss round the circle. networkx finds them (``simple_cycles``,
bounded in length, run per strongly connected component of the viewer's part of the graph).
A chain is a run of guarantees leaving a client: the client guarantees B, B guarantees C, ….
"""
from __future__ import annotations

import networkx as nx

from lib.related.graph import View

MAX_CIRCLE = 6  # longer cycles are not what a credit officer calls a circle, and explode in number
MAX_CIRCLES = 2_000


def _canonical(cycle: list[str]) -> tuple[str, ...]:
    """The cycle rotated to start at its smallest id (same circle, same tuple)."""
    i = cycle.index(min(cycle))
    return tuple(cycle[i:] + cycle[:i])


def circles(view: View) -> list[dict]:
    """Every guarantee circle the viewer may see (at least one in-scope client in it), each as
    {members: (ids in guarantee order), amount: sum of its guarantees, size}; largest amount first."""
    g = view.sub(view.graph.guarantees)
    clients = set(view.clients)
    found: dict[tuple, dict] = {}
    for comp in nx.strongly_connected_components(g):
        if len(comp) < 2 or not comp & clients:
            continue
        for cycle in nx.simple_cycles(g.subgraph(comp), length_bound=MAX_CIRCLE):
            if len(cycle) < 2 or not set(cycle) & clients:
                continue
            members = _canonical(list(cycle))
            amounts = [g[a][b].get("amount") for a, b in zip(members, members[1:] + members[:1])]
            found[members] = {"members": members, "size": len(members),
                              "amount": float(sum(a for a in amounts if a is not None)),
                              "amounts": tuple(amounts)}
            if len(found) >= MAX_CIRCLES:
                break
    return sorted(found.values(), key=lambda c: (-c["amount"], c["members"]))


def circles_of(view: View, party: str, all_circles: list[dict] | None = None) -> list[dict]:
    """The circles `party` is a member of."""
    return [c for c in (all_circles if all_circles is not None else circles(view)) if party in c["members"]]


def chains(view: View, party: str, depth: int = 4) -> list[tuple[str, ...]]:
    """Guarantee chains leaving `party` (it guarantees B, B guarantees C, …), up to `depth`
    guarantees long, each followed to its end; only chains of two guarantees or more."""
    g = view.sub(view.graph.guarantees)
    if party not in g or not view.visible(party):
        return []
    tree = nx.dfs_tree(g, party, depth_limit=depth)
    leaves = sorted(n for n in tree if tree.out_degree(n) == 0 and n != party)
    paths = [tuple(nx.shortest_path(tree, party, leaf)) for leaf in leaves]
    return sorted((p for p in paths if len(p) >= 3), key=lambda p: (-len(p), p))
