"""Words for the data contract's columns (``schema.col.<name>``), where a screen names a column of an
upload or of a table that is not on a page's own list (lib.core.labels.column_label)."""

STRINGS = {
    "schema.col.as_of": {"en": "Snapshot date", "zh": "快照日期"},
    "schema.col.branch_id": {"en": "Branch ID", "zh": "网点号"},
    "schema.col.customer_id": {"en": "Customer ID", "zh": "客户号"},
    "schema.col.rm_id": {"en": "Relationship manager ID", "zh": "客户经理工号"},
    "schema.col.customer_type": {"en": "Customer type", "zh": "客户类型"},
    "schema.col.region": {"en": "Region", "zh": "区域"},
    "schema.col.status": {"en": "Status", "zh": "状态"},
    "schema.col.open_date": {"en": "Account opening date", "zh": "开户日期"},
    "schema.col.close_date": {"en": "Account closing date", "zh": "销户日期"},
    "schema.col.contact_date": {"en": "Contact date", "zh": "联系日期"},
    "schema.col.channel": {"en": "Channel", "zh": "渠道"},
    "schema.col.acquisition_channel": {"en": "Acquisition channel", "zh": "获客渠道"},
    "schema.col.sale_date": {"en": "Sale date", "zh": "销售日期"},
    "schema.col.activity_date": {"en": "Activity date", "zh": "活动日期"},
    "schema.col.product_id": {"en": "Product ID", "zh": "产品编号"},
    "schema.col.product_type": {"en": "Product type", "zh": "产品类型"},
    "schema.col.quarter": {"en": "Quarter", "zh": "季度"},
    "schema.col.stage": {"en": "Stage", "zh": "阶段"},
    "schema.col.amount": {"en": "Amount", "zh": "金额"},
}
