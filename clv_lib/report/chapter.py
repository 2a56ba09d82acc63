"""A chapter of the report as an object: its tables (DataFrames), figures (matplotlib) and texts, reachable and
changeable by name until it is displayed. Jupyter displays it through `_repr_html_`, which renders the blocks
with the Jinja2 templates in `report/templates/`; nbconvert copies that HTML into the report.

In a notebook:

    ch = report.predicted_clv(rows=20, titles={"quadrant": "Who is worth saving"})
    ch                                   # Chapter 'predicted': tables [...], figures [...], texts [...]
    ch.tables["winback"]                 # a DataFrame of the numbers (not of formatted strings)
    ch.tables["winback"] = ch.tables["winback"].drop(columns="days_since_last")
    ch.figures["quadrant"].axes[0].axhline(0.5)         # a matplotlib Figure
    ch.texts["winback.lead"] += " Call them this week."
    ch.captions["quadrant"] = "Value against the chance that the customer is still active"
    ch.add(report.commentary(it="...", en="..."), after="winback")
    ch                                   # shows the changed chapter

Writing a chapter (a module in `report/chapters/` with `render(r, **options) -> Chapter`):

    def render(r, rows: int = 15) -> Chapter:
        t, f, a = r.t, r.fmt, r.analysis
        ch = Chapter("predicted", t("toc.predicted"))
        ch.text("lead", t("predicted.lead", value=f.money(total)))          # words: text/<lang>.yaml
        ch.figure("quadrant", charts.alive_vs_value(...), caption=t("predicted.quadrant.caption"))
        ch.table("winback", frame.head(rows), formats={"clv_12m": "money:2", "prob_alive": "pct:0"},
                 labels={"clv_12m": t("col.clv_12m"), ...}, caption=t("predicted.winback.caption"))
        ch.keep("quadrant.block", Heading(...), Text(...), Figure(...))    # stays on one page
        return ch

then a method on `Report` (facade.py) that calls `self._chapter(chapters.<module>, **options)`: it checks the
options, binds the chapter to the report (language, figure and table numbers) and applies `titles=`,
`captions=`, `texts=` and `hide=`. (A chapter displayed without it is numbered with the report opened last.) Keep numbers as
numbers in tables and give each column a format: the template formats them in the report's language and
currency, and an analyst can sort, filter or drop columns. Every text is escaped by the templates; never build
HTML strings in a chapter (a part that needs its own layout is a `Layout` block with a template).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Iterator

from clv_lib.exceptions import ClvError
from clv_lib.report import blocks as B

# What each view of a chapter exposes, per block type: the attribute an analyst reads and replaces.
_TEXT_ATTR = {B.Text: "text", B.Heading: "text", B.Callout: "text", B.Bullets: "items", B.Commentary: "texts"}


class _View(MutableMapping):
    """Named blocks of some types, by name, giving one attribute of each (a DataFrame, a Figure, a text)."""

    def __init__(self, chapter: "Chapter", attrs: dict, what: str):
        self._chapter, self._attrs, self._what = chapter, attrs, what

    def _blocks(self) -> dict:
        return {b.name: b for b in B.walk(self._chapter.blocks) if type(b) in self._attrs}

    def _block(self, name: str):
        found = self._blocks()
        if name not in found:
            known = ", ".join(found) or "none"
            raise KeyError(f"chapter '{self._chapter.anchor}' has no {self._what} {name!r} (it has: {known})")
        return found[name]

    def __getitem__(self, name: str):
        block = self._block(name)
        return getattr(block, self._attrs[type(block)])

    def __setitem__(self, name: str, value) -> None:
        block = self._block(name)
        setattr(block, self._attrs[type(block)], value)

    def __delitem__(self, name: str) -> None:
        self._chapter.drop(self._block(name).name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._blocks())

    def __len__(self) -> int:
        return len(self._blocks())

    def __repr__(self) -> str:
        return f"<{self._what}s of chapter '{self._chapter.anchor}': {', '.join(self) or 'none'}>"


class Chapter:
    """One block of the report: a heading and named parts, rendered when displayed.

    `first`: no page break before it (the executive summary follows the cover). `page_break=False` and no title:
    an addition that flows inside the chapter before it (an analyst's figure, table or commentary).
    """

    def __init__(self, anchor: str | None, title: str | None, *, first: bool = False, page_break: bool = True,
                 template: str = "chapter.html.j2"):
        self.anchor, self.title, self.first, self.page_break = anchor, title, first, page_break
        self.template = template
        self.blocks: list[B.Block] = []
        self.context = None  # a render.Context, set by the report (language, formatter, figure numbers)

    # ---- building -----------------------------------------------------------------------------------------
    def add(self, block, *, after: str | None = None, before: str | None = None):
        """Append a block (or every block of another chapter, e.g. an analyst's addition) and return it.

        `after` / `before`: the name of a top-level block to insert next to, instead of at the end.
        """
        new = list(block.blocks) if isinstance(block, Chapter) else [block]
        taken = set(self.names())
        for item in new:
            self._name(item, taken)
        if after is None and before is None:
            self.blocks.extend(new)
        else:
            at = self._index(after if after is not None else before) + (1 if after is not None else 0)
            self.blocks[at:at] = new
        return block

    def text(self, name: str, text: str, style: str | None = None) -> B.Text:
        return self.add(B.Text(text, style, name=name))

    def heading(self, name: str, text: str) -> B.Heading:
        return self.add(B.Heading(text, name=name))

    def callout(self, name: str, text: str, tone: str = "info") -> B.Callout:
        return self.add(B.Callout(text, tone, name=name))

    def bullets(self, name: str, items, ordered: bool = False, style: str = "findings") -> B.Bullets:
        return self.add(B.Bullets(list(items), ordered, style, name=name))

    def tiles(self, name: str, items) -> B.Tiles:
        return self.add(B.Tiles(list(items), name=name))

    def table(self, name: str, frame, *, formats: dict | None = None, labels: dict | None = None,
              caption: str | None = None, align_right=None) -> B.Table:
        return self.add(B.Table(frame, dict(formats or {}), dict(labels or {}), caption,
                                set(align_right) if align_right is not None else None, name=name))

    def figure(self, name: str, figure, caption: str | None = None, title: str | None = None) -> B.Figure:
        return self.add(B.Figure(figure, caption, title, name=name))

    def keep(self, name: str, *blocks) -> B.Group:
        """Blocks that stay on one page together."""
        return self.add(B.Group([b for b in blocks if b is not None and b != ""], name=name))

    # ---- reaching the parts ---------------------------------------------------------------------------------
    @property
    def tables(self) -> _View:
        """Tables by name, as DataFrames (assign a new DataFrame to change what the report shows)."""
        return _View(self, {B.Table: "frame"}, "table")

    @property
    def figures(self) -> _View:
        """Figures by name, as matplotlib Figures (seaborn draws on them too)."""
        return _View(self, {B.Figure: "figure"}, "figure")

    @property
    def texts(self) -> _View:
        """Paragraphs, headings, callouts (str) and bullet lists (list of str) by name."""
        return _View(self, _TEXT_ATTR, "text")

    @property
    def captions(self) -> _View:
        """Captions of figures and tables by name."""
        return _View(self, {B.Figure: "caption", B.Table: "caption"}, "caption")

    @property
    def titles(self) -> _View:
        """Title lines shown above figures, by figure name (empty by default)."""
        return _View(self, {B.Figure: "title"}, "figure title")

    def __getitem__(self, name: str) -> B.Block:
        for block in B.walk(self.blocks):
            if block.name == name:
                return block
        raise KeyError(f"chapter '{self.anchor}' has no part {name!r} (it has: {', '.join(self.names())})")

    def names(self) -> list[str]:
        return [b.name for b in B.walk(self.blocks)]

    def drop(self, *names: str) -> "Chapter":
        """Remove parts by name (a group removes its members too)."""
        missing = set(names) - set(self.names())
        if missing:
            raise KeyError(f"chapter '{self.anchor}' has no part {sorted(missing)[0]!r} "
                           f"(it has: {', '.join(self.names())})")
        self.blocks = _without(self.blocks, set(names))
        return self

    def apply(self, titles: dict | None = None, captions: dict | None = None, hide=None,
              texts: dict | None = None) -> "Chapter":
        """The layout options every chapter takes: `titles` / `captions` by figure or table name, `texts` by text
        name, `hide`: names of parts to leave out. An unknown name is one clear error listing the known ones."""
        try:
            for name, value in (titles or {}).items():
                self.titles[name] = value
            for name, value in (captions or {}).items():
                self.captions[name] = value
            for name, value in (texts or {}).items():
                self.texts[name] = value
            if hide:
                self.drop(*([hide] if isinstance(hide, str) else hide))
        except KeyError as exc:
            raise ClvError(exc.args[0]) from None
        return self

    # ---- display --------------------------------------------------------------------------------------------
    def to_html(self) -> str:
        from clv_lib.report.render import render_chapter

        return render_chapter(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        def names(view):
            return "[" + ", ".join(view) + "]"
        return (f"<Chapter {self.anchor!r}: tables {names(self.tables)}, figures {names(self.figures)}, "
                f"texts {names(self.texts)}>")

    # ---- internals ------------------------------------------------------------------------------------------
    def _name(self, block, taken: set) -> None:
        """Give `block` (and a group's members) a name not in `taken`: its own, or `<kind><n>`."""
        base = block.name or block.kind
        name, n = (block.name, 2) if block.name else (f"{base}1", 2)
        while name in taken:
            name, n = f"{base}_{n}" if block.name else f"{base}{n}", n + 1
        block.name = name
        taken.add(name)
        if isinstance(block, B.Group):
            for member in block.blocks:
                self._name(member, taken)

    def _index(self, name: str) -> int:
        for i, block in enumerate(self.blocks):
            if block.name == name:
                return i
        raise KeyError(f"chapter '{self.anchor}' has no top-level part {name!r} "
                       f"(it has: {', '.join(b.name for b in self.blocks)})")


def _without(blocks: list, names: set) -> list:
    out = []
    for block in blocks:
        if block.name in names:
            continue
        if isinstance(block, B.Group):
            block.blocks = _without(block.blocks, names)
        out.append(block)
    return out
