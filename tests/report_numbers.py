"""Read the numbers a built report shows: the executive summary's tiles and the tables' rows in the HTML, the
tables' rows in the PDF's text (pdftotext -layout), so tests can compare a number wherever it appears."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest


def plain(text: str) -> str:
    """No-break and narrow spaces as plain spaces, runs of spaces as one."""
    return re.sub(r"[ \t]+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


class _Report(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tiles: dict[str, dict[str, str]] = {}
        self.rows: list[list[str]] = []
        self._div: list[str] = []
        self._tile: dict[str, str] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "div":
            self._div.append(cls)
            if cls == "tile":
                self._tile = {}
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "div" and self._div:
            if self._div.pop() == "tile" and self._tile is not None:
                self.tiles[self._tile.get("label", "")] = self._tile
                self._tile = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(plain("".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._tile is not None and self._div and self._div[-1] in ("label", "value", "sub"):
            key = self._div[-1]
            self._tile[key] = plain(self._tile.get(key, "") + data).strip()


def html_numbers(path: Path) -> _Report:
    """The tiles ({label: {value, sub}}) and table rows (lists of cell texts) of a report's HTML."""
    parser = _Report()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_row(report: _Report, label: str) -> list[str]:
    """The cells after `label` in the first table row that begins with it."""
    for row in report.rows:
        if row and row[0] == label:
            return row[1:]
    raise AssertionError(f"no table row {label!r} in the HTML")


def pdf_text(path: Path) -> str:
    """The PDF's text laid out as printed (pdftotext -layout), no-break spaces as spaces."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed (.ci/run installs it)")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\xa0", " ").replace("\u202f", " ")


def pdf_row(text: str, label: str) -> str:
    """The cells of the first table row of the PDF text that begins with `label` (then a column gap: two spaces or
    more, as pdftotext -layout writes a table), as one plain string."""
    row = re.compile(rf"^\s*{re.escape(label)}\s{{2,}}(\S.*)$")
    for line in text.splitlines():
        found = row.match(line)
        if found:
            return plain(found.group(1))
    raise AssertionError(f"no table row beginning {label!r} in the PDF text")
