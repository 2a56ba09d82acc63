"""Order aggregations computed by the engine: what the report needs, one row per customer, month or cohort cell.

`EngineOrders` wraps the cleaned orders as a lazy Ibis table (see `clean.py`) and offers the same methods as the
in-memory `FrameOrders` (see `source.py`); each returns exactly what the in-memory function of the same name
returns, built from a small aggregate that the engine computes. The work is shared through one table cached in the
engine, `days`: one row per customer and purchase day (orders, spend, the channel of the day's first order), the
grain of every BTYD summary, KPI and cohort (several orders on one day are one purchase, as in `rfm_summary`).

Time in the engine: `d` is the day number (days since 1970-01-01) and `m` the month number (months since January
1970), the integers of `clv_lib.summary.months`, so months since acquisition and cut-offs are integer arithmetic
that every SQL dialect compiles the same way.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from clv_lib.data.engines.query import cache, money_sum, money_total, run
from clv_lib.exceptions import DataError, ModelInputError
from clv_lib.summary.months import day_numbers, last_complete_month, observation_timestamp

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
EPOCH_MONTH = 1970 * 12


def _day(value) -> int:
    return int(day_numbers(np.array([observation_timestamp(value).to_datetime64()]))[0])


def _month_of(date_col):
    return date_col.year() * 12 + date_col.month() - 1 - EPOCH_MONTH


class EngineOrders:
    """Cleaned orders held by an engine (`orders`: Ibis table with customer_id, order_id, order_date (date), amount
    and optionally channel), aggregated there. `engine` and `label` name it in messages."""

    def __init__(self, orders, engine: str, label: str, *, has_channel: bool = False, days=None):
        self.orders = orders
        self.engine = engine
        self.label = label
        self.has_channel = has_channel
        if days is not None:
            self.__dict__["days"] = days

    @classmethod
    def from_frame(cls, orders: pd.DataFrame, label: str = "orders") -> "EngineOrders":
        """Cleaned orders in memory (the orders contract: `customer_id`, `order_date`, `amount`, optional
        `order_id` and `channel`) aggregated by DuckDB, embedded: the same expressions as for any engine.
        DataError naming the column when the frame breaks the contract."""
        import ibis

        from clv_lib.summary.encoding import ORDER_COLUMNS, _dates, _no_missing, _require

        _require(orders, ORDER_COLUMNS, label)
        _dates(orders, "order_date", label)
        for column in ORDER_COLUMNS:
            _no_missing(orders[column], column, label)
        rows = np.arange(len(orders))
        columns = {"customer_id": orders["customer_id"].astype(str).to_numpy(dtype=object),
                   "order_id": (orders["order_id"].astype(str).to_numpy(dtype=object) if "order_id" in orders
                                else np.char.zfill(rows.astype(str), 12).astype(object)),
                   "order_date": orders["order_date"].to_numpy(dtype="datetime64[us]"),
                   "amount": orders["amount"].to_numpy(dtype=np.float64)}
        if "channel" in orders:
            channel = orders["channel"]
            columns["channel"] = channel.astype(object).where(channel.notna(), None).to_numpy(dtype=object)
        con = ibis.duckdb.connect()
        table = con.create_table("orders", pa.table({k: pa.array(v, type=pa.string() if v.dtype == object else None)
                                                     for k, v in columns.items()}))
        out = cls(table.mutate(order_date=table.order_date.date()), "duckdb", label, has_channel="channel" in orders)
        out.backend = con
        return out

    # ---- shared tables ----------------------------------------------------------------------------------
    @cached_property
    def days(self):
        """Customer x purchase day (cached in the engine): customer_id, d, m, n (orders), s (spend, an exact
        `MONEY` decimal: sum it with `money_sum`), ch (channel of the day's first order by order id, when the orders
        have channels)."""
        return cache(self.days_query(), self.engine)

    def days_query(self):
        """`days` as a query, not cached (for a single aggregate over it, e.g. one summary of transactions)."""
        import ibis

        o = self.orders
        ch = o.channel.argmin(o.order_id) if self.has_channel else ibis.null("string")  # an aggregate, no window
        t = o.group_by(["customer_id", "order_date"]).aggregate(n=o.count(), s=money_total(o.amount), ch=ch)
        t = t.select("customer_id", d=t.order_date.epoch_days().cast("int64"),
                     m=_month_of(t.order_date).cast("int64"), n=t.n.cast("int64"), s=t.s, ch=t.ch)
        return t

    def _run(self, expr, arrow: bool = False):
        """Run `expr`: a pandas frame, or with `arrow` an Arrow table (no pandas copy of millions of rows)."""
        return run(expr, self.engine, f"aggregating {self.label}", arrow)

    def _customers(self, expr):
        """Run `expr` (one row per customer) as an Arrow table sorted by customer id in code-point order, the order
        of the in-memory summaries: sorted by the engine (where its collation agrees) or else here."""
        import pyarrow.compute as pc

        table = self._run(expr.order_by("customer_id"), arrow=True)
        ids = table.column("customer_id")
        if len(ids) > 1 and not pc.all(pc.less(ids[:-1], ids[1:])).as_py():
            table = table.take(pc.sort_indices(ids))
        return table

    def _upto(self, end_day: int):
        return self.days.filter(self.days.d <= end_day)

    def _with_first(self, days):
        """`days` (some of the customers' purchase days, each customer's first among them) with each customer's
        first purchase day `fd` and month `fm`, from `acquisition`: a join, where a window over every purchase day
        would partition them all again for each aggregate."""
        a = self.acquisition
        return days.join(a, days.customer_id == a.cust).select(*days.columns, fd=a.fd, fm=a.fm)

    # ---- what the data holds ------------------------------------------------------------------------------
    def totals(self) -> dict:
        """Orders, revenue, customers, first and last order day (Timestamps) of the cleaned orders."""
        d = self.days
        row = self._run(d.aggregate(n=d.n.sum(), s=money_sum(d.s), c=d.customer_id.nunique(), lo=d.d.min(),
                                    hi=d.d.max())).iloc[0]
        as_ts = lambda x: pd.Timestamp(np.datetime64(int(x), "D")) if pd.notna(x) else None  # noqa: E731
        return {"orders": int(row["n"] or 0), "revenue": float(row["s"] or 0.0), "customers": int(row["c"] or 0),
                "first_date": as_ts(row["lo"]), "last_date": as_ts(row["hi"])}

    @cached_property
    def acquisition(self):
        """Customer (`cust`), the channel of the first purchase day (`ch`, NULL when unknown), that day `fd` and
        its month `fm`, cached in the engine: one row per customer, computed once for every `restrict` and every
        aggregate by acquisition channel."""
        import ibis

        d = self.days
        d = d.mutate(fd=d.d.min().over(ibis.window(group_by=d.customer_id)))  # the one window over every day
        return cache(d.filter(d.d == d.fd).select(cust="customer_id", ch="ch", fd="d", fm="m").distinct(),
                     self.engine)

    def by_acquisition(self, days, missing: str = "(unknown)"):
        """`days` with `fd` and `fm` (see `_with_first`) and each customer's acquisition channel `g` (the first
        purchase day's channel, `missing` when it has none), from `acquisition`: a join, no window."""
        import ibis

        a = self.acquisition
        return days.join(a, days.customer_id == a.cust).select(*days.columns, fd=a.fd, fm=a.fm,
                                                                g=ibis.coalesce(a.ch, missing))

    def restrict(self, channel: str) -> "EngineOrders":
        """The orders of the customers acquired through `channel` (their first order's channel); their purchase
        days cached in the engine, so each aggregate of the channel reads only its own rows."""
        a = self.acquisition
        acquired = a.filter(a.ch.isnull() if channel == "(unknown)" else a.ch == channel)
        days = cache(self.days.semi_join(acquired, self.days.customer_id == acquired.cust), self.engine)
        return EngineOrders(self.orders.semi_join(acquired, self.orders.customer_id == acquired.cust), self.engine,
                            f"{self.label} (channel {channel})", has_channel=self.has_channel, days=days)

    # ---- BTYD summaries -----------------------------------------------------------------------------------
    def _rfm_query(self, end_day: int, time_unit: str):
        """Per customer up to `end_day`: the RFM columns in `time_unit`, computed by the engine as float64 (so the
        result's columns are the summary's: no per-customer intermediate comes back to Python). One aggregate, no
        window: the first purchase day's spend is the spend at the smallest day (`argmin`; a customer's days are
        distinct), as DuckDB's own hand-written summary takes it."""
        import ibis

        d = self._upto(end_day)
        agg = d.group_by("customer_id").aggregate(first=d.d.min(), last=d.d.max(), n=d.count(),
                                                  total=money_sum(d.s),
                                                  first_s=_at_smallest(d.s, d.d).cast("float64"))
        unit = ibis.literal(UNIT_DAYS[time_unit], "float64")
        repeat = (agg.total - agg.first_s) / (agg.n - 1).cast("float64")
        return agg.select("customer_id", frequency=(agg.n - 1).cast("float64"),
                          recency=(agg["last"] - agg["first"]).cast("float64") / unit,
                          T=(ibis.literal(end_day, "int64") - agg["first"]).cast("float64") / unit,
                          monetary_value=ibis.cases((agg.n > 1, repeat), else_=ibis.literal(0.0, "float64")))

    @staticmethod
    def _rfm(table) -> dict:
        """The RFM columns of `_rfm_query`'s rows (an Arrow table) as float64 arrays (views of the Arrow buffers)."""
        mv = _floats(table, "monetary_value")
        if not np.isfinite(mv).all():  # the in-memory summary's guard (an infinite spend)
            mv = np.where(np.isfinite(mv), mv, 0.0)
        return {"frequency": _floats(table, "frequency"), "recency": _floats(table, "recency"),
                "T": _floats(table, "T"), "monetary_value": mv}

    def summary(self, observation_end, time_unit: str = "D") -> pd.DataFrame:
        """`clv_lib.summary.rfm_summary` of the orders up to `observation_end` (day purchase grain)."""
        _check_unit(time_unit)
        end = _day(observation_end)
        table = self._customers(self._rfm_query(end, time_unit))
        return pd.DataFrame(self._rfm(table), index=_ids(table), copy=False)

    def holdout(self, calibration_end, observation_end, time_unit: str = "D") -> pd.DataFrame:
        """`clv_lib.summary.calibration_holdout_summary` (day purchase grain)."""
        cal, end = _day(calibration_end), _day(observation_end)
        if end <= cal:
            raise ModelInputError(f"transactions: the observation end {pd.Timestamp(observation_end).date()} must "
                                  f"come after the calibration end {pd.Timestamp(calibration_end).date()}")
        _check_unit(time_unit)
        cal_rows = self._rfm_query(cal, time_unit)
        d = self.days
        held = d.filter((d.d > cal) & (d.d <= end))
        hold = held.group_by(hid="customer_id").aggregate(fh=held.n.count(), mh=money_sum(held.s) / held.n.count().cast("float64"))
        joined = cal_rows.left_join(hold, cal_rows.customer_id == hold.hid)  # in the engine: no join of 10M ids here
        table = self._customers(joined.select(*cal_rows.columns, "fh", "mh"))
        columns = {f"{c}_cal": v for c, v in self._rfm(table).items()}
        columns["frequency_holdout"] = _floats(table, "fh", fill=0.0)
        columns["monetary_value_holdout"] = _floats(table, "mh", fill=0.0)
        columns["duration_holdout"] = np.full(table.num_rows, (end - cal) / UNIT_DAYS[time_unit])
        return pd.DataFrame(columns, index=_ids(table), copy=False)

    def history(self, observation_end) -> pd.DataFrame:
        """`clv_lib.summary.customers.customer_history`: orders, revenue, first/last order, days since, channel."""
        end = _day(observation_end)
        d = self._upto(end)
        per = d.group_by("customer_id").aggregate(orders=d.n.sum(), revenue=money_sum(d.s), first=d.d.min(),
                                                  last=d.d.max())
        if self.has_channel:  # the first purchase day's channel, from the cached acquisition table (no window)
            a = self.acquisition
            per = per.left_join(a, per.customer_id == a.cust).select(*per.columns, channel=a.ch)
        table = self._customers(per)
        last = table.column("last").to_numpy()
        columns = {"orders": table.column("orders").to_numpy().astype("int64"), "revenue": _floats(table, "revenue"),
                   "first_order": _dates(table.column("first").to_numpy()), "last_order": _dates(last),
                   "days_since_last_purchase": (end - last).astype("int64")}
        if self.has_channel:
            import pyarrow.compute as pc

            channel = pc.fill_null(table.column("channel"), "(unknown)").cast("large_string")
            columns["channel"] = pd.array(channel, dtype="str")
        return pd.DataFrame(columns, index=_ids(table), copy=False)

    def tracking(self, calibration_end, observation_end, step_days: int = 7) -> pd.Series:
        """`clv_lib.summary.customers.holdout_tracking` of the customers with a purchase by `calibration_end`."""
        cal, end = _day(calibration_end), _day(observation_end)
        d = self._with_first(self._upto(end))
        held = d.filter((d.d > cal) & (d.fd <= cal))
        counts = self._run(held.group_by(off=held.d - cal).aggregate(k=held.count()))
        total = end - cal
        steps = np.unique(np.append(np.arange(step_days, total, step_days), total)).astype(float)
        offsets = np.repeat(counts["off"].to_numpy(np.int64), counts["k"].to_numpy(np.int64))
        values = np.searchsorted(np.sort(offsets), steps, side="right").astype("float64")
        return pd.Series(values, index=pd.Index(steps, name="days_since_calibration_end"), name="actual_cumulative")

    # ---- month axis and purchase gaps (what the KPIs of clv_lib.insights.source_kpis read) -------------
    def axis(self, observation_end) -> tuple[int, int, int]:
        """(end day, first acquisition month, last complete month); DataError when no complete month exists."""
        end = _day(observation_end)
        last = last_complete_month(pd.Timestamp(observation_end))
        d = self._upto(end)
        first = self._run(d.aggregate(m=d.m.min()))["m"].iloc[0]
        if pd.isna(first):
            raise DataError(f"{self.label}: no order on or before the observation end "
                            f"{pd.Timestamp(observation_end).date()}")
        if int(first) > last:
            raise DataError(f"orders: no complete month of orders before the observation end "
                            f"{pd.Timestamp(observation_end).date()}")
        return end, int(first), last

    def gap_histogram(self, days) -> tuple[np.ndarray, np.ndarray]:
        """Days between consecutive purchase days of each customer in `days`: (distinct gaps, counts)."""
        hist = self.gap_counts(days)
        return hist["gap"].to_numpy(np.int64), hist["k"].to_numpy(np.int64)

    def gap_counts(self, days, by: tuple[str, ...] = ()) -> pd.DataFrame:
        """How often each gap (days between consecutive purchase days of a customer in `days`) occurs, per value of
        the columns `by` (each customer in one group): a frame of `by`, `gap`, `k`."""
        import ibis

        prev = days.d.lag().over(ibis.window(group_by=days.customer_id, order_by=days.d))
        gaps = days.mutate(gap=days.d - prev)
        gaps = gaps.filter(gaps.gap.notnull())
        return self._run(gaps.group_by([*by, "gap"]).aggregate(k=gaps.count()))

    # ---- cohorts ------------------------------------------------------------------------------------------
    def cohort_cells(self, observation_end, *, by: str | None = None) -> pd.DataFrame:
        """`clv_lib.summary.cohorts.order_cohort_cells` (optionally `by="channel"` of the first order)."""
        from clv_lib.summary.cohorts import _tidy

        if by not in (None, "channel") or (by and not self.has_channel):
            raise DataError(f"{self.label}: cohorts by {by!r} need a mapped {by} column")
        end = _day(observation_end)
        last = last_complete_month(pd.Timestamp(observation_end))
        if by:  # the first purchase day's channel, computed once
            d = self.by_acquisition(self._upto(end), missing="(none)")
        else:
            d = self._with_first(self._upto(end)).mutate(g=ibis_literal(""))
        acquired = d.filter(d.fm <= last)
        sizes = self._run(acquired.filter(acquired.d == acquired.fd).group_by(["g", "fm"]).aggregate(
            k=lambda x: x.count()))
        if sizes.empty:
            raise DataError(f"orders: no customer was acquired in a complete month before the observation end "
                            f"{pd.Timestamp(observation_end).date()}")
        seen = acquired.filter(acquired.m <= last)
        seen = seen.mutate(age=seen.m - seen.fm)
        cells = self._run(seen.group_by(["g", "fm", "age"]).aggregate(
            active=seen.customer_id.nunique(), orders=seen.n.sum(), revenue=money_sum(seen.s)))
        m0 = int(sizes["fm"].min())
        width = last - m0 + 1
        labels = pd.Index(sorted(sizes["g"].astype(str).unique()), name=by) if by else None
        gcode = (lambda s: labels.get_indexer(s.astype(str))) if by else (lambda s: np.zeros(len(s), np.int64))
        groups = len(labels) if by else 1
        size = np.zeros(groups * width, dtype=np.int64)
        np.add.at(size, gcode(sizes["g"]) * width + (sizes["fm"].to_numpy(np.int64) - m0), sizes["k"].to_numpy())
        flat = ((gcode(cells["g"]) * width + (cells["fm"].to_numpy(np.int64) - m0)) * width
                + cells["age"].to_numpy(np.int64))
        n_cells = groups * width * width
        columns = {}
        for name in ("active", "orders", "revenue"):
            arr = np.zeros(n_cells, dtype=np.float64 if name == "revenue" else np.int64)
            np.add.at(arr, flat, cells[name].to_numpy(arr.dtype))
            columns["active_customers" if name == "active" else name] = arr
        out = _tidy(size, width, m0, last, columns)
        if by:
            out.insert(0, by, labels.take(out.pop("_group").to_numpy()))
        else:
            out = out.drop(columns="_group")
        return out.reset_index(drop=True)


def _at_smallest(value, key):
    """`value` at the smallest `key` of each group, for keys distinct within a group and values never NULL (a
    customer's purchase days and their spend). Ibis spells `argmin` on DuckDB as `FIRST(value ORDER BY key)`, to
    keep a NULL value at the smallest key, and DuckDB runs that with a sort-key blob per row: on 10M orders the RFM
    summary's slowest aggregate. Without NULLs DuckDB's own `arg_min` gives the same value, as the hand-written
    summary does; other backends keep Ibis's `argmin` (Spark's `min_by`, PostgreSQL's ordered `array_agg`)."""
    if value.get_backend().name == "duckdb":
        return _duckdb_arg_min(value, key)
    return value.argmin(key)


def _duckdb_arg_min(value, key):
    import ibis

    def arg_min(arg, key):
        """DuckDB's arg_min(arg, key)."""

    arg_min.__annotations__ = {"arg": value.type(), "key": key.type(), "return": value.type()}
    return ibis.udf.agg.builtin(arg_min)(value, key)


def ibis_literal(value):
    import ibis

    return ibis.literal(value)


def _number(value) -> float:
    """A SQL aggregate as a float: NULL (a SUM over no row) is 0."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def _spread(keys, values, first: int, width: int) -> np.ndarray:
    """Per-month values of an aggregate (month numbers `keys`) on the axis first..first+width-1 (0 elsewhere)."""
    keys = np.asarray(keys, dtype=np.int64) - first
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))  # SUM over no row is NULL in SQL
    keep = (keys >= 0) & (keys < width)
    return np.bincount(keys[keep], weights=values[keep], minlength=width)


def _months_of_days(days: np.ndarray) -> np.ndarray:
    from clv_lib.summary.months import month_numbers_from_days

    return month_numbers_from_days(days) if len(days) else np.zeros(0, dtype=np.int64)


def _check_unit(time_unit: str) -> None:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be one of D, W, M (got {time_unit!r})")


def _floats(table, column: str, fill: float | None = None) -> np.ndarray:
    """An Arrow column as a float64 array (a read-only view when it is one float64 chunk without NULLs, as pandas'
    copy-on-write arrays are), `fill` where NULL (a left join's missing rows)."""
    import pyarrow.compute as pc

    col = table.column(column)
    if fill is not None and col.null_count:
        col = pc.fill_null(col, fill)
    if col.num_chunks != 1:
        col = col.combine_chunks()
    else:
        col = col.chunk(0)
    return col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _ids(table) -> pd.Index:
    """The `customer_id` column of an Arrow table as the text index of the in-memory summaries (Arrow-backed
    strings: no Python object per customer); integers as they are (`rfm_summary`'s codes of its ids)."""
    ids = table.column("customer_id")
    if pa.types.is_integer(ids.type):
        return pd.Index(ids.to_numpy(), name="customer_id")
    return pd.Index(pd.array(table.column("customer_id").cast("large_string"), dtype="str"), name="customer_id")


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) as datetime64[ns] at midnight."""
    return days.astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")


__all__ = ["EngineOrders"]
