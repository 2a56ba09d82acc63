"""Client data in a database, a warehouse or a large file: the cleaning rules run in the engine that holds it.

Modules: `connect` (the Ibis backend from the URL in an environment variable; errors that never show the URL),
`values` (how a column's text, dates and amounts are read by each engine, time zones converted, bad values NULL),
`clean` and `clean_subscriptions` (the orders and subscriptions cleaning rules as Ibis expressions, with the
ledger), `query` (running expressions: one-line errors, intermediate tables cached), `load` (`load_engine_data`,
what `clv_lib.data.load` calls for `table:`/`sql:` sources and large local files: the cleaned rows stay in the
engine as a lazy table, which `clv_lib.summary.sources` aggregates there), `load_demo` (put the demo orders and
subscriptions into a database).
"""
