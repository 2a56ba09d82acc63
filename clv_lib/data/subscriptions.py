"""Clean a subscriptions export into the cleaned-subscriptions contract: one row per segment (a period at
constant price) with `customer_id`, `subscription_id`, `plan`, `start_date`, `end_date` (NaT = active at the
observation end), `mrr` (monthly, report currency), recording every rule in the ledger.

MRR is the `mrr` column when mapped, else `amount` / months of the billing interval (params
`billing_interval_months` first, then the defaults below: month 1, quarter 3, half year 6, year 12, week 12/52;
no interval column: the amount is taken as monthly). Timestamps are converted to the client's time zone and
cut to days, so a plan change (a segment ending when the next one of the same subscription starts) keeps its
segments contiguous. Without a subscription id column, a customer's segment that starts on the day the previous
one ended continues that subscription; otherwise it starts a new one.

Rules, in order (a row is counted by the first rule that removes it): malformed rows, exact duplicates,
unparsable or missing start date, unparsable end date (a non-empty value that cannot be read), unparsable or
missing price, unknown billing interval, excluded statuses (trials, incomplete, test by default; a `canceled`
status is not excluded: it is how ended subscriptions look), missing customer id (e-mail fallback when enabled),
with a `trial_end` column: ended during the free trial or still in it at the cut-off (excluded), otherwise the
start moved to the trial end (converted); zero price (trials, free plans) and negative price, segments ending
before they start or on the day they start, starting after the observation end or ending before params
`start_date` – all excluded; currency conversion
(converted); segments ending after the observation end are active at the cut-off: their end date is cleared
(converted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.data.amounts import parse_amounts
from clv_lib.data.dates import parse_dates
from clv_lib.data.ledger import Ledger
from clv_lib.data.mapping import ColumnMapping
from clv_lib.data.read import RawTable, as_ids, as_text, fold_labels
from clv_lib.data.rules import CleanResult, RuleSet, convert_currencies, fill_customer_ids, fold_label

INTERVAL_MONTHS = {
    **dict.fromkeys(("month", "monthly", "months", "mo", "m", "1m", "mensile", "mese", "mensilmente"), 1.0),
    **dict.fromkeys(("quarter", "quarterly", "3m", "trimestrale", "trimestre"), 3.0),
    **dict.fromkeys(("half_year", "semiannual", "semi_annual", "6m", "semestrale", "semestre"), 6.0),
    **dict.fromkeys(("year", "yearly", "annual", "annually", "years", "y", "12m", "annuale", "anno"), 12.0),
    **dict.fromkeys(("week", "weekly", "settimanale", "settimana"), 12.0 / 52.0),
}
EXCLUDED_STATUSES: dict[str, tuple[str, ...]] = {
    "trial (status)": ("trial", "trialing", "in_prova", "prova"),
    "incomplete (status)": ("incomplete", "incomplete_expired"),
    "test subscription (status)": ("test",),
}


def clean_subscriptions(raw: RawTable, mapping: ColumnMapping, spec, currency: str, timezone: str = "Europe/Rome",
                        observation_end=None) -> CleanResult:
    """Clean `raw` mapped by `mapping`, with the `data:` params `spec`, into one row per subscription segment."""
    frame, col = raw.frame, mapping.get
    n = len(frame)
    ledger = Ledger(source=raw.info.display)
    inferences: list[str] = []
    na = pd.Series(pd.NA, index=frame.index, dtype="string")

    customer = as_ids(frame[col("customer_id")]) if col("customer_id") else na
    email = as_text(frame[col("email")]).str.lower() if col("email") else na
    if not col("customer_id"):
        customer = email.copy()
        inferences.append(f"customer_id: no customer id column, the e-mail ('{col('email')}') identifies customers")
    start, sinf = parse_dates(frame[col("start_date")], spec.dayfirst, timezone, col("start_date"))
    inferences.append(sinf.describe())
    if col("end_date"):
        end, einf = parse_dates(frame[col("end_date")], spec.dayfirst, timezone, col("end_date"))
        inferences.append(einf.describe().replace("rows unparsable or empty", "rows empty (active) or unparsable"))
        end_given = as_text(frame[col("end_date")]).notna().to_numpy()
    else:
        end = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        end_given = np.zeros(n, dtype=bool)
        inferences.append("end_date: no end date column, every subscription is taken as active")
    trial = None
    if col("trial_end"):
        trial, tinf = parse_dates(frame[col("trial_end")], spec.dayfirst, timezone, col("trial_end"))
        inferences.append(tinf.describe().replace("rows unparsable or empty", "rows without a trial or unparsable"))
    if col("mrr"):
        price, ainf = parse_amounts(frame[col("mrr")], spec.decimal, col("mrr"))
        months = np.ones(n)
        inferences.append(ainf.describe())
    else:
        price, ainf = parse_amounts(frame[col("amount")], spec.decimal, col("amount"))
        inferences.append(ainf.describe())
        if col("billing_interval"):
            table = {**INTERVAL_MONTHS, **{fold_label(k): float(v) for k, v in (spec.billing_interval_months or {}).items()}}
            labels = fold_labels(frame[col("billing_interval")])
            months = labels.map(table).astype("float64").to_numpy()
            inferences.append(f"mrr: {col('amount')} / months of {col('billing_interval')} ("
                              + ", ".join(f"{k} = {v:g}" for k, v in sorted(
                                  {lab: table[lab] for lab in labels.dropna().unique() if lab in table}.items()))
                              + ")")
        else:
            months = np.ones(n)
            inferences.append(f"mrr: no billing interval column, {col('amount')} is taken as monthly")
    status = fold_labels(frame[col("status")]) if col("status") else None
    codes = (as_text(frame[col("currency")]).str.upper().fillna(currency) if col("currency")
             else pd.Series(currency, index=frame.index, dtype="string"))
    rates = codes.map({currency: 1.0, **{k.upper(): float(v) for k, v in (spec.fx_rates or {}).items()}}
                      ).astype("float64").to_numpy()
    mrr = price / months * rates

    ledger.read(n + len(raw.malformed), np.nansum(mrr))
    ledger.record("malformed row (wrong number of fields)", "excluded", raw.malformed, 0.0)
    rules = RuleSet(ledger, raw.row_numbers, mrr)
    if spec.drop_exact_duplicates:
        rules.remove(raw.duplicated(), "exact duplicate row")
    rules.remove(start.isna().to_numpy(), "unparsable or missing start date")
    rules.remove(end_given & end.isna().to_numpy(), "unparsable end date")
    rules.remove(np.isnan(price), "unparsable or missing price")
    if col("billing_interval") and not col("mrr"):
        labels = as_text(frame[col("billing_interval")])
        unknown = np.isnan(months) & rules.alive
        names = ", ".join(sorted(labels[unknown].fillna("(empty)").unique())[:5])
        rules.remove(unknown, f"unknown billing interval ({names})" if unknown.any() else "unknown billing interval")
    if status is not None:
        if spec.exclude_statuses:
            wanted = {fold_label(s) for s in spec.exclude_statuses}
            rules.remove(status.isin(wanted).fillna(False).to_numpy(bool),
                         f"excluded status ({', '.join(sorted(wanted))})")
        else:
            for rule, labels_ in EXCLUDED_STATUSES.items():
                rules.remove(status.isin(set(labels_)).fillna(False).to_numpy(bool), rule)
    customer = fill_customer_ids(rules, customer, email, spec)
    if trial is not None:
        start = _paying_start(rules, start, end, trial, observation_end)
    rules.remove(price == 0, "trial or free (zero price)")
    rules.remove(price < 0, "negative price")
    rules.remove((end < start).to_numpy(), "ends before it starts")
    rules.remove((end == start).to_numpy(), "ends on the day it starts")
    if observation_end is not None:
        cut = pd.Timestamp(observation_end).normalize()
        rules.remove((start > cut).to_numpy(), f"starts after the observation end ({cut.date()})")
    if spec.start_date:
        first = pd.Timestamp(spec.start_date)
        rules.remove((end < first).to_numpy(), f"ended before the start date ({first.date()})")
    convert_currencies(rules, codes, rates, currency, raw.info.display)
    end = end.copy()
    if observation_end is not None:
        later = (end > cut).to_numpy() & rules.alive
        rules.flag(later, f"ends after the observation end: active on {cut.date()}")
        end[later] = pd.NaT

    keep = rules.alive
    out = pd.DataFrame({
        "customer_id": customer[keep].astype(str).to_numpy(),
        "subscription_id": (as_text(frame[col("subscription_id")])[keep].to_numpy(dtype=object)
                            if col("subscription_id") else np.full(keep.sum(), None, dtype=object)),
        "plan": (as_text(frame[col("plan")])[keep].fillna("unknown").astype(str).to_numpy() if col("plan")
                 else np.full(keep.sum(), "unknown", dtype=object)),
        "start_date": start[keep].to_numpy(dtype="datetime64[ns]"),
        "end_date": end[keep].to_numpy(dtype="datetime64[ns]"),
        "mrr": mrr[keep].astype("float64"),
        "billing_interval_months": months[keep].astype("float64"),
    })
    if col("channel"):
        out["channel"] = as_text(frame[col("channel")])[keep].fillna("").astype(str).to_numpy()
    rows = raw.row_numbers[keep]
    out["subscription_id"] = _subscription_ids(out, rows, bool(col("subscription_id")))
    out = out.sort_values(["customer_id", "start_date", "subscription_id"], kind="stable").reset_index(drop=True)
    for c in ("customer_id", "subscription_id", "plan"):
        out[c] = out[c].astype(str)
    ledger.kept(len(out), out["mrr"].sum())
    ledger.check()
    return CleanResult(out, ledger, inferences)


def _paying_start(rules: RuleSet, start: pd.Series, end: pd.Series, trial: pd.Series, observation_end) -> pd.Series:
    """Start dates moved to the end of a free trial: a subscriber pays, and can churn as a payer, from then on.

    Subscriptions that ended during their trial never paid and those still in it at the cut-off do not pay yet:
    both are excluded (a trial cancellation is not a paying customer's churn)."""
    in_trial = (trial > start).to_numpy()  # NaT compares False: no trial
    rules.remove(in_trial & (end <= trial).to_numpy(), "ended during its free trial (never paid)")
    if observation_end is not None:
        cut = pd.Timestamp(observation_end).normalize()
        rules.remove(in_trial & (trial > cut).to_numpy(), f"still in its free trial on {cut.date()}")
    moved = in_trial & rules.alive
    rules.flag(moved, "start moved to the end of the free trial")
    return start.where(~moved, trial)


def _subscription_ids(out: pd.DataFrame, rows: np.ndarray, has_column: bool) -> np.ndarray:
    """The subscription id of each segment: the file's, "row N" where a cell is empty; without the column, a
    segment starting on the day the customer's previous segment ended continues it."""
    if has_column:
        ids = pd.Series(out["subscription_id"].to_numpy(dtype=object))
        return ids.where(ids.notna(), pd.Series([f"row {r}" for r in rows])).to_numpy(dtype=object)
    order = out.sort_values(["customer_id", "start_date"], kind="stable")
    prev_end = order.groupby("customer_id")["end_date"].shift(1)
    same_customer = order["customer_id"].eq(order["customer_id"].shift(1))
    new = ~(same_customer & order["start_date"].eq(prev_end))
    number = new.astype(int).groupby(order["customer_id"]).cumsum()
    ids = order["customer_id"].astype(str) + "-" + number.astype(str)
    return ids.reindex(out.index).to_numpy(dtype=object)
