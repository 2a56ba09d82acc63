"""Value tiers, deciles and concentration (Pareto shares, Gini) of a per-customer value.

The value is predicted CLV by default (``clv_12m``) or any other column (historical ``revenue``, ``clv_24m``).
Customers are ranked from the highest value down; equal values are ordered by customer id, so tiers and deciles
have exact sizes and do not depend on row order. Tiers: the top 1 %, the next 9 % (to 10 %), the next 10 % (to
20 %) and the rest; a customer at rank k of n is in the top share s when k <= s x n, so with fewer than 100
customers the top 1 % is empty rather than a rounded-up 1 customer. Decile d (1 = highest) holds ranks
ceil((d - 1) n / 10) + 1 to ceil(d n / 10).

Concentration treats negative values (a customer whose refunds exceed purchases) as 0: a customer cannot hold a
negative share of the total.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.customer_table import numeric
from clv_lib.insights.wording import check_language

TIERS = ("top_1", "top_10", "top_20", "rest")
TIER_SHARES = (0.01, 0.10, 0.20)
"""Upper cumulative customer share of the first three tiers."""

TIER_NAMES = {
    "en": {"top_1": "Top 1 %", "top_10": "Top 1–10 %", "top_20": "Top 10–20 %", "rest": "Other 80 %"},
    "it": {"top_1": "Primo 1 %", "top_10": "Dall'1 al 10 %", "top_20": "Dal 10 al 20 %", "rest": "Restante 80 %"},
}


def value_rank(customers: pd.DataFrame, value_col: str = "clv_12m") -> pd.Series:
    """Return each customer's rank by `value_col`, 1 = highest; ties are ordered by customer id."""
    values = numeric(customers, value_col, what="value ranks")
    ids = customers.index.astype(str).to_numpy()
    order = np.lexsort((ids, -values))  # last key is primary: value descending, then id ascending
    ranks = np.empty(len(values), dtype="int64")
    ranks[order] = np.arange(1, len(values) + 1)
    return pd.Series(ranks, index=customers.index, name="rank")


def value_tiers(customers: pd.DataFrame, value_col: str = "clv_12m") -> pd.Series:
    """Return each customer's tier key (ordered Categorical over TIERS) by `value_col`."""
    ranks = value_rank(customers, value_col).to_numpy()
    n = len(ranks)
    keys = np.full(n, "rest", dtype=object)
    for tier, share in reversed(list(zip(TIERS, TIER_SHARES))):
        keys[ranks <= share * n + 1e-9] = tier
    return pd.Series(pd.Categorical(keys, categories=TIERS, ordered=True), index=customers.index, name="tier")


def value_deciles(customers: pd.DataFrame, value_col: str = "clv_12m") -> pd.Series:
    """Return each customer's decile by `value_col`, 1 = the highest-value tenth, 10 = the lowest."""
    ranks = value_rank(customers, value_col).to_numpy()
    deciles = np.ceil(10 * ranks / len(ranks) - 1e-9).astype("int64")
    return pd.Series(np.clip(deciles, 1, 10), index=customers.index, name="decile")


def _group_table(values: np.ndarray, groups: pd.Series) -> pd.DataFrame:
    total = values.sum()
    frame = pd.DataFrame({"group": groups.reset_index(drop=True), "value": values})
    table = frame.groupby("group", observed=True)["value"].agg(["size", "sum", "mean", "min", "max"])
    table.columns = ["customers", "value", "value_per_customer", "min_value", "max_value"]
    table["customer_share"] = table["customers"] / len(values)
    table["value_share"] = table["value"] / total if total > 0 else 0.0
    table["cumulative_value_share"] = table["value_share"].cumsum()
    return table


def decile_table(customers: pd.DataFrame, value_col: str = "clv_12m") -> pd.DataFrame:
    """Return one row per decile (1 = top): ``decile``, ``customers``, ``value`` (total), ``value_per_customer``,
    ``min_value``, ``max_value``, ``customer_share``, ``value_share`` and ``cumulative_value_share``.

    Shares are of the total of `value_col`; when that total is not positive they are 0.
    """
    values = numeric(customers, value_col, what="value deciles")
    table = _group_table(values, value_deciles(customers, value_col))
    return table.rename_axis("decile").reset_index()


def tier_table(customers: pd.DataFrame, value_col: str = "clv_12m", language: str = "en") -> pd.DataFrame:
    """Return one row per non-empty tier: ``tier`` (key), ``name`` and the same columns as `decile_table`."""
    check_language(language)
    values = numeric(customers, value_col, what="value tiers")
    table = _group_table(values, value_tiers(customers, value_col)).rename_axis("tier").reset_index()
    table["tier"] = table["tier"].astype(str)
    table.insert(1, "name", table["tier"].map(TIER_NAMES[language]))
    return table


def _concentration_values(values) -> np.ndarray:
    x = np.asarray(values, dtype="float64").ravel()
    if x.size == 0:
        raise ModelInputError("concentration: no values")
    if not np.isfinite(x).all():
        raise ModelInputError(f"concentration: {int((~np.isfinite(x)).sum())} missing or infinite values")
    x = np.clip(x, 0.0, None)
    if x.sum() <= 0:
        raise ModelInputError("concentration: no customer has a positive value, shares are undefined")
    return x


def pareto_curve(values, grid: Sequence[float] | None = None) -> pd.DataFrame:
    """Return the share of total value held by the top `customer_share` of customers (the Pareto curve).

    `grid` lists the customer shares in [0, 1] to report (default 0, 0.01, ..., 1); between two customers
    the curve is linear. Columns: ``customer_share``, ``value_share``.
    """
    x = np.sort(_concentration_values(values))[::-1]
    points = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype="float64")
    if ((points < 0) | (points > 1)).any():
        raise ModelInputError("concentration: customer shares must lie between 0 and 1")
    shares = np.concatenate([[0.0], np.arange(1, x.size + 1) / x.size])
    cumulative = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return pd.DataFrame({"customer_share": points, "value_share": np.interp(points, shares, cumulative)})


def top_shares(values, shares: Sequence[float] = (0.01, 0.10, 0.20, 0.50)) -> pd.DataFrame:
    """Return the share of total value held by the top `shares` of customers: ``top_share``, ``customers``
    (how many customers that is, k <= share x n) and ``value_share`` (their value over the total)."""
    x = np.sort(_concentration_values(values))[::-1]
    cumulative = np.cumsum(x) / x.sum()
    rows = []
    for share in shares:
        if not 0 < share <= 1:
            raise ModelInputError(f"concentration: top share {share!r} is not in (0, 1]")
        k = int(np.floor(share * x.size + 1e-9))
        rows.append((float(share), k, float(cumulative[k - 1]) if k else 0.0))
    return pd.DataFrame(rows, columns=["top_share", "customers", "value_share"])


def gini(values) -> float:
    """Return the Gini coefficient of the values (0 = all equal, (n - 1) / n = one customer holds everything).

    G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n with the values sorted ascending, i = 1..n.
    """
    x = np.sort(_concentration_values(values))
    n = x.size
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * x.sum()) - (n + 1.0) / n)
