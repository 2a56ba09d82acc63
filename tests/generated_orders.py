"""Order exports generated from the models' own purchase processes, for end-to-end checks of model choice.

An Italian shop's export (`;`, dd/mm/yyyy, `1.234,56`): customers acquired over the first `acquisition_months`
of the history, each buying as a Poisson process at her own rate lambda ~ Gamma(r, alpha) (one purchase every
`1 / E[lambda]` days on average) for `years` years, one order per purchase day, amounts Gamma-distributed.
With `dropout` each customer also leaves after each purchase with probability p ~ Beta(a, b) (the BG/NBD
process); without it nobody leaves (the NBD process: the population of a shop whose customers buy every two
months or so and none has stopped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scratch import build, scratch_project

START = pd.Timestamp("2023-01-01")


def generated_orders(n_customers: int, *, dropout: bool, seed: int = 0, years: float = 2.0,
                     acquisition_months: int = 12, r: float = 2.0, alpha: float = 120.0,
                     a: float = 1.0, b: float = 4.0, heavy: int = 0) -> pd.DataFrame:
    """Orders (customer, order id, date, amount) of `n_customers` customers; see the module notes. `heavy` more
    customers buy about twice a day from the first month (resellers: 1,000+ purchase days in two years)."""
    rng = np.random.default_rng(seed)
    days = int(round(365.25 * years))
    first = rng.integers(0, int(acquisition_months * 30.4), n_customers + heavy)
    first[n_customers:] = rng.integers(0, 30, heavy)
    rate = np.concatenate([rng.gamma(r, 1.0 / alpha, n_customers), rng.uniform(1.5, 2.5, heavy)])
    n_customers += heavy
    leave = rng.beta(a, b, n_customers) if dropout else np.zeros(n_customers)
    leave[n_customers - heavy:] = 0.0  # the resellers stay
    rows = []
    for customer in range(n_customers):  # a test-data generator, not a model path
        day, purchases = float(first[customer]), 0
        while day < days:
            rows.append((customer, int(day), purchases))
            purchases += 1
            if purchases > 1 and rng.random() < leave[customer]:
                break
            day += rng.exponential(1.0 / rate[customer])
    frame = pd.DataFrame(rows, columns=["customer", "day", "n"]).drop_duplicates(["customer", "day"])
    amounts = rng.gamma(4.0, 15.0, len(frame)) * rng.lognormal(0, 0.3, n_customers)[frame["customer"]]
    return pd.DataFrame({"Cliente": [f"C{c:05d}" for c in frame["customer"]],
                         "Ordine": [f"O{i:07d}" for i in range(len(frame))],
                         "Data": START + pd.to_timedelta(frame["day"], unit="D"),
                         "Importo": amounts.round(2)})


def write_export(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` the way an Italian accounting export looks: `;`, dd/mm/yyyy, decimal comma."""
    out = frame.assign(Data=frame["Data"].dt.strftime("%d/%m/%Y"),
                       Importo=frame["Importo"].map(lambda v: f"{v:.2f}".replace(".", ",")))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, sep=";", index=False)


PARAMS = """\
client_name: {name}
business_model: transactional
currency: EUR
language: it
gross_margin: 0.4
data:
  path: {path}
  columns: {{customer_id: Cliente, order_id: Ordine, order_date: Data, amount: Importo}}
  decimal: ","
  dayfirst: true
"""


def publish(root: Path, client: str, orders: pd.DataFrame, name: str, language: str = "it") -> Path:
    """Build the report of `orders`, written as an Italian export with params from `PARAMS`, in the scratch project
    `root` through the runner (HTML and PDF); return the report's folder."""
    scratch_project(root)
    write_export(orders, root / "data" / f"{client}.csv")
    params = PARAMS.format(name=name, path=f"data/{client}.csv").replace("language: it", f"language: {language}")
    (root / "params" / f"{client}.yaml").write_text(params, encoding="utf-8")
    return build(root, client)
