"""The analysis pipeline: runs the stages once, in order, for one client and period (see `base.py`).

    analysis = analysis_for(client, params, period, language, root)
    analysis.customers        # the customer table (predictions, segments, actions)
    analysis.data.ledger      # what cleaning did to every row

One class per business model: `OrdersAnalysis` (transactional) and `SubscriptionAnalysis` (subscription).
"""

from __future__ import annotations

from pathlib import Path

from clv_lib.params import ClientParams, Period


def analysis_for(client: str, params: ClientParams, period: Period | None, language: str, root: Path):
    """The analysis object for the params' business model (no work is done until its results are used)."""
    if params.business_model == "subscription":
        from clv_lib.pipeline.subscriptions import SubscriptionAnalysis

        return SubscriptionAnalysis(client, params, period, language, root)
    from clv_lib.pipeline.orders import OrdersAnalysis

    return OrdersAnalysis(client, params, period, language, root)
