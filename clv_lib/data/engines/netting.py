"""Orders from the rows that passed the cleaning rules: line items merged, partial refunds of a refunded-amount
column, refunds netted, orders refunded in full removed, zero-value orders flagged; one Ibis implementation.

* **Line items**: rows sharing an order id (and customer) are one order dated at its earliest row, its value their
  sum, exact in decimal (`money_sum`: the same to the last bit in every run) (merged: every line but the first, by
  source row; in a table, the earliest then the largest). A sale without an order id is an order of its own, named
  `row <source row>` (a table: `row <n>`, n counting the customer's such rows by date and value). Status and
  channel: the smallest label of the order's lines.
* **Partial refunds written on the order** (Shopify's "Refunded Amount", canonical `refunded_amount`): subtracted
  once from the merged order, never below zero (flagged); an order refunded to nothing is removed below.
* **Refunds**: a row with a negative amount or a refund status (params `refund_statuses`); its value is the
  absolute amount. A refund-status row with a positive amount whose order id has no sale is an order refunded in
  full: sale and refund cancel, the row is removed. Every other refund is subtracted once, never below zero: from
  its own order (the order's refunds in date order, each up to what is left), the rest, and refunds without an
  order, from the customer's latest order on or before the refund with value left; what is left of a refund that
  was netted in part is flagged ("refund not subtracted"), with its amount, and a refund with no order to net
  any of it against is excluded ("refund with no earlier order left"), e.g. every row of a returns-only export.
* Orders whose net value falls to zero are removed ("order refunded in full"); orders that were zero to begin with
  (coupons, samples) stay, flagged.
"""

from __future__ import annotations

from clv_lib.data.engines.query import cache, double, money_sum
from clv_lib.data.engines.tally import events, record, tally
from clv_lib.data.ledger import Ledger

SEP = "\x1f"
CENT = 0.005
RECORDS = (  # event name, ledger rule, treatment; in the ledger's order
    ("merged", "line items merged into their order", "merged"),
    ("partial", "partial refund subtracted from its order (refunded amount column)", "flagged"),
    ("full", "order refunded in full (refund status)", "netted"),
    ("matched", "refund netted into its order", "netted"),
    ("latest", "refund netted into the customer's latest earlier order", "netted"),
    ("none", "refund with no earlier order left to net it against", "excluded"),
    ("short", "refund not subtracted (nothing left to net it against)", "flagged"),
    ("gone", "order refunded in full", "netted"),
    ("zero", "zero-value order (kept)", "flagged"),
)


def _capped(frame, key: list, order: list, cap: str):
    """Refunds `frame.v` netted in order within `key` (columns) up to the target's `cap`: the applied part of each."""
    import ibis

    w = ibis.window(group_by=[frame[k] for k in key], order_by=order, preceding=None, following=0)
    cum = frame.v.sum().over(w)
    return frame.mutate(applied=ibis.greatest(ibis.least(cum, frame[cap]) - ibis.least(cum - frame.v, frame[cap]),
                                              0.0))


def net_refunds_and_merge(alive, refund_status, ledger: Ledger, engine: str, source: str, *,
                          has_refunded: bool = False):
    """One row per order (`cid`, `oid`, `day`, `value` net, `status`, `channel`, `quantity`), the ledger filled.

    Only the merged orders are materialised (one row per order, in a file of 10M orders the one large step); the
    refunds are netted on a few rows, and the net value of each order is its merged value less what the refunds
    took from it (a small table joined on the order's customer and id)."""
    import ibis

    t = alive.mutate(refund_status=ibis.coalesce(refund_status, False))
    t = t.mutate(is_refund=(t.value < 0) | t.refund_status)
    sales, refunds = t.filter(~t.is_refund), t.filter(t.is_refund)
    parts = []

    # Line items: one order per (customer, order id); a sale without an order id is an order of its own.
    keyed = sales.filter(sales.oid.notnull())
    # the value as an exact decimal sum: a float sum's last bit follows the order the engine's threads add the lines
    agg = dict(day=keyed.day.min(), value=money_sum(keyed.value), rows=keyed.count(), status=keyed.status.min(),
               channel=keyed.channel.min(), _row=keyed._row.min(), _ex=keyed._ex.min())
    if has_refunded:
        agg["refunded"] = money_sum(keyed.refunded)
    if "qty" in keyed.columns:
        agg["quantity"] = keyed.qty.sum()
    merged = keyed.group_by(["cid", "oid"]).aggregate(**agg)
    loose = sales.filter(sales.oid.isnull())
    n = ibis.row_number().over(ibis.window(group_by=[loose.cid], order_by=[
        loose.day, loose._row, loose.value, loose.status, loose.channel, loose.email])) + 1
    loose_cols = dict(cid=loose.cid, oid="row " + ibis.coalesce(loose._row.cast("string"), n.cast("string")),
                      day=loose.day, value=loose.value, rows=ibis.literal(1, "int64"), status=loose.status,
                      channel=loose.channel, _row=loose._row, _ex=loose._ex)
    if has_refunded:
        loose_cols["refunded"] = loose.refunded.cast("float64")
    if "qty" in keyed.columns:
        loose_cols["quantity"] = loose.qty
    orders = cache(merged.union(loose.select(**loose_cols).select(*merged.columns), distinct=False), engine)
    several = orders.filter(orders.rows > 1).select(mcid="cid", moid="oid")
    lines = keyed.semi_join(several, (keyed.cid == several.mcid) & (keyed.oid == several.moid))
    line = ibis.row_number().over(ibis.window(group_by=[lines.cid, lines.oid], order_by=[
        lines._row, lines.day, ibis.desc(lines.value), lines.status, lines.channel]))
    later = lines.mutate(line=line).filter(lambda x: x.line > 0)
    parts.append(events(later, "merged", 1, later.value))

    gross = orders.value  # the merged value, before any refund
    if has_refunded:  # partial refunds written on the order itself, subtracted once
        cut = ibis.least(orders.refunded, ibis.greatest(orders.value, 0.0))
        orders = orders.mutate(cut=cut)
        partial = orders.filter((orders.cut > CENT) & (orders.value - orders.cut > CENT))
        parts.append(events(partial, "partial", 1, partial.cut))
        orders = orders.mutate(gross=gross, value=orders.value - orders.cut).drop("cut")
    else:
        orders = orders.mutate(gross=gross)

    order_keys = orders.select(ocid="cid", ooid="oid", cap="value")
    refunds = refunds.left_join(order_keys, (refunds.cid == order_keys.ocid) & (refunds.oid == order_keys.ooid))
    refunds = refunds.mutate(v=refunds.value.abs(), matched=refunds.ooid.notnull())
    full = refunds.refund_status & (refunds.value >= 0) & ~refunds.matched & refunds.oid.notnull()
    refunds = cache(refunds.mutate(full=full), engine)  # a few rows, read by every netting step
    parts.append(events(refunds.filter(refunds.full), "full", 1, refunds.filter(refunds.full).value))
    refunds = refunds.filter(~refunds.full)
    rid = ibis.row_number().over(ibis.window(group_by=[refunds.cid], order_by=[
        refunds.day, refunds._row, refunds.v, refunds.oid, refunds.status, refunds.email]))
    refunds = refunds.mutate(rid=refunds.cid + SEP + rid.cast("string"))

    # 1. refunds of a known order, in date order, each up to what is left of it
    matched = _capped(refunds.filter(refunds.matched), ["ocid", "ooid"], ["day", "rid"], "cap")
    applied1 = matched.group_by(["ocid", "ooid"]).aggregate(a1=matched.applied.sum())
    first = orders.left_join(applied1, (orders.cid == applied1.ocid) & (orders.oid == applied1.ooid))
    first = first.mutate(value1=first.value - ibis.coalesce(first.a1, 0.0))
    # 2. the rest, against the customer's latest order on or before the refund with value left
    surplus = matched.mutate(v=matched.v - matched.applied, surplus=True).filter(lambda x: x.v > CENT)
    unmatched = refunds.filter(~refunds.matched).mutate(applied=double(0.0), surplus=False)
    cols = ["rid", "cid", "day", "v", "surplus", "_row", "_ex"]
    rest = surplus.select(*cols).union(unmatched.select(*cols), distinct=False)
    targets = first.filter(first.value1 > CENT).select(tcid="cid", toid="oid", tday="day", trow="_row",
                                                       left="value1")
    pairs = rest.join(targets, (rest.cid == targets.tcid) & (targets.tday <= rest.day))
    # the customer is the same within a refund's candidates, so the order id breaks the last ties
    pick = ibis.row_number().over(ibis.window(group_by=pairs.rid, order_by=[
        ibis.desc(pairs.tday), ibis.desc(pairs.trow), ibis.desc(pairs.toid)]))
    chosen = pairs.mutate(k=pick).filter(lambda x: x.k == 0).select(crid="rid", tcid="tcid", toid="toid",
                                                                    left="left")
    rest = rest.left_join(chosen, rest.rid == chosen.crid).drop("crid")
    on_target = _capped(rest.filter(rest.toid.notnull()), ["tcid", "toid"], ["day", "rid"], "left")
    rest = cache(rest.filter(rest.toid.isnull()).mutate(applied=double(0.0)).union(on_target, distinct=False),
                 engine)
    applied2 = rest.filter(rest.toid.notnull())
    applied2 = applied2.group_by(["tcid", "toid"]).aggregate(a2=applied2.applied.sum())
    # What the refunds took from each order (a few rows): a1 then a2, subtracted in that order as written.
    taken = applied1.select(kcid="ocid", koid="ooid", a1="a1", a2=double(0.0)).union(
        applied2.select(kcid="tcid", koid="toid", a1=double(0.0), a2="a2"), distinct=False)
    taken = cache(taken.group_by(["kcid", "koid"]).aggregate(a1=taken.a1.sum(), a2=taken.a2.sum()), engine)
    orders = orders.left_join(taken, (orders.cid == taken.kcid) & (orders.oid == taken.koid))
    value1 = orders.value - ibis.coalesce(orders.a1, 0.0)
    orders = orders.mutate(value=ibis.greatest(value1 - ibis.coalesce(orders.a2, 0.0), 0.0)).drop(
        "kcid", "koid", "a1", "a2")

    spill = rest.filter(rest.surplus)
    other = rest.filter(~rest.surplus & (rest.applied > CENT))
    none = rest.filter(~rest.surplus & (rest.applied <= CENT))  # removed, and nothing netted: its own rule
    short = rest.filter((rest.v - rest.applied > CENT) & (rest.surplus | (rest.applied > CENT)))
    gone = (orders.gross > CENT) & (orders.value <= CENT)
    parts += [events(matched, "matched", 1, matched.applied), events(spill, "matched", 0, spill.applied),
              events(other, "latest", 1, other.applied), events(none, "none", 1, -none.v),
              events(short, "short", 1, short.v - short.applied),
              events(orders.filter(gone), "gone", 1, 0.0),
              events(orders.filter(~gone & (orders.gross.abs() <= CENT)), "zero", 1, 0.0)]
    everything = parts[0]
    for part in parts[1:]:
        everything = everything.union(part, distinct=False)
    counts = tally(everything, engine, source)
    for name, rule, treatment in RECORDS:
        record(ledger, counts, name, treatment, rule)
    return orders.filter(~gone)
