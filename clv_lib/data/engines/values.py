"""How the engine reads a column's values: identifiers as text, dates as the client's days, amounts as numbers.

The meaning is the file path's (`clv_lib.data.read.as_text`, `clv_lib.data.dates`, `clv_lib.data.amounts`) where an
engine can compute it, and a value the engine cannot read is NULL (counted by the ledger as unparsable), never an
error in the middle of a query:

* **text**: trimmed, NULL when empty; integral floats lose their `.0` (ids stored as numbers).
* **days**: DATE columns as they are. Timestamps with a time zone (PostgreSQL/DuckDB ``TIMESTAMPTZ``, Spark's
  ``TIMESTAMP``, which is an instant shown in the session's zone) are converted to the client's `timezone` before
  the day is taken, like the file path converts ``...Z`` values; timestamps without one (``TIMESTAMP``, Spark's
  ``TIMESTAMP_NTZ``) are the client's local time. Text is read when it is ISO 8601 (``2024-03-05``,
  ``2024-03-05 14:22[:05]``, ``T`` between, an offset ``Z``/``UTC``/``+01:00`` is converted like a zoned
  timestamp); other layouts (``05/03/2024``) are unparsable in an engine.
* **numbers**: numeric columns as float64; text holding a plain number (``-12.5``, ``1e3``) is cast, anything else
  is NULL. With params `decimal` (``,`` or ``.``), text is read as the file path reads it with that mark
  (`clv_lib.data.amounts`): currency symbols and codes and spaces dropped, the other mark grouping thousands by
  three (``€ 1.234,56``), a sign in front or behind or parentheses for a negative (``(12,00)``, ``12-``).

PostgreSQL has no ``TRY_CAST`` (Ibis compiles `try_cast` to a plain ``CAST`` there, which fails the whole query on
the first bad value), so text is checked first by a pattern and, for dates, by the calendar (month 1-12, the
month's length, leap years) in nested ``CASE`` expressions, which PostgreSQL evaluates in order: the ``CAST`` only
ever sees values it accepts. DuckDB and Spark use their own ``TRY_CAST``. Other Ibis backends (BigQuery,
Snowflake, Trino, ...) get ``try_cast`` as Ibis compiles it and no time-zone conversion (their session's zone
decides the day; the data appendix says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from clv_lib.exceptions import EngineError

#: An offset at the end of an ISO timestamp written as text (the file path's `_ISO_TZ`).
ZONE_SUFFIX = r"(Z|UTC|[+-][0-9]{2}:?[0-9]{2})$"
#: ISO 8601 dates and times PostgreSQL accepts (2-digit hours below 24, minutes and seconds below 60).
PG_ISO = (r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([ T]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.,][0-9]{1,6})?)?)?"
          r"\s*(Z|UTC|[+-][0-9]{2}:?[0-9]{2})?$")
#: Plain numbers PostgreSQL casts to DOUBLE PRECISION without overflow (at most 200 digits, exponent below 100).
PG_NUMBER = r"^[-+]?([0-9]{1,200}(\.[0-9]*)?|\.[0-9]{1,200})([eE][-+]?[0-9]{1,2})?$"
CONVERTING = ("duckdb", "postgres", "spark")
#: Currency symbols, codes and spaces an amount written as text may carry (`clv_lib.data.amounts`); no \b, which
#: PostgreSQL reads otherwise.
AMOUNT_NOISE = r"[€$£¥]|EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CAD|AUD|Euro|euro|eur|usd|\s|'|’"
#: Years a day may have (pandas' nanosecond timestamps), as the file path reads dates.
FIRST_YEAR, LAST_YEAR = 1678, 2261


@dataclass(frozen=True)
class Reader:
    """Reads the columns of one engine's table. `timezone` is the client's (params `timezone`), `session_zone`
    Spark's session time zone and `instants` the Spark columns of type TIMESTAMP (instants, not wall times)."""

    engine: str
    timezone: str = "UTC"
    session_zone: str = "UTC"
    instants: frozenset = field(default_factory=frozenset)
    decimal: str | None = None  #: params `decimal`: the decimal mark of amounts written as text

    @classmethod
    def of(cls, raw, engine: str, timezone: str, decimal: str | None = None) -> "Reader":
        """The reader of the Ibis table `raw` held by `engine` (looks up Spark's timestamp kinds and zone)."""
        if engine != "spark":
            return cls(engine, timezone, decimal=decimal)
        zone, instants = _spark_timestamps(raw)
        return cls(engine, timezone, zone, instants, decimal)

    # ---- text -----------------------------------------------------------------------------------------------
    def text(self, col):
        """Identifiers and labels as trimmed text, NULL when empty; integral floats lose their `.0`."""
        import ibis

        dtype = col.type()
        if dtype.is_floating():
            integral = col.notnull() & (col == col.floor())
            return ibis.cases((integral, col.cast("int64").cast("string")), else_=col.cast("string"))
        if not dtype.is_string():
            return col.cast("string")
        text = self.strip(col)
        return ibis.cases((text == "", ibis.null("string")), else_=text)

    def strip(self, col):
        """Text without leading and trailing white space. Spark: a regular expression, because Ibis compiles
        `strip` there to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``, and Spark reads that literal's ``\\v`` and ``\\f`` as the
        letters v and f, which it then trims ('sub_x1f' -> 'sub_x1')."""
        if self.engine == "spark":
            return col.re_replace(r"^\s+|\s+$", "")
        return col.strip()

    # ---- numbers --------------------------------------------------------------------------------------------
    def number(self, col, name: str):
        """A numeric column as float64; text cast where it holds a plain number, NULL elsewhere."""
        import ibis

        dtype = col.type()
        if dtype.is_numeric():
            return col.cast("float64")
        if not dtype.is_string():
            raise EngineError(key="engine.not_numbers", engine=self.engine, column=name, dtype=str(dtype))
        text = self.strip(col)
        if self.decimal:
            return self._marked(text)
        if self.engine == "postgres":
            return ibis.cases((text.re_search(PG_NUMBER), text.cast("float64")), else_=ibis.null("float64"))
        value = text.try_cast("float64")  # 'inf', 'nan' and overflowing text are not amounts
        return ibis.cases((value.isinf() | value.isnan(), ibis.null("float64")), else_=value)

    def _marked(self, text):
        """Amounts written with the params' decimal mark (see the module docstring); NULL when malformed. The
        pattern admits only digits and marks, so the cast cannot fail on any engine (PostgreSQL included)."""
        import ibis

        mark = self.decimal
        sep = "," if mark == "." else "."
        body = text.re_replace(AMOUNT_NOISE, "").replace("−", "-")
        negative = body.re_search(r"^[(].*[)]$|^-|-$")
        body = body.re_replace(r"^[(+-]+|[)-]+$", "")
        d, t = "\\" + mark, "\\" + sep
        shape = rf"^(([0-9]{{1,3}}({t}[0-9]{{3}})+|[0-9]{{1,100}})({d}[0-9]{{0,100}})?|{d}[0-9]{{1,100}})$"
        value = body.replace(sep, "").replace(mark, ".")
        number = ibis.cases((body.re_search(shape), value.cast("float64")), else_=ibis.null("float64"))
        return ibis.cases((negative, -number), else_=number)

    # ---- days -----------------------------------------------------------------------------------------------
    def zoned(self, col, name: str) -> bool:
        """Whether the column holds instants (a time zone), which are converted to the client's zone."""
        dtype = col.type()
        return dtype.is_timestamp() and (dtype.timezone is not None or name in self.instants)

    def day(self, col, name: str):
        """A date, timestamp or ISO-text column as the client's calendar day (a DATE; NULL when unreadable or
        outside the years pandas holds, 1678-2261, as in the file path)."""
        import ibis

        day = self._day(col, name)
        if col.type().is_date():
            return day
        year = day.year()
        return ibis.cases(((year >= FIRST_YEAR) & (year <= LAST_YEAR), day), else_=ibis.null("date"))

    def _day(self, col, name: str):
        import ibis
        import ibis.expr.datatypes as dt

        dtype = col.type()
        if dtype.is_date():
            return col
        if dtype.is_timestamp():
            return (self.local(col) if self.zoned(col, name) else col).date()
        if not dtype.is_string():
            raise EngineError(key="engine.not_dates", engine=self.engine, column=name, dtype=str(dtype))
        text = self.strip(col)
        zone = text.re_search(ZONE_SUFFIX)
        if self.engine == "postgres":
            valid = _pg_valid_date(text)
            aware = self.local(text.cast(dt.Timestamp(timezone="UTC"))).date()
            naive = text.cast("timestamp").date()
            read = ibis.cases((zone, aware), else_=naive)
            return ibis.cases((text.re_search(PG_ISO), ibis.cases((valid, read), else_=ibis.null("date"))),
                              else_=ibis.null("date"))
        if self.engine == "spark":  # TRY_CAST to TIMESTAMP gives an instant (an offset is honoured)
            instant = text.try_cast("timestamp")
            return ibis.cases((zone, self.local(instant).date()), else_=instant.date())
        aware = self.local(text.try_cast(dt.Timestamp(timezone="UTC"))).date()
        return ibis.cases((zone, aware), else_=text.try_cast("timestamp").date())

    def local(self, instant):
        """An instant as the client's wall-clock time (DuckDB/PostgreSQL `timezone(zone, ts)`; Spark: from UTC to
        the client's zone and back through the session's, so the session's cast to DATE gives the client's day)."""
        fns = _builtins()
        if self.engine in ("duckdb", "postgres"):
            return fns["timezone"](self.timezone, instant)
        if self.engine == "spark":
            return fns["to_utc"](fns["from_utc"](instant, self.timezone), self.session_zone)
        return instant

    def describe_day(self, col, name: str) -> str:
        """How a date column was read, for the data appendix."""
        dtype = col.type()
        text = f"'{name}' read as {dtype} by {self.engine}"
        if dtype.is_timestamp() and self.zoned(col, name) or dtype.is_string():
            if self.engine in CONVERTING:
                text += f", times with a zone converted to {self.timezone}"
            else:
                text += f", cut to the day in the {self.engine} session's time zone"
        return text


def _pg_valid_date(text):
    """The ISO text's year/month/day form a real date (to be evaluated only after the pattern matched)."""
    import ibis

    y = text.re_extract(PG_ISO, 1).cast("int32")
    m = text.re_extract(PG_ISO, 2).cast("int32")
    d = text.re_extract(PG_ISO, 3).cast("int32")
    leap = ((y % 4) == 0) & (((y % 100) != 0) | ((y % 400) == 0))
    length = ibis.cases((m == 2, ibis.cases((leap, 29), else_=28)), (m.isin([4, 6, 9, 11]), 30), else_=31)
    return (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= length)


@lru_cache(maxsize=1)
def _builtins() -> dict:
    """The engines' own time-zone functions, declared to Ibis once."""
    import ibis
    import ibis.expr.datatypes as dt

    instant, wall = dt.Timestamp(timezone="UTC"), dt.Timestamp()
    builtin = ibis.udf.scalar.builtin

    def timezone(zone, ts):
        """DuckDB/PostgreSQL: the wall-clock time in `zone` of the instant `ts`."""

    def from_utc(ts, zone):
        """Spark: shift the instant `ts` read as UTC to `zone`'s wall-clock time."""

    def to_utc(ts, zone):
        """Spark: the inverse shift, from `zone`'s wall-clock time to UTC."""

    timezone = builtin(timezone, name="timezone", signature=((dt.string, instant), wall))
    from_utc = builtin(from_utc, name="from_utc_timestamp", signature=((wall, dt.string), wall))
    to_utc = builtin(to_utc, name="to_utc_timestamp", signature=((wall, dt.string), wall))
    return {"timezone": timezone, "from_utc": from_utc, "to_utc": to_utc}


def _spark_timestamps(raw) -> tuple[str, frozenset]:
    """Spark's session time zone and the names of `raw`'s TIMESTAMP (instant) columns; Ibis shows both TIMESTAMP and
    TIMESTAMP_NTZ as a plain timestamp, so Spark's own schema of the (unexecuted) query tells them apart."""
    try:
        from pyspark.sql.types import TimestampType

        backend = raw._find_backend()
        session = backend._session
        frame = session.sql(backend.compile(raw.limit(0)))
        instants = frozenset(f.name for f in frame.schema.fields if type(f.dataType) is TimestampType)
        return session.conf.get("spark.sql.session.timeZone") or "UTC", instants
    except Exception:  # noqa: BLE001 - without Spark's schema, timestamps are taken as wall times
        return "UTC", frozenset()
