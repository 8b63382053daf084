"""Groups and the bank's exposure to them.

A group is a connected component of the ownership graph (shareholder and controller relations,
either direction) in the viewer's part of the graph; a party without such relations is a group
of its own. The group's head is the member nobody in the group owns or controls (the most
connected one when there are several).

Exposure of the bank to a group = loans + guarantees, where
- loans = the latest loan balance of every member that is a customer (``balances``), and
- guarantees = the amounts the members guarantee for parties outside the group (contingent
  liabilities that fall on the group when those parties fail; guarantees inside the group are
  already in its loans).
"""
from __future__ import annotations

import networkx as nx
import pandas as pd

from lib.related.graph import View


def components(view: View) -> dict[str, int]:
    """party → group number, for every visible party of the relation graph."""
    g = view.sub(view.graph.ownership)
    out: dict[str, int] = {}
    comps = sorted((sorted(c) for c in nx.weakly_connected_components(g)), key=lambda c: c[0])
    for i, comp in enumerate(comps):
        for n in comp:
            out[n] = i
    nxt = len(comps)
    for n in sorted(view.graph.parties.index):
        if n not in out and view.visible(n):
            out[n] = nxt
            nxt += 1
    return out


def group_of(view: View, party: str) -> list[str]:
    """The members of `party`'s group, sorted (just the party when it has no ownership ties)."""
    g = view.sub(view.graph.ownership)
    if party not in g or not view.visible(party):
        return [party]
    return sorted(nx.node_connected_component(g.to_undirected(as_view=True), party))


def head(view: View, members: list[str]) -> str:
    """The member nobody in the group owns or controls; the most connected such member. A group is
    closed under ownership edges, so a member's in-degree in the (scoped) ownership graph is its
    in-degree inside the group."""
    g = view.sub(view.graph.ownership)
    inside = [m for m in members if m in g]
    if not inside:
        return sorted(members)[0]
    tops = [m for m in inside if g.in_degree(m) == 0] or inside
    return sorted(tops, key=lambda m: (-g.out_degree(m), m))[0]


def exposure(view: View, members: list[str]) -> dict:
    """{loans, guarantees, total} of the bank to the group made of `members`."""
    p = view.graph.parties
    inside = set(members)
    loans = float(pd.to_numeric(p.loc[[m for m in members if m in p.index], "loans"], errors="coerce").fillna(0).sum())
    g = view.sub(view.graph.guarantees)
    guar = 0.0
    for m in members:
        if m in g:
            for _, to, data in g.out_edges(m, data=True):
                if to not in inside and data.get("amount") is not None:
                    guar += float(data["amount"])
    return {"loans": loans, "guarantees": guar, "total": loans + guar}


def exposures(view: View) -> pd.DataFrame:
    """Every group as one row: group, head, members (count), loans, guarantees, total; indexed by
    group number, plus a Series party → group number (``.attrs['member_of']``)."""
    comp = components(view)
    p = view.graph.parties
    member_of = pd.Series(comp, name="group")
    loans = pd.to_numeric(p["loans"], errors="coerce").fillna(0.0).reindex(member_of.index).fillna(0.0)
    e = view.graph.edges
    e = e[(e["relation"] == "guarantee") & e["from_party"].isin(member_of.index) & e["to_party"].isin(member_of.index)]
    gf, gt = e["from_party"].map(member_of), e["to_party"].map(member_of)
    outward = e.assign(group=gf)[gf != gt].groupby("group")["amount"].sum()
    df = pd.DataFrame({"loans": loans.groupby(member_of).sum(), "members": member_of.groupby(member_of).size()})
    df["guarantees"] = outward.reindex(df.index).fillna(0.0)
    df["total"] = df["loans"] + df["guarantees"]
    df.attrs["member_of"] = member_of
    return df
