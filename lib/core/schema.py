"""The data contract: every canonical table, its columns, keys and synonyms.

This module is the single source from which the DDL (`ddl()`), the upload header
mapping (`match_header`), category value mapping (`match_category`) and the in-app
"what can I upload" page are generated. Nothing else in the project lists columns.

Invariants:
- Keys are declared here and enforced by the import layer (upsert by key); the DDL
  declares no PRIMARY KEY so bulk loads of millions of rows stay cheap.
- Every table carries two system columns: ``extra_attrs`` (MAP of columns that matched
  no canonical column, kept instead of dropped) and ``import_id`` (the import that last
  wrote the row; NULL for demo data).
- Within one table, no two columns share a normalised header synonym (tested).
- ``SCHEMA_VERSION`` is stored in ``qd_meta``; ``lib.core.db.migrate`` brings older files up.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

SCHEMA_VERSION = 15  # 12: relations, outside_parties (related-party risk);
# 14: leads.reserve, campaigns.sprint_offer (next-quarter reserve, sprint offers);
# 15: mentor_journal, training_enrolments, qd_playbook_cases (team: journal, training programmes, playbook)

SYSTEM_COLUMNS = (
    ("extra_attrs", "MAP(VARCHAR, VARCHAR)"),
    ("import_id", "BIGINT"),
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    categories: dict[str, tuple[str, ...]] | None = None
    personal: bool = False
    references: str | None = None  # "table.column"
    default: str | None = None  # SQL literal used when the file lacks the column
    doc_en: str = ""
    doc_zh: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    label_en: str
    label_zh: str
    source_en: str
    source_zh: str
    date_column: str | None = None
    synonyms: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def personal(self) -> list[str]:
        return [c.name for c in self.columns if c.personal]


# ---------------------------------------------------------------- categories
CUSTOMER_TYPE = {
    "retail": ("retail", "individual", "personal", "零售", "个人", "個人", "对私", "對私"),
    "corporate": ("corporate", "company", "business", "公司", "对公", "對公", "企业", "企業", "法人"),
}
LINE = {
    "retail": ("retail", "零售", "个人金融", "個人金融"),
    "corporate": ("corporate", "公司", "对公", "對公", "公司金融"),
    "private": ("private", "private banking", "私行", "私人银行", "私人銀行"),
}
RISK_TOLERANCE = {f"C{i}": (f"C{i}", f"c{i}", str(i)) for i in range(1, 6)}
RISK_TOLERANCE["C1"] += ("保守型", "保守")
RISK_TOLERANCE["C2"] += ("稳健型", "穩健型", "稳健")
RISK_TOLERANCE["C3"] += ("平衡型", "平衡")
RISK_TOLERANCE["C4"] += ("成长型", "成長型", "成长")
RISK_TOLERANCE["C5"] += ("进取型", "進取型", "激进型", "进取")
RISK_LEVEL = {f"R{i}": (f"R{i}", f"r{i}", f"PR{i}") for i in range(1, 6)}
RISK_LEVEL["R1"] += ("低风险", "低風險")
RISK_LEVEL["R2"] += ("中低风险", "中低風險")
RISK_LEVEL["R3"] += ("中风险", "中風險")
RISK_LEVEL["R4"] += ("中高风险", "中高風險")
RISK_LEVEL["R5"] += ("高风险", "高風險")
CHANNEL = {
    "app": ("app", "mobile app", "mobile banking", "手机银行", "手機銀行", "掌上银行", "APP"),
    "livestream": ("livestream", "live stream", "live", "直播", "视频直播"),
    "branch": ("branch", "counter", "网点", "網點", "柜面", "櫃面", "营业厅", "分行"),
    "mobile_rm": ("mobile_rm", "mobile rm", "field rm", "移动展业", "移動展業", "外拓", "上门"),
    "phone": ("phone", "telephone", "cellular", "telemarketing", "call center", "电话", "電話", "电销", "電銷", "客服"),
    "wechat": ("wechat", "weixin", "微信", "企业微信"),
    "online": ("online", "internet banking", "web", "网银", "網銀", "网上银行"),
    "referral": ("referral", "转介", "轉介", "推荐", "推薦"),
    "partner": ("partner", "third party", "合作方", "第三方"),
}
CUSTOMER_STATUS = {
    "active": ("active", "normal", "open", "正常", "活跃", "活躍", "有效"),
    "dormant": ("dormant", "inactive", "sleeping", "睡眠", "休眠", "不动户", "久悬"),
    "closed": ("closed", "close", "cancelled", "销户", "銷戶", "已销户", "注销", "註銷", "关闭"),
}
SALE_STATUS = {
    "active": ("active", "holding", "open", "持有", "有效", "正常", "存续", "存續"),
    "matured": ("matured", "expired", "到期", "已到期"),
    "redeemed": ("redeemed", "closed", "赎回", "贖回", "已赎回", "结清", "結清"),
    "cancelled": ("cancelled", "canceled", "void", "撤销", "撤銷", "取消"),
}
PRODUCT_TYPE = {
    "deposit": ("deposit", "deposits", "存款", "定期", "活期", "大额存单"),
    "wealth": ("wealth", "wealth management", "理财", "理財", "银行理财"),
    "fund": ("fund", "funds", "mutual fund", "基金"),
    "insurance": ("insurance", "保险", "保險"),
    "credit_card": ("credit_card", "credit card", "信用卡", "卡"),
    "consumer_loan": ("consumer_loan", "consumer loan", "消费贷", "消費貸", "个人贷款", "信用贷"),
    "business_loan": ("business_loan", "business loan", "经营贷", "經營貸", "对公贷款", "流贷"),
    "mortgage": ("mortgage", "房贷", "房貸", "按揭", "住房贷款"),
    "payroll": ("payroll", "代发", "代發", "代发工资", "代發薪資"),
    "corporate_account": ("corporate_account", "corporate account", "对公账户", "對公賬戶", "结算账户"),
    "supply_chain": ("supply_chain", "supply chain", "supply chain finance", "供应链", "供應鏈", "供应链金融"),
    "fx_settlement": ("fx_settlement", "fx", "cross-border", "跨境", "国际结算", "國際結算", "外汇", "外匯"),
    "precious_metal": ("precious_metal", "gold", "贵金属", "貴金屬", "黄金"),
}
LEAD_STAGE = {
    "contacted": ("contacted", "contact", "已触达", "已觸達", "触达", "已联系"),
    "interested": ("interested", "有意向", "意向", "感兴趣"),
    "applied": ("applied", "application", "已申请", "已申請", "申请"),
    "converted": ("converted", "won", "success", "已成交", "成交", "已转化", "已轉化"),
    "lost": ("lost", "rejected", "failed", "未成交", "失败", "放弃"),
    # the customer refused to sign (客户拒签): the refusal rate's numerator (lib/metrics/registry.py)
    "refused": ("refused", "declined", "refusal", "拒签", "拒簽", "客户拒签", "客戶拒簽", "拒绝签约", "拒絕簽約",
                "拒绝", "拒絕"),
    # booked for next quarter (下季度线索储备, e.g. a spring allocation booking); see leads.reserve
    "reserved": ("reserved", "reserve", "booked", "booking", "储备", "儲備", "预约", "預約", "已预约", "已預約",
                 "下季度储备", "下季度儲備"),
}
ACTIVITY_TYPE = {
    "visit": ("visit", "拜访", "拜訪", "上门拜访", "面访"),
    "call": ("call", "phone call", "电话", "電話", "外呼"),
    "digital_tool": ("digital_tool", "digital tool", "digital", "数字化工具", "數位工具", "企微", "线上工具"),
    "training": ("training", "培训", "培訓"),
    "livestream": ("livestream", "直播"),
    "mentoring": ("mentoring", "带教", "帶教", "辅导", "輔導"),
}
REFERRAL_DIRECTION = {
    "corporate_to_retail": ("corporate_to_retail", "c2r", "公转私", "公轉私", "对公转零售"),
    "retail_to_corporate": ("retail_to_corporate", "r2c", "私转公", "私轉公", "零售转对公"),
}
TARGET_SCOPE = {
    "bank": ("bank", "全行", "总行", "總行"),
    "region": ("region", "区域", "區域", "分行", "大区"),
    "branch": ("branch", "网点", "網點", "支行"),
    "rm": ("rm", "relationship manager", "客户经理", "客戶經理"),
}
LOAN_STATUS = {
    "normal": ("normal", "pass", "正常"),
    "watch": ("watch", "special mention", "关注", "關注"),
    "substandard": ("substandard", "次级", "次級"),
    "doubtful": ("doubtful", "可疑"),
    "loss": ("loss", "损失", "損失"),
}
LEDGER_STATUS = {
    "open": ("open", "new", "待处理", "待處理", "未开始", "新建"),
    "in_progress": ("in_progress", "in progress", "doing", "处理中", "處理中", "进行中", "進行中"),
    "resolved": ("resolved", "done", "已解决", "已解決", "完成", "已完成"),
    "closed": ("closed", "已关闭", "已關閉", "关闭"),
}
VARIANT = {"A": ("A", "a", "话术A", "話術A", "script a"), "B": ("B", "b", "话术B", "話術B", "script b"),
           "C": ("C", "c", "话术C", "script c")}

RELATION_TYPE = {  # direction of a row: from_party is <relation> of to_party
    "shareholder": ("shareholder", "share holder", "owner", "股东", "股東", "持股", "参股", "參股", "控股股东",
                    "控股股東", "投资", "投資"),
    "guarantee": ("guarantee", "guarantor", "担保", "擔保", "担保人", "擔保人", "保证", "保證", "互保", "联保",
                  "聯保"),
    "controller": ("controller", "control", "actual controller", "实际控制人", "實際控制人", "实控人", "實控人",
                   "控制"),
    "legal_rep": ("legal_rep", "legal representative", "same legal representative", "法定代表人", "同一法定代表人",
                  "法人代表", "同一法人"),
    "supply_chain": ("supply_chain", "supply chain", "supplier", "上下游", "供应链", "供應鏈", "供应商", "供應商",
                     "采购方", "採購方", "供货", "供貨"),
}

# ---------------------------------------------------------------- shared columns
def _id(name: str, required: bool = True, references: str | None = None, *syn: str, **kw) -> Column:
    return Column(name, "VARCHAR", required, tuple(syn), references=references, **kw)


def _date(name: str, required: bool = False, *syn: str) -> Column:
    return Column(name, "DATE", required, tuple(syn))


def _money(name: str, required: bool = False, *syn: str) -> Column:
    return Column(name, "DOUBLE", required, tuple(syn))


def _cat(name: str, cats: dict, required: bool = False, *syn: str) -> Column:
    return Column(name, "VARCHAR", required, tuple(syn), categories=cats)


CUSTOMER_ID_SYN = ("客户号", "客户编号", "客户id", "客戶號", "客戶編號", "cust_no", "custno", "CustomerId",
                   "cust_id", "client_id", "客户代码", "ECIF号", "ecif_no")
RM_ID_SYN = ("客户经理号", "客户经理编号", "客户经理工号", "客戶經理編號", "员工号", "工号", "工號", "rm_no",
             "rm_code", "staff_id", "employee_id", "emp_no")
BRANCH_ID_SYN = ("网点号", "网点编号", "机构号", "机构编号", "網點編號", "機構號", "支行号", "branch_no",
                 "branch_code", "org_id", "org_code", "所属网点", "开户网点", "归属网点", "归属机构", "所属机构",
                 "开户机构", "所属支行", "开户支行")
PRODUCT_ID_SYN = ("产品号", "产品编号", "产品代码", "產品編號", "產品代碼", "product_code", "prod_id", "prd_code")
CAMPAIGN_ID_SYN = ("活动号", "活动编号", "营销活动编号", "活動編號", "campaign_code", "activity_code", "camp_id")
CHANNEL_SYN = ("渠道", "渠道名称", "通路", "销售渠道", "channel_name")
AMOUNT_SYN = ("金额", "金額", "销售金额", "交易金额", "amt", "sale_amount", "成交金额", "成交金額")

TABLES: tuple[Table, ...] = (
    Table(
        "branches", ("branch_id",), (
            _id("branch_id", True, None, *BRANCH_ID_SYN),
            Column("branch_name", "VARCHAR", True, ("网点名称", "机构名称", "支行名称", "網點名稱", "機構名稱", "branch", "org_name")),
            Column("region", "VARCHAR", True, ("区域", "区域名称", "所属分行", "區域", "分行", "region_name", "area")),
        ),
        "Branches", "网点", "HR / organisation export", "人力或机构导出",
        synonyms=("网点", "机构", "branch"),
    ),
    Table(
        "staff", ("rm_id",), (
            _id("rm_id", True, None, *RM_ID_SYN),
            Column("rm_name", "VARCHAR", True, ("客户经理", "客户经理姓名", "员工姓名", "客戶經理姓名", "姓名", "name", "staff_name", "employee_name")),
            _id("branch_id", True, "branches.branch_id", *BRANCH_ID_SYN),
            _cat("line", LINE, True, "条线", "條線", "业务条线", "business_line"),
            Column("role", "VARCHAR", False, ("岗位", "職位", "岗位名称", "position", "title")),
            _date("hire_date", False, "入职日期", "入職日期", "入行日期", "hired_on", "start_date"),
            _id("mentor_rm_id", False, "staff.rm_id", "导师工号", "师傅工号", "導師編號", "mentor", "mentor_id"),
        ),
        "Staff (relationship managers)", "员工（客户经理）", "HR export", "人力资源导出",
        synonyms=("员工", "客户经理", "staff", "hr"),
    ),
    Table(
        "customers", ("customer_id",), (
            _id("customer_id", True, None, *CUSTOMER_ID_SYN),
            Column("customer_name", "VARCHAR", False, ("客户名称", "客户姓名", "客戶名稱", "客戶姓名", "户名", "戶名", "名称", "cust_name", "client_name"), personal=True),
            _cat("customer_type", CUSTOMER_TYPE, True, "客户类型", "客戶類型", "客户类别", "对公对私", "cust_type", "segment_type"),
            _id("branch_id", True, "branches.branch_id", *BRANCH_ID_SYN),
            _id("rm_id", False, "staff.rm_id", *RM_ID_SYN),
            _date("open_date", False, "开户日期", "開戶日期", "建立日期", "opened_on", "account_open_date"),
            Column("birth_year", "INTEGER", False, ("出生年份", "出生年", "birth", "yob")),
            Column("industry", "VARCHAR", False, ("行业", "行業", "所属行业", "sector")),
            _cat("risk_tolerance", RISK_TOLERANCE, False, "风险承受能力", "风险等级评估", "风险评级", "風險承受能力", "風險評級", "risk_profile", "risk_rating"),
            _date("risk_assessed_on", False, "风评日期", "风险评估日期", "風險評估日期", "risk_assessment_date"),
            _cat("acquisition_channel", CHANNEL, False, "获客渠道", "獲客渠道", "来源渠道", "source_channel"),
            _money("acquisition_cost", False, "获客成本", "獲客成本", "cac"),
            _cat("status", CUSTOMER_STATUS, False, "客户状态", "账户状态", "客戶狀態", "狀態", "状态", "cust_status"),
            _date("close_date", False, "销户日期", "銷戶日期", "closed_on"),
            Column("phone", "VARCHAR", False, ("手机号", "手机号码", "联系电话", "電話", "手機號碼", "mobile", "telephone", "tel"), personal=True),
            Column("id_number", "VARCHAR", False, ("证件号", "证件号码", "身份证号", "證件號碼", "身分證號", "id_no", "id_card"), personal=True),
        ),
        "Customers", "客户", "Core banking / CRM customer export", "核心系统或CRM客户导出",
        date_column="open_date", synonyms=("客户", "客戶", "customer", "cust", "client"),
    ),
    Table(
        "balances", ("customer_id", "as_of"), (
            _id("customer_id", True, "customers.customer_id", *CUSTOMER_ID_SYN),
            _date("as_of", True, "数据日期", "统计日期", "快照日期", "資料日期", "日期", "date", "snapshot_date", "data_date"),
            _money("deposits", False, "存款", "存款余额", "存款餘額", "deposit", "deposit_balance", "账户余额", "帳戶餘額",
                   "account_balance"),
            _money("wealth", False, "理财", "理财余额", "理財餘額", "wealth_balance", "wm"),
            _money("funds", False, "基金", "基金市值", "基金余额", "fund", "fund_balance"),
            _money("insurance", False, "保险", "保险金额", "保險", "insurance_balance"),
            _money("other_assets", False, "其他资产", "其他資產", "other", "others"),
            _money("loans", False, "贷款", "贷款余额", "貸款餘額", "loan", "loan_balance"),
            _cat("loan_status", LOAN_STATUS, False, "五级分类", "五級分類", "贷款分类", "loan_class"),
        ),
        "Balances (monthly or daily snapshots)", "余额快照（月度或日度）", "Core banking balance snapshot", "核心系统余额快照",
        date_column="as_of", synonyms=("余额", "餘額", "资产", "balance", "aum"),
    ),
    Table(
        "products", ("product_id",), (
            _id("product_id", True, None, *PRODUCT_ID_SYN),
            Column("product_name", "VARCHAR", True, ("产品名称", "產品名稱", "product", "prod_name")),
            _cat("product_type", PRODUCT_TYPE, True, "产品类型", "产品类别", "產品類型", "prod_type", "category"),
            _cat("risk_level", RISK_LEVEL, False, "风险等级", "产品风险等级", "風險等級", "risk_grade"),
            _cat("line", LINE, False, "条线", "條線", "business_line"),
        ),
        "Products", "产品", "Product catalogue export", "产品目录导出",
        synonyms=("产品", "產品", "product"),
    ),
    Table(
        "sales", ("sale_id",), (
            _id("sale_id", True, None, "销售编号", "交易编号", "订单号", "銷售編號", "交易編號", "sale_no", "order_id", "transaction_id", "txn_id",
                "借据号", "借据编号", "贷款编号", "loan_id", "loan_no"),
            _id("customer_id", True, "customers.customer_id", *CUSTOMER_ID_SYN),
            _id("product_id", True, "products.product_id", *PRODUCT_ID_SYN),
            _id("rm_id", False, "staff.rm_id", *RM_ID_SYN),
            _cat("channel", CHANNEL, False, *CHANNEL_SYN),
            _date("sale_date", True, "销售日期", "交易日期", "購買日期", "銷售日期", "date", "trade_date", "txn_date"),
            _money("amount", False, *AMOUNT_SYN),
            _money("fee_income", False, "中收", "中间业务收入", "手续费收入", "手續費收入", "fee", "fees", "commission"),
            _cat("status", SALE_STATUS, False, "状态", "狀態", "持有状态"),
            _date("close_date", False, "到期日", "结清日期", "赎回日期", "結清日期", "end_date", "maturity_date"),
        ),
        "Sales", "销售", "Core banking / product sales export", "核心系统销售导出",
        date_column="sale_date", synonyms=("销售", "銷售", "交易", "sale", "sales", "order"),
    ),
    Table(
        "campaigns", ("campaign_id",), (
            _id("campaign_id", True, None, *CAMPAIGN_ID_SYN),
            Column("campaign_name", "VARCHAR", True, ("活动名称", "营销活动", "活動名稱", "campaign", "name")),
            _cat("channel", CHANNEL, False, *CHANNEL_SYN),
            _date("start_date", False, "开始日期", "開始日期", "start", "begin_date"),
            _date("end_date", False, "结束日期", "結束日期", "end"),
            _money("cost", False, "费用", "成本", "活动费用", "費用", "budget", "spend"),
            Column("target_tier", "VARCHAR", False, ("目标客群", "目標客群", "target_segment", "segment")),
            _id("product_id", False, "products.product_id", *PRODUCT_ID_SYN),
            Column("sprint_offer", "BOOLEAN", False, ("冲刺优惠", "衝刺優惠", "冲刺活动", "衝刺活動", "冲刺期优惠",
                                                       "是否冲刺优惠", "sprint", "is_sprint_offer", "sprint_promo"),
                   doc_en="an offer of the sprint weeks (e.g. points for deposits reaching a target, waived fees)",
                   doc_zh="冲刺周的优惠活动（如存款达标送积分、免开户费）"),
        ),
        "Campaigns", "营销活动", "Campaign management export", "营销系统导出",
        date_column="start_date", synonyms=("活动", "活動", "营销", "campaign"),
    ),
    Table(
        "leads", ("lead_id",), (
            _id("lead_id", True, None, "线索编号", "线索号", "商机编号", "線索編號", "lead_no", "opportunity_id"),
            _id("campaign_id", False, "campaigns.campaign_id", *CAMPAIGN_ID_SYN),
            _id("customer_id", False, "customers.customer_id", *CUSTOMER_ID_SYN),
            _date("contact_date", False, "触达日期", "联系日期", "接觸日期", "聯繫日期", "contacted_on"),
            _cat("channel", CHANNEL, False, *CHANNEL_SYN),
            _cat("variant", VARIANT, False, "话术版本", "话术", "話術", "版本", "script", "ab_group", "test_group"),
            _cat("stage", LEAD_STAGE, False, "阶段", "階段", "跟进阶段", "funnel_stage"),
            Column("converted", "BOOLEAN", False, ("是否成交", "是否转化", "是否轉化", "成交", "is_converted", "won", "y",
                                                    "subscribed")),
            _date("converted_date", False, "成交日期", "轉化日期", "conversion_date"),
            _id("product_id", False, "products.product_id", *PRODUCT_ID_SYN),
            _money("amount", False, *AMOUNT_SYN),
            _money("aum_inflow", False, "资产流入", "新增aum", "新增资产", "資產流入", "inflow", "new_money"),
            Column("is_new_customer", "BOOLEAN", False, ("是否新客", "新客户", "新客戶", "new_customer", "is_new")),
            Column("reserve", "BOOLEAN", False, ("储备", "儲備", "是否储备", "是否儲備", "下季度储备", "下季度儲備",
                                                  "储备线索", "儲備線索", "预约", "預約", "是否预约", "是否預約",
                                                  "is_reserve", "next_quarter_reserve", "booked", "reserved"),
                   doc_en="booked for next quarter (下季度线索储备); stage 'reserved' counts too",
                   doc_zh="下季度线索储备（如春季配置预约）；阶段为“储备/预约”的线索同样计入"),
        ),
        "Leads", "线索", "Campaign / CRM leads export", "营销或CRM线索导出",
        date_column="contact_date", synonyms=("线索", "線索", "商机", "lead", "leads"),
    ),
    Table(
        "activities", ("activity_id",), (
            _id("activity_id", True, None, "活动记录号", "行为编号", "記錄編號", "activity_no", "record_id", "log_id"),
            _id("rm_id", True, "staff.rm_id", *RM_ID_SYN),
            _date("activity_date", True, "行为日期", "拜访日期", "記錄日期", "date", "log_date"),
            _cat("activity_type", ACTIVITY_TYPE, True, "行为类型", "活动类型", "行為類型", "type", "action_type"),
            _id("customer_id", False, "customers.customer_id", *CUSTOMER_ID_SYN),
            Column("quantity", "DOUBLE", False, ("数量", "次数", "时长", "數量", "次數", "count", "hours", "qty")),
        ),
        "RM activities", "客户经理行为", "CRM activity log", "CRM行为日志",
        date_column="activity_date", synonyms=("行为", "行為", "拜访", "activity", "activities"),
    ),
    Table(
        "referrals", ("referral_id",), (
            _id("referral_id", True, None, "转介编号", "轉介編號", "referral_no"),
            _id("from_rm_id", True, "staff.rm_id", "转出客户经理", "推荐人工号", "轉出客戶經理", "referrer_id", "from_rm"),
            _id("to_rm_id", True, "staff.rm_id", "接收客户经理", "承接人工号", "接收客戶經理", "receiver_id", "to_rm"),
            _id("customer_id", False, "customers.customer_id", *CUSTOMER_ID_SYN),
            _cat("direction", REFERRAL_DIRECTION, True, "转介方向", "轉介方向", "type"),
            _date("referral_date", True, "转介日期", "轉介日期", "date"),
            Column("converted", "BOOLEAN", False, ("是否成交", "是否转化", "成交", "is_converted")),
            _money("amount", False, *AMOUNT_SYN),
        ),
        "Cross-referrals", "公私联动转介", "Referral ledger export", "转介台账导出",
        date_column="referral_date", synonyms=("转介", "轉介", "referral"),
    ),
    Table(
        "targets", ("quarter", "scope", "scope_id", "metric", "week"), (
            Column("quarter", "VARCHAR", True, ("季度", "考核季度", "period", "qtr")),
            _cat("scope", TARGET_SCOPE, True, "层级", "層級", "考核层级", "level"),
            Column("scope_id", "VARCHAR", True, ("对象编号", "考核对象", "對象編號", "entity_id", "unit_id")),
            Column("metric", "VARCHAR", True, ("指标", "指标代码", "指標", "kpi", "indicator")),
            Column("week", "INTEGER", False, ("周", "周次", "週次", "week_no"), default="0",
                   doc_en="0 = target for the whole quarter", doc_zh="0 表示全季度目标"),
            Column("target_value", "DOUBLE", True, ("目标值", "目标", "計劃值", "目標值", "target", "plan", "plan_value")),
        ),
        "Targets (plan)", "目标（计划）", "Planning / performance-management export", "计划或绩效考核导出",
        synonyms=("目标", "目標", "计划", "target", "plan"),
    ),
    Table(
        "peer_benchmarks", ("quarter", "metric"), (
            Column("quarter", "VARCHAR", True, ("季度", "period", "qtr")),
            Column("metric", "VARCHAR", True, ("指标", "指標", "kpi", "indicator")),
            Column("peer_value", "DOUBLE", True, ("同业值", "同业水平", "同業值", "peer", "benchmark")),
            Column("source", "VARCHAR", False, ("来源", "數據來源", "数据来源", "source_name")),
        ),
        "Peer benchmarks", "同业对标", "Industry benchmark file", "同业对标数据",
        synonyms=("同业", "同業", "对标", "peer", "benchmark"),
    ),
    Table(
        "assessments", ("rm_id", "assessed_on", "dimension"), (
            _id("rm_id", True, "staff.rm_id", *RM_ID_SYN),
            _date("assessed_on", True, "评估日期", "考核日期", "評估日期", "date", "assessment_date"),
            Column("dimension", "VARCHAR", True, ("能力维度", "维度", "能力項", "維度", "skill", "competency")),
            Column("score", "DOUBLE", True, ("得分", "分数", "分數", "rating")),
        ),
        "Capability assessments", "能力测评", "Training / HR assessment export", "培训或人力测评导出",
        date_column="assessed_on", synonyms=("测评", "測評", "能力", "assessment"),
    ),
    Table(
        "surveys", ("survey_id",), (
            _id("survey_id", True, None, "问卷编号", "回访编号", "問卷編號", "survey_no", "response_id"),
            _id("customer_id", False, "customers.customer_id", *CUSTOMER_ID_SYN),
            _date("survey_date", False, "回访日期", "调查日期", "調查日期", "date"),
            Column("score", "DOUBLE", False, ("满意度", "评分", "滿意度", "評分", "satisfaction", "rating", "nps")),
            Column("unmet_need", "VARCHAR", False, ("未满足需求", "需求", "未滿足需求", "意见", "comment", "need")),
        ),
        "Customer surveys", "客户回访", "Satisfaction survey export", "满意度回访导出",
        date_column="survey_date", synonyms=("回访", "回訪", "满意度", "survey"),
    ),
    Table(
        "ledger", ("item_id",), (
            _id("item_id", True, None, "问题编号", "事项编号", "問題編號", "item_no", "issue_id"),
            Column("quarter", "VARCHAR", True, ("季度", "period")),
            Column("week", "INTEGER", False, ("周", "周次", "週次", "week_no")),
            Column("owner", "VARCHAR", True, ("责任人", "負責人", "负责人", "assignee")),
            Column("category", "VARCHAR", False, ("类别", "問題類別", "问题类别", "type")),
            Column("problem", "VARCHAR", True, ("问题", "问题描述", "問題描述", "issue", "description")),
            Column("action", "VARCHAR", False, ("措施", "改进措施", "改進措施", "countermeasure")),
            _date("due_date", False, "截止日期", "到期日", "計劃完成日", "deadline", "due"),
            _cat("status", LEDGER_STATUS, True, "状态", "狀態", "进度"),
            _date("resolved_on", False, "解决日期", "完成日期", "解決日期", "closed_on"),
            Column("notes", "VARCHAR", False, ("备注", "備註", "remark", "comments")),
        ),
        "Problem-resolution ledger", "问题解决台账", "Weekly review ledger", "周例会问题台账",
        date_column="due_date", synonyms=("台账", "台賬", "问题", "ledger"),
    ),
    Table(
        "relations", ("from_party", "to_party", "relation"), (
            _id("from_party", True, None, "主体", "主體", "关联方a", "股东编号", "股東編號", "担保人", "擔保人",
                "实际控制人编号", "供应商", "供應商", "from", "from_id", "party_a", "source_party",
                doc_en="customer_id of a corporate customer or party_id of an outside company",
                doc_zh="对公客户号或外部企业编号"),
            _id("to_party", True, None, "关联企业", "關聯企業", "关联方b", "被担保人", "被擔保人", "被投资企业",
                "被投資企業", "采购方", "採購方", "to", "to_id", "party_b", "target_party",
                doc_en="the other party; from_party is <relation> of to_party",
                doc_zh="另一方；from_party 是 to_party 的<关系>"),
            _cat("relation", RELATION_TYPE, True, "关系类型", "關係類型", "关联关系", "關聯關係", "关系", "關係",
                 "relation_type", "relationship"),
            Column("share_pct", "DOUBLE", False, ("持股比例", "持股比例%", "持股比率", "持股比", "出资比例", "出資比例",
                                                 "share", "shareholding", "stake", "ownership")),
            _money("amount", False, "担保金额", "擔保金額", "金额", "金額", "guarantee_amount", "amt"),
            _date("since", False, "起始日期", "开始日期", "開始日期", "生效日期", "start_date", "valid_from"),
            _date("until", False, "结束日期", "結束日期", "终止日期", "終止日期", "到期日", "end_date", "valid_to"),
        ),
        "Related parties (shareholders, guarantees, control, supply chain)", "关联关系（股东、担保、控制、上下游）",
        "Corporate credit / business registry export", "对公授信或工商信息导出",
        date_column="since", synonyms=("关联关系", "關聯關係", "关联", "担保", "relations", "relation"),
    ),
    Table(
        "outside_parties", ("party_id",), (
            _id("party_id", True, None, "关联方编号", "關聯方編號", "企业编号", "企業編號", "统一社会信用代码",
                "統一社會信用代碼", "party_no", "company_id"),
            Column("party_name", "VARCHAR", False, ("关联方名称", "關聯方名稱", "企业名称", "企業名稱", "公司名称",
                                                    "公司名稱", "company_name", "name"), personal=True),
            Column("industry", "VARCHAR", False, ("行业", "行業", "所属行业", "sector")),
            Column("overdue_days", "INTEGER", False, ("逾期天数", "逾期天數", "逾期天", "days_overdue", "dpd")),
            Column("debt_ratio", "DOUBLE", False, ("资产负债率", "資產負債率", "负债率", "負債率", "leverage",
                                                   "debt_to_assets")),
            Column("litigation", "BOOLEAN", False, ("涉诉", "涉訴", "是否涉诉", "诉讼", "訴訟", "lawsuit")),
            Column("enforcement", "BOOLEAN", False, ("被执行", "被執行", "是否被执行", "失信被执行", "enforced",
                                                     "enforcement_flag")),
        ),
        "Outside companies (related parties and their risk facts)", "外部关联企业（及其风险信息）",
        "Credit bureau / business registry export", "征信或工商信息导出",
        synonyms=("关联方", "關聯方", "外部企业", "party", "parties"),
    ),
)

TRAINING_STATUS = {
    "enrolled": ("enrolled", "registered", "signed up", "已报名", "已報名", "报名", "報名", "在训", "在訓", "培训中",
                 "培訓中"),
    "done": ("done", "completed", "finished", "passed", "已完成", "完成", "结业", "結業", "已结业", "已結業"),
}
TRAINING_PROGRAMME = {  # the plan's programmes by tier (lib/team/training.py)
    "onboarding_camp": ("onboarding_camp", "onboarding camp", "onboarding", "30-day onboarding camp",
                        "新人训练营", "新人訓練營", "30天新人训练营", "30天新人訓練營", "入职训练营", "入職訓練營"),
    "wealth_master_class": ("wealth_master_class", "wealth master class", "wealth-management master class",
                            "财富管理大师班", "財富管理大師班", "财富大师班", "財富大師班"),
    "digital_marketing_camp": ("digital_marketing_camp", "digital marketing camp", "digital-marketing camp",
                               "数字化营销训练营", "數位化行銷訓練營", "数字营销训练营", "數字營銷訓練營"),
    "okr_training": ("okr_training", "okr training", "okr", "OKR培训", "OKR培訓", "OKR管理培训", "OKR管理培訓"),
}
TEAM_TABLES: tuple[Table, ...] = (
    Table(
        "mentor_journal", ("entry_id",), (
            _id("entry_id", True, None, "日志编号", "日誌編號", "记录编号", "記錄編號", "journal_id", "log_id"),
            _id("mentor_rm_id", True, "staff.rm_id", "导师工号", "師傅工號", "导师编号", "導師編號", "师傅工号",
                "mentor", "mentor_id"),
            _id("mentee_rm_id", True, "staff.rm_id", "徒弟工号", "徒弟工號", "学员工号", "學員工號", "mentee",
                "mentee_id", "apprentice_id"),
            Column("month", "VARCHAR", True, ("月份", "日志月份", "日誌月份", "log_month", "period_month"),
                   doc_en="the month logged, YYYY-MM", doc_zh="日志所属月份，格式 YYYY-MM"),
            _id("customer_id", False, "customers.customer_id", *CUSTOMER_ID_SYN),
            Column("needs", "VARCHAR", True, ("客户需求", "客戶需求", "需求分析", "customer_needs", "needs_noted")),
            Column("matching_logic", "VARCHAR", False, ("产品匹配逻辑", "產品匹配邏輯", "匹配逻辑", "匹配邏輯",
                                                        "product_matching", "matching")),
            Column("created_by", "VARCHAR", False, ("填写人", "填寫人", "记录人", "記錄人", "author")),
            _date("created_on", False, "填写日期", "填寫日期", "记录日期", "記錄日期", "logged_on"),
        ),
        "Mentor's customer journal", "客户经营日志（师徒）", "Mentoring log kept by senior RMs", "师傅客户经理月度日志",
        synonyms=("客户经营日志", "客戶經營日誌", "经营日志", "journal", "mentor_journal"),
    ),
    Table(
        "training_enrolments", ("rm_id", "programme", "quarter"), (
            _id("rm_id", True, "staff.rm_id", *RM_ID_SYN),
            _cat("programme", TRAINING_PROGRAMME, True, "培训项目", "培訓項目", "培训班", "培訓班", "课程", "課程",
                 "program", "course"),
            Column("quarter", "VARCHAR", True, ("季度", "培训季度", "培訓季度", "period", "qtr")),
            _cat("status", TRAINING_STATUS, True, "培训状态", "培訓狀態", "状态", "狀態", "progress"),
            _date("enrolled_on", False, "报名日期", "報名日期", "enrolment_date", "enrollment_date"),
            _date("completed_on", False, "结业日期", "結業日期", "完成日期", "completion_date", "finished_on"),
        ),
        "Training enrolments", "培训报名与结业", "Training / HR enrolment export", "培训或人力报名导出",
        date_column="enrolled_on", synonyms=("培训报名", "培訓報名", "培训", "enrolment", "training"),
    ),
)
TABLES = TABLES + TEAM_TABLES

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(TABLE_BY_NAME)}") from None


# ---------------------------------------------------------------- DDL
SYSTEM_TABLES_DDL = (
    "CREATE TABLE IF NOT EXISTS qd_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS qd_settings (key VARCHAR PRIMARY KEY, value VARCHAR, updated_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS qd_imports (import_id BIGINT PRIMARY KEY, table_name VARCHAR, file_name VARCHAR,"
    " file_size BIGINT, checksum VARCHAR, rows_read BIGINT, rows_inserted BIGINT, rows_updated BIGINT,"
    " rows_unchanged BIGINT, rows_rejected BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP,"
    " username VARCHAR, status VARCHAR, undone_at TIMESTAMP)",
    # PDCA (lib/pdca/ledger.py, lib/pdca/plan.py): ledger audit trail, quarter milestones, weekly review notes
    "CREATE TABLE IF NOT EXISTS qd_ledger_audit (audit_id BIGINT, item_id VARCHAR, action VARCHAR, field VARCHAR,"
    " old_value VARCHAR, new_value VARCHAR, username VARCHAR, changed_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS qd_pdca_milestones (quarter VARCHAR, milestone_id INTEGER, day DATE,"
    " label VARCHAR, kind VARCHAR, username VARCHAR, saved_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS qd_pdca_reviews (quarter VARCHAR, week INTEGER, notes VARCHAR,"
    " held_at TIMESTAMP, username VARCHAR, saved_at TIMESTAMP)",
    # team (lib/team/playbook.py): innovation cases of the quarter's playbook, written by editors in the app
    "CREATE TABLE IF NOT EXISTS qd_playbook_cases (case_id VARCHAR, quarter VARCHAR, title VARCHAR, rm_id VARCHAR,"
    " segment VARCHAR, what_done VARCHAR, result VARCHAR, created_by VARCHAR, created_at TIMESTAMP,"
    " updated_by VARCHAR, updated_at TIMESTAMP)",
    # access control (lib/core/auth.py, lib/core/audit.py): users with role and scope, append-only audit log
    "CREATE TABLE IF NOT EXISTS qd_users (username VARCHAR PRIMARY KEY, display_name VARCHAR, role VARCHAR,"
    " region VARCHAR, branch_ids VARCHAR, customer_type VARCHAR, personal BOOLEAN, disabled BOOLEAN,"
    " password_hash VARCHAR, updated_at TIMESTAMP, updated_by VARCHAR)",
    "CREATE TABLE IF NOT EXISTS qd_audit (audit_id BIGINT, happened_at TIMESTAMP, username VARCHAR, role VARCHAR,"
    " action VARCHAR, detail VARCHAR)",
    # sign-in throttle (lib/core/auth.py): failed password sign-ins per account and per client address
    "CREATE TABLE IF NOT EXISTS qd_sign_in_throttle (kind VARCHAR, key VARCHAR, failures INTEGER,"
    " last_failed_at TIMESTAMP, locked_until TIMESTAMP, PRIMARY KEY (kind, key))",
    # the metric cube (lib/metrics/cube.py): pre-aggregated metrics, rebuilt after every write of facts
    "CREATE TABLE IF NOT EXISTS qd_cube (metric VARCHAR, quarter VARCHAR, start_snap DATE, end_snap DATE,"
    " period_end DATE, branch_id VARCHAR, rm_id VARCHAR, customer_type VARCHAR, num DOUBLE, den DOUBLE)",
    "CREATE TABLE IF NOT EXISTS qd_cube_index (metric VARCHAR, quarter VARCHAR, start_snap DATE, end_snap DATE,"
    " period_end DATE)",
    "CREATE TABLE IF NOT EXISTS qd_cube_aum (as_of DATE, branch_id VARCHAR, customer_type VARCHAR, aum DOUBLE)",
    "CREATE TABLE IF NOT EXISTS qd_cube_tiers (quarter VARCHAR, customer_id VARCHAR, customer_type VARCHAR,"
    " branch_id VARCHAR, rm_id VARCHAR, aum DOUBLE, prev_aum DOUBLE, corp_balance DOUBLE, tier VARCHAR)",
    "CREATE TABLE IF NOT EXISTS qd_cube_tier_h (quarter VARCHAR, branch_id VARCHAR, customer_type VARCHAR,"
    " tier VARCHAR, product_type VARCHAR, holders BIGINT)",
    "CREATE TABLE IF NOT EXISTS qd_cube_first (customer_id VARCHAR, branch_id VARCHAR, customer_type VARCHAR,"
    " product_type VARCHAR, d DATE)",
    "CREATE TABLE IF NOT EXISTS qd_cube_bundle_n (quarter VARCHAR, branch_id VARCHAR, customer_type VARCHAR,"
    " tier VARCHAR, customers BIGINT)",
    "CREATE TABLE IF NOT EXISTS qd_cube_bundle_h (quarter VARCHAR, branch_id VARCHAR, customer_type VARCHAR,"
    " tier VARCHAR, product_type VARCHAR, holders BIGINT)",
    "CREATE TABLE IF NOT EXISTS qd_cube_bundle_pairs (quarter VARCHAR, branch_id VARCHAR, customer_type VARCHAR,"
    " type_a VARCHAR, type_b VARCHAR, \"both\" BIGINT)",
)


def create_table_sql(t: Table) -> str:
    cols = [f'"{c.name}" {c.type}' for c in t.columns]
    cols += [f'"{n}" {ty}' for n, ty in SYSTEM_COLUMNS]
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


AUM_PARTS = ("deposits", "wealth", "funds", "insurance", "other_assets")
VIEWS_DDL = (
    "CREATE OR REPLACE VIEW v_balances AS SELECT *, "
    + " + ".join(f"coalesce({p}, 0)" for p in AUM_PARTS)
    + " AS aum FROM balances",
)


def ddl() -> list[str]:
    """Every statement needed to create an empty database; idempotent."""
    return [*SYSTEM_TABLES_DDL, *(create_table_sql(t) for t in TABLES), *VIEWS_DDL]


# ---------------------------------------------------------------- header / value matching
def normalise(text: object) -> str:
    """Fold a header or category value for matching: NFKC (full-width to half-width),
    traditional to simplified Chinese (OpenCC), lower case, and drop spaces, underscores,
    hyphens, dots, slashes and brackets."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-./\\()（）\[\]【】:：]+", "", _simplified(s))


@lru_cache(maxsize=100_000)
def _simplified(s: str) -> str:
    if not any("\u3400" <= ch <= "\u9fff" for ch in s):
        return s
    global _T2S
    if _T2S is None:
        import opencc
        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(s)


_T2S = None


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def header_forms(col: Column) -> list[str]:
    """Every spelling accepted for a column: its name, its synonyms."""
    forms = [col.name, col.name.replace("_", " "), *col.synonyms]
    return list(dict.fromkeys(forms))


def header_index(t: Table) -> dict[str, str]:
    """normalised header spelling -> canonical column name for one table."""
    idx: dict[str, str] = {}
    for col in t.columns:
        for form in header_forms(col):
            idx.setdefault(normalise(form), col.name)
        idx.setdefault(normalise(_camel_to_snake(col.name)), col.name)
    return idx


def match_header(t: Table, header: str) -> str | None:
    """The canonical column a file header maps to in table `t`, or None."""
    return header_index(t).get(normalise(header))


def category_index(col: Column) -> dict[str, str]:
    idx: dict[str, str] = {}
    for canonical, syns in (col.categories or {}).items():
        for s in (canonical, *syns):
            idx.setdefault(normalise(s), canonical)
    return idx


def match_category(col: Column, value: object) -> str | None:
    """The canonical category for a raw value, or None when it is not recognised."""
    if value is None:
        return None
    return category_index(col).get(normalise(value))


def table_match_score(t: Table, headers: list[str]) -> float:
    """Share of a table's required columns found among `headers`, plus a small bonus per
    other matched column; used to guess which table a file most likely is."""
    idx = header_index(t)
    found = {idx[normalise(h)] for h in headers if normalise(h) in idx}
    if not t.required:
        return 0.0
    req = sum(1 for c in t.required if c in found) / len(t.required)
    return req + 0.05 * len(found - set(t.required))


def contract_rows(lang: str = "en") -> list[dict]:
    """The data contract as rows (table, column, type, key, required, personal, synonyms,
    categories) for the in-app "what can I upload" page and docs/DATA_CONTRACT.md."""
    rows = []
    for t in TABLES:
        for c in t.columns:
            rows.append({
                "table": t.name,
                "table_label": t.label_zh if lang == "zh" else t.label_en,
                "column": c.name,
                "type": c.type,
                "key": c.name in t.key,
                "required": c.required,
                "personal": c.personal,
                "references": c.references or "",
                "synonyms": ", ".join(c.synonyms),
                "categories": ", ".join((c.categories or {}).keys()),
            })
    return rows
