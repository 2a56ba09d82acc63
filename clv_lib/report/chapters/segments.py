"""Chapter 7: segmentation — RFM grid (or subscription segments), customers vs value per segment, segment
profiles with CLV intervals, and the migration since the previous report of the same client."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    profiles = a.profiles
    segments = profiles[profiles["segment"] != "all"].sort_values("clv_12m", ascending=False)
    parts = []
    if r.subscription:
        s = a.segmentation
        parts.append(H.p(t("segments.subscription.lead", risk=f.pct(s.risk_threshold, 0),
                           mrr=f.money(s.high_mrr_threshold, 2), onboarding=f.number(s.onboarding_months),
                           established=f.number(s.established_months))))
        active = a.customers[~a.customers["churned"]]
        by_contract = active.groupby("period_months")["prob_alive"].mean()
        if len(by_contract) > 1:
            items = ", ".join(t("segments.subscription.contract_item", months=f.number(m), share=f.pct(v, 0))
                              for m, v in by_contract.items())
            parts.append(H.p(t("segments.subscription.by_contract", items=items)))
    else:
        parts.append(H.p(t("segments.orders.lead")))
        scores = a.segments
        grid = pd.crosstab(scores["r_score"], scores["f_score"]).reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5],
                                                                         fill_value=0)
        parts.append(H.figure(charts.rf_heatmap(grid, f, {"x": t("segments.grid.x"), "y": t("segments.grid.y")}),
                              t("segments.grid.caption")))
    shares = segments.set_index("name")[["customer_share", "clv_12m_share"]].rename(
        columns={"clv_12m_share": "value_share"})
    parts.append(H.figure(charts.share_bars(shares, f, {"customers": t("segments.bars.customers"),
                                                        "value": t("segments.bars.value")}),
                          t("segments.bars.caption")))
    intervals = _intervals(a)
    rows = []
    for _, row in segments.iterrows():
        interval = intervals.get(row["segment"])
        rows.append((row["name"], f.number(row["customers"]), f.pct(row["customer_share"]),
                     f.pct(row["revenue_share"]), f.money(row["clv_12m"]),
                     f"{f.money(interval[0])} – {f.money(interval[1])}" if interval else "–",
                     f.money(row["clv_12m_per_customer"], 2), f.money(row["clv_24m"]),
                     f.pct(row["mean_prob_alive"], 0)))
    parts.append(H.table([t("col.segment"), t("col.customers"), t("col.customer_share"), t("col.revenue_share"),
                          t("col.clv_12m"), t("col.interval90"), t("col.per_customer"), t("col.clv_24m"),
                          t("col.prob_alive" if not r.subscription else "col.prob_retained")], rows,
                         numeric=[False] + [True] * 8, caption=t("segments.table.caption")))
    parts += _migration(r)
    return H.chapter("segments", t("toc.segments"), *parts)


def _intervals(a) -> dict:
    table = getattr(a, "intervals", None)
    if table is None:
        return {}
    return {str(k): (row["lower"], row["upper"]) for k, row in table.iterrows() if k != "total"}


def _migration(r) -> list[str]:
    """Transition matrix against the latest earlier report of this client (its customers.csv), if any."""
    from clv_lib.insights.migration import migration
    from clv_lib.report.outputs import previous_customers

    t, f = r.t, r.fmt
    previous = previous_customers(r)
    if previous is None:
        return [H.h3(t("segments.migration.title")), H.p(t("segments.migration.none"), "note")]
    label, segments = previous
    current = r.analysis.customers["segment"].astype(str)
    current.index = r.output_ids(current.index)
    moves = migration(segments, current)
    names = _names(r)
    matrix = moves.matrix.rename(index=lambda k: names.get(k, _entered_left(t, k)),
                                 columns=lambda k: names.get(k, _entered_left(t, k)))
    header = [t("segments.migration.from_to")] + [str(c) for c in matrix.columns]
    rows = [[str(i)] + [f.number(v) for v in row] for i, row in zip(matrix.index, matrix.to_numpy())]
    readings = moves.readings(r.language, count=f.number, share=f.pct, money=f.money, number=f.number)
    return [H.h3(t("segments.migration.title")), H.p(t("segments.migration.lead", previous=label)),
            H.table(header, rows, numeric=[False] + [True] * (len(header) - 1)), H.bullets(readings)]


def _names(r) -> dict:
    from clv_lib.insights.profiles import segment_names

    return segment_names(r.language)


def _entered_left(t, key: str) -> str:
    return t(f"segments.migration.{key}") if key in ("entered", "left") else key
