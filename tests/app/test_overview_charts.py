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


def test_new_customers_card_is_a_dash_with_the_reason_when_no_open_date_is_loaded(fresh_demo):
    from lib.core.db import forget_database, open_database
    db = open_database(fresh_demo)
    with db.transaction() as cur:
        cur.execute("UPDATE customers SET open_date = NULL")
    forget_database(fresh_demo)
    at = run_app()
    assert not at.exception
    card = next(m for m in at.metric if m.label == "New customers")
    assert card.value == "—"
    assert card.help.startswith("Unknown, not 0: Account opening date is empty in every row of the loaded "
                                "**Core banking / CRM customer export**."), card.help
    assert next(m for m in at.metric if m.label == "AUM").value != "—"
