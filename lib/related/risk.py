"""Risk facts of a party, the risk flag of a client, and the flag's reason as a path.

Risk facts (``facts``) of a party, each with a severity:
- high: overdue ``OVERDUE_HIGH`` days or more; under enforcement (被执行); a loan of the bank
  classified substandard, doubtful or loss (latest balance snapshot);
- medium: overdue ``OVERDUE_MEDIUM``–89 days; debt ratio ``DEBT_RATIO_MEDIUM`` or more;
  in litigation; a loan classified watch (关注).

A client's flag comes from the nearest party with risk facts within ``FLAG_HOPS`` relations (any
type, either direction) in the viewer's part of the graph, high-severity parties first:
- the client itself, or a party one relation away: the party's severity;
- two relations away: one step lower (high → medium, medium → low);
- a client in a guarantee circle is at least medium ("in a guarantee circle: A → B → C → A").
The reason is the path from the client to that party, e.g.
"A ← guarantor of B (¥30M) ← B overdue 95 days": each step says what the previous party is to
the next one, the last one says what is wrong with the party at the end.
"""
from __future__ import annotations

import re

import networkx as nx
import pandas as pd

from lib.core import i18n
from lib.related.graph import View
from lib.related.levels import BAD_LOANS, DEBT_RATIO_MEDIUM, OVERDUE_HIGH, OVERDUE_MEDIUM, party_levels  # noqa: F401

FLAG_HOPS = 2
LEVELS = ("high", "medium", "low")
LEVEL_RANK = {"high": 0, "medium": 1, "low": 2, None: 3}
STEP_PRIORITY = ("guarantee", "controller", "shareholder", "legal_rep", "supply_chain")
SEP = " ← "


def _t(key: str, lang: str, **kw) -> str:
    return i18n.t(f"related.{key}", lang, **kw)


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


# ---------------------------------------------------------------- facts of one party
def facts(row) -> list[tuple[str, str, object]]:
    """(severity, fact, value) of a party row (graph.parties), most severe first."""
    out = []
    overdue = _num(row.get("overdue_days"))
    if overdue is not None and overdue >= OVERDUE_HIGH:
        out.append(("high", "overdue", int(overdue)))
    if bool(row.get("enforcement")) and not pd.isna(row.get("enforcement")):
        out.append(("high", "enforcement", None))
    status = row.get("loan_status")
    if isinstance(status, str) and status in BAD_LOANS:
        out.append(("high", "loan_status", status))
    if overdue is not None and OVERDUE_MEDIUM <= overdue < OVERDUE_HIGH:
        out.append(("medium", "overdue", int(overdue)))
    debt = _num(row.get("debt_ratio"))
    if debt is not None and debt >= DEBT_RATIO_MEDIUM:
        out.append(("medium", "debt_ratio", debt))
    if bool(row.get("litigation")) and not pd.isna(row.get("litigation")):
        out.append(("medium", "litigation", None))
    if status == "watch":
        out.append(("medium", "loan_status", status))
    return out


def _risk(view: View) -> dict[str, str]:
    """party → 'high' / 'medium' for the parties with a risk fact (kept with the cached graph)."""
    g = view.graph
    hit = g._views.get("__risk__")
    if hit is None:
        hit = {p: v for p, v in zip(g.parties.index, g.parties["risk"]) if isinstance(v, str)}
        g._views["__risk__"] = hit
    return hit


# ---------------------------------------------------------------- flags
def _lower(level: str) -> str:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def _level(severity: str, hops: int) -> str:
    return severity if hops <= 1 else _lower(severity)


def _best(candidates: list[tuple[str, tuple]]) -> tuple[str, tuple] | None:
    """The candidate (level, path) with the worst level, then the shortest path, then by ids."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (LEVEL_RANK[c[0]], len(c[1]), c[1]))


def client_flag(view: View, client: str, circle_members: list[tuple] | None = None) -> dict | None:
    """The flag of one client: {level, path (client … risky party), circle (or None)}; None
    when nothing within FLAG_HOPS carries a risk fact and the client is in no guarantee circle."""
    if client not in view.graph.undirected or not view.visible(client):
        return None
    risk = _risk(view)
    und = view.sub(view.graph.undirected)
    paths = nx.single_source_shortest_path(und, client, cutoff=FLAG_HOPS)
    cands = [(_level(risk[n], len(p) - 1), tuple(p)) for n, p in paths.items() if risk.get(n) is not None]
    f = _with_circle(_best(cands), circle_members)
    return None if f is None else {"client": client, **f}


def _with_circle(best, circle_members):
    circle = min(circle_members, key=lambda c: (len(c), c)) if circle_members else None
    if best is None:
        return None if circle is None else {"level": "medium", "path": (), "circle": circle}
    level, path = best
    if circle is not None and LEVEL_RANK[level] > LEVEL_RANK["medium"]:
        return {"level": "medium", "path": (), "circle": circle}
    return {"level": level, "path": path, "circle": circle}


def flags(view: View, circles: list[dict]) -> pd.DataFrame:
    """The flag of every in-scope client that has one: client, level, hops, path, circle; worst
    first. One multi-source search per severity (networkx), not one search per client."""
    risk = _risk(view)
    und = view.sub(view.graph.undirected)
    by_client: dict[str, list] = {}
    for severity in ("high", "medium"):
        sources = sorted(n for n, v in risk.items() if v == severity and n in und)
        if not sources:
            continue
        _, paths = nx.multi_source_dijkstra(und, sources, cutoff=FLAG_HOPS)
        for node, p in paths.items():
            by_client.setdefault(node, []).append((_level(severity, len(p) - 1), tuple(reversed(p))))
    in_circle: dict[str, list] = {}
    for c in circles:
        for m in c["members"]:
            in_circle.setdefault(m, []).append(c["members"])
    rows = []
    for client in view.clients:
        f = _with_circle(_best(by_client.get(client, [])), in_circle.get(client))
        if f is not None:
            rows.append({"client": client, "level": f["level"], "hops": max(len(f["path"]) - 1, 0) if f["path"] else None,
                         "path": f["path"], "circle": f["circle"]})
    df = pd.DataFrame(rows, columns=["client", "level", "hops", "path", "circle"])
    if df.empty:
        return df
    df["rank"] = df["level"].map(LEVEL_RANK)
    return df.sort_values(["rank", "hops", "client"], na_position="last").drop(columns="rank").reset_index(drop=True)


# ---------------------------------------------------------------- reason text
def money(v, lang: str) -> str:
    """A compact amount for a sentence: ¥30M, ¥2.5M / 3000万元 (no trailing .0)."""
    return re.sub(r"\.0(?=\D|$)", "", i18n.fmt_money(v, lang, 1))


def _pct(v, lang: str) -> str:
    return re.sub(r"\.0(?=%)", "", i18n.fmt_pct(v, lang, 1))


def step_text(view: View, a: str, b: str, label, lang: str) -> str:
    """What `a` is to `b`, e.g. "guarantor of B (¥30M)" / "为B担保（3000万元）"."""
    options = view.graph.relations_between(a, b)
    rel, back, (share, amount) = min(options, key=lambda o: (STEP_PRIORITY.index(o[0]), o[1]))
    key = f"step.{rel}" + ("" if rel == "legal_rep" else (".in" if back else ".out"))
    text = _t(key, lang, other=label(b))
    if rel == "guarantee" and amount is not None:
        text += _t("paren", lang, v=money(amount, lang))
    if rel == "shareholder" and share is not None:
        text += _t("paren", lang, v=_pct(share, lang))
    return text


def fact_text(row, label, party: str, lang: str) -> str:
    """The worst risk fact of a party in words, e.g. "B overdue 95 days" / "B逾期95天"."""
    fs = facts(row)
    if not fs:
        return label(party)
    _, fact, value = fs[0]
    if fact == "overdue":
        return _t("fact.overdue", lang, name=label(party), days=value)
    if fact == "debt_ratio":
        return _t("fact.debt_ratio", lang, name=label(party), pct=_pct(value, lang))
    if fact == "loan_status":
        return _t("fact.loan_status", lang, name=label(party), status=_t(f"loan_status.{value}", lang))
    return _t(f"fact.{fact}", lang, name=label(party))


def reason(view: View, flag: dict, label, lang: str) -> str:
    """The reason of a flag as one line, labels from `label(party)` (masked by the caller)."""
    path = tuple(flag.get("path") or ())
    if not path:
        circle = list(flag["circle"])
        client = flag.get("client")
        if client in circle:  # the ring read from the client
            i = circle.index(client)
            circle = circle[i:] + circle[:i]
        ring = " → ".join(label(m) for m in (*circle, circle[0]))
        return _t("fact.circle", lang, name=label(circle[0]), ring=ring)
    end = path[-1]
    if len(path) == 1:  # the client itself carries the risk fact
        return fact_text(view.graph.party(end), label, end, lang)
    parts = [label(path[0])]
    parts += [step_text(view, a, b, label, lang) for a, b in zip(path, path[1:])]
    end = path[-1]
    parts.append(fact_text(view.graph.party(end), label, end, lang))
    return SEP.join(parts)


def all_facts_text(row, lang: str) -> str:
    """Every risk fact of a party, for a tooltip (without the name)."""
    out = []
    for _, fact, value in facts(row):
        if fact == "overdue":
            out.append(_t("fact.short.overdue", lang, days=value))
        elif fact == "debt_ratio":
            out.append(_t("fact.short.debt_ratio", lang, pct=_pct(value, lang)))
        elif fact == "loan_status":
            out.append(_t("fact.short.loan_status", lang, status=_t(f"loan_status.{value}", lang)))
        else:
            out.append(_t(f"fact.short.{fact}", lang))
    return _t("list_sep", lang).join(out)
