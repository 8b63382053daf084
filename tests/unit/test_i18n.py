"""Every key has English and Chinese with the same placeholders; numbers in 万/亿 and K/M/B."""
import re
import string
from datetime import date

import pytest

from lib.core import i18n
from lib.metrics import registry as metrics
from lib.core import schema


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_both_languages_with_the_same_placeholders():
    """One check over every key; the failure lists every key at fault, not the first one."""
    missing = sorted(k for k, e in i18n.STRINGS.items()
                     if not (set(e) >= {"en", "zh"} and e["en"].strip() and e["zh"].strip()))
    assert missing == [], f"keys without both languages: {missing}"
    differ = sorted(k for k, e in i18n.STRINGS.items() if _placeholders(e["en"]) != _placeholders(e["zh"]))
    assert differ == [], f"keys whose en and zh placeholders differ: {differ}"


def test_chinese_strings_are_chinese():
    """A zh text identical to its en text (beyond short codes) is an untranslated literal."""
    untranslated = [k for k, v in i18n.STRINGS.items()
                    if v["en"] == v["zh"] and re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", v["en"]))
                    and k != "app.title"]
    assert untranslated == []


@pytest.mark.parametrize("m", metrics.METRICS, ids=lambda m: m.key)
def test_every_metric_is_documented_in_both_languages(m):
    assert m.label_en and m.label_zh and m.definition_en and m.definition_zh and m.formula
    assert m.unit in {"cny", "pct", "count", "ratio"}
    assert m.kind in {"stock", "flow", "rate"}
    assert re.search(r"[\u4e00-\u9fff]", m.label_zh + m.definition_zh)


@pytest.mark.parametrize("t", schema.TABLES, ids=lambda t: t.name)
def test_every_table_has_labels_in_both_languages(t):
    assert t.label_en and t.label_zh and t.source_en and t.source_zh


def test_missing_key_is_visible():
    assert i18n.t("no.such.key", "zh") == "⟦no.such.key⟧"


@pytest.mark.parametrize("value,lang,expected", [
    (1234, "en", "1.2K"), (1_234_567, "en", "1.2M"), (3_400_000_000, "en", "3.4B"), (12, "en", "12"),
    (12_345, "zh", "1.23万"), (1_234_567, "zh", "123.5万"), (345_000_000, "zh", "3.45亿"), (999, "zh", "999"),
    (-25_000, "zh", "-2.50万"), (None, "en", "—"), (float("nan"), "zh", "—"),
])
def test_fmt_number(value, lang, expected):
    assert i18n.fmt_number(value, lang) == expected


@pytest.mark.parametrize("value,lang,expected", [
    (953_535_737.84, "en", "¥953.5M"), (953_535_737.84, "zh", "9.54亿元"), (-1500, "en", "-¥1.5K"),
    (50_000, "zh", "5.00万元"),
])
def test_fmt_money(value, lang, expected):
    assert i18n.fmt_money(value, lang) == expected


def test_fmt_pct_and_date():
    assert i18n.fmt_pct(0.1234) == "12.3%"
    assert i18n.fmt_date(date(2026, 9, 30), "zh") == "2026年9月30日"
    assert i18n.fmt_date(date(2026, 9, 30), "en") == "30 Sep 2026"


def test_norm_lang():
    assert i18n.norm_lang("zh-CN") == "zh" and i18n.norm_lang("EN") == "en" and i18n.norm_lang(None) == "en"


def test_contract_columns_have_words_in_both_languages():
    from lib.core import labels
    assert [labels.column_label(c, "en") for c in ("as_of", "branch_id", "open_date")] == [
        "Snapshot date", "Branch ID", "Account opening date"]
    assert [labels.column_label(c, "zh") for c in ("as_of", "branch_id", "open_date")] == ["快照日期", "网点号", "开户日期"]
    assert labels.column_label("no_such_column", "en") == "no_such_column"
