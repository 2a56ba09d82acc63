"""BG/BB: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
Marketing Science 29(6).

Transactions can only happen at discrete opportunities (an annual event, a weekly issue). While alive, a
customer transacts at each opportunity with probability p ~ Beta(alpha, beta); before each opportunity she
drops out with probability theta ~ Beta(gamma, delta). A summary holds per customer (or per pattern, with
`weights`) the number of repeat transactions `frequency` (x), the opportunity of the last one `recency` (t_x, 0
when x = 0) and the number of opportunities observed `n_periods` (n). Equation numbers are the paper's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.exceptions import ModelInputError
from clv_lib.models.base import BaseModel, collapse, summary_columns, weights_of
from clv_lib.models.mle import fit_mle


class BetaGeoBetaBinomModel(BaseModel):
    """The BG/BB model (FHS 2010); fit(summary) with frequency, recency, n_periods (+ optional weights)."""

    param_names = ("alpha", "beta", "gamma", "delta")
    name = "BG/BB"

    def __init__(self, *, min_customers: int = 10, min_repeat_buyers: int = 5):
        self.min_customers = min_customers
        self.min_repeat_buyers = min_repeat_buyers

    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit by maximum likelihood (eq. 5); return self."""
        cols = self._read(summary)
        w = weights_of(summary, weights, self.name)
        n_total, repeat = float(w.sum()), float(w[cols["frequency"] > 0].sum())
        if n_total < self.min_customers:
            raise ModelInputError(f"{self.name}: {n_total:g} customer(s); at least {self.min_customers} are needed")
        if repeat < self.min_repeat_buyers:
            raise ModelInputError(f"{self.name}: only {repeat:g} of {n_total:g} customers transacted again; at least "
                                  f"{self.min_repeat_buyers} are needed")
        rows, row_w = collapse(cols, w)
        x, t_x, n = rows["frequency"], rows["recency"], rows["n_periods"]

        def objective(theta):
            params = np.exp(theta)
            ll, grad = log_likelihood(*params, x, t_x, n, gradient=True)
            return -float(row_w @ ll), -(grad @ row_w) * params

        starts = [(1.0, 1.0, 1.0, 1.0), (0.5, 2.0, 0.5, 3.0), (3.0, 1.0, 2.0, 6.0)]
        self._store_fit(fit_mle(objective, starts, self.name, jac=True, scale=n_total, names=self.param_names), n_total)
        return self

    def _read(self, summary: pd.DataFrame) -> dict[str, np.ndarray]:
        cols = summary_columns(summary, ("frequency", "recency", "n_periods"), self.name)
        x, t_x, n = cols["frequency"], cols["recency"], cols["n_periods"]
        for name, values in cols.items():
            if np.any(values != np.round(values)):
                raise ModelInputError(f"{self.name}: column {name!r} must hold whole numbers of opportunities")
        bad = (x > t_x) | (t_x > n) | ((x == 0) != (t_x == 0)) | (n < 1)
        if bad.any():
            raise ModelInputError(f"{self.name}: {int(bad.sum())} row(s) break 0 < frequency <= recency <= n_periods "
                                  "(recency 0 exactly when frequency 0)")
        return cols

    # -- predictions -----------------------------------------------------------------------------------------
    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at opportunity n+1 | x, t_x, n) per row (eq. 11)."""
        alpha, beta, gamma, delta = self._param_array()
        cols = self._read(summary)
        x, t_x, n = cols["frequency"], cols["recency"], cols["n_periods"]
        log_alive = (special.betaln(alpha + x, beta + n - x) - special.betaln(alpha, beta)
                     + special.betaln(gamma, delta + n + 1) - special.betaln(gamma, delta))
        p = np.exp(np.minimum(log_alive - log_likelihood(alpha, beta, gamma, delta, x, t_x, n), 0.0))
        return pd.Series(p, index=summary.index, name="p_alive")

    def expected_transactions(self, summary: pd.DataFrame, n_future: int) -> pd.Series:
        """Expected transactions of each row over the next `n_future` opportunities (eq. 13, as its sum)."""
        return pd.Series(self._future(summary, n_future, discount_rate=0.0), index=summary.index,
                         name="expected_transactions")

    def discounted_expected_transactions(self, summary: pd.DataFrame, discount_rate: float,
                                         n_future: int | None = None) -> pd.Series:
        """DERT: expected future transactions discounted at `discount_rate` per opportunity (eq. 14 as a sum);
        over all future opportunities when `n_future` is None (summed until the tail is below 1e-12)."""
        if not discount_rate > 0 and n_future is None:
            raise ValueError("an infinite horizon needs a discount_rate > 0")
        return pd.Series(self._future(summary, n_future, discount_rate), index=summary.index, name="dert")

    def _future(self, summary, n_future, discount_rate):
        alpha, beta, gamma, delta = self._param_array()
        cols = self._read(summary)
        x, t_x, n = cols["frequency"], cols["recency"], cols["n_periods"]
        log_l = log_likelihood(alpha, beta, gamma, delta, x, t_x, n)
        log_front = (special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
                     - special.betaln(gamma, delta) - log_l)
        total = np.zeros(len(x))
        k = 1
        log_d = np.log1p(discount_rate)
        while True:
            term = np.exp(log_front + special.betaln(gamma, delta + n + k) - k * log_d)
            total += term
            if n_future is not None and k >= n_future:
                break
            # The terms decrease at least geometrically (ratio <= 1/(1+d)): stop when the tail is negligible.
            if n_future is None and np.all(term / discount_rate * (1 + discount_rate) <= 1e-12 * np.maximum(total, 1e-300)):
                break
            k += 1
        return total

    def expected_transactions_new(self, n) -> np.ndarray:
        """E[X(n)]: expected transactions of a new customer in her first n opportunities (eq. 8, as its sum)."""
        alpha, beta, gamma, delta = self._param_array()
        n = np.atleast_1d(np.asarray(n, dtype=int))
        steps = np.arange(1, int(n.max(initial=0)) + 1)
        per_step = alpha / (alpha + beta) * np.exp(special.betaln(gamma, delta + steps) - special.betaln(gamma, delta))
        cumulative = np.concatenate([[0.0], np.cumsum(per_step)])
        return cumulative[n]

    def probability_transactions(self, x, n) -> np.ndarray:
        """P(X(n) = x) for a new customer (eq. 7), broadcast over x and n (all cells at once)."""
        alpha, beta, gamma, delta = self._param_array()
        x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(n, dtype=float))
        xs, ns = x.reshape(-1), n.reshape(-1)
        valid = (xs >= 0) & (xs <= ns)
        xs, ns = np.where(valid, xs, 0.0), np.where(valid, ns, 0.0)
        log_ab, log_gd = special.betaln(alpha, beta), special.betaln(gamma, delta)
        head = (_log_comb(ns, xs) + special.betaln(alpha + xs, beta + ns - xs) - log_ab
                + special.betaln(gamma, delta + ns) - log_gd)
        # Drop-out after opportunity i, x <= i < n: one column per i, masked outside that range.
        i = np.arange(int(ns.max(initial=0)))[None, :]
        inside = (i >= xs[:, None]) & (i < ns[:, None])
        ii = np.where(inside, i, xs[:, None])
        tail = (_log_comb(ii, xs[:, None]) + special.betaln(alpha + xs[:, None], beta + ii - xs[:, None]) - log_ab
                + special.betaln(gamma + 1, delta + ii) - log_gd)
        tail = np.where(inside, tail, -np.inf)
        out = np.exp(special.logsumexp(np.column_stack([head, tail]), axis=1))
        return np.where(valid, out, 0.0).reshape(x.shape)


def _log_comb(n, k):
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def log_likelihood(alpha, beta, gamma, delta, x, t_x, n, *, gradient: bool = False):
    """Eq. (5): log L(alpha, beta, gamma, delta | x, t_x, n) per row, the drop-out terms summed on the log scale.

    Parameters may be per-row arrays (broadcasting). With `gradient`, also returns the (4, rows) derivatives in
    (alpha, beta, gamma, delta): each term is a product of Beta-function ratios, so its log-derivatives are
    digamma differences, and the row's derivative is their average weighted by the terms' shares.
    """
    alpha, beta, gamma, delta, x, t_x, n = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (alpha, beta, gamma, delta, x, t_x, n)))
    log_ab, log_gd = special.betaln(alpha, beta), special.betaln(gamma, delta)
    span = (n - t_x - 1).astype(int)
    # Term 0: alive at the end (purchase shapes (x, n - x), survival to n); term i + 1: dropped out after t_x + i.
    purchase_b = [beta + n - x] + [beta + t_x - x + i for i in range(int(span.max(initial=-1)) + 1)]
    dropout = [(gamma, delta + n)] + [(gamma + 1, delta + t_x + i) for i in range(len(purchase_b) - 1)]
    terms = np.vstack([special.betaln(alpha + x, pb) - log_ab + special.betaln(g, d) - log_gd
                       for pb, (g, d) in zip(purchase_b, dropout)])
    valid = np.vstack([np.ones(len(x), bool)] + [i <= span for i in range(len(purchase_b) - 1)])
    terms = np.where(valid, terms, -np.inf)
    ll = special.logsumexp(terms, axis=0)
    if not gradient:
        return ll
    share = np.exp(terms - ll)
    psi_ab, psi_gd = special.digamma(alpha + beta), special.digamma(gamma + delta)
    psi_ax = special.digamma(alpha + x)
    grad = np.zeros((4,) + ll.shape)
    for k, (pb, (g, d)) in enumerate(zip(purchase_b, dropout)):
        psi_all = special.digamma(alpha + x + pb)
        psi_gd_k = special.digamma(g + d)
        grad[0] += share[k] * (psi_ax - psi_all)
        grad[1] += share[k] * (special.digamma(pb) - psi_all)
        grad[2] += share[k] * (special.digamma(g) - psi_gd_k)
        grad[3] += share[k] * (special.digamma(d) - psi_gd_k)
    grad[0] += psi_ab - special.digamma(alpha)
    grad[1] += psi_ab - special.digamma(beta)
    grad[2] += psi_gd - special.digamma(gamma)
    grad[3] += psi_gd - special.digamma(delta)
    return ll, grad
