"""Acquisition budgets per channel from the model-based value of a new customer (`clv_lib.value.new_customer`).

For each channel:

* maximum affordable CAC = new-customer CLV over `BUDGET_HORIZON_MONTHS` / target LTV:CAC (with the CLV's
  interval carried along);
* margin per euro of acquisition = that CLV / the channel's CAC (when the CAC is given): what each unit of money
  spent acquiring customers through the channel earns back in discounted gross margin; channels are ranked by it
  (by the maximum affordable CAC when no CAC is given);
* payback month = the first month after acquisition in which the cumulative expected gross margin (undiscounted,
  the first order's included) reaches the CAC; None when it does not within the months followed.

Unlike the SaaS formula (ARPA x margin / churn, `clv_lib.value.unit_economics`), which extrapolates the recent
revenue and lapse churn of a channel's existing customers as if they were constant forever, these numbers come from
the fitted purchase, drop-out and spend processes of customers at the start of their life, discounted, over a
stated horizon.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from clv_lib.exceptions import ParamsError
from clv_lib.value.new_customer import NewCustomerValue

BUDGET_HORIZON_MONTHS = 36


def channel_budgets(value: NewCustomerValue, cac: "float | Mapping[str, float] | None", *, target_ratio: float = 3.0,
                    horizon_months: int = BUDGET_HORIZON_MONTHS) -> pd.DataFrame:
    """One row per group of `value` ("all" first): clv (over `horizon_months`) with its interval, cac (NaN when not
    given), max_affordable_cac with its interval, margin_per_euro, payback_month (months, None when not reached
    within the months followed), rank (1 = most margin per euro of acquisition, or the highest affordable CAC
    without CACs; the overall row has none). A single `cac` applies to every group; a mapping gives each group's
    (groups it does not name have none); the overall row's CAC is the mapping's acquisition-weighted mean."""
    if not target_ratio > 0:
        raise ParamsError(f"target_ratio must be > 0, got {target_ratio}")
    column = f"clv_{int(horizon_months)}m"
    if column not in value.table.columns:
        raise ParamsError(f"no new-customer CLV over {horizon_months} months (horizons {value.horizons})")
    table = value.table
    out = pd.DataFrame({"customers": table["customers"], "clv": table[column], "clv_low": table[f"{column}_low"],
                        "clv_high": table[f"{column}_high"]}, index=table.index)
    out["cac"] = [_cac_of(cac, group, table) for group in out.index]
    out["max_affordable_cac"] = out["clv"] / target_ratio
    out["max_affordable_cac_low"] = out["clv_low"] / target_ratio
    out["max_affordable_cac_high"] = out["clv_high"] / target_ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        out["margin_per_euro"] = np.where(out["cac"] > 0, out["clv"] / out["cac"], np.nan)
    out["payback_month"] = [payback_month(value.cumulative_margin.loc[g], out.loc[g, "cac"]) for g in out.index]
    channels = out.index != "all"
    key = "margin_per_euro" if out.loc[channels, "margin_per_euro"].notna().any() else "max_affordable_cac"
    ranked = out.loc[channels, key].rank(ascending=False, method="first")
    out["rank"] = pd.array([int(ranked[g]) if g in ranked.index and pd.notna(ranked[g]) else None for g in out.index],
                           dtype="Int64")
    out.attrs.update(horizon_months=int(horizon_months), target_ratio=float(target_ratio), ranked_by=key)
    return out


def payback_month(cumulative_margin: pd.Series, cac: float) -> int | None:
    """First month (0 = the first order) whose cumulative margin reaches `cac`; None without a CAC or when it is
    not reached within the curve."""
    if cac is None or not math.isfinite(cac):
        return None
    reached = np.flatnonzero(cumulative_margin.to_numpy(float) >= cac - 1e-9)
    return int(cumulative_margin.index[reached[0]]) if len(reached) else None


def _cac_of(cac, group: str, table: pd.DataFrame) -> float:
    if cac is None:
        return math.nan
    if not isinstance(cac, Mapping):
        return float(cac)
    if group != "all":
        return float(cac[group]) if group in cac else math.nan
    known = [g for g in table.index if g != "all" and g in cac]
    weights = table.loc[known, "customers"].to_numpy(float)
    if not known or weights.sum() <= 0:
        return float(np.mean(list(cac.values())))
    return float(np.average([cac[g] for g in known], weights=weights))
