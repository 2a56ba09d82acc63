"""Clean an orders export: the file's rows ingested (`clv_lib.data.ingest`) and cleaned by DuckDB with the one
Ibis implementation of the rules (`clv_lib.data.engines.clean`, where the rules are listed, and `netting`).

`clean_orders(raw, mapping, spec, currency, timezone, observation_end)` returns the cleaned orders in memory (one
row per order: `customer_id`, `order_id`, `order_date`, `amount` net of refunds in the report currency, and
`status`, `quantity`, `channel` when mapped), the ledger and how values were read; what the report loads
(`clv_lib.data.load_client_data`) keeps the orders in DuckDB instead and checks there are enough of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clv_lib.data.ledger import Ledger


@dataclass
class CleanResult:
    """A cleaned frame, the ledger that explains it and the parsing inferences (one sentence each)."""

    frame: pd.DataFrame
    ledger: Ledger
    inferences: list[str]


def clean_orders(raw, mapping, spec, currency: str, timezone: str = "Europe/Rome", observation_end=None
                 ) -> CleanResult:
    """Clean `raw` (read by `read_table`) mapped by `mapping`, with the `data:` params `spec`."""
    from clv_lib.data.engines.load import _orders_frame, clean_file_rows

    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    result, _con = clean_file_rows(raw, mapping, spec, currency, timezone, end)
    return CleanResult(_orders_frame(result.table, raw.info, mapping), result.ledger, result.inferences)
