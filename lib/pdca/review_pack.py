"""The weekly review pack: the week's KPIs, the burn-ups of the key targets, the ledger and the
meeting notes as one self-contained HTML file (inline CSS and SVG charts, no scripts, no external
files) and as a PDF printed from that HTML by Chromium (through Playwright, driving the system's
``/usr/bin/chromium``; Chinese needs a CJK font such as Debian's fonts-noto-cjk).

No Streamlit here. Every text comes from ``lib.core.i18n`` in the chosen language.
"""
from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pandas as pd

from lib.core import i18n
from lib.core import labels
from lib.pdca import ledger
from lib.team import playbook
from lib.metrics import registry as metrics
from lib.pdca import plan as pdca
from lib.metrics import plan
from lib.core.db import Database, Scope

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COLOURS = {"actual": "#1F4E79", "plan": "#5D6D7E", "last_quarter": "#8E44AD", "forecast": "#E07B00",
           "on_track": "#2E8B57", "at_risk": "#B35F00", "off_track": "#C0392B"}
CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", Arial, sans-serif;
       color: #1b2631; margin: 24px; font-size: 13px; }
h1 { font-size: 22px; margin: 0 0 4px; color: #1F4E79; }
h2 { font-size: 17px; margin: 22px 0 8px; color: #1F4E79; border-bottom: 2px solid #1F4E79; padding-bottom: 3px; }
.meta { color: #5d6d7e; margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #d5dbe1; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eaf0f6; }
td.num { text-align: right; white-space: nowrap; }
tr.overdue td { background: #fdecea; color: #8b1a10; font-weight: 600; }
.on_track { color: #2E8B57; font-weight: 700; } .at_risk { color: #B35F00; font-weight: 700; }
.off_track { color: #C0392B; font-weight: 700; }
.burnup { page-break-inside: avoid; margin-bottom: 14px; }
.notes { white-space: pre-wrap; border-left: 4px solid #1F4E79; padding: 6px 10px; background: #f6f8fa; }
footer { margin-top: 24px; color: #5d6d7e; font-size: 11px; }
@page { size: A4; margin: 14mm; }
"""


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _md(text: str) -> str:
    """The only markdown the sentences use: **bold**."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", _e(text))


def svg_burnup(b: dict, lang: str, width: int = 680, height: int = 250) -> str:
    """A small line chart of one burn-up (actual, plan pace, last quarter, forecast, target)."""
    df = b["frame"]
    unit = b["unit"]
    series = [("last_quarter", "pdca.bu.series.last_quarter", "4 3"), ("plan", "pdca.bu.series.plan", "7 4"),
              ("forecast", "pdca.bu.series.forecast", "6 3"), ("actual", "pdca.bu.series.actual", "")]
    vals = [v for c, _, _ in series for v in df[c] if v is not None and not pd.isna(v)]
    if b["target"] is not None:
        vals.append(b["target"])
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    if unit != "pct" and b["kind"] == "flow":
        lo = min(lo, 0.0)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    floor = 0.0 if (b["kind"] == "flow" and lo >= 0) else None
    lo, hi = lo - pad, hi + pad
    if floor is not None:
        lo = max(lo, floor)
    left, right, top, bottom = 78, 16, 14, 52
    pw, ph = width - left - right, height - top - bottom

    def x(w):
        return left + pw * w / 13

    def y(v):
        return top + ph * (1 - (v - lo) / (hi - lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-size="11" font-family="inherit">']
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e8eb"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#5d6d7e">'
                   f'{_e(i18n.fmt_value(v, unit, lang))}</text>')
    for w in range(0, 14):
        out.append(f'<text x="{x(w):.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#5d6d7e">{w}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 30}" text-anchor="middle" fill="#5d6d7e">'
               f'{_e(i18n.t("pdca.bu.axis.week", lang))}</text>')
    if b["target"] is not None:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(b["target"]):.1f}" y2="{y(b["target"]):.1f}" '
                   f'stroke="#1F4E79" stroke-width="1"/>')
    for col, key, dash in series:
        s = df[["week", col]].dropna()
        if len(s) < 1:
            continue
        colour = COLOURS.get(b["status"], COLOURS["actual"]) if col == "actual" else COLOURS[col]
        pts = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in zip(s["week"], s[col]))
        width_px = 3.5 if col == "actual" else 2
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width_px}" '
                   f'{f"stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""} points="{pts}"/>')
    lx = left
    for col, key, dash in [*series, ("target", "pdca.bu.series.target", "")]:
        colour = "#1F4E79" if col == "target" else (COLOURS.get(b["status"], COLOURS["actual"]) if col == "actual"
                                                     else COLOURS[col])
        name = i18n.t(key, lang)
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{height - 8}" y2="{height - 8}" stroke="{colour}" '
                   f'stroke-width="3"/><text x="{lx + 22}" y="{height - 4}" fill="#1b2631">{_e(name)}</text>')
        lx += 30 + 7 * len(name) * (2 if lang == "zh" else 1)
    out.append("</svg>")
    return "".join(out)


def _cell(v) -> str:
    """A table cell as the pack prints it: blanks as "—" (never "None", "nan" or "NaT"), whole numbers
    without decimals, other numbers with two; formatted text as it is."""
    if labels.is_blank(v):
        return labels.BLANK
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
    if isinstance(v, (date, pd.Timestamp)):
        return v.strftime("%Y-%m-%d")
    return str(v)


def _table(headers: list[str], rows: list[list], num_cols: set[int] = frozenset(), row_classes=None) -> str:
    rows = [[_cell(v) for v in r] for r in rows]
    out = ["<table><thead><tr>", *[f"<th>{_e(h)}</th>" for h in headers], "</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(
            f'<td class="num">{_e(v)}</td>' if j in num_cols else f"<td>{_e(v)}</td>" for j, v in enumerate(r))
            + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def build_html(db: Database, quarter: str, scope: Scope, keys: tuple[str, ...], lang: str, scope_label: str,
               user: str, today: date, week: int | None = None, bus: dict | None = None,
               wk: pd.DataFrame | None = None) -> str:
    """The pack as one HTML document. `bus` / `wk` may be passed when the caller already has the
    burn-ups and the weekly KPIs (the page's cache); otherwise they are computed."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    prog = metrics.quarter_progress(db, quarter)
    week = week or prog["week"]
    bus = bus if bus is not None else pdca.burnups(db, keys, quarter, scope)
    wk = wk if wk is not None else pdca.weekly_kpis(db, quarter, scope, keys)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{_e(t('pdca.pack.title', quarter=quarter, week=week))}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(t('pdca.pack.title', quarter=quarter, week=week))}</h1>",
             f'<div class="meta">{_e(t("pdca.pack.meta", scope=scope_label, as_of=i18n.fmt_date(prog["as_of"], lang), made=datetime.now().strftime("%Y-%m-%d %H:%M"), user=user))}</div>']
    # KPIs
    parts.append(f"<h2>{_e(t('pdca.pack.kpis'))}</h2>")
    rows = []
    for r in wk.itertuples():
        m = metrics.metric(r.key)
        chg = "—"
        if r.change is not None and not pd.isna(r.change):
            chg = f"{r.change * 100:+.1f} pp" if r.unit == "pct" else f"{r.change * 100:+.0f}%"
        rows.append([m.label(lang), i18n.fmt_value(r.this_week, r.unit, lang),
                     i18n.fmt_value(r.last_week, r.unit, lang), chg])
    parts.append(_table([t("pdca.pack.col.metric"), t("pdca.pack.col.this_week"), t("pdca.pack.col.last_week"),
                         t("pdca.pack.col.change")], rows, {1, 2, 3}))
    if len(wk):
        parts.append(f'<div class="meta">{_e(t("pdca.rv.kpis_note", to=i18n.fmt_date(wk.iloc[0]["to"], lang)))}</div>')
    # burn-ups
    parts.append(f"<h2>{_e(t('pdca.pack.burnups'))}</h2>")
    tab = pdca.burnup_table(bus, lang)
    parts.append(_table([t(f"pdca.bu.col.{c}") for c in ("metric", "target", "actual", "pace", "forecast", "needed",
                                                          "status")],
                        [[r.metric, r.target, r.actual, r.pace, r.forecast, r.needed,
                          t(f"diagnosis.status.{r.status}") if r.status in plan.STATUSES else t("pdca.bu.no_plan")]
                         for r in tab.itertuples()], {1, 2, 3, 4, 5}))
    for k, b in bus.items():
        m = metrics.metric(k)
        cls = b["status"] or ""
        parts.append(f'<div class="burnup"><h3>{_e(m.label(lang))}</h3>'
                     f'<p class="{cls}">{_md(pdca.burnup_sentence(b, lang))}</p>{svg_burnup(b, lang)}</div>')
    # ledger
    parts.append(f"<h2>{_e(t('pdca.pack.ledger'))}</h2>")
    led = ledger.load(db, quarter)
    over = list(ledger.overdue(led, today)) if len(led) else []
    rows = [[r.item_id, t("pdca.overdue.yes") if o else "", r.owner,
             i18n.t(f"pdca.category.{r.category}", lang) if f"pdca.category.{r.category}" in i18n.STRINGS else (r.category or ""),
             r.problem, r.action or "", r.due_date.isoformat() if r.due_date else "",
             i18n.t(f"pdca.status.{r.status}", lang) if f"pdca.status.{r.status}" in i18n.STRINGS else r.status,
             r.notes or ""] for r, o in zip(led.itertuples(), over)]
    parts.append(_table([t(f"pdca.field.{c}") for c in ("item_id", "overdue", "owner", "category", "problem", "action",
                                                         "due_date", "status", "notes")],
                        rows, row_classes=["overdue" if o else "" for o in over]))
    # notes
    parts.append(f"<h2>{_e(t('pdca.pack.notes'))}</h2>")
    notes = pdca.review(db, quarter, week)["notes"]
    parts.append(f'<div class="notes">{_e(notes) if notes.strip() else _e(t("pdca.pack.no_notes"))}</div>')
    parts.append(playbook_html(db, quarter, scope, lang))
    parts.append(f"<footer>{_e(t('pdca.pack.footer'))}</footer></body></html>")
    return "".join(parts)


def playbook_html(db: Database, quarter: str, scope: Scope, lang: str) -> str:
    """The playbook of the quarter (lib.team.playbook: stars and innovation cases) as a section."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    pb = playbook.entries(db, quarter, scope, lang)
    out = [f"<h2>{_e(t('team.pb.pack_header'))}</h2>"]
    if pb.empty:
        return out[0] + f'<div class="meta">{_e(t("team.pb.none"))}</div>'
    rows = [[t(f"team.pb.kind.{r.kind}"), r.title, r.rm_name or "—", r.team or "—", r.what or "—", r.result or "—"]
            for r in pb.itertuples()]
    out.append(_table([t("team.pb.col.kind"), t("team.pb.field.title"), t("team.pb.field.rm_id"),
                       t("team.pb.field.segment"), t("team.pb.what"), t("team.pb.result_label")], rows))
    return "".join(out)


def _print_pdf(html_text: str) -> bytes:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html_text, wait_until="load")
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()


def to_pdf(html_text: str) -> bytes:
    """The pack printed to PDF by Chromium (in a worker thread: Playwright's sync API must not run
    inside an asyncio loop, which the caller's thread may have)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, html_text).result(timeout=120)
