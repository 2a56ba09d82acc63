"""Cleaning-rule machinery shared by the orders and subscriptions pipelines: the live-row set that records every
removal in the ledger, the e-mail fallback for missing customer ids, the currency conversion rule, and the pipelines' result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.data.ledger import Ledger
from clv_lib.data.read import fold_labels
from clv_lib.exceptions import CurrencyError


@dataclass
class CleanResult:
    """A cleaned frame, the ledger that explains it and the parsing inferences (one sentence each)."""

    frame: pd.DataFrame
    ledger: Ledger
    inferences: list[str]


class RuleSet:
    """The live-row mask and the ledger, so that each rule removes rows only once and always records them."""

    def __init__(self, ledger: Ledger, rows: np.ndarray, value: np.ndarray):
        self.ledger, self.rows, self.value = ledger, rows, value
        self.alive = np.ones(len(rows), dtype=bool)

    def remove(self, mask, rule: str, treatment: str = "excluded") -> np.ndarray:
        hit = np.asarray(mask, dtype=bool) & self.alive
        self.ledger.record(rule, treatment, self.rows[hit], np.nansum(self.value[hit]))
        self.alive &= ~hit
        return hit

    def flag(self, mask, rule: str, treatment: str = "converted") -> None:
        hit = np.asarray(mask, dtype=bool) & self.alive
        self.ledger.record(rule, treatment, self.rows[hit], np.nansum(self.value[hit]))


def fold_label(label: str) -> str:
    """One status or interval label folded like `fold_labels` folds a column."""
    return fold_labels(pd.Series([label])).iloc[0]


def fill_customer_ids(rules: RuleSet, customer: pd.Series, email: pd.Series, spec) -> pd.Series:
    """Missing customer ids: e-mail fallback (converted) or exclusion; returns the completed ids."""
    missing = customer.isna().to_numpy()
    if not spec.email_fallback:
        rules.remove(missing, "missing customer id")
        return customer
    has_mail = email.notna().to_numpy()
    rules.remove(missing & ~has_mail, "missing customer id and e-mail")
    known = pd.DataFrame({"email": email, "customer": customer})[rules.alive & ~missing & has_mail]
    lookup = (known.groupby(["email", "customer"], sort=True).size().rename("n").reset_index()
              .sort_values(["email", "n"], ascending=[True, False], kind="stable")
              .drop_duplicates("email").set_index("email")["customer"])
    fill = missing & has_mail & rules.alive
    filled = customer.copy()
    known_ids = lookup.to_dict()
    filled[fill] = pd.array([known_ids.get(e, e) for e in email[fill]], dtype="string")
    rules.flag(fill, "customer id taken from the e-mail")
    return filled


def convert_currencies(rules: RuleSet, codes: pd.Series, rates: np.ndarray, currency: str, source: str) -> None:
    """Record conversions per currency (converted); CurrencyError naming the currencies that have no rate and
    would otherwise be kept."""
    unknown = rules.alive & np.isnan(rates)
    if unknown.any():
        counts = codes[unknown].value_counts()
        listing = ", ".join(f"{c} ({k:,} rows)" for c, k in counts.items())
        first = counts.index[0]
        raise CurrencyError(f"{source}: amounts in {listing} but no exchange rate to {currency}; add params "
                            f"data.fx_rates, e.g. fx_rates: {{{first}: <{currency} per 1 {first}>}}")
    other = rules.alive & (codes != currency).to_numpy()
    for code in sorted(codes[other].unique()):
        rate = rates[other & (codes == code).to_numpy()][0]
        rules.flag(other & (codes == code).to_numpy(), f"converted from {code} to {currency} at {rate:g}")
