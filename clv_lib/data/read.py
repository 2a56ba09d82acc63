"""Read a client's export (CSV/TSV, Excel, Parquet) into a table of raw values, with its source row numbers.

* CSV/TSV: encoding sniffed (BOM; UTF-8 if the whole file decodes, else cp1252, else Latin-1), delimiter
  sniffed among `,` `;` `\\t` `|` (the one splitting the first lines into the most consistent number of fields;
  whitespace-separated files as a last resort), read by pyarrow's multi-threaded reader with every column as
  text, so that values are parsed later by rules that can report on them. Rows whose number of fields differs
  from the header's are set aside (`RawTable.malformed`) and end up in the cleaning ledger.
* Excel `.xlsx`: the sheet from params (name or 0-based index, default the first); typed cells keep their type.
* Parquet: pyarrow, types kept.

Only the columns the cleaning needs reach pandas (`columns`, a list or a function of the headers); the other
columns are reduced to a 64-bit hash per row (`RawTable.rest_hash`), so that exact duplicates are still judged on
every column of the file while wide exports (Shopify: 70+ columns) cost little memory.

Source row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import codecs
import functools
import csv
import gzip
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Optional, Sequence, Union

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 16
_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
            ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class SourceInfo:
    """What was read: path, format, encoding, delimiter, sheet, SHA-256 of the bytes, the headers. A file's rows are
    cleaned and aggregated by DuckDB (`engine`)."""

    engine: ClassVar[str] = "duckdb"
    path: Path
    display: str
    format: str
    sha256: str
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    sheet: Optional[str | int] = None
    headers: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the report's data appendix."""
        parts = [f"{self.display} ({self.format}"]
        if self.encoding:
            parts.append(f", {self.encoding}")
        if self.delimiter:
            name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", "whitespace": "whitespace"}
            parts.append(f", {name.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.sheet is not None:
            parts.append(f", sheet {self.sheet!r}")
        parts.append(f"), SHA-256 {self.sha256}")
        return "".join(parts)


@dataclass
class RawTable:
    """Raw values of a file: `frame` (text for CSV, typed cells for Excel/Parquet), the source row number of
    every frame row, the rows set aside as malformed, and where it came from."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    info: SourceInfo
    malformed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    rest_hash: Optional[np.ndarray] = None  # per row, a hash of the columns left out of `frame`

    def duplicated(self) -> np.ndarray:
        """Rows equal in every column of the file to an earlier row."""
        frame = self.frame if self.rest_hash is None else self.frame.assign(__rest__=self.rest_hash)
        return frame.duplicated(keep="first").to_numpy()


Columns = Union[Sequence[str], Callable[[list[str]], Sequence[str]], None]


def _wanted(headers: list[str], columns: Columns) -> list[str]:
    chosen = columns(list(headers)) if callable(columns) else columns
    if chosen is None:
        return list(headers)
    chosen = set(chosen)
    return [h for h in headers if h in chosen]


def rows_hash(columns: dict) -> Optional[np.ndarray]:
    """A 64-bit hash per row of several columns (pandas Series or Arrow arrays), None when there is none: DuckDB's
    `hash` of the cells, on all cores (at 10M rows of six text columns, about a third of pandas' time); a column
    Arrow cannot hold (mixed Excel cells) is hashed by pandas first."""
    if not columns:
        return None
    import duckdb
    import pyarrow as pa

    arrays = {}
    for i, values in enumerate(columns.values()):
        if isinstance(values, pd.Series):
            try:
                values = pa.array(values.reset_index(drop=True), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                values = pa.array(pd.util.hash_pandas_object(values.reset_index(drop=True), index=False).to_numpy())
        arrays[f"c{i}"] = values
    cells = pa.table(arrays)  # noqa: F841 - read by DuckDB below
    con = duckdb.connect()
    try:
        got = con.sql(f"SELECT hash({', '.join(arrays)}) AS h FROM cells").to_arrow_table()
    finally:
        con.close()
    return got.column("h").to_numpy()


def detect_format(path: Path, declared: Optional[str] = None) -> str:
    """The file format: `declared` (params) or from the extension (`.csv.gz` counts as csv)."""
    if declared:
        return declared
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = _FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise DataError(key="data.unknown_type", file=path, suffix=path.suffix)
    return fmt


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes (hex), read in 1 MB blocks; computed once per version of the file (path,
    modification time and size), however often a report reads it."""
    stat = os.stat(path)
    return _sha256(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def sniff_encoding(path: Path) -> str:
    """`utf-8-sig` (BOM), `utf-16` (BOM), `utf-8` when the whole file decodes, else `cp1252`, else `latin-1`."""
    with _open_bytes(path) as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        cp1252 = True
        try:
            for block in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        for block in iter(lambda: handle.read(1 << 22), b""):
            try:
                block.decode("cp1252")
            except UnicodeDecodeError:
                cp1252 = False
                break
    return "cp1252" if cp1252 else "latin-1"


def sniff_delimiter(sample: str) -> str:
    """The delimiter splitting the sample's lines into the most consistent number (> 1) of fields."""
    best, best_score = None, (0.0, 0)
    lines = sample.splitlines()
    text = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the last line of a sample may be cut
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delim) if r][:200]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    if best is None:
        split = [len(line.split()) for line in lines[:-1] or lines if line.strip()][:200]
        if split and min(split) > 1 and len(set(split)) == 1:
            return "whitespace"
        return ","  # a single column
    return best


def _unique_headers(raw: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i, h in enumerate(raw):
        name = str(h).strip().lstrip("\ufeff") or f"column_{i + 1}"
        base, k = name, 1
        while name in out:
            name, k = f"{base}.{k}", k + 1
        out.append(name)
    return out


def read_table(path: Path, spec=None, columns: Columns = None, display: Optional[str] = None, *,
               hash_rest: bool = True) -> RawTable:
    """Read `path` as described by `spec` (a `DataSpec`, optional). `columns` (headers, or a function of the
    headers returning them) restricts `frame` to those columns; the others only feed `rest_hash` (with
    `hash_rest=False` they are not even converted, and `rest_hash` is None: e.g. to find the last order date).

    Raises DataError naming the file when it is missing, empty or unreadable.
    """
    path = Path(path)
    display = display or str(path)
    if not path.is_file():
        raise DataError(key="data.file_not_found", file=display)
    fmt = detect_format(path, getattr(spec, "format", None))
    try:
        if fmt in ("csv", "tsv"):
            return _read_text(path, spec, fmt, columns, display, hash_rest)
        if fmt == "xlsx":
            return _read_excel(path, spec, columns, display)
        return _read_parquet(path, columns, display, hash_rest)
    except DataError:
        raise
    except (OSError, ValueError, KeyError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(key="data.unreadable", file=display, format=fmt, reason=first) from None


def read_headers(path: Path, spec=None, display: Optional[str] = None) -> list[str]:
    """The file's headers, reading as little as possible."""
    path = Path(path)
    display = display or str(path)
    if not path.is_file():
        raise DataError(key="data.file_not_found", file=display)
    fmt = detect_format(path, getattr(spec, "format", None))
    if fmt in ("csv", "tsv"):
        return _text_layout(path, spec, fmt, display)[2]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return [str(c) for c in _read_excel(path, spec, None, display, nrows=0).frame.columns]


def _text_layout(path: Path, spec, fmt: str, display: str) -> tuple[str, str, list[str], str]:
    """Encoding, delimiter, headers and a text sample of a delimited file."""
    encoding = getattr(spec, "encoding", None) or sniff_encoding(path)
    with _open_bytes(path) as handle:
        raw = handle.read(SAMPLE_BYTES)
    if not raw.strip():
        raise DataError(key="data.empty", file=display)
    sample = raw.decode(encoding, errors="replace")
    delimiter = getattr(spec, "delimiter", None) or ("\t" if fmt == "tsv" else sniff_delimiter(sample))
    if delimiter == "whitespace":
        first = sample.lstrip("\ufeff").splitlines()[0].split()
    else:
        first = next(csv.reader(io.StringIO(sample.lstrip("\ufeff")), delimiter=delimiter), [])
    if not has_header(spec):
        return encoding, delimiter, [f"column_{i + 1}" for i in range(len(first))], sample
    return encoding, delimiter, _unique_headers(first), sample


def has_header(spec) -> bool:
    """Whether the file's first row holds the column names (`data.header`, default true)."""
    return bool(getattr(spec, "header", True))


def _read_text(path: Path, spec, fmt: str, columns, display: str, hash_rest: bool = True) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    encoding, delimiter, headers, sample = _text_layout(path, spec, fmt, display)
    info = SourceInfo(path, display, "tsv" if delimiter == "\t" else "csv", file_sha256(path), encoding, delimiter,
                      None, tuple(headers))
    wanted = _wanted(headers, columns)
    first_row = 2 if has_header(spec) else 1  # source row numbers as a spreadsheet shows them
    if delimiter == "whitespace":
        frame = pd.read_csv(path, sep=r"\s+", dtype=str, header=0 if has_header(spec) else None, names=headers,
                            encoding=encoding, keep_default_na=False, na_values=[""])
        return _split_rest(frame.reset_index(drop=True), wanted, np.arange(len(frame), dtype="int64") + first_row,
                           info)
    bad: list[int] = []

    def skip(row) -> str:
        bad.append(row.number if row.number is not None else -1)
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                                       column_names=headers, skip_rows=first_row - 1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values='"' in sample,
                                         invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in headers},
                                             strings_can_be_null=True, null_values=[""],
                                             include_columns=None if hash_rest else wanted))
    if bad:
        return _read_text_python(path, encoding, delimiter, headers, wanted, info, first_row)
    rest = rows_hash({h: table.column(h) for h in headers if h not in wanted}) if hash_rest else None
    frame = table.select(wanted).to_pandas()
    del table
    return RawTable(frame, np.arange(len(frame), dtype="int64") + first_row, info, rest_hash=rest)


def _split_rest(frame: pd.DataFrame, wanted: list[str], numbers: np.ndarray, info: SourceInfo,
                malformed: Optional[np.ndarray] = None) -> RawTable:
    """Keep the wanted columns of a full frame and hash the others."""
    rest = rows_hash({c: frame[c] for c in frame.columns if c not in wanted})
    extra = {} if malformed is None else {"malformed": malformed}
    return RawTable(frame[wanted].reset_index(drop=True), numbers, info, rest_hash=rest, **extra)


def _read_text_python(path: Path, encoding: str, delimiter: str, headers: list[str], wanted: list[str],
                      info: SourceInfo, first_row: int = 2) -> RawTable:
    """Exact but slower reading (Python's csv module), used when some rows have the wrong number of fields, so
    that those rows are reported by their row number."""
    records, numbers, malformed = [], [], []
    with _open_bytes(path) as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        if first_row == 2:
            next(reader, None)
        for i, row in enumerate(reader, start=first_row):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(headers):
                malformed.append(i)
                continue
            records.append([v if v != "" else None for v in row])
            numbers.append(i)
    frame = pd.DataFrame(records, columns=headers, dtype=object)
    return _split_rest(frame, wanted, np.asarray(numbers, dtype="int64"), info, np.asarray(malformed, dtype="int64"))


def _read_excel(path: Path, spec, columns, display: str, nrows: Optional[int] = None) -> RawTable:
    """An Excel sheet through calamine (Rust; several times faster than openpyxl on exports of 100k+ rows)."""
    from python_calamine import CalamineError, CalamineWorkbook

    sheet = getattr(spec, "sheet", None)
    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except CalamineError as exc:
        raise DataError(key="data.not_excel", file=display, reason=exc) from None
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise DataError(key="data.sheet_index", file=display, index=sheet, sheets=list(names))
    if isinstance(sheet, str) and sheet not in names:
        raise DataError(key="data.sheet_not_found", file=display, sheet=sheet, sheets=list(names))
    frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object, engine="calamine",
                          nrows=nrows)
    frame.columns = _unique_headers([str(c) for c in frame.columns])
    frame = frame.reset_index(drop=True)
    info = SourceInfo(path, display, "xlsx", file_sha256(path), sheet=sheet if sheet is not None else names[0],
                      headers=tuple(frame.columns))
    return _split_rest(frame, _wanted(list(frame.columns), columns), np.arange(len(frame), dtype="int64") + 2, info)


def _read_parquet(path: Path, columns, display: str, hash_rest: bool = True) -> RawTable:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    headers = _unique_headers([str(c) for c in table.column_names])
    table = table.rename_columns(headers)
    wanted = _wanted(headers, columns)
    rest = rows_hash({h: table.column(h) for h in headers if h not in wanted}) if hash_rest else None
    frame = table.select(wanted).to_pandas()
    info = SourceInfo(path, display, "parquet", file_sha256(path), headers=tuple(headers))
    return RawTable(frame.reset_index(drop=True), np.arange(len(frame), dtype="int64") + 2, info, rest_hash=rest)


def as_text(values: pd.Series) -> pd.Series:
    """Identifiers and labels as stripped text (pandas "string" dtype, <NA> when empty); integral numbers lose
    their `.0` (Excel and Parquet often store customer ids as floats)."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.notna() & np.isfinite(values.fillna(0))
        integral = finite & (values.where(finite, 0) % 1 == 0)
        text = values.astype(str).astype("string")
        text = text.where(~integral, values.where(integral, 0).astype("int64").astype(str).astype("string"))
        return text.where(finite, pd.NA)
    if pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("string")
    if values.dtype == object:
        values = values.map(_cell_text)
    text = values.astype("string").str.strip()
    return text.where(text != "", pd.NA)


_FLOAT_ID = re.compile(r"-?\d+\.0+")


def as_ids(values: pd.Series) -> pd.Series:
    """Identifiers as text (`as_text`); a text column whose every value is an integer written as a float
    (`17850.0`, as pandas writes ids of a column with gaps) loses the `.0`, so the ids read as the client knows them."""
    text = as_text(values)
    given = text.dropna()
    if not len(given) or not given.iloc[:1000].str.fullmatch(_FLOAT_ID).all():  # most ids answer here
        return text
    present = pd.Series(given.unique(), dtype="string")
    if present.str.fullmatch(_FLOAT_ID).all():
        text = text.str.replace(r"\.0+$", "", regex=True)
    return text


def _cell_text(value):
    if isinstance(value, float):
        if not np.isfinite(value):
            return None
        return str(int(value)) if value % 1 == 0 else str(value)
    if value is None:
        return None
    return str(value)


_STATUS_FOLD = re.compile(r"[\s\-]+")


def fold_labels(values: pd.Series) -> pd.Series:
    """Statuses and similar labels folded for comparison: lower case, spaces/hyphens -> '_' ('Partially
    Refunded' -> 'partially_refunded'); <NA> stays <NA>."""
    return as_text(values).str.lower().str.replace(_STATUS_FOLD, "_", regex=True)
