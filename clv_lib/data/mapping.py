"""Map a client's headers to the canonical columns: from params when given, else by common English/Italian names.

Canonical orders columns: `customer_id`, `order_id`, `order_date`, `amount` (or `quantity` x `unit_price`),
optional `currency`, `status`, `email`, `channel`. Subscriptions: `customer_id`, `start_date`, `end_date`, `mrr`
(or `amount` + `billing_interval`), optional `subscription_id`, `plan`, `currency`, `status`, `email`,
`channel`, and `quantity` (seats: MRR is amount x quantity / interval months), `canceled_at`, `period_start`,
`coupon`, `discount_percent`, `discount_amount` (the MRR conventions of params `data.mrr`). The plan is read from the column
a client recognises first (`Plan nickname`, `Product`, then `Plan`, which in Stripe holds a price id). Headers
are compared after folding case, accents and punctuation (`N° Ordine` ~ `n_ordine`).
Columns mapped in params win; the canonical columns they leave out are detected among the other headers, and
`ColumnMapping.describe()` says which came from where, for the report's data appendix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from clv_lib.exceptions import DataError, Msg

SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customerid", "customer", "customer_no", "customer_number", "customer_code",
                    "client_id", "client", "account_id", "account", "user_id", "buyer_id", "member_id",
                    "cliente", "id_cliente", "codice_cliente", "cod_cliente", "cliente_id", "n_cliente",
                    "numero_cliente", "codice_anagrafica"),
    "order_id": ("order_id", "orderid", "order", "order_number", "order_no", "order_nr", "invoice", "invoiceno",
                 "invoice_no", "invoice_id", "invoice_number", "transaction_id", "receipt_id",
                 "ordine", "id_ordine", "numero_ordine", "n_ordine", "nr_ordine", "num_ordine", "ordine_id",
                 "codice_ordine", "fattura", "numero_fattura", "n_fattura", "numero_documento", "n_documento"),
    "order_date": ("order_date", "date", "orderdate", "created_at", "created", "invoicedate", "invoice_date",
                   "purchase_date", "transaction_date", "paid_at", "order_created_at", "timestamp", "datetime",
                   "data", "data_ordine", "data_acquisto", "data_documento", "data_fattura", "data_vendita",
                   "data_transazione"),
    "amount": ("amount", "total", "order_total", "total_amount", "total_price", "revenue", "sales", "net_sales",
               "value", "order_value", "monetary_value", "net_amount", "gross_amount", "grand_total", "spend",
               "dollar_value", "order_amount", "sales_amount", "amount_paid", "payment_value", "subtotal",
               "line_total",
               "importo", "totale", "totale_ordine", "importo_totale", "valore", "valore_ordine", "fatturato",
               "spesa", "imponibile", "totale_documento"),
    "quantity": ("quantity", "qty", "units", "items", "number_of_items", "num_items", "quantita", "qta", "qt",
                 "pezzi", "n_pezzi"),
    "unit_price": ("unit_price", "unitprice", "price", "item_price", "prezzo", "prezzo_unitario"),
    "refunded_amount": ("refunded_amount", "amount_refunded", "refund_amount", "total_refunded", "refunded_total",
                        "importo_rimborsato", "rimborsato", "totale_rimborsato"),
    "currency": ("currency", "currency_code", "order_currency", "valuta", "divisa"),
    "status": ("status", "order_status", "financial_status", "payment_status", "state", "stato",
               "stato_ordine", "stato_pagamento"),
    "email": ("email", "e_mail", "customer_email", "email_address", "billing_email", "mail", "indirizzo_email",
              "email_cliente"),
    "channel": ("channel", "acquisition_channel", "source", "utm_source", "marketing_channel", "canale",
                "canale_acquisizione", "fonte", "sorgente"),
    "subscription_id": ("subscription_id", "subscription", "sub_id", "contract_id", "abbonamento",
                        "id_abbonamento", "contratto", "id_contratto"),
    "plan": ("plan", "plan_name", "plan_id", "product", "tier", "piano", "nome_piano", "prodotto"),
    "start_date": ("start_date", "started_at", "start", "subscription_started_at", "created_at", "start_at",
                   "activated_at", "data_inizio", "inizio", "data_attivazione", "created"),
    # Stripe's "Ended At" is the effective end; its "Canceled At" is when the cancellation was asked for.
    "end_date": ("end_date", "ended_at", "canceled_at", "cancelled_at", "cancel_date", "cancellation_date",
                 "churn_date", "end", "data_fine", "fine", "data_disdetta", "data_cessazione"),
    # When the cancellation was asked for (the end itself may come at the period end): params data.mrr.cancellation.
    "canceled_at": ("canceled_at", "cancelled_at", "cancel_date", "cancellation_date", "cancellation_requested_at",
                    "data_disdetta", "data_richiesta_disdetta"),
    "period_start": ("current_period_start", "period_start", "billing_period_start", "inizio_periodo",
                     "inizio_periodo_corrente"),
    "coupon": ("coupon", "coupon_id", "coupon_code", "discount_code", "promo_code", "promotion_code", "codice_sconto",
               "coupon_sconto", "codice_promozionale"),
    "discount_percent": ("percent_off", "discount_percent", "discount_pct", "coupon_percent_off", "discount_rate",
                         "sconto_percentuale", "sconto_perc", "percentuale_sconto"),
    "discount_amount": ("amount_off", "discount_amount", "coupon_amount_off", "recurring_discount", "importo_sconto",
                        "sconto_importo"),
    "trial_end": ("trial_end", "trial_ends_at", "trial_end_date", "trial_ended_at", "trial_end_at", "fine_prova",
                  "data_fine_prova", "fine_periodo_di_prova", "fine_periodo_prova"),
    "mrr": ("mrr", "monthly_recurring_revenue", "monthly_amount", "canone_mensile"),
    "billing_interval": ("interval", "billing_interval", "plan_interval", "billing_period", "billing_cycle",
                         "periodicita", "frequenza_fatturazione", "ciclo_fatturazione"),
}
# Subscriptions read "price" as the plan price (amount), not as a line item's unit price.
# Seats of a subscription (Stripe's "Quantity"); "items" or "units" would be an order's words.
SUBSCRIPTION_QUANTITY = ("quantity", "qty", "seats", "seat_count", "number_of_seats", "licenses", "licences",
                         "quantita", "qta", "posti", "licenze", "numero_licenze")
# Plan names a person reads before price or plan ids (Stripe: "Plan" is a price id, "Product" the product's name).
SUBSCRIPTION_PLAN = ("plan_nickname", "price_nickname", "plan_name", "product_name", "nome_piano", "product",
                     "prodotto", "plan", "tier", "piano", "plan_id", "price_id")
SUBSCRIPTION_AMOUNT = ("price", "amount", "plan_amount", "plan_price", "price_amount", "prezzo", "importo",
                       "canone", "total")

ORDER_FIELDS = ("customer_id", "order_id", "order_date", "amount", "quantity", "unit_price", "refunded_amount",
                "currency", "status", "email", "channel")
SUBSCRIPTION_FIELDS = ("customer_id", "subscription_id", "plan", "start_date", "end_date", "canceled_at",
                       "period_start", "trial_end", "mrr", "amount", "quantity", "discount_percent", "discount_amount",
                       "coupon", "billing_interval", "currency", "status", "email", "channel")


def fold(header: str) -> str:
    """Header folded for comparison: no accents, lower case, runs of other characters -> '_'."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# A unit or time-zone note after the name, as in Stripe's "Created (UTC)" or "Total (EUR)".
_UNIT_SUFFIX = re.compile(r"_(?:utc|gmt|local|local_time|eur|usd|gbp|chf|in_eur|in_usd)$")


def bare(folded: str) -> str:
    """A folded header without a trailing time-zone or currency note ("created_utc" -> "created")."""
    return _UNIT_SUFFIX.sub("", folded)


def _shopify_name(by_fold: dict[str, str]) -> bool:
    """Shopify's order export names the order number `Name` (#1001); it is told apart from a person's name by
    Shopify's own columns beside it (`Financial Status`, `Lineitem ...`)."""
    return "name" in by_fold and ("financial_status" in by_fold or any(k.startswith("lineitem_") for k in by_fold))


@dataclass(frozen=True)
class ColumnMapping:
    """Canonical column -> the file's header, and where each came from ("params" or "detected")."""

    columns: dict[str, str]
    origin: dict[str, str]

    def get(self, canonical: str) -> Optional[str]:
        return self.columns.get(canonical)

    def describe(self) -> list[str]:
        """Lines such as "customer_id <- 'Cliente' (params)" for the report's data appendix."""
        return [f"{canon} <- '{header}' ({self.origin[canon]})" for canon, header in self.columns.items()]


def resolve_columns(headers: list[str], business_model: str, mapped: dict[str, str], source: str
                    ) -> ColumnMapping:
    """Map `headers` to canonical columns: params' `mapped` first (each must exist), the rest detected.

    Raises DataError (one line naming the file, the column and the headers) when a mapped column is missing or a
    required column can be neither mapped nor detected.
    """
    fields = SUBSCRIPTION_FIELDS if business_model == "subscription" else ORDER_FIELDS
    by_fold: dict[str, str] = {}
    for h in headers:
        by_fold.setdefault(fold(h), h)
    for h in headers:  # "Created (UTC)" answers to "created" unless a plain "Created" exists
        by_fold.setdefault(bare(fold(h)), h)
    listing = ", ".join(str(h) for h in headers)
    columns: dict[str, str] = {}
    origin: dict[str, str] = {}
    for canon, header in mapped.items():
        if canon not in fields:
            raise DataError(key="data.unknown_canonical", file=source, canonical=canon, business_model=business_model,
                            known=list(fields))
        found = header if header in headers else by_fold.get(fold(header))
        if found is None:
            raise DataError(key="data.column_not_found", file=source, column=header, canonical=canon,
                            columns=listing)
        columns[canon], origin[canon] = found, "params"
    used = set(columns.values())
    for canon in fields:
        if canon in columns:
            continue
        names = SYNONYMS.get(canon, ())
        if business_model == "subscription":
            names = {"amount": SUBSCRIPTION_AMOUNT, "quantity": SUBSCRIPTION_QUANTITY,
                     "plan": SUBSCRIPTION_PLAN}.get(canon, names)
        if canon == "order_id" and _shopify_name(by_fold):
            names = names + ("name",)
        for name in names:
            header = by_fold.get(name)
            if header is not None and header not in used:
                columns[canon], origin[canon] = header, "detected"
                used.add(header)
                break
    _require(columns, business_model, source, listing)
    ordered = {c: columns[c] for c in fields if c in columns}
    return ColumnMapping(ordered, {c: origin[c] for c in ordered})


def _require(columns: dict[str, str], business_model: str, source: str, listing: str) -> None:
    def missing(canon: str, hint: str = "") -> DataError:
        return DataError(key="data.column_missing", file=source, canonical=canon, hint=Msg(hint) if hint else "",
                         looked_for=list(SYNONYMS.get(canon, SUBSCRIPTION_AMOUNT)[:6]), columns=listing)

    if "customer_id" not in columns and "email" not in columns:
        raise missing("customer_id", "data.hint.no_email")
    if business_model == "subscription":
        if "start_date" not in columns:
            raise missing("start_date")
        if "mrr" not in columns and "amount" not in columns:
            raise missing("mrr", "data.hint.no_price")
    else:
        if "order_date" not in columns:
            raise missing("order_date")
        if "amount" not in columns and not ("quantity" in columns and "unit_price" in columns):
            raise missing("amount", "data.hint.no_quantity_price")
