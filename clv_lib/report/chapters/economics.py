"""Chapter 9: unit economics — lifetime = 1/churn, LTV = ARPA x margin / churn, the discounted and the simple
(annual profit x retention years - CAC) forms, LTV:CAC, CAC payback, maximum affordable CAC, per channel, and the
sensitivity of LTV to churn and margin.

Parts: text `lead`, table `metrics` (metric, value, how it is computed: each value formatted as its metric needs),
callouts `no_cac`, `capped`, `warning1`..., text `compare`; heading `channels.title`, text `channels.lead`, table
`channels`; the model-based value of a new customer and the CAC budgets per channel (`new_customers`: `newcust...`,
`budgets`, `effects...`; subscriptions: `new_subscribers`, the same parts); heading `sensitivity.title`, text `sensitivity.lead`, figure `sensitivity`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters import new_customers, new_subscribers
from clv_lib.report.churn_window import churn_measured, churn_window

RATINGS = {"loses money": "loses", "weak": "weak", "healthy": "healthy",
           "very high: room to invest more in acquisition": "high"}


def render(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    ue = a.unit_economics
    key = "subscription" if r.subscription else "orders"
    ch = Chapter("economics", t("toc.economics"))
    months = f.number(a.trailing_kpis.months)
    ch.text("lead", t(f"economics.{key}.lead", months=months, average=churn_window(r, "average")))
    if not churn_measured(r):
        ch.callout("no_churn", t("economics.no_churn", months=f.number(a.history_months, 1)), "warn")
        (new_subscribers if r.subscription else new_customers).add_to_economics(r, ch)
        return ch
    rows = [
        (t("economics.row.arpa"), f.money(ue.arpa, 2), t(f"economics.formula.arpa_{key}", months=months)),
        (t("economics.row.margin"), f.pct(ue.gross_margin, 0), t("economics.formula.margin")),
        (t("economics.row.churn"), f.pct(ue.churn_rate, 2), t(f"economics.formula.churn_{key}",
                                                                     average=churn_window(r, "average"))),
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
                                                           else "economics.formula.cac_mean" if a.acquired_channels is None
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
    ch.table("metrics", pd.DataFrame(rows, columns=["metric", "value", "how"]), align_right={"value"},
             labels={"metric": t("economics.metric"), "value": t("economics.value"), "how": t("economics.how")})
    if ue.cac is None:
        ch.callout("no_cac", t("economics.no_cac", break_even=f.money(ue.break_even_cac),
                                max_cac=f.money(ue.max_affordable_cac), target=f.ratio(ue.target_ratio)))
    if ue.lifetime.capped:
        ch.callout("capped", t("economics.capped", months=f.number(ue.lifetime.months)), "warn")
    for i, warning in enumerate(_warnings(r, ue), start=1):
        ch.callout(f"warning{i}", warning, "warn")
    model_clv = r.headline["clv_24m_total"] / max(1, r.headline["active_customers"])
    ch.text("compare", t(f"economics.{key}.compare", ltv=f.money(ue.ltv), clv24=f.money(model_clv, 2)), "note")
    _channels(r, ch)
    (new_subscribers if r.subscription else new_customers).add_to_economics(r, ch)
    _sensitivity(r, ch, ue)
    return ch


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


def _channels(r, ch: Chapter) -> None:
    t, f, a = r.t, r.fmt, r.analysis
    table = getattr(a, "channel_economics", None)
    if table is None or table.empty:
        return
    rows = []
    for channel, row in table.iterrows():
        ue = row["economics"]
        rows.append((str(channel), row["customers"], ue.arpa, ue.churn_rate, ue.ltv, ue.cac, ue.ltv_to_cac,
                     t("economics.months", months=f.number(ue.payback_months, 1)) if ue.payback_months is not None
                     else "–", ue.max_affordable_cac, t(f"economics.rating.{RATINGS[ue.rating]}") if ue.rating else "–"))
    columns = ["channel", "customers", "arpa", "churn", "ltv", "cac", "ltv_cac", "payback", "max_cac", "rating"]
    ch.heading("channels.title", t("economics.channels.title"))
    ch.text("channels.lead", t("economics.channels.lead"))
    ch.table("channels", pd.DataFrame(rows, columns=columns), align_right=set(columns[1:-1]),
             formats={"customers": "number", "arpa": "money:2", "churn": "pct:1", "ltv": "money", "cac": "money:2",
                      "ltv_cac": "ratio", "max_cac": "money:2"},
             labels={"channel": t("col.channel"), "customers": t("col.customers"), "arpa": t("economics.row.arpa"),
                     "churn": t("economics.row.churn"), "ltv": t("economics.row.ltv"), "cac": t("col.cac"),
                     "ltv_cac": t("economics.row.ltv_cac"), "payback": t("economics.row.payback"),
                     "max_cac": t("economics.row.max_cac"), "rating": t("economics.rating.title")})


def _sensitivity(r, ch: Chapter, ue) -> None:
    from clv_lib.value.unit_economics import ltv

    t, f = r.t, r.fmt
    if not ue.churn_rate > 0:
        return
    churns = np.unique(np.clip(ue.churn_rate * np.array([0.7, 0.85, 1.0, 1.15, 1.3]), 1e-4, 0.99))
    margins = np.clip(ue.gross_margin + np.array([-0.10, -0.05, 0.0, 0.05, 0.10]), 0.01, 1.0)
    grid = pd.DataFrame([[ltv(ue.arpa, c, gross_margin=m).value for m in margins] for c in churns],
                        index=[f.pct(c, 1) for c in churns], columns=[f.pct(m, 0) for m in margins])
    chart = charts.sensitivity(grid, f, {"x": t("economics.sensitivity.x"), "y": t("economics.sensitivity.y")})
    better = ltv(ue.arpa, ue.churn_rate * 0.85, gross_margin=ue.gross_margin).value - ue.ltv
    ch.heading("sensitivity.title", t("economics.sensitivity.title"))
    ch.text("sensitivity.lead", t("economics.sensitivity.lead", gain=f.money(better, 2)))
    ch.figure("sensitivity", chart, t("economics.sensitivity.caption"))
