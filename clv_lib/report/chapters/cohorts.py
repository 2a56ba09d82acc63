"""Chapter 6: cohorts — retention triangle, cumulative margin per customer against CAC (payback), and for
subscriptions the Kaplan-Meier survival by plan next to the sBG projection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H

MAX_MONTHS = 24


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    logo = a.triangles["logo"]
    average = logo.average()
    key = "subscription" if r.subscription else "orders"
    parts = [H.p(t(f"cohorts.{key}.lead", m1=f.pct(average.get(1)), m3=f.pct(average.get(3)),
                   m6=f.pct(average.get(6)), m12=f.pct(average.get(12))))]
    values = logo.values.where(logo.defined)
    values = values.loc[:, [c for c in values.columns if c <= MAX_MONTHS]]
    heat = charts.retention_heatmap(values, f, {"x": t("cohorts.heat.x"), "y": t("cohorts.heat.y")})
    parts.append(H.figure(heat, t(f"cohorts.{key}.heat_caption")))
    parts += _value_curves(r)
    if r.subscription:
        parts += _survival(r)
    return H.chapter("cohorts", t("toc.cohorts"), *parts)


def _value_curves(r) -> list[str]:
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
    out = [H.keep(H.h3(t("cohorts.value.title")), H.p(t("cohorts.value.lead", grouping=label)),
                  H.figure(chart, t("cohorts.value.caption")))]
    cac_of = a.cac_by_channel or {}
    rows = []
    for name, curve in curves.items():
        target = cac_of.get(name, cac if not cac_of else None)
        month = _payback_month(curve, target)
        rows.append((name, f.money(curve.get(0), 2), f.money(curve.get(6), 2), f.money(curve.get(12), 2),
                     f.money(curve.get(24), 2), f.money(target, 2) if target is not None else "–",
                     t("cohorts.value.paid", month=month) if month is not None else
                     (t("cohorts.value.not_yet") if target is not None else "–")))
    out.append(H.table([label, t("cohorts.value.m0"), t("cohorts.value.m6"), t("cohorts.value.m12"),
                        t("cohorts.value.m24"), t("col.cac"), t("cohorts.value.payback")], rows,
                       numeric=[False, True, True, True, True, True, False]))
    return out


def _payback_month(curve: pd.Series, cac: float | None) -> int | None:
    if cac is None or curve.empty:
        return None
    reached = curve[curve >= cac]
    return int(reached.index[0]) if len(reached) else None


def _survival(r) -> list[str]:
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
    return [H.keep(H.h3(t("cohorts.survival.title")), H.p(t("cohorts.survival.lead")),
                   H.figure(chart, t("cohorts.survival.caption")))]
