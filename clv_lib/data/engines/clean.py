"""The orders cleaning rules, one implementation as Ibis expressions: DuckDB runs them for every local file,
PostgreSQL, Spark or another Ibis backend where a client's table lives. Each rule fills the ledger (rows, revenue,
example rows), so rows read == kept + removed on every backend.

`clean_engine_orders(raw, mapping, spec, currency, observation_end, source, engine)` takes the typed rows: a database
table as it is (values read by `values.Reader`), or a file after ingestion (`clv_lib.data.ingest`: values parsed,
with its source row number `_row` and a hash of every cell `_dup`). The rules, in order (a row is counted by the
first rule that removes it):

1. totals or summary rows (no date; a customer, order, status or e-mail cell such as "TOTALE", "Grand total",
   "Somma") – excluded, their amount not counted as revenue read; line items with an empty amount whose order id
   has a row with an amount (Shopify writes the order's total on its first line only) – merged;
2. exact duplicate rows (every column equal to an earlier row), unless `data.drop_exact_duplicates: false` (files
   without order ids, like CDNOW, where identical rows are genuine purchases) – excluded;
3. unparsable or missing date; 4. unparsable or missing amount – excluded;
5. cancelled, failed and test orders by status (defaults below, or params `exclude_statuses`) – excluded;
6. missing customer id – with `email_fallback` the normalised e-mail stands in: the customer id most often seen
   with that e-mail, else the e-mail itself (converted); rows with neither – excluded;
7. dates after the observation end, or before params `start_date` – excluded;
8. currency other than the report's – converted at params `fx_rates`; a currency without a rate stops the load;
9. line items merged, partial refunds of the refunded-amount column, refunds netted, orders refunded in full and
   zero-value orders: see `netting.py`.

Example rows: the source row numbers of a file; for a table (no row order), the example rows' key columns. Ties a
file breaks by row order are broken in a table by value (see `netting.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clv_lib.data.engines.query import cache, double, money_sum, run
from clv_lib.data.engines.tally import events, record, tally
from clv_lib.data.engines.values import Reader
from clv_lib.data.ingest import FileRows
from clv_lib.data.ledger import Ledger
from clv_lib.data.read import fold_labels
from clv_lib.exceptions import CurrencyError, Msg

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
#: A totals row's label (lower case, without surrounding spaces and colons); no \b: PostgreSQL reads it otherwise.
TOTAL_LABEL = (r"^((grand\s*|sub)?tota(l|le|li|ls)([^a-z0-9_].*)?|tot\.?|somma([^a-z0-9_].*)?"
               r"|sum([^a-z0-9_].*)?|summe([^a-z0-9_].*)?|gesamt([^a-z0-9_].*)?)$")


@dataclass
class EngineClean:
    """Cleaned rows as a lazy Ibis table, the ledger of the rules, and how values were read."""

    table: object  #: the cleaned rows (orders, or subscription segments) as a lazy Ibis table
    ledger: Ledger
    inferences: list[str]
    totals: dict = field(default_factory=dict)  #: orders: `order_totals` of the cleaned orders


def _labels(table, column: str, engine: str = "", source: str = "") -> dict[str, str]:
    """Distinct raw labels of a (small-cardinality) column -> folded label, computed in Python like the file path."""
    values = run(table.select(v=table[column]).distinct(), engine, f"cleaning {source}")["v"]
    raw = pd.Series(values.dropna().astype(str).unique(), dtype=object)
    return dict(zip(raw, fold_labels(raw))) if len(raw) else {}


def fold_label(label: str) -> str:
    """One status or interval label folded like `read.fold_labels` folds a column."""
    return fold_labels(pd.Series([label])).iloc[0]


def _among(column, labels: dict[str, str], folded) -> object:
    """`column` holds one of the raw labels whose folded form is in `folded`."""
    import ibis

    hit = [r for r, f in labels.items() if f in set(folded)]
    return column.isin(hit) if hit else ibis.literal(False)


def keys(raw, mapping, file_rows: FileRows | None, reader: Reader) -> dict:
    """`_row` (a file's source row number) and `_ex` (a table row's key columns, for the ledger's examples)."""
    import ibis

    if file_rows is not None:
        return {"_row": raw["_row"].cast("int64"), "_ex": ibis.null("string")}
    parts = [ibis.coalesce(reader.text(raw[mapping.get(c)]), "-") for c in ("customer_id", "order_id",
                                                                              "subscription_id") if mapping.get(c)]
    label = parts[0]
    for part in parts[1:]:
        label = label.concat(" / ", part)
    return {"_row": ibis.null("int64"), "_ex": label}


def duplicates(raw, file_rows: FileRows | None, spec):
    """Rows equal in every column to an earlier row (a file: its cells' hash and values; a table: every column)."""
    import ibis

    from clv_lib.data.engines.backend_rules import comparable

    if not spec.drop_exact_duplicates:
        return ibis.literal(False)
    if file_rows is not None:
        # Only rows whose cells' hash is shared can have an earlier copy: the window sorts those few rows, not all
        # of them (at 10M rows, 2 s instead of 5 s plus its spill), and the rows are compared on every value.
        shared = raw.group_by("_dup").aggregate(copies=raw.count()).filter(lambda x: x.copies > 1).select("_dup")
        candidates = raw.semi_join(shared, "_dup")
        w = ibis.window(group_by=[candidates[c] for c in candidates.columns if c != "_row"],
                        order_by=candidates["_row"])
        later = candidates.mutate(copy=ibis.row_number().over(w)).filter(lambda x: x.copy > 0)
        return raw["_row"].isin(later["_row"])
    w = ibis.window(group_by=[comparable(raw[c]) for c in raw.columns])
    return ibis.row_number().over(w) > 0


def rates_of(spec, currency: str) -> dict[str, float]:
    return {currency: 1.0, **{k.upper(): float(v) for k, v in (spec.fx_rates or {}).items()}}


def rate_expr(code, rates: dict[str, float]):
    import ibis

    return ibis.cases(*[(code == c, ibis.literal(r, "float64")) for c, r in rates.items()], else_=ibis.null("float64"))


def clean_engine_orders(raw, mapping, spec, currency: str, observation_end, source: str, engine: str,
                        timezone: str = "UTC", file_rows: FileRows | None = None) -> EngineClean:
    """Clean the Ibis table `raw` mapped by `mapping` with the `data:` params `spec` (see the module docstring)."""
    import ibis

    from clv_lib.data.engines.netting import net_refunds_and_merge

    col = mapping.get
    ledger = Ledger(source=source)
    reader = Reader.of(raw, engine, timezone, spec.decimal)
    # A file's ingested text is already trimmed, with NULL for empty cells (`read.as_text`): taken as it is.
    text, number = (reader.text if file_rows is None else _as_is), reader.number
    src = keys(raw, mapping, file_rows, reader)
    src["dup"] = duplicates(raw, file_rows, spec)
    src["email"] = text(raw[col("email")]).lower() if col("email") else ibis.null("string")
    src["cid"] = text(raw[col("customer_id")]) if col("customer_id") else src["email"]
    src["oid"] = text(raw[col("order_id")]) if col("order_id") else ibis.null("string")
    src["day"] = reader.day(raw[col("order_date")], col("order_date"))
    if col("amount"):
        src["amt"] = number(raw[col("amount")], col("amount"))
        given = raw["_given_amount"] if "_given_amount" in raw.columns else text(raw[col("amount")]).notnull()
    else:
        src["amt"] = number(raw[col("quantity")], col("quantity")) * number(raw[col("unit_price")], col("unit_price"))
        given = ibis.literal(True)
    src["given"] = given
    if col("quantity"):
        src["qty"] = number(raw[col("quantity")], col("quantity"))
    src["refunded"] = (ibis.coalesce(number(raw[col("refunded_amount")], col("refunded_amount")).abs(), 0.0)
                       if col("refunded_amount") else double(0.0))
    src["status"] = text(raw[col("status")]) if col("status") else ibis.null("string")
    src["channel"] = text(raw[col("channel")]) if col("channel") else ibis.null("string")
    src["code"] = (ibis.coalesce(text(raw[col("currency")]).upper(), ibis.literal(currency)) if col("currency")
                   else ibis.literal(currency))
    src["total_row"] = _totals_row(src, mapping)
    # The typed rows and their rule are materialised once, in one query (`cache` below); the status labels and
    # the priced order ids are read first from the typed rows without the duplicate rule.
    light = raw.select(**{k: v for k, v in src.items() if k != "dup"})
    labels = _labels(light, "status", engine, source) if col("status") else {}
    t = raw.select(**src)

    rates = rates_of(spec, currency)
    t = t.mutate(rate=rate_expr(t.code, rates)).mutate(value=lambda x: x.amt * x.rate)
    if col("amount") and col("order_id"):
        t = t.mutate(priced=t.oid.isin(_priced_orders(light)))
    rules: list[tuple[object, str, str]] = [(t.total_row, "totals or summary row (not an order)", "excluded")]
    if col("amount") and col("order_id"):
        rules.append((~t.given & t.oid.notnull() & t.priced,
                      "line item without an amount of its own (its order's total is on another row)", "merged"))
    rules += [(t.dup, "exact duplicate row", "excluded"), (t.day.isnull(), "unparsable or missing date", "excluded"),
              (t.amt.isnull(), "unparsable or missing amount", "excluded")]
    if col("status"):
        if spec.exclude_statuses:
            wanted = set(fold_labels(pd.Series(list(spec.exclude_statuses), dtype=object)))
            rules.append((_among(t.status, labels, wanted), f"excluded status ({', '.join(sorted(wanted))})",
                          "excluded"))
        else:
            rules += [(_among(t.status, labels, names), f"{rule} (status)", "excluded")
                      for rule, names in EXCLUDED_STATUSES.items()]
    customer_rule = len(rules)
    rules.append((t.cid.isnull() & t.email.isnull(), "missing customer id and e-mail", "excluded")
                 if spec.email_fallback else (t.cid.isnull(), "missing customer id", "excluded"))
    end = pd.Timestamp(observation_end).normalize() if observation_end is not None else None
    if end is not None:
        rules.append((t.day > ibis.literal(end.date()), f"after the observation end ({end.date()})", "excluded"))
    if spec.start_date:
        start = pd.Timestamp(spec.start_date)
        rules.append((t.day < ibis.literal(start.date()), f"before the start date ({start.date()})", "excluded"))
    t = t.mutate(rule=ibis.cases(*[(cond, i) for i, (cond, _, _) in enumerate(rules)], else_=-1))
    t = cache(t.drop(*[c for c in ("dup", "given", "priced") if c in t.columns]), engine)  # read by the rules only

    read = run(t.aggregate(n=t.count(), v=t.value.sum(where=~t.total_row)), engine, f"cleaning {source}")
    malformed = file_rows.malformed if file_rows is not None else np.zeros(0, dtype="int64")
    ledger.read(int(read["n"].iloc[0]) + len(malformed), _float(read["v"].iloc[0]))
    ledger.record("malformed row (wrong number of fields)", "excluded", malformed, 0.0)
    passing = (t.rule == -1) | (t.rule > customer_rule)
    filled = t.filter(passing & t.cid.isnull())
    hit = t.filter(t.rule >= 0)
    counted = events(hit, hit.rule, 1, ibis.cases((hit.total_row, 0.0), else_=ibis.coalesce(hit.value, 0.0))).union(
        events(filled, "email", 1, ibis.coalesce(filled.value, 0.0)), distinct=False)
    counts = tally(counted, engine, source)
    for i, (_, name, treatment) in enumerate(rules):
        record(ledger, counts, str(i), treatment, name)
        if i == customer_rule and spec.email_fallback:
            record(ledger, counts, "email", "converted", "customer id taken from the e-mail")
    if spec.email_fallback:
        t = cache(_with_email_ids(t, passing), engine)
    alive = t.filter(t.rule == -1)
    currency_rules(alive, ledger, currency, rates, source, engine)
    refund_set = set(fold_labels(pd.Series(list(spec.refund_statuses), dtype=object))) if spec.refund_statuses \
        else set(REFUND_STATUSES)
    orders = net_refunds_and_merge(alive, _among(alive.status, labels, refund_set), ledger, engine, source,
                                   has_refunded=bool(col("refunded_amount")))
    extras = {c: orders[c] for c in ("status", "channel", "quantity") if col(c)}
    out = orders.select(customer_id=orders.cid, order_id=orders.oid, order_date=orders.day, amount=orders.value,
                        **extras)
    totals = order_totals(out, engine, source)
    ledger.kept(totals["orders"], totals["revenue"])
    ledger.check()
    inferences = list(file_rows.inferences) if file_rows is not None else _inferences(raw, mapping, reader, engine)
    return EngineClean(out, ledger, inferences, totals)


def order_totals(orders, engine: str, source: str) -> dict:
    """Orders, revenue, customers, first and last order day (Timestamps) of the cleaned orders: one aggregate, for
    the ledger's kept rows and the data's totals."""
    row = run(orders.aggregate(n=orders.count(), s=money_sum(orders.amount), c=orders.customer_id.nunique(),
                               lo=orders.order_date.min(), hi=orders.order_date.max()),
              engine, f"counting the cleaned orders of {source}").iloc[0]
    as_ts = lambda x: pd.Timestamp(x).normalize() if x is not None and pd.notna(x) else None  # noqa: E731
    return {"orders": int(row["n"] or 0), "revenue": _float(row["s"]), "customers": int(row["c"] or 0),
            "first_date": as_ts(row["lo"]), "last_date": as_ts(row["hi"])}


def _totals_row(src: dict, mapping):
    """No date, and a customer, order, status or e-mail cell reading like a totals label."""
    import ibis

    hit = ibis.literal(False)
    for canon, key in (("customer_id", "cid"), ("order_id", "oid"), ("status", "status"), ("email", "email")):
        if mapping.get(canon):
            label = src[key].lower().re_replace(r"^[ :]+|[ :]+$", "")
            hit = hit | ibis.coalesce(label.re_search(TOTAL_LABEL), False)
    # The labels are matched only on the rows without a date (an engine evaluates a CASE branch for its rows only;
    # at 10M rows the patterns on every row cost seconds).
    return ibis.cases((src["day"].isnull(), hit), else_=False)


def _as_is(column):
    return column


def _priced_orders(typed):
    """The order ids of line items without an amount (`given` false) that have a row with an amount: a few ids
    (Shopify's line items), looked up among all the rows' order ids."""
    unpriced = typed.filter(~typed.given & typed.oid.notnull()).select(uoid="oid").distinct()
    priced = typed.filter(typed.amt.notnull() & typed.oid.notnull())
    return priced.semi_join(unpriced, priced.oid == unpriced.uoid).oid


def _inferences(raw, mapping, reader: Reader, engine: str) -> list[str]:
    col = mapping.get
    lines = []
    if not col("customer_id"):
        lines.append(f"customer_id: no customer id column, the e-mail ('{col('email')}') identifies customers")
    lines.append(f"order_date: {reader.describe_day(raw[col('order_date')], col('order_date'))}")
    if col("amount"):
        lines.append(f"amount: '{col('amount')}' read as {raw[col('amount')].type()} by {engine}")
    else:
        lines.append("amount: quantity x unit price")
    return lines


def _with_email_ids(t, passing):
    """Missing customer ids from the e-mail: the id most often seen with it among the rows that pass the rules
    before the customer rule (ties: the smallest id), else the e-mail itself."""
    import ibis

    known = t.filter(passing & t.cid.notnull() & t.email.notnull())
    pairs = known.group_by(["email", "cid"]).aggregate(n=known.count())
    rank = ibis.row_number().over(ibis.window(group_by=pairs.email, order_by=[ibis.desc(pairs.n), pairs.cid]))
    lookup = pairs.mutate(k=rank).filter(lambda x: x.k == 0).select(lk_email="email", lk_cid="cid")
    t = t.left_join(lookup, t.email == lookup.lk_email)
    return t.mutate(cid=ibis.coalesce(t.cid, t.lk_cid, t.email)).drop("lk_email", "lk_cid")


def currency_rules(alive, ledger: Ledger, currency: str, rates: dict, source: str, engine: str) -> None:
    """CurrencyError naming the currencies without a rate that would be kept; one converted record per currency."""
    codes = run(alive.group_by("code").aggregate(n=alive.count(), unknown=alive.rate.isnull().any()), engine,
                f"cleaning {source}")
    unknown = codes[codes["unknown"].astype(bool)].sort_values(["n", "code"], ascending=[False, True])
    if len(unknown):
        listing = [Msg("data.currency_rows", code=c, rows=int(k)) for c, k in zip(unknown["code"], unknown["n"])]
        raise CurrencyError(key="data.no_fx_rate", file=source, currencies=listing, currency=currency,
                            first=unknown["code"].iloc[0])
    foreign = alive.filter(alive.code != currency)
    counts = tally(events(foreign, foreign.code, 1, foreign.value), engine, source)
    for code in sorted(counts):
        record(ledger, counts, code, "converted", f"converted from {code} to {currency} at {rates[code]:g}")


def _float(value) -> float:
    return float(value) if value is not None and not pd.isna(value) else 0.0
