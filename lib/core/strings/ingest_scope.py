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
    "ingest.ui.failed": {
        "en": "{file}: this file could not be read or loaded; nothing was written. Check that it is a complete CSV, "
              "XLSX or Parquet export and upload it again; if it keeps failing, give the file to your administrator "
              "(the details are in the server log).",
        "zh": "{file}：无法读取或载入该文件，未写入任何数据。请确认是完整的 CSV、XLSX 或 Parquet 导出文件后重新上传；"
              "如仍失败，请将文件交给管理员（详情见服务器日志）。"},
    "ingest.ui.undo_failed": {
        "en": "Import {import_id} could not be undone; nothing was changed. Ask your administrator (the details are in "
              "the server log).",
        "zh": "无法撤销导入批次 {import_id}，数据未作任何改动。请联系管理员（详情见服务器日志）。"},
    "ingest.ui.fill_intro": {
        "en": "The file lacks columns the table needs. Pick one value for the whole file:",
        "zh": "文件缺少数据表所需的列。请为整个文件选择一个值："},
    "ingest.ui.fill": {"en": "{column} for every row", "zh": "所有行的 {column}"},
    "ingest.ui.fill_pick": {"en": "Choose a value", "zh": "请选择"},
    "ingest.ui.fill_needed": {
        "en": "Fill in the missing columns above (or map a column of the file to them) to see the validation report.",
        "zh": "请先填写上方缺少的列（或将文件中的列映射过去），再查看校验报告。"},
    "ingest.ui.nothing_to_load": {
        "en": "{file}: no row would load: all {n} rows are rejected. See the reasons below, then fix the mapping, the "
              "value rules or the file.",
        "zh": "{file}：没有可载入的行：全部 {n} 行被拒绝。请查看下方原因，修正映射、取值规则或文件。"},
    "ingest.ui.load_failed": {
        "en": "{file}: nothing was loaded: all {n} rows were rejected. The mapping was not saved.",
        "zh": "{file}：未载入任何数据：全部 {n} 行被拒绝。映射未保存。"},
    "ingest.ui.constant_optional": {"en": "Fill a column the file lacks with one value",
                                    "zh": "为文件缺少的列统一填入一个值"},
    "ingest.ui.constant_column": {"en": "Column", "zh": "列"},
}
