"""Writes the SYNTHETIC Chinese core-banking-style exports of this corpus (see SOURCES.md).

Deterministic (fixed seed); run ``python tests/corpus/real/make_synthetic.py`` to rebuild them.
The files are committed; the test reads the committed files, never this script.
"""
from __future__ import annotations

import csv
import io
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
BRANCHES = [("0101", "北京分行营业部", "华北"), ("0102", "北京朝阳支行", "华北"), ("0201", "上海浦东支行", "华东"),
            ("0202", "上海静安支行", "华东"), ("0301", "广州天河支行", "华南")]


def _name(r):
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))


def _yuan(x: float) -> str:
    return f"￥{x:,.2f}"


def _write(name: str, text: str, enc: str) -> None:
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(text.encode(enc))


def _csv(rows, delimiter=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerows(rows)
    return buf.getvalue()


def branches(r):
    rows = [["网点号", "网点名称", "所属分行"], *[list(b) for b in BRANCHES]]
    _write("cn_branches_gbk.csv", _csv(rows), "gbk")


def customers(r):
    """客户信息表: 所属网点 / 客户经理工号 / 账户余额 with ¥ and thousands separators, 正常/销户."""
    rows = [["客户号", "客户名称", "客户类型", "所属网点", "客户经理工号", "开户日期", "客户状态", "账户余额"]]
    for i in range(120):
        y, m, d = r.randint(2008, 2025), r.randint(1, 12), r.randint(1, 28)
        bal = round(r.lognormvariate(11, 1.3), 2)
        rows.append([f"6{i:09d}", _name(r), r.choice(("个人", "个人", "个人", "对公")), r.choice(BRANCHES)[0],
                     f"E{r.randint(1001, 1030)}", f"{y}-{m:02d}-{d:02d}", r.choice(("正常",) * 9 + ("销户",)),
                     _yuan(bal)])
    _write("cn_customers_gbk.csv", _csv(rows), "gbk")


def wealth_wanyuan(r):
    """余额月报 in 万元 with 开户网点 / 归属机构 and a 合计 row."""
    rows = [["客户号", "开户网点", "归属机构", "数据日期", "存款余额(万元)", "理财余额(万元)", "基金余额(万元)"]]
    tot = [0.0, 0.0, 0.0]
    for i in range(100):
        dep, wlth, fund = (round(r.lognormvariate(2.5, 1.2), 2), round(r.choice((0, 0, r.lognormvariate(3, 1))), 2),
                           round(r.choice((0, 0, 0, r.lognormvariate(2, 1))), 2))
        for k, v in enumerate((dep, wlth, fund)):
            tot[k] += v
        b = r.choice(BRANCHES)
        rows.append([f"6{i:09d}", b[0], b[1], "2026-03-31", f"{dep:,.2f}", f"{wlth:,.2f}", f"{fund:,.2f}"])
    rows.append(["合计", "", "", "", f"{tot[0]:,.2f}", f"{tot[1]:,.2f}", f"{tot[2]:,.2f}"])
    _write("cn_balances_wanyuan_gbk.csv", _csv(rows), "gbk")


def accounts_xlsx(r):
    """个人账户清单 .xlsx: 12-digit 客户号 as a number cell, 20-digit 账号 as a text cell (as core exports write it)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "账户清单"
    ws.append(["客户号", "账号", "客户名称", "客户类型", "所属支行", "存款余额", "开户日期"])
    for i in range(60):
        cust = 310100000000 + i * 7919
        acct = str(62220212345678900000 + i * 104729)
        ws.append([cust, acct, _name(r), "个人", r.choice(BRANCHES)[0], round(r.lognormvariate(10, 1.2), 2),
                   f"2019-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"])
    wb.save(os.path.join(HERE, "cn_accounts.xlsx"))


def european(r):
    """A European subsidiary's balance dump: ';' delimiter, decimal comma, '.' grouping."""
    rows = [["customer_id", "as_of", "deposits", "wealth"]]
    for i in range(80):
        dep = round(r.lognormvariate(9, 1.5), 2)
        wl = round(r.choice((0.0, r.lognormvariate(10, 1))), 2)
        fmt = (lambda x: f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."))
        rows.append([f"EU{i:04d}", "31.03.2026", fmt(dep), fmt(wl)])
    _write("eu_balances_decimal_comma.csv", _csv(rows, delimiter=";"), "utf-8")


def multiline(r):
    """客户信息 with a 备注 cell holding a line break (quoted), UTF-8 with BOM."""
    rows = [["客户号", "客户名称", "客户类型", "网点号", "客户状态", "备注"]]
    for i in range(50):
        note = "地址变更：\n朝阳区建国路88号" if i % 10 == 3 else ("Unknown" if i % 7 == 0 else "")
        rows.append([f"M{i:05d}", _name(r), "个人", r.choice(BRANCHES)[0], "正常", note])
    with open(os.path.join(HERE, "cn_multiline_note.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + _csv(rows).encode("utf-8"))


def duplicate_header(r):
    """An export whose 客户名称 header appears twice (second one is the English name)."""
    rows = [["客户号", "客户名称", "客户类型", "网点号", "客户名称", "存款余额"]]
    for i in range(40):
        rows.append([f"D{i:05d}", _name(r), "个人", r.choice(BRANCHES)[0], f"Client {i}", f"{r.randint(100, 99999)}.00"])
    _write("cn_duplicate_header_gbk.csv", _csv(rows), "gbk")


def leads(r):
    """营销名单: 客户号 / 联系日期 / 渠道 / 是否成交 (是/否) / 成交金额 with thousands separators."""
    rows = [["线索编号", "活动编号", "客户号", "联系日期", "渠道", "是否成交", "成交金额"]]
    for i in range(150):
        conv = r.random() < 0.18
        rows.append([f"L{i:05d}", "CMP2026Q1", f"6{r.randint(0, 119):09d}",
                     f"2026/{r.randint(1, 3)}/{r.randint(1, 28)}", r.choice(("手机银行", "网点", "电话")),
                     "是" if conv else "否", f"{r.randint(1, 500) * 1000:,}" if conv else ""])
    _write("cn_leads_gbk.csv", _csv(rows), "gbk")


if __name__ == "__main__":
    for fn in (branches, customers, wealth_wanyuan, accounts_xlsx, european, multiline, duplicate_header, leads):
        fn(random.Random(fn.__name__))
