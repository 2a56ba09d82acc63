"""BG/BB against Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
Setting", Marketing Science 29(6): the 1995 donor cohort of a charity (11,104 donors, six annual repeat
opportunities 1996-2001) summarised as 22 recency/frequency patterns (tests/data/donations_bgbb.csv).

Published MLE (FHS 2010, section 4): alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783,
LL = -33,225.6. The prediction formulas are checked against their defining sums and eq. (14)'s closed form.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from clv_lib.exceptions import ModelInputError
from clv_lib.models import BetaGeoBetaBinomModel
from clv_lib.models.bgbb import log_likelihood as _log_likelihood

DONATIONS = Path(__file__).resolve().parent / "data" / "donations_bgbb.csv"


@pytest.fixture(scope="module")
def donations():
    return pd.read_csv(DONATIONS)


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinomModel().fit(donations)


def test_data_is_the_published_cohort(donations):
    assert donations["weights"].sum() == 11104
    assert len(donations) == 22


def test_donations_estimates_match_fhs_2010(fitted):
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert round(fitted.params_[name], 3) == pytest.approx(value, abs=1e-3), name
    assert round(fitted.log_likelihood_, 1) == pytest.approx(-33225.6, abs=0.05)
    assert all(0 < v < np.inf for v in fitted.standard_errors_.values())


def test_sequence_likelihoods_sum_to_one_over_all_patterns(fitted):
    # Each (x, t_x) pattern stands for C(t_x - 1, x - 1) binary sequences of length n with that likelihood.
    params = [fitted.params_[k] for k in fitted.param_names]
    for n in (1, 6, 11):
        total = 0.0
        for t_x in range(0, n + 1):
            for x in range(0 if t_x == 0 else 1, (0 if t_x == 0 else t_x) + 1):
                count = 1 if x == 0 else special.comb(t_x - 1, x - 1)
                total += count * np.exp(_log_likelihood(*params, np.array([x]), np.array([t_x]), np.array([n]))[0])
        assert total == pytest.approx(1.0, abs=1e-12)


def test_pmf_and_mean_of_a_new_donor(fitted):
    for n in (1, 6, 11):
        x = np.arange(0, n + 1)
        pmf = fitted.probability_transactions(x, n)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
        assert (x * pmf).sum() == pytest.approx(float(fitted.expected_transactions_new(n)[0]), rel=1e-12)


def test_dert_sum_matches_the_closed_form_of_eq_14(fitted, donations):
    alpha, beta, gamma, delta = (fitted.params_[k] for k in fitted.param_names)
    d = 0.10
    x, t_x, n = (donations[c].to_numpy(float) for c in ("frequency", "recency", "n_periods"))
    log_l = _log_likelihood(alpha, beta, gamma, delta, x, t_x, n)
    closed = (np.exp(special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
                     + special.betaln(gamma, delta + n + 1) - special.betaln(gamma, delta) - log_l)
              / (1 + d) * special.hyp2f1(1, delta + n + 1, gamma + delta + n + 1, 1 / (1 + d)))
    got = fitted.discounted_expected_transactions(donations, d)
    np.testing.assert_allclose(got.to_numpy(), closed, rtol=1e-9)
    # Without discounting over 5 opportunities: the holdout forecast, below the undiscounted infinite sum.
    five = fitted.expected_transactions(donations, 5)
    assert (five > 0).all() and (five < got / (1 + d) ** -5).all()


def test_p_alive_orders_patterns_sensibly(fitted, donations):
    p = fitted.probability_alive(donations).to_numpy()
    assert ((p > 0) & (p < 1)).all()
    best = donations.index[(donations.frequency == 6)][0]
    lapsed = donations.index[(donations.frequency == 1) & (donations.recency == 1)][0]
    assert p[best] > 0.9 > 0.1 > p[lapsed]


def test_invalid_patterns_raise():
    bad = pd.DataFrame({"frequency": [3], "recency": [2], "n_periods": [6], "weights": [20]})
    with pytest.raises(ModelInputError, match="frequency <= recency"):
        BetaGeoBetaBinomModel().fit(bad)
    zero = pd.DataFrame({"frequency": [0], "recency": [0], "n_periods": [6], "weights": [500]})
    with pytest.raises(ModelInputError, match="only 0 of 500"):
        BetaGeoBetaBinomModel().fit(zero)


def test_gradient_is_the_derivative_of_the_likelihood(donations):
    x, t_x, n, w = (donations[c].to_numpy(float) for c in ("frequency", "recency", "n_periods", "weights"))
    for params in ([1.204, 0.750, 0.657, 2.783], [3.0, 1.0, 0.2, 9.0], [0.3, 5.0, 2.0, 0.4]):
        params = np.array(params)
        _, grad = _log_likelihood(*params, x, t_x, n, gradient=True)
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-6 * params[k]
            central = (w @ _log_likelihood(*(params + step), x, t_x, n)
                       - w @ _log_likelihood(*(params - step), x, t_x, n)) / (2 * step[k])
            assert grad[k] @ w == pytest.approx(central, rel=1e-6, abs=1e-4), (params, k)


def test_pmf_cells_are_computed_together(fitted):
    grid = fitted.probability_transactions(np.arange(8)[:, None], np.array([[1, 3, 6]]))
    for i, x in enumerate(range(8)):
        for j, n in enumerate((1, 3, 6)):
            assert grid[i, j] == pytest.approx(float(fitted.probability_transactions(x, n)), rel=1e-12)
    assert (grid[4:, 0] == 0).all()
