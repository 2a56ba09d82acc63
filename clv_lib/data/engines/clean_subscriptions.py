"""The subscriptions cleaning rules, run inside the engine (Ibis expressions), with the same ledger as the file path.

`clean_engine_subscriptions(raw, mapping, spec, currency, timezone, observation_end, source, engine)` applies to an
Ibis table the rules of `clv_lib.data.subscriptions`, in its order (a row is counted by the first rule that
removes it): exact duplicates, unparsable or missing start date, unparsable end date (a value given that cannot be
read), unparsable or missing price, unknown billing interval, excluded statuses, missing customer id (with the
e-mail fallback), zero price (trials, free plans), negative price, segments ending before or on the day they
start, starting after the observation end or ending before params `start_date`; currency conversion; end dates
after the observation end cleared (active at the cut-off). MRR is the `mrr` column, or the amount divided by the
months of the billing interval (labels folded and looked up as in the file path). It returns the cleaned segments
as a lazy Ibis table in the cleaned-subscriptions contract (`customer_id`, `subscription_id`, `plan`,
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

from clv_lib.data.engines.clean import EngineClean, _float, _labels, currency_rules, keys
from clv_lib.data.engines.query import cache, run
from clv_lib.data.engines.values import Reader
from clv_lib.data.ledger import Ledger
from clv_lib.data.rules import fold_label
from clv_lib.data.subscriptions import EXCLUDED_STATUSES, INTERVAL_MONTHS


def clean_engine_subscriptions(raw, mapping, spec, currency: str, timezone: str, observation_end, source: str,
                               engine: str) -> EngineClean:
    """Clean the Ibis table `raw` mapped by `mapping` with the `data:` params `spec` (see the module docstring)."""
    import ibis

    col = mapping.get
    ledger = Ledger(source=source)
    reader = Reader.of(raw, engine, timezone)
    rates_table = {currency: 1.0, **{k.upper(): float(v) for k, v in (spec.fx_rates or {}).items()}}
    interval_table = {**INTERVAL_MONTHS,
                      **{fold_label(k): float(v) for k, v in (spec.billing_interval_months or {}).items()}}
    uses_interval = bool(col("billing_interval")) and not col("mrr")
    base = raw.distinct() if spec.drop_exact_duplicates else raw
    interval_labels = _labels(raw.select(v=reader.text(raw[col("billing_interval")])), "v") if uses_interval else {}

    def derive(table):
        """The cleaning's columns computed from a raw table (the same expressions for `raw` and `base`)."""
        text = lambda name: reader.text(table[col(name)]) if col(name) else ibis.null("string")  # noqa: E731
        email = text("email").lower()
        v = {"cid": text("customer_id") if col("customer_id") else email, "email": email,
             **keys(table, mapping, None, reader)}
        v["start"] = reader.day(table[col("start_date")], col("start_date"))
        if col("end_date"):
            v["end"] = reader.day(table[col("end_date")], col("end_date"))
            v["end_given"] = reader.text(table[col("end_date")]).notnull()
        else:
            v["end"], v["end_given"] = ibis.null("date"), ibis.literal(False)
        price_col = col("mrr") or col("amount")
        v["price"] = reader.number(table[price_col], price_col)
        if uses_interval:
            label = reader.text(table[col("billing_interval")])
            known = [(label.isin(raws), ibis.literal(m, "float64")) for m, raws in _by_value(
                {r: interval_table[f] for r, f in interval_labels.items() if f in interval_table}).items()]
            v["months"] = ibis.cases(*known, else_=ibis.null("float64")) if known else ibis.null("float64")
            v["interval"] = label
        else:
            v["months"] = ibis.literal(1.0, "float64")
        v["status"] = text("status")
        v["code"] = ibis.coalesce(text("currency").upper(), ibis.literal(currency)) if col("currency") else \
            ibis.literal(currency)
        v["sid"], v["plan"], v["channel"] = text("subscription_id"), text("plan"), text("channel")
        return table.select(**v)

    t = derive(base)
    rate = ibis.cases(*[(t.code == code, ibis.literal(r, "float64")) for code, r in rates_table.items()],
                      else_=ibis.null("float64"))
    # the values once, in a table of the engine: the rules and the ledger read them many times
    t = cache(t.mutate(rate=rate).mutate(value=lambda x: x.price / x.months * x.rate), engine)

    inferences = [f"start_date: {reader.describe_day(base[col('start_date')], col('start_date'))}"]
    if col("end_date"):
        inferences.append(f"end_date: {reader.describe_day(base[col('end_date')], col('end_date'))}; empty: active")
    else:
        inferences.append("end_date: no end date column, every subscription is taken as active")
    price_col = col("mrr") or col("amount")
    inferences.append(f"{'mrr' if col('mrr') else 'amount'}: '{price_col}' read as {base[price_col].type()} by "
                      f"{engine}")
    if uses_interval:
        used = sorted({f: interval_table[f] for f in interval_labels.values() if f in interval_table}.items())
        inferences.append(f"mrr: {col('amount')} / months of {col('billing_interval')} ("
                          + ", ".join(f"{k} = {v:g}" for k, v in used) + ")")
    elif not col("mrr"):
        inferences.append(f"mrr: no billing interval column, {col('amount')} is taken as monthly")

    # Rules, in the file path's order: each row is counted by the first rule that removes it.
    rules: list[tuple[object, str]] = [(t.start.isnull(), "unparsable or missing start date"),
                                       (t.end_given & t.end.isnull(), "unparsable end date"),
                                       (t.price.isnull(), "unparsable or missing price")]
    interval_rule = None
    if uses_interval:
        interval_rule = len(rules)
        rules.append((t.months.isnull(), "unknown billing interval"))
    if col("status"):
        statuses = _labels(t, "status")
        if spec.exclude_statuses:
            wanted = {fold_label(s) for s in spec.exclude_statuses}
            rules.append((_among(t.status, statuses, wanted), f"excluded status ({', '.join(sorted(wanted))})"))
        else:
            for rule, names in EXCLUDED_STATUSES.items():
                rules.append((_among(t.status, statuses, set(names)), rule))
    customer_rule = len(rules)
    if spec.email_fallback:
        rules.append((t.cid.isnull() & t.email.isnull(), "missing customer id and e-mail"))
    else:
        rules.append((t.cid.isnull(), "missing customer id"))
    rules += [(t.price == 0, "trial or free (zero price)"), (t.price < 0, "negative price"),
              (t.end < t.start, "ends before it starts"), (t.end == t.start, "ends on the day it starts")]
    cut = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if cut is not None:
        rules.append((t.start > ibis.literal(cut.date()), f"starts after the observation end ({cut.date()})"))
    if spec.start_date:
        first = pd.Timestamp(spec.start_date)
        rules.append((t.end < ibis.literal(first.date()), f"ended before the start date ({first.date()})"))
    t = cache(t.mutate(rule=ibis.cases(*[(cond, i) for i, (cond, _) in enumerate(rules)], else_=-1)), engine)

    counts = _execute(t.group_by("rule").aggregate(n=t.count(), revenue=t.value.sum()), engine, source)
    everything = derive(raw)
    everything = everything.mutate(value=everything.price / everything.months * ibis.cases(
        *[(everything.code == code, ibis.literal(r, "float64")) for code, r in rates_table.items()],
        else_=ibis.null("float64")))
    read = _execute(everything.aggregate(n=everything.count(), revenue=everything.value.sum()), engine, source)
    read_n, read_revenue = int(read["n"].iloc[0]), _float(read["revenue"].iloc[0])
    ledger.read(read_n, read_revenue)
    if spec.drop_exact_duplicates:
        ledger.record("exact duplicate row", "excluded", [], read_revenue - _float(counts["revenue"].sum()),
                      rows=read_n - int(counts["n"].sum()))
    by_rule = counts.set_index("rule")
    for i, (_, name) in enumerate(rules):
        if i == customer_rule + 1 and spec.email_fallback:
            _fill_from_email(t, ledger, customer_rule, engine, source)
        if i not in by_rule.index:
            continue
        if i == interval_rule:
            name = _interval_rule_name(t, i, engine, source)
        ledger.record(name, "excluded", [], _float(by_rule.loc[i, "revenue"]), rows=int(by_rule.loc[i, "n"]))
    if spec.email_fallback:
        t = _with_email_ids(t, customer_rule)

    t = cache(t, engine)
    alive = t.filter(t.rule == -1)
    currency_rules(alive, ledger, currency, rates_table, source, engine)
    end = alive.end
    if cut is not None:
        later = alive.filter(alive.end > ibis.literal(cut.date()))
        s = _execute(later.aggregate(n=later.count(), revenue=later.value.sum()), engine, source)
        ledger.record(f"ends after the observation end: active on {cut.date()}", "converted", [],
                      _float(s["revenue"].iloc[0]), rows=int(s["n"].iloc[0]))
        end = ibis.cases((alive.end > ibis.literal(cut.date()), ibis.null("date")), else_=alive.end)
    alive = _with_subscription_ids(alive.mutate(end=end), bool(col("subscription_id")))
    extras = {"channel": ibis.coalesce(alive.channel, ibis.literal(""))} if col("channel") else {}
    out = cache(alive.select(customer_id=alive.cid, subscription_id=alive.sid,
                             plan=ibis.coalesce(alive.plan, ibis.literal("unknown")), start_date=alive.start,
                             end_date=alive.end, mrr=alive.value, billing_interval_months=alive.months, **extras),
                engine)
    kept = _execute(out.aggregate(n=out.count(), revenue=out.mrr.sum()), engine, source)
    ledger.kept(int(kept["n"].iloc[0]), _float(kept["revenue"].iloc[0]))
    ledger.check()
    return EngineClean(out, ledger, inferences)


def _execute(expr, engine: str, source: str):
    return run(expr, engine, f"cleaning {source}")


def _by_value(mapping: dict) -> dict:
    """{raw label: months} -> {months: [raw labels]} (one CASE branch per number of months)."""
    out: dict = {}
    for raw, months in mapping.items():
        out.setdefault(months, []).append(raw)
    return out


def _among(column, labels: dict[str, str], folded: set):
    """`column` holds one of the raw labels whose folded form is in `folded`."""
    import ibis

    hit = [r for r, f in labels.items() if f in folded]
    return column.isin(hit) if hit else ibis.literal(False)


def _interval_rule_name(t, rule: int, engine: str, source: str) -> str:
    """"unknown billing interval (a, b, ...)": the first five unknown labels, as the file path names them."""
    names = _execute(t.filter(t.rule == rule).select(v=t.interval).distinct(), engine, source)["v"]
    names = sorted(names.fillna("(empty)").astype(str).unique())[:5]
    return f"unknown billing interval ({', '.join(names)})"


def _lookup(t, customer_rule: int):
    """E-mail -> customer id most often seen with it among the rows that pass the rules before the customer rule
    (ties: the smallest id), as `clv_lib.data.rules.fill_customer_ids` builds it."""
    import ibis

    before = t.filter((t.rule == -1) | (t.rule > customer_rule))
    known = before.filter(before.cid.notnull() & before.email.notnull())
    pairs = known.group_by(["email", "cid"]).aggregate(n=known.count())
    rank = ibis.row_number().over(ibis.window(group_by=pairs.email, order_by=[ibis.desc(pairs.n), pairs.cid]))
    return pairs.mutate(k=rank).filter(lambda x: x.k == 0).select(lk_email="email", lk_cid="cid")


def _fill_from_email(t, ledger: Ledger, customer_rule: int, engine: str, source: str) -> None:
    """Record the rows whose missing customer id comes from their e-mail (those alive after the customer rule)."""
    passing = t.filter(((t.rule == -1) | (t.rule > customer_rule)) & t.cid.isnull())
    filled = _execute(passing.aggregate(n=passing.count(), revenue=passing.value.sum()), engine, source)
    ledger.record("customer id taken from the e-mail", "converted", [], _float(filled["revenue"].iloc[0]),
                  rows=int(filled["n"].iloc[0]))


def _with_email_ids(t, customer_rule: int):
    import ibis

    lookup = _lookup(t, customer_rule)
    t = t.left_join(lookup, t.email == lookup.lk_email)
    return t.mutate(cid=ibis.coalesce(t.cid, t.lk_cid, t.email)).drop("lk_email", "lk_cid")


def _with_subscription_ids(alive, has_column: bool):
    """`alive` with `sid`, the subscription id of each segment (see the module docstring for what replaces the file
    path's row numbers)."""
    import ibis

    order = [alive.start, alive.end, alive.value, alive.plan]
    if has_column:
        n = (ibis.row_number().over(ibis.window(group_by=alive.cid, order_by=order)) + 1).cast("string")
        return alive.mutate(sid=ibis.coalesce(alive.sid, "row " + alive.cid + "-" + n))
    prev_end = alive.end.lag().over(ibis.window(group_by=alive.cid, order_by=order))
    t = alive.mutate(_new=ibis.cases((prev_end.notnull() & (prev_end == alive.start), 0), else_=1))
    number = t._new.sum().over(ibis.window(group_by=t.cid, order_by=[t.start, t.end, t.value, t.plan],
                                           preceding=None, following=0))
    return t.mutate(sid=t.cid + "-" + number.cast("string")).drop("_new")
