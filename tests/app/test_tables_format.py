"""Every table on every page and section goes through one formatting layer (lib.ui.tables): no cell
shows None / nan / NaT, a raw snake_case category key or a float with more than 4 decimals."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.core import i18n
from lib.ui import tables

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SECTION = re.compile(r'ui\.section\("(\w+)",\s*(\{[^}]*\}|\{s: [^}]*for s in \(([^)]*)\)\})', re.S)
BAD_TEXT = {"none", "nan", "nat", "<na>", "null"}
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def page_sections() -> list[tuple[str, tuple[str, ...]]]:
    """Every page of app.py with the keys of its section switch (``ui.section``), as written in the page."""
    out = []
    pages = re.findall(r'st\.Page\(\s*"(pages/\w+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))
    for page in dict.fromkeys(pages):
        src = (ROOT / page).read_text(encoding="utf-8")
        start = src.find("ui.section(")
        if start < 0:
            out.append((page, ()))
            continue
        call = src[start:src.find("\n\n", start)]
        m = re.search(r"for s in \(([^)]*)\)", call)
        keys = re.findall(r'"(\w+)"', m.group(1)) if m else re.findall(r'"(\w+)":\s*"', call.split("},")[0])
        out.append((page, tuple(keys)))
    return out


def bad_cells(df: pd.DataFrame) -> list[str]:
    bad = []
    for col in df.columns:
        for v in df[col].tolist():
            if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
                bad.append(f"{col}: blank shown as None")
            elif isinstance(v, str) and (v.strip().lower() in BAD_TEXT or SNAKE.match(v)):
                bad.append(f"{col}: {v!r}")
            elif isinstance(v, float) and abs(v - round(v, 4)) > 1e-12:
                bad.append(f"{col}: {v!r}")
    return bad


SEEN: list[int] = []
# the data contract's own identifiers (table and column names a file header may use, the registry's
# metric keys used in links) are shown on the Data page by design, next to their labels
IDENTIFIERS = {"table", "column", "key"}
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


def bad_headers(el) -> list[str]:
    """Visible columns whose header is the raw column name (no label in the viewer's language)."""
    cfg = json.loads(el.proto.columns or "{}")
    order = list(el.proto.column_order)
    bad = []
    for col in el.value.columns:
        c = cfg.get(str(col)) or {}
        if c.get("hidden") or (order and str(col) not in order):
            continue
        header = c.get("label") or str(col)
        if IDENT.match(header):
            bad.append(f"header {header!r}")
    return bad


def _collect(at: AppTest) -> list[str]:
    problems = []
    for el in at.dataframe:
        problems += bad_headers(el)
        if el.proto.editing_mode:  # an editor holds raw values; its category columns show labels (format_func)
            continue
        cells = el.value
        problems += bad_cells(cells.drop(columns=[c for c in cells.columns if c in IDENTIFIERS]))
    SEEN.append(len(at.dataframe))
    return problems


def _open(page: str, lang: str, switch: str | None = None, section: str | None = None) -> AppTest:
    """The page straight away, in `lang`, with `section` open (each section in a fresh run: AppTest
    trips over a format_func selectbox kept across section switches, see STACK_NOTES)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    at.session_state["lang"] = lang
    at.session_state["_qd_init"] = True
    if section:
        at.session_state[f"{switch}_section"] = section
    return at.run()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_raw_cell_in_any_table(app_env, lang):
    problems = {}
    for page, sections in page_sections():
        switch = re.search(r'ui\.section\("(\w+)"', (ROOT / page).read_text(encoding="utf-8"))
        for section in sections or (None,):
            at = _open(page, lang, switch.group(1) if switch else None, section)
            where = f"{page}:{section or ''}"
            if at.exception:
                problems[where] = [e.message for e in at.exception]
                continue
            found = _collect(at)
            if found:
                problems[where] = sorted(set(found))[:8]
    if problems:
        pytest.fail("\n".join(f"{k}: {v}" for k, v in problems.items()), pytrace=False)
    assert sum(SEEN) >= 20  # the scan saw the tables (st.dataframe elements) it checks


def test_display_formats_blanks_keys_and_floats():
    df = pd.DataFrame({"status": ["in_progress", None, "open"], "tier": ["private", "mass", float("nan")],
                       "amount": [1.23456789123, None, 3.0], "rate": [0.123456789, 0.5, 0.25],
                       "day": pd.to_datetime(["2026-10-01", None, "2026-10-03"]), "name": ["Ann", "nan", "None"]})
    out, cfg = tables.display(df, "en", {"amount": {"label": "Amount (M CNY)", "type_config": {"format": "%.2f"}}})
    assert out["status"].tolist() == ["in progress", "—", "open"]
    assert out["tier"].tolist() == ["Private banking", "Mass", "—"]
    assert out["amount"].tolist() == ["1.23", "—", "3.00"] and cfg["amount"]["label"] == "Amount (M CNY)"
    assert out["rate"].tolist() == [0.1235, 0.5, 0.25]
    assert out["day"].tolist() == ["2026-10-01", "—", "2026-10-03"]
    assert out["name"].tolist() == ["Ann", "—", "—"]
    zh, _ = tables.display(df, "zh")
    assert zh["status"][0] == "处理中" and zh["tier"][0] == "私行客户"
    assert not bad_cells(out.drop(columns=["day"]))


def test_a_text_column_with_a_blank_has_one_type():
    """Dates or numbers held as objects beside a blank become text too: Arrow takes the column as it is."""
    import datetime
    import pyarrow as pa
    df = pd.DataFrame({"first_date": [datetime.date(2026, 1, 5), None], "n": [3, None],
                       "whole": [datetime.date(2026, 1, 5), datetime.date(2026, 2, 1)]}, dtype=object)
    out, _ = tables.display(df, "en")
    assert out["first_date"].tolist() == ["2026-01-05", "—"] and out["n"].tolist() == ["3", "—"]
    assert out["whole"].tolist() == [datetime.date(2026, 1, 5), datetime.date(2026, 2, 1)]  # no blank: kept
    pa.Table.from_pandas(out)  # would raise ArrowTypeError on a mixed column


@pytest.mark.parametrize("dtype", [object, "string", "string[pyarrow]"])
def test_a_long_text_column_is_mapped_once_per_value_as_row_by_row(dtype):
    """A long text column (a bank's lists) is factorised: `fn` runs once per distinct text and once per
    missing cell, and the result is the row-by-row mapping, missing cells included."""
    values = ["in_progress", None, "open", "nan", "open", float("nan"), "B001", "in_progress"] * 20
    s = pd.Series(values, dtype=dtype)
    calls = []

    def fn(v):
        calls.append(v)
        return f"<{v}>" if isinstance(v, str) else "—"
    out = tables.map_values(s, fn)
    assert out.tolist() == [fn(v) for v in s.astype(object)]
    calls.clear()
    tables.map_values(s, fn)
    assert len([c for c in calls if isinstance(c, str)]) == 4  # four distinct texts
    for lang in ("en", "zh"):  # the column-wise cleaning of a long column is the row-by-row one of short ones
        df, _ = tables.display(pd.DataFrame({"status": s, "rm_id": s}), lang)
        short = pd.concat([tables.display(pd.DataFrame({"status": s[i:i + 8], "rm_id": s[i:i + 8]}), lang)[0]
                           for i in range(0, len(s), 8)])
        assert df["status"].tolist() == short["status"].tolist() and df["rm_id"].tolist() == short["rm_id"].tolist()
    assert df["status"].tolist()[:8] == ["处理中", "—", "待处理", "—", "待处理", "—", "B001", "处理中"]
    assert df["rm_id"].tolist()[:3] == ["in_progress", "—", "open"]  # an identifier column keeps its text


def test_one_name_per_tier():
    from lib.core import i18n
    for lang in ("en", "zh"):
        for tier in ("private", "wealth", "potential", "mass"):
            names = {i18n.t(f"{p}.{tier}", lang) for p in ("tiering.tier", "pdca.tier", "channels.tier")}
            assert len(names) == 1, (lang, tier, names)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_calculator_shows_amounts_in_words_and_no_bundle_below_today(app_env, lang):
    at = _open("pages/channels.py", lang, "channels", "products")
    assert not at.exception, [e.message for e in at.exception]
    money_inputs = [n for n in at.number_input if n.key and n.key.startswith("ch_in_") and "employees" not in n.key]
    assert money_inputs
    captions = [c.value for c in at.caption]
    for n in money_inputs:  # each typed amount is read back in the compact unit (never only 597748481)
        assert i18n.fmt_money(n.value, lang) in captions, (n.key, n.value)
    calc = [d.value for d in at.dataframe if "vs_today" in d.value.columns][0]
    assert not any(str(v).startswith("-") for v in calc["vs_today"])  # no bundle shows less than today
    # rounding never makes a bundle that adds revenue read the same as today (a zero upside reads the same)
    today = calc["annual_revenue"].iloc[0]
    zero = {"+" + i18n.fmt_money(0, lang)}
    for rev, up in zip(calc["annual_revenue"].iloc[1:], calc["vs_today"].iloc[1:]):
        assert (rev == today) == (up in zero), (rev, up)


def test_audit_log_in_words():
    log = pd.DataFrame({"audit_id": [1, 2], "happened_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-20 11:00"]),
                        "username": ["alice", None], "role": ["admin", None],
                        "action": ["user_saved", "export"],
                        "detail": ['{"user": "bo", "role": "viewer", "branches": ["B002"], "disabled": false}',
                                   '{"file": "x.csv", "rows": 12, "personal_masked": true, "quarter": null}']})
    en = tables.audit_frame(log, "en")
    assert list(en["action"]) == ["user saved", i18n.t("audit.action.export", "en")]
    assert en["detail"][0] == "user: bo · role: viewer · branches: B002 · disabled: no"
    assert en["detail"][1] == "file: x.csv · rows: 12 · personal data masked: yes · quarter: —"
    zh = tables.audit_frame(log, "zh")
    assert zh["action"][0] == "保存用户" and zh["role"][0] == "管理员"
    assert zh["detail"][0] == "用户: bo · 角色: 查看者 · 网点: B002 · 停用: 否"
    shown, _ = tables.display(zh, "zh")
    assert not bad_cells(shown)
