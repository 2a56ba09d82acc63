"""How far a customer-level forecast can be trusted beyond its total: ranking power and calibration by decile.

Following Wang, Liu & Miao (2019), "A Deep Probabilistic Model for Customer Lifetime Value Prediction"
(arXiv:1912.07753), section 4.2:

- Normalised Gini. Customers are ranked by predicted value (highest first) and the cumulative share of the
  actual value they hold is drawn against their cumulative share of customers (the gain curve). The Gini is
  twice the area between that curve and the diagonal; divided by the Gini of the perfect ranking (by actual
  value) it is 1 for a forecast that orders customers exactly, 0 for one no better than random order.
- Decile calibration. The ranked customers are cut into ten groups of equal size and each group's mean
  predicted value is compared with its mean actual value.

Ties in the predictions (a baseline that predicts 0 for every one-time buyer, say) are ranked as their average
over every order of the tied customers: the gain curve is straight across a tie block, and a decile boundary
that falls inside a block takes the block's mean for its share of it. Both metrics are therefore a property of
the forecast, not of the row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DECILES = 10


def _ranked_blocks(predicted: np.ndarray, *series: np.ndarray):
    """Tie blocks of `predicted` (highest first): the cumulative customer count and the cumulative sum of each
    series at every block end, starting from 0."""
    predicted = np.asarray(predicted, dtype=float)
    if predicted.ndim != 1 or any(np.shape(s) != predicted.shape for s in series):
        raise ValueError("predicted and actual values must be 1-d arrays of the same length")
    if not (np.isfinite(predicted).all() and all(np.isfinite(s).all() for s in series)):
        raise ValueError("predicted and actual values must be finite")
    order = np.argsort(-predicted, kind="stable")
    ranked = predicted[order]
    ends = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True)) + 1  # block ends, as counts
    counts = np.concatenate([[0.0], ends.astype(float)])
    sums = [np.concatenate([[0.0], np.cumsum(np.asarray(s, dtype=float)[order])[ends - 1]]) for s in series]
    return counts, sums


def normalized_gini(actual, predicted, *, best: float | None = None) -> float:
    """Gini of the ranking by `predicted` over the Gini of the ranking by `actual` (NaN when the actual values
    are all equal, e.g. all zero: there is nothing to rank). `best`: `gini(actual, actual)`, when known."""
    actual = np.asarray(actual, dtype=float)
    model = gini(actual, predicted)
    best = gini(actual, actual) if best is None else best
    return model / best if best > 0 else float("nan")


def gini(actual: np.ndarray, predicted) -> float:
    """The (unnormalised) Gini of the ranking by `predicted`: twice the area between its gain curve of the
    `actual` values and the diagonal."""
    counts, (cumulative,) = _ranked_blocks(predicted, actual)
    total = cumulative[-1]
    if len(actual) == 0 or total <= 0:
        return 0.0
    share_x, share_y = counts / counts[-1], cumulative / total
    area = float(np.sum(np.diff(share_x) * (share_y[1:] + share_y[:-1]) / 2.0))  # exact for straight blocks
    return 2.0 * area - 1.0


def decile_table(predicted, actual, **others) -> pd.DataFrame:
    """Mean predicted and actual value (and of each other series, e.g. a baseline's predictions for the same
    customers) in the ten deciles of the ranking by `predicted`, 1 = highest predictions.

    Each decile holds a tenth of the customers; a decile boundary inside a tie block splits the block in
    proportion, so that decile takes the block's means for its part of it.
    """
    names = ["predicted", "actual", *others]
    values = [np.asarray(predicted, dtype=float), np.asarray(actual, dtype=float),
              *(np.asarray(v, dtype=float) for v in others.values())]
    n = len(values[0])
    if n == 0:
        raise ValueError("decile table: no customers")
    counts, sums = _ranked_blocks(values[0], *values)
    edges = np.linspace(0.0, n, DECILES + 1)
    table = {name: np.diff(np.interp(edges, counts, s)) / np.diff(edges) for name, s in zip(names, sums)}
    out = pd.DataFrame(table, index=pd.RangeIndex(1, DECILES + 1, name="decile"))
    out.insert(0, "customers", np.diff(edges))
    return out


def calibration_error(table: pd.DataFrame, column: str = "predicted") -> float:
    """Mean absolute gap between a decile table's `column` and its actual means, relative to the overall
    actual mean (0 = every decile on target; NaN when nothing was bought)."""
    mean = float(np.average(table["actual"], weights=table["customers"]))
    gap = float(np.average((table[column] - table["actual"]).abs(), weights=table["customers"]))
    return gap / mean if mean > 0 else float("nan")
