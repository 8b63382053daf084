"""Overview's two charts: AUM over time and AUM per region, split by customer type.

Both take the cached frames of lib.metrics.registry (``aum_trend``, ``aum_by_region``) and are shared
figures (``ui.cached_figure``): labels in the viewer's language, money in its compact unit, customers
of branches not loaded yet under "Unassigned"."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from lib.ui import charts
from lib.ui import shell as ui


def _colours() -> dict:
    return charts.category_colours("customer_type", "overview.customer_type", ui.lang())


@ui.cached_figure
def aum_trend_chart(raw: pd.DataFrame) -> go.Figure:
    trend = ui.labelled(raw, "customer_type", "overview.customer_type")
    trend, unit = ui.money_column(trend, "aum")
    fig = px.area(trend, x="as_of", y="aum", color="customer_type",
                  labels={"as_of": ui.t("overview.axis.date"), "aum": ui.t("overview.axis.aum", unit=unit),
                          "customer_type": ui.t("overview.legend.customer_type")},
                  title=ui.t("overview.aum_trend"), **_colours())
    return charts.style(fig, ui.lang())


@ui.cached_figure
def aum_region_chart(raw: pd.DataFrame) -> go.Figure:
    by_region = ui.labelled(raw, "customer_type", "overview.customer_type")
    by_region = charts.unassigned(by_region, "region", ui.lang())  # customers of branches not loaded yet
    by_region, unit = ui.money_column(by_region, "aum")
    fig = px.bar(by_region, x="aum", y="region", color="customer_type", orientation="h",
                 labels={"region": ui.t("overview.axis.region"), "aum": ui.t("overview.axis.aum", unit=unit),
                         "customer_type": ui.t("overview.legend.customer_type")},
                 title=ui.t("overview.aum_by_region"), **_colours())
    return charts.style(fig, ui.lang())
