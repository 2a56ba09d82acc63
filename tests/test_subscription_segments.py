"""Subscription segments by tenure, MRR and churn risk (clv_lib.insights.subscription_segments)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from clv_lib.exceptions import ModelInputError
from clv_lib.insights import subscription_segments as subs

# sBG retention, "regular" customers: alpha = 0.704, beta = 1.182 (Fader & Hardie 2007, "How to Project
# Customer Retention", Journal of Interactive Marketing 21(1), p. 81). Retention in period t:
# r(t) = (beta + t - 1) / (alpha + beta + t - 1), increasing with tenure.
ALPHA, BETA = 0.704, 1.182


def _base(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 36, size=n).astype(float)
    churned = rng.random(n) < 0.2
    retention = (BETA + tenure) / (ALPHA + BETA + tenure)
    return pd.DataFrame({
        "tenure_months": tenure, "churned": churned, "mrr": rng.choice([29.0, 49.0, 99.0, 299.0], size=n),
        "plan": rng.choice(["basic", "pro"], size=n), "prob_alive": np.where(churned, 0.0, retention),
    }, index=[f"s{i:04d}" for i in range(n)])


def test_every_combination_gets_exactly_one_segment_by_the_documented_order():
    rows = list(itertools.product([True, False], [1.0, 6.0, 24.0], [10.0, 500.0], [0.2, 0.95]))
    table = pd.DataFrame(rows, columns=["churned", "tenure_months", "mrr", "prob_alive"])
    result = subs.subscription_segments(table, risk_threshold=0.5).customers
    expected = []
    for churned, tenure, mrr, p in table.itertuples(index=False):
        if churned:
            expected.append("churned")
        elif tenure < 3:
            expected.append("onboarding")
        elif p < 0.5:
            expected.append("key_accounts_at_risk" if mrr == 500 else "subscribers_at_risk")
        elif mrr == 500:
            expected.append("key_accounts")
        elif tenure >= 12:
            expected.append("loyal_subscribers")
        else:
            expected.append("developing")
    assert result["segment"].astype(str).tolist() == expected
    assert set(result["segment"]) <= set(subs.SUBSCRIPTION_SEGMENTS)


def test_default_thresholds_on_an_sbg_base():
    table = _base()
    result = subs.subscription_segments(table)
    active = ~table["churned"]
    assert result.risk_threshold == pytest.approx(table.loc[active, "prob_alive"].mean())
    assert result.high_mrr_threshold == 299.0  # a quarter of customers on the top price: the level is kept whole
    high = result.customers["mrr_band"] == "high"
    assert (high == (active & (table["mrr"] == 299.0))).all()
    seg = result.customers["segment"]
    assert (seg == "churned").sum() == table["churned"].sum()
    # sBG retention grows with tenure, so every at-risk customer has a shorter tenure than any healthy one
    risky = result.customers["risk_band"] == "at_risk"
    healthy = result.customers["risk_band"] == "healthy"
    assert table.loc[risky, "tenure_months"].max() < table.loc[healthy, "tenure_months"].min()
    assert result.customers["plan"].tolist() == table["plan"].tolist()
    assert not result.customers.isna().any().any()


def test_high_mrr_is_the_top_fifth_and_never_the_lowest_price():
    continuous = _base(500).assign(mrr=np.arange(500.0) + 1, churned=False)
    high = subs.subscription_segments(continuous).customers["mrr_band"] == "high"
    assert high.sum() == 101  # inclusive 80th percentile of 500 distinct values
    flat = _base(50).assign(mrr=49.0)
    assert (subs.subscription_segments(flat).customers["mrr_band"] == "standard").all()
    majority_top = _base(50).assign(mrr=[10.0] * 10 + [99.0] * 40, churned=False)
    assert subs.subscription_segments(majority_top).high_mrr_threshold == 99.0


def test_invalid_inputs():
    table = _base(20)
    with pytest.raises(ModelInputError, match="churned"):
        subs.subscription_segments(table.assign(churned="maybe"))
    with pytest.raises(ModelInputError, match="tenure_months"):
        subs.subscription_segments(table.drop(columns="tenure_months"))
    with pytest.raises(ModelInputError, match="onboarding months"):
        subs.subscription_segments(table, onboarding_months=24)
    assert subs.subscription_segments(table.assign(churned=table["churned"].astype(int))).customers.shape[0] == 20


def test_texts_exist_in_both_languages():
    for texts in (subs.SUBSCRIPTION_SEGMENT_NAMES, subs.SUBSCRIPTION_SEGMENT_DESCRIPTIONS):
        assert set(texts["en"]) == set(texts["it"]) == set(subs.SUBSCRIPTION_SEGMENTS)
        assert all(text.strip() for lang in texts.values() for text in lang.values())


def test_keys_are_distinct_from_the_other_segment_families():
    from clv_lib.insights.risk import QUADRANTS
    from clv_lib.insights.rfm_segments import SEGMENTS
    from clv_lib.insights.value_tiers import TIERS
    families = [set(SEGMENTS), set(subs.SUBSCRIPTION_SEGMENTS), set(QUADRANTS), set(TIERS)]
    assert sum(len(f) for f in families) == len(set().union(*families))
