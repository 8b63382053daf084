"""Overview's two AUM charts colour a customer type alike and list it in the same legend order,
with the legend at the foot of the figure (never over a chart's title)."""
import json

import pytest

from tests.app.test_app import run_app


def _colours(spec: dict) -> list[tuple[str, str]]:
    out = []
    for tr in spec["data"]:
        colour = (tr.get("marker") or {}).get("color") or (tr.get("line") or {}).get("color")
        out.append((tr["name"], colour))
    return out


@pytest.mark.parametrize("lang,names", [("en", ["Retail", "Corporate"]), ("zh", ["零售", "对公"])])
def test_both_aum_charts_tie_colour_and_order_to_the_customer_type(app_env, lang, names):
    at = run_app({"lang": lang})
    assert not at.exception
    trend, region = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    assert _colours(trend) == _colours(region)
    assert [n for n, _ in _colours(trend)] == names
    assert len({c for _, c in _colours(trend)}) == 2
    for spec in (trend, region):
        legend = spec["layout"]["legend"]
        assert (legend["orientation"], legend["yref"], legend["yanchor"], legend["y"]) == ("h", "container", "bottom", 0)
