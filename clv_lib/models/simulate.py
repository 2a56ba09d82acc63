"""Customer summaries simulated from the models with known parameters: for validation tests and benchmarks.

Times are continuous inside the simulation and reported the way a transaction log reports them: in whole
periods (e.g. days), a repeat purchase at time u counting as period ceil(u), so `recency` and `T` are whole
numbers as in a summary built from dated orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _ages(n: int, T, rng) -> np.ndarray:
    """Observation lengths: a scalar, an array of n values, or a (low, high) range of whole periods."""
    if isinstance(T, tuple):
        return rng.integers(int(T[0]), int(T[1]) + 1, n).astype(float)
    return np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()


def _spend(x: np.ndarray, spend: tuple[float, float, float] | None, rng) -> np.ndarray | None:
    """Mean repeat-purchase value under the Gamma-Gamma model with (p, q, v); 0 without repeat purchases."""
    if spend is None:
        return None
    p, q, v = spend
    nu = rng.gamma(q, 1.0 / v, len(x))
    z = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / (nu * np.maximum(x, 1.0)))
    return np.where(x > 0, z, 0.0)


def _frame(x, t_x, T, held, holdout, monetary, whole_periods) -> pd.DataFrame:
    if whole_periods:
        recency = np.where(x > 0, np.minimum(np.maximum(np.ceil(t_x), 1.0), T), 0.0)
    else:
        recency = np.where(x > 0, t_x, 0.0)
    if holdout:
        out = pd.DataFrame({"frequency_cal": x, "recency_cal": recency, "T_cal": T,
                            "frequency_holdout": held, "duration_holdout": float(holdout)})
        if monetary is not None:
            out["monetary_value_cal"] = monetary
    else:
        out = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
        if monetary is not None:
            out["monetary_value"] = monetary
    out.index.name = "customer_id"
    return out


def _beta_geometric(n, r, alpha, a, b, T, holdout, spend, seed, whole_periods, *, leaves_at_first: bool):
    """The BG/NBD process (Poisson purchases at a Gamma rate, a Beta-geometric number of them before dropping out);
    with `leaves_at_first` a customer may also leave right after her first purchase (MBG/NBD)."""
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # repeat purchases made before dropping out: >= 1 (BG/NBD), >= 0 (MBG/NBD)
    allowed = rng.geometric(np.clip(p, 1e-12, 1.0)) - int(leaves_at_first)
    count = rng.poisson(lam * T)
    x = np.minimum(count, allowed).astype(float)
    # Given `count` arrivals in (0, T], the x-th arrival time is T * Beta(x, count - x + 1).
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(count - x + 1, 1)), 0.0)
    held = None
    if holdout:
        alive = count < allowed
        held = np.where(alive, np.minimum(rng.poisson(lam * holdout), allowed - count), 0).astype(float)
    return _frame(x, t_x, T, held, holdout, _spend(x, spend, rng), whole_periods)


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T=(30, 730), *, holdout: float = 0.0,
                   spend: tuple[float, float, float] | None = None, seed: int = 0,
                   whole_periods: bool = True) -> pd.DataFrame:
    """Simulate `n` BG/NBD customers observed for `T` periods (scalar, array or (low, high) whole-period range).

    With `holdout` > 0 returns a calibration/holdout frame (frequency_cal, recency_cal, T_cal,
    frequency_holdout, duration_holdout); otherwise a summary (frequency, recency, T). `spend` = (p, q, v) adds
    Gamma-Gamma mean repeat spend (monetary_value or monetary_value_cal). `whole_periods=False` keeps the
    exact (continuous) recency instead of the whole period of the last purchase.
    """
    return _beta_geometric(n, r, alpha, a, b, T, holdout, spend, seed, whole_periods, leaves_at_first=False)


def simulate_mbgnbd(n: int, r: float, alpha: float, a: float, b: float, T=(30, 730), *, holdout: float = 0.0,
                    spend: tuple[float, float, float] | None = None, seed: int = 0,
                    whole_periods: bool = True) -> pd.DataFrame:
    """Simulate `n` MBG/NBD customers: the BG/NBD process in which a customer may also leave right after her
    first purchase (at time 0), so she makes Geometric(p) - 1 >= 0 repeat purchases at most; as `simulate_bgnbd`."""
    return _beta_geometric(n, r, alpha, a, b, T, holdout, spend, seed, whole_periods, leaves_at_first=True)


def simulate_bgbb(n: int, alpha: float, beta: float, gamma: float, delta: float, n_periods: int = 6, *,
                  seed: int = 0) -> pd.DataFrame:
    """Simulate `n` BG/BB customers over `n_periods` discrete opportunities (FHS 2010): before each opportunity
    a customer leaves with probability theta ~ Beta(gamma, delta); while alive she transacts at each one with
    probability p ~ Beta(alpha, beta). Returns the distinct (frequency, recency, n_periods) patterns with their
    `weights` (customers), the way BG/BB data are summarised."""
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive_for = np.minimum(rng.geometric(np.clip(theta, 1e-12, 1.0)) - 1, n_periods)  # opportunities alive
    x = np.zeros(n)
    last = np.zeros(n)
    for k in range(1, n_periods + 1):  # one pass per opportunity, all customers at once
        buys = (alive_for >= k) & (rng.random(n) < p)
        x += buys
        last = np.where(buys, k, last)
    frame = pd.DataFrame({"frequency": x, "recency": last, "n_periods": float(n_periods)})
    return frame.value_counts().rename("weights").reset_index()


def simulate_pareto_nbd(n: int, r: float, alpha: float, s: float, beta: float, T=(30, 730), *,
                        holdout: float = 0.0, spend: tuple[float, float, float] | None = None,
                        seed: int = 0, whole_periods: bool = True) -> pd.DataFrame:
    """Simulate `n` Pareto/NBD customers; arguments and output as `simulate_bgnbd`."""
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    lifetime = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active = np.minimum(lifetime, T)
    x = rng.poisson(lam * active).astype(float)
    t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    held = None
    if holdout:
        held = rng.poisson(lam * np.clip(np.minimum(lifetime, T + holdout) - T, 0, None)).astype(float)
    return _frame(x, t_x, T, held, holdout, _spend(x, spend, rng), whole_periods)


def simulate_nbd(n: int, r: float, alpha: float, T=(30, 730), *, holdout: float = 0.0,
                 spend: tuple[float, float, float] | None = None, seed: int = 0,
                 whole_periods: bool = True) -> pd.DataFrame:
    """Simulate `n` NBD customers (Poisson purchases at rate lambda ~ Gamma(r, alpha), nobody drops out);
    arguments and output as `simulate_bgnbd`."""
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    lam = rng.gamma(r, 1.0 / alpha, n)
    x = rng.poisson(lam * T).astype(float)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    held = rng.poisson(lam * holdout).astype(float) if holdout else None
    return _frame(x, t_x, T, held, holdout, _spend(x, spend, rng), whole_periods)


def simulate_heavy_tailed(n: int, T=(30, 1095), *, heavy_share: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """A daily summary with a heavy tail of purchase rates, as large shops have (resellers, office buyers).

    Purchase days are Bernoulli with probability 1 - exp(-lambda) per day while alive; lambda ~ Gamma(0.4, 40
    days) for most customers and log-uniform between 0.2 and 3 a day for a `heavy_share` of them, who reach
    1,000 purchase days and more; lifetimes are exponential with rate mu ~ Gamma(0.5, 600 days). Frequency counts
    repeat purchase days, recency is the day of the last one, so frequency <= recency <= T as in a real summary.
    """
    rng = np.random.default_rng(seed)
    T = _ages(n, T, rng)
    heavy = rng.random(n) < heavy_share
    lam = np.where(heavy, np.exp(rng.uniform(np.log(0.2), np.log(3.0), n)), rng.gamma(0.4, 1.0 / 40.0, n))
    lifetime = rng.exponential(1.0 / np.maximum(rng.gamma(0.5, 1.0 / 600.0, n), 1e-300))
    days = np.floor(np.minimum(lifetime, T))
    x = rng.binomial(days.astype(np.int64), -np.expm1(-lam)).astype(float)
    # The last of x purchase days spread uniformly over the `days` days: the maximum of x uniform draws.
    last = np.ceil(days * rng.random(n) ** (1.0 / np.maximum(x, 1.0)))
    recency = np.where(x > 0, np.clip(last, x, days), 0.0)
    out = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    out.index.name = "customer_id"
    return out


def simulate_groups(simulator, params: dict, sizes: dict, *, column: str = "channel", seed: int = 0,
                    **options) -> pd.DataFrame:
    """Customers of several groups (e.g. acquisition channels), each simulated by `simulator` (e.g.
    `simulate_bgnbd`) with its own parameters: `params[level]` (keyword arguments), `sizes[level]` customers.
    The level is in `column`; customer ids run 0..n-1 across the groups."""
    parts = []
    for i, (level, size) in enumerate(sizes.items()):
        part = simulator(int(size), **params[level], seed=seed * 1000 + i, **options)
        part[column] = level
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.index.name = "customer_id"
    return out
