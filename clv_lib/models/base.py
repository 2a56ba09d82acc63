"""The shared machinery of the probabilistic models: fitted-state checks, input checks, weights, distinct rows
and the interface of the transaction models.

Every model maximises its log-likelihood (`clv_lib.models.mle`) on the distinct rows of its input only
(identical customers are collapsed into one row with a weight).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ClvError, ModelInputError, NotFittedError
from clv_lib.models.mle import MleResult, fit_mle, gradient_hessian, numerical_hessian, wsum  # noqa: F401

class BaseModel:
    """Base of every model: scikit-learn conventions (no work in ``__init__``, ``fit`` returns ``self``,
    fitted state ends with ``_``) and a clear `NotFittedError` when fitted state is read before ``fit``."""

    #: The paper's parameter names, in the order used by the optimiser.
    param_names: tuple[str, ...] = ()

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: fitted attributes (trailing underscore) before fit.
        if name.endswith("_") and not name.startswith("__"):
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit() before using {name!r}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        state = self.__dict__.get("params_")
        if state is None:
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in state.items())
        return f"{type(self).__name__}({shown})"

    def _check_fitted(self) -> None:
        if "params_" not in self.__dict__:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit() before predicting")

    def _param_array(self) -> np.ndarray:
        self._check_fitted()
        return np.array([self.params_[n] for n in self.param_names], dtype=float)

    def _store_fit(self, result: "MleResult", n_customers: float) -> None:
        self.params_ = dict(zip(self.param_names, (float(v) for v in result.params)))
        self.log_likelihood_ = float(result.log_likelihood)
        self.standard_errors_ = dict(zip(self.param_names, (float(v) for v in result.standard_errors)))
        self.log_param_covariance_ = result.log_covariance
        self.n_customers_ = float(n_customers)
        self.n_iterations_ = int(result.n_iterations)
        self.fit_warnings_ = list(result.warnings)

    def with_params(self, **params: float):
        """Return a copy of this model set to the given parameters (no fit): for tests and simulation studies."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update({k: v for k, v in self.__dict__.items() if not k.endswith("_")})
        missing = set(self.param_names) - set(params)
        if missing:
            raise ValueError(f"{type(self).__name__}.with_params needs {sorted(missing)}")
        values = np.array([float(params[n]) for n in self.param_names])
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ValueError(f"{type(self).__name__} parameters must be finite and > 0, got {params}")
        clone.params_ = {n: float(params[n]) for n in self.param_names}
        clone.log_likelihood_ = math.nan
        clone.standard_errors_ = {n: math.inf for n in self.param_names}
        clone.log_param_covariance_ = None
        clone.n_customers_ = 0.0
        clone.n_iterations_ = 0
        clone.fit_warnings_ = ["parameters set by hand, not estimated"]
        return clone


# ----------------------------------------------------------------------------------------------------------
# Inputs


def summary_columns(summary: pd.DataFrame, required: Sequence[str], model: str) -> dict[str, np.ndarray]:
    """Return the required columns of `summary` as float arrays; raise ModelInputError naming what is wrong."""
    if not isinstance(summary, pd.DataFrame):
        raise ModelInputError(f"{model}: expected a summary DataFrame, got {type(summary).__name__}")
    missing = [c for c in required if c not in summary.columns]
    if missing:
        raise ModelInputError(f"{model}: summary is missing column(s) {missing}; it has {list(summary.columns)}")
    if len(summary) == 0:
        raise ModelInputError(f"{model}: the summary has no customers")
    out = {}
    for col in required:
        try:
            values = pd.to_numeric(summary[col], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ModelInputError(f"{model}: column {col!r} is not numeric ({exc})") from None
        bad = ~np.isfinite(values)
        if bad.any():
            raise ModelInputError(f"{model}: column {col!r} has {int(bad.sum())} missing or infinite value(s)")
        if (values < 0).any():
            raise ModelInputError(f"{model}: column {col!r} has {int((values < 0).sum())} negative value(s)")
        out[col] = values
    return out


def check_rfm(cols: dict[str, np.ndarray], model: str) -> None:
    """Check the Fader-Hardie summary conventions: integer frequency, recency <= T, recency 0 when frequency 0."""
    x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
    if np.any(np.abs(x - np.round(x)) > 1e-9):
        raise ModelInputError(f"{model}: column 'frequency' must hold whole numbers of repeat purchases")
    # T = 0 is a customer acquired on the observation end day: no repeat purchase possible yet (x = t_x = 0).
    if np.any((T <= 0) & ((x > 0) | (t_x > 0))):
        raise ModelInputError(f"{model}: column 'T' must be > 0 for customers with repeat purchases "
                              f"({int(((T <= 0) & (x > 0)).sum())} are not)")
    over = t_x > T * (1 + 1e-9) + 1e-9
    if over.any():
        raise ModelInputError(f"{model}: {int(over.sum())} customer(s) have recency > T")
    odd = (x == 0) & (t_x > 0)
    if odd.any():
        raise ModelInputError(f"{model}: {int(odd.sum())} customer(s) have frequency 0 but recency > 0")
    zero_gap = (x > 0) & (t_x <= 0)
    if zero_gap.any():
        raise ModelInputError(f"{model}: {int(zero_gap.sum())} customer(s) have repeat purchases but recency 0")


def weights_of(summary: pd.DataFrame, weights, model: str) -> np.ndarray:
    """Return per-row weights: the `weights` argument, else a `weights` column, else ones."""
    if weights is None and "weights" in summary.columns:
        weights = summary["weights"]
    if weights is None:
        return np.ones(len(summary))
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != len(summary):
        raise ModelInputError(f"{model}: {w.shape[0]} weights for {len(summary)} summary rows")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ModelInputError(f"{model}: weights must be finite and >= 0")
    if w.sum() <= 0:
        raise ModelInputError(f"{model}: the weights add up to 0")
    return w


def collapse(columns: dict[str, np.ndarray], weights: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Merge identical rows (all columns equal) into one row whose weight is the sum of theirs."""
    names = list(columns)
    uniques, codes = unique_rows(*(columns[c] for c in names))
    summed = np.bincount(codes, weights=weights, minlength=len(uniques[0]))
    keep = summed > 0
    return {c: u[keep] for c, u in zip(names, uniques)}, summed[keep]


def unique_rows(*arrays: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the distinct combinations of the given equal-length arrays and the index mapping rows to them.

    Codes each column (whole numbers in a modest range, such as days, by subtraction; anything else by hash
    factorisation), combines the codes into one integer key and factorises that: a few linear passes, much
    faster than sorting rows or building a pandas MultiIndex on millions of customers.
    """
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    levels = []
    room = float(2**62)
    for array in arrays:
        codes, level = _column_codes(np.asarray(array, dtype=float), room)
        levels.append(level)
        room /= max(len(level), 1)
        key = key * len(level) + codes  # fits in int64: `room` tracks the product of the level counts
    codes, distinct = pd.factorize(key)
    out = []
    for level in reversed(levels):
        out.append(level[distinct % len(level)])
        distinct = distinct // len(level)
    return out[::-1], codes


def _column_codes(values: np.ndarray, room: float) -> tuple[np.ndarray, np.ndarray]:
    if len(values):
        low, high = float(values.min()), float(values.max())
        span = high - low + 1.0
        if np.isfinite(span) and span <= min(2**22, room) and np.array_equal(values, np.floor(values)):
            return (values - low).astype(np.int64), np.arange(span) + low
    codes, level = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(level, dtype=float)


# ----------------------------------------------------------------------------------------------------------
# Transaction models (BG/NBD, MBG/NBD, Pareto/NBD): one interface over frequency, recency and T


_PRESOLVE_ROWS = 20_000


class TransactionModel(BaseModel):
    """Shared interface of the "buy till you die" models of repeat purchases over an RFM summary.

    Subclasses provide the log-likelihood on collapsed rows and three closed forms: P(alive), the expected
    purchases of a customer known to be alive, and the population quantities for a new customer. All times
    (`t`, `recency`, `T`) are in the summary's time unit.
    """

    name = "transaction model"
    #: False for a model in which nobody drops out (the NBD): its P(alive) is 1 by construction.
    has_dropout = True
    #: False for a model in which every customer buys at the same rate (the Poisson).
    heterogeneous = True

    def __init__(self, *, min_customers: int = 10, min_repeat_buyers: int = 5):
        self.min_customers = min_customers
        self.min_repeat_buyers = min_repeat_buyers

    # -- fitting ------------------------------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit by maximum likelihood to `summary` (frequency, recency, T; optional weights); return self."""
        cols = self._read(summary)
        w = weights_of(summary, weights, self.name)
        self._check_enough(cols, w)
        rows, row_weights = collapse(cols, w)
        objective = self._objective(rows["frequency"], rows["recency"], rows["T"], row_weights)
        starts = self._starts(rows, row_weights)
        warm = self._presolve(rows, row_weights, starts) if len(row_weights) > 4 * _PRESOLVE_ROWS else None
        if warm is not None:
            starts = [tuple(warm.params)] + starts
        result = fit_mle(objective, starts, self.name, jac=True, scale=float(w.sum()),
                         analytic_gradient=self._analytic_gradient, names=self.param_names, warm=warm)
        self._store_fit(result, w.sum())
        return self

    #: False when `_objective` returns a finite-difference gradient (the Hessian then uses function values).
    _analytic_gradient = True

    def _presolve(self, rows: dict[str, np.ndarray], w: np.ndarray, starts) -> "MleResult | None":
        """A fit on a random sample of the customers (large data only): its optimum and curvature start the
        full-data search near the optimum, so that it needs few of its expensive iterations."""
        rng = np.random.default_rng(0)
        # A random sample of customers (rows drawn in proportion to their weights), duplicates merged.
        counts = np.bincount(rng.choice(len(w), size=_PRESOLVE_ROWS, p=w / w.sum()), minlength=len(w))
        pick = counts > 0
        sub = {k: v[pick] for k, v in rows.items()}
        objective = self._objective(sub["frequency"], sub["recency"], sub["T"], counts[pick].astype(float))
        try:
            return fit_mle(objective, starts, self.name, jac=True, scale=float(counts.sum()))
        except ClvError:
            return None

    def _read(self, summary: pd.DataFrame) -> dict[str, np.ndarray]:
        cols = summary_columns(summary, ("frequency", "recency", "T"), self.name)
        check_rfm(cols, self.name)
        return cols

    def _check_enough(self, cols: dict[str, np.ndarray], w: np.ndarray) -> None:
        n = float(w.sum())
        repeat = float(w[cols["frequency"] > 0].sum())
        if n < self.min_customers:
            raise ModelInputError(f"{self.name}: {n:g} customer(s) in the summary; at least {self.min_customers} "
                                  "are needed to fit the model")
        if repeat < self.min_repeat_buyers:
            what = "all customers are one-time buyers" if repeat == 0 else f"only {repeat:g} made a repeat purchase"
            raise ModelInputError(f"{self.name}: {what} (of {n:g}); at least {self.min_repeat_buyers} repeat "
                                  "buyers are needed to estimate purchase and drop-out rates")

    def _starts(self, rows: dict[str, np.ndarray], w: np.ndarray) -> list[tuple[float, ...]]:
        mean_x = float(np.average(rows["frequency"], weights=w))
        mean_T = float(np.average(rows["T"], weights=w))
        scale = mean_T / max(mean_x, 0.05)
        return [(1.0, scale, 1.0, 1.0), (0.3, scale * 0.3, 0.7, 2.5), (3.0, scale * 3.0, 3.0, 8.0)]

    # -- per-customer predictions -------------------------------------------------------------------------
    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at the end of observation | frequency, recency, T) per customer, in [0, 1]."""
        cols = self._read(summary)
        p = self._p_alive(cols["frequency"], cols["recency"], cols["T"])
        return pd.Series(np.clip(p, 0.0, 1.0), index=summary.index, name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: float, *, p_alive=None) -> pd.Series:
        """Expected repeat purchases of each customer in the next `t` periods after T (summary time unit);
        `p_alive`, when the caller has computed it already, saves computing it again."""
        path = self.expected_purchases_path(summary, [float(t)], p_alive=p_alive)
        return pd.Series(path[:, 0], index=summary.index, name="expected_purchases")

    def _patterns(self, summary: pd.DataFrame, times):
        """The checked prediction `times`, the summary's (frequency, recency, T) columns, its distinct (frequency, T)
        pairs and each customer's code among them: what the expected-purchase paths start from."""
        self._check_fitted()
        times = np.asarray(times, dtype=float).reshape(-1)
        if np.any(~np.isfinite(times)) or np.any(times < 0):
            raise ValueError(f"{self.name}: prediction times must be finite and >= 0, got {times}")
        cols = self._read(summary)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        patterns, codes = unique_rows(x, T)
        return times, (x, t_x, T), patterns, codes

    def expected_purchases_path(self, summary: pd.DataFrame, times, *, p_alive=None) -> np.ndarray:
        """Cumulative expected purchases of each customer at each future time in `times` (summary unit).

        Returns an array of shape (customers, len(times)). The alive-conditional part depends on frequency
        and T only, so it is computed once per distinct (frequency, T) pair.
        """
        times, (x, t_x, T), (ux, uT), codes = self._patterns(summary, times)
        alive_path = self._alive_path(times, ux, uT)
        p = np.clip(self._p_alive(x, t_x, T) if p_alive is None else np.asarray(p_alive, dtype=float), 0.0, 1.0)
        return p[:, None] * alive_path[codes]

    def expected_purchases_total(self, summary: pd.DataFrame, times) -> np.ndarray:
        """The summary's total expected purchases at each future time in `times` (the column sums of
        `expected_purchases_path`), without its customers x times array: P(alive) summed per distinct
        (frequency, T) pair, times each pair's path."""
        times, (x, t_x, T), (ux, uT), codes = self._patterns(summary, times)
        p = np.clip(self._p_alive(x, t_x, T), 0.0, 1.0)
        return np.bincount(codes, weights=p, minlength=len(ux)) @ self._alive_path(times, ux, uT)

    def discounted_purchases(self, summary: pd.DataFrame, times, weights, *, p_alive=None) -> np.ndarray:
        """Weighted sums of each customer's expected purchases per interval: out[i, j] = sum_k weights[k, j] *
        (E_i[Y(times[k])] - E_i[Y(times[k-1])]), times[-1] = 0 (summary unit).

        With weights = discount factors this is the discounted expected number of purchases (the CLV kernel);
        with ones up to a horizon it is the expected number of purchases. Computed on distinct (frequency, T)
        pairs and scaled by P(alive) (`p_alive`, when the caller has it already), so memory stays
        O(customers x columns).
        """
        self._check_fitted()
        times = np.asarray(times, dtype=float).reshape(-1)
        weights = np.asarray(weights, dtype=float).reshape(len(times), -1)
        return self._discounted(self._rfm_patterns(summary), times, weights, p_alive)

    def discounted_purchases_draws(self, summary: pd.DataFrame, times, weights, draws):
        """`discounted_purchases(summary, times, weights)` of each model in `draws` (copies of this model with other
        parameters, such as a parametric bootstrap's), one array per draw in turn: the summary is read and its
        distinct (frequency, T) pairs found once, not once per draw."""
        self._check_fitted()
        times = np.asarray(times, dtype=float).reshape(-1)
        weights = np.asarray(weights, dtype=float).reshape(len(times), -1)
        patterns = self._rfm_patterns(summary)
        for model in draws:
            yield model._discounted(patterns, times, weights, None)

    def _rfm_patterns(self, summary: pd.DataFrame) -> tuple:
        """The summary's frequency, recency and T, its distinct (frequency, T) pairs and each customer's pair."""
        cols = self._read(summary)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        (ux, uT), codes = unique_rows(x, T)
        return x, t_x, T, ux, uT, codes

    def _discounted(self, patterns: tuple, times: np.ndarray, weights: np.ndarray, p_alive) -> np.ndarray:
        x, t_x, T, ux, uT, codes = patterns
        if np.any(np.diff(times) <= 0):
            raise ClvError(f"{self.name}: prediction times must be increasing, got {times}")
        alive_path = self._alive_path(times, ux, uT)
        increments = np.diff(alive_path, axis=1, prepend=0.0)
        # A path may mix a closed form with its quadrature (clv_lib.models.hypergeometric), which agree to about
        # 1e-8: where purchases have levelled off it can step back by that much, which is rounding (clipped to 0).
        if np.any(increments < -1e-6 * (1.0 + alive_path)):
            raise ClvError(f"{self.name}: expected purchases fall between prediction times at parameters "
                           f"{self.params_}")
        per_pair = increments.clip(min=0.0) @ weights
        p = np.clip(self._p_alive(x, t_x, T) if p_alive is None else np.asarray(p_alive, dtype=float), 0.0, 1.0)
        out = per_pair[codes]
        out *= p[:, None]
        return out

    def _alive_path(self, times: np.ndarray, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Expected purchases at each of `times` of customers alive at T (rows: the given (x, T) pairs); the
        closed forms are finite and >= 0 by construction, and anything else is an error, never a silent 0."""
        path = self._expected_if_alive(times[None, :], x[:, None], T[:, None])
        bad = ~np.isfinite(path) | (path < -1e-9 * (1.0 + np.abs(path)))
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            raise ClvError(f"{self.name}: expected purchases could not be computed for {len(rows)} customer pattern(s) "
                           f"(e.g. frequency {x[rows[0]]:g}, T {T[rows[0]]:g}) at parameters {self.params_}")
        return path.clip(min=0.0)

    # -- population (a new customer) ------------------------------------------------------------------------
    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a newly acquired customer (array over `t`)."""
        self._check_fitted()
        return self._expected_new(np.asarray(t, dtype=float))

    def probability_purchases(self, n, t) -> np.ndarray:
        """P(exactly `n` repeat purchases in (0, t]) for a newly acquired customer (broadcast over n, t)."""
        self._check_fitted()
        n = np.asarray(n, dtype=float)
        if np.any(n < 0) or np.any(np.round(n) != n):
            raise ValueError(f"{self.name}: n must be whole numbers >= 0")
        return np.clip(self._pmf(n, np.asarray(t, dtype=float)), 0.0, 1.0)

    def expected_counts(self, summary: pd.DataFrame, n) -> np.ndarray:
        """Expected number of the summary's customers with exactly `n` repeat purchases over their own T
        (array over `n`): sum over customers of P(X(T_i) = n), computed once per distinct T."""
        uT, counts = np.unique(self._read(summary)["T"], return_counts=True)
        n = np.asarray(n, dtype=float)
        return counts @ self.probability_purchases(n.reshape(1, -1), uT[:, None]).reshape(len(uT), -1)

    # -- to implement ---------------------------------------------------------------------------------------
    def _objective(self, x, t_x, T, w):  # pragma: no cover - abstract
        raise NotImplementedError

    def _p_alive(self, x, t_x, T):  # pragma: no cover - abstract
        raise NotImplementedError

    def _expected_if_alive(self, t, x, T):  # pragma: no cover - abstract
        raise NotImplementedError

    def _expected_new(self, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def _pmf(self, n, t):  # pragma: no cover - abstract
        raise NotImplementedError
