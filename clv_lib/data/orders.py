"""Clean an orders export into the cleaned-orders contract (one row per order, net of refunds, report currency),
recording every rule in the ledger.

The rules, in the order they apply (a row is counted by the first rule that removes it):

1. malformed rows (number of fields differs from the header) – excluded; line items with an empty amount whose
   order id has a row with an amount (exports that write the order total on its first line only, like Shopify's)
   – merged into that order; totals or summary rows (no date, "TOTALE", "Grand total"...) – excluded, their
   amount not counted as revenue read;
2. exact duplicate rows (every column equal to an earlier row) – excluded; two genuinely identical line items on
   separate rows are indistinguishable from a re-exported row and are treated as duplicates, unless
   `data.drop_exact_duplicates: false` says such rows are genuine (files without order ids, like CDNOW);
3. unparsable or missing date – excluded; 4. unparsable or missing amount – excluded;
5. cancelled, failed and test orders by status (defaults below, or params `exclude_statuses`) – excluded;
6. missing customer id – with `email_fallback` the normalised e-mail (trimmed, lower case) stands in: the
   customer id already seen with that e-mail when there is one (the most frequent), else the e-mail itself
   (converted); rows with neither – excluded;
7. dates after the observation end, or before params `start_date` – excluded;
8. currency other than the report's – converted at params `fx_rates` (report currency per unit); a currency
   without a rate stops the load with a CurrencyError naming it;
9. refunds and returns – see below (netted); 10. line items: rows sharing an order id (and customer) are summed
   into one order dated at its first row (merged); 11. orders refunded in full are removed (netted);
12. zero-value orders – kept, flagged.

Refunds. A refund row is a row with a negative amount or a refund status (params `refund_statuses`, default
below); its value is the absolute amount. A refund-status row with a positive amount whose order id has no
other (sale) row is an order refunded in full: the sale and its refund cancel and the row is removed. Every
other refund is subtracted exactly once, never below zero:

* a refund whose order id (and customer) matches an order is netted into that order, refunds of one order in
  date order, each up to what is left of the order;
* a refund without a matching order – and the part of a matched refund larger than its order – is netted
  against the customer's latest order dated on or before the refund that still has value left;
* what cannot be netted this way (no earlier order, or refunds larger than it) is not subtracted from anybody:
  it is recorded as flagged ("refund not subtracted"), with its amount, so the report can state it.

Orders whose net value falls to zero this way are removed ("order refunded in full"), so a returned purchase does
not count as a purchase; orders that were zero to begin with (coupons, samples) stay, flagged.
Revenue in the ledger is in the report currency after conversion; rows whose amount is unparsable count as 0.
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

EXCLUDED_STATUSES: dict[str, tuple[str, ...]] = {
    "cancelled order": ("cancelled", "canceled", "cancel", "voided", "void", "annullato", "annullata",
                        "cancellato", "cancellata", "annullato_dal_cliente", "stornato_prima_della_spedizione"),
    "failed order": ("failed", "payment_failed", "declined", "expired", "fallito", "fallita", "rifiutato",
                     "pagamento_fallito", "errore"),
    "test order": ("test", "test_order", "prova", "ordine_di_prova", "ordine_test"),
}
REFUND_STATUSES = ("refunded", "refund", "returned", "return", "chargeback", "chargedback", "credit_note",
                   "rimborsato", "rimborsata", "rimborso", "reso", "restituito", "restituita", "stornato", "storno",
                   "nota_di_credito")
CENT = 0.005


def clean_orders(raw: RawTable, mapping: ColumnMapping, spec, currency: str, timezone: str = "Europe/Rome",
                 observation_end=None) -> CleanResult:
    """Clean `raw` (read by `read_table`) mapped by `mapping`, with the `data:` params `spec`, into one row per
    order: `customer_id`, `order_id`, `order_date` (datetime64[ns], midnight), `amount` (float64, net of refunds,
    in `currency`, >= 0), and `status`, `quantity`, `channel` when the file has them."""
    frame, col = raw.frame, mapping.get
    n = len(frame)
    ledger = Ledger(source=raw.info.display)
    inferences: list[str] = []

    customer = as_ids(frame[col("customer_id")]) if col("customer_id") else pd.Series(pd.NA, index=frame.index,
                                                                                      dtype="string")
    email = (as_text(frame[col("email")]).str.lower() if col("email")
             else pd.Series(pd.NA, index=frame.index, dtype="string"))
    if not col("customer_id"):
        customer = email.copy()
        inferences.append(f"customer_id: no customer id column, the e-mail ('{col('email')}') identifies customers")
    order = as_ids(frame[col("order_id")]) if col("order_id") else pd.Series(pd.NA, index=frame.index,
                                                                             dtype="string")
    days, date_inf = parse_dates(frame[col("order_date")], spec.dayfirst, timezone, col("order_date"))
    inferences.append(date_inf.describe())
    qty = None
    if col("amount"):
        amount, amount_inf = parse_amounts(frame[col("amount")], spec.decimal, col("amount"))
        inferences.append(amount_inf.describe())
    else:
        qty, qinf = parse_amounts(frame[col("quantity")], spec.decimal, col("quantity"))
        price, pinf = parse_amounts(frame[col("unit_price")], spec.decimal, col("unit_price"))
        amount = qty * price
        inferences += [qinf.describe(), pinf.describe(), "amount: quantity x unit price"]
    status = fold_labels(frame[col("status")]) if col("status") else None
    codes = (as_text(frame[col("currency")]).str.upper().fillna(currency) if col("currency")
             else pd.Series(currency, index=frame.index, dtype="string"))
    rates_table = {currency: 1.0, **{k.upper(): float(v) for k, v in (spec.fx_rates or {}).items()}}
    rates = codes.map(rates_table).astype("float64").to_numpy()
    value = amount * rates  # report currency; NaN when unparsable or no rate
    totals = _totals_rows(frame, mapping, days)
    value[totals] = np.nan  # a file's own total is not revenue read: it would count everything twice

    ledger.read(n + len(raw.malformed), np.nansum(value))
    ledger.record("malformed row (wrong number of fields)", "excluded", raw.malformed, 0.0)
    rules = RuleSet(ledger, raw.row_numbers, value)

    rules.remove(totals, "totals or summary row (not an order)")
    if col("amount") and col("order_id"):
        rules.remove(_lines_without_total(order, frame[col("amount")], amount),
                     "line item without an amount of its own (its order's total is on another row)", "merged")
    if spec.drop_exact_duplicates:
        rules.remove(raw.duplicated(), "exact duplicate row")
    rules.remove(days.isna().to_numpy(), "unparsable or missing date")
    rules.remove(np.isnan(amount), "unparsable or missing amount")
    if status is not None:
        _status_rules(rules, status, spec)
    customer = fill_customer_ids(rules, customer, email, spec)
    if observation_end is not None:
        end = pd.Timestamp(observation_end).normalize()
        rules.remove((days > end).to_numpy(), f"after the observation end ({end.date()})")
    if spec.start_date:
        start = pd.Timestamp(spec.start_date)
        rules.remove((days < start).to_numpy(), f"before the start date ({start.date()})")
    convert_currencies(rules, codes, rates, currency, raw.info.display)

    refund_set = set(spec.refund_statuses and [fold_label(s) for s in spec.refund_statuses] or REFUND_STATUSES)
    is_refund_status = status.isin(refund_set).fillna(False).to_numpy(bool) if status is not None else np.zeros(n, bool)
    table = pd.DataFrame({
        "pos": np.arange(n), "row": raw.row_numbers, "customer_id": customer.array,
        "order_id": order.array, "order_date": days.to_numpy(), "value": value,
        "refund_status": is_refund_status,
    })
    if col("status"):
        table["status"] = as_text(frame[col("status")]).array
    if col("channel"):
        table["channel"] = as_text(frame[col("channel")]).array
    if col("quantity"):
        table["quantity"] = qty if not col("amount") else parse_amounts(frame[col("quantity")], spec.decimal)[0]
    if col("refunded_amount"):
        refunded, refund_inf = parse_amounts(frame[col("refunded_amount")], spec.decimal, col("refunded_amount"))
        inferences.append(refund_inf.describe())
        table["refunded"] = np.nan_to_num(np.abs(refunded) * rates)  # report currency; empty = nothing refunded
    table = table[rules.alive]
    orders = _net_refunds_and_merge(table, ledger)
    result = _finish(orders, [c for c in ("status", "quantity", "channel") if col(c)])
    ledger.kept(len(result), result["amount"].sum())
    ledger.check()
    return CleanResult(result, ledger, inferences)


_TOTAL_LABEL = r"(?:grand\s*|sub)?tota(?:l|le|li|ls)\b.*|tot\.?|somma\b.*|sum\b.*|summe\b.*|gesamt\b.*"


def _totals_rows(frame: pd.DataFrame, mapping: ColumnMapping, days: pd.Series) -> np.ndarray:
    """Rows without a date whose customer, order, status or e-mail cell reads like "TOTALE", "Total:", "Grand
    total", "Somma": the summary lines gestionali and spreadsheets append to an export."""
    hit = np.zeros(len(frame), dtype=bool)
    undated = days.isna().to_numpy()
    if not undated.any():
        return hit
    for canon in ("customer_id", "order_id", "status", "email"):
        if mapping.get(canon):
            text = as_text(frame[mapping.get(canon)][undated]).str.strip(" :").str.lower()
            hit[undated] |= text.str.fullmatch(_TOTAL_LABEL).fillna(False).to_numpy(bool)
    return hit


def _lines_without_total(order: pd.Series, raw_amount: pd.Series, amount: np.ndarray) -> np.ndarray:
    """Rows with an empty amount whose order id has a row with an amount: the later line items of an export that
    writes the order total on the first line only (Shopify). They are part of that order, not unparsable rows."""
    empty = as_text(raw_amount).isna().to_numpy() & order.notna().to_numpy()
    if not empty.any():
        return empty
    priced = order[~np.isnan(amount) & order.notna().to_numpy()]
    return empty & order.isin(set(priced.unique())).to_numpy(bool)


def _status_rules(rules: RuleSet, status: pd.Series, spec) -> None:
    if spec.exclude_statuses:
        wanted = {fold_label(s) for s in spec.exclude_statuses}
        rules.remove(status.isin(wanted).fillna(False).to_numpy(bool),
                     f"excluded status ({', '.join(sorted(wanted))})")
        return
    for rule, labels in EXCLUDED_STATUSES.items():
        rules.remove(status.isin(set(labels)).fillna(False).to_numpy(bool), f"{rule} (status)")


def _capped(frame: pd.DataFrame, key: str, capacity: pd.Series) -> np.ndarray:
    """How much of each refund (`frame.v`, sorted by key then date) fits into what is left of its target, taking
    the target's refunds in order."""
    cap = frame[key].map(capacity).to_numpy(dtype="float64")
    cum = frame.groupby(key, sort=False)["v"].cumsum().to_numpy()
    v = frame["v"].to_numpy()
    return np.clip(np.minimum(cum, cap) - np.minimum(cum - v, cap), 0.0, None)


def _net_refunds_and_merge(table: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Net refunds into orders and merge line items; return one row per order (gross and net amounts)."""
    table = table.copy()
    refund = (table["value"] < 0).to_numpy() | table["refund_status"].to_numpy()
    synthetic = ("row " + table["row"].astype(str)).astype("string")
    table["order_id"] = table["order_id"].where(table["order_id"].notna(), synthetic)
    table["key"] = table["order_id"] + "\x1f" + table["customer_id"]
    sales, refunds = table[~refund], table[refund]

    firsts = ~sales.duplicated("key", keep="first")
    merged = sales[~firsts.to_numpy()]
    ledger.record("line items merged into their order", "merged", merged["row"], merged["value"].sum())
    agg = {"customer_id": "first", "order_id": "first", "order_date": "min", "value": "sum", "row": "min"}
    extras = [c for c in ("status", "channel") if c in sales]
    agg.update({c: "first" for c in extras})
    if "quantity" in sales:
        agg["quantity"] = "sum"
    if "refunded" in sales:
        agg["refunded"] = "sum"
    orders = sales.groupby("key", sort=False).agg(agg)
    orders["gross"] = orders["value"]
    if "refunded" in orders:
        # Partial refunds written on the order itself (Shopify's "Refunded Amount"): subtracted once, never below
        # zero; an order refunded down to nothing is removed below as "order refunded in full".
        cut = np.minimum(orders["refunded"].to_numpy(), orders["value"].clip(lower=0.0).to_numpy())
        partial = (cut > CENT) & (orders["value"].to_numpy() - cut > CENT)
        ledger.record("partial refund subtracted from its order (refunded amount column)", "flagged",
                      orders["row"][partial], cut[partial].sum())
        orders["value"] = orders["value"] - cut
    has_order = orders.index.get_indexer(refunds["key"]) >= 0  # hash lookup (isin on Arrow strings is slow)

    # Orders refunded in full, shown by the status of their own (only) rows.
    full = refunds["refund_status"].to_numpy() & (refunds["value"] >= 0).to_numpy() & \
        ~has_order & ~refunds["order_id"].str.startswith("row ").to_numpy()
    ledger.record("order refunded in full (refund status)", "netted", refunds["row"][full],
                  refunds["value"][full].sum())
    refunds, has_order = refunds[~full].assign(v=lambda d: d["value"].abs()), has_order[~full]

    # Refunds of a known order.
    matched = refunds[has_order].sort_values(["key", "order_date", "row"], kind="stable")
    applied = _capped(matched, "key", orders["value"])
    orders["value"] = orders["value"] - pd.Series(applied, index=matched.index).groupby(matched["key"]).sum() \
        .reindex(orders.index, fill_value=0.0)

    # The rest: against the customer's latest order on or before the refund date that has value left.
    surplus = matched.assign(v=matched["v"].to_numpy() - applied, surplus=True)
    rest = pd.concat([refunds[~has_order].assign(surplus=False),
                      surplus[surplus["v"] > CENT]])
    targets = orders[orders["value"] > CENT].reset_index()[["key", "customer_id", "order_date", "row"]]
    left = rest.drop(columns="key").sort_values("order_date", kind="stable").reset_index(drop=True)
    if len(left) and len(targets):
        targets = targets.sort_values(["order_date", "row"], kind="stable").rename(columns={"row": "order_row"})
        left = pd.merge_asof(left, targets[["order_date", "customer_id", "key"]], on="order_date", by="customer_id",
                             direction="backward")
    else:
        left["key"] = np.nan
    has_target = left["key"].notna().to_numpy()
    on_target = left[has_target].sort_values(["key", "order_date", "row"], kind="stable")
    applied2 = _capped(on_target, "key", orders["value"])
    orders["value"] = orders["value"] - pd.Series(applied2, index=on_target.index).groupby(on_target["key"]).sum() \
        .reindex(orders.index, fill_value=0.0)
    spill = on_target["surplus"].to_numpy(bool)
    # A matched refund's revenue includes the part that spilled over to an earlier order.
    ledger.record("refund netted into its order", "netted", matched["row"], applied.sum() + applied2[spill].sum())
    unmatched_rows = left[~left["surplus"].to_numpy(bool)]["row"] if len(left) else pd.Series([], dtype="int64")
    ledger.record("refund netted into the customer's latest earlier order", "netted", unmatched_rows,
                  applied2[~spill].sum())
    leftover = pd.Series(left["v"].to_numpy(), index=left.index)
    leftover[on_target.index] = on_target["v"].to_numpy() - applied2
    short = leftover > CENT
    ledger.record("refund not subtracted (nothing left to net it against)", "flagged", left["row"][short],
                  leftover[short].sum())
    orders["value"] = orders["value"].clip(lower=0.0)
    gone = (orders["gross"] > CENT) & (orders["value"] <= CENT)
    ledger.record("order refunded in full", "netted", orders["row"][gone], 0.0)
    orders = orders[~gone.to_numpy()]
    zero = orders["gross"].abs() <= CENT
    ledger.record("zero-value order (kept)", "flagged", orders["row"][zero], 0.0)
    return orders


def _finish(orders: pd.DataFrame, extras: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({
        "customer_id": orders["customer_id"].astype(str).to_numpy(),
        "order_id": orders["order_id"].astype(str).to_numpy(),
        "order_date": orders["order_date"].to_numpy(dtype="datetime64[ns]"),
        "amount": orders["value"].to_numpy(dtype="float64"),
    })
    for c in extras:
        out[c] = orders[c].to_numpy()
    if "quantity" in out:
        out["quantity"] = out["quantity"].astype("float64")
    for c in ("status", "channel"):
        if c in out:
            out[c] = pd.Series(out[c], dtype="string").fillna("").astype(str)
    out = out.sort_values(["order_date", "customer_id", "order_id"], kind="stable").reset_index(drop=True)
    out["customer_id"] = out["customer_id"].astype(str)
    out["order_id"] = out["order_id"].astype(str)
    return out
