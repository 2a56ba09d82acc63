"""What a client's export is, with the evidence for each finding, for `make client` (see `new_client`).

Nothing here is a second detector: the file is read by the data layer's reader (encoding and delimiter sniffed),
headers are mapped by `resolve_columns`, amounts and dates are read by `parse_amounts` and `parse_dates`, and
statuses and billing intervals are judged by the cleaning's own tables. This module only gathers what they found
into findings, each with one line of evidence, and decides between orders and subscriptions by which of the
mapped columns only one of the two business models has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import pandas as pd

from clv_lib.data.amounts import parse_amounts
from clv_lib.data.dates import DateInference, parse_dates
from clv_lib.data.mapping import ColumnMapping, fold, resolve_columns
from clv_lib.data.read import RawTable, as_text, fold_labels, read_table
from clv_lib.exceptions import DataError

# Mapped columns that only one business model has (weight: how strongly each one points to it).
SUBSCRIPTION_SIGNS = {"billing_interval": 2, "mrr": 2, "subscription_id": 2, "trial_end": 2, "plan": 1, "end_date": 1}
ORDER_SIGNS = {"order_id": 2, "quantity": 1, "unit_price": 1, "refunded_amount": 1}
ITALIAN_WORDS = ("cliente", "data", "importo", "ordine", "stato", "valuta", "canale", "totale", "documento",
                 "fattura", "numero", "codice", "abbonamento", "piano", "inizio", "fine", "prezzo", "quantita",
                 "prodotto", "descrizione", "pagamento", "nota", "tipo", "imponibile", "fonte")
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "EURO": "EUR", "EU": "EUR"}


@dataclass
class Finding:
    """One params key: its value (None: not written), the evidence, and whether the consultant must answer it."""

    key: str
    value: Any
    evidence: str
    question: bool = False


@dataclass
class Export:
    """An export as the data layer reads it, and what `make client` found in it."""

    path: Path
    raw: RawTable
    header: bool
    business_model: str
    mapping: ColumnMapping
    findings: dict[str, Finding] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # evidence without a key of its own (statuses, other columns)
    first_date: Optional[pd.Timestamp] = None
    last_date: Optional[pd.Timestamp] = None

    def add(self, key: str, value: Any, evidence: str, question: bool = False) -> None:
        self.findings[key] = Finding(key, value, evidence, question)

    @property
    def questions(self) -> list[str]:
        return [f.key for f in self.findings.values() if f.question]

    def column(self, canonical: str) -> Optional[pd.Series]:
        header = self.mapping.get(canonical)
        return None if header is None else self.raw.frame[header]


def inspect(path: Path, display: str) -> Export:
    """Read `path` as a report would and gather every finding; DataError when no business model fits."""
    raw = read_table(path, None, display=display)
    headers = list(raw.frame.columns)
    model, mapping, evidence = _business_model(headers, display)
    header = True
    if mapping is None and _looks_like_data(headers):  # no header row (CDNOW): map by what the values are
        raw = read_table(path, SimpleNamespace(header=False), display=display)
        header, model = False, "transactional"
        mapping, evidence = _by_content(raw.frame, display), "orders: the file has no header row, so no " \
                                                             "subscription column can be named"
    if mapping is None:  # neither business model's columns: the orders' error (keyed, in the client's language)
        raise evidence
    export = Export(Path(path), raw, header, model, mapping)
    export.add("business_model", model, evidence)
    _layout(export)
    _language(export)
    _amounts(export)
    _dates(export)
    _currency(export)
    _customers(export)
    _labels(export)
    return export


def _business_model(headers: list[str], display: str) -> tuple[str, Optional[ColumnMapping], str | DataError]:
    found: dict[str, ColumnMapping | DataError] = {}
    for model in ("transactional", "subscription"):
        try:
            found[model] = resolve_columns(headers, model, {}, display)
        except DataError as exc:
            found[model] = exc
    orders, subs = found["transactional"], found["subscription"]
    if isinstance(orders, DataError) and isinstance(subs, DataError):
        return "", None, orders

    def signs(mapping, weights) -> list[str]:
        return [c for c in weights if isinstance(mapping, ColumnMapping) and mapping.get(c)]

    s, o = signs(subs, SUBSCRIPTION_SIGNS), signs(orders, ORDER_SIGNS)
    score_s, score_o = sum(SUBSCRIPTION_SIGNS[c] for c in s), sum(ORDER_SIGNS[c] for c in o)

    def names(mapping, columns, kind) -> str:
        if not isinstance(mapping, ColumnMapping) or not columns:
            return f"no {kind} column"
        listed = ", ".join(f"'{mapping.get(c)}' ({c.replace('_', ' ')})" for c in columns)
        return f"{listed} {'is an' if len(columns) == 1 else 'are'} {kind} column{'s' if len(columns) > 1 else ''}"

    if isinstance(orders, DataError) or score_s > score_o:
        return "subscription", subs, f"subscriptions: {names(subs, s, 'subscription')}; " \
                                     f"{names(orders, o, 'order')}"
    return "transactional", orders, f"orders: {names(orders, o, 'order')}; {names(subs, s, 'subscription')}"


def _looks_like_data(headers: list[str]) -> bool:
    """A first row of numbers and dates only: a file without a header row."""
    values, inference = parse_amounts(pd.Series(headers, dtype=object))
    return bool(len(headers) > 1 and inference.unparsable == 0)


def _by_content(frame: pd.DataFrame, display: str) -> ColumnMapping:
    """customer_id, order_date and amount of a headerless file, by position, from what each column holds."""
    dates, amounts, ids = [], [], []
    for name in frame.columns:
        values = frame[name]
        days, dinf = parse_dates(values, None, "UTC", name)
        if dinf.unparsable == 0 and set(dinf.formats) - {"Excel serial"}:
            dates.append(name)
            continue
        number, ainf = parse_amounts(values, None, name)
        if ainf.unparsable == 0 and (ainf.comma_decimal or ainf.dot_decimal):
            amounts.append(name)
        elif values.nunique() < len(values):
            ids.append(name)
    if not (dates and amounts and ids):
        raise DataError(key="client.columns_not_told_apart", file=display)
    columns = {"customer_id": ids[0], "order_date": dates[0], "amount": amounts[-1]}
    return ColumnMapping(columns, dict.fromkeys(columns, "detected"))


def _layout(e: Export) -> None:
    info = e.raw.info
    n = len(e.raw.frame.columns)
    if info.encoding:
        why = {"utf-8-sig": "the file starts with a UTF-8 byte-order mark", "utf-16": "a UTF-16 byte-order mark",
               "utf-8": "the whole file decodes as UTF-8"}.get(info.encoding, "not UTF-8; every byte is a "
                                                                          f"{info.encoding} character")
        e.add("encoding", info.encoding, why)
    if info.delimiter:
        value = info.delimiter
        e.add("delimiter", value, f"{_delimiter_name(value)} splits the "
                                  f"{'header' if e.header else 'first line'} into {n} columns, and the lines alike")
    if not e.header:
        e.add("header", False, "the first line holds values (numbers and dates), not column names")
    if info.sheet is not None:
        e.add("sheet", info.sheet, "the workbook's first sheet")


def _delimiter_name(value: str) -> str:
    return {",": "a comma", ";": "a semicolon", "\t": "a tab", "|": "a pipe", "whitespace": "white space"}[value]


def _language(e: Export) -> None:
    mapped = list(e.mapping.columns.values())
    italian = [h for h in mapped if any(word in fold(h).split("_") for word in ITALIAN_WORDS)]
    if e.header and len(italian) * 2 > len(mapped):
        e.add("language", "it", f"the export's headers are Italian: {', '.join(italian[:4])}")
    else:
        e.add("language", "en", "the headers are not Italian (it: a report in Italian)")


def _amounts(e: Export) -> None:
    canonical = next((c for c in ("amount", "mrr", "unit_price") if e.mapping.get(c)), None)
    if canonical is None:
        return
    header = e.mapping.get(canonical)
    _, inference = parse_amounts(e.raw.frame[header], None, header)
    decided = inference.comma_decimal + inference.dot_decimal
    if inference.origin == "inferred":
        mark = inference.decimal
        count = inference.comma_decimal if mark == "," else inference.dot_decimal
        extra = f"; {inference.ambiguous:,} like 1.234 follow them" if inference.ambiguous else ""
        e.add("decimal", mark, f"{count:,} of {decided:,} distinct amounts in '{header}' that show a decimal mark "
                               f"use '{mark}'{extra}")
    elif inference.origin == "default":
        e.notes.append(f"amounts: no value in '{header}' decides the decimal mark (whole numbers or values like "
                       "1.234); read with '.'")


def _dates(e: Export) -> None:
    columns = ["order_date"] if e.business_model == "transactional" else ["start_date", "end_date"]
    inferences: list[DateInference] = []
    for canonical in columns:
        header = e.mapping.get(canonical)
        if header is None:
            continue
        days, inference = parse_dates(e.raw.frame[header], None, "Europe/Rome", header)
        inferences.append(inference)
        if canonical != "end_date" and days.notna().any():
            e.first_date, e.last_date = days.min(), days.max()
    decided = [i for i in inferences if i.order_origin == "inferred"]
    formats = "; ".join(f"'{i.column}': " + ", ".join(f"{name} ({rows:,} of {len(e.raw.frame):,} rows)"
                                                      for name, rows in i.formats.items() if rows)
                        for i in inferences)
    if decided:
        first = decided[0]
        e.add("dayfirst", first.dayfirst, f"{formats}; values above 12 come "
                                          f"{'first' if first.dayfirst else 'second'}")
    elif any(i.order_origin in ("default", "mixed") for i in inferences):
        why = ("no date has a number above 12, so nothing decides" if all(i.order_origin == "default" for i in
                                                                             inferences) else "both orders occur")
        e.add("dayfirst", True, f"{formats}; day or month first? {why}", question=True)
    elif formats:
        e.notes.append(f"dates: {formats}; no day/month question")
    zoned = [i for i in inferences if i.converted_from_zone]
    if zoned:
        e.add("timezone", "Europe/Rome", f"{zoned[0].converted_from_zone:,} timestamps in '{zoned[0].column}' carry "
                                         "a time zone: they are converted to the client's", question=True)


def _currency(e: Export) -> None:
    from clv_lib.data.amounts import _CURRENCY  # the symbols and codes the amount reader strips

    column = e.column("currency")
    if column is not None:
        codes = as_text(column).str.upper().value_counts()
        if len(codes):
            top, rows = codes.index[0], int(codes.iloc[0])
            e.add("currency", top, f"{rows:,} of {int(codes.sum()):,} rows are in {top} "
                                   f"(column '{e.mapping.get('currency')}')")
            others = codes.iloc[1:]
            if len(others):
                listing = ", ".join(f"{int(k):,} rows in {c}" for c, k in others.items())
                e.add("fx_rates", {c: None for c in others.index},
                      f"{listing}: {top} per 1 unit of each, or the report stops and asks", question=True)
            return
    amount = e.column("amount") if e.column("amount") is not None else e.column("mrr")
    if amount is not None and amount.dtype == object:
        marks = as_text(amount).str.extract(f"({_CURRENCY})", expand=False).dropna().str.strip().str.upper()
        marks = marks.map(lambda m: SYMBOLS.get(m, m)).value_counts()
        if len(marks):
            e.add("currency", marks.index[0], f"{int(marks.iloc[0]):,} amounts carry {marks.index[0]}")
            return
    header = e.mapping.get("amount") or ""
    for code in ("EUR", "USD", "GBP", "CHF"):
        if fold(header).endswith(code.lower()):
            e.add("currency", code, f"the amount column is '{header}'")
            return
    e.add("currency", "EUR", "the export does not say: the currency its amounts are in", question=True)


def _customers(e: Export) -> None:
    ids, emails = e.column("customer_id"), e.column("email")
    if ids is not None:
        present = as_text(ids)
        e.notes.append(f"customers: {present.nunique():,} distinct ids in '{e.mapping.get('customer_id')}'"
                       + (f"; {int(present.isna().sum()):,} rows without one" if present.isna().any() else ""))
        if emails is not None:
            fallback = int((present.isna() & as_text(emails).notna()).sum())
            if fallback:
                e.add("email_fallback", True, f"{fallback:,} rows have no customer id but an e-mail")
    elif emails is not None:
        e.notes.append(f"customers: no id column; the e-mail ('{e.mapping.get('email')}') identifies them")
    if e.business_model == "transactional" and not e.mapping.get("order_id"):
        duplicates = int(e.raw.duplicated().sum())
        if duplicates:
            e.add("drop_exact_duplicates", True, f"{duplicates:,} rows repeat another row exactly and the file has "
                                                 "no order id: re-exports (true) or repeat purchases (false)?",
                  question=True)


def _labels(e: Export) -> None:
    """Statuses and billing intervals, as the cleaning will treat them (its own tables)."""
    if e.business_model == "transactional":
        from clv_lib.data.engines.clean import EXCLUDED_STATUSES, REFUND_STATUSES
    else:
        from clv_lib.data.engines.clean_subscriptions import EXCLUDED_STATUSES, INTERVAL_MONTHS
        REFUND_STATUSES = ()
    status = e.column("status")
    if status is not None:
        counts = fold_labels(status).value_counts()
        excluded = {label: rule for rule, labels in EXCLUDED_STATUSES.items() for label in labels}
        parts = [f"{label} {int(k):,} " + (f"excluded ({excluded[label]})" if label in excluded else
                                           "refund" if label in REFUND_STATUSES else "kept")
                 for label, k in counts.head(12).items()]
        e.notes.append(f"statuses in '{e.mapping.get('status')}': " + "; ".join(parts))
    interval = e.column("billing_interval")
    if interval is not None and e.business_model == "subscription":
        labels = fold_labels(interval).value_counts()
        unknown = [label for label in labels.index if label not in INTERVAL_MONTHS]
        known = ", ".join(f"{label} {int(INTERVAL_MONTHS[label]) if INTERVAL_MONTHS[label] >= 1 else 'weekly'}"
                          for label in labels.index if label in INTERVAL_MONTHS)
        if unknown:
            e.add("billing_interval_months", {label: None for label in unknown},
                  f"months per billing interval: {', '.join(unknown)} unknown ({known or 'none'} known)",
                  question=True)
        else:
            e.notes.append(f"billing intervals in '{e.mapping.get('billing_interval')}': {known} (months)")
