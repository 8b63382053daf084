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
    "ingest.err.undo_scope_table": {
        "en": "import {import_id} cannot be undone by you: {table} holds bank-wide data and you may change data of "
              "your branches only; ask an administrator to undo it.",
        "zh": "您无法撤销导入批次 {import_id}：{table} 是全行数据，您只能修改所辖网点的数据；请管理员撤销。"},
    "ingest.err.undo_scope_rows": {
        "en": "import {import_id} cannot be undone by you: it wrote or replaced rows of branch {branches}, outside "
              "your scope ('?': no known branch); ask an administrator to undo it.",
        "zh": "您无法撤销导入批次 {import_id}：该批次写入或替换了网点 {branches} 的数据，不在您的权限范围内"
              "（“?”表示无可识别网点）；请管理员撤销。"},
    "ingest.err.undo_dependants": {
        "en": "import {import_id} cannot be undone: {rows} rows of {tables} belong to customers it added (e.g. "
              "{customer}) and were loaded by import {later}; undo those imports first, so that no balance, sale "
              "or lead is left without its customer.",
        "zh": "无法撤销导入批次 {import_id}：{tables} 中有 {rows} 行属于该批次新增的客户（如 {customer}），由导入批次 "
              "{later} 载入；请先撤销这些批次，以免余额、销售或线索失去对应客户。"},
    "ingest.cli.ignored": {"en": "{file}: ignored columns (not loaded): {columns}",
                           "zh": "{file}：已忽略的列（未载入）：{columns}"},
    "ingest.err.all_rejected": {
        "en": "{file}: nothing was loaded: all {n} rows were rejected; see the reasons, fix the file or the mapping "
              "and load it again.",
        "zh": "{file}：未载入任何数据：全部 {n} 行被拒绝；请查看原因，修正文件或映射后重新载入。"},
}
