"""Sample exports in data/samples/: one file per canonical table, cut from a small demo bank.

    python -m lib.ingest.samples [--customers 300] [--seed 7] [--out data/samples]

They show a new user what an upload looks like and exercise the importer: English and Chinese
headers, UTF-8 (with and without BOM), GBK, tab-separated text, an Excel workbook, Parquet,
amounts written as ``1,234.50`` and Chinese category values (正常, 手机银行, 是/否).

Invariant (tests/unit/test_ingest_load.py): importing every sample into an empty database and
writing the samples again from that database gives the same files (``write(db, spec, dir)``
selects rows by key, so the selection is the same in the demo bank and in the re-import).
"""
from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass

import pandas as pd

from lib.core import schema

ROWS = 300


@dataclass(frozen=True)
class Spec:
    table: str
    file: str
    lang: str = "en"            # header language and category values
    encoding: str = "utf-8"
    sep: str = ","
    money: bool = False         # amounts as 1,234.50


SPECS = (
    Spec("branches", "branches.csv"),
    Spec("staff", "staff_员工.csv", "zh", "gbk"),
    Spec("products", "products_产品.xlsx", "zh"),
    Spec("customers", "customers_客户.csv", "zh", "gbk"),
    Spec("balances", "balances.csv", "en", "utf-8-sig", money=True),
    Spec("sales", "sales_销售.csv", "zh", "gbk", money=True),
    Spec("campaigns", "campaigns.csv"),
    Spec("leads", "leads.tsv", sep="\t"),
    Spec("activities", "activities_行为.csv", "zh"),
    Spec("referrals", "referrals.csv"),
    Spec("targets", "targets.csv"),
    Spec("peer_benchmarks", "peer_benchmarks.csv"),
    Spec("assessments", "assessments_测评.csv", "zh", "gbk"),
    Spec("surveys", "surveys.parquet"),
    Spec("ledger", "ledger_台账.csv", "zh"),
    Spec("outside_parties", "outside_parties_关联方.csv", "zh", "gbk"),
    Spec("relations", "relations_关联关系.csv", "zh"),
    Spec("mentor_journal", "mentor_journal_客户经营日志.csv", "zh"),
    Spec("training_enrolments", "training_enrolments.csv"),
)
ORDER = [s.table for s in SPECS]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def header(col: schema.Column, lang: str) -> str:
    if lang == "zh":
        for s in col.synonyms:
            if _CJK.search(s):
                return s
    return col.name


def category_value(col: schema.Column, value, lang: str):
    if value is None or lang != "zh" or not col.categories:
        return value
    for s in col.categories.get(value, ()):
        if _CJK.search(s) and schema.match_category(col, s) == value:
            return s
    return value


def select(db, table: str) -> pd.DataFrame:
    t = schema.table(table)
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    order = ", ".join(f'"{k}"' for k in t.key)
    if table == "balances":
        sql = (f"SELECT {cols} FROM balances WHERE customer_id IN (SELECT customer_id FROM customers "
               f"ORDER BY customer_id LIMIT {ROWS}) AND as_of = (SELECT max(as_of) FROM balances) ORDER BY {order}")
    else:
        sql = f'SELECT {cols} FROM "{table}" ORDER BY {order} LIMIT {ROWS}'
    return db.query(sql)


def _text(col: schema.Column, v, spec: Spec) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    if col.type == "BOOLEAN":
        return ("是" if v else "否") if spec.lang == "zh" else ("yes" if v else "no")
    if col.type == "DATE":
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if col.type == "DOUBLE":
        return f"{float(v):,.2f}" if spec.money else repr(round(float(v), 6))
    if col.type == "INTEGER":
        return str(int(v))
    return str(category_value(col, v, spec.lang))


def frame(db, spec: Spec) -> pd.DataFrame:
    """The sample as text cells with the spec's headers."""
    t = schema.table(spec.table)
    df = select(db, spec.table)
    out = {header(c, spec.lang): [_text(c, v, spec) for v in df[c.name].tolist()] for c in t.columns}
    return pd.DataFrame(out, dtype=object)


def write(db, spec: Spec, out_dir: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, spec.file)
    df = frame(db, spec)
    if spec.file.endswith(".xlsx"):
        df.to_excel(path, index=False, sheet_name=spec.table, engine="xlsxwriter")
    elif spec.file.endswith(".parquet"):
        df.to_parquet(path, index=False)
    else:
        with open(path, "w", encoding=spec.encoding, newline="") as f:
            df.to_csv(f, index=False, sep=spec.sep, lineterminator="\r\n" if spec.encoding == "gbk" else "\n")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.ingest.samples")
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "samples"))
    args = ap.parse_args(argv)
    from lib import demo
    from lib.core.db import open_database
    db = open_database(":memory:")
    demo.build_into(db, args.customers, args.seed)
    for spec in SPECS:
        print(write(db, spec, os.path.abspath(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
