"""Segments of a subscription customer base by tenure, MRR and churn risk.

Rules, applied in this order (the first that holds wins, so every customer gets exactly one segment):

1. ``churned``: the customer has no active subscription at the observation end.
2. ``onboarding``: tenure below `onboarding_months` (3): the first months, when subscriptions churn most.
3. ``key_accounts_at_risk``: at risk and high MRR.
4. ``subscribers_at_risk``: at risk.
5. ``key_accounts``: high MRR.
6. ``loyal_subscribers``: tenure of at least `established_months` (12).
7. ``developing``: the rest (past onboarding, not yet established, standard MRR, not at risk).

High MRR: at least the 80th percentile of the active customers' MRR (the smallest MRR with 80 % of active
customers at or below it), and above the lowest MRR. Prices come in a few plan levels, so the boundary level
is included whole: with 25 % of customers on the top plan, all of them are high MRR; when everyone pays the
same, nobody is. At risk: P(alive) (the retention probability from the sBG model, or an
observed one) below `risk_threshold`; by default the mean P(alive) of the active customers, i.e. a churn
probability above the base rate, the usual rule for flagging customers at risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.customer_table import check_table, flags, numeric

SUBSCRIPTION_SEGMENTS = (
    "key_accounts", "loyal_subscribers", "developing", "onboarding", "key_accounts_at_risk", "subscribers_at_risk",
    "churned",
)
SUBSCRIPTION_SEGMENT_NAMES = {
    "en": {
        "key_accounts": "Key accounts", "loyal_subscribers": "Loyal subscribers",
        "developing": "Developing subscribers", "onboarding": "Onboarding",
        "key_accounts_at_risk": "Key accounts at risk", "subscribers_at_risk": "Subscribers at risk",
        "churned": "Churned",
    },
    "it": {
        "key_accounts": "Clienti chiave", "loyal_subscribers": "Abbonati fedeli",
        "developing": "Abbonati in consolidamento", "onboarding": "Nuovi abbonati", "key_accounts_at_risk": "Clienti chiave a rischio",
        "subscribers_at_risk": "Abbonati a rischio", "churned": "Ex abbonati",
    },
}
SUBSCRIPTION_SEGMENT_DESCRIPTIONS = {
    "en": {
        "key_accounts": "Active, past onboarding, in the top fifth by MRR, retention risk below average.",
        "loyal_subscribers": "Active for at least a year, standard MRR, retention risk below average.",
        "developing": "Past onboarding but not yet a year old, standard MRR, retention risk below average.",
        "onboarding": "Subscribed in the last few months, when the risk of cancelling is highest.",
        "key_accounts_at_risk": "Top-fifth MRR customers whose retention risk is above average.",
        "subscribers_at_risk": "Active customers whose retention risk is above average.",
        "churned": "Had a subscription and no longer have an active one.",
    },
    "it": {
        "key_accounts": "Attivi, oltre l'avviamento, nel quinto più alto per MRR, rischio di abbandono sotto la media.",
        "loyal_subscribers": "Attivi da almeno un anno, MRR nella norma, rischio di abbandono sotto la media.",
        "developing": "Oltre l'avviamento ma abbonati da meno di un anno, MRR nella norma, rischio sotto la media.",
        "onboarding": "Abbonati negli ultimi mesi, quando il rischio di disdetta è più alto.",
        "key_accounts_at_risk": "Clienti nel quinto più alto per MRR con un rischio di abbandono sopra la media.",
        "subscribers_at_risk": "Clienti attivi con un rischio di abbandono sopra la media.",
        "churned": "Avevano un abbonamento e oggi non ne hanno più uno attivo.",
    },
}


@dataclass(frozen=True)
class SubscriptionSegments:
    """Segment of every subscription customer and the thresholds used.

    ``customers``: indexed by customer id, columns ``tenure_band`` (short / medium / long), ``mrr_band``
    (high / standard), ``risk_band`` (at_risk / healthy / churned), ``segment`` (ordered Categorical over
    SUBSCRIPTION_SEGMENTS) and ``plan`` when the table has one.
    """

    customers: pd.DataFrame
    risk_threshold: float
    high_mrr_threshold: float
    onboarding_months: float
    established_months: float


def subscription_segments(
    customers: pd.DataFrame,
    *,
    tenure_col: str = "tenure_months",
    churned_col: str = "churned",
    mrr_col: str = "mrr",
    prob_alive_col: str = "prob_alive",
    plan_col: str | None = "plan",
    onboarding_months: float = 3.0,
    established_months: float = 12.0,
    risk_threshold: float | None = None,
    high_mrr_threshold: float | None = None,
) -> SubscriptionSegments:
    """Assign each subscription customer one segment by tenure (months), MRR and churn risk (see module notes).

    `risk_threshold` (a P(alive)) and `high_mrr_threshold` (report currency per month) override the defaults.
    """
    what = "subscription segments"
    check_table(customers, [tenure_col, churned_col, mrr_col, prob_alive_col], what=what)
    tenure = numeric(customers, tenure_col, what=what, lower=0)
    churned = flags(customers, churned_col, what=what)
    mrr = numeric(customers, mrr_col, what=what, lower=0)
    p = numeric(customers, prob_alive_col, what=what, lower=0, upper=1)
    if not 0 < onboarding_months <= established_months:
        raise ModelInputError(
            f"{what}: need 0 < onboarding months ({onboarding_months}) <= established months ({established_months})")
    active = ~churned
    if risk_threshold is None:
        risk_threshold = float(p[active].mean()) if active.any() else 0.0
    elif not 0 <= risk_threshold <= 1:
        raise ModelInputError(f"{what}: risk threshold {risk_threshold!r} is not in [0, 1]")
    if high_mrr_threshold is None:
        active_mrr = mrr[active]
        high_mrr_threshold = float("inf")
        if active_mrr.size and active_mrr.max() > active_mrr.min():
            level = float(np.quantile(active_mrr, 0.8, method="inverted_cdf"))
            high_mrr_threshold = level if level > active_mrr.min() else float(active_mrr[active_mrr > level].min())
    high = active & (mrr >= high_mrr_threshold)
    at_risk = active & (p < risk_threshold)
    onboarding = active & (tenure < onboarding_months)
    long_tenure = tenure >= established_months
    segment = np.select(
        [churned, onboarding, at_risk & high, at_risk, high, long_tenure],
        ["churned", "onboarding", "key_accounts_at_risk", "subscribers_at_risk", "key_accounts",
         "loyal_subscribers"],
        default="developing",
    )
    table = pd.DataFrame({
        "tenure_band": np.select([tenure < onboarding_months, ~long_tenure], ["short", "medium"], default="long"),
        "mrr_band": np.where(high, "high", "standard"),
        "risk_band": np.where(churned, "churned", np.where(at_risk, "at_risk", "healthy")),
        "segment": pd.Categorical(segment, categories=SUBSCRIPTION_SEGMENTS, ordered=True),
    }, index=customers.index)
    if plan_col is not None and plan_col in customers.columns:
        table["plan"] = customers[plan_col].astype(str).to_numpy()
    return SubscriptionSegments(table, float(risk_threshold), high_mrr_threshold,
                                float(onboarding_months), float(established_months))
