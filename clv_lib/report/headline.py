"""The headline numbers of a report: computed once, printed by the executive summary, written to kpis.json.

Money is rounded to cents and shares to 4 decimals here, so the file and the report show the same values.
"""

from __future__ import annotations

import math

import numpy as np

from clv_lib.report.chapters import new_customers
from clv_lib.report.churn_window import churn_window_months
from clv_lib.value.unit_economics import cac_payback


def _money(value) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else round(float(value), 2)


def _share(value) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else round(float(value), 4)


def headline(report) -> dict:
    """Headline numbers for `report` (a `clv_lib.report.Report`); None where a number does not apply."""
    a = report.analysis
    customers = a.customers
    ue = a.unit_economics
    h = {
        "client": report.client, "period": a.period.label, "cutoff": a.cutoff.date().isoformat(),
        "currency": report.params.currency, "business_model": report.params.business_model,
        "customers": int(len(customers)),
    }
    for months in a.horizons:
        column = f"clv_{months}m"
        h[f"{column}_total"] = _money(customers[column].sum())
    active_mask = _active(report, customers)
    h["active_customers"] = int(active_mask.sum())
    h["clv_12m_per_active_customer"] = _money(customers.loc[active_mask, "clv_12m"].mean()) if active_mask.any() else 0.0
    if report.subscription:
        k = a.trailing_kpis
        monthly = a.monthly
        h["revenue"] = _money(monthly["mrr"].tail(12).sum())
        h["mrr"] = _money(k.end_mrr)
        h["arr"] = _money(k.arr)
        h["arpa"] = _money(k.arpa)
        h["nrr"] = _share(k.nrr)
        h["grr"] = _share(k.grr)
    else:
        k = a.trailing_kpis
        h["revenue"] = _money(k.revenue)
        h["orders"] = int(k.orders)
        h["aov"] = _money(k.aov)
        h["arpa"] = _money(k.monthly_revenue_per_customer)
        h["repeat_customer_share"] = _share(k.repeat_customer_share)
    h["churn_window_months"] = churn_window_months(report)  # monthly rates the churn averages (fewer on a short history)
    h["history_months"] = round(float(a.history_months), 1)
    # without a month's churn (ue None) churn and all built on it are unknown (None), not 0% and the cap
    h["churn_rate_monthly"] = _share(ue.churn_rate) if ue else None
    h["lifetime_months"] = round(float(ue.lifetime.months), 1) if ue else None
    h["lifetime_capped"] = bool(ue.lifetime.capped) if ue else None
    h["ltv"] = _money(ue.ltv) if ue else None
    h["cac"] = _money(a.blended_cac)
    h["ltv_cac"] = round(float(ue.ltv_to_cac), 2) if ue and ue.ltv_to_cac is not None else None
    payback = ue.payback_months if ue else _payback(report, k.arpa if report.subscription
                                                     else k.monthly_revenue_per_customer)
    h["payback_months"] = round(float(payback), 1) if payback is not None else None
    h["break_even_cac"] = _money(ue.break_even_cac) if ue else None
    h["max_affordable_cac"] = _money(ue.max_affordable_cac) if ue else None
    risk = a.risk.customers
    at_risk = risk["high_value"] & risk["at_risk"]
    h["winback_customers"] = int(at_risk.sum())
    h["winback_value_at_risk"] = _money(risk.loc[at_risk, "value_at_risk"].sum())
    values = np.clip(customers["revenue"].to_numpy(float), 0, None)
    top = np.sort(values)[::-1][: max(1, int(len(values) * 0.2))]
    h["top20_revenue_share"] = _share(top.sum() / values.sum()) if values.sum() > 0 else None
    clv = np.sort(customers["clv_12m"].to_numpy(float))[::-1]
    h["top20_clv_share"] = _share(clv[: max(1, int(len(clv) * 0.2))].sum() / clv.sum()) if clv.sum() > 0 else None
    h["model"] = model_name(report)
    h["validation_verdict"] = verdict(report)
    if not report.subscription:
        h.update(model_facts(report))
    h.update(new_customers.headline_facts(report))
    h["track_record"] = [entry.as_json() for entry in report.since.track_record]
    return h


def _payback(report, arpa_monthly) -> float | None:
    """The CAC payback needs no churn, CAC / (monthly ARPA x margin): given even when churn is unknown."""
    cac = report.analysis.blended_cac
    if cac is None or arpa_monthly is None:
        return None
    return cac_payback(cac, arpa_monthly, report.params.gross_margin).months


def _active(report, customers):
    """The one definition of an active customer, the KPI table's: a subscriber paying at the last month end; a
    buyer with an order in the 12 whole calendar months ending at the cut-off (`trailing_start` onwards, the window
    of the KPI table's last-12-months column), not 365 days back."""
    if report.subscription:
        return ~customers["churned"].astype(bool)
    return customers["last_order"] >= report.analysis.trailing_start


def model_name(report) -> str:
    a = report.analysis
    if report.subscription:
        return "sBG"
    result = a.clv
    if result.method != "model" or result.transaction_model is None:
        return "historical"
    spend = " + Gamma-Gamma" if result.spend_method == "gamma-gamma" else ""
    return f"{result.transaction_model.name}{spend}"


def verdict(report) -> str:
    if model_name(report) == "historical":
        return "historical"
    v = report.analysis.validation
    return getattr(v, "verdict", None) or "not validated"


def model_facts(report) -> dict:
    """The transaction model's limit and risk basis, and the holdout accuracy of the model used beside the naive
    baseline: normalised Gini and decile calibration, for purchases and their value."""
    a = report.analysis
    model = a.clv.transaction_model
    facts = {"model_limit_of": getattr(model, "limit_of_", None) if model is not None else None,
             "risk_basis": "p_alive" if a.activity == "model" else "silence"}
    if facts["model_limit_of"] is None and model is not None and a.selection is not None:
        table = a.selection.table
        source = table["limit_of"].get(model.name) if "limit_of" in table.columns else None
        facts["model_limit_of"] = source if isinstance(source, str) else None
    v = a.validation
    if v is None:
        return facts
    m = v.metrics
    for measure, table in v.deciles.items():
        for key in ("gini", "naive_gini", "decile_error", "naive_decile_error"):
            facts[f"holdout_{measure}_{key}"] = _share(m[f"{measure}_{key}"])
        facts[f"holdout_{measure}_deciles"] = [
            {"decile": int(d), "predicted": round(float(row["predicted"]), 4), "actual": round(float(row["actual"]), 4),
             "naive": round(float(row["naive"]), 4)} for d, row in table.iterrows()]
    return facts
