"""Which months a churn rate rests on, in words, so that every place quoting the churn says the same thing.

The summary's tile, the KPI chapter's note and the unit economics all quote one monthly churn: the trailing mean
of the last `TRAILING_MONTHS` monthly rates (for subscriptions without one, the mean over the last 12 months). On
a short history fewer months can be measured, and the report says how many instead of the nominal window.
"""

from __future__ import annotations

SHORT_HISTORY_MONTHS = 12  #: below this much history the summary says which figures are provisional


def churn_window_months(r) -> int:
    """How many monthly rates the quoted churn averages (the pipeline's choice: the trailing mean, or for
    subscriptions without one the mean over the last 12 months)."""
    k = r.analysis.trailing_kpis
    if r.subscription:
        return k.logo_churn_months if k.logo_churn_rate_trailing is None else k.logo_churn_months_trailing
    return k.trailing_churn_months or 0


def churn_measured(r) -> bool:
    """Whether any month's churn could be measured. Without one (less than two months of history: the first month
    starts with nobody live) the pipeline has no unit economics: the churn, lifetime and every SaaS figure built on
    them are unknown, not 0% and the lifetime cap."""
    return r.analysis.unit_economics is not None


def churn_window(r, style: str = "mean") -> str:
    """`the mean of the last 6 months` (style `mean`) or `6-month average` (style `average`); the one month
    measured, or none, when the history allows no more."""
    months = churn_window_months(r)
    if months >= 2:
        return r.t(f"churn_window.{style}", months=r.fmt.number(months))
    if months == 1:
        return r.t("churn_window.one" if style == "mean" else "churn_window.average_one")
    return r.t("churn_window.none")


def short_history(r) -> str | None:
    """The summary's warning when the data cover less than a year, else None: which figures cover fewer months
    than their labels say, and that churn and the unit economics built on it are provisional."""
    a = r.analysis
    if a.history_months >= SHORT_HISTORY_MONTHS:
        return None
    values = {"months": r.fmt.number(a.history_months, 1), "first": r.fmt.date(a.first_date),
              "cutoff": r.fmt.date(a.cutoff),
              "churn": r.t("summary.short_history.churn", window=churn_window(r)) if churn_measured(r)
              else r.t("summary.short_history.no_churn")}
    if not r.subscription and a.lapse.source == "data":
        return r.t("summary.short_history.lapse", lapse=r.fmt.number(a.lapse.days), **values)
    return r.t("summary.short_history.plain", **values)
