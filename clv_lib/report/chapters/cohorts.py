"""Chapter 6: cohorts — retention triangle, cumulative margin per customer against CAC (payback), and for
subscriptions the Kaplan-Meier survival by plan next to the sBG projection.

Parts: text `lead`, figure `retention` (the triangle); group `value.block` (heading `value.title`, text
`value.lead`, figure `value`), table `payback` (per channel or acquisition year: cumulative margin per customer
at 0/6/12/24 months, CAC, payback month); subscriptions: group `survival.block` (figure `survival`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.report import blocks as B
from clv_lib.report import charts
from clv_lib.report.chapter import Chapter

MAX_MONTHS = 24


def render(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    logo = a.triangles["logo"]
    average = logo.average()
    key = "subscription" if r.subscription else "orders"
    ch = Chapter("cohorts", t("toc.cohorts"))
    ch.text("lead", t(f"cohorts.{key}.lead", m1=f.pct(average.get(1)), m3=f.pct(average.get(3)),
                      m6=f.pct(average.get(6)), m12=f.pct(average.get(12))))
    values = logo.values.where(logo.defined)
    values = values.loc[:, [c for c in values.columns if c <= MAX_MONTHS]]
    heat = charts.retention_heatmap(values, f, {"x": t("cohorts.heat.x"), "y": t("cohorts.heat.y")})
    ch.figure("retention", heat, t(f"cohorts.{key}.heat_caption"))
    _value_curves(r, ch)
    if r.subscription:
        _survival(r, ch)
    return ch


def _value_curves(r, ch: Chapter) -> None:
    """Cumulative margin per customer by months since acquisition: by acquisition channel when the data has
    channels (each against its CAC), else by acquisition year, against the blended CAC."""
    from clv_lib.summary.cohorts import cumulative_value_triangle

    t, f, a = r.t, r.fmt, r.analysis
    margin = r.params.gross_margin
    curves: dict[str, pd.Series] = {}
    by_channel = getattr(a, "cohort_cells_by_channel", None)
    if by_channel is not None and by_channel["channel"].nunique() > 1:
        for channel, cells in by_channel.groupby("channel"):
            curves[str(channel)] = cumulative_value_triangle(cells.drop(columns="channel"), margin).average()
        label = t("cohorts.value.by_channel")
    else:
        cells = a.cohort_cells
        years = cells["cohort"].dt.year if hasattr(cells["cohort"], "dt") else pd.PeriodIndex(cells["cohort"]).year
        for year, part in cells.groupby(years):
            curves[str(year)] = cumulative_value_triangle(part, margin).average()
        label = t("cohorts.value.by_year")
    frame = pd.DataFrame(curves).sort_index()
    frame = frame[frame.index <= MAX_MONTHS]
    cac = a.blended_cac
    cac_label = t("cohorts.value.cac_blended") if a.cac_by_channel else t("cohorts.value.cac")  # per-channel: mean
    chart = charts.cumulative_value(frame, f, {"x": t("cohorts.value.x"), "y": t("cohorts.value.y"),
                                               "cac": cac_label}, cac=cac)
    ch.keep("value.block", B.Heading(t("cohorts.value.title"), name="value.title"),
            B.Text(t("cohorts.value.lead", grouping=label), name="value.lead"),
            B.Figure(chart, t("cohorts.value.caption"), name="value"))
    cac_of = a.cac_by_channel or {}
    rows = []
    for name, curve in curves.items():
        target = cac_of.get(name, cac if not cac_of else None)
        month = _payback_month(curve, target)
        rows.append((name, curve.get(0), curve.get(6), curve.get(12), curve.get(24), target,
                     t("cohorts.value.paid", month=month) if month is not None else
                     (t("cohorts.value.not_yet") if target is not None else "–")))
    money = {c: "money:2" for c in ("m0", "m6", "m12", "m24", "cac")}
    ch.table("payback", pd.DataFrame(rows, columns=["group", "m0", "m6", "m12", "m24", "cac", "payback"]),
             formats=money, labels={"group": label, "m0": t("cohorts.value.m0"), "m6": t("cohorts.value.m6"),
                                    "m12": t("cohorts.value.m12"), "m24": t("cohorts.value.m24"),
                                    "cac": t("col.cac"), "payback": t("cohorts.value.payback")})


def _payback_month(curve: pd.Series, cac: float | None) -> int | None:
    if cac is None or curve.empty:
        return None
    reached = curve[curve >= cac]
    return int(reached.index[0]) if len(reached) else None


def _survival(r, ch: Chapter) -> None:
    t, f, a = r.t, r.fmt, r.analysis
    km = a.survival_by_plan
    wide = km.pivot_table(index="time", columns="plan", values="survival", aggfunc="last").sort_index().ffill()
    wide = wide[wide.index <= 48]
    model = a.retention_models.get(1.0)
    projected = None
    if model is not None:
        months = np.arange(0, int(wide.index.max()) + 1)
        projected = pd.Series(model.survival(months), index=months)
    chart = charts.survival_curves(wide, f, {"x": t("cohorts.survival.x"), "y": t("cohorts.survival.y"),
                                             "projected": t("cohorts.survival.projected")}, projected)
    ch.keep("survival.block", B.Heading(t("cohorts.survival.title"), name="survival.title"),
            B.Text(t("cohorts.survival.lead"), name="survival.lead"),
            B.Figure(chart, t("cohorts.survival.caption"), name="survival"))
