"""Upload / import: scope of writes and undo, per-file failures, fill-ins and load outcomes."""
STRINGS = {
    "ingest.reason.stored_out_of_scope": {
        "en": "{column}: '{value}' belongs to branch {detail}, outside your scope; ask an uploader of that branch "
              "or an administrator to change it",
        "zh": "{column}：“{value}”属于网点 {detail}，不在您的权限范围内；请该网点的上传人员或管理员修改"},
    "ingest.reason.stored_no_branch": {
        "en": "{column}: '{value}' is stored without a known branch, so it cannot be checked against your scope; "
              "ask an administrator to change it",
        "zh": "{column}：“{value}”已存数据没有可识别的网点，无法核对权限范围；请管理员修改"},
}
