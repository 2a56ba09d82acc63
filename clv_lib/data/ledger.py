"""The cleaning ledger: what every cleaning rule did to the rows read, so that nothing is dropped silently.

A `Ledger` holds one record per rule: rows affected, revenue affected (report currency), up to five example
source row numbers and the treatment. Treatments:

* `excluded` – the rows are removed (duplicates, unparsable values, cancelled/test orders, out-of-period dates);
* `netted`   – the rows are removed because their value was netted into another row (refunds, returns);
* `merged`   – the rows are removed because they were summed into another row (line items of one order);
* `converted` – the rows are kept with a changed value (currency conversion, customer id from the e-mail);
* `flagged`  – the rows are kept unchanged but worth knowing about (zero-value orders).

Invariant (checked by `check()` and by the property tests): rows read = rows kept + rows of every rule whose
treatment removes rows (excluded, netted, merged). `to_frame()` gives the table written as `data_quality.csv`:
columns `rule, treatment, rows, revenue, example_rows`, a `read` row and a `kept` row (treatment `total`) first.
Revenue is in the report currency after conversion (orders: amounts, `read` = every parsable amount with refunds
negative, `kept` = net revenue kept; subscriptions: MRR); rows whose amount cannot be parsed count as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import pandas as pd

from clv_lib.exceptions import DataError

REMOVING = ("excluded", "netted", "merged")
KEEPING = ("converted", "flagged")
TREATMENTS = REMOVING + KEEPING
COLUMNS = ["rule", "treatment", "rows", "revenue", "example_rows"]
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class RuleRecord:
    """What one rule did: `rows` affected, `revenue` affected (report currency), example source row numbers."""

    rule: str
    treatment: str
    rows: int
    revenue: float
    examples: tuple[int | str, ...] = ()

    @property
    def example_rows(self) -> str:
        """Example source row numbers as a spreadsheet shows them (header = row 1): "12, 57, 301"; for a database
        table, the example rows' key columns ("C102 / 1001")."""
        return ", ".join(str(r) for r in self.examples)


@dataclass
class Ledger:
    """The record of one file's cleaning: rows read, rows kept and one `RuleRecord` per rule that applied.

    `source` names the file in error messages; revenue is in the report currency (rows whose amount could not be
    parsed or converted count as 0).
    """

    source: str = ""
    rows_read: int = 0
    revenue_read: float = 0.0
    rows_kept: Optional[int] = None
    revenue_kept: float = 0.0
    records: list[RuleRecord] = field(default_factory=list)

    def read(self, rows: int, revenue: float) -> None:
        """Set the number of data rows in the file and their total revenue."""
        self.rows_read, self.revenue_read = int(rows), _money(revenue)

    def kept(self, rows: int, revenue: float) -> None:
        """Set the number of rows of the cleaned output and their total revenue."""
        self.rows_kept, self.revenue_kept = int(rows), _money(revenue)

    def record(self, rule: str, treatment: str, row_numbers: Iterable[int] | np.ndarray | pd.Series = (),
               revenue: float = 0.0, rows: Optional[int] = None, examples: Iterable[str] = ()) -> None:
        """Add what `rule` did to the rows with these source row numbers; nothing is added when no row is affected.

        `rows` overrides the count when it differs from the number of row numbers given (e.g. merged rows: every
        row of a multi-row order is an example, but one row per order stays). `examples` names rows that have no
        row number (a database table's key columns), used when no row number is given.
        """
        if treatment not in TREATMENTS:
            raise ValueError(f"unknown treatment {treatment!r} (one of {', '.join(TREATMENTS)})")
        numbers = np.asarray(pd.Series(row_numbers, dtype="float64").dropna(), dtype="int64")
        count = int(len(numbers) if rows is None else rows)
        if count == 0:
            return
        examples = tuple(int(r) for r in np.sort(np.unique(numbers))[:MAX_EXAMPLES]) or tuple(
            sorted({str(e) for e in examples})[:MAX_EXAMPLES])
        self.records.append(RuleRecord(rule, treatment, count, _money(revenue), examples))

    @property
    def rows_removed(self) -> int:
        """Rows removed by rules (excluded, netted or merged)."""
        return sum(r.rows for r in self.records if r.treatment in REMOVING)

    @property
    def rows_excluded(self) -> int:
        """Rows removed by exclusion rules only (not netted nor merged)."""
        return sum(r.rows for r in self.records if r.treatment == "excluded")

    def share(self, record: RuleRecord) -> float:
        """The rule's rows as a share of the rows read (0..1)."""
        return record.rows / self.rows_read if self.rows_read else 0.0

    def check(self) -> None:
        """Raise DataError when rows read != rows kept + rows removed by rules (a rule dropped rows silently)."""
        if self.rows_kept is None:
            raise DataError(f"{self.source}: the cleaning ledger has no 'kept' count")
        if self.rows_read != self.rows_kept + self.rows_removed:
            raise DataError(f"{self.source}: cleaning ledger does not add up: {self.rows_read:,} rows read != "
                            f"{self.rows_kept:,} kept + {self.rows_removed:,} removed by rules")

    def main_removal(self):
        """The record of the removing rule with the most rows, or None when no rule removed any."""
        removing = [r for r in self.records if r.treatment in REMOVING]
        return max(removing, key=lambda r: r.rows) if removing else None

    def to_frame(self, with_share: bool = False) -> pd.DataFrame:
        """The ledger as `data_quality.csv` rows: read, kept (treatment `total`), then one row per rule."""
        rows = [("read", "total", self.rows_read, self.revenue_read, ""),
                ("kept", "total", self.rows_kept if self.rows_kept is not None else 0, self.revenue_kept, "")]
        rows += [(r.rule, r.treatment, r.rows, r.revenue, r.example_rows) for r in self.records]
        frame = pd.DataFrame(rows, columns=COLUMNS).astype(
            {"rule": object, "treatment": object, "rows": "int64", "revenue": "float64", "example_rows": object})
        if with_share:
            frame["share_of_rows"] = frame["rows"] / self.rows_read if self.rows_read else 0.0
        return frame

    def write_csv(self, path: str | Path) -> Path:
        """Write `to_frame()` as CSV (UTF-8, `,`, revenue with 2 decimals); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_frame().to_csv(path, index=False, float_format="%.2f")
        return path


def _money(value: float) -> float:
    """Revenue rounded to the cent; NaN/inf (nothing parsable) become 0 so no NaN reaches a report."""
    value = float(value)
    return round(value, 2) if np.isfinite(value) else 0.0
