"""Chapter 9: unit economics — lifetime = 1/churn, LTV = ARPA x margin / churn, the discounted and the simple
(annual profit x retention years - CAC) forms, LTV:CAC, CAC payback, maximum affordable CAC, per channel, and the
sensitivity of LTV to churn and margin."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H

RATINGS = {"loses money": "loses", "weak": "weak", "healthy": "healthy",
           "very high: room to invest more in acquisition": "high"}


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    ue = a.unit_economics
    key = "subscription" if r.subscription else "orders"
    parts = [H.p(t(f"economics.{key}.lead"))]
    rows = [
        (t("economics.row.arpa"), f.money(ue.arpa, 2), t(f"economics.formula.arpa_{key}")),
        (t("economics.row.margin"), f.pct(ue.gross_margin, 0), t("economics.formula.margin")),
        (t("economics.row.churn"), f.pct(ue.churn_rate, 2), t(f"economics.formula.churn_{key}")),
        (t("economics.row.lifetime"), t("economics.months", months=f.number(ue.lifetime.months, 1)),
         t("economics.formula.lifetime")),
        (t("economics.row.ltv"), f.money(ue.ltv, 2), t("economics.formula.ltv")),
        (t("economics.row.discounted_ltv"), f.money(ue.discounted_ltv, 2),
         t("economics.formula.discounted", rate=f.pct(r.params.annual_discount_rate, 1))),
        (t("economics.row.simple_clv"), f.money(ue.simple_clv, 2), t("economics.formula.simple")),
    ]
    if ue.cac is not None:
        rows += [
            (t("economics.row.cac"), f.money(ue.cac, 2), t("economics.formula.cac_given" if a.cac_by_channel is None
                                                           else "economics.formula.cac_blended")),
            (t("economics.row.ltv_cac"), f.ratio(ue.ltv_to_cac), t("economics.formula.ltv_cac",
                                                                   rating=t(f"economics.rating.{RATINGS[ue.rating]}"))),
            (t("economics.row.payback"), t("economics.months", months=f.number(ue.payback_months, 1))
             if ue.payback_months is not None else "–", t("economics.formula.payback")),
        ]
    rows += [
        (t("economics.row.max_cac"), f.money(ue.max_affordable_cac, 2),
         t("economics.formula.max_cac", target=f.ratio(ue.target_ratio))),
        (t("economics.row.break_even"), f.money(ue.break_even_cac, 2), t("economics.formula.break_even")),
    ]
    parts.append(H.table([t("economics.metric"), t("economics.value"), t("economics.how")], rows,
                         numeric=[False, True, False]))
    if ue.cac is None:
        parts.append(H.callout(t("economics.no_cac", break_even=f.money(ue.break_even_cac),
                                 max_cac=f.money(ue.max_affordable_cac), target=f.ratio(ue.target_ratio))))
    if ue.lifetime.capped:
        parts.append(H.callout(t("economics.capped", months=f.number(ue.lifetime.months)), "warn"))
    for warning in _warnings(r, ue):
        parts.append(H.callout(warning, "warn"))
    model_clv = r.headline["clv_24m_total"] / max(1, r.headline["active_customers"])
    parts.append(H.p(t(f"economics.{key}.compare", ltv=f.money(ue.ltv), clv24=f.money(model_clv, 2)), "note"))
    parts += _channels(r)
    parts += _sensitivity(r, ue)
    return H.chapter("economics", t("toc.economics"), *parts)


def _warnings(r, ue) -> list[str]:
    t, f = r.t, r.fmt
    out = []
    k = r.analysis.trailing_kpis
    customers = getattr(k, "customers", None) or getattr(k, "end_customers", None)
    events = getattr(k, "churn_events", None) or getattr(k, "churned_customers", None)
    if customers is not None and customers < 30:
        out.append(t("economics.few_customers", customers=f.number(customers)))
    if events is not None and events < 5:
        out.append(t("economics.few_events", events=f.number(events)))
    return out


def _channels(r) -> list[str]:
    t, f, a = r.t, r.fmt, r.analysis
    table = getattr(a, "channel_economics", None)
    if table is None or table.empty:
        return []
    rows = []
    for channel, row in table.iterrows():
        ue = row["economics"]
        rows.append((str(channel), f.number(row["customers"]), f.money(ue.arpa, 2), f.pct(ue.churn_rate, 1),
                     f.money(ue.ltv), f.money(ue.cac, 2) if ue.cac is not None else "–", f.ratio(ue.ltv_to_cac),
                     t("economics.months", months=f.number(ue.payback_months, 1)) if ue.payback_months is not None
                     else "–", f.money(ue.max_affordable_cac, 2),
                     t(f"economics.rating.{RATINGS[ue.rating]}") if ue.rating else "–"))
    return [H.h3(t("economics.channels.title")), H.p(t("economics.channels.lead")),
            H.table([t("col.channel"), t("col.customers"), t("economics.row.arpa"), t("economics.row.churn"),
                     t("economics.row.ltv"), t("col.cac"), t("economics.row.ltv_cac"), t("economics.row.payback"),
                     t("economics.row.max_cac"), t("economics.rating.title")], rows,
                    numeric=[False] + [True] * 8 + [False])]


def _sensitivity(r, ue) -> list[str]:
    from clv_lib.value.unit_economics import ltv

    t, f = r.t, r.fmt
    if not ue.churn_rate > 0:
        return []
    churns = np.unique(np.clip(ue.churn_rate * np.array([0.7, 0.85, 1.0, 1.15, 1.3]), 1e-4, 0.99))
    margins = np.clip(ue.gross_margin + np.array([-0.10, -0.05, 0.0, 0.05, 0.10]), 0.01, 1.0)
    grid = pd.DataFrame([[ltv(ue.arpa, c, gross_margin=m).value for m in margins] for c in churns],
                        index=[f.pct(c, 1) for c in churns], columns=[f.pct(m, 0) for m in margins])
    chart = charts.sensitivity(grid, f, {"x": t("economics.sensitivity.x"), "y": t("economics.sensitivity.y")})
    better = ltv(ue.arpa, ue.churn_rate * 0.85, gross_margin=ue.gross_margin).value - ue.ltv
    return [H.h3(t("economics.sensitivity.title")),
            H.p(t("economics.sensitivity.lead", gain=f.money(better, 2))),
            H.figure(chart, t("economics.sensitivity.caption"))]
