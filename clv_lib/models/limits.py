"""Limit models: what to fit when a model's likelihood is highest at the edge of its parameter space.

A parameter running to 0 or infinity is usually a legitimate limit, not a failure. The one that matters most in
practice is the absence of drop-out: the BG/NBD and MBG/NBD with drop-out probability p -> 0 (a -> 0 or
b -> infinity) and the Pareto/NBD with drop-out rate mu -> 0 (s -> 0 or beta -> infinity) are the NBD, in which
customers buy at their own Poisson rates and nobody leaves. `fit_or_limit` fits the model and, when it runs to
that edge, fits the NBD instead, provided the NBD reaches the same likelihood (it is nested in the model as that
limit, so it cannot do better; if it does clearly worse, the edge was another one and the error stands).
"""

from __future__ import annotations

import numpy as np

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
#: A fitted parameter beyond e^9 (or below e^-9) counts as having run towards the edge (the search box is e^12).
NEAR_EDGE_LOG = 9.0


def dropout_vanishes(model_name: str, error: BoundaryError) -> bool:
    """True when the parameters that ran to the edge are those whose limit is "nobody drops out"."""
    to_zero, to_infinity = DROPOUT_PARAMETERS.get(model_name, ((), ()))
    return any(p in error.at_zero for p in to_zero) or any(p in error.at_infinity for p in to_infinity)


def fit_or_limit(model: TransactionModel, summary, weights=None) -> TransactionModel:
    """Fit `model` on `summary`; if its optimum is the no-drop-out edge, return a fitted NBD instead, whose
    `limit_of_` names the model (and `limit_reason_` says which parameters ran off). Other errors propagate.

    The edge is reached either exactly (a `BoundaryError`) or approximately: the likelihood is flat as the
    drop-out vanishes, so the search may stop short of the box with those parameters still e^9 beyond 1
    (`NEAR_EDGE_LOG`); both are checked against the NBD's likelihood.
    """
    fitted = None
    try:
        fitted = model.fit(summary, weights)
    except BoundaryError as exc:
        edge = exc
        if not dropout_vanishes(model.name, edge):
            raise
    else:
        edge = near_edge(fitted)
        if edge is None or not dropout_vanishes(model.name, edge):
            return fitted
    limit = NBDModel(min_customers=model.min_customers, min_repeat_buyers=model.min_repeat_buyers)
    limit.fit(summary, weights)
    if limit.log_likelihood_ < edge.log_likelihood - LIKELIHOOD_TOLERANCE:
        if fitted is not None:
            return fitted  # near the edge, but with drop-out that the data support: the model stands
        raise BoundaryError(f"{edge}; the NBD (no drop-out) fits clearly worse (log-likelihood "
                            f"{limit.log_likelihood_:.1f} against {edge.log_likelihood:.1f}), so that edge is not "
                            "the no-drop-out limit", params=edge.params, log_likelihood=edge.log_likelihood,
                            at_zero=edge.at_zero, at_infinity=edge.at_infinity)
    limit.limit_of_ = model.name
    limit.limit_reason_ = edge_text(edge)
    return limit


def near_edge(model: TransactionModel) -> BoundaryError | None:
    """The parameters of a fitted model that stopped within reach of the edge (log value beyond +-NEAR_EDGE_LOG),
    as a BoundaryError (not raised), or None."""
    logs = {name: float(np.log(value)) for name, value in model.params_.items()}
    zero = tuple(n for n, v in logs.items() if v < -NEAR_EDGE_LOG)
    infinity = tuple(n for n, v in logs.items() if v > NEAR_EDGE_LOG)
    if not zero and not infinity:
        return None
    return BoundaryError(f"{model.name}: the likelihood is highest near the edge of the parameter space",
                         params=dict(model.params_), log_likelihood=model.log_likelihood_, at_zero=zero,
                         at_infinity=infinity)


def edge_text(error: BoundaryError) -> str:
    """The parameters at the edge, e.g. "a → 0, b → ∞"."""
    return ", ".join([f"{p} → 0" for p in error.at_zero] + [f"{p} → ∞" for p in error.at_infinity])
