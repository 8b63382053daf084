"""Import of real exports (CSV/TSV/TXT, XLSX, Parquet) into the canonical tables.

Pipeline, one function per step, no Streamlit anywhere in this package:

    detect.inspect(path)            -> Source   (kind, encoding, delimiter, header row, table guess)
    mapping.propose(db, source)     -> Plan     (header map, value map, constants; remembered per header shape)
    load.run_import(db, source, plan, dry_run=...) -> Report
                                                (validate, stage, upsert by key, history, undo data)
    load.undo_import(db, import_id)             (restores the state before that import)

Invariants:
- One import is one DuckDB transaction: either every row that passes validation is written
  together with its history and undo data, or nothing is.
- rows_read = inserted + updated + unchanged + rejected, always.
- Columns that map to no canonical column are kept in ``extra_attrs`` or ignored on request,
  and listed in the report either way; never dropped silently.
- Files are streamed through DuckDB (``read_csv(all_varchar=true)``), never held whole in pandas.
"""
from lib.ingest.errors import IngestError  # noqa: F401
