"""One colour per category value on every chart (lib.ui.charts.category_colours), and legends below the plot."""
import pandas as pd
import plotly.express as px

from lib.ui import charts


def _bar(rows, lang):
    df = pd.DataFrame(rows, columns=["region", "customer_type", "aum"])
    return px.bar(df, x="aum", y="region", color="customer_type", orientation="h",
                  **charts.category_colours("customer_type", "overview.customer_type", lang))


def test_a_category_keeps_its_colour_whatever_order_the_data_comes_in():
    one = _bar([("East", "对公", 1), ("East", "零售", 2)], "zh")
    two = _bar([("West", "零售", 5), ("West", "未分配", 1), ("West", "对公", 3)], "zh")
    colours = lambda fig: {tr.name: tr.marker.color for tr in fig.data}
    assert colours(one) == {"零售": charts.PALETTE[0], "对公": charts.PALETTE[1]}
    assert colours(two) == {**colours(one), "未分配": charts.UNASSIGNED_COLOUR}
    assert [tr.name for tr in one.data] == ["零售", "对公"]  # legend order: retail first, both charts
    assert [tr.name for tr in two.data] == ["零售", "对公", "未分配"]


def test_projector_mode_uses_its_own_darker_colours():
    charts.set_projector(True)
    try:
        fig = _bar([("East", "Corporate", 1), ("East", "Retail", 2)], "en")
    finally:
        charts.set_projector(False)
    assert {tr.name: tr.marker.color for tr in fig.data} == {
        "Retail": charts.PROJECTOR_PALETTE[0], "Corporate": charts.PROJECTOR_PALETTE[1]}


def test_legends_sit_below_the_plot_not_under_the_title():
    for projector in (False, True):
        charts.set_projector(projector)
        try:
            fig = charts.style(_bar([("East", "零售", 1)], "zh").update_layout(title="最新快照各区域 AUM"), "zh")
        finally:
            charts.set_projector(False)
        assert (fig.layout.legend.yref, fig.layout.legend.yanchor, fig.layout.legend.y) == ("container", "bottom", 0)
        assert fig.layout.title.yref == "container"
