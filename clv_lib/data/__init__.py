"""Stage 2: load client exports, map their columns, parse values and clean them with a complete ledger."""
