"""Where a loaded client's aggregations run: `order_source(data)` and `subscription_source(data)` give the
`EngineOrders` / `EngineSubscriptions` over the cleaned rows that the data layer left in their engine (DuckDB for a
local file; PostgreSQL, Spark or another Ibis backend for a table). Their methods return one row per customer,
month or cohort cell; the KPIs built on them are `clv_lib.insights.source_kpis`.
"""

from __future__ import annotations


def order_source(data):
    """The order aggregations of loaded data, in the engine holding the cleaned orders."""
    from clv_lib.summary.engine_orders import EngineOrders

    orders = EngineOrders(data.table, data.source.engine, data.source.display, has_channel=bool(data.mapping.get("channel")))
    orders.backend = data.backend
    return orders


def subscription_source(data):
    """The subscription aggregations of loaded data, in the engine holding the cleaned segments."""
    from clv_lib.summary.engine_subscriptions import EngineSubscriptions

    segments = EngineSubscriptions(data.table, data.source.engine, data.source.display,
                                   has_channel=bool(data.mapping.get("channel")))
    segments.backend = data.backend
    return segments
