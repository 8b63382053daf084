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
    **{f"audit.detail.{k}": {"en": en, "zh": zh} for k, (en, zh) in _DETAIL.items()},
}
