"""Stage 1: the client's parameters file (schema, validation, reporting period)."""
