"""Downloads: formula injection neutralised in CSV and XLSX; personal columns masked."""
import io

import openpyxl
import pandas as pd
import pytest

from lib.core import export
from lib.core import privacy

EVIL = pd.DataFrame({
    "customer_name": ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "-2+3", "@cmd", "王小明"],
    "amount": [-5.0, 1.0, 2.0, 3.0, 4.0],
    "phone": ["13812345678", None, "13900001111", "1", "13700002222"],
})


def test_csv_neutralises_formulas_and_keeps_numbers():
    text = export.csv_bytes(EVIL).decode("utf-8-sig")
    df = pd.read_csv(io.StringIO(text))
    assert list(df["customer_name"][:4]) == ["'=HYPERLINK(\"http://x\")", "'+SUM(A1)", "'-2+3", "'@cmd"]
    assert df["amount"].tolist() == [-5.0, 1.0, 2.0, 3.0, 4.0]
    assert df["customer_name"][4] == "王小明"


def test_xlsx_has_no_formula_cells():
    wb = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(EVIL)))
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["customer_name", "amount", "phone"]
    assert [r[0] for r in values[1:5]] == ["'=HYPERLINK(\"http://x\")", "'+SUM(A1)", "'-2+3", "'@cmd"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert values[1][1] == -5


@pytest.mark.parametrize("allowed,expected_name,expected_phone", [
    (False, "王**", "137****2222"), (True, "王小明", "13700002222")])
def test_masking_before_download(allowed, expected_name, expected_phone):
    out = privacy.mask_frame(EVIL, "customers", allowed=allowed)
    assert out["customer_name"][4] == expected_name
    assert out["phone"][4] == expected_phone
    assert out["amount"].tolist() == EVIL["amount"].tolist()


# ---------------------------------------------------------------- readable downloads (lib.core.labels)
def test_downloads_have_translated_headers_and_no_null_text_but_full_precision():
    import io

    from lib.core import export as ex
    df = pd.DataFrame({"channel": ["app", None, "branch"], "leads": [900, 40, 3],
                       "conversion_rate": [0.15333333333333332, float("nan"), 0.5],
                       "status": ["in_progress", "None", "nan"], "notes": ["ok", None, "NaT"]})
    for lang, heads, app in (("en", ["Channel", "Leads", "Conversion rate"], "Mobile app"),
                             ("zh", ["渠道", "线索数", "转化率"], "手机银行")):
        out = ex.readable(df, lang)
        assert list(out.columns[:3]) == heads
        text = ex.csv_bytes(out).decode("utf-8-sig")
        for raw in ("None", "nan", "NaN", "NaT", "in_progress", ",app,"):
            assert raw not in text, (lang, raw)
        back = pd.read_csv(io.StringIO(text))
        assert back.iloc[0, 0] == app
        assert back.iloc[0, 2] == 0.15333333333333332  # the number itself, not a rounded text
        assert back.iloc[1].isna().sum() == 4  # blanks stay empty cells
