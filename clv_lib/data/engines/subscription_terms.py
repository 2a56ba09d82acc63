"""The MRR conventions of params `data.mrr` and the discounts, as Ibis expressions on the typed subscription rows
(used by `clean_subscriptions.py`, so every engine applies them alike).

Where the billing analytics tools differ, the params choose (defaults first):

* `past_due`: `paying` (ChartMogul, Baremetrics: a failed payment being retried still pays) or `churned` (ProfitWell's
  delinquent churn: the subscription stops paying at the start of its unpaid period, `Current Period Start`, or at
  the observation end without that column);
* `cancellation`: `period_end` (the end date: a subscription cancelled at the period end pays until then) or
  `immediate` (MRR stops on the day the cancellation was asked for, `Canceled At`);
* `one_time_discounts`: `ignore` (a once coupon is not recurring revenue) or `first_period` (spread over the first
  billing period: a yearly plan's first 12 months).

Discounts: a `discount_percent` or `discount_amount` column (amount per billing period) is a recurring discount; a
`coupon` column names coupons that `data.mrr.coupons` defines (percent or amount off, forever, repeating for some
months, or once). Forever discounts lower the segment's MRR; a repeating one (or a once coupon spread over the first
period) splits the segment in two: the discounted months from the paying start, then the list price. MRR never goes
below 0. Taxes are not revenue: the price is read as exported (Stripe's `Amount` is before tax; a tax column is
not added).
"""

from __future__ import annotations

import pandas as pd


def moved_ends(t, conv, statuses: dict, cut, cols) -> dict:
    """The end date under the conventions and which rows each convention moved: {end, early, late}. `t` holds `end`,
    `canceled`, `period_start` and `status`; `cols(name)` says whether the canonical column is mapped."""
    import ibis

    from clv_lib.data.engines.clean import _among

    end = t.end
    early = late = ibis.literal(False)
    if conv.cancellation == "immediate" and cols("canceled_at"):
        early = t.canceled.notnull() & (t.end.isnull() | (t.canceled < t.end))
        end = ibis.cases((early, t.canceled), else_=end)
    if conv.past_due == "churned" and cols("status"):
        late = _among(t.status, statuses, {"past_due"}) & end.isnull()
        stop = ibis.literal(cut.date()) if cut is not None else ibis.null("date")
        end = ibis.cases((late, ibis.coalesce(t.period_start, stop)), else_=end)
        late = late & end.notnull()
    return {"end": end, "early": early, "late": late}


def discounted(t, conv, months_values, cols) -> dict:
    """MRR with the discounts (see the module docstring), from `t`'s `price`, `seats`, `months`, `rate`, `pct`,
    `off` and `coupon`: {value (list price less forever discounts), value_rep (during the repeating discount),
    rep_months (NULL: none), discounted, unknown_coupon, once_ignored} as expressions, and rep_values (the numbers
    of months `rep_months` can take, for `until`)."""
    import ibis

    zero = ibis.literal(0.0, "float64")
    billed = t.price * t.seats  # one invoice (billing period), before any discount
    pct = ibis.coalesce(t.pct, zero) if cols("discount_percent") else zero
    off = ibis.coalesce(t.off, zero) if cols("discount_amount") else zero
    rep_pct = rep_off = zero
    rep_months = ibis.null("float64")
    unknown = once_ignored = ibis.literal(False)
    rep_values: list[float] = []
    if cols("coupon"):
        code = t.coupon.upper()
        known = {str(k).upper(): c for k, c in conv.coupons.items()}
        unknown = t.coupon.notnull() & ~code.isin(list(known)) if known else t.coupon.notnull()
        for name, c in known.items():
            hit = code == name
            c_pct, c_off = ibis.literal(float(c.percent_off or 0.0)), ibis.literal(float(c.amount_off or 0.0))
            if c.duration == "forever":
                pct, off = ibis.cases((hit, pct + c_pct), else_=pct), ibis.cases((hit, off + c_off), else_=off)
                continue
            if c.duration == "once" and conv.one_time_discounts == "ignore":
                once_ignored = once_ignored | hit
                continue
            n = ibis.literal(float(c.duration_months), "float64") if c.duration == "repeating" else t.months
            rep_pct, rep_off = ibis.cases((hit, c_pct), else_=rep_pct), ibis.cases((hit, c_off), else_=rep_off)
            rep_months = ibis.cases((hit, n), else_=rep_months)
            rep_values += [float(c.duration_months)] if c.duration == "repeating" else list(months_values)
    listed = ibis.greatest(billed * (1 - pct / 100.0) - off, zero)
    during = ibis.greatest(listed * (1 - rep_pct / 100.0) - rep_off, zero)
    return {"value": listed / t.months * t.rate, "value_rep": during / t.months * t.rate, "rep_months": rep_months,
            "discounted": (pct > 0) | (off > 0), "unknown_coupon": unknown, "once_ignored": once_ignored,
            "rep_values": sorted(set(rep_values))}


def until(start, rep_months, values):
    """The day a repeating discount ends: `start` + `rep_months` calendar months (`values`: the numbers of months
    it can take; a week's fraction of a month is 7 days)."""
    import ibis

    cases = [(rep_months == ibis.literal(m, "float64"),
              start + (ibis.interval(months=int(round(m))) if m >= 1 else ibis.interval(days=7)))
             for m in sorted(set(values))]
    return ibis.cases(*cases, else_=ibis.null("date")) if cases else ibis.null("date")


def split_repeating(alive, cut):
    """The segments with a repeating discount as two segments: the discounted months, then the list price (the
    second only when it starts by the cut-off and before the end). `alive` holds `start`, `end`, `value`,
    `value_rep` and `rep_until`. Returns the segments and the rows split (for the ledger)."""
    import ibis
    from ibis import _

    split = alive.rep_until.notnull() & (alive.rep_until > alive.start) & (alive.value_rep != alive.value)
    open_after = ibis.literal(False) if cut is None else alive.rep_until > ibis.literal(pd.Timestamp(cut).date())
    first_end = ibis.cases((alive.end.notnull() & (alive.end <= alive.rep_until), alive.end),
                           (open_after, ibis.null("date")), else_=alive.rep_until)
    later = split & (alive.end.isnull() | (alive.end > alive.rep_until)) & ~open_after
    a = alive.mutate(_split=split, _first_end=first_end, _later=later)
    helpers = ["_split", "_first_end", "_later"]
    first = a.filter(_._split).mutate(end=_._first_end, value=_.value_rep).drop(*helpers)
    second = a.filter(_._later).mutate(start=_.rep_until).drop(*helpers)
    rest = a.filter(~_._split).drop(*helpers)
    return rest.union(first, distinct=False).union(second, distinct=False), a.filter(_._split).drop(*helpers)
