"""Kaplan-Meier survival curves with right-censoring, overall or by group (plan, contract, channel).

Product-limit estimator (Kaplan & Meier 1958): S(t) = prod over event times t_j <= t of (1 - d_j / n_j), with d_j
events at t_j and n_j at risk just before t_j; at a tie an event comes before a censoring, so a customer censored
at t counts as at risk at t. Standard errors by Greenwood's formula; pointwise confidence intervals on the log-log
scale (Kalbfleisch & Prentice), which stay inside [0, 1] - the default of Stata's ``sts list`` and of lifelines.
For subscriptions feed it ``clv_lib.summary.tenure.subscription_tenure``: time = tenure in periods, event =
churned; S(t) is then the share of customers still subscribed after t renewals, the quantity the shifted-beta-
geometric model projects.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from clv_lib.exceptions import DataError, ParamsError

COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_error", "lower", "upper"]

DEFINITIONS: dict[str, str] = {
    "Kaplan-Meier survival": "Share of customers still subscribed after t periods, estimated with the product-limit "
                             "method so that customers still active (censored) count only for the periods observed.",
    "Confidence band": "Pointwise 95 % interval from Greenwood's variance on the log-log scale.",
    "Median lifetime": "First period at which the survival curve reaches 50 %; not reached when more than half of "
                       "the customers are still subscribed at the longest observed tenure.",
}


def kaplan_meier(durations, events, *, groups=None, conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier estimate of S(t) = P(T > t) from `durations` (>= 0) and `events` (True = churned/observed).

    One row per distinct observed time, plus a first row at time 0 (S = 1) when no time is 0; with `groups`
    (array-like of labels, same length) a leading ``group`` column and one curve per label. Columns: ``time``,
    ``at_risk``, ``events``, ``censored``, ``survival``, ``std_error`` (Greenwood), ``lower``/``upper`` (log-log
    interval at `conf_level`). Where S = 1 or S = 0 the interval collapses to that value (no NaN).
    """
    if not 0 < conf_level < 1:
        raise ParamsError(f"conf_level must be in (0, 1), got {conf_level}")
    t = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events)
    if t.shape != e.shape or t.ndim != 1:
        raise DataError(f"kaplan_meier: durations and events must be 1-d and of equal length ({t.shape}, {e.shape})")
    if len(t) == 0:
        raise DataError("kaplan_meier: no observations")
    if np.isnan(t).any() or (t < 0).any():
        raise DataError(f"kaplan_meier: {int(np.isnan(t).sum() + (t < 0).sum()):,} duration(s) missing or negative")
    e = e.astype(bool)
    z = norm.ppf(0.5 + conf_level / 2)
    if groups is None:
        return _curve(t, e, z)
    g = pd.Series(np.asarray(groups)).astype(str).to_numpy()
    if len(g) != len(t):
        raise DataError(f"kaplan_meier: groups has {len(g):,} labels for {len(t):,} durations")
    parts = []
    for label in sorted(set(g)):  # one curve per group label (few), each vectorised over customers
        mask = g == label
        parts.append(_curve(t[mask], e[mask], z).assign(group=label))
    out = pd.concat(parts, ignore_index=True)
    return out[["group"] + COLUMNS]


def _curve(t: np.ndarray, e: np.ndarray, z: float) -> pd.DataFrame:
    order = np.argsort(t, kind="stable")  # sort-based grouping (np.unique is slow on millions of values)
    t_sorted = t[order]
    starts = np.flatnonzero(np.r_[True, t_sorted[1:] != t_sorted[:-1]])
    times = t_sorted[starts]
    events = np.add.reduceat(e[order].astype(np.int64), starts)
    total = np.diff(np.r_[starts, len(t)])
    at_risk = len(t) - np.r_[0, np.cumsum(total)[:-1]]
    censored = total - events
    step = 1.0 - events / at_risk
    survival = np.cumprod(step)
    survival[survival < 1e-15] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0)  # inf once all at risk fail
        greenwood = np.cumsum(terms)
        std_error = np.where(survival > 0, survival * np.sqrt(greenwood), 0.0)
        log_s = np.log(survival)
        spread = np.where((survival > 0) & (survival < 1), z * np.sqrt(greenwood) / np.abs(log_s), 0.0)
        lower = np.where((survival > 0) & (survival < 1), survival ** np.exp(spread), survival)
        upper = np.where((survival > 0) & (survival < 1), survival ** np.exp(-spread), survival)
    out = pd.DataFrame({"time": times, "at_risk": at_risk, "events": events, "censored": censored,
                        "survival": survival, "std_error": std_error, "lower": lower, "upper": upper})
    if times[0] > 0:
        start = pd.DataFrame({"time": [0.0], "at_risk": [len(t)], "events": [0], "censored": [0], "survival": [1.0],
                              "std_error": [0.0], "lower": [1.0], "upper": [1.0]})
        out = pd.concat([start, out], ignore_index=True)
    if np.all(np.mod(out["time"].to_numpy(), 1) == 0):
        out["time"] = out["time"].astype(np.int64)
    return out


def tenure_survival(tenure: pd.DataFrame, *, by: str | None = None, conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier curve(s) of a ``subscription_tenure`` frame, overall or by one of its columns (e.g. ``plan``)."""
    missing = [c for c in ("tenure", "churned") + ((by,) if by else ()) if c not in tenure.columns]
    if missing:
        raise DataError(f"tenure frame: missing column(s) {', '.join(missing)}")
    curve = kaplan_meier(tenure["tenure"], tenure["churned"], groups=None if by is None else tenure[by],
                         conf_level=conf_level)
    return curve.rename(columns={"group": by}) if by else curve


def survival_at(curve: pd.DataFrame, times) -> pd.DataFrame:
    """The step function of `curve` (one group) read at `times`: S at the latest curve time <= t.

    Times beyond the last observed time are not estimable and are dropped. Columns ``time``, ``survival``,
    ``lower``, ``upper``, ``at_risk``.
    """
    times = np.asarray(times, dtype=np.float64)
    known = curve["time"].to_numpy(dtype=np.float64)
    times = times[(times >= known[0]) & (times <= known[-1])]
    idx = np.searchsorted(known, times, side="right") - 1
    picked = curve.iloc[idx]
    return pd.DataFrame({"time": times.astype(curve["time"].dtype), "survival": picked["survival"].to_numpy(),
                         "lower": picked["lower"].to_numpy(), "upper": picked["upper"].to_numpy(),
                         "at_risk": picked["at_risk"].to_numpy()})


def compare_projection(curve: pd.DataFrame, projected: pd.Series | Mapping[str, pd.Series]) -> pd.DataFrame:
    """Line up a Kaplan-Meier `curve` with a model's projected survival (e.g. the sBG model's S(t)).

    `projected` is a Series indexed by time in the curve's units (whole periods), or, for a curve by group, a
    mapping from group label to such a Series. Returns the times both cover: [group], ``time``, ``observed``,
    ``lower``, ``upper``, ``projected``, ``difference`` (projected - observed) and ``inside_band`` (bool).
    """
    group_col = curve.columns[0] if curve.columns[0] not in COLUMNS else None
    if group_col is None:
        if isinstance(projected, Mapping):
            raise ParamsError("a projection per group needs a curve by group")
        pairs = [(None, curve, projected)]
    else:
        if not isinstance(projected, Mapping):
            raise ParamsError("a curve by group needs a mapping from group to projected survival")
        pairs = [(label, part.drop(columns=group_col), projected[label])
                 for label, part in curve.groupby(group_col, sort=True) if label in projected]
    parts = []
    for label, part, proj in pairs:
        proj = pd.Series(proj, dtype=float)
        observed = survival_at(part, proj.index.to_numpy())
        frame = observed.rename(columns={"survival": "observed"})
        frame["projected"] = proj.reindex(frame["time"].to_numpy()).to_numpy()
        frame["difference"] = frame["projected"] - frame["observed"]
        frame["inside_band"] = (frame["projected"] >= frame["lower"]) & (frame["projected"] <= frame["upper"])
        if label is not None:
            frame.insert(0, group_col, label)
        parts.append(frame.drop(columns="at_risk"))
    if not parts:
        raise ParamsError("no group of the curve has a projection")
    return pd.concat(parts, ignore_index=True)


def median_survival(curve: pd.DataFrame) -> pd.DataFrame:
    """Median lifetime per curve: the first time S(t) <= 0.5.

    Columns: [group], ``median`` (<NA> when not reached), ``reached`` (bool), ``longest_observed`` (last time).
    """
    group_col = curve.columns[0] if curve.columns[0] not in COLUMNS else None
    parts = [(None, curve)] if group_col is None else list(curve.groupby(group_col, sort=True))
    rows = []
    for label, part in parts:
        below = part.loc[part["survival"] <= 0.5, "time"]
        row = {"median": below.iloc[0] if len(below) else pd.NA, "reached": bool(len(below)),
               "longest_observed": part["time"].iloc[-1]}
        rows.append(row if group_col is None else {group_col: label, **row})
    out = pd.DataFrame(rows)
    out["median"] = out["median"].astype("Float64")
    return out
