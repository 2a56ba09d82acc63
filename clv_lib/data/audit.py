"""What every loaded dataset says about itself, whether cleaned in memory (`CleanData`) or in an engine
(`EngineData`): the ledger's row counts and the lines of the report's data appendix."""

from __future__ import annotations


class Audited:
    """Mixin for a loaded dataset with `kind`, `ledger`, `mapping`, `inferences`, `source` and `customers`."""

    @property
    def rows_read(self) -> int:
        return self.ledger.rows_read

    @property
    def rows_kept(self) -> int:
        return int(self.ledger.rows_kept or 0)

    def describe(self) -> list[str]:
        """Lines for the report's data appendix: source, mapping, inferences, counts."""
        lines = [f"source: {self.source.describe()}"]
        lines += [f"column {line}" for line in self.mapping.describe()]
        lines += [f"values {line}" for line in self.inferences]
        lines.append(f"rows: {self.rows_read:,} read, {self.rows_kept:,} {self.kind} kept, "
                     f"{self.customers:,} customers")
        return lines
