"""Small, realistic exports of the kinds the README lists, made from the demo's customers and orders (so that they
have the demo's repeat buying): Shopify's orders export, Stripe's subscriptions export, a UCI Online Retail-style
invoice-line file and an Italian accounting export. Each writer returns the file it wrote."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clv_lib.data.amounts import parse_amounts

ROOT = Path(__file__).resolve().parents[1]


def demo_orders(customers: int = 300) -> pd.DataFrame:
    """The demo's completed orders of its first `customers` customers: customer, order, date, amount, e-mail."""
    raw = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    raw = raw[raw["Cliente"].notna() & (raw["Valuta"] == "EUR") & (raw["Stato"] == "completato")]
    keep = raw["Cliente"].drop_duplicates().head(customers)
    raw = raw[raw["Cliente"].isin(keep)].drop_duplicates("Ordine")
    raw = raw[parse_amounts(raw["Importo"], ",")[0] > 0]
    return pd.DataFrame({
        "customer": raw["Cliente"].to_numpy(),
        "order": raw["Ordine"].to_numpy(),
        "date": pd.to_datetime(raw["Data"], dayfirst=True, format="mixed").to_numpy(),
        "amount": parse_amounts(raw["Importo"], ",")[0],
        "email": ("cliente" + raw["Cliente"] + "@example.it").to_numpy(),
    })


def _split(amount: float, parts: int, rng) -> list[float]:
    """An amount as `parts` line totals that add up to it to the cent."""
    weights = rng.dirichlet(np.ones(parts))
    lines = np.round(weights * amount, 2)
    lines[-1] = round(amount - lines[:-1].sum(), 2)
    return lines.tolist()


def shopify(path: Path, customers: int = 300) -> Path:
    """Shopify's orders export: one row per line item, the order's Total on its first line only, customers known by
    e-mail, Financial Status, Refunded Amount, 'Created at' with a UTC offset, 20+ columns."""
    rng = np.random.default_rng(1)
    rows = []
    for i, o in enumerate(demo_orders(customers).itertuples()):
        status = "refunded" if i % 97 == 5 else "partially_refunded" if i % 53 == 7 else "paid"
        refunded = o.amount if status == "refunded" else round(o.amount * 0.3, 2) if status != "paid" else 0.0
        items = _split(o.amount, int(rng.integers(1, 4)), rng)
        created = pd.Timestamp(o.date).strftime("%Y-%m-%d %H:%M:%S +0100")
        for k, line in enumerate(items):
            first = k == 0
            rows.append({
                "Name": f"#{1000 + i}", "Email": o.email, "Financial Status": status if first else "",
                "Paid at": created if first else "", "Fulfillment Status": "fulfilled" if first else "",
                "Accepts Marketing": "yes", "Currency": "EUR" if first else "",
                "Subtotal": f"{o.amount:.2f}" if first else "", "Shipping": "0.00" if first else "",
                "Taxes": f"{o.amount * 0.18:.2f}" if first else "", "Total": f"{o.amount:.2f}" if first else "",
                "Discount Code": "", "Discount Amount": "0.00" if first else "", "Created at": created,
                "Lineitem quantity": 1, "Lineitem name": f"Articolo {k + 1}", "Lineitem price": f"{line:.2f}",
                "Lineitem sku": f"SKU-{int(rng.integers(100, 999))}", "Refunded Amount": f"{refunded:.2f}" if first else "",
                "Source": "web", "Tags": "", "Id": str(5_000_000 + i) if first else ""})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def stripe(path: Path, customers: int = 400) -> Path:
    """Stripe's subscriptions export: 'Customer ID', 'Plan', 'Interval', 'Amount', 'Status', 'Created (UTC)',
    'Start (UTC)', 'Trial End (UTC)', 'Canceled At (UTC)', 'Ended At (UTC)', lower-case currency."""
    subs = pd.read_csv(ROOT / "data" / "demo" / "subscriptions.csv", dtype=str)
    subs = subs[subs["account_id"].isin(subs["account_id"].dropna().drop_duplicates().head(customers))]
    start = pd.to_datetime(subs["started_at"], utc=True)
    end = pd.to_datetime(subs["canceled_at"], utc=True)
    fmt = "%Y-%m-%d %H:%M"
    pd.DataFrame({
        "id": subs["subscription_id"], "Customer ID": "cus_" + subs["account_id"].str.replace("ACC-", ""),
        "Customer Email": subs["billing_email"], "Plan": subs["plan"].str.lower() + "_" + subs["interval"],
        "Product": "Nuvola " + subs["plan"], "Quantity": 1, "Interval": subs["interval"], "Amount": subs["price"],
        "Currency": "eur", "Status": np.where(end.isna(), "active", "canceled"),
        "Created (UTC)": start.dt.strftime(fmt), "Start (UTC)": start.dt.strftime(fmt),
        "Current Period Start (UTC)": start.dt.strftime(fmt), "Trial Start (UTC)": "", "Trial End (UTC)": "",
        "Canceled At (UTC)": end.dt.strftime(fmt).fillna(""), "Ended At (UTC)": end.dt.strftime(fmt).fillna(""),
    }).to_csv(path, index=False)
    return path


def online_retail(path: Path, customers: int = 300) -> Path:
    """UCI "Online Retail" shape: invoice lines (Quantity x UnitPrice), month-first 'InvoiceDate' with a time,
    CustomerID written as floats, 'C' credit notes with negative quantities, a Country column."""
    rng = np.random.default_rng(2)
    rows = []
    for i, o in enumerate(demo_orders(customers).itertuples()):
        stamp = pd.Timestamp(o.date) + pd.Timedelta(minutes=int(rng.integers(480, 1080)))
        when = f"{stamp.month}/{stamp.day}/{stamp.year} {stamp.hour}:{stamp.minute:02d}"
        for k, line in enumerate(_split(o.amount, int(rng.integers(1, 4)), rng)):
            quantity = int(rng.integers(1, 7))
            rows.append({"InvoiceNo": str(536000 + i), "StockCode": f"{85000 + k}", "Description": f"ITEM {k}",
                         "Quantity": quantity, "InvoiceDate": when, "UnitPrice": round(line / quantity, 2),
                         "CustomerID": float(o.customer), "Country": "United Kingdom"})
        if i % 41 == 3:  # a credit note for part of the first line
            first = rows[-1]
            rows.append({**first, "InvoiceNo": f"C{536000 + i}", "Quantity": -1})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def italian_accounting(path: Path, customers: int = 300) -> Path:
    """An Italian accounting (gestionale) export: Latin-1, ';', amounts as 1.234,56, credit notes ('Nota di
    credito', negative), day-first dates, and a trailing TOTALE row."""
    orders = demo_orders(customers)
    kinds = np.where(np.arange(len(orders)) % 37 == 11, "Nota di credito", "Fattura")
    amounts = np.where(kinds == "Fattura", orders["amount"], -np.round(orders["amount"] * 0.5, 2))

    def italian(x: float) -> str:
        return f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")

    frame = pd.DataFrame({
        "Codice Cliente": "C" + orders["customer"], "Ragione Sociale": "Società " + orders["customer"] + " S.r.l.",
        "Numero Documento": [f"{'NC' if k != 'Fattura' else 'FT'}/{n}" for k, n in zip(kinds, orders["order"])],
        "Data Documento": pd.to_datetime(orders["date"]).dt.strftime("%d/%m/%Y"), "Tipo Documento": kinds,
        "Totale Documento": [italian(a) for a in amounts], "Città": "Forlì"})
    total = pd.DataFrame([{"Codice Cliente": "TOTALE", "Totale Documento": italian(float(amounts.sum()))}])
    pd.concat([frame, total]).to_csv(path, sep=";", index=False, encoding="latin-1")
    return path
