"""Client data in a database, a warehouse or a large file: the aggregations run in the engine that holds it.

Modules: `connect` (the Ibis backend from the URL in an environment variable; errors that never show the URL),
`clean` (the orders cleaning rules as Ibis expressions, with the ledger), `orders` (`EngineOrders`: summaries,
KPIs, cohorts computed by the engine, one row per customer, month or cohort cell back), `source` (`FrameOrders`,
the same interface over the cleaned frame in memory), `load` (`load_engine_data`, what `clv_lib.data.load` calls
for `table:`/`sql:` sources and large local files), `load_demo` (put the demo orders into a database).
"""
