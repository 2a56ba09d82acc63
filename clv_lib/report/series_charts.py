"""Charts across a client's reports: headline trends (the client index page) and the forecast track record (the
"Since the last report" chapter). Same theme and conventions as `clv_lib.report.charts`: tidy data in, translated
labels in, a `matplotlib.figure.Figure` out, no analysis inside."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from clv_lib.report.charts import ACCENT, GREY, PALETTE, _figure, _money_axis, themed
from clv_lib.report.fmt import Formatter, TickLabel

TREND_PANELS = (("customers", ("customers", "active_customers"), "count"), ("revenue", ("revenue",), "money"),
                ("clv", ("clv_12m_total", "clv_24m_total"), "money"), ("churn", ("churn_rate_monthly",), "share"))


def _x_periods(ax, labels) -> None:
    n = len(labels)
    step = max(1, int(np.ceil(n / 12)))
    ax.set_xticks(range(0, n, step))
    ax.set_xticklabels([str(labels[i]) for i in range(0, n, step)], rotation=45 if n > 6 else 0,
                       ha="right" if n > 6 else "center")
    ax.set_xlim(-0.5, n - 0.5)


def trends(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Headline numbers across periods, one small panel per kind of number.

    `frame`: index period label (oldest first), columns among `customers`, `active_customers`, `revenue`,
    `clv_12m_total`, `clv_24m_total`, `churn_rate_monthly` (missing values are gaps). `labels`: `panels`, a
    title per panel (`customers`, `revenue`, `clv`, `churn`), and `series`, a legend label per column."""
    panels = [(key, [c for c in cols if c in frame.columns and frame[c].notna().any()], kind)
              for key, cols, kind in TREND_PANELS]
    panels = [p for p in panels if p[1]]
    with themed():
        fig = _figure(7.2, 2.3 * ((len(panels) + 1) // 2))
        axes = fig.subplots((len(panels) + 1) // 2, 2, squeeze=False).ravel()
        x = np.arange(len(frame))
        for ax, (key, cols, kind) in zip(axes, panels):
            for column, color in zip(cols, [ACCENT, PALETTE[1]]):
                ax.plot(x, frame[column].astype(float), color=color, lw=1.6, marker="o", ms=3.5,
                        label=labels["series"].get(column, column))
            ax.set_title(labels["panels"][key], loc="left")
            if kind == "money":
                _money_axis(ax.yaxis, fmt)
            elif kind == "share":
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            else:
                ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
                ax.yaxis.set_major_formatter(FuncFormatter(TickLabel(fmt, "number")))
            ax.set_ylim(bottom=0)
            if len(cols) > 1:
                ax.legend(loc="lower left")
            _x_periods(ax, list(frame.index))
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        return fig


def track_record(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Each earlier report's forecast against the actual: counts side by side (left) and the error in percent of
    the count and of the revenue (right).

    `frame`: index report period (oldest first), columns `predicted`, `actual` (purchases or active
    subscribers), `count_error`, `revenue_error` (predicted / actual - 1). `labels`: `predicted`, `actual`,
    `count` (left axis), `count_error`, `revenue_error`, `error` (right axis)."""
    with themed():
        fig = _figure(7.2, 2.8)
        left, right = fig.subplots(1, 2)
        x = np.arange(len(frame))
        width = 0.38
        left.bar(x - width / 2, frame["predicted"], width=width, color=ACCENT, label=labels["predicted"])
        left.bar(x + width / 2, frame["actual"], width=width, color=GREY, label=labels["actual"])
        left.yaxis.set_major_formatter(FuncFormatter(TickLabel(fmt, "number")))
        left.set_ylabel(labels["count"])
        left.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)  # above the bars, never on them
        _x_periods(left, list(frame.index))
        for offset, column, color in ((-width / 2, "count_error", ACCENT), (width / 2, "revenue_error", PALETTE[1])):
            values = frame[column].astype(float).fillna(0.0)
            right.bar(x + offset, values, width=width, color=color, label=labels[column])
        right.axhline(0, color="#52606d", lw=0.8)
        right.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        limit = max(0.1, float(np.nanmax(np.abs(frame[["count_error", "revenue_error"]].to_numpy(float)))) * 1.25) \
            if frame[["count_error", "revenue_error"]].notna().any().any() else 0.1
        right.set_ylim(-limit, limit)
        right.set_ylabel(labels["error"])
        right.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
        _x_periods(right, list(frame.index))
        return fig
