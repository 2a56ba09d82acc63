"""Parse money amounts as exports write them, deciding the decimal mark per column and saying how.

Accepted: `1234.56`, `1,234.56`, `1.234,56`, `€ 1.234,56`, `1 234,56` (space or no-break space thousands),
`1'234.56`, `-12`, `12-`, `(12,00)` (negative), `+5`, currency symbols and codes (€ $ £ EUR USD ...) anywhere.
The decimal mark is the `decimal` param when given; otherwise it is inferred per column from the values that
decide it (both marks present: the last one is decimal; one mark followed by 1-2 or 4+ digits: decimal; the same
mark several times: thousands). Values like `1.234` that fit both readings count as ambiguous and follow the
column's majority (`.` when nothing decides). Numeric columns (Excel numbers, Parquet) are taken as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_CURRENCY = r"[€$£¥]|\b(?:EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CAD|AUD)\b|\bEuro?\b"
_SPACES = r"[\s\u00a0\u202f'’]"


@dataclass(frozen=True)
class AmountInference:
    """How a column of amounts was read: decimal mark and its origin, with the evidence counts."""

    column: str
    decimal: str
    origin: str  # "params", "inferred", "default" (nothing decided) or "numeric" (typed column)
    comma_decimal: int = 0  # distinct values showing ',' as the decimal mark
    dot_decimal: int = 0  # distinct values showing '.' as the decimal mark
    ambiguous: int = 0  # distinct values readable both ways, e.g. 1.234
    unparsable: int = 0  # rows that could not be read (empty included)
    other_mark: int = 0  # distinct values readable only with the other mark, read that way (e.g. 1234.56)

    def describe(self) -> str:
        """One sentence for the report's data appendix."""
        name = {",": "comma", ".": "point"}[self.decimal]
        if self.origin == "numeric":
            how = "numeric column, read as numbers"
        elif self.origin == "params":
            how = f"decimal mark {name} ('{self.decimal}') from params"
        elif self.origin == "inferred":
            how = (f"decimal mark {name} ('{self.decimal}') inferred from the values "
                   f"({self.comma_decimal:,} distinct values with ',' decimals, {self.dot_decimal:,} with '.')")
        else:
            how = f"no value decides the decimal mark: read as {name} ('{self.decimal}')"
        extra = f"; {self.ambiguous:,} distinct values were ambiguous (e.g. 1.234)" if self.ambiguous else ""
        other = (f"; {self.other_mark:,} distinct values could only be read with the other mark and were read so"
                 if self.other_mark else "")
        bad = f"; {self.unparsable:,} rows unparsable or empty" if self.unparsable else ""
        return f"{self.column}: {how}{extra}{other}{bad}"


def parse_amounts(values: pd.Series, decimal: str | None = None, column: str = "amount"
                  ) -> tuple[np.ndarray, AmountInference]:
    """Parse a column of amounts into float64 (NaN where unparsable or empty) and report how it was read."""
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.to_numpy(dtype="float64", na_value=np.nan, copy=True)
        out[~np.isfinite(out)] = np.nan
        return out, AmountInference(column, decimal or ".", "numeric", unparsable=int(np.isnan(out).sum()))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.full(len(values), np.nan), AmountInference(column, decimal or ".", "params" if decimal else "default",
                                                             unparsable=len(values))
    uniq = pd.Series(uniques, dtype=object)
    numeric = uniq.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                       ).astype(bool)
    text = uniq.where(~numeric, "").astype(str)
    parts = _split(text)
    if decimal:
        mark, origin = decimal, "params"
        comma = dot = ambiguous = 0
    else:
        comma, dot, ambiguous = _evidence(parts["body"])
        if comma or dot:
            mark, origin = ("," if comma > dot else "."), "inferred"
        else:
            mark, origin = ".", "default"
    parsed = _convert(parts, mark)
    # A value that can only be read with the other mark (e.g. 1234.56 in a column of 1.234,56) is read that way.
    other = "." if mark == "," else ","
    decisive = _decisive(parts["body"], other).to_numpy() & np.isnan(parsed)
    parsed[decisive] = _convert(parts[decisive], other)
    parsed[numeric.to_numpy()] = pd.to_numeric(uniq[numeric], errors="coerce").to_numpy(dtype="float64")
    parsed[~np.isfinite(parsed)] = np.nan
    out = np.full(len(values), np.nan)
    valid = codes >= 0
    out[valid] = parsed[codes[valid]]
    return out, AmountInference(column, mark, origin, comma, dot, ambiguous, int(np.isnan(out).sum()),
                                int(decisive.sum()))


def _split(text: pd.Series) -> pd.DataFrame:
    """Strip currency marks and spaces; return the digits-and-marks body and the sign of every value."""
    s = text.str.replace(_CURRENCY, "", regex=True, case=False).str.replace(_SPACES, "", regex=True)
    s = s.str.replace("−", "-", regex=False)
    paren = s.str.fullmatch(r"\(.*\)")
    s = s.where(~paren, s.str.slice(1, -1))
    lead = s.str.match(r"^[-+]")
    neg = paren | s.str.startswith("-") | s.str.endswith("-")
    s = s.where(~lead, s.str.slice(1))
    s = s.where(~s.str.endswith("-"), s.str.slice(0, -1))
    return pd.DataFrame({"body": s, "negative": neg})


def _decisive(body: pd.Series, mark: str) -> pd.Series:
    """Values that show `mark` as their decimal mark beyond doubt."""
    other = "." if mark == "," else ","
    both = body.str.contains(",", regex=False) & body.str.contains(".", regex=False)
    last = body.str.rfind(mark) > body.str.rfind(other)
    single = body.str.fullmatch(r"\d*" + "\\" + mark + r"(?:\d{1,2}|\d{4,})")
    return (both & last) | single


def _evidence(body: pd.Series) -> tuple[int, int, int]:
    """Count distinct values that show ',' or '.' as the decimal mark, and the ambiguous ones."""
    both = body.str.contains(",", regex=False) & body.str.contains(".", regex=False)
    last_comma = body.str.rfind(",") > body.str.rfind(".")
    single_comma = body.str.fullmatch(r"\d*,\d+")
    single_dot = body.str.fullmatch(r"\d*\.\d+")
    three_after = body.str.fullmatch(r"\d{1,3}[.,]\d{3}")
    multi_comma = body.str.fullmatch(r"\d{1,3}(?:,\d{3}){2,}")
    multi_dot = body.str.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}")
    comma = (both & last_comma) | (single_comma & ~three_after) | multi_dot
    dot = (both & ~last_comma) | (single_dot & ~three_after) | multi_comma
    return int(comma.sum()), int(dot.sum()), int(three_after.sum())


def _convert(parts: pd.DataFrame, mark: str) -> np.ndarray:
    """Read the bodies with decimal mark `mark` (the other mark may group thousands by 3); NaN when malformed."""
    sep = "." if mark == "," else ","
    d, t = ("\\" + mark), ("\\" + sep)
    pattern = rf"(?:\d{{1,3}}(?:{t}\d{{3}})+|\d+)(?:{d}\d*)?|{d}\d+"
    body = parts["body"]
    ok = body.str.fullmatch(pattern)
    clean = body.str.replace(sep, "", regex=False).str.replace(mark, ".", regex=False)
    number = pd.to_numeric(clean.where(ok, None), errors="coerce").to_numpy(dtype="float64")
    return np.where(parts["negative"].to_numpy(), -number, number)
