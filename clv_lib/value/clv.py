"""Customer lifetime value over fixed horizons, from a fitted transaction model and a spend estimate.

CLV over H months = margin * expected spend per purchase * sum over months m = 1..H of
(expected purchases in month m) / (1 + i)^m, with the monthly rate i = (1 + annual_discount_rate)^(1/12) - 1.
Months are converted into the summary's time unit through a `TimeUnit`, never assumed: a weekly summary and
a daily one give the same CLV for the same customers.

`estimate_clv` wraps fitting and valuation with documented fallbacks, so a report always gets finite,
non-negative values and a sentence saying how they were obtained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ClvError, ConvergenceError, ModelInputError, ParamsError
from clv_lib.models.base import TransactionModel, summary_columns
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.timeunit import TimeUnit, monthly_rate


def monthly_discount_factors(horizon_months: int, annual_discount_rate: float) -> np.ndarray:
    """Discount factors 1/(1+i)^m for months m = 1..horizon_months, i the monthly equivalent of the annual rate."""
    if horizon_months < 1 or int(horizon_months) != horizon_months:
        raise ParamsError(f"horizon_months must be a whole number >= 1, got {horizon_months}")
    i = monthly_rate(annual_discount_rate)
    return (1.0 + i) ** -np.arange(1, int(horizon_months) + 1, dtype=float)


def _check_money(margin: float, horizons_months: Sequence[int]) -> tuple[int, ...]:
    if not margin >= 0:  # also rejects NaN
        raise ParamsError(f"margin must be a number >= 0, got {margin}")
    horizons = tuple(int(h) for h in horizons_months)
    if not horizons or any(h < 1 for h in horizons) or any(h != hm for h, hm in zip(horizons, horizons_months)):
        raise ParamsError(f"horizons_months must be whole numbers >= 1, got {horizons_months}")
    return horizons


def expected_spend_of(summary: pd.DataFrame, spend) -> np.ndarray:
    """Expected value per purchase for each customer: from a fitted GammaGammaModel, a per-customer Series
    (aligned on the summary's index) or one number for everybody. Always finite and >= 0."""
    if isinstance(spend, GammaGammaModel):
        values = spend.expected_spend(summary).to_numpy(dtype=float)
    elif isinstance(spend, pd.Series):
        values = spend.reindex(summary.index).to_numpy(dtype=float)
    else:
        values = np.full(len(summary), float(spend))
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ModelInputError(f"spend per purchase must be finite and >= 0 for every customer "
                              f"({int((~np.isfinite(values)).sum())} missing, {int((values < 0).sum())} negative)")
    return values


def customer_clv(summary: pd.DataFrame, model: TransactionModel, spend, *, time_unit: "str | TimeUnit",
                 horizons_months: Sequence[int] = (12, 24), annual_discount_rate: float = 0.10,
                 margin: float = 1.0) -> pd.DataFrame:
    """Per-customer CLV from a fitted transaction model.

    `summary` is in `time_unit` (days, weeks or months); `spend` is a fitted GammaGammaModel, a Series or a
    number (money per purchase); `margin` is the share of revenue kept (1.0 = revenue CLV). Returns, indexed
    like the summary: p_alive, expected_spend, and for each horizon H: purchases_{H}m (expected purchases in
    the next H months) and clv_{H}m (discounted margin, money).
    """
    horizons = _check_money(margin, horizons_months)
    unit = TimeUnit.of(time_unit)
    longest = max(horizons)
    months = np.arange(1, longest + 1, dtype=float)
    discounts = monthly_discount_factors(longest, annual_discount_rate)
    weights = np.zeros((longest, 2 * len(horizons)))
    for j, h in enumerate(horizons):
        weights[:h, 2 * j] = 1.0
        weights[:h, 2 * j + 1] = discounts[:h]
    p_alive = model.probability_alive(summary).to_numpy()
    kernel = model.discounted_purchases(summary, unit.months_to_periods(months), weights, p_alive=p_alive)
    value = expected_spend_of(summary, spend)
    out = pd.DataFrame({"p_alive": p_alive, "expected_spend": value}, index=summary.index)
    for j, h in enumerate(horizons):
        out[f"purchases_{h}m"] = kernel[:, 2 * j]
        out[f"clv_{h}m"] = margin * value * kernel[:, 2 * j + 1]
    return _clean(out)


def historical_clv(summary: pd.DataFrame, *, time_unit: "str | TimeUnit", horizons_months: Sequence[int] = (12, 24),
                   annual_discount_rate: float = 0.10, margin: float = 1.0, spend=None) -> pd.DataFrame:
    """The naive, model-free CLV used as a fallback and baseline: each customer keeps buying at her observed
    repeat rate (frequency / T) forever, at her observed mean repeat spend (`monetary_value`, or `spend`).

    It ignores drop-out, so for a shrinking customer base it overstates the future; a report using it says so.
    Same columns as `customer_clv`; p_alive is 1, since nobody drops out in it (a report judges activity from
    each customer's silence instead, `ClvResult.activity`).
    """
    horizons = _check_money(margin, horizons_months)
    unit = TimeUnit.of(time_unit)
    cols = summary_columns(summary, ("frequency", "T"), "historical CLV")
    if spend is None:
        spend = summary["monetary_value"] if "monetary_value" in summary.columns else 0.0
    value = expected_spend_of(summary, spend)
    rate_per_month = unit.months_to_periods(1.0) * cols["frequency"] / np.maximum(cols["T"], 1e-12)
    out = pd.DataFrame({"p_alive": 1.0, "expected_spend": value}, index=summary.index)
    discounts = monthly_discount_factors(max(horizons), annual_discount_rate)
    for h in horizons:
        out[f"purchases_{h}m"] = rate_per_month * h
        out[f"clv_{h}m"] = margin * value * rate_per_month * discounts[:h].sum()
    return _clean(out)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Never NaN, inf or negative: the kernels guarantee it; this makes it a checked invariant."""
    columns = [frame[c].to_numpy(dtype=float) for c in frame.columns]
    bad = sum(int((~np.isfinite(v)).sum()) for v in columns)
    negative = sum(int((v < 0).sum()) for v in columns)
    if bad or negative:
        raise ClvError(f"internal error: CLV table has {bad} non-finite and {negative} negative values")
    return frame


# ----------------------------------------------------------------------------------------------------------


@dataclass
class ClvResult:
    """Per-customer CLV with how it was obtained, for the report's method section."""

    customers: pd.DataFrame
    method: str  # "model" or "historical"
    spend_method: str  # "gamma-gamma", "observed mean" or "given"
    notes: list[str] = field(default_factory=list)
    transaction_model: TransactionModel | None = None
    spend_model: GammaGammaModel | None = None

    @property
    def activity(self) -> str:
        """Where a customer's chance of still being active comes from: "model" (the model's P(alive)), or
        "silence" when the CLV has no drop-out in it (the NBD, or the historical estimate) and P(alive) would be
        1 for everybody: the report then judges activity from each customer's silence (see
        `clv_lib.insights.risk.activity_from_silence`)."""
        model = self.transaction_model
        return "model" if self.method == "model" and model is not None and model.has_dropout else "silence"


def estimate_clv(summary: pd.DataFrame, model: "TransactionModel | Sequence[TransactionModel]", *,
                 time_unit: "str | TimeUnit", horizons_months: Sequence[int] = (12, 24),
                 annual_discount_rate: float = 0.10, margin: float = 1.0,
                 spend_model: GammaGammaModel | None = None) -> ClvResult:
    """Fit the transaction model (or the first of a ranked list that can be fitted) and a Gamma-Gamma spend
    model on `summary`, then value every customer.

    A model whose optimum is the no-drop-out edge is replaced by its NBD limit, or the Poisson when everybody
    also buys at one rate (`clv_lib.models.limits`).
    Fallbacks, each recorded in `notes`: if the spend model cannot be fitted (too few repeat buyers, q <= 1),
    spend is each customer's observed mean repeat spend, or the overall mean for customers without one; if no
    transaction model can be fitted (too few customers or repeat buyers, no convergence), CLV is
    `historical_clv`. Parameter errors (horizon, margin, unit) are raised, not hidden.
    """
    from clv_lib.models.limits import fit_or_limit

    unit = TimeUnit.of(time_unit)
    _check_money(margin, horizons_months)
    notes: list[str] = []
    spend_model = spend_model if spend_model is not None else GammaGammaModel()
    spend, spend_method = _spend(summary, spend_model, notes)
    gamma = spend_model if spend_method == "gamma-gamma" else None
    for candidate in [model] if isinstance(model, TransactionModel) else list(model):
        try:
            fitted = candidate if "params_" in candidate.__dict__ else fit_or_limit(candidate, summary)
            table = customer_clv(summary, fitted, spend, time_unit=unit, horizons_months=horizons_months,
                                 annual_discount_rate=annual_discount_rate, margin=margin)
        except (ModelInputError, ConvergenceError) as exc:
            notes.append(f"{candidate.name} could not be used on the whole history ({exc})")
            continue
        source = getattr(fitted, "limit_of_", None)
        if source is not None:
            where = "nobody drops out" + ("" if fitted.heterogeneous else " and everybody buys at one rate")
            notes.append(f"{source}'s likelihood on the whole history is highest where {where} "
                         f"({fitted.limit_reason_}): its limit, the {fitted.name}, is used")
        return ClvResult(table, "model", spend_method, notes, fitted, gamma)
    notes.append("no customer-base model could be used; CLV is the historical estimate: observed repeat rate and "
                 "spend continued without drop-out, which overstates a shrinking base")
    table = historical_clv(summary, time_unit=unit, horizons_months=horizons_months,
                           annual_discount_rate=annual_discount_rate, margin=margin, spend=spend)
    return ClvResult(table, "historical", spend_method, notes, None, gamma)


def _spend(summary: pd.DataFrame, spend_model: GammaGammaModel, notes: list[str]):
    try:
        if "params_" not in spend_model.__dict__:
            spend_model.fit(summary)
        return spend_model, "gamma-gamma"
    except (ModelInputError, ConvergenceError) as exc:
        observed = summary["monetary_value"].astype(float) if "monetary_value" in summary.columns else None
        if observed is None:
            raise ModelInputError("CLV needs a 'monetary_value' column (mean repeat spend) or a spend model") from exc
        repeat = (summary["frequency"] > 0) & (observed > 0)
        overall = float(observed[repeat].mean()) if repeat.any() else 0.0
        notes.append(f"Gamma-Gamma spend model not used ({exc}); spend per purchase is each customer's observed "
                     f"mean repeat spend, or the overall mean ({overall:.2f}) for customers without one")
        return observed.where(repeat, overall), "observed mean"
