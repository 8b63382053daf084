"""Names from data reach Plotly as text: no link, image or markup tag from a payload survives in a
figure's JSON (lib.ui.charts.esc / defuse, run by charts.style on every chart)."""
from __future__ import annotations

import re

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from lib.ui import charts

PAYLOAD = 'Lujiazui <a href="http://evil.example/phish">verify</a> <b>BOLD</b><img src=x onerror=alert(1)>'
LIVE = re.compile(r"<\s*(a|img|span|script|iframe|svg)\b", re.IGNORECASE)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def _live_tags(fig: go.Figure) -> list[str]:
    spec = fig.to_plotly_json()
    return [s for s in _strings(spec) if "evil" in s or "BOLD" in s if LIVE.search(s)]


def test_esc_is_idempotent_and_shows_the_text():
    once = charts.esc(PAYLOAD)
    assert "<" not in once and ">" not in once
    assert charts.esc(once) == once
    assert charts.esc("Smith & Sons") == "Smith &amp; Sons"
    assert charts.esc(None) == ""


def test_bar_with_payload_category_and_legend_names():
    df = pd.DataFrame({"branch_name": [PAYLOAD, "West One"], "aum": [1.0, 2.0], "region": [PAYLOAD, "West"]})
    fig = charts.style(px.bar(df, x="aum", y="branch_name", color="region", orientation="h",
                              title=f"AUM of {PAYLOAD}"), "en")
    assert not _live_tags(fig)
    for tr in fig.data:  # names and categories: the whole payload is text, <b> included
        assert "<" not in tr.name and all("<" not in str(v) for v in tr.y)
        assert "<b>BOLD" not in tr.hovertemplate
    assert any("&lt;a href" in s for s in _strings(fig.to_plotly_json()))


def test_text_hover_and_customdata_keep_app_tags_only():
    fig = go.Figure(go.Scatter(x=[1], y=[2], mode="markers+text", text=[PAYLOAD], hovertext=[f"{PAYLOAD}<br>AUM 1M"],
                               customdata=[[PAYLOAD, "B1"]],
                               hovertemplate="%{customdata[0]}<br>%{x}<extra></extra>"))
    fig.update_yaxes(type="category", categoryarray=[PAYLOAD], ticktext=[PAYLOAD], tickvals=[2])
    fig.add_annotation(x=1, y=2, text=PAYLOAD)
    charts.style(fig, "zh")
    assert not _live_tags(fig)
    tr = fig.data[0]
    assert tr.hovertext[0].endswith("<br>AUM 1M")  # the app's own line break stays live
    assert tr.hovertemplate == "%{customdata[0]}<br>%{x}<extra></extra>"


def test_polar_and_funnel_names():
    fig = go.Figure(go.Scatterpolar(r=[1, 2, 3], theta=[PAYLOAD, "b", "c"], name=PAYLOAD))
    fig.add_trace(go.Funnel(y=[PAYLOAD, "x"], x=[3, 1], text=[PAYLOAD, "x"]))
    assert not _live_tags(charts.style(fig, "en"))
