"""Maximum-likelihood estimation shared by every model: L-BFGS-B over the logarithms of the (positive)
parameters, a warm start from a fit on a sample for large data, and standard errors from the Hessian on the log
scale mapped back with the delta method. An optimum on the edge of the search box is a `BoundaryError` naming
the parameters at each end (often a limit model fits instead, see `clv_lib.models.limits`).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy import optimize

from clv_lib.exceptions import BoundaryError, ConvergenceError

# Objective over log-parameters: returns (negative log-likelihood, gradient) or just the value.
Objective = Callable[[np.ndarray], "float | tuple[float, np.ndarray]"]



@dataclass(frozen=True)
class MleResult:
    """The outcome of one maximum-likelihood fit, on the natural parameter scale."""

    params: np.ndarray
    log_likelihood: float
    standard_errors: np.ndarray
    log_covariance: np.ndarray | None
    n_iterations: int
    warnings: tuple[str, ...]
    customers: float = 1.0  # the `scale` of the fit (total weight), to turn its covariance into curvature


def wsum(weights: np.ndarray, values: np.ndarray) -> float:
    """Weighted sum of a vector, by numpy's own loop: BLAS dot products can stall for milliseconds when their
    threads compete with other processes for the cores, and a likelihood makes several per evaluation."""
    return float(np.einsum("i,i->", weights, values))


@functools.lru_cache(maxsize=1)
def _blas():
    """The process's BLAS thread pools (found once: looking them up costs milliseconds)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def fit_mle(neg_ll: Objective, starts: Sequence[Sequence[float]], model: str, *, jac: bool,
            log_bounds: tuple[float, float] = (-12.0, 12.0), gtol: float = 1e-7, hessian: bool = True,
            scale: float = 1.0, analytic_gradient: bool | None = None,
            names: Sequence[str] | None = None, warm: "MleResult | None" = None) -> MleResult:
    """Minimise `neg_ll` over log-parameters; return the optimum with Hessian SEs.

    The starts are tried in order until one converges inside the search box (the others are fallbacks). `warm`,
    a fit of the same model on a sample of the data (with its covariance), is tried first: BFGS from its optimum,
    with its curvature as the initial inverse Hessian, needs only a few of the full data's evaluations.

    `neg_ll(log_params)` returns the negative log-likelihood (and its gradient when `jac` is true); the
    optimiser sees it divided by `scale` (e.g. the number of customers), so its tolerances do not depend on
    the size of the data. Raises
    `ConvergenceError` when no start reaches a finite optimum or the best one sits on the search boundary
    (a parameter running off to 0 or infinity, i.e. the data cannot identify the model); that one is a
    `BoundaryError` naming the parameters (`names`) at each end.
    """
    # The search is over 2-4 numbers: BLAS threads only add hand-offs (about half of a small fit's time on this
    # 2-core machine), while the likelihood itself is numpy element-wise work that BLAS threads do not speed up.
    with _blas().limit(limits=1, user_api="blas"):
        return _fit_mle(neg_ll, starts, model, jac=jac, log_bounds=log_bounds, gtol=gtol, hessian=hessian,
                        scale=scale, analytic_gradient=analytic_gradient, names=names, warm=warm)


def _fit_mle(neg_ll: Objective, starts: Sequence[Sequence[float]], model: str, *, jac: bool,
             log_bounds: tuple[float, float], gtol: float, hessian: bool, scale: float,
             analytic_gradient: bool | None, names: Sequence[str] | None, warm: "MleResult | None") -> MleResult:
    best = _warm_search(neg_ll, warm, jac=jac, log_bounds=log_bounds, gtol=gtol, scale=scale)
    messages = []
    for start in starts if best is None else []:
        x0 = np.log(np.asarray(start, dtype=float))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                res = optimize.minimize(_finite(neg_ll, jac, scale), x0, jac=jac, method="L-BFGS-B",
                                        bounds=[log_bounds] * len(x0),
                                        options={"maxiter": 2000, "gtol": gtol, "ftol": 1e-13, "maxls": 50})
            except (ValueError, FloatingPointError, ArithmeticError) as exc:
                messages.append(str(exc))
                continue
        if not np.isfinite(res.fun):
            messages.append(res.message if isinstance(res.message, str) else str(res.message))
            continue
        if best is None or res.fun < best.fun:
            best = res
        if res.success and not _at_bound(res.x, log_bounds).any():
            break  # later starts are fallbacks for a failed or degenerate first search
    if best is None:
        raise ConvergenceError(f"{model}: the likelihood maximisation found no finite optimum ({'; '.join(messages)})")
    at_bound = _at_bound(best.x, log_bounds)
    if at_bound.any():
        low = np.isclose(best.x, log_bounds[0], atol=1e-3)
        names = list(names) if names is not None else list(range(len(best.x)))
        zero = tuple(names[i] for i in np.flatnonzero(low))
        infinity = tuple(names[i] for i in np.flatnonzero(at_bound & ~low))
        ends = ", ".join([f"{n} -> 0" for n in zero] + [f"{n} -> infinity" for n in infinity])
        raise BoundaryError(f"{model}: the likelihood is highest at the edge of the parameter space ({ends}): "
                            "the data cannot identify the model", params=dict(zip(names, np.exp(best.x))),
                            log_likelihood=-float(best.fun) * scale, at_zero=zero, at_infinity=infinity)
    notes = []
    if not best.success:
        notes.append(f"optimizer stopped early: {best.message}")
    # Differencing a gradient that is itself a finite difference amplifies noise: use function values then.
    from_gradient = jac if analytic_gradient is None else (jac and analytic_gradient)
    cov, ses, note = (_standard_errors(neg_ll, best.x, jac, from_gradient) if hessian
                      else (None, np.full(len(best.x), math.inf), None))
    if note:
        notes.append(note)
    return MleResult(params=np.exp(best.x), log_likelihood=-float(best.fun) * scale, standard_errors=ses,
                     log_covariance=cov, n_iterations=int(best.nit), warnings=tuple(notes), customers=scale)


def _warm_search(neg_ll: Objective, warm: "MleResult | None", *, jac: bool, log_bounds, gtol: float, scale: float):
    """BFGS from a sample fit's optimum with the sample's per-customer curvature as the initial inverse
    Hessian; None (so that the regular search runs) unless it converges strictly inside the search box."""
    if warm is None or warm.log_covariance is None or not jac:
        return None
    x0 = np.log(warm.params)
    hess_inv0 = (warm.log_covariance + warm.log_covariance.T) / 2 * warm.customers
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            res = optimize.minimize(_finite(neg_ll, jac, scale), x0, jac=True, method="BFGS",
                                    options={"gtol": gtol, "maxiter": 200, "hess_inv0": hess_inv0})
        except (ValueError, FloatingPointError, ArithmeticError, np.linalg.LinAlgError):
            return None
    inside = np.all(res.x > log_bounds[0] + 1e-3) and np.all(res.x < log_bounds[1] - 1e-3)
    return res if res.success and np.isfinite(res.fun) and inside else None


def _at_bound(x: np.ndarray, log_bounds: tuple[float, float]) -> np.ndarray:
    return np.isclose(x, log_bounds[0], atol=1e-3) | np.isclose(x, log_bounds[1], atol=1e-3)


def _finite(neg_ll: Objective, jac: bool, scale: float = 1.0) -> Objective:
    """Wrap the objective (divided by `scale`) so that a non-finite value reads as a very bad point, which
    L-BFGS-B backs off from."""
    def wrapped(theta):
        out = neg_ll(theta)
        if jac:
            value, grad = out
            if not np.isfinite(value) or not np.all(np.isfinite(grad)):
                return 1e300, np.zeros_like(theta)
            return value / scale, grad / scale
        return out / scale if np.isfinite(out) else 1e300
    return wrapped


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function `f` at `x`."""
    n = len(x)
    hess = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = step
        hess[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / step**2
        for j in range(i + 1, n):
            ej = np.zeros(n)
            ej[j] = step
            val = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step**2)
            hess[i, j] = hess[j, i] = val
    return hess


def gradient_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Hessian from forward differences of an analytic gradient, symmetrised (n + 1 gradient calls)."""
    n = len(x)
    hess = np.empty((n, n))
    g0 = grad(x)
    for i in range(n):
        e = np.zeros(n)
        e[i] = step
        hess[:, i] = (grad(x + e) - g0) / step
    return (hess + hess.T) / 2


def _standard_errors(neg_ll: Objective, x: np.ndarray, jac: bool, from_gradient: bool):
    """Covariance of the log-parameters (inverse Hessian) and natural-scale SEs by the delta method."""
    with np.errstate(all="ignore"):
        if from_gradient:
            hess = gradient_hessian(lambda t: neg_ll(t)[1], x)
        else:
            hess = numerical_hessian((lambda t: neg_ll(t)[0]) if jac else neg_ll, x)
    if not np.all(np.isfinite(hess)):
        return None, np.full(len(x), math.inf), "standard errors unavailable: the Hessian is not finite"
    try:
        np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return None, np.full(len(x), math.inf), "standard errors unavailable: the Hessian is not positive definite"
    cov = np.linalg.inv(hess)
    ses = np.exp(x) * np.sqrt(np.clip(np.diag(cov), 0, None))
    return cov, ses, None
