"""sBG: the shifted-beta-geometric model of contract duration, Fader & Hardie (2007), "How to Project Customer
Retention", Journal of Interactive Marketing 21(1); valuation in Fader & Hardie (2010), "Customer-Base
Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1).

Each period a customer fails to renew with probability theta ~ Beta(alpha, beta), constant for her. A summary
has one row per customer (or per group, with `weights`): `tenure`, the number of periods she has been a
customer (1 = lost at the first renewal), and `churned`, True if she was lost at the end of that tenure and
False if she is still active (censored). `summary_from_survivors` builds it from a cohort's survivor counts.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special

from clv_lib.exceptions import ModelInputError
from clv_lib.models.base import BaseModel, collapse, summary_columns, weights_of
from clv_lib.models.mle import fit_mle
from clv_lib.models.hypergeometric import hyp2f1_1bc


def summary_from_survivors(survivors: Sequence[float]) -> pd.DataFrame:
    """sBG summary of one cohort from its survivor counts [n_0, n_1, ..., n_k] at the start of periods 0..k.

    n_(t-1) - n_t customers churned with tenure t (t = 1..k); the n_k still active are censored at tenure k.
    """
    counts = np.asarray(survivors, dtype=float)
    if counts.ndim != 1 or len(counts) < 2:
        raise ModelInputError("sBG: survivor counts need at least two periods (the cohort size and one more)")
    lost = counts[:-1] - counts[1:]
    if np.any(lost < 0) or np.any(counts < 0):
        raise ModelInputError("sBG: survivor counts must be >= 0 and never increase")
    k = len(counts) - 1
    rows = pd.DataFrame({"tenure": np.arange(1, k + 1), "churned": True, "weights": lost})
    rows = pd.concat([rows, pd.DataFrame({"tenure": [k], "churned": [False], "weights": [counts[-1]]})])
    return rows[rows["weights"] > 0].reset_index(drop=True)


#: alpha + beta of the geometric limit that `ShiftedBetaGeoModel.geometric` builds, and the size from which a model
#: counts as that limit (`is_geometric`): Beta(alpha, beta) then puts theta within a few thousandths of its mean.
GEOMETRIC_SIZE = 1e6
GEOMETRIC_MIN_SIZE = 1e4


class ShiftedBetaGeoModel(BaseModel):
    """The sBG model (FH 2007); fit(summary) with tenure, churned (+ optional weights). Periods are the
    contract periods (renewal opportunities) of the data, e.g. years or months."""

    param_names = ("alpha", "beta")
    name = "sBG"

    def __init__(self, *, min_customers: int = 10):
        self.min_customers = min_customers

    @classmethod
    def geometric(cls, theta: float, renewals: float) -> "ShiftedBetaGeoModel":
        """The sBG's geometric limit: one churn probability `theta` per renewal for everybody (alpha / (alpha +
        beta) = theta, alpha + beta huge), as estimated from `renewals` renewal opportunities. Its covariance
        carries theta's binomial sampling variance to (log alpha, log beta) by the delta method (a rank-one matrix;
        the tiny ridge keeps it factorable), so that intervals reflect this estimate too."""
        model = cls().with_params(alpha=theta * GEOMETRIC_SIZE, beta=(1 - theta) * GEOMETRIC_SIZE)
        grad = np.array([1 / theta, -1 / (1 - theta)])
        model.log_param_covariance_ = (theta * (1 - theta) / renewals) * np.outer(grad, grad) + 1e-12 * np.eye(2)
        return model

    @property
    def is_geometric(self) -> bool:
        """Whether the model is (in effect) the geometric limit: the same churn probability for everybody."""
        self._check_fitted()
        return self.params_["alpha"] + self.params_["beta"] >= GEOMETRIC_MIN_SIZE

    def fit(self, summary: pd.DataFrame, weights=None):
        """Fit by maximum likelihood (FH 2007, eq. 5 with censoring); return self."""
        tenure, churned = self._read(summary)
        w = weights_of(summary, weights, self.name)
        n_total, n_churned = float(w.sum()), float(w[churned].sum())
        if n_total < self.min_customers:
            raise ModelInputError(f"{self.name}: {n_total:g} customer(s); at least {self.min_customers} are needed")
        if n_churned == 0:
            raise ModelInputError(f"{self.name}: none of the {n_total:g} customers has churned, so retention cannot "
                                  "be estimated")
        if n_churned == n_total and np.all(tenure[w > 0] == 1):
            raise ModelInputError(f"{self.name}: every customer churned at the first renewal, so heterogeneity "
                                  "cannot be estimated")
        rows, row_w = collapse({"tenure": tenure, "churned": churned.astype(float)}, w)
        t, lost = rows["tenure"], rows["churned"] > 0

        def objective(theta):
            alpha, beta = np.exp(theta)
            log_b = special.betaln(alpha, beta)
            ll_lost = special.betaln(alpha + 1, beta + t - 1) - log_b
            ll_kept = special.betaln(alpha, beta + t) - log_b
            ll = row_w @ np.where(lost, ll_lost, ll_kept)
            # d/dalpha and d/dbeta through digammas
            d_ab = special.digamma(alpha + beta)
            dl_a = np.where(lost, special.digamma(alpha + 1) - special.digamma(alpha + beta + t),
                            special.digamma(alpha) - special.digamma(alpha + beta + t)) - special.digamma(alpha) + d_ab
            dl_b = np.where(lost, special.digamma(beta + t - 1), special.digamma(beta + t)) \
                - special.digamma(alpha + beta + t) - special.digamma(beta) + d_ab
            return -ll, -np.array([(row_w @ dl_a) * alpha, (row_w @ dl_b) * beta])

        starts = [(1.0, 1.0), (0.5, 3.0), (3.0, 10.0)]
        self._store_fit(fit_mle(objective, starts, self.name, jac=True, names=self.param_names), n_total)
        return self

    def _read(self, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        if "churned" not in getattr(summary, "columns", []):
            raise ModelInputError(f"{self.name}: summary is missing column 'churned'")
        tenure = summary_columns(summary, ("tenure",), self.name)["tenure"]
        if np.any(tenure < 1) or np.any(tenure != np.round(tenure)):
            raise ModelInputError(f"{self.name}: column 'tenure' must hold whole numbers of periods >= 1")
        churned = summary["churned"]
        if churned.isna().any():
            raise ModelInputError(f"{self.name}: column 'churned' has {int(churned.isna().sum())} missing value(s)")
        return tenure, churned.astype(bool).to_numpy()

    # -- curves ---------------------------------------------------------------------------------------------
    def survival(self, periods) -> np.ndarray:
        """S(t) = B(alpha, beta + t) / B(alpha, beta): share of a new cohort still customers after t renewals."""
        alpha, beta = self._param_array()
        t = np.asarray(periods, dtype=float)
        return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))

    def retention_rate(self, periods) -> np.ndarray:
        """r_t = (beta + t - 1) / (alpha + beta + t - 1): the share of period t-1's customers who renew at t
        (t >= 1); it rises with t as the cohort sorts itself (FH 2007, eq. 8)."""
        alpha, beta = self._param_array()
        t = np.asarray(periods, dtype=float)
        if np.any(t < 1):
            raise ValueError("retention rates are defined for periods t >= 1")
        return (beta + t - 1) / (alpha + beta + t - 1)

    def churn_probability(self, periods) -> np.ndarray:
        """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): probability of churning at renewal t >= 1."""
        alpha, beta = self._param_array()
        t = np.asarray(periods, dtype=float)
        return np.exp(special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta))

    # -- lifetime and value ---------------------------------------------------------------------------------
    def expected_residual_lifetime(self, tenure=0) -> np.ndarray:
        """Expected number of further renewals of a customer still active after `tenure` periods:
        (beta + tenure) / (alpha - 1). Infinite when alpha <= 1 (heavy tail of loyal customers): then a
        ValueError asks for a discounted or truncated measure (`derl`, `expected_renewals`)."""
        alpha, beta = self._param_array()
        if alpha <= 1:
            raise ValueError(f"{self.name}: alpha = {alpha:.3f} <= 1, so the expected lifetime is infinite; use "
                             "derl() or expected_renewals(tenure, horizon)")
        return (beta + np.asarray(tenure, dtype=float)) / (alpha - 1.0)

    def expected_renewals(self, tenure, horizon_periods: int) -> np.ndarray:
        """Expected renewals of a customer active after `tenure` periods within the next `horizon_periods`."""
        alpha, beta = self._param_array()
        n = np.asarray(tenure, dtype=float)[..., None]
        k = np.arange(1, int(horizon_periods) + 1)
        return np.exp(special.betaln(alpha, beta + n + k) - special.betaln(alpha, beta + n)).sum(axis=-1)

    def derl(self, tenure, discount_rate: float) -> np.ndarray:
        """Discounted expected residual lifetime (FH 2010, eq. 6) of a customer active after `tenure` periods,
        valued just before her next renewal: sum over t >= 0 of P(she makes that renewal and the next t) /
        (1 + d)^t, i.e. (beta+n)/(alpha+beta+n) 2F1(1, beta+n+1; alpha+beta+n+1; 1/(1+d)) with n = tenure.
        Multiply by the margin per period to get the residual value. `discount_rate` is per period, > 0."""
        alpha, beta = self._param_array()
        if not discount_rate > 0:
            raise ValueError("derl needs a discount_rate > 0 per period")
        n = np.asarray(tenure, dtype=float)
        return (beta + n) / (alpha + beta + n) * hyp2f1_1bc(beta + n + 1, alpha + beta + n + 1,
                                                            1.0 / (1.0 + discount_rate))
