"""Chapter 5: value concentration — distribution of predicted CLV (log scale), Pareto curve, deciles, tiers.

Parts: text `lead`, figures `distribution`, `lorenz`, `deciles`, table `tiers`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter


def render(r) -> Chapter:
    from clv_lib.insights.value_tiers import decile_table, gini, pareto_curve, tier_table, top_shares

    t, f, a = r.t, r.fmt, r.analysis
    customers = a.customers
    clv = customers["clv_12m"]
    revenue = customers["revenue"].clip(lower=0)
    shares = top_shares(revenue).set_index("top_share")["value_share"]
    clv_shares = top_shares(clv).set_index("top_share")["value_share"]
    ch = Chapter("concentration", t("toc.concentration"))
    ch.text("lead", t("concentration.lead", top1=f.pct(shares.get(0.01), 0), top10=f.pct(shares.get(0.10), 0),
                   top20=f.pct(shares.get(0.20), 0), clv_top20=f.pct(clv_shares.get(0.20), 0),
                      gini=f.number(gini(revenue), 2)))
    zero = int((clv < charts.HALF_CENT).sum())
    ch.figure("distribution", charts.value_distribution(clv, f, {"x": t("concentration.dist.x"),
                                                                 "y": t("concentration.dist.y")}),
              t("concentration.dist.caption", zero=f.number(zero)))
    curve = pareto_curve(revenue)
    lorenz = charts.lorenz(curve, f, {"curve": t("concentration.lorenz.curve"), "equal": t("concentration.lorenz.equal"),
                                      "top20": t("concentration.lorenz.top20"), "x": t("concentration.lorenz.x"),
                                      "y": t("concentration.lorenz.y")})
    deciles = decile_table(customers, "clv_12m")
    bars = charts.decile_bars(deciles, f, {"x": t("concentration.deciles.x"), "y": t("concentration.deciles.y")})
    ch.figure("lorenz", lorenz, t("concentration.lorenz.caption"))
    ch.figure("deciles", bars, t("concentration.deciles.caption"))
    tiers = tier_table(customers, "clv_12m", r.language)
    columns = ["name", "customers", "customer_share", "value", "value_share", "value_per_customer", "min_value"]
    ch.table("tiers", tiers[columns].reset_index(drop=True), caption=t("concentration.tiers.caption"),
             formats={"customers": "number", "customer_share": "pct", "value": "money", "value_share": "pct",
                      "value_per_customer": "money:2", "min_value": "money:2"},
             labels={"name": t("concentration.tiers.tier"), "customers": t("col.customers"),
                     "customer_share": t("col.customer_share"), "value": t("col.clv_12m"),
                     "value_share": t("col.value_share"), "value_per_customer": t("col.per_customer"),
                     "min_value": t("concentration.tiers.threshold")})
    return ch
