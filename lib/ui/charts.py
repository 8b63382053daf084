"""Plotly styling shared by every chart: readable fonts, a palette that survives a
washed-out projector, and money axes in 万/亿 (Chinese) or K/M/B (English).

Projector mode (set once per script run with ``set_projector``; thread-local because each
Streamlit session runs in its own thread) makes every chart styled here use bigger type,
thicker lines, fewer axis ticks and a darker palette, without the pages knowing about it.
"""
from __future__ import annotations

import math
import html
import re
import threading

import pandas as pd
import plotly.graph_objects as go
from lib.core import i18n

PALETTE = ["#1F4E79", "#E07B00", "#2E8B57", "#8E44AD", "#C0392B", "#5D6D7E", "#17A2B8", "#B8860B"]
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, Arial, sans-serif"


# high contrast: dark, saturated colours that stay distinct on a washed-out projector
PROJECTOR_PALETTE = ["#003A70", "#D35400", "#00703C", "#6C1D8E", "#B00020", "#333333"]
_state = threading.local()

# one colour per category value, the same on every chart that splits by that column (keyed by the
# stored value; the legend follows this order too)
CATEGORY_COLOURS = {
    "customer_type": {"retail": PALETTE[0], "corporate": PALETTE[1]},
}
PROJECTOR_CATEGORY_COLOURS = {
    "customer_type": {"retail": PROJECTOR_PALETTE[0], "corporate": PROJECTOR_PALETTE[1]},
}
UNASSIGNED_COLOUR = "#9AA5B1"
# legends run along the foot of the figure (below the axis title), never over the chart's title
# in a narrow column; the same left-to-right order as the traces
LEGEND = dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
              traceorder="normal", title_text="")


def set_projector(on: bool) -> None:
    _state.projector = bool(on)


def projector() -> bool:
    return getattr(_state, "projector", False)


def _localise_dates(fig: go.Figure, lang: str) -> None:
    """Date axes in the language's usual form (plotly's own month names are English)."""
    if lang != "zh":
        return
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or len(xs) == 0:
            continue
        if pd.api.types.is_datetime64_any_dtype(pd.Series(list(xs[:5]))) or \
                all(hasattr(v, "year") and hasattr(v, "month") for v in list(xs[:5])):
            axis = (getattr(trace, "xaxis", None) or "x").replace("x", "xaxis", 1)
            fig.layout[axis].update(tickformat="%Y年%-m月", hoverformat="%Y年%-m月%-d日")


def _is_dates(xs) -> bool:
    head = list(xs[:5])
    return bool(head) and (pd.api.types.is_datetime64_any_dtype(pd.Series(head))
                           or all(hasattr(v, "year") and hasattr(v, "month") and hasattr(v, "day") for v in head))


def _single_date(fig: go.Figure, lang: str) -> None:
    """A date axis with one date in it (one balance snapshot) would span a few milliseconds
    around it, ticks labelled in ms: show it as one labelled category instead, and draw areas
    and lines as bars (an area of one point is invisible)."""
    dated = [tr for tr in fig.data if getattr(tr, "x", None) is not None and len(tr.x) and _is_dates(tr.x)]
    if not dated or len({pd.Timestamp(v) for tr in dated for v in tr.x}) != 1:
        return
    label = i18n.fmt_date(pd.Timestamp(dated[0].x[0]).date(), lang)
    traces = []
    for tr in fig.data:
        if tr in dated and tr.type == "scatter" and tr.mode != "markers":
            traces.append(go.Bar(x=[label] * len(tr.x), y=tr.y, name=tr.name, legendgroup=tr.legendgroup,
                                 showlegend=tr.showlegend, hovertemplate=tr.hovertemplate,
                                 marker_color=(tr.line.color if tr.line and tr.line.color else tr.fillcolor)))
        else:
            if tr in dated:
                tr.x = [label] * len(tr.x)
            traces.append(tr)
    fig.data = ()
    for tr in traces:
        fig.add_trace(tr)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")


# ---------------------------------------------------------------- escaping data for Plotly
# Plotly renders a subset of HTML in trace text, hover text, legend names and axis labels
# (<a href>, <b>, <i>, <br>, <span style>...). A branch, RM, campaign or client name from an
# upload must show as the text it is, never become a link or markup.
_APP_TAGS = re.compile(r"<(?!/?(?:br|b|i|sup|sub|extra)\s*/?>)", re.IGNORECASE)


def esc(value) -> str:
    """A value from data made safe for any Plotly text: ``<``, ``>`` and ``&`` as entities (shown as
    themselves). Idempotent, so a name escaped here and again by ``style`` shows once, not as
    "&amp;lt;"."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(html.unescape(str(value)), quote=False)


def esc_all(values) -> list[str]:
    return [esc(v) for v in values]


def _defuse_text(value):
    """App-made hover/label text keeps its own <br>, <b>, <extra>...; any other tag (a link, an
    image, a styled span -- only data can bring those) is shown as text."""
    return _APP_TAGS.sub("&lt;", value) if isinstance(value, str) else value


def _esc_array(values):
    if values is None or isinstance(values, str):
        return esc(values) if isinstance(values, str) else values
    try:
        items = list(values)
    except TypeError:
        return values
    if not any(isinstance(v, str) for v in items):
        return values
    return [esc(v) if isinstance(v, str) else v for v in items]


def _defuse_array(values):
    if isinstance(values, str):
        return _defuse_text(values)
    if values is None:
        return values
    try:
        items = list(values)
    except TypeError:
        return values
    if not any(isinstance(v, (str, list, tuple)) for v in items):
        return values
    return [_defuse_array(v) if isinstance(v, (list, tuple)) else _defuse_text(v) for v in items]


def defuse(fig: go.Figure) -> go.Figure:
    """Escape every data string of `fig` before Plotly renders it: category values on the axes
    (x, y, theta, labels), trace and legend names and the axes' category lists fully; text, hover
    text and custom data except the app's own formatting tags. Run by ``style`` on every chart."""
    for tr in fig.data:
        for attr in ("x", "y", "theta", "labels", "ids"):
            if attr in tr and tr[attr] is not None:
                tr[attr] = _esc_array(tr[attr])
        for attr in ("legendgroup", "offsetgroup"):  # not shown, but kept free of markup like the names
            if attr in tr and isinstance(tr[attr], str):
                tr[attr] = esc(tr[attr])
        if "name" in tr and isinstance(tr.name, str):
            raw, tr.name = tr.name, esc(tr.name)
            # plotly express writes a colour group's value into the hover template ("region=<value>")
            if raw != tr.name and isinstance(getattr(tr, "hovertemplate", None), str):
                tr.hovertemplate = tr.hovertemplate.replace(raw, tr.name)
        for attr in ("text", "hovertext", "customdata", "hovertemplate", "texttemplate"):
            if attr in tr and tr[attr] is not None:
                tr[attr] = _defuse_array(tr[attr])
    for key in list(fig.layout):
        if key.startswith(("xaxis", "yaxis")) or key == "polar":
            ax = fig.layout[key]
            for attr in ("categoryarray", "ticktext"):
                if attr in ax and ax[attr] is not None:
                    ax[attr] = _esc_array(ax[attr])
    for ann in fig.layout.annotations or ():
        ann.text = _defuse_text(ann.text)
    if fig.layout.title and fig.layout.title.text:
        fig.layout.title.text = _defuse_text(fig.layout.title.text)
    return fig


MAX_LABELLED_CATEGORIES = 40  # beyond this an axis keeps Plotly's own thinning (a label each would be a blur)
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}(-\d{2})?")


def _category_axes(fig: go.Figure) -> dict[str, list[str]]:
    """Axes whose traces place text values (categories: tiers, product types, branches, campaigns),
    each with its categories in first-seen order."""
    found: dict[str, list[str]] = {}
    for tr in fig.data:
        if tr.type in ("pie", "sunburst", "treemap", "sankey", "scatterpolar", "barpolar", "funnelarea"):
            continue
        for letter in ("x", "y"):
            vals = tr[letter] if letter in tr else None
            if vals is None or isinstance(vals, str):
                continue
            vals = list(vals)
            if not vals or not all(isinstance(v, str) for v in vals) or any(_DATE_LIKE.match(v) for v in vals):
                continue
            axis = (tr[f"{letter}axis"] if f"{letter}axis" in tr and tr[f"{letter}axis"] else letter)
            seen = found.setdefault(axis.replace(letter, f"{letter}axis", 1), [])
            seen.extend(v for v in dict.fromkeys(vals) if v not in seen)
    return found


def _label_every_category(fig: go.Figure, height: int) -> int:
    """Every category gets its label (Plotly drops every other one when they crowd, and the
    projector's tick limit would too): ticks listed explicitly, margins grown to fit them,
    crowded text labels angled; and a chart tall enough for its rows. Returns the height."""
    row_px = 40 if projector() else 28
    for name, cats in _category_axes(fig).items():
        if len(cats) > MAX_LABELLED_CATEGORIES or fig.layout[name].type not in (None, "category", "-"):
            continue
        fig.layout[name].update(tickmode="array", tickvals=cats, ticktext=cats, automargin=True)
        if name.startswith("xaxis"):
            longest = max((len(c) for c in cats), default=0)
            if len(cats) * max(longest, 4) > 60:  # too many or too long to stand side by side
                fig.layout[name].update(tickangle=-35)
        else:
            height = max(height, 150 + row_px * len(cats))
    return height


def style(fig: go.Figure, lang: str = "en", height: int = 380) -> go.Figure:
    defuse(fig)
    _single_date(fig, lang)
    _localise_dates(fig, lang)
    if fig.layout.title and fig.layout.title.text:  # a long title wraps below, never under the legend or axis
        fig.update_layout(title=dict(automargin=True, yref="container"))
    if projector():
        fig.update_layout(
            template="plotly_white", height=int(height * 1.15), colorway=PROJECTOR_PALETTE,
            font=dict(family=FONT, size=20, color="#000000"), title=dict(font=dict(size=26)),
            margin=dict(l=10, r=10, t=70, b=10),
            legend=dict(LEGEND, font=dict(size=20)),
            hoverlabel=dict(font_family=FONT, font_size=20),
        )
        fig.update_xaxes(nticks=6, tickfont=dict(size=18), title_font=dict(size=20), gridcolor="#BBBBBB")
        fig.update_yaxes(nticks=6, tickfont=dict(size=18), title_font=dict(size=20), gridcolor="#BBBBBB")
        fig.update_traces(selector=dict(type="scatter"), line=dict(width=4))
        fig.update_layout(height=int(_label_every_category(fig, height) * 1.15))
        return fig
    fig.update_layout(
        template="plotly_white", height=height, colorway=PALETTE,
        font=dict(family=FONT, size=14), title=dict(font=dict(size=17)),
        margin=dict(l=10, r=10, t=50, b=10),
        legend=LEGEND,
        hoverlabel=dict(font_family=FONT),
    )
    fig.update_layout(height=_label_every_category(fig, height))
    return fig


def category_colours(column: str, prefix: str, lang: str) -> dict:
    """Plotly Express keyword arguments giving `column`'s translated categories (labels `prefix.value`,
    as ``ui.labelled`` makes them) a fixed colour and legend order, so every chart split by the
    column colours a category alike; "Unassigned" comes last in grey."""
    colours = (PROJECTOR_CATEGORY_COLOURS if projector() else CATEGORY_COLOURS)[column]
    named = {i18n.t(f"{prefix}.{value}", lang): colour for value, colour in colours.items()}
    named[i18n.t("common.unassigned", lang)] = UNASSIGNED_COLOUR
    return dict(color_discrete_map=named, category_orders={column: list(named)})


def money_unit(max_value: float, lang: str) -> tuple[float, str]:
    """A divisor and unit label for a money axis whose largest value is `max_value`."""
    a = abs(max_value or 0)
    if lang == "zh":
        return (1e8, "亿元") if a >= 1e8 else (1e4, "万元") if a >= 1e4 else (1.0, "元")
    for div, unit in ((1e9, "B CNY"), (1e6, "M CNY"), (1e3, "K CNY")):
        if a >= div:
            return div, unit
    return 1.0, "CNY"


def scale_money(df: pd.DataFrame, column: str, lang: str) -> tuple[pd.DataFrame, str]:
    """A copy of `df` with `column` divided into a readable unit, and that unit's label."""
    div, unit = money_unit(df[column].abs().max() if len(df) else 0, lang)
    out = df.copy()
    out[column] = out[column] / div
    return out, unit


def unassigned(df: pd.DataFrame, column: str, lang: str) -> pd.DataFrame:
    """A copy of `df` whose missing or empty `column` (a region, branch, RM, campaign or product
    not, or not yet, in its dimension table) reads "Unassigned" in the language."""
    out = df.copy()
    blank = out[column].isna() | (out[column].astype(str).str.strip() == "")
    out[column] = out[column].astype(object).where(~blank, i18n.t("common.unassigned", lang))
    return out


_UNIT_DIVISOR = {"亿": 1e8, "万": 1e4, "B": 1e9, "M": 1e6, "K": 1e3}
_NUMBER = re.compile(r"^(?P<pre>-?¥?)(?P<num>[\d,]+(?:\.\d+)?)(?P<unit>亿|万|B|M|K)?(?P<post>.*)$")


def card_value(v, unit: str, lang: str, significant: int = 4) -> str:
    """A metric card's value: the registry unit's format (``i18n.fmt_value``: 万/亿 in Chinese, K/M/B
    in English) with at most `significant` significant digits (125.62亿元 -> 125.6亿元, 1989.2万元 ->
    1989万元), so a card's value stays short enough to show whole."""
    text = i18n.fmt_value(v, unit, lang)
    m = _NUMBER.match(text)
    if (unit not in ("cny", "count") or m is None or "." not in m["num"] or v is None
            or (isinstance(v, float) and math.isnan(v))):
        return text
    scaled = abs(float(v)) / _UNIT_DIVISOR.get(m["unit"] or "", 1.0)
    decimals = len(m["num"].split(".")[1])
    while decimals and len(str(int(round(scaled, decimals)))) + decimals > significant:
        decimals -= 1
    num = f"{scaled:,.{decimals}f}" if "," in m["num"] else f"{scaled:.{decimals}f}"
    return f"{m['pre']}{num}{m['unit'] or ''}{m['post']}"
