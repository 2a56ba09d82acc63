"""The orders cleaning rules, run inside the engine (Ibis expressions), with the same ledger as the file path.

`clean_engine_orders(raw, mapping, spec, currency, observation_end, source)` applies to an Ibis table the rules of
`clv_lib.data.orders` that do not need the file's text: exact duplicates, missing dates and amounts, excluded
statuses, missing customer ids (with the e-mail fallback), the cut-off and start date, currency conversion,
line items merged into their order, refunds netted (into their order, then into the customer's latest earlier
order; what is left is flagged), orders refunded in full removed and zero-value orders flagged. It returns the
cleaned orders as a lazy Ibis table (`customer_id`, `order_id`, `order_date` as a date, `amount`, and `status`,
`channel`, `quantity` when mapped) and a `Ledger` filled from a few aggregate queries, so rows read == kept +
removed holds here too. Nothing row-level is brought back to Python.

Differences from the file path, by nature of a database: values are typed (a NULL date or amount is "unparsable
or missing"; text columns are cast where the engine can, and a failed cast is a missing value), there are no
malformed lines and no source row numbers (the ledger's example rows stay empty); ties that the file path breaks
by row order (two orders of one customer on the same day as the target of a refund without an order number, the
status or channel of an order's first line item) are broken by order number and by the smallest label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clv_lib.data.engines.query import cache, count_if
from clv_lib.data.engines.values import Reader
from clv_lib.data.ledger import Ledger
from clv_lib.data.orders import CENT, EXCLUDED_STATUSES, REFUND_STATUSES
from clv_lib.data.read import fold_labels
from clv_lib.exceptions import CurrencyError, EngineError

SEP = "\x1f"


@dataclass
class EngineClean:
    """Cleaned rows as a lazy Ibis table, the ledger of the rules, and how values were read."""

    table: object  #: the cleaned rows (orders, or subscription segments) as a lazy Ibis table
    ledger: Ledger
    inferences: list[str]


def _day(col, name: str, engine: str, timezone: str = "UTC"):
    """A date column as the client's days (see `values.Reader.day`); kept for callers outside the cleaning."""
    return Reader(engine, timezone).day(col, name)


def _labels(table, column: str) -> dict[str, str]:
    """Distinct raw labels of a (small-cardinality) column -> folded label, computed in Python like the file path."""
    values = table.select(v=table[column]).distinct().execute()["v"]
    raw = pd.Series(values.dropna().astype(str).unique(), dtype=object)
    return dict(zip(raw, fold_labels(raw))) if len(raw) else {}


def clean_engine_orders(raw, mapping, spec, currency: str, observation_end, source: str, engine: str,
                        timezone: str = "UTC") -> EngineClean:
    """Clean the Ibis table `raw` mapped by `mapping` with the `data:` params `spec` (see the module docstring)."""
    import ibis

    col = mapping.get
    ledger = Ledger(source=source)
    inferences: list[str] = []
    reader = Reader.of(raw, engine, timezone)
    _text, _number = reader.text, reader.number
    base = raw.distinct()  # exact duplicate rows: every column equal
    src = {}
    src["cid"] = _text(base[col("customer_id")]) if col("customer_id") else ibis.null("string")
    src["email"] = _text(base[col("email")]).lower() if col("email") else ibis.null("string")
    if not col("customer_id"):
        inferences.append(f"customer_id: no customer id column, the e-mail ('{col('email')}') identifies customers")
    src["oid"] = _text(base[col("order_id")]) if col("order_id") else ibis.null("string")
    src["day"] = reader.day(base[col("order_date")], col("order_date"))
    inferences.append(f"order_date: {reader.describe_day(base[col('order_date')], col('order_date'))}")
    if col("amount"):
        src["amt"] = _number(base[col("amount")], col("amount"))
        inferences.append(f"amount: '{col('amount')}' read as {base[col('amount')].type()} by {engine}")
    else:
        src["amt"] = (_number(base[col("quantity")], col("quantity"))
                      * _number(base[col("unit_price")], col("unit_price")))
        inferences.append("amount: quantity x unit price")
    if col("quantity"):
        src["qty"] = _number(base[col("quantity")], col("quantity"))
    src["status"] = _text(base[col("status")]) if col("status") else ibis.null("string")
    src["channel"] = _text(base[col("channel")]) if col("channel") else ibis.null("string")
    src["code"] = (ibis.coalesce(_text(base[col("currency")]).upper(), ibis.literal(currency)) if col("currency")
                   else ibis.literal(currency))
    t = base.select(**src)

    rates_table = {currency: 1.0, **{k.upper(): float(v) for k, v in (spec.fx_rates or {}).items()}}
    rate = ibis.cases(*[(t.code == code, ibis.literal(r, "float64")) for code, r in rates_table.items()],
                      else_=ibis.null("float64"))
    t = t.mutate(rate=rate).mutate(value=lambda x: x.amt * x.rate)

    # Rules, in the file path's order: each row is counted by the first rule that removes it.
    # (labels from the raw column: the same values as the deduplicated rows', read from one column)
    labels = _labels(raw.select(status=_text(raw[col("status")])), "status") if col("status") else {}
    rules: list[tuple[object, str]] = [(t.day.isnull(), "unparsable or missing date"),
                                       (t.amt.isnull(), "unparsable or missing amount")]
    if col("status"):
        if spec.exclude_statuses:
            wanted = set(fold_labels(pd.Series(list(spec.exclude_statuses), dtype=object)))
            hit = [r for r, f in labels.items() if f in wanted]
            rules.append((t.status.isin(hit) if hit else ibis.literal(False),
                          f"excluded status ({', '.join(sorted(wanted))})"))
        else:
            for rule, names in EXCLUDED_STATUSES.items():
                hit = [r for r, f in labels.items() if f in set(names)]
                rules.append((t.status.isin(hit) if hit else ibis.literal(False), f"{rule} (status)"))
    customer_rule = len(rules)
    if spec.email_fallback:
        rules.append((t.cid.isnull() & t.email.isnull(), "missing customer id and e-mail"))
    else:
        rules.append((t.cid.isnull(), "missing customer id"))
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if end is not None:
        rules.append((t.day > ibis.literal(end.date()), f"after the observation end ({end.date()})"))
    if spec.start_date:
        start = pd.Timestamp(spec.start_date)
        rules.append((t.day < ibis.literal(start.date()), f"before the start date ({start.date()})"))
    # one pass over the deduplicated rows, written once: the later steps read this table, not the source
    t = cache(t.mutate(rule=ibis.cases(*[(cond, i) for i, (cond, _) in enumerate(rules)], else_=-1)).drop("amt"),
              engine)

    counts = _execute(t.group_by("rule").aggregate(n=t.count(), revenue=t.value.sum()), engine, source)
    read_n = int(_execute(raw.count(), engine, source))
    read_revenue = float(_execute(raw.select(v=_value_of(raw, mapping, rates_table, currency, reader))
                                  .v.sum(), engine, source) or 0.0)
    ledger.read(read_n, read_revenue)
    distinct_revenue = float(np.nansum(counts["revenue"].astype(float)))
    by_rule = counts.set_index("rule")
    ledger.record("exact duplicate row", "excluded", [], read_revenue - distinct_revenue,
                  rows=read_n - int(counts["n"].sum()))
    for i, (_, name) in enumerate(rules):
        if i in by_rule.index:
            ledger.record(name, "excluded", [], _float(by_rule.loc[i, "revenue"]), rows=int(by_rule.loc[i, "n"]))

    # Customer ids from the e-mail: the id most often seen with it among the rows that pass the earlier rules.
    if spec.email_fallback and col("email"):
        before = t.filter((t.rule == -1) | (t.rule > customer_rule))
        known = before.filter(before.cid.notnull() & before.email.notnull())
        pairs = known.group_by(["email", "cid"]).aggregate(n=known.count())
        rank = ibis.row_number().over(ibis.window(group_by=pairs.email, order_by=[ibis.desc(pairs.n), pairs.cid]))
        lookup = pairs.mutate(k=rank).filter(lambda x: x.k == 0).select(lk_email="email", lk_cid="cid")
        t = t.left_join(lookup, t.email == lookup.lk_email)
        fill = (t.rule == -1) & t.cid.isnull()
        filled = _execute(t.filter(fill).aggregate(n=lambda x: x.count(), revenue=lambda x: x.value.sum()),
                          engine, source)
        ledger.record("customer id taken from the e-mail", "converted", [], _float(filled["revenue"].iloc[0]),
                      rows=int(filled["n"].iloc[0]))
        t = t.mutate(cid=ibis.coalesce(t.cid, t.lk_cid, t.email)).drop("lk_email", "lk_cid")
        t = cache(t, engine)  # the rules' table with the filled ids, read by every later step: computed once
    alive = t.filter(t.rule == -1)
    _currency_rules(alive, ledger, currency, rates_table, source, engine)
    orders = _net_refunds_and_merge(alive, ledger, spec, labels, bool(col("status")), engine, source)
    extras = {c: orders[c] for c in ("status", "channel", "quantity") if col(c)}
    out = orders.select(customer_id=orders.cid, order_id=orders.oid, order_date=orders.day,
                        amount=orders.value2, **extras)  # read twice (kept, `EngineOrders.days`): not copied
    kept = _execute(out.aggregate(n=out.count(), revenue=out.amount.sum()), engine, source)
    ledger.kept(int(kept["n"].iloc[0]), _float(kept["revenue"].iloc[0]))
    ledger.check()
    return EngineClean(out, ledger, inferences)


def _value_of(raw, mapping, rates_table: dict, currency: str, reader: Reader):
    """Each raw row's value in the report currency (NULL when unparsable or without a rate)."""
    import ibis

    col = mapping.get
    if col("amount"):
        amt = reader.number(raw[col("amount")], col("amount"))
    else:
        amt = reader.number(raw[col("quantity")], col("quantity")) * reader.number(raw[col("unit_price")],
                                                                                  col("unit_price"))
    if not col("currency"):
        return amt
    code = ibis.coalesce(reader.text(raw[col("currency")]).upper(), ibis.literal(currency))
    rate = ibis.cases(*[(code == c, ibis.literal(r, "float64")) for c, r in rates_table.items()],
                      else_=ibis.null("float64"))
    return amt * rate


def _float(value) -> float:
    value = float(value) if value is not None and not pd.isna(value) else 0.0
    return value


def _execute(expr, engine: str, source: str):
    """Run a (small) aggregate; engine errors become one EngineError line."""
    try:
        return expr.execute()
    except EngineError:
        raise
    except Exception as exc:  # noqa: BLE001 - translated at the boundary
        from clv_lib.data.engines.connect import _first_line, describe_failure

        raise EngineError(f"engine {engine}: cleaning {source} failed ({describe_failure(exc)}: "
                          f"{_first_line(exc)})") from None


def _currency_rules(alive, ledger: Ledger, currency: str, rates_table: dict, source: str, engine: str) -> None:
    codes = _execute(alive.group_by("code").aggregate(n=alive.count(), revenue=alive.value.sum(),
                                                      unknown=alive.rate.isnull().any()), engine, source)
    unknown = codes[codes["unknown"].astype(bool)].sort_values(["n", "code"], ascending=[False, True])
    if len(unknown):
        listing = ", ".join(f"{c} ({k:,} rows)" for c, k in zip(unknown["code"], unknown["n"]))
        first = unknown["code"].iloc[0]
        raise CurrencyError(f"{source}: amounts in {listing} but no exchange rate to {currency}; add params "
                            f"data.fx_rates, e.g. fx_rates: {{{first}: <{currency} per 1 {first}>}}")
    for _, row in codes[codes["code"] != currency].sort_values("code").iterrows():
        ledger.record(f"converted from {row['code']} to {currency} at {rates_table[row['code']]:g}", "converted",
                      [], _float(row["revenue"]), rows=int(row["n"]))


def _capped(frame, key: str, order: list, cap: str):
    """Refunds `frame.v` netted in order within `key` up to the target's `cap`: the applied part of each."""
    import ibis

    w = ibis.window(group_by=frame[key], order_by=order, preceding=None, following=0)
    cum = frame.v.sum().over(w)
    applied = ibis.greatest(ibis.least(cum, frame[cap]) - ibis.least(cum - frame.v, frame[cap]), 0.0)
    return frame.mutate(applied=applied)


def _net_refunds_and_merge(alive, ledger: Ledger, spec, labels: dict, has_status: bool, engine: str, source: str):
    """Merge line items into orders and net refunds into them (see `clv_lib.data.orders`); one row per order."""
    import ibis

    refund_set = set(spec.refund_statuses and fold_labels(pd.Series(list(spec.refund_statuses), dtype=object))
                     or REFUND_STATUSES)
    refund_labels = [r for r, f in labels.items() if f in refund_set] if has_status else []
    status_refund = alive.status.isin(refund_labels) if refund_labels else ibis.literal(False)
    t = alive.mutate(refund_status=ibis.coalesce(status_refund, False))
    t = t.mutate(is_refund=(t.value < 0) | t.refund_status,
                 key=ibis.cases((t.oid.notnull(), t.cid + SEP + t.oid), else_=ibis.null("string")))
    sales = t.filter(~t.is_refund)
    refunds = t.filter(t.is_refund)

    # Line items: rows sharing an order id (and customer) are one order dated at its first row.
    keyed = sales.filter(sales.oid.notnull())
    agg = dict(day=keyed.day.min(), value=keyed.value.sum(), rows=keyed.count(), status=keyed.status.min(),
               channel=keyed.channel.min())
    if "qty" in keyed.columns:
        agg["quantity"] = keyed.qty.sum()
    merged = keyed.group_by(["cid", "oid"]).aggregate(**agg)  # two columns hashed, no key text per line
    merged = merged.mutate(key=merged.cid + SEP + merged.oid)
    loose = sales.filter(sales.key.isnull())
    n = ibis.row_number().over(ibis.window(group_by=[loose.cid], order_by=[loose.day, loose.value, loose.status,
                                                                           loose.channel, loose.email]))
    loose = loose.mutate(rn=n)
    loose_cols = dict(key=loose.cid + SEP + "row " + loose.rn.cast("string"), cid=loose.cid,
                      oid="row " + loose.rn.cast("string"), day=loose.day, value=loose.value,
                      rows=ibis.literal(1, "int64"), status=loose.status, channel=loose.channel)
    if "qty" in keyed.columns:
        loose_cols["quantity"] = loose.qty
    loose = loose.select(**loose_cols).select(*merged.columns)
    orders = cache(merged.union(loose, distinct=False).mutate(gross=lambda x: x.value), engine)
    # the order's first line is its earliest, then its largest; the window sorts only the orders of several lines
    several = orders.filter(orders.rows > 1).select(mcid="cid", moid="oid")
    lines = keyed.semi_join(several, (keyed.cid == several.mcid) & (keyed.oid == several.moid))
    line = ibis.row_number().over(ibis.window(group_by=[lines.cid, lines.oid],
                                              order_by=[lines.day, ibis.desc(lines.value)]))
    later = lines.mutate(line=line).filter(lambda x: x.line > 0)
    stats = _execute(later.aggregate(n=later.count(), value=later.value.sum()), engine, source)
    # the order's first line is its earliest, then its largest (a table has no row order)
    ledger.record("line items merged into their order", "merged", [], _float(stats["value"].iloc[0]),
                  rows=int(stats["n"].iloc[0]))

    has_refunds = int(_execute(refunds.count(), engine, source))
    if not has_refunds:
        orders = orders.mutate(value2=ibis.greatest(orders.value, 0.0))
        return _finish_orders(orders, ledger, engine, source)

    order_keys = orders.select(okey="key", cap="value")
    refunds = refunds.left_join(order_keys, refunds.key == order_keys.okey)
    refunds = refunds.mutate(v=refunds.value.abs(), matched=refunds.okey.notnull())
    full = refunds.refund_status & (refunds.value >= 0) & ~refunds.matched & refunds.oid.notnull()
    refunds = cache(refunds.mutate(full=full), engine)  # a few rows, read by every netting step
    stats = _execute(refunds.filter(refunds.full).aggregate(n=lambda x: x.count(), r=lambda x: x.value.sum()),
                     engine, source)
    ledger.record("order refunded in full (refund status)", "netted", [], _float(stats["r"].iloc[0]),
                  rows=int(stats["n"].iloc[0]))
    refunds = refunds.filter(~refunds.full)
    rid = ibis.row_number().over(ibis.window(group_by=[refunds.cid], order_by=[
        refunds.day, refunds.v, refunds.oid, refunds.status, refunds.email]))
    refunds = refunds.mutate(rid=refunds.cid + SEP + rid.cast("string"))

    # 1. refunds of a known order, in date order, each up to what is left of it
    matched = _capped(refunds.filter(refunds.matched), "okey", ["day", "rid"], "cap")
    applied1 = matched.group_by("okey").aggregate(a1=matched.applied.sum())
    orders = orders.left_join(applied1, orders.key == applied1.okey).drop("okey")
    orders = orders.mutate(value1=orders.value - ibis.coalesce(orders.a1, 0.0)).drop("a1")
    # 2. the rest, against the customer's latest order on or before the refund with value left
    surplus = matched.mutate(v=matched.v - matched.applied, surplus=True).filter(lambda x: x.v > CENT)
    unmatched = refunds.filter(~refunds.matched).mutate(applied=0.0, surplus=False)
    cols = ["rid", "cid", "day", "v", "surplus"]
    rest = surplus.select(*cols).union(unmatched.select(*cols), distinct=False)
    targets = orders.filter(orders.value1 > CENT).select(tkey="key", tcid="cid", tday="day", left="value1")
    pairs = rest.join(targets, (rest.cid == targets.tcid) & (targets.tday <= rest.day))
    pick = ibis.row_number().over(ibis.window(group_by=pairs.rid, order_by=[ibis.desc(pairs.tday),
                                                                           ibis.desc(pairs.tkey)]))
    chosen = pairs.mutate(k=pick).filter(lambda x: x.k == 0).select("rid", "tkey", "left")
    rest = rest.left_join(chosen, rest.rid == chosen.rid).drop("rid_right")
    on_target = _capped(rest.filter(rest.tkey.notnull()), "tkey", ["day", "rid"], "left")
    rest = rest.filter(rest.tkey.isnull()).mutate(applied=0.0).union(on_target, distinct=False)
    applied2 = on_target.group_by("tkey").aggregate(a2=on_target.applied.sum())
    orders = orders.left_join(applied2, orders.key == applied2.tkey).drop("tkey")
    orders = orders.mutate(value2=ibis.greatest(orders.value1 - ibis.coalesce(orders.a2, 0.0), 0.0)).drop("a2")

    m = _execute(matched.aggregate(n=matched.count(), a=matched.applied.sum()), engine, source)
    r = _execute(rest.aggregate(
        spill=rest.applied.sum(where=rest.surplus), other=rest.applied.sum(where=~rest.surplus),
        n_other=count_if(~rest.surplus),
        short_n=count_if((rest.v - rest.applied) > CENT),
        short_v=(rest.v - rest.applied).sum(where=(rest.v - rest.applied) > CENT)), engine, source)
    ledger.record("refund netted into its order", "netted", [],
                  _float(m["a"].iloc[0]) + _float(r["spill"].iloc[0]), rows=int(m["n"].iloc[0]))
    ledger.record("refund netted into the customer's latest earlier order", "netted", [],
                  _float(r["other"].iloc[0]), rows=int(r["n_other"].iloc[0] or 0))
    ledger.record("refund not subtracted (nothing left to net it against)", "flagged", [],
                  _float(r["short_v"].iloc[0]), rows=int(r["short_n"].iloc[0] or 0))
    return _finish_orders(orders, ledger, engine, source)


def _finish_orders(orders, ledger: Ledger, engine: str, source: str):
    gone = (orders.gross > CENT) & (orders.value2 <= CENT)
    zero = orders.gross.abs() <= CENT
    s = _execute(orders.aggregate(gone=count_if(gone), zero=count_if(zero & ~gone)),
                 engine, source)
    ledger.record("order refunded in full", "netted", [], 0.0, rows=int(s["gone"].iloc[0] or 0))
    ledger.record("zero-value order (kept)", "flagged", [], 0.0, rows=int(s["zero"].iloc[0] or 0))
    return orders.filter(~gone)
