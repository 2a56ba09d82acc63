"""What changed between two reports of the same client: headline numbers side by side, group sizes (segments,
value tiers), and the largest changes worth putting in words.

Relative changes are (current - previous) / |previous|, None when the previous value is 0 or missing. Shares
(churn) change in percentage points; their relative change is still computed, so that a churn rate going from 10 %
to 15 % ranks as the 50 % change it is for the business.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import pandas as pd

#: Headline numbers compared, with how each is read: a count, money or a share.
HEADLINE_METRICS = {
    "transactional": (("customers", "count"), ("active_customers", "count"), ("revenue", "money"),
                      ("clv_12m_total", "money"), ("clv_24m_total", "money"), ("churn_rate_monthly", "share")),
    "subscription": (("customers", "count"), ("active_customers", "count"), ("mrr", "money"), ("revenue", "money"),
                     ("clv_12m_total", "money"), ("clv_24m_total", "money"), ("churn_rate_monthly", "share")),
}
MIN_GROUP_SHARE = 0.05  # a segment smaller than this in both reports is not among the largest changes
NOT_RANKED = ("clv_24m_total",)  # moves with the 12-month CLV: ranking both would spend two of three sentences
COLUMNS = ["kind", "previous", "current", "change", "relative"]


def _number(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def relative_change(previous, current) -> float | None:
    previous, current = _number(previous), _number(current)
    if previous is None or current is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


def headline_changes(previous: Mapping, current: Mapping, business_model: str = "transactional") -> pd.DataFrame:
    """One row per headline number present in either report: kind, previous, current, change, relative."""
    rows = {}
    for key, kind in HEADLINE_METRICS[business_model]:
        before, now = _number(previous.get(key)), _number(current.get(key))
        if before is None and now is None:
            continue
        change = now - before if before is not None and now is not None else None
        rows[key] = (kind, before, now, change, relative_change(before, now))
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)


def group_changes(previous: pd.Series, current: pd.Series, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Sizes of groups (one label per customer in each report) side by side: previous, current (customers),
    change, relative, and each group's share of the customers in each report. Rows in `order`, then the rest."""
    before = previous.astype(str).value_counts()
    now = current.astype(str).value_counts()
    keys = list(order or []) + sorted((set(before.index) | set(now.index)) - set(order or []))
    keys = [k for k in keys if k in before.index or k in now.index]
    table = pd.DataFrame({"previous": before.reindex(keys).fillna(0).astype("int64"),
                          "current": now.reindex(keys).fillna(0).astype("int64")})
    table["change"] = table["current"] - table["previous"]
    table["relative"] = [relative_change(b, c) for b, c in zip(table["previous"], table["current"])]
    table["previous_share"] = table["previous"] / max(1, int(table["previous"].sum()))
    table["current_share"] = table["current"] / max(1, int(table["current"].sum()))
    table.insert(0, "kind", "count")
    return table


def group_values(previous: pd.DataFrame, current: pd.DataFrame, group: str, value: str,
                 order: Sequence[str] | None = None) -> pd.DataFrame:
    """The sum of `value` per `group` in each report, side by side (previous, current, change, relative)."""
    before = previous.groupby(previous[group].astype(str))[value].sum()
    now = current.groupby(current[group].astype(str))[value].sum()
    keys = [k for k in list(order or []) + sorted((set(before.index) | set(now.index)) - set(order or []))
            if k in before.index or k in now.index]
    table = pd.DataFrame({"previous": before.reindex(keys).astype(float), "current": now.reindex(keys).astype(float)})
    table["change"] = table["current"] - table["previous"]
    table["relative"] = [relative_change(b, c) for b, c in zip(table["previous"], table["current"])]
    table.insert(0, "kind", "money")
    return table


def largest_changes(headline: pd.DataFrame, groups: pd.DataFrame | None = None, n: int = 3,
                    min_share: float = MIN_GROUP_SHARE) -> pd.DataFrame:
    """The `n` largest relative changes among the headline numbers and the groups (segments) holding at least
    `min_share` of the customers in either report: columns key, kind, previous, current, change, relative and
    family (`headline` or `group`)."""
    parts = [headline.loc[~headline.index.isin(NOT_RANKED), COLUMNS].assign(family="headline")]
    if groups is not None and not groups.empty:
        big = groups[(groups["previous_share"] >= min_share) | (groups["current_share"] >= min_share)]
        parts.append(big[COLUMNS].assign(family="group"))
    table = pd.concat([part.rename_axis("key").reset_index() for part in parts], ignore_index=True)
    table = table[table["relative"].notna() & (table["change"].astype(float) != 0)]
    size = table["relative"].astype(float).abs()
    return table.loc[size.sort_values(ascending=False, kind="stable").index].head(n).reset_index(drop=True)
