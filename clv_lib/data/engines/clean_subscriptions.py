"""The subscriptions cleaning rules, run inside the engine (Ibis expressions), with the same ledger as the file path.

`clean_engine_subscriptions(raw, mapping, spec, currency, timezone, observation_end, source, engine)` applies to an
Ibis table the rules of `clv_lib.data.subscriptions`, in its order (a row is counted by the first rule that
removes it): exact duplicates, unparsable or missing start date, unparsable end date (a value given that cannot be
read), unparsable or missing price, unknown billing interval, excluded statuses, missing customer id (with the
e-mail fallback), zero price (trials, free plans), negative price, segments ending before or on the day they
start, starting after the observation end or ending before params `start_date`; currency conversion; end dates
after the observation end cleared (active at the cut-off). MRR is the `mrr` column, or the amount times the quantity
(seats; an empty quantity is one seat) divided by the months of the billing interval (labels folded and looked up
as in the file path): one expression, so every engine and every report figure reads the same MRR. A quantity that is
given but unreadable, zero or negative removes the row (counted). Plan labels are renamed by params
`data.plan_names` (an id -> the name a client recognises). The MRR conventions of params `data.mrr` (past due,
cancellation, one-time discounts) and the discounts (discount columns, coupons) are applied as the expressions of
`subscription_terms`; a repeating discount splits a segment in two (the ledger counts the rows, before the split).
It returns the cleaned segments as a lazy Ibis table in the cleaned-subscriptions contract (`customer_id`, `subscription_id`, `plan`,
`start_date`/`end_date` as dates, `mrr`, `billing_interval_months`, and `channel` when mapped) and a `Ledger`
filled from a few aggregate queries, so rows read == kept + removed holds here too.

Differences from the file path, by nature of a database: values are typed or cast by the engine (see
`values.Reader`), there are no malformed lines and no source row numbers (the ledger's example rows stay empty), and
what the file path decides by row order is decided by the values: an empty subscription id becomes
``row <customer>-<n>`` (n counts the customer's segments by start date) instead of ``row <line number>``, and
without a subscription id column, segments with the same customer and start day are ordered by end day, MRR and
plan before the "continues the previous segment" rule numbers them.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.data.engines import subscription_terms
from clv_lib.data.engines.clean import (
    EngineClean,
    _among,
    _float,
    _labels,
    _with_email_ids,
    currency_rules,
    duplicates,
    fold_label,
    keys,
    rate_expr,
    rates_of,
)
from clv_lib.data.engines.tally import events, record, tally
from clv_lib.data.ingest import FileRows
from clv_lib.data.engines.query import cache, run
from clv_lib.data.engines.values import Reader
from clv_lib.data.ledger import Ledger


INTERVAL_MONTHS = {
    **dict.fromkeys(("month", "monthly", "months", "mo", "m", "1m", "mensile", "mese", "mensilmente"), 1.0),
    **dict.fromkeys(("quarter", "quarterly", "3m", "trimestrale", "trimestre"), 3.0),
    **dict.fromkeys(("half_year", "semiannual", "semi_annual", "6m", "semestrale", "semestre"), 6.0),
    **dict.fromkeys(("year", "yearly", "annual", "annually", "years", "y", "12m", "annuale", "anno"), 12.0),
    **dict.fromkeys(("week", "weekly", "settimanale", "settimana"), 12.0 / 52.0),
}
#: Canonical columns of discounts: not applied to an MRR column (taken as net already).
DISCOUNTS = ("discount_percent", "discount_amount", "coupon")
#: Kept rows whose MRR a convention or a discount changed, as the ledger names them (see `subscription_terms`).
TERM_FLAGS = {
    "one_seat": ("converted", "empty quantity: taken as 1 seat"),
    "early": ("converted", "cancelled at once: MRR ends on the cancellation day (params data.mrr.cancellation: "
                           "immediate)"),
    "late": ("converted", "past due counted as churned from its unpaid period (params data.mrr.past_due: churned)"),
    "discounted": ("converted", "recurring discount subtracted from MRR (coupon or discount column)"),
    "unknown_coupon": ("flagged", "coupon not defined in params data.mrr.coupons ({codes}): MRR at list price"),
    "once_ignored": ("flagged", "one-time coupon left out of MRR (params data.mrr.one_time_discounts: ignore)"),
}
EXCLUDED_STATUSES: dict[str, tuple[str, ...]] = {
    "trial (status)": ("trial", "trialing", "in_prova", "prova"),
    "incomplete (status)": ("incomplete", "incomplete_expired"),
    "test subscription (status)": ("test",),
}


def clean_engine_subscriptions(raw, mapping, spec, currency: str, timezone: str, observation_end, source: str,
                               engine: str, file_rows: FileRows | None = None) -> EngineClean:
    """Clean the Ibis table `raw` mapped by `mapping` with the `data:` params `spec` (see the module docstring)."""
    import ibis

    col = mapping.get
    ledger = Ledger(source=source)
    reader = Reader.of(raw, engine, timezone, spec.decimal)
    rates = rates_of(spec, currency)
    interval_table = {**INTERVAL_MONTHS,
                      **{fold_label(k): float(v) for k, v in (spec.billing_interval_months or {}).items()}}
    uses_interval = bool(col("billing_interval")) and not col("mrr")
    uses_quantity = bool(col("quantity")) and not col("mrr")  # an MRR column is already the subscription's total
    text = lambda name: reader.text(raw[col(name)]) if col(name) else ibis.null("string")  # noqa: E731
    # Discount columns apply to a price; an MRR column is taken as already net of them.
    terms = lambda name: bool(col(name)) and (not col("mrr") or name not in DISCOUNTS)  # noqa: E731
    v = {**keys(raw, mapping, file_rows, reader), "dup": duplicates(raw, file_rows, spec)}
    v["email"] = text("email").lower()
    v["cid"] = text("customer_id") if col("customer_id") else v["email"]
    v["start"] = reader.day(raw[col("start_date")], col("start_date"))
    if col("end_date"):
        v["end"] = reader.day(raw[col("end_date")], col("end_date"))
        v["end_given"] = raw["_given_end"] if "_given_end" in raw.columns else text("end_date").notnull()
    else:
        v["end"], v["end_given"] = ibis.null("date"), ibis.literal(False)
    v["trial"] = reader.day(raw[col("trial_end")], col("trial_end")) if col("trial_end") else ibis.null("date")
    for name, key in (("canceled", "canceled_at"), ("period_start", "period_start")):
        v[name] = reader.day(raw[col(key)], col(key)) if col(key) else ibis.null("date")
    for name, key in (("pct", "discount_percent"), ("off", "discount_amount")):
        v[name] = reader.number(raw[col(key)], col(key)) if terms(key) else ibis.null("float64")
    v["coupon"] = text("coupon") if terms("coupon") else ibis.null("string")
    price_col = col("mrr") or col("amount")
    v["price"] = reader.number(raw[price_col], price_col)
    if uses_quantity:
        v["qty"] = reader.number(raw[col("quantity")], col("quantity"))
        v["qty_given"] = raw["_given_quantity"] if "_given_quantity" in raw.columns else text("quantity").notnull()
    else:
        v["qty"], v["qty_given"] = ibis.literal(1.0, "float64"), ibis.literal(True)
    v["interval"] = text("billing_interval") if uses_interval else ibis.null("string")
    v["status"] = text("status")
    v["code"] = ibis.coalesce(text("currency").upper(), ibis.literal(currency)) if col("currency") else \
        ibis.literal(currency)
    v["sid"], v["plan"], v["channel"] = text("subscription_id"), _plan_names(text("plan"), spec), text("channel")
    t = cache(raw.select(**v), engine)  # the typed rows, read by every rule and count below

    interval_labels = _labels(t, "interval", engine, source) if uses_interval else {}
    known = [(t.interval.isin(raws), ibis.literal(m, "float64")) for m, raws in _by_value(
        {r: interval_table[f] for r, f in interval_labels.items() if f in interval_table}).items()]
    months = (ibis.cases(*known, else_=ibis.null("float64")) if known else ibis.null("float64")) if uses_interval \
        else ibis.literal(1.0, "float64")
    cut = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    t = t.mutate(months=months, rate=rate_expr(t.code, rates))
    t = t.mutate(seats=ibis.coalesce(t.qty, ibis.literal(1.0, "float64")))
    statuses = _labels(t, "status", engine, source) if col("status") else {}
    t = t.mutate(**subscription_terms.moved_ends(t, spec.mrr, statuses, cut, terms))
    money = subscription_terms.discounted(t, spec.mrr, interval_table.values(), terms)
    rep_values = money.pop("rep_values")
    t = t.mutate(**money)  # value: the one MRR expression (price x seats, less discounts, / months, converted)
    t = t.mutate(one_seat=~t.qty_given)
    inferences = _inferences(raw, mapping, reader, engine, file_rows, uses_interval, interval_labels,
                             interval_table)

    # Rules, in order: each row is counted by the first rule that removes it.
    rules: list[tuple[object, str]] = [(t.dup, "exact duplicate row"),
                                       (t.start.isnull(), "unparsable or missing start date"),
                                       (t.end_given & t.end.isnull(), "unparsable end date"),
                                       (t.price.isnull(), "unparsable or missing price")]
    if uses_quantity:
        rules.append((t.qty_given & t.qty.isnull(), "unparsable quantity"))
    interval_rule = None
    if uses_interval:
        interval_rule = len(rules)
        rules.append((t.months.isnull(), "unknown billing interval"))
    if col("status"):
        if spec.exclude_statuses:
            wanted = {fold_label(s) for s in spec.exclude_statuses}
            rules.append((_among(t.status, statuses, wanted), f"excluded status ({', '.join(sorted(wanted))})"))
        else:
            rules += [(_among(t.status, statuses, set(names)), rule) for rule, names in EXCLUDED_STATUSES.items()]
    customer_rule = len(rules)
    rules.append((t.cid.isnull() & t.email.isnull(), "missing customer id and e-mail") if spec.email_fallback
                 else (t.cid.isnull(), "missing customer id"))
    in_trial = ibis.coalesce(t.trial > t.start, False)  # no trial: NULL
    trial_rule = len(rules) - 1
    if col("trial_end"):
        rules.append((in_trial & ibis.coalesce(t.end <= t.trial, False), "ended during its free trial (never paid)"))
        if cut is not None:
            rules.append((in_trial & (t.trial > ibis.literal(cut.date())), f"still in its free trial on {cut.date()}"))
        trial_rule = len(rules) - 1
    start = ibis.cases((in_trial, t.trial), else_=t.start)  # a subscriber pays, and can churn, from the trial's end
    rules += [(t.price == 0, "trial or free (zero price)"), (t.price < 0, "negative price")]
    if uses_quantity:
        rules += [(t.qty == 0, "zero quantity (no seats)"), (t.qty < 0, "negative quantity")]
    rules += [(t.end < start, "ends before it starts"), (t.end == start, "ends on the day it starts")]
    if cut is not None:
        rules.append((start > ibis.literal(cut.date()), f"starts after the observation end ({cut.date()})"))
    if spec.start_date:
        first = pd.Timestamp(spec.start_date)
        rules.append((t.end < ibis.literal(first.date()), f"ended before the start date ({first.date()})"))
    t = cache(t.mutate(rule=ibis.cases(*[(cond, i) for i, (cond, _) in enumerate(rules)], else_=-1),
                       moved=in_trial, paying_start=start), engine)

    read = _execute(t.aggregate(n=t.count(), v=t.value.sum()), engine, source)
    malformed = file_rows.malformed if file_rows is not None else []
    ledger.read(int(read["n"].iloc[0]) + len(malformed), _float(read["v"].iloc[0]))
    ledger.record("malformed row (wrong number of fields)", "excluded", malformed, 0.0)
    passing = (t.rule == -1) | (t.rule > customer_rule)
    filled = t.filter(passing & t.cid.isnull())
    moved = t.filter(((t.rule == -1) | (t.rule > trial_rule)) & t.moved)
    hit = t.filter(t.rule >= 0)
    counted = events(hit, hit.rule, 1, ibis.coalesce(hit.value, 0.0)).union(
        events(filled, "email", 1, ibis.coalesce(filled.value, 0.0)), distinct=False).union(
        events(moved, "moved", 1, ibis.coalesce(moved.value, 0.0)), distinct=False)
    kept_rows = t.filter(t.rule == -1)
    for flag in TERM_FLAGS:  # kept rows whose MRR a convention, a discount or an empty quantity changed
        marked = kept_rows.filter(kept_rows[flag])
        counted = counted.union(events(marked, flag, 1, ibis.coalesce(marked.value, 0.0)), distinct=False)
    counts = tally(counted, engine, source)
    for i, (_, name) in enumerate(rules):
        if i == interval_rule and str(i) in counts:
            name = _interval_rule_name(t, i, engine, source)
        record(ledger, counts, str(i), "excluded", name)
        if i == customer_rule and spec.email_fallback:
            record(ledger, counts, "email", "converted", "customer id taken from the e-mail")
        if i == trial_rule and col("trial_end"):
            record(ledger, counts, "moved", "converted", "start moved to the end of the free trial")
    for flag, (treatment, name) in TERM_FLAGS.items():
        if flag == "unknown_coupon" and flag in counts:
            name = name.format(codes=_unknown_coupons(t, engine, source))
        record(ledger, counts, flag, treatment, name)
    if spec.email_fallback:
        t = _with_email_ids(t, passing)
    t = cache(t.mutate(start=t.paying_start), engine)
    alive = t.filter(t.rule == -1)
    currency_rules(alive, ledger, currency, rates, source, engine)
    end = alive.end
    if cut is not None:
        later = alive.filter(alive.end > ibis.literal(cut.date()))
        counts = tally(events(later, "later", 1, later.value), engine, source)
        record(ledger, counts, "later", "converted", f"ends after the observation end: active on {cut.date()}")
        end = ibis.cases((alive.end > ibis.literal(cut.date()), ibis.null("date")), else_=alive.end)
    alive = kept_rows = _with_subscription_ids(alive.mutate(end=end), bool(col("subscription_id")))
    if rep_values:  # a repeating discount: the discounted months, then the list price, as two segments
        alive = alive.mutate(rep_until=subscription_terms.until(alive.start, alive.rep_months, rep_values))
        alive, split = subscription_terms.split_repeating(alive, cut)
        counts = tally(events(split, "split", 1, split.value_rep), engine, source)
        record(ledger, counts, "split", "converted",
               "repeating discount: discounted MRR for its months from the paying start, then the list price")
    extras = {"channel": ibis.coalesce(alive.channel, ibis.literal(""))} if col("channel") else {}
    out = cache(alive.select(customer_id=alive.cid, subscription_id=alive.sid,
                             plan=ibis.coalesce(alive.plan, ibis.literal("unknown")), start_date=alive.start,
                             end_date=alive.end, mrr=alive.value, billing_interval_months=alive.months, **extras),
                engine)
    kept = _execute(kept_rows.aggregate(n=kept_rows.count(), revenue=kept_rows.value.sum()), engine, source)
    ledger.kept(int(kept["n"].iloc[0]), _float(kept["revenue"].iloc[0]))
    ledger.check()
    return EngineClean(out, ledger, inferences)


def _inferences(raw, mapping, reader, engine: str, file_rows, uses_interval: bool, interval_labels: dict,
                interval_table: dict) -> list[str]:
    """How values were read: a file's parsers' sentences, or the engine's types; then MRR from the interval."""
    col = mapping.get
    if file_rows is not None:
        lines = list(file_rows.inferences)
    else:
        lines = [f"start_date: {reader.describe_day(raw[col('start_date')], col('start_date'))}"]
        if col("end_date"):
            lines.append(f"end_date: {reader.describe_day(raw[col('end_date')], col('end_date'))}; empty: active")
        price_col = col("mrr") or col("amount")
        lines.append(f"{'mrr' if col('mrr') else 'amount'}: '{price_col}' read as {raw[price_col].type()} by "
                     f"{engine}")
    if not col("end_date"):
        lines.append("end_date: no end date column, every subscription is taken as active")
    if uses_interval:
        used = sorted({f: interval_table[f] for f in interval_labels.values() if f in interval_table}.items())
        seats = f" x {col('quantity')}" if col("quantity") else ""
        lines.append(f"mrr: {col('amount')}{seats} / months of {col('billing_interval')} ("
                     + ", ".join(f"{k} = {v:g}" for k, v in used) + ")")
    elif not col("mrr"):
        seats = f" x {col('quantity')}" if col("quantity") else ""
        lines.append(f"mrr: no billing interval column, {col('amount')}{seats} is taken as monthly")
    if col("quantity") and not col("mrr"):
        lines.append(f"quantity: '{col('quantity')}' is the number of seats (empty: 1)")
    return lines


def _unknown_coupons(t, engine: str, source: str) -> str:
    """The first five coupon codes that params `data.mrr.coupons` does not define."""
    names = _execute(t.filter((t.rule == -1) & t.unknown_coupon).select(v=t.coupon).distinct(), engine, source)["v"]
    names = sorted(names.dropna().astype(str).unique())
    return ", ".join(names[:5]) + (f", +{len(names) - 5}" if len(names) > 5 else "")


def _plan_names(plan, spec):
    """The plan label, renamed by params `data.plan_names` (e.g. a Stripe price id -> "Pro monthly")."""
    import ibis

    names = getattr(spec, "plan_names", None) or {}
    if not names:
        return plan
    return ibis.cases(*[(plan == str(k), ibis.literal(str(v))) for k, v in names.items()], else_=plan)


def _execute(expr, engine: str, source: str):
    return run(expr, engine, f"cleaning {source}")


def _by_value(mapping: dict) -> dict:
    """{raw label: months} -> {months: [raw labels]} (one CASE branch per number of months)."""
    out: dict = {}
    for raw, months in mapping.items():
        out.setdefault(months, []).append(raw)
    return out


def _interval_rule_name(t, rule: int, engine: str, source: str) -> str:
    """"unknown billing interval (a, b, ...)": the first five unknown labels, as the file path names them."""
    names = _execute(t.filter(t.rule == rule).select(v=t.interval).distinct(), engine, source)["v"]
    names = sorted(names.fillna("(empty)").astype(str).unique())[:5]
    return f"unknown billing interval ({', '.join(names)})"


def _with_subscription_ids(alive, has_column: bool):
    """`alive` with `sid`, the subscription id of each segment (see the module docstring for what replaces the file
    path's row numbers)."""
    import ibis

    order = [alive.start, alive._row, alive.end, alive.value, alive.plan]
    if has_column:
        n = (ibis.row_number().over(ibis.window(group_by=alive.cid, order_by=order)) + 1).cast("string")
        row = ibis.coalesce(alive._row.cast("string"), alive.cid + "-" + n)  # a file's row, else the n-th segment
        return alive.mutate(sid=ibis.coalesce(alive.sid, "row " + row))
    prev_end = alive.end.lag().over(ibis.window(group_by=alive.cid, order_by=order))
    t = alive.mutate(_new=ibis.cases((prev_end.notnull() & (prev_end == alive.start), 0), else_=1))
    number = t._new.sum().over(ibis.window(group_by=t.cid, order_by=[t.start, t._row, t.end, t.value, t.plan],
                                           preceding=None, following=0))
    return t.mutate(sid=t.cid + "-" + number.cast("string")).drop("_new")
