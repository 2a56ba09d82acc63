"""An analyst's own commentary, figures and tables, shown the way the report's own are: numbered and captioned,
numbers in the report's language and currency, words in the report's language.

    report.commentary(it="Il **Natale** ha spostato gli acquisti.", en="**Christmas** moved purchases.")

    with report.theme():
        fig, ax = plt.subplots(figsize=(7, 3))
        sns.histplot(report.analysis.customers["clv_12m"], ax=ax)
    report.figure(fig, caption={"it": "Distribuzione del CLV", "en": "CLV distribution"}, money="x")

    report.table(frame, caption="Top customers", formats={"revenue": "money:2", "share": "pct"})

Each returns a `Chapter` without a heading or page break: displayed in its own cell it flows inside the chapter
before it; `chapter.add(report.figure(...), after="...")` puts it inside a chapter object instead.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.ticker import FuncFormatter, ScalarFormatter
from matplotlib.ticker import Formatter as TickFormatter

from clv_lib.exceptions import ClvError
from clv_lib.report import blocks as B
from clv_lib.report.chapter import Chapter
from clv_lib.report.fmt import TickLabel


def in_language(report, value, what: str):
    """`value` for the report's language: a text as it is, or the entry of `{"it": ..., "en": ...}`."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        if report.language not in value:
            raise ClvError(f"{what} has no text in the report's language ({report.language}); "
                           f"it has: {', '.join(sorted(value)) or 'none'}")
        return value[report.language]
    return str(value)


def _addition(report, name: str) -> Chapter:
    chapter = Chapter(name, None, page_break=False)
    chapter.context = report.render_context
    return chapter


def commentary(report, it: str | None = None, en: str | None = None, title=None) -> Chapter:
    texts = {k: v for k, v in (("it", it), ("en", en)) if v is not None}
    if not texts:
        raise ClvError("report.commentary() needs the text: it=\"...\" and/or en=\"...\"")
    in_language(report, texts, "report.commentary()")  # fails now, in the cell, if the report's language is missing
    chapter = _addition(report, "commentary")
    chapter.add(B.Commentary(texts, in_language(report, title, "the commentary's title"), name="commentary"))
    return chapter


def as_figure(obj):
    """A matplotlib Figure from a Figure, an Axes, or a seaborn FacetGrid / JointGrid / PairGrid."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        return obj
    if isinstance(obj, Axes):
        return obj.figure
    inner = getattr(obj, "figure", None) or getattr(obj, "fig", None)
    if isinstance(inner, Figure):
        return inner
    raise ClvError(f"report.figure() takes a matplotlib Figure, an Axes or a seaborn grid, not {type(obj).__name__}")


def figure(report, obj, caption=None, title=None, money=None, percent=None) -> Chapter:
    fig = as_figure(obj)
    localise_axes(fig, report.fmt, money=_axes(money), percent=_axes(percent))
    _release_from_pyplot(fig)
    chapter = _addition(report, "figure")
    chapter.figure("figure", fig, caption=in_language(report, caption, "the figure's caption"),
                   title=in_language(report, title, "the figure's title"))
    return chapter


def table(report, frame, caption=None, formats=None, labels=None, rows=None) -> Chapter:
    """A DataFrame, a Series or a pandas Styler (its colours, bars and highlights kept) as a report table."""
    styler = frame if _is_styler(frame) else None
    if styler is not None:
        frame = styler.data
        caption = caption if caption is not None else getattr(styler, "caption", None)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if rows is not None and styler is None:
        frame = frame.head(int(rows))
    if styler is None and (not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None):
        frame = frame.reset_index()
    if styler is not None and not frame.columns.is_unique:
        raise ClvError("report.table(): a Styler's DataFrame needs unique column names")
    labels = {k: in_language(report, v, f"the label of column {k!r}") for k, v in (labels or {}).items()}
    chapter = _addition(report, "table")
    block = chapter.table("table", frame, formats=formats, labels=labels,
                          caption=in_language(report, caption, "the table's caption"))
    block.styler = styler
    return chapter


def _is_styler(obj) -> bool:
    from pandas.io.formats.style import Styler

    return isinstance(obj, Styler)


# ---- axes in the report's number format ---------------------------------------------------------------------
def _axes(which) -> set:
    if not which:
        return set()
    return set(which) if not isinstance(which, str) else ({"x", "y"} if which == "both" else {which})


class LocaleTicks(TickFormatter):
    """Tick labels in the report's number format, with as many decimals as the ticks need (0,25 / 1.000)."""

    def __init__(self, fmt):
        self.fmt, self.decimals = fmt, 0

    def set_locs(self, locs):
        super().set_locs(locs)
        finite = [float(v) for v in locs if math.isfinite(v)]
        self.decimals = next((d for d in range(7) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v))
                                                         for v in finite)), 6)

    def __call__(self, x, pos=None):
        return self.fmt.number(x, self.decimals)


def localise_axes(fig, fmt, money: set = frozenset(), percent: set = frozenset()) -> None:
    """Give the figure's axes the report's formats: `money` / `percent` axes ("x", "y") as money or shares (0..1),
    other plain linear number axes in the report's number format. Category, date and log axes are left alone."""
    for ax in fig.axes:
        for letter, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if letter in money:
                axis.set_major_formatter(FuncFormatter(TickLabel(fmt, "money_compact")))
            elif letter in percent:
                axis.set_major_formatter(FuncFormatter(TickLabel(fmt, "pct", 0)))
            elif type(axis.get_major_formatter()) is ScalarFormatter and axis.get_scale() == "linear":
                axis.set_major_formatter(LocaleTicks(fmt))


def _release_from_pyplot(fig) -> None:
    """A figure made with pyplot would also be shown by the inline backend at the end of the cell: close it there
    (it can still be drawn and changed)."""
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and getattr(fig, "number", None) is not None and plt.fignum_exists(fig.number):
        plt.close(fig)
