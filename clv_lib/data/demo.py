"""Generate the two demo clients' exports, deterministically: `python -m clv_lib.data.demo` rewrites both files.

* `data/demo/orders.csv` (params/demo.yaml): an Italian online retailer, 2023-01-01 .. 2025-12-31, exported the
  way an Italian shop back office does it (`;`, `1.234,56`, `DD/MM/YYYY`, UTF-8 with BOM, CRLF).
  Customers follow the BG/NBD story (Fader, Hardie & Lee 2005): while alive a customer buys as a Poisson
  process (rate drawn from a gamma distribution, modulated by the retail calendar: Black Friday/Christmas peak,
  summer dip); after every repeat purchase she drops out with a probability drawn from a beta distribution.
  Order values follow the Gamma-Gamma model (Fader & Hardie 2013): each customer has her own mean spend.
  Each acquisition channel (search, social, email, marketplace) has its own rates, dropout and spend.
* `data/demo/subscriptions.csv` (params/demo-subscription.yaml): a B2B SaaS export, 2022-01-01 .. 2025-12-31.
  Every subscription renews each billing period and churns at a renewal with a probability drawn from a beta
  distribution (the shifted-beta-geometric story, Fader & Hardie 2007), with plan changes, reactivations and
  second subscriptions.

Both files then receive a documented handful of messy rows (refunds, cancelled and test orders, duplicates,
line items, missing ids, foreign currencies, unparsable values, trials); `generate()` returns their counts,
which `data/demo/README.md` lists and the tests compare with the cleaning ledger.

Only Python's own `random.Random` (seeded) is used, so the bytes are the same on every run and platform.
"""

from __future__ import annotations

import argparse
import random
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

SEED = 20251231
ORDERS_FILE = "data/demo/orders.csv"
SUBSCRIPTIONS_FILE = "data/demo/subscriptions.csv"

ORDERS_START = date(2023, 1, 1)
ORDERS_END = date(2025, 12, 31)
SUBS_START = date(2022, 1, 1)
SUBS_END = date(2025, 12, 31)

ORDER_HEADER = ["Cliente", "Ordine", "Data", "Importo", "Stato", "Email", "Valuta", "Canale"]
SUBSCRIPTION_HEADER = ["account_id", "subscription_id", "plan", "started_at", "canceled_at", "price", "interval",
                       "billing_email", "source"]


@dataclass(frozen=True)
class Channel:
    """One acquisition channel's customer mix: share of new customers and the BG/NBD + Gamma-Gamma draws.

    `rate_per_day`: mean purchase rate while alive (gamma with shape `rate_shape`); `dropout_a/b`: beta
    parameters of the probability of dropping out after a repeat purchase; `spend_eur`: mean order value.
    """

    name: str
    share: float
    rate_per_day: float
    rate_shape: float
    dropout_a: float
    dropout_b: float
    spend_eur: float


CHANNELS = (
    Channel("search", 0.36, 1 / 30, 0.27, 1.0, 2.6, 68.0),
    Channel("social", 0.24, 1 / 50, 0.22, 1.3, 2.0, 46.0),
    Channel("email", 0.14, 1 / 20, 0.37, 0.8, 3.8, 62.0),
    Channel("marketplace", 0.26, 1 / 55, 0.22, 1.2, 2.2, 84.0),
)
N_CUSTOMERS = 4000

FIRST_NAMES = ("giulia", "marco", "francesca", "luca", "chiara", "andrea", "sara", "matteo", "elena", "davide",
               "martina", "alessandro", "valentina", "simone", "federica", "paolo", "laura", "stefano", "anna",
               "giorgio", "silvia", "roberto", "alessia", "fabio", "elisa", "lorenzo", "marta", "riccardo",
               "ilaria", "nicola", "beatrice", "tommaso")
LAST_NAMES = ("rossi", "russo", "ferrari", "esposito", "bianchi", "romano", "colombo", "ricci", "marino", "greco",
              "bruno", "gallo", "conti", "deluca", "mancini", "costa", "giordano", "rizzo", "lombardi", "moretti",
              "barbieri", "fontana", "santoro", "mariani", "rinaldi", "caruso", "ferrara", "galli", "martini",
              "leone", "longo", "gentile")
MAIL_DOMAINS = ("example.it", "example.com", "example.org", "example.net")


# ----------------------------------------------------------------------------------------------------------------
# The retail calendar
# ----------------------------------------------------------------------------------------------------------------

def _black_friday(year: int) -> date:
    """The fourth Friday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 21)


def seasonality(day: date) -> float:
    """Relative purchase intensity of a calendar day (about 1 on average): summer dip, Black Friday week and the
    Christmas run-up peak, the January sales."""
    bf = _black_friday(day.year)
    if bf - timedelta(days=3) <= day <= bf + timedelta(days=3):  # Black Friday week to Cyber Monday
        return 3.2
    if day.month == 12 and day.day <= 20:
        return 1.9
    if day.month == 12:
        return 0.8
    if day.month == 11:
        return 1.3
    if day.month in (7, 8):
        return 0.6 if day.month == 8 else 0.75
    if day.month == 1 and day.day <= 15:
        return 1.2  # saldi invernali
    return 0.95


SEASON_MAX = 3.2


def _growth(day: date) -> float:
    """Acquisition grows about 25 % a year."""
    return 1.25 ** ((day - ORDERS_START).days / 365.25)


def _day(start: date, offset: float) -> date:
    return start + timedelta(days=int(offset))


# ----------------------------------------------------------------------------------------------------------------
# Formatting as the Italian back office exports it
# ----------------------------------------------------------------------------------------------------------------

def italian_amount(cents: int, euro_sign: bool = False) -> str:
    """Cents as `1.234,56` (thousands `.`, decimals `,`), optionally prefixed `€ `."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    text = f"{sign}{units:,}".replace(",", ".") + f",{rest:02d}"
    return f"€ {text}" if euro_sign else text


def italian_date(moment: datetime, with_time: bool) -> str:
    return moment.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


# ----------------------------------------------------------------------------------------------------------------
# Orders
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class _Customer:
    cid: str
    email: str
    channel: Channel
    first: date
    currency: str = "EUR"


@dataclass
class _Order:
    customer: _Customer
    moment: datetime
    cents: int
    status: str = "completato"
    with_time: bool = False
    euro_sign: bool = False
    order_id: str = ""


def _moment(rng: random.Random, day: date) -> datetime:
    """A time of day, mostly in the evening."""
    hour = min(23, max(0, int(rng.gauss(19.0, 3.5))))
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60))


def _draw_first_days(rng: random.Random, n: int) -> list[date]:
    """First-purchase days by thinning: density proportional to growth x seasonality."""
    span = (ORDERS_END - ORDERS_START).days + 1
    top = SEASON_MAX * _growth(ORDERS_END)
    days = []
    while len(days) < n:
        day = _day(ORDERS_START, rng.random() * span)
        if rng.random() * top <= seasonality(day) * _growth(day):
            days.append(day)
    return sorted(days)


def _pick_channel(rng: random.Random) -> Channel:
    u, acc = rng.random(), 0.0
    for channel in CHANNELS:
        acc += channel.share
        if u <= acc:
            return channel
    return CHANNELS[-1]


def _customer_orders(rng: random.Random, customer: _Customer) -> list[_Order]:
    """BG/NBD purchases of one customer from her first purchase to the end of the export, Gamma-Gamma values."""
    ch = customer.channel
    rate = rng.gammavariate(ch.rate_shape, ch.rate_per_day / ch.rate_shape)  # purchases per day while alive
    dropout = rng.betavariate(ch.dropout_a, ch.dropout_b)
    # Gamma-Gamma: z ~ Gamma(p, nu), nu ~ Gamma(q, gamma); with p=4, q=3, gamma=spend/2 the mean of z is `spend`.
    nu = rng.gammavariate(3.0, 2.0 / ch.spend_eur)
    fx = {"EUR": 1.0, "USD": 1 / 0.92, "GBP": 1 / 1.17}[customer.currency]

    def value() -> int:
        return max(190, int(round(rng.gammavariate(4.0, 1.0 / nu) * fx * 100)))

    orders = [_Order(customer, _moment(rng, customer.first), value())]
    t = 0.0
    horizon = (ORDERS_END - customer.first).days + 0.999
    while rate > 0:
        t += rng.expovariate(rate * SEASON_MAX)
        if t > horizon:
            break
        day = _day(customer.first, t)
        if rng.random() * SEASON_MAX > seasonality(day):
            continue  # thinned: the calendar modulates the Poisson rate
        orders.append(_Order(customer, _moment(rng, day), value()))
        if rng.random() < dropout:
            break
    return orders


def _email(rng: random.Random, taken: set[str]) -> str:
    while True:
        email = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}{rng.randrange(1, 100)}@{rng.choice(MAIL_DOMAINS)}"
        if email not in taken:
            taken.add(email)
            return email


def _split_cents(rng: random.Random, cents: int, parts: int) -> list[int]:
    """Split an order total into `parts` distinct positive line amounts that add up to it exactly."""
    while True:
        cuts = sorted(rng.randrange(100, cents - 99) for _ in range(parts - 1))
        lines = [b - a for a, b in zip([0, *cuts], [*cuts, cents])]
        if all(x >= 100 for x in lines) and len(set(lines)) == parts:
            return lines


def generate_orders(rng: random.Random) -> tuple[list[list[str]], dict[str, int]]:
    """The rows of `orders.csv` (without header) and the counts of every kind of messy row injected."""
    taken: set[str] = set()
    customers = []
    for i, first in enumerate(_draw_first_days(rng, N_CUSTOMERS)):
        customers.append(_Customer(f"{10001 + i}", _email(rng, taken), _pick_channel(rng), first))
    foreign = rng.sample(customers, 9)
    for k, customer in enumerate(foreign):  # customers abroad, billed in their own currency
        customer.currency = "USD" if k < 5 else "GBP"

    orders = [o for c in customers for o in _customer_orders(rng, c)]
    manifest: dict[str, int] = {"customers": len(customers), "orders_from_process": len(orders)}

    # Extra orders that must not count: cancelled and test orders; zero-value orders (100 % coupons) that do.
    eligible = [c for c in customers if c.first < ORDERS_END - timedelta(days=30)]
    for _ in range(85):
        c = rng.choice(eligible)
        day = _day(c.first, rng.random() * (ORDERS_END - c.first).days)
        orders.append(_Order(c, _moment(rng, day), int(rng.gammavariate(4.0, c.channel.spend_eur / 4) * 100) + 100,
                             status="annullato"))
    manifest["cancelled_orders"] = 85
    tester = _Customer("99999", "test@bottega-demo.example", CHANNELS[0], ORDERS_START)
    for _ in range(7):
        day = _day(ORDERS_START, rng.random() * (ORDERS_END - ORDERS_START).days)
        orders.append(_Order(tester, _moment(rng, day), rng.choice([1, 100, 1000]), status="test"))
    manifest["test_orders"] = 7
    for _ in range(24):
        c = rng.choice(eligible)
        day = _day(c.first, rng.random() * (ORDERS_END - c.first).days)
        orders.append(_Order(c, _moment(rng, day), 0))
    manifest["zero_value_orders"] = 24

    for o in orders:
        o.with_time = rng.random() < 0.3
        o.euro_sign = o.customer.currency == "EUR" and rng.random() < 0.12
    orders.sort(key=lambda o: (o.moment, o.customer.cid))
    for i, o in enumerate(orders):
        o.order_id = str(100001 + i)

    sales = [o for o in orders if o.status == "completato" and o.cents > 0 and o.customer is not tester]
    # Orders refunded in full: the order row itself carries Stato=rimborsato.
    for o in rng.sample(sales, 30):
        o.status = "rimborsato"
    manifest["refunded_in_full"] = 30
    sales = [o for o in sales if o.status == "completato"]

    rows: list[tuple[datetime, int, list[str]]] = []  # (moment, tie-break, row)

    def emit(moment: datetime, row: list[str]) -> None:
        rows.append((moment, len(rows), row))

    def row_of(o: _Order, cents: int, **overrides) -> list[str]:
        row = {"Cliente": o.customer.cid, "Ordine": o.order_id, "Data": italian_date(o.moment, o.with_time),
               "Importo": italian_amount(cents, o.euro_sign), "Stato": o.status, "Email": o.customer.email,
               "Valuta": o.customer.currency, "Canale": o.customer.channel.name}
        row.update(overrides)
        return [row[h] for h in ORDER_HEADER]

    line_item_orders = set(id(o) for o in rng.sample([o for o in sales if o.cents >= 1500], 320))
    duplicated = set(id(o) for o in rng.sample([o for o in sales if id(o) not in line_item_orders], 42))
    guest_known = set(id(o) for o in rng.sample([o for o in sales if id(o) not in line_item_orders | duplicated], 36))
    no_id_no_mail = set(id(o) for o in rng.sample(
        [o for o in sales if id(o) not in line_item_orders | duplicated | guest_known], 14))
    free = [o for o in sales if id(o) not in line_item_orders | duplicated | guest_known | no_id_no_mail]
    bad_date = set(id(o) for o in rng.sample(free, 9))
    free = [o for o in free if id(o) not in bad_date]
    bad_amount = set(id(o) for o in rng.sample(free, 7))
    manifest.update(line_item_orders=320, duplicate_rows=42, guest_rows_known_email=36, rows_without_id_or_email=14,
                    unparsable_dates=9, unparsable_amounts=7)
    line_rows = 0
    for o in orders:
        key = id(o)
        if key in line_item_orders:
            parts = 2 if rng.random() < 0.7 else 3
            for cents in _split_cents(rng, o.cents, parts):
                emit(o.moment, row_of(o, cents))
            line_rows += parts
        elif key in guest_known:
            # Guest checkout of a known customer: no id, e-mail typed with capitals and spaces.
            mail = o.customer.email
            mail = f" {mail.capitalize()} " if rng.random() < 0.5 else mail.upper()
            emit(o.moment, row_of(o, o.cents, Cliente="", Email=mail))
        elif key in no_id_no_mail:
            emit(o.moment, row_of(o, o.cents, Cliente="", Email=""))
        elif key in bad_date:
            emit(o.moment, row_of(o, o.cents, Data=rng.choice(["31/02/2024", "n.d.", "", "2024-13-45", "00/00/0000"])))
        elif key in bad_amount:
            emit(o.moment, row_of(o, o.cents, Importo=rng.choice(["n/d", "", "12,34,56", "#VALORE!"])))
        else:
            emit(o.moment, row_of(o, o.cents))
            if key in duplicated:
                emit(o.moment, row_of(o, o.cents))
    manifest["line_item_rows"] = line_rows

    # Guest checkouts of people who never registered: no id, a new e-mail (the fallback makes them customers).
    for _ in range(12):
        c = _Customer("", _email(rng, taken), rng.choice(CHANNELS), ORDERS_START)
        day = _day(ORDERS_START, rng.random() * (ORDERS_END - ORDERS_START).days)
        o = _Order(c, _moment(rng, day), int(rng.gammavariate(4.0, c.channel.spend_eur / 4) * 100) + 100,
                   order_id=f"G{rng.randrange(10**6):06d}")
        emit(o.moment, row_of(o, o.cents))
    manifest["guest_rows_new_email"] = 12

    # Partial or full refunds of an order: a negative row with the order's id, dated days after it.
    late = [o for o in sales if id(o) not in bad_date | bad_amount | no_id_no_mail
            and o.moment.date() < ORDERS_END - timedelta(days=40)]
    for o in rng.sample(late, 55):
        share = 1.0 if rng.random() < 0.4 else rng.choice([0.2, 0.3, 0.5])
        moment = _moment(rng, o.moment.date() + timedelta(days=rng.randrange(3, 35)))
        emit(moment, row_of(o, -int(round(o.cents * share)), Stato="rimborsato", Data=italian_date(moment, False)))
    manifest["refund_rows_with_order"] = 55
    # Returns booked without the order number: netted against the customer's latest earlier order.
    for o in rng.sample(late, 16):
        moment = _moment(rng, o.moment.date() + timedelta(days=rng.randrange(5, 30)))
        emit(moment, row_of(o, -int(round(o.cents * rng.choice([0.25, 0.5]))), Ordine="", Stato="reso",
                            Data=italian_date(moment, False)))
    manifest["return_rows_without_order"] = 16

    rows.sort(key=lambda r: (r[0], r[1]))
    out = [r[2] for r in rows]
    manifest["rows"] = len(out)
    manifest["foreign_currency_rows"] = sum(1 for r in out if r[6] != "EUR")
    return out, manifest


# ----------------------------------------------------------------------------------------------------------------
# Subscriptions
# ----------------------------------------------------------------------------------------------------------------

PLANS = {"Starter": 29.0, "Pro": 79.0, "Business": 199.0}  # list price per month, EUR
ANNUAL_PRICE = {"Starter": 290.0, "Pro": 790.0, "Business": 1990.0}  # per year: two months free
PLAN_ORDER = ("Starter", "Pro", "Business")
SOURCES = (("organic", 0.34), ("paid_search", 0.26), ("partner", 0.18), ("outbound", 0.14), ("event", 0.08))
N_ACCOUNTS = 1500
COMPANY_WORDS = ("alfa", "borgo", "corte", "delta", "estro", "faro", "gemma", "iride", "lume", "meta", "nodo",
                 "onda", "polo", "quadra", "rete", "sole", "terra", "vela", "zenit", "brio", "dado", "eco")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def _sub_id(rng: random.Random) -> str:
    return "sub_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(14))


def _weighted(rng: random.Random, pairs) -> str:
    u, acc = rng.random(), 0.0
    for name, weight in pairs:
        acc += weight
        if u <= acc:
            return name
    return pairs[-1][0]


def _subscription_segments(rng: random.Random, start: datetime, end_limit: datetime) -> tuple[list[tuple], bool]:
    """Segments (plan, interval, price, start, end or None) of one subscription, and whether it churned.

    Renewal churn follows the sBG: the churn probability per renewal is drawn once per subscription from a beta
    distribution (monthly: mean 3.5 %; annual: mean 18 % a year). At a renewal the plan may change (upgrade more
    often than downgrade): the segment ends and a new segment of the same subscription starts that day.
    """
    interval = "year" if rng.random() < 0.3 else "month"
    theta = rng.betavariate(1.1, 30.0) if interval == "month" else rng.betavariate(1.6, 7.3)
    months = 12 if interval == "year" else 1
    plan = _weighted(rng, (("Starter", 0.5), ("Pro", 0.38), ("Business", 0.12)))
    segments = []
    seg_start = start
    renewal = start
    while True:
        renewal = _add_months(renewal, months)
        if renewal > end_limit:
            segments.append((plan, interval, seg_start, None))
            return segments, False
        if rng.random() < theta:
            # Cancellation at the renewal date (a few hours later, the payment-failure or the click).
            end = renewal + timedelta(hours=rng.randrange(0, 20), minutes=rng.randrange(60))
            if end > end_limit:
                segments.append((plan, interval, seg_start, None))
                return segments, False
            segments.append((plan, interval, seg_start, end))
            return segments, True
        move = rng.random()
        level = PLAN_ORDER.index(plan)
        upgrade_p = 0.025 * months if level < 2 else 0.0
        downgrade_p = 0.008 * months if level > 0 else 0.0
        if move < upgrade_p or upgrade_p <= move < upgrade_p + downgrade_p:
            new_plan = PLAN_ORDER[level + 1] if move < upgrade_p else PLAN_ORDER[level - 1]
            change = renewal + timedelta(minutes=rng.randrange(1, 600))
            segments.append((plan, interval, seg_start, change))
            plan, seg_start = new_plan, change


def generate_subscriptions(rng: random.Random) -> tuple[list[list[str]], dict[str, int]]:
    """The rows of `subscriptions.csv` (without header) and the counts of the injected messy rows."""
    span = (SUBS_END - SUBS_START).days + 1
    end_limit = datetime(SUBS_END.year, SUBS_END.month, SUBS_END.day, 23, 59, 59)
    records: list[tuple[datetime, int, list[str]]] = []
    manifest = {"accounts": N_ACCOUNTS, "plan_changes": 0, "reactivations": 0, "second_subscriptions": 0,
                "churned_subscriptions": 0}
    emails: set[str] = set()

    def price_of(plan: str, interval: str) -> str:
        return f"{(ANNUAL_PRICE[plan] if interval == 'year' else PLANS[plan]):.2f}"

    def add(account: str, sub: str, segments, email: str, source: str) -> None:
        for plan, interval, start, end in segments:
            row = [account, sub, plan, _iso(start), _iso(end) if end else "", price_of(plan, interval), interval,
                   email, source]
            records.append((start, len(records), row))

    offsets = []
    while len(offsets) < N_ACCOUNTS:  # sign-ups grow about 30 % a year
        offset = rng.random() * span
        if rng.random() <= 1.3 ** (offset / 365.25) / 1.3 ** (span / 365.25):
            offsets.append(offset)
    for i, offset in enumerate(sorted(offsets)):
        start = datetime(SUBS_START.year, 1, 1, rng.randrange(7, 20), rng.randrange(60),
                         rng.randrange(60)) + timedelta(days=int(offset))
        account = f"ACC-{i + 1:05d}"
        while True:
            email = f"billing@{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS)}{rng.randrange(10, 99)}.example"
            if email not in emails:
                emails.add(email)
                break
        source = _weighted(rng, SOURCES)
        segments, churned = _subscription_segments(rng, start, end_limit)
        manifest["plan_changes"] += len(segments) - 1
        manifest["churned_subscriptions"] += churned
        add(account, _sub_id(rng), segments, email, source)
        if churned and rng.random() < 0.12:
            restart = segments[-1][3] + timedelta(days=rng.randrange(30, 300), hours=rng.randrange(1, 8))
            if restart < end_limit - timedelta(days=1):
                again, churned_again = _subscription_segments(rng, restart, end_limit)
                manifest["reactivations"] += 1
                manifest["plan_changes"] += len(again) - 1
                manifest["churned_subscriptions"] += churned_again
                add(account, _sub_id(rng), again, email, source)
        if rng.random() < 0.06:  # a second workspace, started some months later
            second = start + timedelta(days=rng.randrange(20, 400), hours=rng.randrange(1, 5))
            if second < end_limit - timedelta(days=1):
                more, churned_more = _subscription_segments(rng, second, end_limit)
                manifest["second_subscriptions"] += 1
                manifest["plan_changes"] += len(more) - 1
                manifest["churned_subscriptions"] += churned_more
                add(account, _sub_id(rng), more, email, source)

    # Messy rows. Trials: a 14-day zero-price segment, either followed by the paid subscription or never converted.
    firsts, seen = [], set()
    for record in records:  # the first segment of every subscription
        if record[2][1] not in seen:
            seen.add(record[2][1])
            firsts.append(record)
    trials = 0
    for start, _, row in rng.sample(firsts, 40):
        trial_start = datetime.fromisoformat(row[3][:-1]) - timedelta(days=14)
        if trial_start.date() < SUBS_START:
            continue
        records.append((trial_start, len(records), [row[0], row[1], row[2], _iso(trial_start), row[3], "0.00",
                                                    row[6], row[7], row[8]]))
        trials += 1
    for k in range(25):  # trials that never converted: a prospect's own account, cancelled after 14 days
        day = SUBS_START + timedelta(days=rng.randrange(span - 20))
        trial_start = datetime(day.year, day.month, day.day, rng.randrange(8, 19), rng.randrange(60), rng.randrange(60))
        records.append((trial_start, len(records), [f"ACC-T{k + 1:04d}", _sub_id(rng), "Pro", _iso(trial_start),
                                                    _iso(trial_start + timedelta(days=14)), "0.00", "month",
                                                    f"trial{k + 1}@prospect.example", _weighted(rng, SOURCES)]))
        trials += 1
    manifest["trial_rows"] = trials
    missing = rng.sample([r for r in records if r[2][5] != "0.00"], 6)
    for _, _, row in missing:
        row[0] = ""
    manifest["rows_without_account"] = 6
    records.sort(key=lambda r: (r[0], r[1]))
    out = []
    dup_at = set(rng.sample([i for i, r in enumerate(records) if r[2][0] and r[2][5] != "0.00"], 12))
    for i, (_, _, row) in enumerate(records):
        out.append(row)
        if i in dup_at:
            out.append(list(row))
    manifest["duplicate_rows"] = 12
    manifest["rows"] = len(out)
    return out, manifest


# ----------------------------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------------------------

def _csv_text(header: list[str], rows: list[list[str]], sep: str, newline: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if sep in value or '"' in value else value

    return newline.join(sep.join(cell(v) for v in row) for row in [header, *rows]) + newline


def generate(seed: int = SEED) -> dict[str, tuple[bytes, dict[str, int]]]:
    """Both demo files as bytes, with the counts of their injected messy rows: {relative path: (bytes, counts)}."""
    order_rows, order_counts = generate_orders(random.Random(seed))
    sub_rows, sub_counts = generate_subscriptions(random.Random(seed + 1))
    return {
        ORDERS_FILE: (_csv_text(ORDER_HEADER, order_rows, ";", "\r\n").encode("utf-8-sig"), order_counts),
        SUBSCRIPTIONS_FILE: (_csv_text(SUBSCRIPTION_HEADER, sub_rows, ",", "\n").encode("utf-8"), sub_counts),
    }


def write(root: Path, seed: int = SEED) -> dict[str, dict[str, int]]:
    """Write both demo files under `root`; return the messy-row counts per file."""
    counts = {}
    for rel, (content, manifest) in generate(seed).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        counts[rel] = manifest
    return counts


def main(argv: list[str] | None = None) -> int:
    from clv_lib.params.clients import project_root

    parser = argparse.ArgumentParser(description="Rewrite the demo clients' data files (seeded, byte-identical).")
    parser.add_argument("--root", type=Path, default=None, help="project root (default: detected)")
    args = parser.parse_args(argv)
    for rel, manifest in write(args.root or project_root()).items():
        print(rel)
        for key, value in manifest.items():
            print(f"  {key}: {value:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
