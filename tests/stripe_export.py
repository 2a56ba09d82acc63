"""A generated Stripe Dashboard subscriptions export (the 25 columns of Stripe's CSV) for the MRR tests, and an
independent recomputation of its month-end MRR written straight from the billing conventions, without the library.

`write_stripe_export(path)` writes 300 customers from January 2024 to December 2025: Starter, Pro and Business
products, each priced per seat monthly or yearly (`Plan` holds Stripe's opaque price id, `Product` the name), 1 to 5
seats, 14-day trials (some cancelled during the trial, some still running at the cut-off), `past_due`
subscriptions, cancellations at the period end (`Cancel At Period End` with the subscription still running), plan
upgrades and seat changes (the old subscription ends on the day the new one starts), a `Tax Percent` (taxes are not
revenue) and, with `coupons=True`, recurring coupons (`Coupon`: forever, repeating for 3 months, once).

`month_end_mrr(path, months, ...)` recomputes the MRR at each month end from that file with pandas: a subscription
pays from its trial's end (or its creation) until the day it ended; its MRR is Amount x Quantity / interval months,
less its coupon while the coupon runs; trials, incomplete subscriptions and cancellations inside the trial never pay.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CUTOFF = pd.Timestamp("2025-12-31")
ZONE = "Europe/Rome"
PRODUCTS = {"Nuvola Starter": (29.0, 290.0), "Nuvola Pro": (79.0, 790.0), "Nuvola Business": (199.0, 1990.0)}
#: The coupons of the export, as params `data.mrr.coupons` declares them.
COUPONS = {"FRIENDS20": {"percent_off": 20, "duration": "forever"},
           "LAUNCH50": {"percent_off": 50, "duration": "repeating", "duration_months": 3},
           "WELCOME10": {"amount_off": 10, "duration": "once"}}
FMT = "%Y-%m-%d %H:%M"
COLUMNS = ["id", "Customer ID", "Customer Description", "Customer Email", "Plan", "Product", "Quantity",
           "Interval", "Amount", "Currency", "Status", "Created (UTC)", "Start (UTC)", "Current Period Start (UTC)",
           "Current Period End (UTC)", "Trial Start (UTC)", "Trial End (UTC)", "Canceled At (UTC)",
           "Ended At (UTC)", "Cancel At Period End", "Coupon", "Tax Percent", "Application Fee Percent",
           "Billing", "Days Until Due"]


def _price_id(rng, product: str, interval: str) -> str:
    return f"price_1{product.split()[-1][:2].upper()}{interval[0]}{rng.integers(10**9, 10**10)}"


def write_stripe_export(path: Path, customers: int = 300, seed: int = 17, coupons: bool = True) -> Path:
    """Write the export (see the module docstring); returns `path`."""
    rng = np.random.default_rng(seed)
    ids = {(p, i): _price_id(rng, p, i) for p in PRODUCTS for i in ("month", "year")}
    names = list(PRODUCTS)
    first, last = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-20")
    rows = []

    def row(cust: int, n: int, product: str, interval: str, seats: int, created: pd.Timestamp,
            ended: pd.Timestamp | None, status: str, trial_end: pd.Timestamp | None = None,
            canceled: pd.Timestamp | None = None, at_period_end: bool = False, coupon: str = "") -> None:
        monthly, yearly = PRODUCTS[product]
        price = monthly if interval == "month" else yearly
        step = pd.DateOffset(months=1 if interval == "month" else 12)
        period_start = created
        while period_start + step <= (ended if ended is not None else CUTOFF):
            period_start = period_start + step
        rows.append({
            "id": f"sub_{cust:04d}{n}{rng.integers(10**7, 10**8)}", "Customer ID": f"cus_{cust:05d}",
            "Customer Description": f"Azienda {cust} S.r.l.", "Customer Email": f"billing{cust}@example.it",
            "Plan": ids[(product, interval)], "Product": product, "Quantity": seats, "Interval": interval,
            "Amount": f"{price:.2f}", "Currency": "eur", "Status": status, "Created (UTC)": created.strftime(FMT),
            "Start (UTC)": created.strftime(FMT), "Current Period Start (UTC)": period_start.strftime(FMT),
            "Current Period End (UTC)": (period_start + step).strftime(FMT),
            "Trial Start (UTC)": created.strftime(FMT) if trial_end is not None else "",
            "Trial End (UTC)": trial_end.strftime(FMT) if trial_end is not None else "",
            "Canceled At (UTC)": (canceled if canceled is not None else ended).strftime(FMT)
            if (canceled is not None or ended is not None) else "",
            "Ended At (UTC)": ended.strftime(FMT) if ended is not None else "",
            "Cancel At Period End": "true" if at_period_end else "false", "Coupon": coupon,
            "Tax Percent": "22.0", "Application Fee Percent": "", "Billing": "charge_automatically",
            "Days Until Due": ""})

    for cust in range(1, customers + 1):
        hours = int(rng.integers(8, 17))  # office hours in UTC: the same day in Rome
        created = first + pd.Timedelta(days=int(rng.integers(0, (last - first).days)), hours=hours,
                                       minutes=int(rng.integers(0, 60)))
        product = names[int(rng.choice(3, p=[0.5, 0.35, 0.15]))]
        interval = "year" if rng.random() < 0.25 else "month"
        seats = 1 if rng.random() < 0.8 else int(rng.integers(2, 6))
        coupon = ""
        if coupons:
            u = rng.random()
            coupon = "FRIENDS20" if u < 0.08 else "LAUNCH50" if u < 0.16 else "WELCOME10" if u < 0.22 else ""
        trial_end = created + pd.Timedelta(days=14) if rng.random() < 0.3 else None
        if cust % 60 == 7:  # signed up in the last days: still in the trial at the cut-off
            created = CUTOFF - pd.Timedelta(days=int(rng.integers(2, 12)), hours=-hours)
            trial_end = created + pd.Timedelta(days=14)
        paying = trial_end if trial_end is not None else created
        if trial_end is not None and trial_end > CUTOFF:
            row(cust, 1, product, interval, seats, created, None, "trialing", trial_end)
            continue
        if trial_end is not None and rng.random() < 0.12:  # cancelled during the trial: never paid
            row(cust, 1, product, interval, seats, created, created + pd.Timedelta(days=int(rng.integers(2, 13))),
                "canceled", trial_end)
            continue
        if cust % 97 == 13:  # the first payment failed: never a customer
            row(cust, 1, product, interval, seats, created, created + pd.Timedelta(days=1), "incomplete_expired")
            continue
        # An upgrade or a seat change ends the first subscription on the day the second starts.
        change = None
        u = rng.random()
        if u < 0.22 and paying + pd.Timedelta(days=70) < CUTOFF:
            day = paying + pd.Timedelta(days=int(rng.integers(35, max(36, min(400, (CUTOFF - paying).days - 20)))))
            change = day.normalize() + pd.Timedelta(hours=int(rng.integers(8, 17)))
        life_days = rng.exponential(420) if interval == "month" else 365 * rng.integers(1, 3) + 1
        end = paying + pd.Timedelta(days=float(life_days))
        end = end if end < CUTOFF else None
        if change is not None and end is not None and end <= change + pd.Timedelta(days=10):
            end = None if rng.random() < 0.5 else change + pd.Timedelta(days=40)
            end = end if end is None or end < CUTOFF else None
        if change is None:
            status = "canceled" if end is not None else ("past_due" if rng.random() < 0.06 else "active")
            at_period_end = end is None and status == "active" and rng.random() < 0.05
            canceled = CUTOFF - pd.Timedelta(days=5, hours=-10) if at_period_end else None
            row(cust, 1, product, interval, seats, created, end, status, trial_end, canceled, at_period_end, coupon)
            continue
        row(cust, 1, product, interval, seats, created, change, "canceled", trial_end, coupon=coupon)
        if u < 0.09:  # plan upgrade (or, from Business, a downgrade to Pro), same seats
            product2, seats2 = (names[names.index(product) + 1] if product != "Nuvola Business" else "Nuvola Pro",
                                seats)
        else:  # seat change: one to three seats more, or fewer (never below one)
            delta = int(rng.integers(1, 4)) * (1 if rng.random() < 0.6 or seats == 1 else -1)
            product2, seats2 = product, max(1, seats + delta)
        status = "canceled" if end is not None else "active"
        row(cust, 2, product2, interval, seats2, change, end, status)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.to_csv(path, index=False)
    return path


def _day(text: pd.Series) -> pd.Series:
    """Stripe's UTC times as the client's calendar days."""
    stamp = pd.to_datetime(text.replace("", None), format=FMT, utc=True)
    return stamp.dt.tz_convert(ZONE).dt.tz_localize(None).dt.normalize()


def paying_spans(path: Path, seats: bool = True, coupons: dict | None = None) -> pd.DataFrame:
    """One row per span of constant MRR of each subscription that ever paid: customer, start and end day (NaT: still
    paying at the cut-off; a span covers start <= day < end) and MRR. `seats=False` is the quantity-blind MRR;
    `coupons` (as COUPONS) are subtracted (forever: always; repeating: the first `duration_months`; once: not)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = raw[~raw["Status"].isin(["trialing", "incomplete", "incomplete_expired"])]
    created, trial, ended = _day(raw["Created (UTC)"]), _day(raw["Trial End (UTC)"]), _day(raw["Ended At (UTC)"])
    start = trial.where(trial > created, created)
    keep = ended.isna() | (ended > start)
    months = raw["Interval"].map({"month": 1.0, "year": 12.0})
    mrr = raw["Amount"].astype(float) * (raw["Quantity"].astype(float) if seats else 1.0) / months
    spans = []
    for i in np.flatnonzero(keep.to_numpy()):
        s, e, m = start.iloc[i], ended.iloc[i], float(mrr.iloc[i])
        c = (coupons or {}).get(raw["Coupon"].iloc[i])
        if c and c["duration"] != "once":
            off = (m * c["percent_off"] / 100) if "percent_off" in c else c["amount_off"] / months.iloc[i]
            if c["duration"] == "forever":
                m = m - off
            else:
                until = s + pd.DateOffset(months=c["duration_months"])
                spans.append((raw["Customer ID"].iloc[i], s, min(until, e) if pd.notna(e) else until, m - off))
                if pd.notna(e) and e <= until:
                    continue
                s = until
        spans.append((raw["Customer ID"].iloc[i], s, e, m))
    return pd.DataFrame(spans, columns=["customer_id", "start", "end", "mrr"])


def month_end_mrr(path: Path, months: pd.PeriodIndex, seats: bool = True, coupons: dict | None = None) -> pd.Series:
    """MRR at the last day of each month of `months` (see `paying_spans`)."""
    spans = paying_spans(path, seats, coupons)
    out = {}
    for month in months:
        day = month.to_timestamp(how="end").normalize()
        active = (spans["start"] <= day) & (spans["end"].isna() | (spans["end"] > day))
        out[str(month)] = float(spans.loc[active, "mrr"].sum())
    return pd.Series(out, name="mrr")
