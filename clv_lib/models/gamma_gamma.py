"""Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", Journal of Marketing Research 42(4); Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
Value" (brucehardie.com note 025).

Each transaction's value is Gamma(p, nu) with nu ~ Gamma(q, v) across customers; a customer's observed mean
repeat-transaction value zbar over x transactions then has the density of note 025, eq. (3). Parameters p, q,
v (v in money). Fitted on repeat buyers with a positive mean spend; the model assumes spend is independent of
purchase frequency, which `frequency_spend_correlation_` lets a report check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.exceptions import ConvergenceError, ModelInputError
from clv_lib.models.base import BaseModel, collapse, summary_columns, unique_rows, weights_of
from clv_lib.models.mle import fit_mle, wsum


class GammaGammaModel(BaseModel):
    """The Gamma-Gamma model of average transaction value; fit(summary) with frequency, monetary_value."""

    param_names = ("p", "q", "v")
    name = "Gamma-Gamma"

    def __init__(self, *, min_repeat_buyers: int = 10):
        self.min_repeat_buyers = min_repeat_buyers

    def _usable(self, summary: pd.DataFrame, weights):
        """The summary's columns, the customer weights, the mask of the customers the spend model is fitted on
        (repeat buyers with a positive mean spend), their weight and the weight of the repeat buyers left out
        (no positive spend); ModelInputError when fewer than `min_repeat_buyers` are usable."""
        cols = summary_columns(summary, ("frequency", "monetary_value"), self.name)
        w = weights_of(summary, weights, self.name)
        repeat = cols["frequency"] > 0
        usable = repeat & (cols["monetary_value"] > 0)
        n_usable = float(w[usable].sum())
        if n_usable < self.min_repeat_buyers:
            raise ModelInputError(f"{self.name}: {n_usable:g} repeat buyer(s) with a positive mean spend; at least "
                                  f"{self.min_repeat_buyers} are needed to fit the spend model")
        return cols, w, usable, n_usable, float(w[repeat & ~usable].sum())

    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit by maximum likelihood on the customers with frequency > 0 and monetary_value > 0; return self.

        Raises ConvergenceError when the estimate has q <= 1, where the mean spend is infinite.
        """
        cols, w, usable, n_usable, n_excluded = self._usable(summary, weights)
        rows, row_w = collapse({"frequency": cols["frequency"][usable], "monetary_value": cols["monetary_value"][usable]},
                               w[usable])
        x, z = rows["frequency"], rows["monetary_value"]
        mean_z = float(np.average(z, weights=row_w))
        starts = [(1.0, 2.0, mean_z), (5.0, 3.0, 3 * mean_z), (0.5, 1.5, 0.5 * mean_z)]
        result = fit_mle(self._objective(x, z, row_w), starts, self.name, jac=True, log_bounds=(-15.0, 15.0),
                         names=self.param_names)
        self._store_fit(result, n_usable)
        self.n_excluded_ = n_excluded
        self.frequency_spend_correlation_ = _weighted_corr(cols["frequency"][usable], cols["monetary_value"][usable],
                                                           w[usable])
        if self.params_["q"] <= 1.0:
            q = self.params_["q"]
            raise ConvergenceError(f"{self.name}: estimated q = {q:.3f} <= 1, so the expected spend p*v/(q-1) is not "
                                   "finite (spend too heavy-tailed for the model); use the observed mean spend")
        return self

    @staticmethod
    def _objective(x, z, w):
        """Negative log-likelihood (note 025, eq. 3) and its gradient over log(p, q, v).

        The Gamma functions depend on the frequency only, so they are evaluated once per distinct frequency (a few
        hundred values, however many customers); the terms linear in p and q are sums fixed before the search.
        Each evaluation then makes one pass over the customers: log(v + x z) and 1 / (v + x z)."""
        (ux,), inv = unique_rows(x)
        wx = np.bincount(inv, weights=w, minlength=len(ux))  # weight of each distinct frequency
        total, spend = float(w.sum()), x * z
        log_z, log_spend = np.log(z), np.log(spend)
        s_log_z = wsum(w, log_z)
        w_x = w * x

        def objective(theta):
            # Per customer, only bounded terms are summed (log(x z / (v + x z)) <= 0, log(1 + x z / v) >= 0): sums
            # of large terms that cancel would make the optimum depend on the customers' order.
            p, q, v = np.exp(theta)
            pu = p * ux
            inv_vxz = 1.0 / (v + spend)
            share = log_spend - np.log(v + spend)
            growth = np.log1p(spend / v)
            s_share, s_growth = wsum(w_x, share), wsum(w, growth)
            ll = (wsum(wx, special.gammaln(pu + q) - special.gammaln(pu)) - total * special.gammaln(q)
                  + p * s_share - q * s_growth - s_log_z)
            d_pxq = special.digamma(pu + q)
            d_p = wsum(wx, ux * (d_pxq - special.digamma(pu))) + s_share
            d_q = wsum(wx, d_pxq) - total * special.digamma(q) - s_growth
            d_v = wsum(w, (q * spend / v - p * x) * inv_vxz)
            return -ll, -np.array([d_p * p, d_q * q, d_v * v])

        return objective

    def mean_spend(self) -> float:
        """Population mean transaction value E[M] = p v / (q - 1), in the data's money unit."""
        p, q, v = self._param_array()
        return float(p * v / (q - 1.0)) if q > 1 else float("inf")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[M | frequency, monetary_value] per customer (note 025, eq. 5): a weighted average of the
        population mean and the customer's own mean. Customers without repeat purchases get the population mean."""
        self._check_fitted()
        cols = summary_columns(summary, ("frequency", "monetary_value"), self.name)
        p, q, v = self._param_array()
        x = np.where(cols["monetary_value"] > 0, cols["frequency"], 0.0)
        spend = p * (v + x * cols["monetary_value"]) / (p * x + q - 1.0)
        return pd.Series(spend, index=summary.index, name="expected_spend")


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Weighted Pearson correlation; 0 when either variable is constant."""
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    cov = np.average((a - ma) * (b - mb), weights=w)
    va, vb = np.average((a - ma) ** 2, weights=w), np.average((b - mb) ** 2, weights=w)
    return float(cov / np.sqrt(va * vb)) if va > 0 and vb > 0 else 0.0
