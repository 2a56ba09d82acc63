"""Segment profiles: size, revenue, predicted CLV, P(alive) and value at risk of each segment.

Works for any segmentation given as a Series of segment keys indexed by customer id (RFM segments, value
tiers, risk quadrants, subscription segments, plans...). Names come from the known segment families in the
report's language; unknown keys (a plan name, say) are their own name.

Intervals: when the table has per-customer interval columns (``clv_12m_low`` and ``clv_12m_high`` for
``clv_12m``), a segment's interval is the sum of its customers' bounds. Under parameter uncertainty all
customers' CLVs move together with the model parameters, and then summing the bounds is right; for
independent errors it is conservative (too wide).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.customer_table import aligned, check_table, numeric
from clv_lib.insights.risk import ALIVE_THRESHOLD, QUADRANT_NAMES, value_at_risk
from clv_lib.insights.rfm_segments import SEGMENT_NAMES
from clv_lib.insights.subscription_segments import SUBSCRIPTION_SEGMENT_NAMES
from clv_lib.insights.value_tiers import TIER_NAMES
from clv_lib.insights.wording import check_language

TOTAL = "all"
TOTAL_NAMES = {"en": {TOTAL: "All customers"}, "it": {TOTAL: "Tutti i clienti"}}


def segment_names(language: str = "en") -> dict[str, str]:
    """Return the display name of every known segment key (RFM, tiers, quadrants, subscription) in `language`."""
    check_language(language)
    names: dict[str, str] = {}
    for family in (TIER_NAMES, QUADRANT_NAMES, SUBSCRIPTION_SEGMENT_NAMES, SEGMENT_NAMES, TOTAL_NAMES):
        names.update(family[language])
    return names


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def _profile(frame: pd.DataFrame, totals: Mapping[str, float], n_all: int, clv_cols: Sequence[str],
             intervals: Sequence[str], has_revenue: bool, mean_cols: Sequence[str],
             overall_clv_per_customer: float, overall_revenue_per_customer: float) -> dict:
    n = len(frame)
    row: dict = {"customers": n, "customer_share": n / n_all}
    if has_revenue:
        revenue = float(frame["_revenue"].sum())
        row.update(revenue=revenue, revenue_share=_share(revenue, totals["_revenue"]),
                   revenue_per_customer=revenue / n)
        row["revenue_index"] = _share(revenue / n, overall_revenue_per_customer)
    for col in clv_cols:
        total = float(frame[col].sum())
        row.update({col: total, f"{col}_share": _share(total, totals[col]), f"{col}_per_customer": total / n})
        if col in intervals:
            low, high = float(frame[f"{col}_low"].sum()), float(frame[f"{col}_high"].sum())
            row.update({f"{col}_low": low, f"{col}_high": high,
                        f"{col}_per_customer_low": low / n, f"{col}_per_customer_high": high / n})
    first = clv_cols[0]
    row["clv_index"] = _share(row[f"{first}_per_customer"], overall_clv_per_customer) \
        if overall_clv_per_customer > 0 else 1.0
    row["mean_prob_alive"] = float(frame["_p"].mean())
    row["at_risk_customer_share"] = float((frame["_p"] < ALIVE_THRESHOLD).mean())
    at_risk = float(frame["_var"].sum())
    row[f"{first}_at_risk"] = at_risk
    row[f"{first}_at_risk_share"] = _share(at_risk, row[first] + at_risk)
    for col in mean_cols:
        row[f"mean_{col}"] = float(frame[col].mean())
    return row


def segment_profiles(
    customers: pd.DataFrame,
    segments: pd.Series,
    *,
    language: str = "en",
    names: Mapping[str, str] | None = None,
    revenue_col: str | None = "revenue",
    clv_cols: Sequence[str] = ("clv_12m", "clv_24m"),
    prob_alive_col: str = "prob_alive",
    mean_cols: Sequence[str] = ("days_since_last_purchase", "orders", "tenure_months", "mrr"),
    with_total: bool = False,
) -> pd.DataFrame:
    """Return one row per segment present (plus an ``all`` row when `with_total`), with:

    ``segment``, ``name``, ``customers``, ``customer_share``; ``revenue`` (historical, report currency),
    ``revenue_share``, ``revenue_per_customer``, ``revenue_index`` (per-customer revenue over the overall
    average); for each CLV column c: c (segment total), ``c_share``, ``c_per_customer`` and, when interval
    columns exist, ``c_low``/``c_high`` and ``c_per_customer_low``/``c_per_customer_high``; ``clv_index``
    (per-customer CLV of the first CLV column over the overall average, 1 = average); ``mean_prob_alive``;
    ``at_risk_customer_share`` (P(alive) < 0.5); ``<first clv>_at_risk`` (value at risk, see
    clv_lib.insights.risk) and ``<first clv>_at_risk_share`` (its share of CLV + value at risk); and
    ``mean_<col>`` for the `mean_cols` present in the table. Rows follow the categories' order when the
    segments are Categorical, else the largest first CLV total first. No NaN: shares of a zero total are 0.
    """
    what = "segment profiles"
    check_language(language)
    required = [*clv_cols, prob_alive_col] + ([revenue_col] if revenue_col else [])
    if not clv_cols:
        raise ModelInputError(f"{what}: give at least one CLV column")
    check_table(customers, required, what=what)
    segments = aligned(segments, customers, what=what)
    frame = pd.DataFrame(index=customers.index)
    for col in clv_cols:
        frame[col] = numeric(customers, col, what=what)
    intervals = [c for c in clv_cols if f"{c}_low" in customers.columns and f"{c}_high" in customers.columns]
    for col in intervals:
        frame[f"{col}_low"] = numeric(customers, f"{col}_low", what=what)
        frame[f"{col}_high"] = numeric(customers, f"{col}_high", what=what)
    frame["_p"] = numeric(customers, prob_alive_col, what=what, lower=0, upper=1)
    frame["_var"] = value_at_risk(frame[clv_cols[0]].to_numpy(), frame["_p"].to_numpy())
    has_revenue = revenue_col is not None
    if has_revenue:
        frame["_revenue"] = numeric(customers, revenue_col, what=what)
    present_means = [c for c in mean_cols if c in customers.columns]
    for col in present_means:
        frame[col] = numeric(customers, col, what=what)
    n_all = len(frame)
    totals = {c: float(frame[c].sum()) for c in [*clv_cols] + (["_revenue"] if has_revenue else [])}
    overall_clv = float(frame[clv_cols[0]].sum()) / n_all
    overall_revenue = float(frame["_revenue"].sum()) / n_all if has_revenue else 0.0

    if isinstance(segments.dtype, pd.CategoricalDtype):
        keys = [k for k in segments.cat.categories if (segments == k).any()]
    else:
        keys = list(pd.unique(segments))
    groups = {key: frame[(segments == key).to_numpy()] for key in keys}
    rows = []
    for key in keys:
        row = _profile(groups[key], totals, n_all, clv_cols, intervals, has_revenue, present_means,
                       overall_clv, overall_revenue)
        rows.append({"segment": str(key), **row})
    if not isinstance(segments.dtype, pd.CategoricalDtype):
        rows.sort(key=lambda r: (-r[clv_cols[0]], r["segment"]))
    if with_total:
        rows.append({"segment": TOTAL, **_profile(frame, totals, n_all, clv_cols, intervals, has_revenue,
                                                 present_means, overall_clv, overall_revenue)})
    table = pd.DataFrame(rows)
    lookup = {**segment_names(language), **(names or {})}
    table.insert(1, "name", [lookup.get(key, key) for key in table["segment"]])
    return table
