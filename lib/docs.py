"""Generate docs/DATA_CONTRACT.md and docs/METRICS.md from lib.core.schema and lib.metrics.registry.

    python -m lib.docs          # rewrite both files
    python -m lib.docs --check  # exit 1 when they are out of date
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.metrics import registry as metrics
from lib.core import schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def data_contract() -> str:
    out = ["# Data contract", "",
           "Generated from `lib/core/schema.py` by `python -m lib.docs`; do not edit by hand.", "",
           f"Schema version {schema.SCHEMA_VERSION}. Headers are matched ignoring case, spaces, underscores "
           "and punctuation, full-width characters folded (NFKC). Every table also stores `extra_attrs` "
           "(columns that matched nothing, kept) and `import_id` (the import that last wrote the row).", ""]
    for t in schema.TABLES:
        out += [f"## {t.name} — {t.label_en} / {t.label_zh}", "",
                f"Key: `{' + '.join(t.key)}` · from: {t.source_en} / {t.source_zh}", "",
                "| column | type | required | personal | must match | also recognised as | allowed values |",
                "|---|---|---|---|---|---|---|"]
        for c in t.columns:
            cats = ", ".join(f"{k} ({'/'.join(v[:3])})" for k, v in (c.categories or {}).items())
            out.append(f"| `{c.name}`{' (key)' if c.name in t.key else ''} | {c.type} | "
                       f"{'yes' if c.required else ''} | {'yes' if c.personal else ''} | {c.references or ''} | "
                       f"{_cell(', '.join(c.synonyms))} | {_cell(cats)} |")
        out.append("")
    return "\n".join(out)


def metric_docs() -> str:
    out = ["# Metric definitions", "",
           "Generated from the registry in `lib/metrics/registry.py` by `python -m lib.docs`; do not edit by hand. "
           "Cards, tooltips and tests use the same registry.", "",
           "| key | metric | 指标 | definition | 定义 | formula | unit | better when | kind |",
           "|---|---|---|---|---|---|---|---|---|"]
    for m in metrics.METRICS:
        out.append(f"| `{m.key}` | {_cell(m.label_en)} | {_cell(m.label_zh)} | {_cell(m.definition_en)} | "
                   f"{_cell(m.definition_zh)} | `{_cell(m.formula)}` | {m.unit} | "
                   f"{'higher' if m.higher_is_better else 'lower'} | {m.kind} |")
    out += ["", "Kinds: `stock` is a level at the quarter's last balance snapshot; `flow` accumulates through "
            "the quarter, so it is compared with plan pace (plan × elapsed share of the quarter); `rate` is a ratio.",
            ""]
    return "\n".join(out)


FILES = {"DATA_CONTRACT.md": data_contract, "METRICS.md": metric_docs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.docs")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    stale = []
    for name, fn in FILES.items():
        path, text = DOCS / name, fn()
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            DOCS.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python -m lib.docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
