"""Poisson: one purchase rate for everybody, nobody drops out; the NBD's limit as r, alpha -> infinity at r/alpha.

Independent anchors: the maximum-likelihood rate of a homogeneous Poisson process observed over exposures T_i
with x_i events is sum(x) / sum(T) (e.g. Cox & Lewis 1966, "The Statistical Analysis of Series of Events",
ch. 3), with Fisher information sum(T) / rate; here checked on a hand-computed table, against a numerical search
of the likelihood and against scipy's Poisson distribution. The NBD's likelihood (Fader, Hardie & Lee 2005,
eq. 6 with p = 0) converges to the Poisson's as r grows at a fixed r/alpha. On customers who all buy at one
rate the BG/NBD, Pareto/NBD, MBG/NBD and NBD all run to the edge, and the Poisson is fitted, validated and chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from clv_lib.exceptions import BoundaryError, ModelInputError, NotFittedError
from clv_lib.models import BetaGeoModel, ModifiedBetaGeoModel, NBDModel, ParetoNBDModel, PoissonModel
from clv_lib.models.limits import fit_or_limit
from clv_lib.models.nbd import log_likelihood as nbd_log_likelihood
from clv_lib.models.poisson import log_likelihood
from clv_lib.models.selection import select_model
from clv_lib.models.simulate import simulate_nbd

# Five customers: 2 + 0 + 5 + 1 + 3 = 11 repeat purchases over 100 + 50 + 200 + 80 + 170 = 600 days.
HAND = pd.DataFrame({"frequency": [2, 0, 5, 1, 3], "recency": [60, 0, 190, 30, 150], "T": [100, 50, 200, 80, 170]},
                    dtype=float)
HAND_RATE = 11 / 600
RATE = 1 / 60  # the simulated shop: one purchase every 60 days, the same for everybody


@pytest.fixture(scope="module")
def homogeneous():
    # Gamma(r, alpha) with r = 10^6: the rates differ by 0.1 %, i.e. one rate for everybody.
    return simulate_nbd(4000, 1e6, 1e6 / RATE, T=(200, 730), holdout=240.0, seed=7)


def _summary(frame):
    return frame.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})


def test_the_rate_is_total_purchases_over_total_exposure():
    model = PoissonModel(min_customers=1, min_repeat_buyers=1).fit(HAND)
    assert model.params_ == {"rate": pytest.approx(HAND_RATE, rel=1e-12)}
    expected_ll = 11 * np.log(HAND_RATE) - HAND_RATE * 600
    assert model.log_likelihood_ == pytest.approx(expected_ll, rel=1e-12)
    # A numerical search of the same likelihood finds the same rate.
    search = optimize.minimize_scalar(lambda log_rate: -log_likelihood(np.exp(log_rate), HAND["frequency"],
                                                                       HAND["T"]).sum(), bounds=(-10, 0),
                                      method="bounded", options={"xatol": 1e-10})
    assert np.exp(search.x) == pytest.approx(HAND_RATE, rel=1e-6)
    # Fisher information sum(T) / rate: standard error rate / sqrt(sum(x)).
    assert model.standard_errors_["rate"] == pytest.approx(HAND_RATE / np.sqrt(11), rel=1e-12)
    assert model.log_param_covariance_ == pytest.approx(np.array([[1 / 11]]))
    assert model.param_names == ("rate",) and not model.has_dropout and not model.heterogeneous


def test_weights_count_customers():
    doubled = PoissonModel(min_customers=1, min_repeat_buyers=1).fit(pd.concat([HAND, HAND.iloc[[2]]]))
    weighted = PoissonModel(min_customers=1, min_repeat_buyers=1).fit(HAND, weights=[1, 1, 2, 1, 1])
    assert weighted.params_["rate"] == pytest.approx(doubled.params_["rate"]) == pytest.approx(16 / 800)
    assert weighted.log_likelihood_ == pytest.approx(doubled.log_likelihood_)


def test_the_nbd_likelihood_converges_to_it_as_heterogeneity_vanishes():
    x, T = HAND["frequency"].to_numpy(), HAND["T"].to_numpy()
    poisson = log_likelihood(HAND_RATE, x, T).sum()
    gaps = [abs(nbd_log_likelihood(r, r / HAND_RATE, x, T).sum() - poisson) for r in (1e2, 1e4, 1e6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4
    # ... and at any finite r the NBD's own optimum is at least as high (it nests the Poisson).
    nbd = NBDModel(min_customers=1, min_repeat_buyers=1)
    try:
        assert nbd.fit(HAND).log_likelihood_ >= poisson - 1e-6
    except BoundaryError as edge:
        assert edge.log_likelihood == pytest.approx(poisson, abs=1e-2) and "alpha" in edge.at_infinity  # alpha = e^12


def test_predictions_are_the_same_for_everybody():
    model = PoissonModel().with_params(rate=0.02)
    assert (model.probability_alive(HAND) == 1.0).all()
    np.testing.assert_allclose(model.expected_purchases(HAND, 30.0), 0.6)
    path = model.expected_purchases_path(HAND, [10.0, 30.0, 90.0])
    np.testing.assert_allclose(path, np.tile([0.2, 0.6, 1.8], (len(HAND), 1)))
    np.testing.assert_allclose(model.expected_purchases_new([30.0, 90.0]), [0.6, 1.8])
    n = np.arange(40)
    np.testing.assert_allclose(model.probability_purchases(n, 365.0), stats.poisson.pmf(n, 0.02 * 365), rtol=1e-10)
    counts = model.expected_counts(HAND, np.arange(3))
    np.testing.assert_allclose(counts, stats.poisson.pmf(np.arange(3)[None, :], 0.02 * HAND[["T"]].to_numpy()).sum(0))


def test_checks_before_and_on_fit():
    with pytest.raises(NotFittedError):
        PoissonModel().params_  # noqa: B018
    with pytest.raises(ModelInputError, match="one-time buyers"):
        PoissonModel().fit(HAND.assign(frequency=0.0, recency=0.0).pipe(lambda s: pd.concat([s] * 3)))


@pytest.mark.parametrize("model", [BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel(), NBDModel()])
def test_without_heterogeneity_every_candidate_reaches_the_poisson(homogeneous, model):
    limit = fit_or_limit(model, _summary(homogeneous))
    assert isinstance(limit, PoissonModel) and limit.limit_of_ == model.name
    assert "alpha → ∞" in limit.limit_reason_
    assert limit.params_["rate"] == pytest.approx(RATE, rel=0.03)


def test_selection_validates_the_poisson_and_chooses_it(homogeneous):
    selection = select_model(homogeneous)
    table = selection.table
    assert list(table.index) == ["BG/NBD", "Pareto/NBD", "MBG/NBD", "Poisson"]
    assert (table.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "failure"] == "homogeneous").all()
    assert (table.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "limit"] == "Poisson").all()
    assert table.loc["Poisson", "limit_of"] == "BG/NBD, Pareto/NBD, MBG/NBD"
    assert table.loc["Poisson", "verdict"] == "pass"
    assert selection.best_name == "Poisson" and [m.name for m in selection.ranked] == ["Poisson"]


def test_heterogeneous_customers_keep_the_nbd():
    summary = _summary(simulate_nbd(4000, 2.0, 120.0, T=(200, 730), seed=7))
    limit = fit_or_limit(BetaGeoModel(), summary)
    assert isinstance(limit, NBDModel)
    assert PoissonModel().fit(summary).log_likelihood_ < limit.log_likelihood_ - 100
