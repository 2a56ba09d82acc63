"""Value x churn-risk view: quadrants of value against P(alive), the win-back list and the value at risk.

Quadrants: a customer is *high value* when at least 80 % of customers have a strictly lower value (the top
quintile, ties kept together as in the RFM scores), and *at risk* when P(alive) is below 0.5 (the usual
cut-off for the "high value and P(alive) < 0.5" win-back list). Both thresholds can be given explicitly.

The value axis is predicted CLV by default, as the report's quadrant chart plots it. Predicted CLV already
contains P(alive), so long-lapsed customers rarely reach the top value quintile on it; pass
``value_col="revenue"`` to rank customers by what they have spent instead, the usual basis of a win-back
campaign aimed at formerly valuable customers.

Value at risk. With a buy-till-you-die model a customer's predicted CLV is P(alive) x (value if still alive),
so the value the customer would bring if still active is clv / P(alive), and what is expected to be lost to
churn that has probably already happened is

    value_at_risk = clv x (1 - P(alive)) / P(alive).

It is what a perfect win-back would recover. The multiplier (1 - p) / p is capped at `MAX_RISK_MULTIPLIER`
(P(alive) below 1 %): for near-certainly lost customers the value-if-alive is poorly identified and would
otherwise dominate the sums; a customer with P(alive) = 0 has no value at risk (nothing left to infer it from).

Activity from silence. When the CLV comes from a model without drop-out (the NBD, the limit the BG/NBD and
Pareto/NBD reach when nobody seems to leave) or from the historical estimate, P(alive) is 1 for everybody and
would empty the risk view. `activity_from_silence` then gives a stated heuristic instead: P(active) is 100 %
right after a purchase and halves with every "usual gap" of silence, the usual gap being the customer's own
average time between purchases (recency / repeat purchases) or, for a one-time buyer, the base's lapse threshold:

    P(active) = 2^(-(T - recency) / usual gap),

so a customer is "at risk" (below 50 %) once she has been silent for longer than her usual gap. Her CLV then
does not contain that probability (it is her value if still active), and the value at risk is clv x (1 - p).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.customer_table import check_table, numeric
from clv_lib.insights.rfm_segments import quintile_scores
from clv_lib.insights.wording import check_language

QUADRANTS = ("high_value_active", "high_value_at_risk", "low_value_active", "low_value_at_risk")
QUADRANT_NAMES = {
    "en": {
        "high_value_active": "High value, active",
        "high_value_at_risk": "High value, at risk",
        "low_value_active": "Lower value, active",
        "low_value_at_risk": "Lower value, at risk",
    },
    "it": {
        "high_value_active": "Alto valore, attivi",
        "high_value_at_risk": "Alto valore, a rischio",
        "low_value_active": "Valore minore, attivi",
        "low_value_at_risk": "Valore minore, a rischio",
    },
}
ALIVE_THRESHOLD = 0.5
MAX_RISK_MULTIPLIER = 99.0


def activity_from_silence(frequency, recency, T, lapse_periods: float) -> np.ndarray:
    """P(active) = 2^(-(T - recency) / usual gap) per customer (see the module notes): the usual gap is
    recency / frequency for repeat buyers and `lapse_periods` for one-time buyers (all in the summary's unit)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    if not lapse_periods > 0:
        raise ModelInputError(f"activity from silence: the lapse threshold must be > 0, got {lapse_periods}")
    gap = np.where((x > 0) & (t_x > 0), t_x / np.maximum(x, 1.0), float(lapse_periods))
    return np.exp2(-np.maximum(T - t_x, 0.0) / gap)


def value_at_risk(clv, prob_alive, *, max_multiplier: float = MAX_RISK_MULTIPLIER,
                  activity: str = "model") -> np.ndarray:
    """Return clv x (1 - p) / p per customer, with (1 - p) / p capped at `max_multiplier` and 0 where p = 0;
    with `activity="silence"` (the CLV is the value if still active, p the silence heuristic), clv x (1 - p).

    `clv` is in the report currency, `prob_alive` in [0, 1]; the result is in the currency of `clv`.
    """
    clv = np.asarray(clv, dtype="float64")
    p = np.asarray(prob_alive, dtype="float64")
    if clv.shape != p.shape:
        raise ModelInputError("value at risk: clv and prob_alive have different lengths")
    if not (np.isfinite(clv).all() and np.isfinite(p).all()):
        raise ModelInputError("value at risk: clv and prob_alive must be finite")
    if ((p < 0) | (p > 1)).any():
        raise ModelInputError(f"value at risk: {int(((p < 0) | (p > 1)).sum())} probabilities outside [0, 1]")
    if activity == "silence":
        return clv * (1.0 - p)
    multiplier = np.minimum((1.0 - p) / np.where(p > 0, p, 1.0), max_multiplier)
    return np.where(p > 0, clv * multiplier, 0.0)


@dataclass(frozen=True)
class RiskView:
    """Quadrant assignment of every customer and the thresholds used.

    ``customers``: indexed by customer id, columns ``value``, ``prob_alive``, ``value_at_risk``,
    ``high_value``, ``at_risk`` and ``quadrant`` (ordered Categorical over QUADRANTS).
    ``summary``: one row per quadrant (all four, in QUADRANTS order): ``quadrant``, ``name``, ``customers``,
    ``customer_share``, ``value``, ``value_share``, ``value_at_risk``, ``mean_prob_alive`` (0 when empty).
    """

    customers: pd.DataFrame
    summary: pd.DataFrame
    value_col: str
    value_threshold: float
    alive_threshold: float
    activity: str = "model"  # "model": P(alive) of the model; "silence": the heuristic of `activity_from_silence`


def risk_view(
    customers: pd.DataFrame,
    *,
    value_col: str = "clv_12m",
    prob_alive_col: str = "prob_alive",
    clv_col: str = "clv_12m",
    value_threshold: float | None = None,
    alive_threshold: float = ALIVE_THRESHOLD,
    language: str = "en",
    activity: str = "model",
) -> RiskView:
    """Split customers into the four value x churn-risk quadrants.

    High value: `value_col` >= `value_threshold` (default: the top value quintile, see the module notes).
    At risk: `prob_alive_col` < `alive_threshold`. Value at risk uses `clv_col` (predicted CLV) and `activity`
    (what the probability is: "model" or "silence", see `value_at_risk`).
    """
    what = "value x risk"
    check_language(language)
    check_table(customers, [value_col, prob_alive_col, clv_col], what=what)
    value = numeric(customers, value_col, what=what)
    p = numeric(customers, prob_alive_col, what=what, lower=0, upper=1)
    clv = numeric(customers, clv_col, what=what)
    if not 0 < alive_threshold <= 1:
        raise ModelInputError(f"{what}: alive threshold {alive_threshold!r} is not in (0, 1]")
    if value_threshold is None:
        top = quintile_scores(value) == 5
        value_threshold = float(value[top].min()) if top.any() else float(np.inf)
    high = value >= value_threshold
    risky = p < alive_threshold
    keys = np.where(high, np.where(risky, "high_value_at_risk", "high_value_active"),
                    np.where(risky, "low_value_at_risk", "low_value_active"))
    table = pd.DataFrame({
        "value": value, "prob_alive": p, "value_at_risk": value_at_risk(clv, p, activity=activity),
        "high_value": high, "at_risk": risky,
        "quadrant": pd.Categorical(keys, categories=QUADRANTS, ordered=True),
    }, index=customers.index)
    grouped = table.groupby("quadrant", observed=False).agg(
        customers=("value", "size"), value=("value", "sum"), value_at_risk=("value_at_risk", "sum"),
        mean_prob_alive=("prob_alive", "mean"))
    grouped["mean_prob_alive"] = grouped["mean_prob_alive"].fillna(0.0)
    grouped["customer_share"] = grouped["customers"] / len(table)
    total = value.clip(min=0).sum()
    grouped["value_share"] = grouped["value"] / total if total > 0 else 0.0
    summary = grouped.rename_axis("quadrant").reset_index()
    summary["quadrant"] = summary["quadrant"].astype(str)
    summary.insert(1, "name", summary["quadrant"].map(QUADRANT_NAMES[language]))
    summary = summary[["quadrant", "name", "customers", "customer_share", "value", "value_share",
                       "value_at_risk", "mean_prob_alive"]]
    return RiskView(table, summary, value_col, float(value_threshold), float(alive_threshold), activity)


def win_back_list(
    customers: pd.DataFrame,
    *,
    value_col: str = "clv_12m",
    prob_alive_col: str = "prob_alive",
    clv_col: str = "clv_12m",
    value_threshold: float | None = None,
    alive_threshold: float = ALIVE_THRESHOLD,
    top: int | None = None,
    extra_cols: tuple[str, ...] = ("revenue", "orders", "days_since_last_purchase"),
) -> pd.DataFrame:
    """Return the high-value, at-risk customers, largest value at risk first (ties by customer id).

    Columns: ``prob_alive``, ``value`` (of `value_col`), ``value_at_risk`` (of `clv_col`), plus those of
    `extra_cols` present in the table; at most `top` rows when given.
    """
    view = risk_view(customers, value_col=value_col, prob_alive_col=prob_alive_col, clv_col=clv_col,
                     value_threshold=value_threshold, alive_threshold=alive_threshold)
    chosen = view.customers[view.customers["quadrant"] == "high_value_at_risk"]
    result = chosen[["prob_alive", "value", "value_at_risk"]].copy()
    for column in extra_cols:
        if column in customers.columns:
            result[column] = customers.loc[result.index, column]
    ids = result.index.astype(str).to_numpy()
    order = np.lexsort((ids, -result["value_at_risk"].to_numpy()))
    result = result.iloc[order]
    if top is not None:
        if top < 0:
            raise ModelInputError(f"win-back list: top must be zero or positive, got {top}")
        result = result.head(top)
    return result
