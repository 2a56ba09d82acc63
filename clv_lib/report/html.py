"""Small HTML building blocks for chapters: every text is escaped, every number arrives pre-formatted.

A chapter is a `Chapter` (an HTML fragment Jupyter displays through `_repr_html_`); nbconvert copies that HTML
into the report unchanged. Figures are embedded as SVG data URIs, so the report is one self-contained file.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import Iterable, Sequence

_CSS = (Path(__file__).resolve().parent / "assets" / "report.css")


def stylesheet() -> str:
    """The report's stylesheet in a <style> element (emitted once, by the cover)."""
    return f"<style>{_CSS.read_text(encoding='utf-8')}</style>"


class Chapter:
    """An HTML fragment shown as one block of the report."""

    def __init__(self, html: str):
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def e(text) -> str:
    """Escape any value for HTML text or attributes."""
    return escape("" if text is None else str(text), quote=True)


def chapter(anchor: str, title: str, *parts: str, first: bool = False) -> Chapter:
    classes = "clv chapter first" if first else "clv chapter"
    return Chapter(f'<div class="{classes}" id="{e(anchor)}"><h2>{e(title)}</h2>{"".join(parts)}</div>')


def p(text: str, cls: str | None = None, raw: bool = False) -> str:
    body = text if raw else e(text)
    return f'<p class="{cls}">{body}</p>' if cls else f"<p>{body}</p>"


def keep(*parts: str) -> str:
    """Parts that must stay on one page together (a heading, its lead and its figure)."""
    return f'<div class="keep">{"".join(parts)}</div>'


def h3(text: str) -> str:
    return f"<h3>{e(text)}</h3>"


def callout(text: str, kind: str = "info", raw: bool = False) -> str:
    return f'<div class="callout {e(kind)}">{text if raw else e(text)}</div>'


def bullets(items: Iterable[str], ordered: bool = False, raw: bool = False, cls: str = "findings") -> str:
    tag = "ol" if ordered else "ul"
    inner = "".join(f"<li>{item if raw else e(item)}</li>" for item in items)
    return f'<{tag} class="{cls}">{inner}</{tag}>'


def tiles(items: Sequence[tuple[str, str, str]]) -> str:
    """KPI tiles: (label, value, sub-line)."""
    cells = "".join(
        f'<div class="tile"><div class="label">{e(label)}</div><div class="value">{e(value)}</div>'
        f'<div class="sub">{e(sub)}</div></div>' for label, value, sub in items)
    return f'<div class="tiles">{cells}</div>'


SHORT_TABLE_ROWS = 15  # a table this short moves to the next page whole rather than leave its header behind


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None,
          caption: str | None = None) -> str:
    """A table of pre-formatted strings; `numeric[i]` right-aligns column i."""
    numeric = list(numeric or [False] * len(header))
    rows = list(rows)
    head = "".join(f'<th class="num">{e(h)}</th>' if n else f"<th>{e(h)}</th>" for h, n in zip(header, numeric))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{e(v)}</td>' if n else f"<td>{e(v)}</td>" for v, n in zip(row, numeric))
        + "</tr>" for row in rows)
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    classes = (["compact"] if len(header) >= 9 else []) + (["keep"] if len(rows) <= SHORT_TABLE_ROWS else [])
    cls = f' class="{" ".join(classes)}"' if classes else ""  # wide: smaller type for A4; short: never split
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(fig, caption: str | None = None) -> str:
    """A matplotlib Figure as an embedded SVG image (vector: sharp in print), then closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{e(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{e(caption or "")}" src="data:image/svg+xml;base64,{data}">{cap}</figure>'


def definition_list(items: Sequence[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items) + "</dl>"
