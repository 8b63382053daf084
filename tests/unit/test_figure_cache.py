"""Chart builders share their figure across runs and sessions (lib.ui.shell.cached_figure): one build
per (arguments, data version, language, projector, names shown); a closure argument builds every time."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.ui import shell as ui

BUILDS: list = []


@ui.cached_figure
def _bar(df: pd.DataFrame, title: str, label=str) -> go.Figure:
    BUILDS.append(title)
    return go.Figure(go.Bar(x=df["x"], y=df["y"], name=label("y")), layout={"title": {"text": title}})


@pytest.fixture
def view(monkeypatch):
    state = {"dbkey": ("bank.duckdb", 1), "lang": "en", "projector": False, "names": False}
    monkeypatch.setattr(ui, "_dbkey", lambda: state["dbkey"])
    monkeypatch.setattr(ui, "lang", lambda: state["lang"])
    monkeypatch.setattr(ui, "projector", lambda: state["projector"])
    monkeypatch.setattr(ui, "show_personal", lambda: state["names"])
    ui._figure.clear()
    BUILDS.clear()
    yield state
    ui._figure.clear()


def test_one_build_per_view_and_data(view):
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    first = _bar(df, "AUM")
    assert _bar(df.copy(), "AUM") is first and BUILDS == ["AUM"]          # same content: the shared figure
    assert _bar(df, "AUM growth") is not first                          # other arguments
    changed = pd.DataFrame({"x": [1, 2], "y": [3, 5]})
    assert _bar(changed, "AUM") is not first                            # other data
    for key, value in (("lang", "zh"), ("projector", True), ("names", True), ("dbkey", ("bank.duckdb", 2))):
        view[key] = value
        assert _bar(df, "AUM") is not first, key                        # each part of the view counts
    assert len(BUILDS) == 7


def test_a_closure_argument_builds_every_time(view):
    df = pd.DataFrame({"x": [1], "y": [2]})
    secret = "Zhang San"
    masked = lambda s: "Z** S**" if s else secret  # noqa: E731 - what a masking label function looks like
    a, b = _bar(df, "net", label=masked), _bar(df, "net", label=masked)
    assert a is not b and BUILDS == ["net", "net"]
    assert _bar(df, "net", label=str) is _bar(df, "net", label=str)      # a plain function is fine
