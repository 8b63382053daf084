"""Look at an uploaded file: what it is, how it is encoded, where its header is, which table.

``inspect(path)`` returns a ``Source`` describing the file without loading it:
- kind: csv (also TSV/TXT), xlsx or parquet, told by content (magic bytes), not by name;
- text files: encoding (BOM, then strict UTF-8, then charset-normalizer), delimiter
  (the candidate with the most consistent count per line), header line (the row below any
  title/note rows that matches most known header spellings), header names;
- xlsx: every sheet is listed; the chosen sheet is written to a UTF-8 CSV in a temp folder so
  the rest of the pipeline reads one format;
- parquet: column names straight from the file;
- the likely canonical tables, best first (``schema.table_match_score``).

Invariants: only a bounded sample (``SAMPLE_BYTES``) of a text file is read here; files that
cannot be read raise ``IngestError`` naming the file and what to do.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime

from lib.core import schema
from lib.ingest.errors import IngestError
from lib.core.i18n import t
from lib.ingest import mapping
from lib.ingest import parse

SAMPLE_BYTES = 256 * 1024
HEADER_SCAN_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
CHUNK_BYTES = 4 * 1024 * 1024


@dataclass
class Source:
    """A file as detected: enough to map it and to stream it into DuckDB."""
    path: str                       # the uploaded file
    file_name: str                  # the name shown to users and stored in history
    kind: str                       # csv | xlsx | parquet
    size: int
    checksum: str
    encoding: str = "utf-8"
    delimiter: str = ","
    header_line: int = 0            # 0-based line of the header in data_path (csv)
    headers: list[str] = field(default_factory=list)
    width: int = 0                  # number of columns DuckDB reads (>= len(headers))
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    data_path: str | None = None    # UTF-8 CSV the loader reads (set by prepare())
    sample_rows: list[list[str]] = field(default_factory=list)
    tables: list[tuple[str, float]] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)   # (i18n key, args) for the report
    tmpdir: str | None = None
    reasons: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)  # table -> why it scored so
    first_nul: int | None = None    # byte offset of the first NUL byte in the file

    @property
    def table_guess(self) -> str | None:
        """The table this file is, when one scores well enough to load without asking."""
        return self.tables[0][0] if self.tables and self.tables[0][1] >= GUESS_MIN else None

    def candidates(self, lang: str = "en", n: int = 3) -> list[tuple[str, float, str]]:
        """The best `n` tables with their score and WHY, in words (for the table picker and errors)."""
        return [(name, score, why(self.reasons.get(name, []), lang)) for name, score in self.tables[:n] if score > 0]

    @property
    def shape(self) -> str:
        """A fingerprint of the header row, used to remember a confirmed mapping."""
        return hashlib.sha1("\x1f".join(schema.normalise(h) for h in self.headers).encode()).hexdigest()[:16]

    def cleanup(self) -> None:
        if self.tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.tmpdir = None


# ---------------------------------------------------------------- file kind
def checksum(path: str) -> str:
    return scan(path)[0]


def scan(path: str) -> tuple[str, int | None]:
    """SHA-256 of the file and the byte offset of its first NUL byte (None: none), in one pass."""
    h = hashlib.sha256()
    nul, done = None, 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            h.update(chunk)
            if nul is None:
                i = chunk.find(b"\x00")
                if i >= 0:
                    nul = done + i
            done += len(chunk)
    return h.hexdigest(), nul


def _line_of(path: str, offset: int) -> int:
    """1-based line number of a byte offset."""
    n = 1
    with open(path, "rb") as f:
        done = 0
        while done < offset:
            chunk = f.read(min(CHUNK_BYTES, offset - done))
            if not chunk:
                break
            n += chunk.count(b"\n")
            done += len(chunk)
    return n


def file_kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


# ---------------------------------------------------------------- encoding
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "cp950",
            "big5hkscs": "cp950", "ascii": "utf-8", "utf_8": "utf-8", "utf_16": "utf-16"}


def _utf16_without_bom(sample: bytes) -> str | None:
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if len(sample) >= 4 and even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decodes(sample: bytes, enc: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(enc)().decode(sample, final=complete)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def detect_encoding(sample: bytes, complete: bool, file_name: str) -> str:
    """The Python codec name for a text sample (BOM, UTF-16 shape, strict UTF-8, charset-normalizer)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    u16 = _utf16_without_bom(sample)
    if u16:
        return u16
    if b"\x00" in sample and re.search(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]", sample):
        raise IngestError("ingest.err.binary", file=file_name)  # control bytes besides NUL: not text at all
    if b"\x00" in sample:
        return "utf-8"  # a stray NUL in text: refused by the file-wide NUL rule (_inspect_text)
    if _decodes(sample, "utf-8", complete):
        return "utf-8"
    from charset_normalizer import from_bytes
    # Chinese exports are GB18030 (GBK) or Big5: try them strictly first, then ask the library.
    cjk = [enc for enc in ("gb18030", "cp950") if _decodes(sample, enc, complete)]
    matches = from_bytes(sample, cp_isolation=None)
    best = matches.best()
    guess = _ALIASES.get(best.encoding, best.encoding) if best else None
    if guess in cjk or (guess and not cjk):
        return guess
    if cjk:
        return cjk[0] if len(cjk) == 1 else _pick_cjk(sample)
    raise IngestError("ingest.err.encoding", file=file_name)


_COMMON_SIMPLIFIED = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞户客理财账款")


def _pick_cjk(sample: bytes) -> str:
    """GB18030 vs Big5 when both decode: the one that yields more common simplified characters
    than it would by chance wins GB18030; traditional text read as GB18030 yields rare ones."""
    gb = sample.decode("gb18030", errors="replace")
    hits = sum(1 for ch in gb if ch in _COMMON_SIMPLIFIED)
    cjk = sum(1 for ch in gb if "\u4e00" <= ch <= "\u9fff") or 1
    return "gb18030" if hits / cjk > 0.2 else "cp950"


# ---------------------------------------------------------------- dialect and header
def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter whose per-line count is most consistent (and non-zero) over the sample."""
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        counts = []
        for line in lines:
            try:
                row = next(csv.reader([line], delimiter=d))
            except (csv.Error, StopIteration):
                row = []
            counts.append(len(row) - 1)
        counts = [c for c in counts if c > 0]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = freq * (1 + min(mode, 50) / 100)
        if score > best_score:
            best, best_score = d, score
    return best


def _header_vocab() -> set[str]:
    vocab: set[str] = set()
    for tb in schema.TABLES:
        vocab.update(schema.header_index(tb).keys())
    return vocab


_VOCAB = _header_vocab()
_NUMERIC = re.compile(r"^[\s\-+(]*[¥￥$]?[\d,.]+%?[)]?\s*$")


def find_header(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the row with most known header spellings;
    without any, the first row as wide as the data whose cells are not numbers."""
    widths = [sum(1 for c in r if c.strip()) for r in rows]
    if not rows:
        return 0
    wide = Counter(w for w in widths if w > 0).most_common(1)
    modal = wide[0][0] if wide else 0
    best, best_score = None, 0
    for i, r in enumerate(rows[:HEADER_SCAN_ROWS]):
        if widths[i] < max(2, modal // 2) and not (modal == 1 and widths[i] == 1):
            continue
        hits = sum(1 for c in r if c.strip() and schema.normalise(c) in _VOCAB)
        if hits > best_score:
            best, best_score = i, hits
    if best is not None:
        return best
    for i, r in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [c for c in r if c.strip()]
        if widths[i] >= max(1, modal // 2) and cells and not any(_NUMERIC.match(c) for c in cells):
            return i
    return 0


def clean_headers(raw: list[str], notes: list | None = None, file_name: str = "") -> list[str]:
    """Header names: trimmed, blanks named column_N, duplicates suffixed _2, _3... Rule for a
    duplicated header: every copy is kept (the first under its name, the others as NAME_2, NAME_3),
    and a note saying so goes to ``notes`` for the report; nothing is dropped."""
    out, seen = [], Counter()
    for i, h in enumerate(raw):
        name = (h or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        seen[name] += 1
        new = name if seen[name] == 1 else f"{name}_{seen[name]}"
        while seen[name] > 1 and new in out:
            new += "_"
        out.append(new)
    if notes is not None:
        for name, n in seen.items():
            if n > 1:
                names = [name] + [f"{name}_{k}" for k in range(2, n + 1)]
                notes.append(("ingest.note.dup_header", dict(file=file_name, header=name, n=n, names=", ".join(names))))
    return out


# ---------------------------------------------------------------- which table
GUESS_MIN = 0.3  # below this the file is not loaded into a guessed table; the user picks one
# headers typical of one kind of file that are no canonical column (value-free evidence)
HINTS = {
    "customers": ("age", "gender", "sex", "surname", "tenure", "marital", "education", "income", "occupation",
                  "job", "creditscore", "dependent", "salary", "年龄", "性别", "职业", "学历", "婚姻", "收入"),
    "leads": ("contact", "duration", "pdays", "previous", "poutcome", "outcome", "response", "call", "通话",
              "外呼", "意向"),
    "sales": ("loan", "payment", "payments", "interest", "term", "期限", "利率", "放款", "还款"),
}
ID_TYPES = ("VARCHAR",)


def _tokens(header: str) -> set[str]:
    h = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(header))
    return {w for w in re.split(r"[^0-9a-zA-Z]+", h.lower()) if w} | {str(header)}


def _hint_headers(table_name: str, headers: list[str], used: set[str]) -> list[str]:
    words = HINTS.get(table_name, ())
    out = []
    for h in headers:
        if h in used:
            continue
        toks = _tokens(h)
        if any(w in toks or (not w.isascii() and w in h) for w in words):
            out.append(h)
    return out


def _generic_forms() -> set[str]:
    """Header spellings that many tables accept (date, type, amount, status ...): a match through
    one of them says little about which table a file is."""
    seen = Counter()
    for tb in schema.TABLES:
        for form in set(schema.header_index(tb)):
            seen[form] += 1
    return {f for f, n in seen.items() if n >= 3}


GENERIC = _generic_forms()


def _fit(col: schema.Column, values: list[str]) -> tuple[float, str | None]:
    """How well sampled values fit a column's type: 0..1 and a reason key when they do not."""
    vals = [v for v in values if not parse.is_blank(v)]
    if not vals:
        return 1.0, None
    if col.categories:
        idx = schema.category_index(col)
        share = sum(1 for v in vals if schema.normalise(v) in idx) / len(vals)
        return max(share, 0.3), None if share >= 0.5 else "ingest.guess.bad_category"
    if col.type == "DATE":
        share = sum(1 for v in vals if parse.parse_date(v) is not None) / len(vals)
        return share, None if share >= 0.5 else "ingest.guess.bad_date"
    if col.type in ("DOUBLE", "INTEGER", "BIGINT"):
        share = sum(1 for v in vals if parse.parse_amount(v) is not None or parse.parse_amount(v, "eu") is not None)
        share /= len(vals)
        return share, None if share >= 0.5 else "ingest.guess.bad_number"
    if col.type == "BOOLEAN":
        share = sum(1 for v in vals if parse.parse_bool(v) is not None) / len(vals)
        return share, None if share >= 0.5 else "ingest.guess.bad_bool"
    is_id = col.references or col.name.endswith("_id")
    if not is_id and all(parse.parse_amount(v) is not None for v in vals):
        return 0.0, "ingest.guess.numbers_not_names"
    return 1.0, None


def score_table(tb: schema.Table, headers: list[str], rows: list[list[str]]) -> tuple[float, list[tuple[str, dict]]]:
    """How likely a file with these headers and sampled rows is one of `tb`, and why.
    Required columns found (the key counts double), each weighted by how well its sampled values fit
    (a key must be unique, dates must be dates, a name must not be all numbers ...); other columns
    found and headers typical of the table add a little. A table whose rows are events may lack its
    key (built from file and row) when one of its own columns is found."""
    targets, chosen = mapping.auto_match(tb.name, headers, keep_extra=True)
    pos = {h: i for i, h in enumerate(headers)}
    col_of = {}
    for h, m in chosen.items():
        col_of.setdefault(m.column, h)
    why: list[tuple[str, dict]] = []
    fits, generic = {}, set()
    for cname, h in col_of.items():
        c0 = tb.column(cname) if cname in tb.column_names else None
        is_id = c0 is not None and c0.type == "VARCHAR" and not c0.categories and (
            c0.references or cname.endswith("_id") or cname in tb.key)
        if c0 is not None and not is_id and schema.normalise(chosen[h].form) in GENERIC:
            generic.add(cname)
        if cname.startswith(mapping.WIDE_TABLE + "."):
            fits[cname] = 1.0
            continue
        col = tb.column(cname)
        vals = [r[pos[h]] for r in rows if pos[h] < len(r)]
        f, bad = _fit(col, vals)
        if bad:
            why.append((bad, dict(header=h, column=cname)))
        if cname in tb.key and len(tb.key) == 1 and vals:
            nonblank = [v.strip() for v in vals if v.strip()]
            if len(set(nonblank)) == len(nonblank) and nonblank:
                why.append(("ingest.guess.key_unique", dict(header=h, column=cname, table=tb.name)))
            else:
                f = min(f, 0.2)
                why.append(("ingest.guess.key_repeats", dict(header=h, column=cname, table=tb.name)))
        fits[cname] = f * (0.5 if cname in generic else 1.0)
    weight = {c.name: (2.0 if c.name in tb.key else 1.0) for c in tb.columns if c.required}
    total = sum(weight.values()) or 1.0
    got = sum(w * fits.get(c, 0.0) for c, w in weight.items())
    own = [c for c in fits if c in tb.column_names and c not in tb.key and not tb.column(c).references
           and tb.column(c).type != "DOUBLE" and c not in generic and fits[c] >= 0.5]  # amounts: every file has them
    key = tb.key[0]
    if len(tb.key) == 1 and key not in fits and mapping.surrogate_allowed(tb.name) and own:
        got += weight[key] * 0.5
        why.append(("ingest.guess.surrogate", dict(column=key, table=tb.name)))
    found_req = [c for c in weight if c in fits]
    missing = [c for c in weight if c not in fits and not (c == key and mapping.surrogate_allowed(tb.name))]
    score = got / total
    optional = [c for c in fits if c not in weight]
    score += 0.05 * sum(fits[c] for c in optional)
    hints = _hint_headers(tb.name, headers, set(chosen))
    score += 0.05 * len(hints)
    if found_req:
        why.insert(0, ("ingest.guess.required", dict(table=tb.name, n=len(found_req), m=len(weight),
                                                     columns=", ".join(f"{col_of[c]} → {c}" for c in found_req))))
    if optional:
        why.append(("ingest.guess.optional", dict(columns=", ".join(f"{col_of[c]} → {c}" for c in optional))))
    if hints:
        why.append(("ingest.guess.hints", dict(table=tb.name, headers=", ".join(hints[:6]))))
    if missing:
        why.append(("ingest.guess.missing", dict(columns=", ".join(missing))))
    # snapshots without a date, one row per customer: a customer list with balance columns
    if tb.date_column in weight and tb.date_column not in fits and "customer_id" in fits and rows:
        ids = [r[pos[col_of["customer_id"]]].strip() for r in rows if pos[col_of["customer_id"]] < len(r)]
        ids = [i for i in ids if i]
        if ids and len(set(ids)) == len(ids):
            score *= 0.8
            why.append(("ingest.guess.one_row_per_customer", dict(table=tb.name)))
    return round(score, 3), why


def guess_tables(headers: list[str], rows: list[list[str]] | None = None,
                 reasons: dict | None = None) -> list[tuple[str, float]]:
    """Every table scored for a file (best first), from its whole header set and sampled values;
    the reasons per table go to `reasons` when given."""
    scores = []
    for tb in schema.TABLES:
        sc, why_ = score_table(tb, headers, rows or [])
        scores.append((tb.name, sc))
        if reasons is not None:
            reasons[tb.name] = why_
    return sorted(scores, key=lambda s: -s[1])


def why(reasons: list[tuple[str, dict]], lang: str = "en") -> str:
    return ("; " if lang != "zh" else "；").join(t(k, lang, **kw) for k, kw in reasons)


# ---------------------------------------------------------------- readers
def _read_sample(path: str) -> tuple[bytes, bool]:
    with open(path, "rb") as f:
        data = f.read(SAMPLE_BYTES + 1)
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def _text_lines(sample: bytes, encoding: str, complete: bool) -> list[str]:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=complete)
    lines = text.splitlines()
    if not complete and lines:
        lines = lines[:-1]  # the last line may be cut
    return lines[:200]


def _inspect_text(src: Source) -> None:
    sample, complete = _read_sample(src.path)
    if not sample.strip(b" \r\n\t\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestError("ingest.err.empty", file=src.file_name)
    src.encoding = detect_encoding(sample, complete, src.file_name)
    if src.first_nul is not None and not src.encoding.startswith("utf-16"):
        # one rule for the whole file, wherever the NUL is (UTF-16 text is checked as it is transcoded)
        raise IngestError("ingest.err.nul", file=src.file_name, line=_line_of(src.path, src.first_nul))
    lines = _text_lines(sample, src.encoding, complete)
    nonblank = [ln for ln in lines if ln.strip()]
    src.delimiter = sniff_delimiter(nonblank[:100])
    rows = []
    line_of_row = []
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        try:
            rows.append(next(csv.reader([ln], delimiter=src.delimiter)))
        except (csv.Error, StopIteration):
            rows.append([ln])
        line_of_row.append(i)
    if not rows:
        raise IngestError("ingest.err.empty", file=src.file_name)
    h = find_header(rows)
    src.header_line = line_of_row[h]
    src.headers = clean_headers(rows[h], src.notes, src.file_name)
    # data rows parsed as CSV over lines, so a quoted cell with a line break stays one cell
    body = "\n".join(lines[src.header_line + 1:])
    try:
        data = [r for r in csv.reader(io.StringIO(body), delimiter=src.delimiter) if any(c.strip() for c in r)]
    except csv.Error:
        data = rows[h + 1:]
    widths = Counter(len(r) for r in data[:100])
    modal = widths.most_common(1)[0][0] if widths else len(src.headers)
    if modal > len(src.headers):
        src.headers += [f"column_{i + 1}" for i in range(len(src.headers), modal)]
    src.width = len(src.headers)
    src.sample_rows = [r + [""] * (src.width - len(r)) for r in data[:50]]
    if src.encoding.startswith("utf-8") and src.encoding != "utf-8-sig":
        src.data_path = src.path


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):  # an id typed as a number (123.0) reads as 123; floats keep every digit
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if v.time() == dtime(0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def list_sheets(path: str, file_name: str) -> list[str]:
    from python_calamine import CalamineWorkbook
    try:
        return list(CalamineWorkbook.from_path(path).sheet_names)
    except Exception as e:  # calamine raises several types for damaged files
        raise IngestError("ingest.err.xlsx", file=file_name, error=str(e)[:200]) from None


def max_xlsx_bytes() -> int:
    """Most sheet data (unpacked XML) an Excel upload may hold (QUARTERDECK_MAX_XLSX_MB, default 256 MB).
    The Excel reader holds every cell in memory: a "zip bomb" (a few MB that unpack to GBs) would
    otherwise abort the whole process."""
    return int(float(os.environ.get("QUARTERDECK_MAX_XLSX_MB", "256")) * 1024 * 1024)


def _check_unpacked_size(src: Source) -> None:
    """Refuse an xlsx whose parts unpack to more than max_xlsx_bytes(). Counts the bytes actually
    inflated (a zip's declared sizes can lie), stopping as soon as the limit is passed."""
    import zipfile
    limit = max_xlsx_bytes()
    total = 0
    try:
        with zipfile.ZipFile(src.path) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                with z.open(info) as f:
                    while True:
                        chunk = f.read(min(CHUNK_BYTES, limit - total + 1))
                        if not chunk:
                            break
                        total += len(chunk)
                        if total > limit:
                            raise IngestError("ingest.err.xlsx_too_big", file=src.file_name,
                                              limit_mb=round(limit / 2**20))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as e:
        raise IngestError("ingest.err.xlsx", file=src.file_name, error=str(e)[:200]) from None


def _exact_big_numbers(src: Source, rows: list[list]) -> list[list]:
    """Number cells of 16+ digits (account numbers, ids) lose digits as floats: take them again from
    the sheet's XML through openpyxl, which reads an integer cell as an exact Python int."""
    import openpyxl
    try:
        wb = openpyxl.load_workbook(src.path, read_only=True, data_only=True)
        exact = wb[src.sheet]
        out = []
        for r, xr in zip(rows, exact.iter_rows(min_row=1, min_col=1, values_only=True)):
            out.append([x if isinstance(v, float) and abs(v) >= 2 ** 53 and isinstance(x, int) else v
                        for v, x in zip(r, list(xr) + [None] * max(0, len(r) - len(xr)))])
        wb.close()
        return out + rows[len(out):]
    except Exception:  # noqa: BLE001 - the calamine values stand; they are what Excel shows
        return rows


def _refuse_lost_digits(src: Source, rows: list[list]) -> None:
    """Rule for number cells of 16+ digits that the file itself stores as a float (Excel keeps 15
    significant digits): the digits are gone, so the sheet is refused naming the cell, never loaded
    with an id or amount that differs from the export."""
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, float) and abs(v) >= 2 ** 53 and v.is_integer():
                from openpyxl.utils import get_column_letter
                head = rows[0][j] if rows and j < len(rows[0]) and isinstance(rows[0][j], str) else ""
                raise IngestError("ingest.err.xlsx_lost_digits", file=src.file_name, sheet=src.sheet,
                                  cell=f"{get_column_letter(j + 1)}{i + 1}", header=head, value=f"{v:.15g}")


def _inspect_xlsx(src: Source, sheet: str | None) -> None:
    from python_calamine import CalamineWorkbook
    _check_unpacked_size(src)
    src.sheets = list_sheets(src.path, src.file_name)
    if not src.sheets:
        raise IngestError("ingest.err.empty", file=src.file_name)
    if sheet is not None and sheet not in src.sheets:
        raise IngestError("ingest.err.no_sheet", file=src.file_name, sheet=sheet, sheets=", ".join(src.sheets))
    src.sheet = sheet or src.sheets[0]
    try:
        rows = CalamineWorkbook.from_path(src.path).get_sheet_by_name(src.sheet).to_python(skip_empty_area=False)
    except Exception as e:
        raise IngestError("ingest.err.xlsx", file=src.file_name, error=str(e)[:200]) from None
    if any(isinstance(v, float) and abs(v) >= 2 ** 53 and v.is_integer() for r in rows for v in r):
        rows = _exact_big_numbers(src, rows)
        _refuse_lost_digits(src, rows)
    src.tmpdir = tempfile.mkdtemp(prefix="qd_ingest_")
    out = os.path.join(src.tmpdir, "sheet.csv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for r in rows:
            w.writerow([_cell_text(v) for v in r])
    src.data_path = out
    src.encoding = "utf-8"
    src.delimiter = ","
    text_rows = [[_cell_text(v) for v in r] for r in rows[:HEADER_SCAN_ROWS + 50]]
    if not any(any(c.strip() for c in r) for r in text_rows):
        raise IngestError("ingest.err.empty", file=src.file_name)
    h = find_header([r for r in text_rows])
    src.header_line = h
    src.headers = clean_headers(text_rows[h], src.notes, src.file_name)
    src.width = max([len(src.headers)] + [len(r) for r in text_rows[h + 1:]])
    src.headers += [f"column_{i + 1}" for i in range(len(src.headers), src.width)]
    src.sample_rows = [r + [""] * (src.width - len(r)) for r in text_rows[h + 1:h + 51]]


def _inspect_parquet(src: Source) -> None:
    import pyarrow.parquet as pq
    try:
        pf = pq.ParquetFile(src.path)
    except Exception as e:
        raise IngestError("ingest.err.parquet", file=src.file_name, error=str(e)[:200]) from None
    src.headers = clean_headers(list(pf.schema_arrow.names), src.notes, src.file_name)
    src.width = len(src.headers)
    src.data_path = src.path
    if pf.metadata.num_rows:
        batch = next(pf.iter_batches(batch_size=50))
        cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        src.sample_rows = [[_cell_text(c[j]) for c in cols] for j in range(batch.num_rows)]


def inspect(path: str, file_name: str | None = None, sheet: str | None = None) -> Source:
    """Detect kind, encoding, dialect, header and likely table of the file at `path`."""
    file_name = file_name or os.path.basename(path)
    if not os.path.exists(path):
        raise IngestError("ingest.err.not_found", file=file_name)
    size = os.path.getsize(path)
    digest, nul = scan(path)
    src = Source(path=path, file_name=file_name, kind="csv", size=size, checksum=digest, first_nul=nul)
    if size == 0:
        raise IngestError("ingest.err.empty", file=file_name)
    with open(path, "rb") as f:
        head = f.read(8)
    src.kind = file_kind(head)
    if src.kind == "xls":
        raise IngestError("ingest.err.xls", file=file_name)
    if src.kind == "xlsx":
        _inspect_xlsx(src, sheet)
    elif src.kind == "parquet":
        _inspect_parquet(src)
    else:
        _inspect_text(src)
    if src.width > max_columns():
        src.cleanup()
        raise IngestError("ingest.err.too_many_columns", file=file_name, columns=src.width, limit=max_columns())
    src.tables = guess_tables(src.headers, src.sample_rows, src.reasons)
    return src


def max_columns() -> int:
    """Most columns an import takes (QUARTERDECK_MAX_COLUMNS, default 1000). The load's SQL grows
    with the column count (kept extra attributes cost most: 1,000 of them ~45 s on 2 busy cores,
    5,000 did not finish in 10 minutes), so a file far wider than any export is refused up front."""
    return int(os.environ.get("QUARTERDECK_MAX_COLUMNS", "1000"))


def prepare(src: Source, progress=None) -> str:
    """A UTF-8 file DuckDB can read: the file itself when it already is UTF-8, otherwise a
    chunked transcode into the source's temp folder (bounded memory). Returns the path."""
    if src.data_path:
        return src.data_path
    src.tmpdir = src.tmpdir or tempfile.mkdtemp(prefix="qd_ingest_")
    out = os.path.join(src.tmpdir, "utf8.csv")
    dec = codecs.getincrementaldecoder(src.encoding)(errors="replace")
    done = lines = 0
    with open(src.path, "rb") as fi, open(out, "w", encoding="utf-8", newline="") as fo:
        first = True
        for chunk in iter(lambda: fi.read(CHUNK_BYTES), b""):
            text = dec.decode(chunk)
            if "\x00" in text:
                raise IngestError("ingest.err.nul", file=src.file_name, line=lines + text[:text.find("\x00")].count("\n") + 1)
            lines += text.count("\n")
            if first:
                text, first = text.lstrip("\ufeff"), False
            fo.write(text)
            done += len(chunk)
            if progress:
                progress(min(done / max(src.size, 1), 1.0) * 0.3)
        fo.write(dec.decode(b"", final=True))
    src.data_path = out
    return out


def count_lines(path: str) -> tuple[int, list[int]]:
    """Number of lines of a UTF-8 file and the 0-based numbers of its blank lines."""
    blanks: list[int] = []
    n = 0
    blank_re = re.compile(rb"(^|\n)[ \t\r]*\n")
    carry = b""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            buf = carry + chunk
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf
                continue
            body, carry = buf[:cut + 1], buf[cut + 1:]
            maybe_blank = any(m in body for m in (b"\n\n", b"\n\r", b"\n ", b"\n\t"))  # cheap before the regex
            if (n == 0 and not body[:body.find(b"\n")].strip(b" \t\r")) or (maybe_blank and blank_re.search(body)):
                for i, ln in enumerate(body.split(b"\n")[:-1]):  # only chunks that have a blank line
                    if not ln.strip(b" \t\r"):
                        blanks.append(n + i)
            n += body.count(b"\n")
    if carry:
        if not carry.strip(b" \t\r"):
            blanks.append(n)
        n += 1
    return n, blanks


def preview_rows(src: Source, n: int = 20) -> list[list[str]]:
    return src.sample_rows[:n]
