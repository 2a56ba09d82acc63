"""The intermediate tables an analyst walks in `notebooks/explore.ipynb`, one call each: the cleaning ledger and
the column mapping, the RFM summary, every candidate model's parameters, standard errors and holdout fit, the
per-customer predictions, and a what-if on margin, discount rate and horizon.

Every function reads the report's analysis (`report.analysis`, computed once) and returns a DataFrame; nothing
here computes a number the library does not already compute, except `what_if`, which revalues the customers with
the fitted models under other assumptions.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.exceptions import ClvError


def ledger(report) -> pd.DataFrame:
    """Every cleaning rule with its rows and revenue: the data_quality.csv of the report."""
    return report.analysis.data.ledger.to_frame(with_share=True)


def column_mapping(report) -> pd.DataFrame:
    """Which header of the client's file fills each canonical column, and how it was found."""
    mapping = report.analysis.data.mapping
    return pd.DataFrame([(canonical, header, mapping.origin.get(canonical, ""))
                         for canonical, header in mapping.columns.items()],
                        columns=["canonical", "header", "origin"]).set_index("canonical")


def rfm_summary(report) -> pd.DataFrame:
    """Per customer: frequency (repeat purchases), recency and age T (days), mean repeat spend; for subscriptions
    the tenure table the retention models are fitted on."""
    a = report.analysis
    return a.summary if not report.subscription else a.tenure


def candidate_models(report) -> pd.DataFrame:
    """One row per model and parameter: estimate, standard error, the fit's log-likelihood and holdout metrics,
    and whether the model was chosen. Orders: BG/NBD, Pareto/NBD and MBG/NBD fitted on the calibration period
    (and the chosen one refitted on the whole history), Gamma-Gamma for spend; subscriptions: sBG per contract."""
    a = report.analysis
    rows = []
    if report.subscription:
        for length, model in sorted(a.retention_models.items()):
            rows += _parameters(f"sBG ({length:g}-month contracts)", "whole history", model, chosen=True)
        return pd.DataFrame(rows).set_index(["model", "fitted_on", "parameter"])
    selection = a.selection
    if selection is not None:
        for name, validation in selection.validations.items():
            metrics = {k: validation.metrics.get(k) for k in ("mae", "rmse", "bias", "naive_mae")}
            rows += _parameters(name, "calibration", validation.model, chosen=name == selection.best_name,
                                verdict=validation.verdict, **metrics)
        # Candidates without metrics: not fitted, or replaced by their no-drop-out limit (the NBD row above).
        for name, row in selection.table[selection.table["status"] != "fitted"].iterrows():
            if name not in selection.validations:
                rows.append({"model": name, "fitted_on": "calibration", "parameter": "–", "verdict": row["verdict"],
                             "reason": row.get("reason")})
    result = a.clv
    if result.transaction_model is not None:
        rows += _parameters(result.transaction_model.name, "whole history", result.transaction_model, chosen=True)
    if result.spend_model is not None:
        rows += _parameters(result.spend_model.name, "whole history", result.spend_model, chosen=True)
    if not rows:
        raise ClvError("no model was fitted for this report (see the validation chapter for why)")
    return pd.DataFrame(rows).set_index(["model", "fitted_on", "parameter"])


def _parameters(name: str, fitted_on: str, model, chosen: bool, **extra) -> list[dict]:
    errors = getattr(model, "standard_errors_", {}) or {}
    return [{"model": name, "fitted_on": fitted_on, "parameter": parameter, "estimate": value,
             "standard_error": errors.get(parameter), "log_likelihood": getattr(model, "log_likelihood_", None),
             "chosen": chosen, **extra} for parameter, value in model.params_.items()]


def holdout_fit(report) -> pd.DataFrame:
    """Per candidate model and number of repeat purchases in the calibration period: the customers' actual and
    predicted mean purchases in the holdout (subscriptions: survivors per contract length, actual and predicted)."""
    a = report.analysis
    if report.subscription:
        if a.validation is None:
            raise ClvError("no holdout validation: the history is too short for a holdout period")
        return a.validation.table
    if a.selection is None:
        raise ClvError("no holdout validation: the history is too short for a holdout period")
    frames = {name: v.by_frequency for name, v in a.selection.validations.items()}
    return pd.concat(frames, names=["model"])


def predictions(report) -> pd.DataFrame:
    """Per customer, most valuable first: segment, P(alive), expected purchases and CLV at each horizon."""
    customers = report.analysis.customers
    wanted = ["segment", "value_tier", "frequency", "recency", "T", "monetary_value", "mrr", "tenure_months",
              "prob_alive", "expected_spend"]
    wanted += [c for c in customers.columns if c.startswith(("expected_purchases_", "expected_months_", "clv_"))]
    return customers[[c for c in wanted if c in customers.columns]].sort_values("clv_12m", ascending=False)


def what_if(report, gross_margin: float | None = None, annual_discount_rate: float | None = None,
            horizon_months: int | None = None) -> pd.DataFrame:
    """Total CLV per segment under the report's assumptions and under other ones, with the fitted models
    unchanged: what the value is worth if the margin, the discount rate or the horizon were different."""
    p, a = report.params, report.analysis
    base = (p.gross_margin, p.annual_discount_rate, 12)
    scenario = (gross_margin if gross_margin is not None else base[0],
                annual_discount_rate if annual_discount_rate is not None else base[1],
                int(horizon_months) if horizon_months is not None else base[2])
    if not 0 < scenario[0] <= 1:
        raise ClvError(f"what_if: gross_margin {scenario[0]} must be a share in (0, 1]")
    if not 0 <= scenario[1] < 1:
        raise ClvError(f"what_if: annual_discount_rate {scenario[1]} must be a share in [0, 1)")
    if not 1 <= scenario[2] <= 120:
        raise ClvError(f"what_if: horizon_months {scenario[2]} must be between 1 and 120")
    values = pd.DataFrame({"baseline": _values(report, *base), "scenario": _values(report, *scenario)})
    segments = a.customers["segment"].astype(str).reindex(values.index)
    table = values.groupby(segments).sum()
    table.insert(0, "customers", segments.value_counts())
    table.index = [report.segment_name(k) for k in table.index]
    table.loc[report.segment_name("all")] = [len(values), values["baseline"].sum(), values["scenario"].sum()]
    table["change"] = table["scenario"] - table["baseline"]
    table["change_share"] = table["change"] / table["baseline"].where(table["baseline"] != 0)
    table.attrs["assumptions"] = {"baseline": dict(zip(("gross_margin", "annual_discount_rate", "horizon_months"),
                                                       base)),
                                  "scenario": dict(zip(("gross_margin", "annual_discount_rate", "horizon_months"),
                                                       scenario))}
    return table.sort_values("baseline", ascending=False)


def _values(report, margin: float, rate: float, horizon: int) -> pd.Series:
    """Per-customer discounted CLV over `horizon` months with the report's fitted models."""
    a = report.analysis
    if report.subscription:
        from clv_lib.value.subscription_clv import subscription_clv

        table = subscription_clv(a.valuation_table, a.retention_models, horizons_months=(horizon,),
                                 annual_discount_rate=rate, margin=margin)
        return table[f"clv_{horizon}m"]
    from clv_lib.pipeline.orders import TIME_UNIT
    from clv_lib.value.clv import customer_clv, historical_clv

    result = a.clv
    spend = result.spend_model if result.spend_model is not None else result.customers["expected_spend"]
    if result.transaction_model is None:
        table = historical_clv(a.summary, time_unit=TIME_UNIT, horizons_months=(horizon,),
                               annual_discount_rate=rate, margin=margin, spend=spend)
    else:
        table = customer_clv(a.summary, result.transaction_model, spend, time_unit=TIME_UNIT,
                             horizons_months=(horizon,), annual_discount_rate=rate, margin=margin)
    return table[f"clv_{horizon}m"]
