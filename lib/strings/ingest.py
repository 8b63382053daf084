"""Upload / import: errors, row-level reasons, CLI and Data-page upload workflow."""
STRINGS = {
    # ---- file-level errors (IngestError): name the file, say what to do
    "ingest.err.not_found": {"en": "{file}: file not found.", "zh": "{file}：找不到文件。"},
    "ingest.err.empty": {
        "en": "{file}: the file is empty; export it again with its header row and data.",
        "zh": "{file}：文件为空，请重新导出（含表头和数据）。"},
    "ingest.err.binary": {
        "en": "{file}: this is not a text, Excel (.xlsx) or Parquet file; export the data as CSV, XLSX or Parquet.",
        "zh": "{file}：不是文本、Excel（.xlsx）或 Parquet 文件，请导出为 CSV、XLSX 或 Parquet。"},
    "ingest.err.encoding": {
        "en": "{file}: cannot tell the text encoding; save the file as UTF-8 and upload it again.",
        "zh": "{file}：无法识别文本编码，请另存为 UTF-8 后重新上传。"},
    "ingest.err.xls": {
        "en": "{file}: old Excel 97-2003 (.xls) files are not supported; save it as .xlsx or CSV.",
        "zh": "{file}：不支持旧版 Excel 97-2003（.xls），请另存为 .xlsx 或 CSV。"},
    "ingest.err.xlsx": {
        "en": "{file}: cannot read this Excel file (damaged or truncated?): {error}. Open and save it again in Excel, or export CSV.",
        "zh": "{file}：无法读取该 Excel 文件（可能已损坏或不完整）：{error}。请在 Excel 中重新保存，或导出 CSV。"},
    "ingest.err.no_sheet": {
        "en": "{file}: no sheet named {sheet}; the sheets are: {sheets}.",
        "zh": "{file}：没有名为 {sheet} 的工作表；现有工作表：{sheets}。"},
    "ingest.err.parquet": {
        "en": "{file}: cannot read this Parquet file: {error}.", "zh": "{file}：无法读取该 Parquet 文件：{error}。"},
    "ingest.err.unknown_table": {
        "en": "{file}: cannot tell which table this file is (headers: {headers}); choose the table (--table NAME) or rename the headers.",
        "zh": "{file}：无法判断该文件对应哪张表（表头：{headers}），请指定目标表（--table 表名）或修改表头。"},
    "ingest.err.no_header": {
        "en": "{file}: there is no column {header}; the file's columns are: {headers}.",
        "zh": "{file}：没有列 {header}；文件中的列为：{headers}。"},
    "ingest.err.no_column": {
        "en": "table {table} has no column {column}; its columns are: {columns}.",
        "zh": "表 {table} 没有列 {column}；可用列：{columns}。"},
    "ingest.err.missing_key": {
        "en": "{file}: no column maps to the key {column} of table {table} (e.g. {synonyms}); map a column to it, or ask for a surrogate key from file and row (--surrogate-key).",
        "zh": "{file}：没有列对应表 {table} 的主键 {column}（如 {synonyms}）；请指定对应列，或选择按文件和行号生成代理键（--surrogate-key）。"},
    "ingest.err.missing_column": {
        "en": "{file}: no column maps to the required column {column} of table {table} (e.g. {synonyms}); map a column to it or fill it with a constant (--set {column}=VALUE).",
        "zh": "{file}：没有列对应表 {table} 的必填列 {column}（如 {synonyms}）；请指定对应列，或填入常量（--set {column}=值）。"},
    "ingest.err.wide_as_of": {
        "en": "{file}: the balance columns ({columns}) need a snapshot date; add an as-of date column or give one (--as-of YYYY-MM-DD).",
        "zh": "{file}：余额列（{columns}）需要快照日期；请增加数据日期列或指定日期（--as-of YYYY-MM-DD）。"},
    "ingest.err.too_large": {
        "en": "{file}: {size_mb} MB is over the upload limit of {limit_mb} MB; split the file or raise QUARTERDECK_MAX_UPLOAD_MB.",
        "zh": "{file}：{size_mb} MB 超过上传上限 {limit_mb} MB；请拆分文件或调高 QUARTERDECK_MAX_UPLOAD_MB。"},
    "ingest.err.undo_unknown": {"en": "there is no import {import_id}.", "zh": "不存在导入批次 {import_id}。"},
    "ingest.err.undo_done": {"en": "import {import_id} was already undone.", "zh": "导入批次 {import_id} 已撤销。"},
    "ingest.err.undo_later": {
        "en": "import {import_id} cannot be undone: import {later} changed the same rows later; undo {later} first.",
        "zh": "无法撤销导入批次 {import_id}：之后的导入批次 {later} 修改了相同的行，请先撤销 {later}。"},
    "ingest.err.bad_option": {
        "en": "{option}: expected {expected}, got {value!r}.", "zh": "{option}：应为 {expected}，实际为 {value!r}。"},
    "ingest.err.locked_timeout": {
        "en": "{file}: the database {db} is in use by the running app and its import worker did not answer within {seconds} s; the job stays queued in {inbox}.",
        "zh": "{file}：数据库 {db} 正被运行中的应用占用，其导入进程在 {seconds} 秒内未响应；任务仍在队列 {inbox} 中。"},
    "ingest.err.locked": {
        "en": "the database {db} is in use by another program: {error}.",
        "zh": "数据库 {db} 正被其他程序占用：{error}。"},
    "ingest.err.failed": {"en": "{file}: import failed: {error}.", "zh": "{file}：导入失败：{error}。"},
    # ---- row-level reasons
    "ingest.reason.missing": {"en": "{column}: required value is missing",
                              "zh": "{column}：缺少必填值"},
    "ingest.reason.unknown_category": {"en": "{column}: unknown value '{value}'; map it to a category or fix the file",
                                       "zh": "{column}：未知取值“{value}”，请映射到类别或修正文件"},
    "ingest.reason.bad_date": {"en": "{column}: '{value}' is not a date",
                               "zh": "{column}：“{value}”不是有效日期"},
    "ingest.reason.bad_number": {"en": "{column}: '{value}' is not a number",
                                 "zh": "{column}：“{value}”不是有效数字"},
    "ingest.reason.bad_bool": {"en": "{column}: '{value}' is not yes/no",
                               "zh": "{column}：“{value}”不是是/否"},
    "ingest.reason.mangled": {"en": "{column}: '{value}' contains '?', characters were probably lost in the export",
                              "zh": "{column}：“{value}”含有“?”，导出时可能丢失了字符"},
    "ingest.reason.duplicate": {"en": "{column}: duplicate key '{value}' in the file, first in row {detail}",
                                "zh": "{column}：文件内主键“{value}”重复，首次出现在第 {detail} 行"},
    "ingest.reason.fk": {"en": "{column}: '{value}' not found in {detail}",
                         "zh": "{column}：“{value}”在 {detail} 中不存在"},
    "ingest.reason.bad_line": {"en": "malformed line ({detail}): {value}",
                               "zh": "格式错误的行（{detail}）：{value}"},
    "ingest.rejects.row": {"en": "row", "zh": "行号"},
    "ingest.rejects.reason": {"en": "reason", "zh": "原因"},
    "ingest.skip.blank": {"en": "blank row", "zh": "空行"},
    "ingest.skip.totals": {"en": "totals row", "zh": "合计行"},
    "ingest.skip.note": {"en": "note below the data", "zh": "数据下方的备注"},
    "ingest.severity.error": {"en": "error (row rejected)", "zh": "错误（该行拒绝）"},
    "ingest.severity.warning": {"en": "warning (row loaded)", "zh": "警告（该行已载入）"},
    # ---- CLI
    "ingest.cli.rejects": {"en": "{file}: {n} rejected rows written to {path}", "zh": "{file}：{n} 行被拒绝，已写入 {path}"},
    "ingest.cli.undone": {"en": "undone import {ids}", "zh": "已撤销导入批次 {ids}"},
    "ingest.cli.queued": {"en": "{file}: the app holds {db}; job queued in {inbox}, waiting for its worker…",
                          "zh": "{file}：应用正占用 {db}，任务已加入队列 {inbox}，等待处理…"},
}
