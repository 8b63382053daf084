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
    "ingest.err.xlsx_too_big": {
        "en": "{file}: this Excel file unpacks to more than {limit_mb} MB of sheet data (a damaged or malicious file, or "
              "too big for Excel import); export it as CSV, or raise QUARTERDECK_MAX_XLSX_MB.",
        "zh": "{file}：该 Excel 文件解压后的表格数据超过 {limit_mb} MB（文件损坏、恶意构造或过大，不适合按 Excel 导入）；"
              "请导出为 CSV，或调高 QUARTERDECK_MAX_XLSX_MB。"},
    "ingest.err.too_many_columns": {
        "en": "{file}: {columns} columns is more than the {limit} an import takes; remove unused columns, or raise "
              "QUARTERDECK_MAX_COLUMNS.",
        "zh": "{file}：{columns} 列超过单次导入上限 {limit} 列；请删除不用的列，或调高 QUARTERDECK_MAX_COLUMNS。"},
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
    "ingest.reason.no_branch": {
        "en": "{column}: '{value}' has no known branch, so it cannot be checked against your scope; load its "
              "customer or RM first",
        "zh": "{column}：“{value}”没有可识别的网点，无法核对权限范围；请先导入对应的客户或客户经理"},
    "ingest.err.scope_table": {
        "en": "{file}: {table} holds bank-wide data and you may load data of your branches only; ask an "
              "administrator or a bank-wide uploader to load it.",
        "zh": "{file}：{table} 是全行数据，您只能导入所辖网点的数据；请管理员或全行上传人员导入。"},
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
    # ---- mapping: all missing columns at once, advice that leads to a correct load
    "ingest.err.missing_columns": {
        "en": "{file}: the file lacks columns that table {table} needs: {details}.",
        "zh": "{file}：文件缺少数据表 {table} 所需的列：{details}。"},
    "ingest.need.key_surrogate": {
        "en": "{column} (e.g. {synonyms}) — map the column that identifies each row, or build it from the file "
              "name and row number",
        "zh": "{column}（如 {synonyms}）——请指定标识每一行的列，或按文件名和行号生成"},
    "ingest.need.key": {
        "en": "{column} (e.g. {synonyms}) — map the column that holds each row's own code (a {table} row cannot "
              "take a code made up from file and row)",
        "zh": "{column}（如 {synonyms}）——请指定存放每行自身编号的列（{table} 的行不能使用按文件和行号生成的编号）"},
    "ingest.need.per_row": {
        "en": "{column} (e.g. {synonyms}) — map the column that says whose row it is (one value for the whole file "
              "would put every row on one customer)",
        "zh": "{column}（如 {synonyms}）——请指定说明每行属于哪位客户的列（整个文件填同一个值会把所有行记到同一位客户名下）"},
    "ingest.need.any": {
        "en": "{column} (e.g. {synonyms}) — map a column to it, or fill in one value for the whole file",
        "zh": "{column}（如 {synonyms}）——请指定对应列，或为整个文件填入一个值"},
    "ingest.err.surrogate_not_allowed": {
        "en": "{file}: a row of {table} is something with its own code, so a key made from file name and row number "
              "would make every row a new one; map the column that holds {column}.",
        "zh": "{file}：{table} 的每一行都有自己的编号，按文件名和行号生成主键会把每一行都当成新记录；请指定存放 {column} 的列。"},
    "ingest.err.constant_mapped": {
        "en": "{file}: the file already has {column} (column {header}); one value for the whole file would overwrite "
              "it. Fill in only columns the file lacks, or map {header} elsewhere first.",
        "zh": "{file}：文件已有 {column}（列 {header}），整个文件填同一个值会覆盖它。只为文件缺少的列填值，或先把 {header} 映射到别处。"},
    "ingest.err.no_number_column": {
        "en": "table {table} has no number column {column}; its number columns are: {columns}.",
        "zh": "表 {table} 没有数值列 {column}；数值列为：{columns}。"},
    "ingest.err.xlsx_lost_digits": {
        "en": "{file}: cell {cell} of sheet {sheet} ({header}) is a number of 16 or more digits, which Excel stores "
              "without its last digits ({value}…); format that column as Text in Excel, or export CSV, and upload again.",
        "zh": "{file}：工作表 {sheet} 的单元格 {cell}（{header}）是 16 位以上的数字，Excel 只保存其前 15 位（{value}…）；"
              "请在 Excel 中把该列设为文本格式或导出 CSV 后重新上传。"},
    "ingest.err.nul": {
        "en": "{file}: line {line} holds a NUL byte, which a text export never has: the file is damaged or not plain "
              "text. Export it again as CSV, XLSX or Parquet.",
        "zh": "{file}：第 {line} 行含有 NUL 字节（文本导出中不应出现），文件可能已损坏或不是纯文本。请重新导出为 CSV、XLSX 或 Parquet。"},
    "ingest.note.dup_header": {
        "en": "{file}: the header {header} appears {n} times; all are kept, as {names} (the first one is matched to "
              "a column, the others are kept as extra attributes).",
        "zh": "{file}：表头 {header} 出现 {n} 次，均已保留，名为 {names}（第一个用于匹配字段，其余保留为扩展属性）。"},
    "ingest.note.unit": {
        "en": "{file}: {header} states its unit in the header; its values are multiplied by {factor}.",
        "zh": "{file}：{header} 在表头中注明了单位，其数值已乘以 {factor}。"},
    "ingest.note.format_from_file": {
        "en": "{file}: {header} has only values like 1,234 that read two ways; read as {format}, the format of the "
              "file's other number columns.",
        "zh": "{file}：{header} 只有 1,234 这类可有两种读法的数值；已按文件中其他数值列的格式 {format} 读取。"},
    "ingest.note.format_from_language": {
        "en": "{file}: {header} has only values like 1,234 that read two ways; read as 1,234.56, as Chinese exports "
              "write numbers (',' groups thousands).",
        "zh": "{file}：{header} 只有 1,234 这类可有两种读法的数值；已按中文导出的习惯（“,”为千分位）读作 1,234.56。"},
    "ingest.note.number_format": {
        "en": "{file}: {header} reads numbers as {format} (decided from the whole column).",
        "zh": "{file}：{header} 的数字按 {format} 格式读取（依据整列判断）。"},
    # ---- which table a file is: the reasons shown with the candidates
    "ingest.err.weak_guess": {
        "en": "{file}: not sure which table this file is; the best candidates: {candidates}. Choose the table.",
        "zh": "{file}：无法确定该文件对应哪张表；最可能的是：{candidates}。请选择数据表。"},
    "ingest.guess.candidate": {"en": "{table} ({why})", "zh": "{table}（{why}）"},
    "ingest.guess.required": {"en": "{n} of the {m} required columns of {table} found ({columns})",
                              "zh": "找到 {table} 的 {m} 个必填列中的 {n} 个（{columns}）"},
    "ingest.guess.key_unique": {
        "en": "{header} differs in every sampled row, as the key {column} of {table} must",
        "zh": "{header} 在抽样的每一行都不同，符合 {table} 主键 {column} 的要求"},
    "ingest.guess.key_repeats": {
        "en": "{header} repeats across rows, so it cannot be the key {column} of {table}",
        "zh": "{header} 在多行中重复，不可能是 {table} 的主键 {column}"},
    "ingest.guess.surrogate": {
        "en": "no {column} column, but each row is one record of {table} (key from file name and row)",
        "zh": "没有 {column} 列，但每一行都是 {table} 的一条记录（可按文件名和行号生成主键）"},
    "ingest.guess.bad_date": {"en": "{header} holds no dates, so it is hardly {column}",
                              "zh": "{header} 不是日期，不太可能是 {column}"},
    "ingest.guess.bad_number": {"en": "{header} holds no numbers, so it is hardly {column}",
                                "zh": "{header} 不是数字，不太可能是 {column}"},
    "ingest.guess.bad_bool": {"en": "{header} holds no yes/no values, so it is hardly {column}",
                              "zh": "{header} 不是是/否值，不太可能是 {column}"},
    "ingest.guess.bad_category": {"en": "{header} holds few known {column} values",
                                  "zh": "{header} 中可识别的 {column} 取值很少"},
    "ingest.guess.numbers_not_names": {"en": "{header} holds only numbers, not names, so it is hardly {column}",
                                       "zh": "{header} 全是数字而非名称，不太可能是 {column}"},
    "ingest.guess.optional": {"en": "also found: {columns}", "zh": "另找到：{columns}"},
    "ingest.guess.hints": {"en": "headers typical of a {table} file: {headers}",
                           "zh": "{table} 文件常见的表头：{headers}"},
    "ingest.guess.missing": {"en": "missing: {columns}", "zh": "缺少：{columns}"},
    "ingest.guess.one_row_per_customer": {
        "en": "one row per customer and no snapshot date: a customer list rather than {table}",
        "zh": "每位客户一行且没有快照日期：更像客户清单而不是 {table}"},
    # ---- how a header found its column
    "ingest.why.exact": {"en": "{header} → {column}: a known name of {column}",
                         "zh": "{header} → {column}：{column} 的已知名称"},
    "ingest.why.normalised": {
        "en": "{header} → {column}: the same as '{form}' apart from case, spaces, punctuation, full-width or "
              "traditional characters",
        "zh": "{header} → {column}：除大小写、空格、标点、全角或繁体外与“{form}”相同"},
    "ingest.why.token": {
        "en": "{header} → {column}: the word '{form}' of {column} with a qualifier or an id word (所属, 开户, 号, ID, NUM)",
        "zh": "{header} → {column}：{column} 的关键词“{form}”加限定词或编号词（所属、开户、号、ID、NUM）"},
    "ingest.why.name": {
        "en": "{header} → {column}: branch names; each is looked up in branches and loaded as its code (a name not "
              "found loads as written, with a warning)",
        "zh": "{header} → {column}：网点名称，按名称在网点表中查找并以网点号载入（找不到的名称按原值载入并给出警告）"},
    "ingest.why.chosen": {"en": "{header} → {column}: chosen by hand or remembered from an earlier upload",
                          "zh": "{header} → {column}：手动选择或沿用上次上传的映射"},
    "ingest.why.extra": {"en": "{header}: matches no column; kept as an extra attribute",
                         "zh": "{header}：未匹配任何字段，保留为扩展属性"},
    "ingest.why.ignore": {"en": "{header}: ignored", "zh": "{header}：已忽略"},
    "ingest.why.unit": {"en": " · values in the header's unit, × {factor}", "zh": " · 数值按表头单位乘以 {factor}"},
    "ingest.reason.ambiguous_number": {
        "en": "{column}: '{value}' could be {detail}: no value in this column shows whether ',' or '.' is the decimal "
              "mark; state the column's number format (1,234.56 or 1.234,56) and load again",
        "zh": "{column}：“{value}”可读作 {detail}：该列没有能说明“,”或“.”哪个是小数点的数值；请指明该列的数字格式"
              "（1,234.56 或 1.234,56）后重新载入"},
    "ingest.reason.mixed_number": {
        "en": "{column}: '{value}': this column mixes the number formats 1,234.56 and 1.234,56, so its separators "
              "cannot be trusted; fix the column in the file, or state its number format and load again",
        "zh": "{column}：“{value}”：该列混用 1,234.56 与 1.234,56 两种数字格式，分隔符不可信；请修正文件中的该列，"
              "或指明其数字格式后重新载入"},
    "ingest.reason.wrong_format": {
        "en": "{column}: '{value}' does not fit the column's number format {detail}; fix the value or the stated format",
        "zh": "{column}：“{value}”不符合该列的数字格式 {detail}；请修正该值或所指明的格式"},
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
    "ingest.reason.out_of_scope": {
        "en": "{column}: '{value}' belongs to branch {detail}, outside your scope; ask an uploader of that branch "
              "or an administrator to load this row",
        "zh": "{column}：“{value}”属于网点 {detail}，不在您的权限范围内；请该网点的上传人员或管理员导入此行"},
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
    "ingest.cli.cube": {"en": "metric cube rebuilt for the new data (pages read their figures from it)",
                        "zh": "已按新数据重建指标汇总（页面从中读取数据）"},
    # ---- Data page: upload workflow and history
    "ingest.ui.tab_upload": {"en": "Upload", "zh": "上传"},
    "ingest.ui.tab_history": {"en": "Import history", "zh": "导入记录"},
    "ingest.ui.intro": {
        "en": "Upload exports (CSV, TSV, TXT, XLSX or Parquet, up to {limit} MB each). Nothing is written until you "
              "press **Load**; the report below shows exactly what will load and what will be rejected.",
        "zh": "上传导出文件（CSV、TSV、TXT、XLSX 或 Parquet，每个不超过 {limit} MB）。点击**载入**之前不会写入任何数据；"
              "下方报告会准确列出将载入和将被拒绝的行。"},
    "ingest.ui.samples": {"en": "Sample exports to try", "zh": "示例导出文件"},
    "ingest.ui.samples_help": {"en": "One export per table from the demo bank, some with Chinese headers and GBK encoding.",
                               "zh": "演示银行每张表一份导出，部分为中文表头和 GBK 编码。"},
    "ingest.ui.upload": {"en": "Export files", "zh": "导出文件"},
    "ingest.ui.sheet": {"en": "Sheet", "zh": "工作表"},
    "ingest.ui.detected": {
        "en": "Detected: {kind} · encoding {encoding} · separator {delimiter} · header on line {header} · {size} bytes",
        "zh": "识别结果：{kind} · 编码 {encoding} · 分隔符 {delimiter} · 表头在第 {header} 行 · {size} 字节"},
    "ingest.ui.table": {"en": "Load into table", "zh": "载入到数据表"},
    "ingest.ui.no_guess": {"en": "The headers match no table; choose one and map the columns.",
                           "zh": "表头与任何数据表都不匹配，请选择数据表并映射列。"},
    "ingest.ui.remembered": {"en": "Using the mapping confirmed for a file with the same headers.",
                             "zh": "已沿用相同表头文件上次确认的映射。"},
    "ingest.ui.col_header": {"en": "Column in file", "zh": "文件中的列"},
    "ingest.ui.col_sample": {"en": "Example value", "zh": "示例值"},
    "ingest.ui.col_target": {"en": "Load as", "zh": "载入为"},
    "ingest.ui.target_extra": {"en": "(keep as extra attribute)", "zh": "（保留为扩展属性）"},
    "ingest.ui.target_ignore": {"en": "(ignore)", "zh": "（忽略）"},
    "ingest.ui.keep_extra": {"en": "Keep unmapped columns as extra attributes", "zh": "将未映射的列保留为扩展属性"},
    "ingest.ui.constant": {"en": "The file has no {column}: fill it with this value", "zh": "文件缺少 {column}：统一填入"},
    "ingest.ui.surrogate": {"en": "Build the missing key from file name and row number",
                            "zh": "按文件名和行号生成缺失的主键"},
    "ingest.ui.as_of": {"en": "Snapshot date of the balance columns", "zh": "余额列的快照日期"},
    "ingest.ui.preview": {"en": "Preview of converted values", "zh": "转换后数值预览"},
    "ingest.ui.report": {"en": "Validation report", "zh": "校验报告"},
    "ingest.ui.m_read": {"en": "Rows read", "zh": "读取行数"},
    "ingest.ui.m_inserted": {"en": "New", "zh": "新增"},
    "ingest.ui.m_updated": {"en": "Updated", "zh": "更新"},
    "ingest.ui.m_unchanged": {"en": "Unchanged", "zh": "未变"},
    "ingest.ui.m_rejected": {"en": "Rejected", "zh": "拒绝"},
    "ingest.ui.m_warnings": {"en": "Warnings", "zh": "警告"},
    "ingest.ui.part": {"en": "Also {table}: {inserted} new, {updated} updated, {unchanged} unchanged, {rejected} rejected",
                       "zh": "同时载入 {table}：新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}"},
    "ingest.ui.extra_list": {"en": "Kept as extra attributes: {columns}", "zh": "保留为扩展属性：{columns}"},
    "ingest.ui.ignored_list": {"en": "Ignored columns: {columns}", "zh": "已忽略的列：{columns}"},
    "ingest.ui.skipped": {"en": "Not data, skipped: line {rows}", "zh": "非数据行，已跳过：第 {rows} 行"},
    "ingest.ui.col_row": {"en": "Row", "zh": "行号"},
    "ingest.ui.col_column": {"en": "Column", "zh": "列"},
    "ingest.ui.col_value": {"en": "Value", "zh": "值"},
    "ingest.ui.col_reason": {"en": "Reason", "zh": "原因"},
    "ingest.ui.col_severity": {"en": "Severity", "zh": "级别"},
    "ingest.ui.col_rows": {"en": "Rows", "zh": "行数"},
    "ingest.ui.col_map_to": {"en": "Map to (empty: reject)", "zh": "映射为（留空则拒绝）"},
    "ingest.ui.unknown_values": {"en": "Unknown values in {column}: map them or leave them to be rejected",
                                 "zh": "{column} 中的未知取值：请映射，或保留为拒绝"},
    "ingest.ui.download_rejects": {"en": "Download rejected rows", "zh": "下载被拒绝的行"},
    "ingest.ui.load": {"en": "Load {n} rows", "zh": "载入 {n} 行"},
    "ingest.ui.loading": {"en": "Loading…", "zh": "正在载入…"},
    "ingest.ui.loaded": {
        "en": "{file}: {inserted} new, {updated} updated, {unchanged} unchanged, {rejected} rejected (import #{import_id}).",
        "zh": "{file}：新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}（导入批次 #{import_id}）。"},
    "ingest.ui.no_history": {"en": "No imports yet.", "zh": "暂无导入记录。"},
    "ingest.ui.undo_pick": {"en": "Import to undo", "zh": "要撤销的导入"},
    "ingest.ui.undo": {"en": "Undo import", "zh": "撤销导入"},
    "ingest.ui.undone": {"en": "Undone: import {ids}. The data is back to its state before.",
                         "zh": "已撤销导入批次 {ids}，数据已恢复到导入前的状态。"},
    "ingest.ui.h_import_id": {"en": "Import", "zh": "批次"},
    "ingest.ui.h_file_name": {"en": "File", "zh": "文件"},
    "ingest.ui.h_table_name": {"en": "Table", "zh": "数据表"},
    "ingest.ui.h_file_size": {"en": "Bytes", "zh": "字节"},
    "ingest.ui.h_checksum": {"en": "SHA-256", "zh": "SHA-256"},
    "ingest.ui.h_rows_read": {"en": "Read", "zh": "读取"},
    "ingest.ui.h_rows_inserted": {"en": "New", "zh": "新增"},
    "ingest.ui.h_rows_updated": {"en": "Updated", "zh": "更新"},
    "ingest.ui.h_rows_unchanged": {"en": "Unchanged", "zh": "未变"},
    "ingest.ui.h_rows_rejected": {"en": "Rejected", "zh": "拒绝"},
    "ingest.ui.h_started_at": {"en": "Started", "zh": "开始时间"},
    "ingest.ui.h_finished_at": {"en": "Finished", "zh": "完成时间"},
    "ingest.ui.h_username": {"en": "User", "zh": "用户"},
    "ingest.ui.h_status": {"en": "Status", "zh": "状态"},
    "ingest.ui.h_undone_at": {"en": "Undone", "zh": "撤销时间"},
}
