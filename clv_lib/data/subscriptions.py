"""Clean a subscriptions export: the file's rows ingested (`clv_lib.data.ingest`) and cleaned by DuckDB with the one
Ibis implementation of the rules (`clv_lib.data.engines.clean_subscriptions`, where the rules are listed).

`clean_subscriptions(raw, mapping, spec, currency, timezone, observation_end)` returns the cleaned segments in
memory (one row per segment at constant price: `customer_id`, `subscription_id`, `plan`, `start_date`, `end_date`
(NaT = active at the observation end), `mrr` monthly in the report currency, `billing_interval_months`, and
`channel` when mapped), the ledger and how values were read.
"""

from __future__ import annotations

from clv_lib.data.orders import CleanResult


def clean_subscriptions(raw, mapping, spec, currency: str, timezone: str = "Europe/Rome", observation_end=None
                        ) -> CleanResult:
    """Clean `raw` (read by `read_table`) mapped by `mapping`, with the `data:` params `spec`."""
    import pandas as pd

    from clv_lib.data.engines.load import _segments_frame, clean_file_rows

    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    result, _con = clean_file_rows(raw, mapping, spec, currency, timezone, end, "subscription")
    return CleanResult(_segments_frame(result.table, raw.info, bool(mapping.get("channel"))), result.ledger,
                       result.inferences)
