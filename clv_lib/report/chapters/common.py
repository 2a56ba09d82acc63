"""What several chapters share: choosing segments by key or by name (the `segments` option)."""

from __future__ import annotations

import pandas as pd

from clv_lib.exceptions import ClvError


def segment_keys(r, segments) -> list[str] | None:
    """The segment keys an analyst asked for (`"at_risk"`, `["Champions", "Loyal"]`, names in the report's
    language); None for all. An unknown segment is one clear error listing the segments of this report."""
    if segments is None:
        return None
    wanted = [segments] if isinstance(segments, str) else list(segments)
    present = r.analysis.profiles[["segment", "name"]].astype(str)
    present = present[present["segment"] != "all"]
    by_name = dict(zip(present["name"], present["segment"]))
    keys = set(present["segment"])
    out = []
    for item in wanted:
        item = str(item)
        if item in keys:
            out.append(item)
        elif item in by_name:
            out.append(by_name[item])
        else:
            listed = ", ".join(f"{k} ({n})" for k, n in zip(present["segment"], present["name"]))
            raise ClvError(f"segments: {item!r} is not a segment of this report; its segments are: {listed}")
    return out


def select_segments(r, frame: pd.DataFrame, segments, column: str = "segment") -> pd.DataFrame:
    """Rows of `frame` whose `column` is one of the chosen segments (all rows when `segments` is None)."""
    keys = segment_keys(r, segments)
    return frame if keys is None else frame[frame[column].astype(str).isin(keys)]
