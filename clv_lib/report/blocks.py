"""The parts a chapter is made of: texts, tables (DataFrames), figures (matplotlib), callouts, groups.

A block holds data, never HTML: a `Table` holds a DataFrame and how to format each column, a `Figure` holds a
matplotlib Figure, a `Text` holds a sentence. `clv_lib.report.render` turns them into HTML through the Jinja2
templates in `report/templates/` when the chapter is displayed, so everything an analyst changes before that
(a row dropped, a chart's title, a sentence) is what the report shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import pandas as pd


@dataclass(eq=False)
class Block:
    """One part of a chapter; `name` is how an analyst reaches it (`chapter.tables["winback"]`)."""

    kind: ClassVar[str] = "block"
    name: str | None = field(default=None, kw_only=True)


@dataclass(eq=False)
class Text(Block):
    """A paragraph. `style`: None, "lead" (larger) or "note" (small, muted)."""

    kind: ClassVar[str] = "text"
    text: str = ""
    style: str | None = None


@dataclass(eq=False)
class Heading(Block):
    kind: ClassVar[str] = "heading"
    text: str = ""


@dataclass(eq=False)
class Callout(Block):
    """A boxed sentence; `tone`: info, good, warn or bad."""

    kind: ClassVar[str] = "callout"
    text: str = ""
    tone: str = "info"


@dataclass(eq=False)
class Bullets(Block):
    kind: ClassVar[str] = "bullets"
    items: list = field(default_factory=list)
    ordered: bool = False
    style: str = "findings"


@dataclass(eq=False)
class Tiles(Block):
    """KPI tiles: (label, value, sub-line) each."""

    kind: ClassVar[str] = "tiles"
    items: list = field(default_factory=list)


@dataclass(eq=False)
class Facts(Block):
    """A definition list: (term, value) pairs."""

    kind: ClassVar[str] = "facts"
    items: list = field(default_factory=list)


@dataclass(eq=False)
class Preformatted(Block):
    kind: ClassVar[str] = "pre"
    text: str = ""


# A column format: "money", "money:2", "money_compact", "number", "number:2", "pct", "pct:0", "ratio", "date",
# "month", "text", or any callable value -> str.
Format = str | Callable[[Any], str]


@dataclass(eq=False)
class Table(Block):
    """A table: `frame` holds the values (numbers stay numbers), `formats` says how each column prints in the
    report's language (`{"clv_12m": "money", "prob_alive": "pct:0"}`), `labels` the header shown for a column
    (columns without one show their own name). Numeric and formatted columns are right-aligned.

    `frame` may be replaced (`chapter.tables["winback"] = frame.head(5)`): formats and labels follow the column
    names, so dropping, reordering or filtering keeps the look.
    """

    kind: ClassVar[str] = "table"
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    formats: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    caption: str | None = None
    align_right: set | None = None  # columns to right-align; None: formatted numbers and numeric dtypes
    styler: Any = None  # a pandas Styler of `frame` (colours, bars): rendered through it, with these formats


@dataclass(eq=False)
class Figure(Block):
    """A matplotlib figure (seaborn draws on one too), with an optional title line above it and a caption."""

    kind: ClassVar[str] = "figure"
    figure: Any = None
    caption: str | None = None
    title: str | None = None


@dataclass(eq=False)
class Group(Block):
    """Blocks kept on one page together (a heading, its lead and its figure)."""

    kind: ClassVar[str] = "group"
    blocks: list = field(default_factory=list)


@dataclass(eq=False)
class Commentary(Block):
    """An analyst's words in each language (`{"it": ..., "en": ...}`, Markdown); the report shows its own."""

    kind: ClassVar[str] = "commentary"
    texts: Mapping[str, str] = field(default_factory=dict)
    title: str | None = None


@dataclass(eq=False)
class Layout(Block):
    """A part with its own template (`report/templates/<template>`), given `values`."""

    kind: ClassVar[str] = "layout"
    template: str = ""
    values: dict = field(default_factory=dict)


@dataclass(eq=False)
class Html(Block):
    """Trusted HTML, unchanged. Only for fragments built elsewhere that escape their own texts."""

    kind: ClassVar[str] = "html"
    html: str = ""


TEXT_KINDS = (Text, Heading, Callout, Bullets, Commentary)


def walk(blocks):
    """Every block, groups included and then their members, in reading order."""
    for block in blocks:
        yield block
        if isinstance(block, Group):
            yield from walk(block.blocks)
