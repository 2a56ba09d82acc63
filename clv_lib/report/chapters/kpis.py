"""Chapter 4: KPIs and trends — monthly revenue new vs returning (MRR movements for subscriptions), active
customers, and the period's KPIs next to the last 12 months'.

Parts: text `lead`, figure `monthly` (orders: revenue new vs returning and active customers; subscriptions: MRR
movements), table `kpis` (KPI, the period, the last 12 months: formatted per row), text `note`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.churn_window import churn_measured, churn_window

MAX_MONTHS = 36


def render(r) -> Chapter:
    return _subscription(r) if r.subscription else _orders(r)


def _months_index(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.tail(MAX_MONTHS).copy()
    out.index = [p.to_timestamp() if hasattr(p, "to_timestamp") else pd.Timestamp(p) for p in out.index]
    return out


def _orders(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    monthly = _months_index(a.monthly).rename(columns={"new_revenue": "revenue_new",
                                                       "returning_revenue": "revenue_returning"})
    labels = {"new": t("kpis.new"), "returning": t("kpis.returning"), "revenue": t("kpis.revenue"),
              "active": t("kpis.active")}
    ch = Chapter("kpis", t("toc.kpis"))
    ch.text("lead", t("kpis.orders.lead", lapse=f.number(a.lapse.days)))
    ch.figure("monthly", charts.monthly_revenue(monthly, f, labels), t("kpis.orders.chart"))
    period, trailing = a.period_kpis, a.trailing_kpis
    rows = [
        (t("kpis.row.customers"), f.number(period.customers), f.number(trailing.customers)),
        (t("kpis.row.new_customers"), f.number(period.new_customers), f.number(trailing.new_customers)),
        (t("kpis.row.orders"), f.number(period.orders), f.number(trailing.orders)),
        (t("kpis.row.revenue"), f.money(period.revenue), f.money(trailing.revenue)),
        (t("kpis.row.new_revenue_share"), f.pct(_share(period.new_revenue, period.revenue)),
         f.pct(_share(trailing.new_revenue, trailing.revenue))),
        (t("kpis.row.aov"), f.money(period.aov, 2), f.money(trailing.aov, 2)),
        (t("kpis.row.orders_per_customer"), f.number(period.orders_per_customer, 2),
         f.number(trailing.orders_per_customer, 2)),
        (t("kpis.row.repeat_share"), f.pct(period.repeat_customer_share), f.pct(trailing.repeat_customer_share)),
        (t("kpis.row.days_between"), f.number(period.median_days_between_orders),
         f.number(trailing.median_days_between_orders)),
        (t("kpis.row.arpa"), f.money(period.monthly_revenue_per_customer, 2),
         f.money(trailing.monthly_revenue_per_customer, 2)),
        (t("kpis.row.lapse_churn"), f.pct(period.monthly_churn_rate), f.pct(trailing.monthly_churn_rate)),
    ]
    _table(r, ch, rows)
    counts = {"measured": f.number(trailing.churn_months or 0), "months": f.number(trailing.months)}
    note = (t("kpis.orders.note", lapse=f.number(a.lapse.days), quantile=f.pct(a.lapse.quantile or 0.9, 0),
              gaps=f.number(a.lapse.repeat_purchases), **counts) if a.lapse.source == "data"
            else t("kpis.orders.note_params", lapse=f.number(a.lapse.days), **counts))
    ch.text("note", f"{note} {_recent(r, 'orders', trailing.trailing_churn_rate)}", "note")
    return ch


def _recent(r, key: str, rate) -> str:
    """Which churn the unit economics use (and the summary, for subscriptions), or that none could be measured."""
    if not churn_measured(r):
        return r.t("kpis.unmeasured")
    return r.t(f"kpis.{key}.recent", window=churn_window(r), recent=r.fmt.pct(rate, 2 if key == "subscription" else 1))


def _table(r, ch: Chapter, rows) -> None:
    """The KPI table: each row is formatted as its KPI needs (money, share, count), so its cells are text."""
    t = r.t
    frame = pd.DataFrame(rows, columns=["kpi", "period", "trailing"])
    ch.table("kpis", frame, labels={"kpi": t("kpis.kpi"), "period": t("kpis.period", period=r.period.label),
                                    "trailing": t("kpis.trailing", months=r.fmt.number(r.analysis.trailing_kpis.months))}, align_right={"period", "trailing"})


def _share(part, whole):
    return part / whole if whole else None


def _subscription(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    monthly = _months_index(a.monthly)
    frame = monthly.rename(columns={"end_mrr": "mrr_end"})
    labels = {k: t(f"kpis.mrr.{k}") for k in ("new", "expansion", "reactivation", "contraction", "churn",
                                             "movements", "mrr")}
    ch = Chapter("kpis", t("toc.kpis"))
    ch.text("lead", t("kpis.subscription.lead"))
    ch.figure("monthly", charts.mrr_movements(frame, f, labels), t("kpis.subscription.chart"))
    period, trailing = a.period_kpis, a.trailing_kpis
    rows = [
        (t("kpis.row.start_mrr"), f.money(period.start_mrr), f.money(trailing.start_mrr)),
        (t("kpis.row.new_mrr"), f.money(period.new_mrr), f.money(trailing.new_mrr)),
        (t("kpis.row.expansion_mrr"), f.money(period.expansion_mrr), f.money(trailing.expansion_mrr)),
        (t("kpis.row.reactivation_mrr"), f.money(period.reactivation_mrr), f.money(trailing.reactivation_mrr)),
        (t("kpis.row.contraction_mrr"), f.money(-period.contraction_mrr), f.money(-trailing.contraction_mrr)),
        (t("kpis.row.churned_mrr"), f.money(-period.churned_mrr), f.money(-trailing.churned_mrr)),
        (t("kpis.row.end_mrr"), f.money(period.end_mrr), f.money(trailing.end_mrr)),
        (t("kpis.row.arr"), f.money(period.arr), f.money(trailing.arr)),
        (t("kpis.row.subscribers"), f.number(period.end_customers), f.number(trailing.end_customers)),
        (t("kpis.row.new_subscribers"), f.number(period.new_customers), f.number(trailing.new_customers)),
        (t("kpis.row.churned_subscribers"), f.number(period.churned_customers), f.number(trailing.churned_customers)),
        (t("kpis.row.arpa_mrr"), f.money(period.arpa, 2), f.money(trailing.arpa, 2)),
        (t("kpis.row.logo_churn"), f.pct(period.logo_churn_rate, 2), f.pct(trailing.logo_churn_rate, 2)),
        (t("kpis.row.gross_mrr_churn"), f.pct(period.gross_mrr_churn_rate, 2), f.pct(trailing.gross_mrr_churn_rate, 2)),
        (t("kpis.row.net_mrr_churn"), f.pct(period.net_mrr_churn_rate, 2), f.pct(trailing.net_mrr_churn_rate, 2)),
        (t("kpis.row.quick_ratio"), f.number(period.quick_ratio, 2), f.number(trailing.quick_ratio, 2)),
        (t("kpis.row.nrr"), f.pct(period.nrr), f.pct(trailing.nrr)),
        (t("kpis.row.grr"), f.pct(period.grr), f.pct(trailing.grr)),
    ]
    _table(r, ch, rows)
    note = t("kpis.subscription.note", months=f.number(trailing.months), measured=f.number(trailing.logo_churn_months))
    ch.text("note", f"{note} {_recent(r, 'subscription', r.headline['churn_rate_monthly'])}", "note")
    return ch
