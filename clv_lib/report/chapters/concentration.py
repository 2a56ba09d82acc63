"""Chapter 5: value concentration — distribution of predicted CLV (log scale), Pareto curve, deciles, tiers."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H


def render(r) -> H.Chapter:
    from clv_lib.insights.value_tiers import decile_table, gini, pareto_curve, tier_table, top_shares

    t, f, a = r.t, r.fmt, r.analysis
    customers = a.customers
    clv = customers["clv_12m"]
    revenue = customers["revenue"].clip(lower=0)
    shares = top_shares(revenue).set_index("top_share")["value_share"]
    clv_shares = top_shares(clv).set_index("top_share")["value_share"]
    parts = [H.p(t("concentration.lead", top1=f.pct(shares.get(0.01), 0), top10=f.pct(shares.get(0.10), 0),
                   top20=f.pct(shares.get(0.20), 0), clv_top20=f.pct(clv_shares.get(0.20), 0),
                   gini=f.number(gini(revenue), 2)))]
    zero = int((clv < charts.HALF_CENT).sum())
    parts.append(H.figure(charts.value_distribution(clv, f, {"x": t("concentration.dist.x"),
                                                             "y": t("concentration.dist.y")}),
                          t("concentration.dist.caption", zero=f.number(zero))))
    curve = pareto_curve(revenue)
    lorenz = charts.lorenz(curve, f, {"curve": t("concentration.lorenz.curve"), "equal": t("concentration.lorenz.equal"),
                                      "top20": t("concentration.lorenz.top20"), "x": t("concentration.lorenz.x"),
                                      "y": t("concentration.lorenz.y")})
    deciles = decile_table(customers, "clv_12m")
    bars = charts.decile_bars(deciles, f, {"x": t("concentration.deciles.x"), "y": t("concentration.deciles.y")})
    parts.append(H.figure(lorenz, t("concentration.lorenz.caption")))
    parts.append(H.figure(bars, t("concentration.deciles.caption")))
    tiers = tier_table(customers, "clv_12m", r.language)
    rows = [(row["name"], f.number(row["customers"]), f.pct(row["customer_share"]), f.money(row["value"]),
             f.pct(row["value_share"]), f.money(row["value_per_customer"], 2),
             f.money(row["min_value"], 2)) for _, row in tiers.iterrows()]
    parts.append(H.table([t("concentration.tiers.tier"), t("col.customers"), t("col.customer_share"),
                          t("col.clv_12m"), t("col.value_share"), t("col.per_customer"),
                          t("concentration.tiers.threshold")], rows,
                         numeric=[False, True, True, True, True, True, True], caption=t("concentration.tiers.caption")))
    return H.chapter("concentration", t("toc.concentration"), *parts)
