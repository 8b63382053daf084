"""The review pack prints blanks as "—" and category keys in words: no "None", "nan", "NaT", raw keys
or 16-decimal floats (lib.pdca.review_pack through lib.core.labels)."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd

from lib.core.db import Scope
from lib.pdca import review_pack


def test_table_cells_are_formatted():
    h = review_pack._table(["a", "b", "c", "d", "e"], [[None, float("nan"), pd.NaT, 0.1234567890123, 3.0],
                                                       ["x", date(2026, 10, 1), "None", 1234.5, "nan"]])
    cells = re.findall(r"<td[^>]*>(.*?)</td>", h)
    assert cells == ["—", "—", "—", "0.12", "3", "x", "2026-10-01", "—", "1,234.50", "—"]


def test_pack_with_blank_ledger_fields_shows_no_raw_values(fresh_demo):
    from lib.core.db import forget_database, open_database
    db = open_database(fresh_demo)
    with db.transaction() as cur:  # a ledger item with every optional field empty
        cur.execute("UPDATE ledger SET notes = NULL, action = NULL, category = NULL, due_date = NULL "
                    "WHERE item_id = (SELECT min(item_id) FROM ledger WHERE quarter = '2026Q4')")
    for lang in ("en", "zh"):
        h = review_pack.build_html(db, "2026Q4", Scope(), ("new_customers", "aum"), lang, "Whole bank", "alice",
                                   date(2026, 11, 20))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", h)
        assert cells
        for c in cells:
            assert c.strip().lower() not in ("none", "nan", "nat", ""), (lang, c)
            assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", c), (lang, c)
            assert not re.search(r"\d\.\d{5,}", c), (lang, c)
    forget_database(fresh_demo)
