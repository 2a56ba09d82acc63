"""Limit models: what to fit when a model's likelihood is highest at the edge of its parameter space.

A parameter running to 0 or infinity is usually a legitimate limit, not a failure. Two limits matter in practice:

- no drop-out: the BG/NBD and MBG/NBD with drop-out probability p -> 0 (a -> 0 or b -> infinity) and the
  Pareto/NBD with drop-out rate mu -> 0 (s -> 0 or beta -> infinity) are the NBD, in which customers buy at
  their own Poisson rates and nobody leaves;
- no heterogeneity: the NBD (and the models above) with r, alpha -> infinity at a fixed r / alpha is the
  homogeneous Poisson process, in which everybody buys at one rate (`clv_lib.models.poisson`).

`fit_or_limit` fits the model and, when it runs to such an edge, fits the limit instead (the NBD, then the Poisson
if the NBD runs to its own edge), provided the limit reaches the same likelihood (it is nested in the model as
that limit, so it cannot do better; if it does clearly worse, the edge was another one and the error stands).
"""

from __future__ import annotations

import numpy as np

from clv_lib.exceptions import BoundaryError
from clv_lib.models.base import TransactionModel
from clv_lib.models.nbd import NBDModel
from clv_lib.models.poisson import PoissonModel

#: Parameters whose limit removes drop-out: (those going to 0, those going to infinity), per model name.
DROPOUT_PARAMETERS = {
    "BG/NBD": (("a",), ("b",)),
    "MBG/NBD": (("a",), ("b",)),
    "Pareto/NBD": (("s",), ("beta",)),
}
#: Parameters of the Gamma mixing of purchase rates whose running to infinity removes heterogeneity (r / alpha
#: stays the mean rate), per model name.
HETEROGENEITY_PARAMETERS = {name: ("r", "alpha") for name in ("BG/NBD", "MBG/NBD", "Pareto/NBD", "NBD")}
#: A limit's log-likelihood may fall short of the value at the edge by this much (optimiser tolerance; a
#: likelihood-ratio statistic of 2 on the parameters that ran off is well within chance).
LIKELIHOOD_TOLERANCE = 1.0
#: A fitted parameter beyond e^9 (or below e^-9) counts as having run towards the edge (the search box is e^12).
NEAR_EDGE_LOG = 9.0


def dropout_vanishes(model_name: str, error: BoundaryError) -> bool:
    """True when the parameters that ran to the edge are those whose limit is "nobody drops out"."""
    to_zero, to_infinity = DROPOUT_PARAMETERS.get(model_name, ((), ()))
    return any(p in error.at_zero for p in to_zero) or any(p in error.at_infinity for p in to_infinity)


def heterogeneity_vanishes(model_name: str, error: BoundaryError) -> bool:
    """True when a parameter of the purchase-rate mixing ran to infinity: everybody buys at one rate."""
    return any(p in error.at_infinity for p in HETEROGENEITY_PARAMETERS.get(model_name, ()))


def fit_or_limit(model: TransactionModel, summary, weights=None) -> TransactionModel:
    """Fit `model` on `summary`; if its optimum is the no-drop-out or the no-heterogeneity edge, return its fitted
    limit instead (the NBD or the Poisson), whose `limit_of_` names the model (and `limit_reason_` says which
    parameters ran off). Other errors propagate.

    The edge is reached either exactly (a `BoundaryError`) or approximately: the likelihood is flat towards the
    limit, so the search may stop short of the box with those parameters still e^9 beyond 1 (`NEAR_EDGE_LOG`);
    both are checked against the limit's likelihood.
    """
    fitted = None
    try:
        fitted = model.fit(summary, weights)
    except BoundaryError as exc:
        edge = exc
        if not _has_limit(model.name, edge):
            raise
    else:
        edge = near_edge(fitted)
        if edge is None or not _has_limit(model.name, edge):
            return fitted
    limit, edges = _fit_limit(model, summary, weights, edge)
    best = max(e.log_likelihood for e in edges)
    if limit is None or limit.log_likelihood_ < best - LIKELIHOOD_TOLERANCE:
        if fitted is not None:
            return fitted  # near the edge, but with drop-out or heterogeneity that the data support: it stands
        if limit is None:
            raise edges[-1]
        raise BoundaryError(f"{edge}; the {limit.name} (its limit there) fits clearly worse (log-likelihood "
                            f"{limit.log_likelihood_:.1f} against {best:.1f}), so that edge is not a limit the "
                            "report can use", params=edge.params, log_likelihood=edge.log_likelihood,
                            at_zero=edge.at_zero, at_infinity=edge.at_infinity)
    limit.limit_of_ = model.name
    limit.limit_reason_ = "; ".join(dict.fromkeys(edge_text(e) for e in edges))
    return limit


def _has_limit(model_name: str, edge: BoundaryError) -> bool:
    return dropout_vanishes(model_name, edge) or heterogeneity_vanishes(model_name, edge)


def _fit_limit(model: TransactionModel, summary, weights, edge: BoundaryError):
    """The limit model at `edge`, fitted (None if even the NBD runs to an edge that is not the Poisson), and the
    edges met on the way (the model's, then the NBD's when it runs to its own)."""
    sizes = {"min_customers": model.min_customers, "min_repeat_buyers": model.min_repeat_buyers}
    edges = [edge]
    if dropout_vanishes(model.name, edge):
        nbd = None
        try:
            nbd = NBDModel(**sizes).fit(summary, weights)
        except BoundaryError as exc:
            nbd_edge = exc
        else:
            nbd_edge = near_edge(nbd)
            if nbd_edge is None or not heterogeneity_vanishes(nbd.name, nbd_edge):
                return nbd, edges
        if not heterogeneity_vanishes("NBD", nbd_edge):
            return None, edges + [nbd_edge]
        edges.append(nbd_edge)
        poisson = PoissonModel(**sizes).fit(summary, weights)
        if nbd is not None and poisson.log_likelihood_ < nbd.log_likelihood_ - LIKELIHOOD_TOLERANCE:
            return nbd, edges[:1]  # the NBD stopped near its edge, but the heterogeneity is real
        return poisson, edges
    return PoissonModel(**sizes).fit(summary, weights), edges


def near_edge(model: TransactionModel) -> BoundaryError | None:
    """The parameters of a fitted model that stopped within reach of the edge (log value beyond +-NEAR_EDGE_LOG),
    as a BoundaryError (not raised), or None. A closed-form fit (the Poisson) has no edge."""
    if isinstance(model, PoissonModel):
        return None
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
