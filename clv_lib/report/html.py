"""Short constructors for chapter parts (blocks), kept for chapters written before `Chapter` had its builder
methods: `H.p(...)`, `H.table(header, rows)`, `H.chapter(anchor, title, *parts)`.

New chapters use `Chapter` directly (see `clv_lib.report.chapter`): named parts, tables as DataFrames of numbers
with column formats. These constructors return unnamed blocks (named `text3`, `table2`, ... in the chapter) and
tables of already formatted strings. No function here builds HTML: the templates in `report/templates/` do.
"""

from __future__ import annotations

from html import escape
from typing import Iterable, Sequence

import pandas as pd

from clv_lib.report import blocks as B
from clv_lib.report.chapter import Chapter
from clv_lib.report.render import SHORT_TABLE_ROWS, stylesheet  # noqa: F401 - part of this module's interface


def e(text) -> str:
    """Escape any value for HTML text or attributes."""
    return escape("" if text is None else str(text), quote=True)


def chapter(anchor: str, title: str, *parts, first: bool = False) -> Chapter:
    """A chapter from parts in order; a part that is a string is taken as trusted HTML."""
    out = Chapter(anchor, title, first=first)
    for part in parts:
        if part is None or part == "":
            continue
        out.add(part if isinstance(part, B.Block) else B.Html(str(part)))
    return out


def p(text: str, cls: str | None = None, raw: bool = False, name: str | None = None):
    return B.Html(f'<p class="{e(cls)}">{text}</p>' if cls else f"<p>{text}</p>", name=name) if raw \
        else B.Text(text, cls, name=name)


def keep(*parts, name: str | None = None) -> B.Group:
    """Parts that must stay on one page together (a heading, its lead and its figure)."""
    return B.Group([x if isinstance(x, B.Block) else B.Html(str(x)) for x in parts if x is not None and x != ""],
                   name=name)


def h3(text: str, name: str | None = None) -> B.Heading:
    return B.Heading(text, name=name)


def callout(text: str, kind: str = "info", raw: bool = False, name: str | None = None):
    return B.Html(f'<div class="callout {e(kind)}">{text}</div>', name=name) if raw else B.Callout(text, kind,
                                                                                                   name=name)


def bullets(items: Iterable[str], ordered: bool = False, raw: bool = False, cls: str = "findings",
            name: str | None = None):
    if raw:
        tag = "ol" if ordered else "ul"
        return B.Html(f'<{tag} class="{e(cls)}">' + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>", name=name)
    return B.Bullets(list(items), ordered, cls, name=name)


def tiles(items: Sequence[tuple[str, str, str]], name: str | None = None) -> B.Tiles:
    """KPI tiles: (label, value, sub-line)."""
    return B.Tiles(list(items), name=name)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None,
          caption: str | None = None, name: str | None = None) -> B.Table:
    """A table of pre-formatted strings; `numeric[i]` right-aligns column i."""
    header = [str(h) for h in header]
    numeric = list(numeric or [False] * len(header))
    frame = pd.DataFrame([list(r) for r in rows], columns=header, dtype=object) if header else pd.DataFrame()
    return B.Table(frame, {}, {}, caption, {h for h, n in zip(header, numeric) if n}, name=name)


def figure(fig, caption: str | None = None, name: str | None = None, title: str | None = None) -> B.Figure:
    """A matplotlib Figure, embedded as SVG when the chapter is displayed."""
    return B.Figure(fig, caption, title, name=name)


def definition_list(items: Sequence[tuple[str, str]], name: str | None = None) -> B.Facts:
    return B.Facts(list(items), name=name)
