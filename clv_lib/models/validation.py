"""Holdout validation of a transaction model: fit on the calibration period, predict the holdout, compare.

Input is a calibration/holdout frame indexed by customer with `frequency_cal`, `recency_cal`, `T_cal`,
`frequency_holdout`, `duration_holdout` (summary time unit). The checks follow Fader, Hardie & Lee (2005): the
calibration frequency histogram against the model's, conditional expectations by calibration frequency
against the holdout actuals, and (when the per-period actuals are given) cumulative tracking. The per-customer
errors are compared with a naive baseline that continues each customer's historical repeat rate.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clv_lib.exceptions import ConvergenceError, ModelInputError
from clv_lib.models.accuracy import calibration_error, decile_table, gini, normalized_gini
from clv_lib.models.base import TransactionModel, summary_columns
from clv_lib.models.gamma_gamma import GammaGammaModel
from clv_lib.models.limits import fit_or_limit

#: Verdict thresholds on the holdout's aggregate bias (|predicted / actual - 1|).
PASS_BIAS, WARN_BIAS = 0.10, 0.25
HISTOGRAM_TOP = 7  # the frequency histogram's last bin is "7+"


@dataclass
class HoldoutValidation:
    """Outcome of `validate`: metrics, diagnostic tables and a verdict with its reason."""

    model_name: str
    params: dict[str, float]
    log_likelihood: float
    metrics: dict[str, float]
    frequency_check: pd.DataFrame
    by_frequency: pd.DataFrame
    verdict: str  # "pass", "warn" or "fail"
    reason: str
    model: TransactionModel = field(repr=False)
    #: Decile calibration per measure ("purchases", "spend"): the model's deciles with its mean prediction, the
    #: actual mean and the naive baseline's mean prediction for the same customers.
    deciles: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: (calibration summary, per-period actuals) for `tracking`, or None without per-period actuals.
    tracking_inputs: tuple | None = field(default=None, repr=False)

    @functools.cached_property
    def tracking(self) -> pd.DataFrame | None:
        """Cumulative repeat purchases in the holdout, actual against predicted (see `tracking`); computed on first
        use, since only the chosen model's is shown and each costs a path per customer pattern and period."""
        if self.tracking_inputs is None:
            return None
        cal, actual_cumulative = self.tracking_inputs
        return tracking(self.model, cal, actual_cumulative)


def calibration_summary(frame: pd.DataFrame, keep=()) -> pd.DataFrame:
    """The calibration part of a calibration/holdout frame as a model summary (frequency, recency, T), with the
    columns named in `keep` (a covariate model's covariates, fixed at acquisition)."""
    summary_columns(frame, ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"),
                    "holdout validation")
    out = frame.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T",
                                "monetary_value_cal": "monetary_value"})
    return out[[c for c in ("frequency", "recency", "T", "monetary_value", *keep) if c in out.columns]]


def validated_or_none(model: TransactionModel, frame: pd.DataFrame, actual_cumulative: pd.Series | None = None,
                      spend=None) -> HoldoutValidation | None:
    """`validate`, or None when the model cannot be fitted (ModelInputError, ConvergenceError)."""
    try:
        return validate(model, frame, actual_cumulative, spend)
    except (ModelInputError, ConvergenceError):
        return None


def validate(model: TransactionModel, frame: pd.DataFrame, actual_cumulative: pd.Series | None = None,
             spend=None) -> HoldoutValidation:
    """Fit a copy of `model` on the calibration columns of `frame` and check its holdout predictions.

    `actual_cumulative`, optional, holds the cohort's cumulative repeat purchases at the end of holdout
    periods (index: periods since the calibration end, summary unit), for the tracking table. When the frame has
    `monetary_value_cal` and `monetary_value_holdout`, the value of the holdout purchases is checked too, with
    `spend` (see `holdout_spend`) per purchase. When the model's optimum is the no-drop-out edge, its NBD limit
    is validated instead (`result.model` is then the NBD). Raises ModelInputError/ConvergenceError when no
    model can be fitted (callers record it).
    """
    cal = calibration_summary(frame, keep=getattr(model, "covariates", ()))
    fitted = fit_or_limit(copy.deepcopy(model), cal)
    duration = frame["duration_holdout"].to_numpy(dtype=float)
    actual = frame["frequency_holdout"].to_numpy(dtype=float)
    predicted = _predict_holdout(fitted, cal, duration)
    T = cal["T"].to_numpy(float)
    # Naive baseline: the observed repeat rate continued (0 for a customer acquired on the calibration end day).
    naive = np.divide(cal["frequency"].to_numpy(float), T, out=np.zeros_like(T), where=T > 0) * duration
    metrics = {
        "customers": float(len(frame)),
        "actual_total": float(actual.sum()),
        "predicted_total": float(predicted.sum()),
        "bias": float(predicted.sum() / actual.sum() - 1) if actual.sum() > 0 else float(predicted.sum() > 0),
        "mae": float(np.mean(np.abs(predicted - actual))),
        "rmse": float(np.sqrt(np.mean((predicted - actual) ** 2))),
        "naive_total": float(naive.sum()),
        "naive_mae": float(np.mean(np.abs(naive - actual))),
        "naive_rmse": float(np.sqrt(np.mean((naive - actual) ** 2))),
    }
    deciles = {"purchases": _accuracy(metrics, "purchases", predicted, actual, naive)}
    if {"monetary_value_cal", "monetary_value_holdout"} <= set(frame.columns):
        per_purchase = holdout_spend(frame) if spend is None else np.asarray(spend, dtype=float)
        observed = frame["monetary_value_cal"].to_numpy(float)
        actual_value = actual * frame["monetary_value_holdout"].to_numpy(float)
        deciles["spend"] = _accuracy(metrics, "spend", predicted * per_purchase, actual_value, naive * observed)
    check = frequency_check(fitted, cal)
    metrics["histogram_max_share_gap"] = float((check["actual_share"] - check["expected_share"]).abs().max())
    verdict, reason = _verdict(metrics)
    return HoldoutValidation(
        model_name=fitted.name, params=dict(fitted.params_), log_likelihood=fitted.log_likelihood_,
        metrics=metrics, frequency_check=check, by_frequency=_by_frequency(cal, actual, predicted),
        verdict=verdict, reason=reason, model=fitted, deciles=deciles,
        tracking_inputs=(cal, actual_cumulative) if actual_cumulative is not None else None)


def holdout_spend(frame: pd.DataFrame) -> np.ndarray:
    """Expected value per holdout purchase of each customer, from the calibration period only: Gamma-Gamma
    fitted on the calibration spend, else (too few repeat buyers, q <= 1) the customer's observed mean repeat
    spend, and the overall mean for customers without one."""
    cal = calibration_summary(frame)
    try:
        return GammaGammaModel().fit(cal).expected_spend(cal).to_numpy(float)
    except (ModelInputError, ConvergenceError):
        observed = cal["monetary_value"].to_numpy(float)
        known = (cal["frequency"].to_numpy(float) > 0) & (observed > 0)
        return np.where(known, observed, observed[known].mean() if known.any() else 0.0)


def _accuracy(metrics: dict, measure: str, predicted, actual, naive) -> pd.DataFrame:
    """Add the normalised Gini and decile calibration error of the model and the naive baseline for one measure
    to `metrics`; return the model's decile table (with the baseline's means for the same customers)."""
    table = decile_table(predicted, actual, naive=naive)
    best, naive_gini, naive_error = _baseline_accuracy(actual.tobytes(), naive.tobytes())
    metrics[f"{measure}_gini"] = normalized_gini(actual, predicted, best=best)
    metrics[f"{measure}_naive_gini"] = naive_gini
    metrics[f"{measure}_decile_error"] = calibration_error(table)
    metrics[f"{measure}_naive_decile_error"] = naive_error
    return table


@functools.lru_cache(maxsize=4)
def _baseline_accuracy(actual: bytes, naive: bytes) -> tuple[float, float, float]:
    """What does not depend on the model, computed once for all the candidates validated on one frame: the Gini
    of the perfect ranking, the naive baseline's normalised Gini and its decile calibration error (keyed by the
    arrays' contents)."""
    actual_values, naive_values = np.frombuffer(actual), np.frombuffer(naive)
    best = gini(actual_values, actual_values)
    return (best, normalized_gini(actual_values, naive_values, best=best),
            calibration_error(decile_table(naive_values, actual_values)))


def _predict_holdout(model: TransactionModel, cal: pd.DataFrame, duration: np.ndarray) -> np.ndarray:
    out = np.empty(len(cal))
    for d in np.unique(duration):
        rows = duration == d
        out[rows] = model.expected_purchases(cal[rows], float(d)).to_numpy()
    return out


def frequency_check(model: TransactionModel, summary: pd.DataFrame) -> pd.DataFrame:
    """Calibration frequency histogram (0..6, 7+) against the model's expected counts sum_i P(X(T_i) = x)."""
    x = summary["frequency"].to_numpy(float)
    bins = np.arange(HISTOGRAM_TOP)
    expected = model.expected_counts(summary, bins)
    expected = np.append(expected, max(len(x) - expected.sum(), 0.0))
    actual = np.append([(x == b).sum() for b in bins], (x >= HISTOGRAM_TOP).sum()).astype(float)
    labels = [str(b) for b in bins] + [f"{HISTOGRAM_TOP}+"]
    return pd.DataFrame({"actual": actual, "expected": expected, "actual_share": actual / len(x),
                         "expected_share": expected / len(x)}, index=pd.Index(labels, name="frequency"))


def _by_frequency(cal: pd.DataFrame, actual: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency (FHL 2005, Figure 4): actual vs model."""
    bucket = np.minimum(cal["frequency"].to_numpy(int), HISTOGRAM_TOP)
    table = pd.DataFrame({"bucket": bucket, "actual": actual, "predicted": predicted})
    out = table.groupby("bucket").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                      predicted=("predicted", "mean"))
    out.index = [str(i) if i < HISTOGRAM_TOP else f"{HISTOGRAM_TOP}+" for i in out.index]
    out.index.name = "frequency_cal"
    return out


def tracking(model: TransactionModel, cal: pd.DataFrame, actual_cumulative: pd.Series) -> pd.DataFrame:
    """Cumulative repeat purchases in the holdout, actual vs expected (sum of the customers' conditional
    expectations) at each period end in `actual_cumulative`'s index."""
    periods = np.asarray(actual_cumulative.index, dtype=float)
    if np.any(periods < 0):
        raise ModelInputError("tracking periods must be >= 0 (time since the calibration end)")
    return pd.DataFrame({"actual": actual_cumulative.to_numpy(float),
                         "predicted": model.expected_purchases_total(cal, periods)},
                        index=actual_cumulative.index)


def _verdict(m: dict[str, float]) -> tuple[str, str]:
    bias = m["bias"]
    beats_naive = m["mae"] < m["naive_mae"]
    facts = (f"holdout total {m['predicted_total']:.0f} predicted vs {m['actual_total']:.0f} actual "
             f"(bias {bias:+.1%}); per-customer MAE {m['mae']:.3f} vs {m['naive_mae']:.3f} for the naive "
             "historical-rate baseline")
    if abs(bias) <= PASS_BIAS and beats_naive:
        return "pass", facts
    if abs(bias) <= WARN_BIAS:
        why = "bias above 10%" if abs(bias) > PASS_BIAS else "no better than the naive baseline per customer"
        return "warn", f"{why}: {facts}"
    return "fail", f"bias beyond 25%: {facts}"
