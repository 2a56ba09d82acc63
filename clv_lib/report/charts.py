"""The report's charts: seaborn/matplotlib with one theme, drawn on `Figure` objects (no pyplot state).

Every function takes tidy data plus the already-translated labels and a `Formatter` for tick labels, and returns
a `matplotlib.figure.Figure`; `report.html.figure()` embeds it as SVG. No chart function computes analysis
results: the numbers come from the library stages.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Sequence

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axis import XAxis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from clv_lib.report.fmt import Formatter, TickLabel

ACCENT = "#0b6e99"
PALETTE = ["#0b6e99", "#f29e4c", "#2f855a", "#c53030", "#6b46c1", "#718096", "#d69e2e", "#319795", "#b83280",
           "#4a5568", "#9c4221"]
GOOD, WARN, BAD, GREY = "#2f855a", "#d69e2e", "#c53030", "#a0aec0"
THEME = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold",
    "axes.labelsize": 9, "axes.edgecolor": "#cbd2d9", "axes.labelcolor": "#1f2933", "xtick.color": "#52606d",
    "ytick.color": "#52606d", "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#e4e7eb", "grid.linewidth": 0.6, "legend.frameon": False, "legend.fontsize": 8,
    "svg.hashsalt": "clv-report", "svg.fonttype": "path", "figure.dpi": 100,
}


@contextmanager
def themed():
    # The colour cycle as seaborn's `set_palette(PALETTE)` sets it (RGB tuples), without importing seaborn: the
    # client's index page draws its trend chart with this theme, and seaborn with scipy.stats costs that process
    # 1.1 s of CPU; the charts that call seaborn import it themselves (`_seaborn`).
    cycle = cycler("color", [matplotlib.colors.to_rgb(c) for c in PALETTE])
    with matplotlib.rc_context({**THEME, "axes.prop_cycle": cycle}):
        yield


def _seaborn():
    import seaborn

    return seaborn


HALF_CENT = 0.005  # values below it round to zero in every table and file


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _money_axis(axis, fmt: Formatter) -> None:
    if isinstance(axis, XAxis):  # side by side, long labels ("125.000 €": Italian has no short thousands) collide
        axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(TickLabel(fmt, "money_compact")))


def _log_money_axis(axis, fmt: Formatter) -> None:
    """Decade ticks on a log money axis, with cents below one unit of currency."""
    from matplotlib.ticker import LogLocator, NullFormatter

    low, high = axis.get_view_interval()
    narrow = low > 0 and high / low < 100  # under two decades: label 1-2-5 steps, not just powers of ten
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,)))
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(TickLabel(fmt, "money_compact", small=("money", 2))))


def monthly_revenue(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Stacked monthly revenue from new vs returning customers, active customers on a second axis.

    `frame`: index month (Timestamp), columns `revenue_new`, `revenue_returning`, `active_customers`.
    """
    with themed():
        fig = _figure(7.2, 3.2)
        ax = fig.add_subplot()
        x = np.arange(len(frame))
        ax.bar(x, frame["revenue_new"], color=PALETTE[1], label=labels["new"], width=0.8)
        ax.bar(x, frame["revenue_returning"], bottom=frame["revenue_new"], color=ACCENT, label=labels["returning"],
               width=0.8)
        _money_axis(ax.yaxis, fmt)
        ax.set_ylabel(labels["revenue"])
        ax2 = ax.twinx()
        ax2.plot(x, frame["active_customers"], color="#1f2933", lw=1.4, marker="o", ms=2.5, label=labels["active"])
        ax2.set_ylabel(labels["active"])
        ax2.grid(False)
        ax2.spines["right"].set_visible(True)
        ax2.set_ylim(bottom=0)
        _month_ticks(ax, frame.index, fmt)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        fig.legend(handles=handles, loc="outside upper left", ncols=len(handles))  # above the plot, never on data
        return fig


def _month_ticks(ax, months: Sequence, fmt: Formatter, max_ticks: int = 12) -> None:
    n = len(months)
    step = max(1, int(np.ceil(n / max_ticks)))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([fmt.month(months[i]) for i in ticks], rotation=45, ha="right")
    ax.set_xlim(-0.6, n - 0.4)


def mrr_movements(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Monthly MRR movements as bars (gains up, losses down) and end-of-month MRR as a line.

    `frame`: index month, columns `new`, `expansion`, `reactivation`, `contraction`, `churn` (losses positive),
    `mrr_end`.
    """
    with themed():
        fig = _figure(7.2, 2.9)
        ax = fig.add_subplot()
        x = np.arange(len(frame))
        bottom = np.zeros(len(frame))
        for key, color in (("new", ACCENT), ("expansion", GOOD), ("reactivation", PALETTE[7])):
            ax.bar(x, frame[key], bottom=bottom, color=color, label=labels[key], width=0.8)
            bottom = bottom + frame[key].to_numpy()
        bottom = np.zeros(len(frame))
        for key, color in (("contraction", WARN), ("churn", BAD)):
            ax.bar(x, -frame[key], bottom=bottom, color=color, label=labels[key], width=0.8)
            bottom = bottom - frame[key].to_numpy()
        ax.axhline(0, color="#52606d", lw=0.8)
        _money_axis(ax.yaxis, fmt)
        ax.set_ylabel(labels["movements"])
        ax2 = ax.twinx()
        ax2.plot(x, frame["mrr_end"], color="#1f2933", lw=1.5, label=labels["mrr"])
        _money_axis(ax2.yaxis, fmt)
        ax2.set_ylim(bottom=0)
        ax2.grid(False)
        ax2.spines["right"].set_visible(True)
        ax2.set_ylabel(labels["mrr"])
        _month_ticks(ax, frame.index, fmt)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        fig.legend(handles=handles, loc="outside upper left", ncols=len(handles))  # above the plot, never on data
        return fig


def value_distribution(values: pd.Series, fmt: Formatter, labels: dict) -> Figure:
    """Histogram of customer values on a log scale.

    Values below half a cent (printed as zero everywhere else) are not drawn: the caption counts them. Drawing them
    would stretch the axis over decades of meaningless fractions of a cent.
    """
    with themed():
        fig = _figure(7.0, 2.8)
        ax = fig.add_subplot()
        positive = values[values >= HALF_CENT]
        if len(positive) > 1 and positive.max() > positive.min():
            bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()), 40)
            ax.hist(positive, bins=bins, color=ACCENT, alpha=0.9)
            ax.set_xscale("log")
            _log_money_axis(ax.xaxis, fmt)
        else:
            _money_axis(ax.xaxis, fmt)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        return fig


def lorenz(shares: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Cumulative share of value vs cumulative share of customers (best first), with 20/80 guides.

    `shares`: columns `customer_share`, `value_share` (0..1, increasing).
    """
    with themed():
        fig = _figure(4.2, 3.4)
        ax = fig.add_subplot()
        ax.plot(shares["customer_share"], shares["value_share"], color=ACCENT, lw=2, label=labels["curve"])
        ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label=labels["equal"])
        top20 = float(np.interp(0.2, shares["customer_share"], shares["value_share"]))
        ax.axvline(0.2, color=WARN, lw=0.8, ls=":")
        ax.axhline(top20, color=WARN, lw=0.8, ls=":")
        ax.annotate(labels["top20"].format(share=fmt.pct(top20, 0)), (0.2, top20), xytext=(0.28, top20 - 0.12),
                    fontsize=8, color="#1f2933", arrowprops={"arrowstyle": "-", "color": WARN})
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.legend(loc="lower right")
        return fig


def decile_bars(deciles: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Share of value per decile of customers (decile 1 = most valuable). `deciles`: `decile`, `value_share`."""
    with themed():
        fig = _figure(4.6, 3.4)
        ax = fig.add_subplot()
        ax.bar(deciles["decile"].astype(str), deciles["value_share"], color=ACCENT)
        for x, v in enumerate(deciles["value_share"]):
            ax.text(x, v, fmt.pct(v, 0), ha="center", va="bottom", fontsize=7)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        return fig


def retention_heatmap(triangle: pd.DataFrame, fmt: Formatter, labels: dict, max_cohorts: int = 24) -> Figure:
    """Cohort triangle heatmap: rows = acquisition month, columns = months since acquisition, values 0..1.

    Cells that cannot be observed yet are blank (masked), never zero.
    """
    triangle = triangle.tail(max_cohorts)
    with themed():
        n_rows, n_cols = triangle.shape
        fig = _figure(7.4, max(2.6, 0.22 * n_rows + 1.0))
        ax = fig.add_subplot()
        annotate = n_cols <= 13
        sns = _seaborn()
        sns.heatmap(triangle.astype(float), ax=ax, mask=triangle.isna(), cmap="Blues", vmin=0,
                    vmax=float(np.nanmax(triangle.iloc[:, 1:].to_numpy())) if n_cols > 1 else 1,
                    annot=annotate, fmt=".0%", annot_kws={"fontsize": 6.5}, cbar=not annotate, linewidths=0.4,
                    linecolor="white", cbar_kws={"format": PercentFormatter(1.0, decimals=0)} if not annotate else None)
        ax.set_yticks(np.arange(n_rows) + 0.5)
        ax.set_yticklabels([fmt.month(m) for m in triangle.index], rotation=0, fontsize=7)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.grid(False)
        return fig


def cumulative_value(curves: pd.DataFrame, fmt: Formatter, labels: dict, cac: float | None = None) -> Figure:
    """Cumulative margin per customer by months since acquisition, one line per cohort group, with a CAC line.

    `curves`: index months since acquisition, one column per cohort (group) label.
    """
    with themed():
        fig = _figure(7.0, 3.2)
        ax = fig.add_subplot()
        sns = _seaborn()
        colors = sns.color_palette("crest", n_colors=max(1, curves.shape[1]))
        for color, column in zip(colors, curves.columns):
            ax.plot(curves.index, curves[column], color=color, lw=1.4, label=str(column))
        if cac is not None and cac > 0:
            ax.axhline(cac, color=BAD, ls="--", lw=1.2, label=labels["cac"].format(cac=fmt.money(cac)))
        _money_axis(ax.yaxis, fmt)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", ncols=2 if curves.shape[1] > 6 else 1, fontsize=7)
        return fig


def survival_curves(observed: pd.DataFrame, fmt: Formatter, labels: dict, projected: pd.Series | None = None
                    ) -> Figure:
    """Kaplan-Meier survival by tenure (one line per group), optionally with the sBG projection dashed.

    `observed`: index tenure (months), one column per group (0..1).
    """
    with themed():
        fig = _figure(7.0, 3.2)
        ax = fig.add_subplot()
        for color, column in zip(PALETTE, observed.columns):
            ax.step(observed.index, observed[column], where="post", color=color, lw=1.5, label=str(column))
        if projected is not None:
            ax.plot(projected.index, projected.values, color="#1f2933", ls="--", lw=1.3, label=labels["projected"])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.legend(loc="upper right", fontsize=7)
        return fig


def rf_heatmap(grid: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Customers per recency score (rows, 5 = most recent) x frequency score (columns)."""
    with themed():
        fig = _figure(4.4, 3.4)
        ax = fig.add_subplot()
        sns = _seaborn()
        sns.heatmap(grid.astype(float), ax=ax, cmap="Blues", annot=True, fmt=".0f", annot_kws={"fontsize": 7},
                    cbar=False, linewidths=0.5, linecolor="white")
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.grid(False)
        return fig


def share_bars(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Per segment: share of customers vs share of value, side by side horizontal bars.

    `frame`: index segment label, columns `customer_share`, `value_share`.
    """
    with themed():
        fig = _figure(7.0, max(2.4, 0.32 * len(frame) + 0.9))
        ax = fig.add_subplot()
        y = np.arange(len(frame))
        ax.barh(y - 0.2, frame["customer_share"], height=0.38, color=GREY, label=labels["customers"])
        ax.barh(y + 0.2, frame["value_share"], height=0.38, color=ACCENT, label=labels["value"])
        ax.set_yticks(y)
        ax.set_yticklabels(frame.index)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.legend(loc="lower right")
        return fig


def alive_vs_value(frame: pd.DataFrame, fmt: Formatter, labels: dict, value_threshold: float,
                   alive_threshold: float) -> Figure:
    """Scatter of P(alive) vs predicted CLV (log), quadrant lines; `frame`: `prob_alive`, `clv`, `at_risk` (bool)."""
    with themed():
        fig = _figure(7.0, 3.4)
        ax = fig.add_subplot()
        sample = frame.sample(n=min(len(frame), 4000), random_state=0) if len(frame) > 4000 else frame
        clv = sample["clv"].clip(lower=max(1e-2, float(sample["clv"][sample["clv"] > 0].min()) if
                                             (sample["clv"] > 0).any() else 1e-2))
        colors = np.where(sample["at_risk"], BAD, ACCENT)
        ax.scatter(clv, sample["prob_alive"], s=5, c=colors, alpha=0.45, linewidths=0)
        ax.set_xscale("log")
        ax.axvline(max(value_threshold, 1e-2), color="#52606d", lw=0.8, ls="--")
        ax.axhline(alive_threshold, color="#52606d", lw=0.8, ls="--")
        _log_money_axis(ax.xaxis, fmt)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.text(0.99, 0.02, labels["winback"], transform=ax.transAxes, ha="right", va="bottom", color=BAD, fontsize=8)
        return fig


def bars_with_intervals(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Horizontal bars of a value per group with an interval. `frame`: index label, `value`, `low`, `high`."""
    with themed():
        fig = _figure(7.0, max(2.4, 0.32 * len(frame) + 0.9))
        ax = fig.add_subplot()
        y = np.arange(len(frame))
        value = frame["value"].to_numpy(dtype=float)
        ax.barh(y, value, color=ACCENT, height=0.6)
        if {"low", "high"} <= set(frame.columns):
            low = np.clip(value - frame["low"].to_numpy(dtype=float), 0, None)
            high = np.clip(frame["high"].to_numpy(dtype=float) - value, 0, None)
            ax.errorbar(value, y, xerr=[low, high], fmt="none", ecolor="#1f2933", elinewidth=1, capsize=3)
        ax.set_yticks(y)
        ax.set_yticklabels(frame.index)
        ax.invert_yaxis()
        _money_axis(ax.xaxis, fmt)
        ax.set_xlabel(labels["x"])
        return fig


def tracking(frame: pd.DataFrame, fmt: Formatter, labels: dict, split) -> Figure:
    """Cumulative repeat purchases, actual vs model, with the calibration/holdout split marked.

    `frame`: index date or period, columns `actual`, `predicted` (cumulative).
    """
    with themed():
        fig = _figure(7.0, 3.0)
        ax = fig.add_subplot()
        ax.plot(frame.index, frame["actual"], color="#1f2933", lw=1.6, label=labels["actual"])
        ax.plot(frame.index, frame["predicted"], color=ACCENT, lw=1.6, ls="--", label=labels["predicted"])
        ax.axvline(split, color=WARN, lw=1, ls=":")
        ax.text(split, ax.get_ylim()[1] * 0.97, " " + labels["holdout"], color=WARN, fontsize=8, va="top")
        ax.yaxis.set_major_formatter(FuncFormatter(TickLabel(fmt, "number")))
        ax.set_ylabel(labels["y"])
        ax.legend(loc="lower right")  # the curves start low on the left, where the split label sits
        return fig


def grouped_bars(frame: pd.DataFrame, fmt: Formatter, labels: dict, percent: bool = False) -> Figure:
    """Bars per category for two or more series (e.g. actual vs predicted customers per purchase count).

    `frame`: index category, one column per series (column names are the legend labels).
    """
    with themed():
        fig = _figure(7.0, 2.9)
        ax = fig.add_subplot()
        n = frame.shape[1]
        width = 0.8 / n
        x = np.arange(len(frame))
        for i, (column, color) in enumerate(zip(frame.columns, [GREY, ACCENT, PALETTE[1], GOOD])):
            ax.bar(x + (i - (n - 1) / 2) * width, frame[column], width=width, color=color, label=str(column))
        ax.set_xticks(x)
        ax.set_xticklabels([str(i) for i in frame.index])
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(TickLabel(fmt, "number")))
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.legend()
        return fig


def sensitivity(grid: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Heatmap of a value (e.g. LTV) over two assumptions. `grid`: index/columns are formatted labels."""
    with themed():
        fig = _figure(6.0, 2.9)
        ax = fig.add_subplot()
        annot = grid.map(fmt.money_compact) if hasattr(grid, "map") else grid.applymap(fmt.money_compact)
        sns = _seaborn()
        sns.heatmap(grid.astype(float), ax=ax, cmap="RdYlGn", annot=annot.to_numpy(), fmt="", cbar=False,
                    annot_kws={"fontsize": 7}, linewidths=0.5, linecolor="white")
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.grid(False)
        return fig


def value_at_stake(frame: pd.DataFrame, fmt: Formatter, labels: dict) -> Figure:
    """Horizontal bars of money at stake per segment/action. `frame`: index label, column `value`."""
    with themed():
        fig = _figure(7.0, max(2.2, 0.32 * len(frame) + 0.8))
        ax = fig.add_subplot()
        y = np.arange(len(frame))
        ax.barh(y, frame["value"], color=[BAD if v else ACCENT for v in frame.get("urgent", [False] * len(frame))],
                height=0.6)
        for yi, v in zip(y, frame["value"]):
            ax.text(v, yi, " " + fmt.money_compact(v), va="center", fontsize=7)
        ax.set_yticks(y)
        ax.set_yticklabels(frame.index)
        ax.invert_yaxis()
        _money_axis(ax.xaxis, fmt)
        ax.set_xlabel(labels["x"])
        ax.margins(x=0.15)
        return fig


def funnel(steps: pd.Series, fmt: Formatter, labels: dict) -> Figure:
    """Row funnel (read -> valid -> orders -> customers) as horizontal bars. `steps`: label -> count."""
    with themed():
        fig = _figure(6.4, 0.42 * len(steps) + 0.7)
        ax = fig.add_subplot()
        y = np.arange(len(steps))
        ax.barh(y, steps.values, color=[ACCENT] * len(steps), height=0.6)
        for yi, v in zip(y, steps.values):
            ax.text(v, yi, " " + fmt.number(v), va="center", fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels(steps.index)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(TickLabel(fmt, "number")))
        ax.margins(x=0.18)
        ax.grid(axis="y", visible=False)
        return fig
