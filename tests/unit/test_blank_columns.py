"""A column a metric counts by that is empty in every loaded row makes the figure unknown ("—"),
not 0: a customer list without any open_date cannot say how many customers are new."""
from lib.core.db import WHOLE_BANK, open_database
from lib.metrics import gaps
from lib.metrics import registry as metrics


def test_new_customers_is_unknown_when_no_customer_has_an_open_date(fresh_demo):
    db = open_database(fresh_demo)
    q = metrics.quarters_in_data(db)[0]
    assert metrics.compute(db, "new_customers", q, WHOLE_BANK) is not None
    assert metrics.missing_columns(db, "new_customers") == ()
    with db.transaction() as cur:
        cur.execute("UPDATE customers SET open_date = NULL")
    db.close()
    db = open_database(fresh_demo)
    for key in ("new_customers", "new_corporate_clients", "acquisition_cost"):
        assert metrics.compute(db, key, q, WHOLE_BANK) is None, key
        assert metrics.missing_columns(db, key) == ("customers.open_date",)
    got = metrics.compute_many(db, {"new": ("new_customers", metrics.period(db, q)),
                                    "fee": ("fee_income", metrics.period(db, q))}, WHOLE_BANK)
    assert got["new"] is None and got["fee"] is not None
    assert metrics.missing_columns(db, "aum") == ()


def test_the_reason_names_the_column_and_the_export():
    assert gaps.blank_columns(("customers.open_date",), "en") == (
        "Unknown, not 0: Account opening date is empty in every row of the loaded **Core banking / CRM customer "
        "export**. Upload it again on the Data page with that column mapped.")
    assert gaps.blank_columns(("customers.open_date",), "zh") == (
        "未知（不是 0）：已加载的**核心系统或CRM客户导出**中“开户日期”一列全部为空。请在数据页重新上传并映射该列。")
    assert gaps.blank_columns((), "en") == ""
