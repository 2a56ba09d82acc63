"""Chapter 7: segmentation — RFM grid (or subscription segments), customers vs value per segment, segment
profiles with CLV intervals. The migration since the previous report is in the "Since the last report" chapter
(`since_last`).

Parts: `lead` (and `by_contract` for subscriptions), figure `grid` (RFM: recency x frequency), figure `shares`,
table `profiles`. Option `segments`: only these segments in `shares` and `profiles` (keys such as
`champions` or names in the report's language).
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters.common import select_segments


def render(r, segments=None) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    profiles = a.profiles
    chosen = select_segments(r, profiles[profiles["segment"] != "all"], segments)
    chosen = chosen.sort_values("clv_12m", ascending=False)
    ch = Chapter("segments", t("toc.segments"))
    if r.subscription:
        s = a.segmentation
        ch.text("lead", t("segments.subscription.lead", risk=f.pct(s.risk_threshold, 0),
                           mrr=f.money(s.high_mrr_threshold, 2), onboarding=f.number(s.onboarding_months),
                           established=f.number(s.established_months)))
        active = a.customers[~a.customers["churned"]]
        by_contract = active.groupby("period_months")["prob_alive"].mean()
        if len(by_contract) > 1:
            items = ", ".join(t("segments.subscription.contract_item", months=f.number(m), share=f.pct(v, 0))
                              for m, v in by_contract.items())
            ch.text("by_contract", t("segments.subscription.by_contract", items=items))
    else:
        ch.text("lead", t("segments.orders.lead"))
        scores = a.segments
        grid = pd.crosstab(scores["r_score"], scores["f_score"]).reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5],
                                                                         fill_value=0)
        ch.figure("grid", charts.rf_heatmap(grid, f, {"x": t("segments.grid.x"), "y": t("segments.grid.y")}),
                  t("segments.grid.caption"))
    shares = chosen.set_index("name")[["customer_share", "clv_12m_share"]].rename(
        columns={"clv_12m_share": "value_share"})
    ch.figure("shares", charts.share_bars(shares, f, {"customers": t("segments.bars.customers"),
                                                      "value": t("segments.bars.value")}),
              t("segments.bars.caption"))
    intervals = _intervals(a)
    low = chosen["segment"].map(lambda k: intervals.get(k, (None, None))[0])
    high = chosen["segment"].map(lambda k: intervals.get(k, (None, None))[1])
    table = pd.DataFrame({
        "segment": chosen["name"], "customers": chosen["customers"], "customer_share": chosen["customer_share"],
        "revenue_share": chosen["revenue_share"], "clv_12m": chosen["clv_12m"],
        "interval90": [f"{f.money(lo)} – {f.money(hi)}" if lo is not None else "–" for lo, hi in zip(low, high)],
        "clv_12m_per_customer": chosen["clv_12m_per_customer"], "clv_24m": chosen["clv_24m"],
        "mean_prob_alive": chosen["mean_prob_alive"],
    }).reset_index(drop=True)
    ch.table("profiles", table, caption=t("segments.table.caption"),
             formats={"customers": "number", "customer_share": "pct", "revenue_share": "pct", "clv_12m": "money",
                      "clv_12m_per_customer": "money:2", "clv_24m": "money", "mean_prob_alive": "pct:0"},
             labels={"segment": t("col.segment"), "customers": t("col.customers"),
                     "customer_share": t("col.customer_share"), "revenue_share": t("col.revenue_share"),
                     "clv_12m": t("col.clv_12m"), "interval90": t("col.interval90"),
                     "clv_12m_per_customer": t("col.per_customer"), "clv_24m": t("col.clv_24m"),
                     "mean_prob_alive": t("col.prob_alive" if not r.subscription else "col.prob_retained")},
             align_right={"customers", "customer_share", "revenue_share", "clv_12m", "interval90",
                          "clv_12m_per_customer", "clv_24m", "mean_prob_alive"})
    return ch


def _intervals(a) -> dict:
    table = getattr(a, "intervals", None)
    if table is None:
        return {}
    return {str(k): (row["lower"], row["upper"]) for k, row in table.iterrows() if k != "total"}
