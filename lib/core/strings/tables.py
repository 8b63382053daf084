"""Texts of the formatting layer (lib/ui/tables.py): blanks, yes/no, audit-log details, the metric
registry's key column."""

_DETAIL = {
    "action": ("action", "操作"), "address": ("address", "地址"), "branches": ("branches", "网点"),
    "by": ("by", "操作人"), "created": ("created", "新建"), "customer_type": ("customer type", "客户类型"),
    "deleted": ("deleted", "删除"), "disabled": ("disabled", "停用"), "failures": ("failures", "失败次数"),
    "file": ("file", "文件"), "held": ("held", "已持有"), "import_id": ("import", "导入批次"),
    "import_ids": ("imports", "导入批次"), "inserted": ("inserted", "新增"), "journal": ("journal", "经营日志"),
    "key": ("key", "键"), "locked_until": ("locked until", "锁定至"), "mentee": ("mentee", "徒弟"),
    "mentor": ("mentor", "师傅"), "milestones": ("milestones", "里程碑"), "mode": ("mode", "方式"),
    "month": ("month", "月份"), "new": ("new", "新值"), "oidc": ("identity provider", "统一身份认证"),
    "old": ("old", "原值"), "personal": ("personal data", "个人信息"),
    "personal_masked": ("personal data masked", "个人信息已脱敏"), "playbook": ("playbook", "实战手册"),
    "quarter": ("quarter", "季度"), "read": ("read", "读取"), "reason": ("reason", "原因"),
    "region": ("region", "区域"), "rejected": ("rejected", "拒绝"), "retry_after": ("retry after", "重试间隔"),
    "review_notes": ("review notes", "例会记录"), "role": ("role", "角色"), "rows": ("rows", "行数"),
    "scope": ("scope", "范围"), "table": ("table", "表"), "target": ("target", "对象"), "title": ("title", "标题"),
    "training": ("training", "培训"), "updated": ("updated", "更新"), "user": ("user", "用户"), "week": ("week", "周"),
}

STRINGS = {
    "tables.yes": {"en": "yes", "zh": "是"},
    "tables.no": {"en": "no", "zh": "否"},
    "metrics.col.key": {"en": "Key", "zh": "指标代码"},
    # suitability check: a breach (R above C) and a to-do (assessment missing or expired) apart
    "tiering.comp.kpi.breach": {"en": "Mismatch R > C (breach)", "zh": "风险不匹配 R > C（违规）"},
    "tiering.comp.kpi.breach_help": {
        "en": "Sales of a product whose risk level is above the customer's assessed tolerance: a compliance breach.",
        "zh": "产品风险等级高于客户风险承受能力的销售：属于合规违规。"},
    "tiering.comp.kpi.todo": {"en": "Assessment missing or expired (to-do)", "zh": "测评缺失或过期（待办）"},
    "tiering.comp.kpi.todo_help": {
        "en": "Sales within the customer's tolerance but without a valid risk assessment on file: the assessment "
              "has to be (re)done; not a breach.",
        "zh": "未超出客户风险承受能力、但销售时无有效风险测评的销售：需要（重新）测评，不属于违规。"},
    "tiering.comp.amount": {"en": "amount {amount}", "zh": "金额 {amount}"},
    "tiering.comp.share_of_checked": {"en": "{share} of sales checked", "zh": "占已检查销售 {share}"},
    "tiering.comp.todo_split": {"en": "{missing} missing, {expired} expired", "zh": "缺失 {missing}，过期 {expired}"},
    "tiering.comp.breach_header": {"en": "Breaches: risk above tolerance, largest first",
                                   "zh": "违规：产品风险超出承受能力（按金额从大到小）"},
    "tiering.comp.todo_header": {"en": "To-do: assessments to redo, largest first",
                                 "zh": "待办：需重新测评（按金额从大到小）"},
    "tiering.comp.no_breach": {"en": "No sale above the customer's risk tolerance in this period.",
                               "zh": "该期间没有超出客户风险承受能力的销售。"},
    "tiering.comp.kind.breach": {"en": "breach", "zh": "违规"},
    "tiering.comp.kind.todo": {"en": "to-do", "zh": "待办"},
    "tiering.col.breach_amount": {"en": "Breach amount ({unit})", "zh": "违规金额（{unit}）"},
    "tiering.col.todo": {"en": "To-dos", "zh": "待办笔数"},
    "tiering.col.todo_amount": {"en": "To-do amount ({unit})", "zh": "待办金额（{unit}）"},
    "tiering.col.amount_each": {"en": "Amount", "zh": "金额"},
    **{f"audit.detail.{k}": {"en": en, "zh": zh} for k, (en, zh) in _DETAIL.items()},
}
