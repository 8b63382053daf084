"""The Related-party risk page's figures, each a function ``(db, scope, ...)`` that the page runs
through the data-version cache (``lib.ui.shell.cached``). Ids and raw names only: the page's helpers
(``lib.related.ui``) mask names and word the reasons in the viewer's language."""
from __future__ import annotations

import networkx as nx
import pandas as pd

from lib.core.db import Database, Scope
from lib.related import circles as circles_mod
from lib.related import graph, groups, risk

MAX_NODES = 80  # a neighbourhood picture stays readable on a 1024×768 projector


def has_relations(db: Database) -> bool:
    return db.has_rows("relations")


def as_of(db: Database):
    """The day the relations in force are read for (the latest balance snapshot, else today)."""
    return graph.load(db).as_of


def _circles(view: graph.View) -> list[dict]:
    hit = view.graph._views.get(("__circles__", view.hidden))
    if hit is None:
        hit = circles_mod.circles(view)
        view.graph._views[("__circles__", view.hidden)] = hit
    return hit


def _groups(view: graph.View) -> tuple[pd.DataFrame, dict]:
    """Every group's exposure (groups.exposures) and its members, kept with the cached graph per scope."""
    key = ("__groups__", view.hidden)
    hit = view.graph._views.get(key)
    if hit is None:
        ex = groups.exposures(view)
        member_of = ex.attrs["member_of"]
        hit = (ex, {g: sorted(m) for g, m in member_of.groupby(member_of).groups.items()})
        view.graph._views[key] = hit
    return hit


def _head(view: graph.View, gid, members: list[str]) -> str:
    key = ("__head__", view.hidden, gid)
    hit = view.graph._views.get(key)
    if hit is None:
        hit = groups.head(view, members)
        view.graph._views[key] = hit
    return hit


def flagged(db: Database, scope: Scope) -> pd.DataFrame:
    """Every flagged in-scope client, worst first, with its group and the bank's exposure to it:
    client, name, branch_id, industry, level, hops, path, circle, group_head, group_size,
    loans, guarantees, exposure."""
    view = graph.scoped(db, scope)
    key = ("__flagged__", view.hidden)  # kept with the shared graph: summary, list and picker read it once
    hit = view.graph._views.get(key)
    if hit is None:
        hit = view.graph._views[key] = _flagged(view)
    return hit.copy()


def _flagged(view: graph.View) -> pd.DataFrame:
    df = risk.flags(view, _circles(view))
    cols = ["client", "name", "branch_id", "industry", "level", "hops", "path", "circle",
            "group_head", "group_size", "loans", "guarantees", "exposure"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    ex, by_group = _groups(view)
    member_of = ex.attrs["member_of"]
    p = view.graph.parties
    df["name"] = df["client"].map(p["name"])
    df["branch_id"] = df["client"].map(p["branch_id"])
    df["industry"] = df["client"].map(p["industry"])
    gid = df["client"].map(member_of)
    heads = {g: _head(view, g, by_group[g]) if ex.at[g, "members"] > 1 else None for g in gid.unique()}
    df["group_head"] = [heads[g] or c for g, c in zip(gid, df["client"])]
    df["group_size"] = gid.map(ex["members"]).astype(int)
    df["loans"] = gid.map(ex["loans"])
    df["guarantees"] = gid.map(ex["guarantees"])
    df["exposure"] = gid.map(ex["total"])
    df["rank"] = df["level"].map(risk.LEVEL_RANK)
    df = df.sort_values(["rank", "exposure", "client"], ascending=[True, False, True])
    return df[cols].reset_index(drop=True)


def summary(db: Database, scope: Scope) -> dict:
    """Counts for the page's headline: clients with relations, flagged per level, circles."""
    view = graph.scoped(db, scope)
    f = flagged(db, scope)
    counts = f["level"].value_counts().to_dict() if len(f) else {}
    return {"clients": len(view.clients), "flagged": len(f), "high": int(counts.get("high", 0)),
            "medium": int(counts.get("medium", 0)), "low": int(counts.get("low", 0)),
            "circles": len(_circles(view))}


def circle_table(db: Database, scope: Scope) -> pd.DataFrame:
    """The guarantee circles the viewer may see: circle (1…), members (ids in guarantee order),
    size, amount (sum of its guarantees), risky (members with a risk fact), worst (their worst)."""
    view = graph.scoped(db, scope)
    rk = risk._risk(view)
    rows = []
    for i, c in enumerate(_circles(view), 1):
        levels = [rk.get(m) for m in c["members"] if rk.get(m) is not None]
        rows.append({"circle": i, "members": c["members"], "amounts": c["amounts"], "size": c["size"],
                     "amount": c["amount"], "risky": len(levels),
                     "worst": min(levels, key=risk.LEVEL_RANK.get) if levels else None})
    return pd.DataFrame(rows, columns=["circle", "members", "amounts", "size", "amount", "risky", "worst"])


def client_options(db: Database, scope: Scope, limit: int = 300) -> list[str]:
    """Clients to pick from: the flagged ones worst first, then the rest by id (at most `limit`)."""
    view = graph.scoped(db, scope)
    first = list(flagged(db, scope)["client"])
    seen = set(first)
    rest = [c for c in view.clients if c not in seen]
    return (first + rest)[:limit]


def is_client(db: Database, scope: Scope, client: str | None) -> bool:
    """Whether `client` is an in-scope corporate customer with relations (a URL may name anyone)."""
    return bool(client) and client in set(graph.scoped(db, scope).clients)


def client_view(db: Database, scope: Scope, client: str, k: int = 2,
                relations: tuple[str, ...] | None = None) -> dict:
    """One client's neighbourhood and standing:
    nodes (party, name, is_customer, industry, hop, risk, x, y + risk facts), edges (from_party,
    to_party, relation, share_pct, amount), truncated (nodes left out to keep the picture readable),
    flag, group (members), head, exposure, circles, chains."""
    view = graph.scoped(db, scope)
    near = graph.neighbourhood(view, client, k, relations)
    truncated = 0
    if len(near) > MAX_NODES:
        und = view.graph.undirected
        keep = sorted(near, key=lambda n: (near[n], -und.degree(n), n))[:MAX_NODES]
        truncated = len(near) - MAX_NODES
        near = {n: near[n] for n in keep}
    p = view.graph.parties
    nodes = p.loc[list(near)].reset_index(drop=True)
    nodes["hop"] = nodes["party"].map(near)
    nodes["risk"] = nodes["party"].map(risk._risk(view))
    edges = graph.edges_among(view, list(near), relations)
    pos = _layout(list(near), edges, client)
    nodes["x"] = nodes["party"].map(lambda n: pos[n][0])
    nodes["y"] = nodes["party"].map(lambda n: pos[n][1])
    all_circles = _circles(view)
    mine = circles_mod.circles_of(view, client, all_circles)
    flag = risk.client_flag(view, client, [c["members"] for c in mine])
    ex, by_group = _groups(view)
    gid = ex.attrs["member_of"][client]
    members = by_group[gid]
    exposure = {k: float(ex.at[gid, k]) for k in ("loans", "guarantees", "total")}
    return {"nodes": nodes, "edges": edges, "truncated": truncated, "flag": flag, "group": members,
            "head": _head(view, gid, members) if len(members) > 1 else client, "exposure": exposure,
            "circles": mine, "chains": circles_mod.chains(view, client)}


def _layout(nodes: list[str], edges: pd.DataFrame, center: str) -> dict:
    """Node positions: the client in the middle, a force layout around it (seeded, so stable)."""
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_edges_from(sorted(set(zip(edges["from_party"], edges["to_party"]))))
    if len(g) == 1:
        return {center: (0.0, 0.0)}
    pos = nx.spring_layout(g, seed=7, center=(0, 0), fixed=None, k=1.6 / max(len(g), 1) ** 0.5)
    cx, cy = pos[center]
    return {n: (float(x - cx), float(y - cy)) for n, (x, y) in pos.items()}


def party_label_frame(db: Database, scope: Scope, parties: tuple[str, ...]) -> pd.DataFrame:
    """party, name, is_customer of the given parties (for labels of paths and circles)."""
    p = graph.scoped(db, scope).graph.parties
    known = [x for x in parties if x in p.index]
    return p.loc[known, ["party", "name", "is_customer"]].reset_index(drop=True)
