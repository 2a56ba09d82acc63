"""A/B test design: power, sample size, MDE, holdout (clv_lib.insights.ab_test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from clv_lib.exceptions import ModelInputError
from clv_lib.insights import ab_test as ab


def test_r_power_prop_test_worked_examples():
    """The examples of R's stats::power.prop.test help page (same formula for equal groups):
    power.prop.test(p1 = .50, p2 = .75, power = .90)  -> n = 76.7 per group
    power.prop.test(n = 50, p1 = .50, p2 = .75)       -> power = 0.7401659
    power.prop.test(n = 50, p1 = .5, power = .90)     -> p2 = 0.8026 (uniroot tolerance 1e-4)"""
    n_control, n_treatment = ab.sample_size(0.50, 0.25, power=0.90)
    assert n_control == pytest.approx(76.7, abs=0.05) and n_treatment == n_control
    assert ab.achieved_power(0.50, 0.75, 50, 50) == pytest.approx(0.7401659, abs=1e-6)
    assert 0.5 + ab.minimum_detectable_effect(0.5, 50, 50, power=0.90) == pytest.approx(0.8026, abs=1e-3)


def test_kohavi_rule_of_thumb_for_small_effects():
    """Kohavi, Tang & Xu (2020), ch. 17 (and Kohavi et al. 2009, section 3.2): n = 16 sigma^2 / delta^2 per
    variant for alpha 0.05 and power 0.8, sigma^2 = p (1 - p) for a rate. At a 5 % conversion rate and a 5 %
    relative change (delta = 0.0025) that is 121,600; the exact formula must agree within 1 %."""
    n_control, _ = ab.sample_size(0.05, 0.05 * 0.05)
    assert n_control == pytest.approx(16 * 0.05 * 0.95 / 0.0025 ** 2, rel=0.01)


def test_sample_size_and_mde_are_inverse_and_unequal_groups_cost_more():
    for ratio in (1.0, 4.0, 9.0):
        n_control, n_treatment = ab.sample_size(0.2, 0.03, ratio=ratio)
        assert ab.achieved_power(0.2, 0.23, n_control, n_treatment) == pytest.approx(0.8, abs=1e-9)
        assert ab.minimum_detectable_effect(0.2, n_control, n_treatment) == pytest.approx(0.03, abs=1e-7)
    balanced = sum(ab.sample_size(0.2, 0.03))
    assert sum(ab.sample_size(0.2, 0.03, ratio=9.0)) > 2.5 * balanced  # a 10 % holdout needs far more customers


def test_simulated_power_of_an_unequal_design():
    """Monte Carlo check of the power formula for a 15 % holdout: 20,000 simulated z-tests."""
    n_control, n_treatment, p_c, p_t = 900, 5100, 0.20, 0.245
    expected = ab.achieved_power(p_c, p_t, n_control, n_treatment)
    rng = np.random.default_rng(11)
    x_c = rng.binomial(n_control, p_c, size=20_000)
    x_t = rng.binomial(n_treatment, p_t, size=20_000)
    pooled = (x_c + x_t) / (n_control + n_treatment)
    z = (x_t / n_treatment - x_c / n_control) / np.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    simulated = np.mean(np.abs(z) > norm.ppf(0.975))
    assert simulated == pytest.approx(expected, abs=0.015)


def test_design_picks_the_smallest_sufficient_holdout():
    design = ab.design_test(10_000, 0.20, 0.04)
    assert design.verdict == "ab_test"
    assert design.control + design.treatment == 10_000
    assert design.control == math.ceil(design.holdout_share * 10_000)
    assert design.power >= 0.8
    smaller = design.holdout_share - 0.01
    control = math.ceil(smaller * 10_000)
    assert ab.achieved_power(0.2, 0.24, control, 10_000 - control) < 0.8
    assert design.mde_at_reference == pytest.approx(ab.minimum_detectable_effect(0.2, 1000, 9000))


def test_large_segments_use_the_minimum_holdout_and_small_ones_are_too_small():
    big = ab.design_test(50_000, 0.20, 0.04)
    assert big.verdict == "ab_test" and big.holdout_share == ab.MIN_SHARE
    small = ab.design_test(300, 0.20, 0.04)
    assert small.verdict == "too_small"
    assert (small.holdout_share, small.control, small.treatment) == (0.0, 0, 300)
    assert small.power < 0.8
    assert 0 < small.mde_at_reference <= 0.8
    tiny = ab.design_test(3, 0.3, 0.5)
    assert tiny.verdict == "too_small" and tiny.mde_at_reference == pytest.approx(0.7)


def test_rare_baselines_need_enough_expected_events_in_the_holdout():
    design = ab.design_test(2_000, 0.01, 0.05)
    assert design.verdict == "ab_test"
    assert design.control * 0.01 >= ab.MIN_EVENTS  # 5 / (2,000 x 1 %) = 25 % holdout
    assert design.holdout_share == pytest.approx(0.25)
    assert ab.design_test(300, 0.0, 0.05).verdict == "too_small"


@pytest.mark.parametrize("call, message", [
    (lambda: ab.achieved_power(1.2, 0.5, 10, 10), "control rate"),
    (lambda: ab.achieved_power(0.2, 0.3, 0, 10), "at least one customer"),
    (lambda: ab.sample_size(0.9, 0.2), "effect"),
    (lambda: ab.sample_size(0.2, 0.1, power=1.0), "power"),
    (lambda: ab.design_test(100.5, 0.2, 0.1), "whole number"),
    (lambda: ab.design_test(100, 0.2, 0.1, min_share=0.6), "min share"),
])
def test_invalid_inputs(call, message):
    with pytest.raises(ModelInputError, match=message):
        call()
