"""Limit models and the choice among candidates (clv_lib.models.limits, clv_lib.models.selection).

On customers simulated without drop-out (the NBD process) the BG/NBD, Pareto/NBD and MBG/NBD likelihoods are
highest where their drop-out vanishes: the fit says which parameters ran to which edge, and the NBD limit is
fitted, validated and chosen instead, close to the true purchase-rate parameters. On customers simulated with
drop-out no candidate runs to an edge. An edge that is not the no-drop-out one (a drop-out probability common to
everybody, a, b -> infinity together) is not taken for it: the NBD fits clearly worse there and the error stands.
"""

from __future__ import annotations

import numpy as np
import pytest

from clv_lib.exceptions import BoundaryError
from clv_lib.models import BetaGeoModel, ModifiedBetaGeoModel, NBDModel, ParetoNBDModel
from clv_lib.models.limits import fit_or_limit, near_edge
from clv_lib.models.selection import select_model
from clv_lib.models.simulate import simulate_bgnbd, simulate_nbd

TRUE_R, TRUE_ALPHA = 2.0, 120.0  # one purchase every 60 days on average, nobody leaves


@pytest.fixture(scope="module")
def no_dropout():
    return simulate_nbd(4000, TRUE_R, TRUE_ALPHA, T=(200, 730), holdout=240.0, seed=7)


@pytest.mark.parametrize("model, dropout_params", [(BetaGeoModel(), {"a", "b"}), (ParetoNBDModel(), {"s", "beta"}),
                                                   (ModifiedBetaGeoModel(), {"a", "b"})])
def test_without_dropout_the_models_reach_their_nbd_limit(no_dropout, model, dropout_params):
    summary = no_dropout.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    # The search runs to the edge, or stops on the flat likelihood within reach of it.
    try:
        edge = near_edge(type(model)().fit(summary))
    except BoundaryError as exc:
        edge = exc
    assert edge is not None and set(edge.at_zero + edge.at_infinity) & dropout_params
    limit = fit_or_limit(type(model)(), summary)
    assert isinstance(limit, NBDModel) and limit.limit_of_ == model.name
    assert "→" in limit.limit_reason_
    assert limit.params_["r"] == pytest.approx(TRUE_R, rel=0.15)
    assert limit.params_["alpha"] == pytest.approx(TRUE_ALPHA, rel=0.15)
    assert limit.log_likelihood_ >= edge.log_likelihood - 1.0


def test_selection_validates_the_limit_once_and_chooses_it(no_dropout):
    selection = select_model(no_dropout)
    table = selection.table
    assert list(table.index) == ["BG/NBD", "Pareto/NBD", "MBG/NBD", "NBD"]
    assert (table.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "status"] == "limit").all()
    assert (table.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "limit"] == "NBD").all()
    assert table.loc["NBD", "limit_of"] == "BG/NBD, Pareto/NBD, MBG/NBD"
    assert table.loc["NBD", "verdict"] == "pass" and np.isfinite(table.loc["NBD", "mae"])
    assert 0.3 < table.loc["NBD", "purchases_gini"] <= 1.0
    assert selection.best_name == "NBD" and isinstance(selection.best, NBDModel)
    assert "params_" not in vars(selection.best)
    assert [m.name for m in selection.ranked] == ["NBD"]


def test_with_dropout_no_candidate_runs_to_an_edge():
    frame = simulate_bgnbd(4000, 0.8, 40.0, 0.8, 2.5, T=(60, 730), holdout=240.0, seed=8)
    selection = select_model(frame)
    assert (selection.table["status"] == "fitted").all(), selection.table["reason"].to_dict()
    assert list(selection.table.index) == ["BG/NBD", "Pareto/NBD", "MBG/NBD"]
    assert selection.best_name in {"BG/NBD", "Pareto/NBD", "MBG/NBD"}
    assert len(selection.ranked) == 3


def test_a_common_dropout_probability_is_not_taken_for_no_dropout():
    # Everyone has the same drop-out probability 0.2: a, b grow together (a / (a + b) = 0.2), towards the edge,
    # but the NBD (no drop-out at all) fits far worse, so the BG/NBD stands.
    summary = simulate_bgnbd(4000, 1.0, 30.0, 2000.0, 8000.0, T=(60, 730), seed=9)
    fitted = fit_or_limit(BetaGeoModel(), summary)
    assert isinstance(fitted, BetaGeoModel) and near_edge(fitted) is not None
    p = fitted.params_["a"] / (fitted.params_["a"] + fitted.params_["b"])
    assert p == pytest.approx(0.2, rel=0.1)


def test_an_edge_where_the_nbd_fits_worse_stays_an_error(monkeypatch):
    summary = simulate_bgnbd(2000, 1.0, 30.0, 0.8, 2.5, T=(60, 730), seed=10)
    best = BetaGeoModel().fit(summary).log_likelihood_

    def at_the_edge(self, summary, weights=None):
        raise BoundaryError("BG/NBD: at the edge", params={}, log_likelihood=best, at_zero=(), at_infinity=("b",))

    monkeypatch.setattr(BetaGeoModel, "fit", at_the_edge)
    with pytest.raises(BoundaryError, match="fits clearly worse"):
        fit_or_limit(BetaGeoModel(), summary)
