"""Chapter -> HTML through the Jinja2 templates in `report/templates/` (autoescaped: every customer id, label and
sentence is escaped; numbers are formatted here, in the report's language and currency).

Figures are embedded as SVG data URIs (vector: sharp in print; one self-contained file). Figures and tables with a
caption are numbered in the order they are displayed (`Figure 3.` / `Figura 3.`), which in a report run is the
order of the notebook's cells, analysts' additions included.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from clv_lib.report import blocks as B
from clv_lib.report.fmt import MISSING, Formatter
from clv_lib.report.svg import figure_uri  # noqa: F401 - also the index page's

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHORT_TABLE_ROWS = 15  # a table this short moves to the next page whole rather than leave its header behind
WIDE_TABLE_COLUMNS = 9  # from this many columns a table uses smaller type to fit A4
NUMBER_WORDS = {"en": {"figure": "Figure", "table": "Table"}, "it": {"figure": "Figura", "table": "Tabella"}}


@dataclass
class Context:
    """What rendering needs from the report: its language, its formatter and the running figure/table numbers."""

    language: str = "en"
    fmt: Formatter = field(default_factory=lambda: Formatter("en", "EUR"))
    counters: dict = field(default_factory=dict)

    def number(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{NUMBER_WORDS.get(self.language, NUMBER_WORDS['en'])[kind]} {self.counters[kind]}."


_active: list[Context] = []  # the context of the report opened last (a notebook has one report)


def activate(context: Context) -> Context:
    """Make `context` the one used by chapters that were not given one (built outside `Report._chapter`)."""
    _active[:] = [context]
    return context


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["stylesheet"] = stylesheet
    return env


def stylesheet() -> Markup:
    """The report's stylesheet (emitted once, by the cover)."""
    return Markup("<style>{}</style>").format(Markup((TEMPLATES.parent / "assets" / "report.css")
                                                      .read_text(encoding="utf-8")))


def render_chapter(chapter, figures=None) -> str:
    """The chapter's HTML; `figures`: a `workers.Workers` that draws the figures (tokens stand for them)."""
    context = chapter.context or (_active[0] if _active else Context())
    prepared = [_prepare(block, context, figures) for block in chapter.blocks]
    return environment().get_template(chapter.template).render(chapter=chapter, blocks=prepared,
                                                               parts={b["name"]: b for b in prepared})


def render_template(name: str, **values) -> str:
    return environment().get_template(name).render(**values)


def _prepare(block, context: Context, figures=None) -> dict:
    """A block as the template sees it: its fields, plus the HTML-ready parts (cells, SVG, numbers)."""
    out = {"kind": block.kind, "name": block.name, "block": block}
    if isinstance(block, B.Table):
        out.update(_table(block, context))
    elif isinstance(block, B.Figure):
        src = figures.submit(block.figure) if figures is not None else None
        out.update(src=src or figure_uri(block.figure), title=block.title, caption=block.caption,
                   number=context.number("figure") if block.caption else None,
                   alt=block.title or block.caption or "")
    elif isinstance(block, B.Group):
        out["blocks"] = [_prepare(member, context, figures) for member in block.blocks]
    elif isinstance(block, B.Commentary):
        out.update(html=commentary_html(block.texts, context.language), title=block.title)
    elif isinstance(block, B.Html):
        out["html"] = Markup(block.html)
    return out


# ---- figures ------------------------------------------------------------------------------------------------
# ---- tables -------------------------------------------------------------------------------------------------
_NUMERIC_FORMATS = {"money", "money_compact", "number", "pct", "ratio"}


def _table(block: B.Table, context: Context) -> dict:
    frame = block.frame
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    columns = list(frame.columns)
    specs = [block.formats.get(c) or _default_format(frame.iloc[:, i]) for i, c in enumerate(columns)]
    right = [(c in block.align_right) if block.align_right is not None else _is_numeric(frame.iloc[:, i], spec)
             for i, (c, spec) in enumerate(zip(columns, specs))]
    header = [str(block.labels.get(c, c)) for c in columns]
    classes = (["compact"] if len(columns) >= WIDE_TABLE_COLUMNS else []) + \
              (["keep"] if len(frame) <= SHORT_TABLE_ROWS else [])
    number = context.number("table") if block.caption else None
    if block.styler is not None and block.styler.data is block.frame:
        return {"styled": _styled(block, specs, right, header, " ".join(classes), number, context)}
    rows = [[format_value(value, spec, context.fmt) for value, spec in zip(row, specs)]
            for row in frame.itertuples(index=False, name=None)]
    return {"header": list(zip(header, right)), "rows": [list(zip(r, right)) for r in rows],
            "caption": block.caption, "classes": " ".join(classes), "number": number, "styled": None}


def _styled(block: B.Table, specs, right, header, classes: str, number, context: Context) -> Markup:
    """An analyst's pandas Styler (colours, bars, highlights) with the report's formats, escaping, alignment,
    caption and number: values and headers are escaped by the Styler (`escape="html"`)."""
    import copy

    import numpy as np
    from markupsafe import escape

    styler = copy.deepcopy(block.styler)
    frame = styler.data
    styler.format({c: (lambda v, s=spec: format_value(v, s, context.fmt)) for c, spec in zip(frame.columns, specs)},
                  escape="html")
    styler.format_index(escape="html", axis=1).relabel_index(header, axis=1)
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        styler.hide(axis="index")  # a meaningful index (customer ids) stays, escaped
    else:
        styler.format_index(escape="html", axis=0)
    flags = np.tile(np.where(right, "num", ""), (len(frame), 1))
    styler.set_td_classes(pd.DataFrame(flags, index=frame.index, columns=frame.columns))
    styler.set_table_styles([{"selector": f"th.col{i}", "props": "text-align: right"}
                             for i, flag in enumerate(right) if flag], overwrite=False)
    if block.caption:
        label = Markup('<span class="number">{}</span> ').format(number) if number else Markup("")
        styler.set_caption(str(label + escape(block.caption)))
    styler.set_table_attributes(f'class="{classes}"' if classes else "")
    return Markup(styler.to_html())


def _default_format(column: pd.Series):
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        if pd.api.types.is_datetime64_any_dtype(column):
            return "date"
        return None
    if pd.api.types.is_integer_dtype(column):
        return "number"
    values = column.dropna()
    whole = len(values) == 0 or bool(((values - values.round()).abs() < 1e-9).all())
    return "number" if whole else "number:2"


def _is_numeric(column: pd.Series, spec) -> bool:
    if isinstance(spec, str):
        return spec.split(":")[0] in _NUMERIC_FORMATS
    return callable(spec) and pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def format_value(value, spec, fmt: Formatter) -> str:
    """One cell: `spec` is a format name (`money:2`, `pct:0`, ...), a callable, or None (shown as it is)."""
    if _missing(value):
        return MISSING
    if isinstance(value, str) and not callable(spec):
        return value  # a label in a column of numbers ("", "–", "n/a") is shown as it is
    if callable(spec):
        return str(spec(value))
    if spec:
        name, _, digits = str(spec).partition(":")
        decimals = int(digits) if digits else None
        if name == "money":
            return fmt.money(value, decimals or 0)
        if name == "money_compact":
            return fmt.money_compact(value)
        if name == "number":
            return fmt.number(value, decimals or 0)
        if name == "pct":
            return fmt.pct(value, 1 if decimals is None else decimals)
        if name == "ratio":
            return fmt.ratio(value, 1 if decimals is None else decimals)
        if name == "date":
            return fmt.date(pd.Timestamp(value).to_pydatetime(), "short")
        if name == "month":
            return fmt.month(pd.Timestamp(value) if not hasattr(value, "to_timestamp") else value)
        if name != "text":
            raise ValueError(f"unknown table format {spec!r} (money, money_compact, number, pct, ratio, date, "
                             "month, text, with ':<decimals>', or a function)")
    if isinstance(value, (datetime, date)):
        return fmt.date(value, "short")
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return fmt.number(value, 0 if float(value).is_integer() else 2)
    return str(value)


def _missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


# ---- commentary ---------------------------------------------------------------------------------------------
def commentary_html(texts, language: str) -> Markup:
    """The commentary in the report's language, Markdown rendered to HTML with any HTML in it escaped."""
    text = texts.get(language) if hasattr(texts, "get") else None
    if text is None:
        from clv_lib.exceptions import ClvError

        given = ", ".join(sorted(texts)) or "none"
        raise ClvError(f"a commentary has no text in the report's language ({language}); it has: {given}. "
                       f"Add {language}=\"...\" to report.commentary(...)")
    return Markup(_markdown()(str(text)))


@lru_cache(maxsize=1)
def _markdown():
    import mistune

    return mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])
