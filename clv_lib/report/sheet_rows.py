"""The data rows of a worksheet (SpreadsheetML `<row>` elements), built with Arrow one column at a time and streamed
into a workbook that XlsxWriter wrote with its header only (`clv_lib.report.spreadsheets.write_xlsx`).

Each cell is written as XlsxWriter writes it in constant-memory mode, so the workbook reads back the same:
- text: an inline string (`t="inlineStr"`), never a formula or a link; XML-escaped, control characters as Excel's
  `_xHHHH_` escapes (a literal `_xHHHH_` escaped in turn), leading or trailing blanks preserved, at most 32,767
  characters;
- numbers: the shortest text that reads back as the same double;
- dates: Excel's serial day number (1900 date system) with the date format's style;
- missing and non-finite values: no cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.utility import xl_col_to_name

SHEET = "xl/worksheets/sheet1.xml"
CHUNK_ROWS = 20_000  # rows built and written at a time (the XML of 20k customer rows is about 30 MB)
MAX_TEXT = 32_767  # characters of an Excel cell
CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))]
BLANK = r"[\s\p{Z}\x{85}]"  # what Python's str.isspace() calls whitespace (the control characters are escaped first)
EXCEL_EPOCH = np.datetime64("1899-12-31", "ns")


def sheet_columns(table: pd.DataFrame, kinds: dict) -> list[tuple[str, str, pa.Array]]:
    """Per column: its letters, its kind ("text", "number" or "date") and the cell content (Arrow strings; NULL:
    no cell)."""
    out = []
    for j, column in enumerate(table.columns):
        kind = kinds[column]
        values = table[column]
        if kind == "text":
            cells = _text(values)
        else:
            if kind == "date":
                stamps = pd.to_datetime(values, errors="coerce").to_numpy("datetime64[ns]")
                numbers = (stamps - EXCEL_EPOCH) / np.timedelta64(1, "D")
                numbers = np.where(numbers > 59, numbers + 1, numbers)  # Excel's 29 February 1900
            else:
                numbers = values.astype("float64").to_numpy()
            cells = pc.cast(pa.array(numbers, mask=~np.isfinite(numbers)), pa.string())
        out.append((xl_col_to_name(j), kind, cells))
    return out


def _text(values: pd.Series) -> pa.Array:
    """The inline-string content of a text column's cells: `<t>`'s attribute, `>`, the escaped text (each distinct
    text escaped once)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object).map(str, na_action="ignore")
    s = pa.array(values, type=pa.string(), from_pandas=True)
    if isinstance(s, pa.ChunkedArray):  # Arrow-backed pandas text
        s = s.combine_chunks()
    encoded = pc.dictionary_encode(s)
    return pc.take(_escaped(encoded.dictionary), encoded.indices)


def _escaped(s: pa.Array) -> pa.Array:
    """`_text` of distinct texts, as XlsxWriter escapes an inline string (the rare escapes only where needed)."""
    if len(s) and (pc.max(pc.utf8_length(s)).as_py() or 0) > MAX_TEXT:
        s = pc.utf8_slice_codeunits(s, 0, MAX_TEXT)
    if pc.any(pc.match_substring(s, "_x")).as_py():
        s = pc.replace_substring_regex(s, r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1")
    if pc.any(pc.match_substring_regex(s, r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]")).as_py():
        for char in (*CONTROL, "\ufffe", "\uffff"):
            s = pc.replace_substring(s, char, f"_x{ord(char):04X}_")
    preserve = pc.match_substring_regex(s, f"^{BLANK}|{BLANK}$")
    if pc.any(pc.match_substring_regex(s, "[&<>]")).as_py():
        s = pc.replace_substring(pc.replace_substring(pc.replace_substring(s, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    return pc.binary_join_element_wise(pc.if_else(preserve, ' xml:space="preserve">', ">"), s, "")


def arrow_text(strings) -> memoryview:
    """The UTF-8 bytes of an Arrow string array without NULLs, back to back (a view of its buffer: no copy)."""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset:strings.offset + len(strings) + 1]
    return memoryview(strings.buffers()[2])[offsets[0]:offsets[-1]] if len(strings) else memoryview(b"")


def _rows(columns, date_style: int, start: int, stop: int) -> bytes:
    """The `<row>` elements of data rows start..stop-1 (sheet row = data row + 2: the header is row 1)."""
    numbers = pa.array(np.arange(start + 2, stop + 2)).cast(pa.string())
    parts = []
    for letters, kind, cells in columns:
        cells = cells.slice(start, stop - start)
        if kind == "text":
            opening, closing = f'<c r="{letters}', '" t="inlineStr"><is><t'
            ending = "</t></is></c>"
        else:
            opening = f'<c r="{letters}'
            closing = f'" s="{date_style}"><v>' if kind == "date" else '"><v>'
            ending = "</v></c>"
        cell = pc.binary_join_element_wise(opening, numbers, closing, cells, ending, "")
        parts.append(pc.fill_null(cell, ""))
    return arrow_text(pc.binary_join_element_wise('<row r="', numbers, '">', *parts, "</row>", ""))


def write_rows(path: Path, header_only: bytes, columns: list, n_rows: int, date_style: int) -> None:
    """Write at `path` the workbook `header_only` (XlsxWriter's, in memory) with the data rows (`sheet_columns`) in
    its worksheet; `date_style` is the style index of the date cells' format."""
    last = f"{columns[-1][0]}{n_rows + 1}"
    with zipfile.ZipFile(io.BytesIO(header_only)) as original, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename != SHEET:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            head, tail = data.decode("utf-8").split("</sheetData>", 1)
            if n_rows:
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
            with out.open(SHEET, "w", force_zip64=True) as sheet:  # deflated at the archive's (fast) level
                sheet.write(head.encode("utf-8"))
                for start in range(0, n_rows, CHUNK_ROWS):
                    sheet.write(_rows(columns, date_style, start, min(start + CHUNK_ROWS, n_rows)))
                sheet.write(("</sheetData>" + tail).encode("utf-8"))
