"""Every visible string, in English and 简体中文, and locale-aware number formatting.

Strings live in ``lib/core/strings/<area>.py`` as ``STRINGS = {key: {"en": ..., "zh": ...}}``;
this module merges them (a key defined twice is an error) and ``t(key, lang, **kw)``
formats one. A missing key raises KeyError in tests and shows the key in the app, so an
untranslated literal is visible instead of silently English.

Numbers: Chinese uses 万 (1e4) and 亿 (1e8); English uses K, M, B. Money is CNY.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
from datetime import date

import lib.core.strings as _strings_pkg

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_NAMES = {"en": "English", "zh": "简体中文"}


def _load() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for mod in pkgutil.iter_modules(_strings_pkg.__path__):
        strings = importlib.import_module(f"lib.core.strings.{mod.name}").STRINGS
        for k, v in strings.items():
            if k in merged:
                raise ValueError(f"i18n key {k!r} defined twice (lib/core/strings/{mod.name}.py)")
            merged[k] = v
    return merged


STRINGS = _load()


def t(key: str, lang: str = DEFAULT_LANG, **kw) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return f"⟦{key}⟧"
    text = entry.get(lang) or entry["en"]
    return text.format(**kw) if kw else text


def norm_lang(value: object) -> str:
    v = str(value or "").lower()
    return "zh" if v.startswith("zh") else "en"


# ---------------------------------------------------------------- numbers
def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt_number(v, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A compact number: 1.2万 / 3.45亿 in Chinese, 12.3K / 4.5M / 1.2B in English."""
    if _is_missing(v):
        return "—"
    a, sign = abs(float(v)), "-" if float(v) < 0 else ""
    if lang == "zh":
        if a >= 1e8:
            return f"{sign}{a / 1e8:.{digits + 1}f}亿"
        if a >= 1e4:
            return f"{sign}{a / 1e4:.{digits + 1 if a < 1e6 else digits}f}万"
        return f"{sign}{a:,.0f}" if a >= 100 or a == int(a) else f"{sign}{a:.2f}"
    for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if a >= div:
            return f"{sign}{a / div:.{digits}f}{unit}"
    return f"{sign}{a:,.0f}" if a >= 100 or a == int(a) else f"{sign}{a:.2f}"


def fmt_money(v, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """CNY amount: '¥1.2M' in English, '1.23亿元' in Chinese."""
    if _is_missing(v):
        return "—"
    n = fmt_number(v, lang, digits)
    return f"{n}元" if lang == "zh" else (f"-¥{n[1:]}" if n.startswith("-") else f"¥{n}")


def fmt_pct(v, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    if _is_missing(v):
        return "—"
    return f"{float(v) * 100:.{digits}f}%"


def fmt_count(v, lang: str = DEFAULT_LANG) -> str:
    if _is_missing(v):
        return "—"
    return fmt_number(v, lang) if abs(float(v)) >= 1e5 else f"{float(v):,.0f}"


def fmt_value(v, unit: str, lang: str = DEFAULT_LANG) -> str:
    """Format a metric value by its registry unit (cny, pct, count, ratio)."""
    if unit == "cny":
        return fmt_money(v, lang)
    if unit == "pct":
        return fmt_pct(v, lang)
    if unit == "count":
        return fmt_count(v, lang)
    return "—" if _is_missing(v) else f"{float(v):.2f}"


def fmt_date(d: date | None, lang: str = DEFAULT_LANG) -> str:
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.strftime("%d %b %Y")
