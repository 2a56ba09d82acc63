"""Data outputs that are safe to open in a spreadsheet: CSV cells that cannot run as formulas, and an Excel
workbook whose ids are text cells.

CSV (OWASP, "CSV Injection"): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it
(`=HYPERLINK("http://x")` from a client's export becomes `'=HYPERLINK("http://x")`); every text cell is quoted, so
a separator inside a value (`a;=1+1` opened by a `;` spreadsheet) cannot start a new cell. Numbers are never
touched: a negative amount stays a number. A text cell that already begins with quotes before such a character
gets one more, so `restore()` gives back exactly the original value (segment migration reads earlier
`customers.csv` files).

Excel (`.xlsx`, written with XlsxWriter): text is written as text cells (never as formulas or links), numbers as
numbers, dates as dates; the header row is frozen and filterable.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterable

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'(?='*[=+\-@\t\r])")
EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, header included


def neutralise(value):
    """A text cell that a spreadsheet would evaluate, prefixed with `'`; anything else unchanged."""
    if isinstance(value, str) and _UNSAFE.match(value):
        return "'" + value
    return value


def restore(value):
    """The original text of a cell written by `neutralise` (inverse for every string)."""
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return value[1:]
    return value


def restore_series(values: pd.Series) -> pd.Series:
    """`restore` over a column of text read back from one of our CSV files."""
    return values.map(restore, na_action="ignore")


def safe_frame(frame: pd.DataFrame, index: bool = True) -> pd.DataFrame:
    """A copy whose text cells (columns and, with `index`, the index) are neutralised; numbers untouched."""
    out = frame.copy()
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = _neutralised(out[column])
    if index and _is_text(out.index.to_series()):
        out.index = pd.Index(_neutralised(out.index.to_series()), name=out.index.name)
    return out


def _neutralised(values: pd.Series) -> pd.Series:
    """`neutralise` over a text column: one vectorised match for pandas text (e.g. 300,000 customer ids), per
    category for categoricals, per cell for mixed object columns."""
    if isinstance(values.dtype, pd.StringDtype):
        unsafe = values.str.match(_UNSAFE.pattern, na=False)
        return values.where(~unsafe, "'" + values) if unsafe.any() else values
    return values.map(neutralise, na_action="ignore")


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype))


def write_csv(frame: pd.DataFrame, path: Path, index: bool = True, float_format: str | None = None) -> Path:
    """`frame` as UTF-8 CSV, text cells neutralised and quoted, numbers bare; return the path.

    The bytes are pandas' `to_csv(quoting=QUOTE_NONNUMERIC)` (floats as `repr`, missing values as `""`, with
    `float_format` the formatted floats quoted), built with NumPy and Arrow one column at a time (pandas' writer
    takes tens of seconds on 300,000 customers); columns of other kinds (datetimes, numbers mixed with text)
    are written by pandas itself."""
    safe = safe_frame(frame, index=index)
    table = safe.reset_index() if index else safe
    labels = ([safe.index.name if safe.index.name is not None else ""] if index else []) + list(safe.columns)
    cells = [_csv_cells(table.iloc[:, j], float_format) for j in range(table.shape[1])]
    if isinstance(safe.index, pd.MultiIndex) or any(c is None for c in cells) or \
            not all(isinstance(label, str) for label in labels):
        for column in safe.columns:  # categorical/string columns as plain text so QUOTE_NONNUMERIC quotes them
            if isinstance(safe[column].dtype, (pd.StringDtype, pd.CategoricalDtype)):
                safe[column] = safe[column].astype(object)
        safe.to_csv(path, index=index, encoding="utf-8", quoting=csv.QUOTE_NONNUMERIC, float_format=float_format)
        return Path(path)
    import pyarrow.compute as pc

    from clv_lib.report.sheet_rows import arrow_text

    header = ",".join(_quoted_text(label) for label in labels) + "\n"
    with open(path, "wb") as handle:
        handle.write(header.encode("utf-8"))
        for start in range(0, len(table), CSV_CHUNK_ROWS):
            rows = pc.binary_join_element_wise(*[c.slice(start, CSV_CHUNK_ROWS) for c in cells], ",")
            handle.write(arrow_text(pc.binary_join_element_wise(rows, "\n", "")))
    return Path(path)


CSV_CHUNK_ROWS = 50_000


def _quoted_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _csv_cells(values: pd.Series, float_format: str | None):
    """One column's CSV cells as Arrow strings (as pandas/csv write them with QUOTE_NONNUMERIC); None for a
    column kind this writer leaves to pandas."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = values.dtype
    missing = pd.isna(values).to_numpy()
    if pd.api.types.is_bool_dtype(dtype) and not missing.any():
        text, quote = np.where(values.to_numpy(dtype=bool), "True", "False"), False
    elif pd.api.types.is_integer_dtype(dtype):
        text, quote = values.to_numpy(dtype="int64", na_value=0).astype(str), False
    elif pd.api.types.is_float_dtype(dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        if float_format is None:
            text, quote = numbers.astype(str), False
        else:
            text, quote = np.char.mod(float_format, numbers), True
    elif isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or (
            dtype == object and all(isinstance(v, str) for v in values[~missing].unique())):
        text = pa.array(values.astype(object).where(~missing, ""), type=pa.string())
        text = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        return pc.if_else(pa.array(missing), '""', text)
    else:
        return None
    text = pa.array(text, type=pa.string())
    if quote:
        text = pc.binary_join_element_wise('"', text, '"', "")
    return pc.if_else(pa.array(missing), '""', text) if missing.any() else text


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str, date_columns: Iterable[str] = (),
               text_columns: Iterable[str] = ()) -> Path:
    """`frame` (its index as the first column) as one worksheet: the index and `text_columns` as text cells (never
    formulas or links, whatever they begin with), numbers as numbers, `date_columns` (ISO text or datetimes) as
    dates; missing and non-finite values leave the cell empty. Raises ValueError above Excel's row limit.

    XlsxWriter writes the workbook (header row, column widths, formats, frozen header, filter); the cells of the
    data rows are then built column by column with Arrow (`clv_lib.report.sheet_rows`: no Python call per cell,
    which at 300,000 customers would take most of a minute) and streamed into its worksheet."""
    import xlsxwriter

    from clv_lib.report.sheet_rows import sheet_columns, write_rows

    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"{len(frame):,} rows exceed Excel's limit of {EXCEL_MAX_ROWS - 1:,}")
    table = frame.reset_index()
    text = {table.columns[0], *[c for c in text_columns if c in table.columns]}
    kinds = {column: "date" if column in date_columns else
             "text" if column in text or not pd.api.types.is_numeric_dtype(table[column].dtype)
             or pd.api.types.is_bool_dtype(table[column].dtype) else "number" for column in table.columns}
    header_only = io.BytesIO()
    workbook = xlsxwriter.Workbook(header_only, {"constant_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False})
    try:
        ws = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True, "bottom": 1})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for j, column in enumerate(table.columns):
            kind = kinds[column]
            ws.set_column(j, j, _width(table[column], column, kind), date_format if kind == "date" else None)
            ws.write_string(0, j, str(column), bold)
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, len(table), len(table.columns) - 1)
    finally:
        workbook.close()
    write_rows(path, header_only.getvalue(), sheet_columns(table, kinds), len(table), date_format.xf_index)
    return Path(path)


def _width(values: pd.Series, name, kind: str) -> float:
    """Column width from the header and the first 1,000 values (as they read in the cell)."""
    head = values.iloc[:1000]
    head = head[pd.notna(head)]
    if kind == "date":
        shown = pd.to_datetime(head, errors="coerce").dropna()
        cells = [str(v) for v in shown.dt.to_pydatetime()]
    elif kind == "text":
        cells = [str(v) for v in head]
    else:
        cells = [str(float(v)) for v in head]
    longest = max([len(str(name)), *(len(c) for c in cells)])
    return float(min(max(longest + 2, 8), 60))
