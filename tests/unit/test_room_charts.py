"""Things a meeting reads off the wall: card values in the compact unit with at most 4 significant
digits, every category of a chart axis labelled (also under the projector's tick limit), a chart tall
enough for its rows, and every multiselect's placeholder in the viewer's language."""
from __future__ import annotations

import ast
from pathlib import Path

import plotly.express as px
import plotly.graph_objects as go
import pytest

from lib.ui import charts

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("v, unit, lang, expected", [
    (125.62e8, "cny", "zh", "125.6亿元"),
    (-1989.2e4, "cny", "zh", "-1989万元"),
    (18.04e8, "cny", "zh", "18.04亿元"),
    (999.96e4, "cny", "zh", "1000万元"),
    (12.345e9, "cny", "en", "¥12.3B"),
    (-19.93e8, "cny", "en", "-¥2.0B"),
    (0.046, "pct", "zh", "4.6%"),
    (48, "count", "en", "48"),
    (2.76, "ratio", "en", "2.76"),
    (None, "cny", "zh", "—"),
])
def test_card_value_is_compact(v, unit, lang, expected):
    assert charts.card_value(v, unit, lang) == expected


@pytest.mark.parametrize("projector", [False, True])
def test_every_category_gets_a_label(projector):
    charts.set_projector(projector)
    try:
        types = [f"product type {i}" for i in range(12)]
        tiers = ["Private banking", "Wealth", "Potential", "Mass", "Corporate large", "Corporate mid", "Small"]
        fig = go.Figure(go.Heatmap(z=[[1] * len(types)] * len(tiers), x=types, y=tiers))
        charts.style(fig, "en", height=200)
        assert list(fig.layout.xaxis.tickvals) == types and list(fig.layout.xaxis.ticktext) == types
        assert list(fig.layout.yaxis.tickvals) == tiers
        assert fig.layout.xaxis.tickmode == "array" and fig.layout.xaxis.automargin
        assert fig.layout.xaxis.tickangle == -35  # twelve long labels do not stand side by side
        assert fig.layout.height >= 150 + (40 if projector else 28) * len(tiers)  # rows, not the caller's 200
    finally:
        charts.set_projector(False)


def test_numeric_and_date_axes_keep_plotly_ticks():
    fig = px.line(x=["2026-10-01", "2026-10-08", "2026-10-15"], y=[1, 2, 3])
    charts.style(fig, "en")
    assert fig.layout.xaxis.tickmode is None and fig.layout.yaxis.tickmode is None


def _multiselects_without_placeholder() -> list[str]:
    out = []
    for f in [*ROOT.glob("pages/*.py"), *ROOT.glob("lib/**/*.py")]:
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
                continue
            empty = n.func.attr == "multiselect" or (n.func.attr == "selectbox" and any(  # a selectbox with no choice
                k.arg == "index" and isinstance(k.value, ast.Constant) and k.value.value is None for k in n.keywords))
            if empty and not any(k.arg == "placeholder" for k in n.keywords):
                out.append(f"{f.relative_to(ROOT)}:{n.lineno}")
    return out


def test_every_multiselect_has_a_translated_placeholder():
    """Streamlit's own placeholders are English ("Choose options", "Choose an option")."""
    assert _multiselects_without_placeholder() == []
