"""Client data in a database, a warehouse or a large file: the aggregations run in the engine that holds it.

Modules: `connect` (the Ibis backend from the URL in an environment variable; errors that never show the URL),
`values` (how a column's text, dates and amounts are read by each engine, time zones converted, bad values NULL),
`clean` and `clean_subscriptions` (the orders and subscriptions cleaning rules as Ibis expressions, with the
ledger), `orders` (`EngineOrders`: summaries, KPIs, cohorts computed by the engine, one row per customer, month or
cohort cell back), `subscriptions` (`EngineSubscriptions`: MRR movements, retention, KPIs, current MRR, cohorts),
`source` (`FrameOrders`, `FrameSubscriptions`: the same interfaces over the cleaned frames in memory), `load`
(`load_engine_data`, what `clv_lib.data.load` calls for `table:`/`sql:` sources and large local files),
`load_demo` (put the demo orders and subscriptions into a database).
"""
