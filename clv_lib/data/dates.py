"""Parse dates as exports write them into calendar days (midnight, no time zone) and say how they were read.

Accepted per value, mixed in one column if need be:

* ISO 8601 `2024-03-05`, `2024-03-05 14:22`, `2024-03-05T09:12:44Z`, `...+01:00`, `2024/03/05`;
* `DD/MM/YYYY` or `MM/DD/YYYY` (separators `/ . -`, two-digit years = 20xx below 70), optionally with `HH:MM[:SS]`:
  day first unless `dayfirst` is false; when `dayfirst` is not given the column decides (a first number above
  12 proves day first, a second number above 12 proves month first; nothing decides: day first);
* compact `YYYYMMDD` (CDNOW), Excel serial numbers (days since 1899-12-30, 20000..80000 = 1954..2119);
* typed values (Excel dates, Parquet timestamps).

Values with a time zone (`Z`, `+01:00`, tz-aware timestamps) are converted to the client's `timezone` before
the day is taken, so a UTC export's orders near midnight land on the client's day; so are values of a column
whose header says UTC (Stripe's `Created (UTC)`); other values without a zone are taken as the client's local
time. Anything else is unparsable (NaT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clv_lib.data.mapping import fold

_ISO = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?"
_ISO_TZ = r".*(?:Z|UTC|[+-]\d{2}:?\d{2})$"
_DMY = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
_COMPACT = r"(?:19|20|21)\d{6}"
_SERIAL = r"\d{5}(?:\.\d+)?"
SERIAL_RANGE = (20000, 80000)


@dataclass(frozen=True)
class DateInference:
    """How a column of dates was read: counts per format, day/month order and its origin, zone conversions."""

    column: str
    formats: dict[str, int] = field(default_factory=dict)  # rows per format read
    dayfirst: bool = True
    order_origin: str = "default"  # "params", "inferred", "default", "mixed" (proofs both ways) or "" (none)
    converted_from_zone: int = 0  # rows with a time zone converted to the client's
    timezone: str = ""
    unparsable: int = 0  # rows that could not be read (empty included)

    def describe(self) -> str:
        """One sentence for the report's data appendix."""
        parts = [f"{name} ({count:,} rows)" for name, count in self.formats.items() if count]
        text = f"{self.column}: " + (", ".join(parts) if parts else "no readable dates")
        if self.order_origin:
            order = "day first" if self.dayfirst else "month first"
            origin = {"params": "from params", "inferred": "inferred from values above 12",
                      "default": "default, no value decides; set data.dayfirst: false if the file writes the "
                                 "month first",
                      "mixed": "the column has values above 12 in both places, so it mixes both orders; set "
                               "data.dayfirst"}[self.order_origin]
            text += f"; {order} ({origin})"
        if self.converted_from_zone:
            text += f"; {self.converted_from_zone:,} timestamps converted to {self.timezone}"
        if self.unparsable:
            text += f"; {self.unparsable:,} rows unparsable or empty"
        return text


def parse_dates(values: pd.Series, dayfirst: bool | None = None, timezone: str = "Europe/Rome",
                column: str = "order_date") -> tuple[pd.Series, DateInference]:
    """Parse a column into days: a datetime64[ns] Series (midnight, no zone, NaT where unparsable) and a report."""
    index = values.index
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        days = values.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
        return _finish(days, index), DateInference(
            column, {"timestamp": int(days.notna().sum())}, True, "", int(values.notna().sum()), timezone,
            int(days.isna().sum()))
    if pd.api.types.is_datetime64_dtype(values.dtype):
        days = values.dt.normalize()
        return _finish(days, index), DateInference(column, {"timestamp": int(days.notna().sum())}, True, "", 0,
                                                   timezone, int(days.isna().sum()))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return (pd.Series(np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]"), index=index),
                DateInference(column, {}, True, "", 0, timezone, len(values)))
    parsed, formats, order, origin, zoned = _parse_uniques(pd.Series(uniques, dtype=object), dayfirst, timezone,
                                                           utc_header(column))
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = codes >= 0
    out[valid] = parsed.to_numpy(dtype="datetime64[ns]")[codes[valid]]
    days = pd.Series(out, index=index)
    rows_per_format = {name: int(counts[mask].sum()) for name, mask in formats.items()}
    return days, DateInference(column, rows_per_format, order, origin, int(counts[zoned].sum()), timezone,
                               int(days.isna().sum()))


def _finish(days: pd.Series, index) -> pd.Series:
    out = pd.Series(days.to_numpy(dtype="datetime64[ns]"), index=index)
    return out


def utc_header(column: str) -> bool:
    """Whether the header says its times are UTC, as Stripe's "Created (UTC)" does."""
    return bool(re.search(r"(?:^|_)(?:utc|gmt)(?:_|$)", fold(column or "")))


def _parse_uniques(uniq: pd.Series, dayfirst: bool | None, timezone: str, naive_utc: bool = False):
    """Parse distinct raw values; return days, a mask per format, the day/month order, its origin, zone mask.
    `naive_utc`: values without a zone are UTC (the header says so) and are converted to `timezone`."""
    n = len(uniq)
    out = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    formats: dict[str, np.ndarray] = {}
    zoned = np.zeros(n, dtype=bool)

    is_ts = uniq.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year")).to_numpy(bool)
    is_num = uniq.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                      ).to_numpy(bool)
    if is_ts.any():
        stamps = pd.to_datetime(pd.Series(uniq[is_ts].tolist()), errors="coerce", utc=True)
        aware = uniq[is_ts].map(lambda v: getattr(v, "tzinfo", None) is not None).to_numpy(bool)
        local = stamps.dt.tz_convert(timezone).dt.tz_localize(None)
        naive = stamps.dt.tz_localize(None)
        out[is_ts] = np.where(aware, local.to_numpy(), naive.to_numpy())
        zoned[np.flatnonzero(is_ts)[aware]] = True
        formats["timestamp"] = is_ts
    text = uniq.where(~(is_ts | is_num), "").astype(str).str.strip()
    numbers = pd.to_numeric(uniq.where(is_num, None), errors="coerce")
    # Numbers: 8 digits YYYYMMDD, else Excel serials.
    compact_num = is_num & numbers.between(19000101, 21991231).to_numpy() & (numbers % 1 == 0).to_numpy()
    serial_num = is_num & numbers.between(*SERIAL_RANGE).to_numpy()
    text = text.where(~compact_num, numbers.astype("Int64").astype(str))
    text = text.where(~serial_num, numbers.astype(str))

    iso = text.str.fullmatch(_ISO).to_numpy(bool)
    if iso.any():
        raw = text[iso].str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
        raw = raw.str.replace(r"\s*UTC$", "Z", regex=True).str.replace(",", ".", regex=False)
        has_tz = raw.str.fullmatch(_ISO_TZ).to_numpy(bool)
        res = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
        if has_tz.any():
            aware = pd.to_datetime(raw[has_tz], format="ISO8601", utc=True, errors="coerce")
            res[has_tz] = aware.dt.tz_convert(timezone).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
            zoned[np.flatnonzero(iso)[has_tz]] = True
        if (~has_tz).any():
            res[~has_tz] = pd.to_datetime(raw[~has_tz], format="ISO8601", errors="coerce").to_numpy(
                dtype="datetime64[ns]")
        out[iso] = res.to_numpy()
        formats["ISO 8601"] = iso

    order, origin = (True if dayfirst is None else dayfirst), ("default" if dayfirst is None else "params")
    parts = text.str.extract(_DMY)
    dmy = (text.str.fullmatch(_DMY).to_numpy(bool)) & ~iso
    if dmy.any():
        first = pd.to_numeric(parts.loc[dmy, 0]).to_numpy()
        second = pd.to_numeric(parts.loc[dmy, 1]).to_numpy()
        if dayfirst is None:
            day_proof, month_proof = bool((first > 12).any()), bool((second > 12).any())
            if day_proof != month_proof:
                order, origin = day_proof, "inferred"
            elif day_proof:
                origin = "mixed"
        day, month = (first, second) if order else (second, first)
        year = pd.to_numeric(parts.loc[dmy, 2]).to_numpy()
        year = np.where(year < 100, np.where(year < 70, 2000 + year, 1900 + year), year)
        clock = parts.loc[dmy, [3, 4, 5]].apply(pd.to_numeric).fillna(0).to_numpy()
        stamp = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day, "hour": clock[:, 0],
                                             "minute": clock[:, 1], "second": clock[:, 2]}), errors="coerce")
        out[dmy] = stamp.to_numpy(dtype="datetime64[ns]")
        formats["DD/MM/YYYY" if order else "MM/DD/YYYY"] = dmy
    else:
        origin = ""

    compact = text.str.fullmatch(_COMPACT).to_numpy(bool) & ~iso & ~dmy
    if compact.any():
        out[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce").to_numpy(
            dtype="datetime64[ns]")
        formats["YYYYMMDD"] = compact
    serial = text.str.fullmatch(_SERIAL).to_numpy(bool) & ~compact & ~iso & ~dmy
    if serial.any():
        value = pd.to_numeric(text[serial], errors="coerce")
        value = value.where(value.between(*SERIAL_RANGE))
        out[serial] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(value, unit="D")).to_numpy(
            dtype="datetime64[ns]")
        formats["Excel serial"] = serial
    if naive_utc:
        naive = ~zoned & out.notna().to_numpy()
        if naive.any():
            out[naive] = (out[naive].dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
                          .to_numpy(dtype="datetime64[ns]"))
            zoned |= naive
    days = out.dt.normalize()
    for name in formats:
        formats[name] = formats[name] & days.notna().to_numpy()
    return days, formats, order, origin, zoned & days.notna().to_numpy()
