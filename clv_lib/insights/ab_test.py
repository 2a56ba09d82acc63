"""A/B test design for a conversion or retention rate: power, sample size, minimum detectable effect, holdout.

The test compares a treated group with a holdout (control) group on a rate (share of customers who buy again,
renew, reactivate) with the two-sided two-proportion z-test, normal approximation, pooled variance under the
null, no continuity correction:

    power = Phi( (|p_t - p_c| - z_{1-alpha/2} sqrt(pbar qbar (1/n_c + 1/n_t))) / sqrt(p_c q_c / n_c + p_t q_t / n_t) )

with pbar = (n_c p_c + n_t p_t) / (n_c + n_t) and q = 1 - p; the required size for an allocation ratio
k = n_t / n_c is the closed form solved from it. Source: Fleiss, Levin & Paik (2003), *Statistical Methods for
Rates and Proportions*, 3rd ed., ch. 4; for equal groups it is R's ``power.prop.test``, and for small effects
it reduces to the rule of thumb n = 16 sigma^2 / delta^2 per group of Kohavi, Tang & Xu (2020), *Trustworthy
Online Controlled Experiments*, ch. 17 (alpha = 0.05, power = 0.8). Effects are absolute differences in the
rate (0.01 = one percentage point) and are taken as increases.

A segment gets an A/B design when a holdout share between `min_share` (5 %) and `max_share` (50 %), searched
on a 1 % grid from the smallest, detects the expected effect with the target power *and* leaves at least `min_events` (5) expected conversions and
non-conversions in the holdout, the usual condition for the normal approximation. Otherwise it is too small to
test: roll out and monitor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq
from scipy.stats import norm

from clv_lib.exceptions import ModelInputError

ALPHA = 0.05
POWER = 0.80
REFERENCE_HOLDOUT = 0.10
MIN_SHARE, MAX_SHARE = 0.05, 0.50
MIN_EVENTS = 5.0


def _check_rate(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 1):
        raise ModelInputError(f"A/B test: {name} must be a rate between 0 and 1, got {value!r}")
    return float(value)


def _check_levels(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise ModelInputError(f"A/B test: alpha must be between 0 and 1, got {alpha!r}")
    if not 0 < power < 1:
        raise ModelInputError(f"A/B test: power must be between 0 and 1, got {power!r}")


def achieved_power(p_control: float, p_treatment: float, n_control: float, n_treatment: float, *,
                   alpha: float = ALPHA) -> float:
    """Return the power of the two-sided two-proportion z-test for groups of the given sizes (see module)."""
    p_c, p_t = _check_rate("control rate", p_control), _check_rate("treatment rate", p_treatment)
    _check_levels(alpha, 0.5)
    if not (n_control > 0 and n_treatment > 0):
        raise ModelInputError("A/B test: both groups need at least one customer")
    pooled = (n_control * p_c + n_treatment * p_t) / (n_control + n_treatment)
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    se_alt = math.sqrt(p_c * (1 - p_c) / n_control + p_t * (1 - p_t) / n_treatment)
    z = norm.ppf(1 - alpha / 2)
    difference = abs(p_t - p_c)
    if se_alt == 0:
        return float(difference > z * se_null)
    return float(norm.cdf((difference - z * se_null) / se_alt))


def sample_size(p_control: float, effect: float, *, alpha: float = ALPHA, power: float = POWER,
                ratio: float = 1.0) -> tuple[float, float]:
    """Return (n_control, n_treatment), not rounded, to detect `effect` with treatment/control size `ratio`."""
    p_c = _check_rate("control rate", p_control)
    _check_levels(alpha, power)
    if not (effect > 0 and p_c + effect <= 1):
        raise ModelInputError(f"A/B test: effect {effect!r} must be positive and keep the rate at most 1")
    if not ratio > 0:
        raise ModelInputError(f"A/B test: allocation ratio must be positive, got {ratio!r}")
    p_t = p_c + effect
    pooled = (p_c + ratio * p_t) / (1 + ratio)
    z_a, z_b = norm.ppf(1 - alpha / 2), norm.ppf(power)
    root = z_a * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)) + z_b * math.sqrt(
        p_c * (1 - p_c) + p_t * (1 - p_t) / ratio)
    n_control = root ** 2 / effect ** 2
    return float(n_control), float(ratio * n_control)


def minimum_detectable_effect(p_control: float, n_control: float, n_treatment: float, *,
                              alpha: float = ALPHA, power: float = POWER) -> float:
    """Return the smallest absolute increase over `p_control` detected with the target power.

    When even the largest possible increase (to a rate of 1) is not detectable, returns that maximum,
    1 - p_control; compare with `power` to tell the two cases apart.
    """
    p_c = _check_rate("control rate", p_control)
    _check_levels(alpha, power)
    ceiling = 1.0 - p_c
    if ceiling <= 0:
        return 0.0
    if achieved_power(p_c, 1.0, n_control, n_treatment, alpha=alpha) < power:
        return ceiling
    return float(brentq(lambda d: achieved_power(p_c, p_c + d, n_control, n_treatment, alpha=alpha) - power,
                        1e-12, ceiling, xtol=1e-10))


@dataclass(frozen=True)
class TestDesign:
    """The A/B design for one segment.

    ``verdict``: ``ab_test`` or ``too_small`` (roll out and monitor). ``holdout_share``, ``control`` and
    ``treatment``: the smallest holdout (in steps of 1 %) that detects ``effect`` with the target power;
    0, 0 and all customers when too small. ``power``: the power of that design, or, when too small, of a
    `max_share` split. ``mde_at_reference``: the minimum detectable effect (absolute) with a
    ``reference_holdout`` (10 %) holdout, capped at 1 - baseline when nothing is detectable.
    """

    verdict: str
    customers: int
    baseline: float
    effect: float
    alpha: float
    target_power: float
    holdout_share: float
    control: int
    treatment: int
    power: float
    reference_holdout: float
    mde_at_reference: float


def design_test(
    customers: int,
    baseline: float,
    effect: float,
    *,
    alpha: float = ALPHA,
    power: float = POWER,
    reference_holdout: float = REFERENCE_HOLDOUT,
    min_share: float = MIN_SHARE,
    max_share: float = MAX_SHARE,
    min_events: float = MIN_EVENTS,
) -> TestDesign:
    """Design the holdout test of a segment of `customers` with rate `baseline` and expected absolute `effect`."""
    p_c = _check_rate("baseline", baseline)
    _check_levels(alpha, power)
    if not (isinstance(customers, (int,)) or float(customers).is_integer()) or customers < 0:
        raise ModelInputError(f"A/B test: the segment size must be a whole number of customers, got {customers!r}")
    customers = int(customers)
    if not 0 < min_share <= max_share < 1:
        raise ModelInputError(f"A/B test: need 0 < min share ({min_share}) <= max share ({max_share}) < 1")
    if not 0 < reference_holdout < 1:
        raise ModelInputError(f"A/B test: reference holdout {reference_holdout!r} is not in (0, 1)")
    effect = float(min(max(effect, 0.0), 1.0 - p_c))

    def split(share: float) -> tuple[int, int]:
        control = min(customers - 1, math.ceil(share * customers - 1e-9))
        return control, customers - control

    def power_at(share: float) -> float:
        control, treatment = split(share)
        if control < 1 or treatment < 1 or effect <= 0:
            return 0.0
        return achieved_power(p_c, p_c + effect, control, treatment, alpha=alpha)

    ref_control, ref_treatment = split(reference_holdout)
    if ref_control >= 1 and ref_treatment >= 1:
        mde = minimum_detectable_effect(p_c, ref_control, ref_treatment, alpha=alpha, power=power)
    else:
        mde = 1.0 - p_c

    rarity = min(p_c, 1 - p_c)
    events_share = min_events / (customers * rarity) if customers and rarity > 0 else math.inf
    lowest = max(min_share, events_share)
    steps = range(math.ceil(round(lowest * 100, 6)), math.floor(round(max_share * 100, 6)) + 1) \
        if lowest <= max_share else range(0)
    for step in steps:  # holdout shares on a 1 % grid, smallest first
        share = step / 100
        achieved = power_at(share)
        if achieved >= power:
            control, treatment = split(share)
            return TestDesign("ab_test", customers, p_c, effect, alpha, power, share, control, treatment,
                              achieved, reference_holdout, mde)
    return TestDesign("too_small", customers, p_c, effect, alpha, power, 0.0, 0, customers,
                      power_at(max_share), reference_holdout, mde)
