"""Limit models: what to fit when a model's likelihood is highest at the edge of its parameter space.

A parameter running to 0 or infinity is usually a legitimate limit, not a failure. The one that matters most in
practice is the absence of drop-out: the BG/NBD and MBG/NBD with drop-out probability p -> 0 (a -> 0 or
b -> infinity) and the Pareto/NBD with drop-out rate mu -> 0 (s -> 0 or beta -> infinity) are the NBD, in which
customers buy at their own Poisson rates and nobody leaves. `fit_or_limit` fits the model and, when it runs to
that edge, fits the NBD instead, provided the NBD reaches the same likelihood (it is nested in the model as that
limit, so it cannot do better; if it does clearly worse, the edge was another one and the error stands).
"""

from __future__ import annotations

from clv_lib.exceptions import BoundaryError
from clv_lib.models.base import TransactionModel
from clv_lib.models.nbd import NBDModel

#: Parameters whose limit removes drop-out: (those going to 0, those going to infinity), per model name.
DROPOUT_PARAMETERS = {
    "BG/NBD": (("a",), ("b",)),
    "MBG/NBD": (("a",), ("b",)),
    "Pareto/NBD": (("s",), ("beta",)),
}
#: The NBD's log-likelihood may fall short of the value at the edge by this much (optimiser tolerance; a
#: likelihood-ratio statistic of 2 on the drop-out parameters is well within chance).
LIKELIHOOD_TOLERANCE = 1.0


def dropout_vanishes(model_name: str, error: BoundaryError) -> bool:
    """True when the parameters that ran to the edge are those whose limit is "nobody drops out"."""
    to_zero, to_infinity = DROPOUT_PARAMETERS.get(model_name, ((), ()))
    return any(p in error.at_zero for p in to_zero) or any(p in error.at_infinity for p in to_infinity)


def fit_or_limit(model: TransactionModel, summary, weights=None) -> TransactionModel:
    """Fit `model` on `summary`; if its optimum is the no-drop-out edge, return a fitted NBD instead, whose
    `limit_of_` names the model (and `limit_reason_` says which parameters ran off). Other errors propagate."""
    try:
        return model.fit(summary, weights)
    except BoundaryError as exc:
        if not dropout_vanishes(model.name, exc):
            raise
        limit = NBDModel(min_customers=model.min_customers, min_repeat_buyers=model.min_repeat_buyers)
        limit.fit(summary, weights)
        if limit.log_likelihood_ < exc.log_likelihood - LIKELIHOOD_TOLERANCE:
            raise BoundaryError(f"{exc}; the NBD (no drop-out) fits clearly worse (log-likelihood "
                                f"{limit.log_likelihood_:.1f} against {exc.log_likelihood:.1f}), so that edge is not "
                                "the no-drop-out limit", params=exc.params, log_likelihood=exc.log_likelihood,
                                at_zero=exc.at_zero, at_infinity=exc.at_infinity) from None
        limit.limit_of_ = model.name
        limit.limit_reason_ = ", ".join([f"{p} -> 0" for p in exc.at_zero] + [f"{p} -> infinity" for p in
                                                                              exc.at_infinity])
        return limit
