"""Segment migration between two periods of the same client, with a short data-derived reading.

Input: the segment of every customer in the previous and in the current period (Series of segment keys indexed
by customer id). Customers only in the current period come from the pseudo-segment ``entered``; customers only
in the previous one go to ``left``. Segments are ordered from best to worst (the RFM, subscription or tier
order when the keys belong to one of those families, the categories of an ordered Categorical, or `order`), so
that a move can be read as an improvement or a decline; without an order only stays and flows are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.profiles import segment_names
from clv_lib.insights.rfm_segments import SEGMENTS
from clv_lib.insights.subscription_segments import SUBSCRIPTION_SEGMENTS
from clv_lib.insights.value_tiers import TIERS
from clv_lib.insights.wording import Finding, check_language

ENTERED = "entered"
LEFT = "left"
STATE_NAMES = {
    "en": {ENTERED: "Not in the previous period", LEFT: "Not in this period"},
    "it": {ENTERED: "Assenti nel periodo precedente", LEFT: "Assenti in questo periodo"},
}

TEMPLATES = {
    "stability": {
        "en": "Of the {both} present in both periods, {stayed_share} ({stayed}) stayed in the same segment.",
        "it": "Dei {both} presenti in entrambi i periodi, il {stayed_share} ({stayed}) è rimasto "
              "nello stesso segmento.",
    },
    "direction": {
        "en": "{up_share} ({up}) moved to a better segment and {down_share} ({down}) to a worse one.",
        "it": "Il {up_share} ({up}) è passato a un segmento migliore e il {down_share} ({down}) a uno peggiore.",
    },
    "largest_flow": {
        "en": "The largest movement was from {source} to {target}: {customers}, {share} of {source}.",
        "it": "Lo spostamento più ampio è stato da {source} a {target}: {customers}, il {share} di {source}.",
    },
    "best_kept": {
        "en": "{kept_share} of the previous period's {best} are still {best}; "
              "most of the others moved to {target} ({customers}).",
        "it": "Il {kept_share} dei {best} del periodo precedente è ancora tra i {best}; "
              "gran parte degli altri è passata a {target} ({customers}).",
    },
    "best_kept_all": {
        "en": "Every customer in the previous period's {best} ({customers}) is still in {best}.",
        "it": "Ogni cliente dei {best} del periodo precedente ({customers}) è ancora tra i {best}.",
    },
    "net_change": {
        "en": "{grew} grew the most (+{gain}) and {shrank} shrank the most (−{loss}).",
        "it": "{grew} è il segmento cresciuto di più (+{gain}) e {shrank} quello calato di più (−{loss}).",
    },
    "entered": {
        "en": "Customers not in the previous period: {customers}; {share} of them are in {target}.",
        "it": "Clienti assenti nel periodo precedente: {customers}; il {share} di loro è in {target}.",
    },
    "left": {
        "en": "Customers of the previous period missing from this period's data: {customers}.",
        "it": "Clienti del periodo precedente assenti nei dati di questo periodo: {customers}.",
    },
}


@dataclass(frozen=True)
class Migration:
    """Transitions between two periods' segments.

    ``matrix``: customer counts, rows = previous segment (and ``entered``), columns = current segment (and
    ``left``), segments in best-to-worst order. ``shares``: the same, each row divided by its total (0 for an
    empty row). ``flows``: long form, one row per non-empty cell: ``source``, ``target``, ``customers``,
    ``share_of_source``, ``direction`` (stay, up, down, moved when no order is known, entered, left).
    ``findings``: the reading, as Finding objects; `readings` renders them.
    """

    matrix: pd.DataFrame
    shares: pd.DataFrame
    flows: pd.DataFrame
    findings: list[Finding]
    order: tuple[str, ...] | None
    both: int
    stayed: int
    upgraded: int
    downgraded: int
    entered: int
    left: int

    def readings(self, language: str = "en", **formatters: Callable[[Any], str]) -> list[str]:
        """Render the findings in `language` with segment names; `formatters` as in Finding.render."""
        names = {**segment_names(language), **STATE_NAMES[check_language(language)]}
        return [f.render(language, names=names, **formatters) for f in self.findings]


def _checked(series: pd.Series, label: str) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise ModelInputError(f"segment migration: the {label} segments must be a Series indexed by customer id")
    if series.index.duplicated().any():
        raise ModelInputError(
            f"segment migration: {int(series.index.duplicated().sum())} duplicated customer ids "
            f"in the {label} segments")
    if series.isna().any():
        raise ModelInputError(f"segment migration: {int(series.isna().sum())} missing {label} segments")
    if series.empty:
        raise ModelInputError(f"segment migration: the {label} segments are empty")
    return series


def _order(previous: pd.Series, current: pd.Series, keys: set[str]) -> tuple[str, ...] | None:
    for family in (SEGMENTS, SUBSCRIPTION_SEGMENTS, TIERS):
        if keys <= set(family):
            return tuple(family)
    for series in (current, previous):
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered \
                and keys <= set(map(str, series.cat.categories)):
            return tuple(map(str, series.cat.categories))
    return None


def _finding(key: str, values: dict, kinds: dict) -> Finding:
    return Finding(key, TEMPLATES[key], values, kinds)


def migration(previous: pd.Series, current: pd.Series, *, order: Sequence[str] | None = None) -> Migration:
    """Compare two periods' segment assignments (see the module notes); `order` lists segments best first."""
    previous = _checked(previous, "previous").astype(str)
    current_raw = _checked(current, "current")
    previous_raw = previous
    current = current_raw.astype(str)
    keys = set(previous) | set(current)
    if {ENTERED, LEFT} & keys:
        raise ModelInputError(f"segment migration: '{ENTERED}' and '{LEFT}' are reserved, not segment keys")
    if order is not None:
        missing = keys - set(order)
        if missing:
            raise ModelInputError(f"segment migration: order lacks segment(s) {', '.join(sorted(missing))}")
        order = tuple(order)
    else:
        order = _order(previous_raw, current_raw, keys)
    states = [k for k in order if k in keys] if order else sorted(keys)

    ids = previous.index.union(current.index)
    source = previous.reindex(ids).fillna(ENTERED)
    target = current.reindex(ids).fillna(LEFT)
    rows = states + ([ENTERED] if (source == ENTERED).any() else [])
    cols = states + ([LEFT] if (target == LEFT).any() else [])
    matrix = pd.crosstab(source, target).reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    matrix.index.name, matrix.columns.name = "previous", "current"
    totals = matrix.sum(axis=1)
    shares = matrix.div(totals.where(totals > 0, 1), axis=0).astype("float64")

    rank = {k: i for i, k in enumerate(order)} if order else None
    flow_rows = []
    for src in rows:
        for dst in cols:
            n = int(matrix.loc[src, dst])
            if n == 0:
                continue
            if src == ENTERED:
                direction = "entered"
            elif dst == LEFT:
                direction = "left"
            elif src == dst:
                direction = "stay"
            elif rank is None:
                direction = "moved"
            else:
                direction = "up" if rank[dst] < rank[src] else "down"
            flow_rows.append((src, dst, n, float(shares.loc[src, dst]), direction))
    flows = pd.DataFrame(flow_rows, columns=["source", "target", "customers", "share_of_source", "direction"])

    count = lambda d: int(flows.loc[flows["direction"] == d, "customers"].sum())  # noqa: E731
    stayed, up, down, moved = count("stay"), count("up"), count("down"), count("moved")
    both = stayed + up + down + moved
    entered, left = count("entered"), count("left")
    findings: list[Finding] = []
    if both:
        findings.append(_finding("stability", {"stayed": stayed, "both": both, "stayed_share": stayed / both},
                                 {"stayed": "customers", "both": "customers", "stayed_share": "share"}))
        if rank is not None:
            findings.append(_finding(
                "direction", {"up": up, "up_share": up / both, "down": down, "down_share": down / both},
                {"up": "customers", "up_share": "share", "down": "customers", "down_share": "share"}))
    moves = flows[flows["direction"].isin(["up", "down", "moved"])]
    if not moves.empty:
        top = moves.sort_values(["customers", "source", "target"], ascending=[False, True, True]).iloc[0]
        findings.append(_finding(
            "largest_flow",
            {"source": top["source"], "target": top["target"], "customers": int(top["customers"]),
             "share": float(top["share_of_source"])},
            {"source": "name", "target": "name", "customers": "customers", "share": "share"}))
    if rank is not None:
        best = next((s for s in states if s in previous.values), None)
        if best is not None:
            out = flows[(flows["source"] == best) & (flows["target"] != best)]
            kept = float(shares.loc[best, best]) if best in cols else 0.0
            if out.empty:
                findings.append(_finding("best_kept_all", {"best": best, "customers": int(totals[best])},
                                         {"best": "name", "customers": "customers"}))
            else:
                main = out.sort_values(["customers", "target"], ascending=[False, True]).iloc[0]
                findings.append(_finding(
                    "best_kept",
                    {"kept_share": kept, "best": best, "target": main["target"], "customers": int(main["customers"])},
                    {"kept_share": "share", "best": "name", "target": "name", "customers": "customers"}))
    net = (matrix.loc[:, states].sum(axis=0) - matrix.loc[states, :].sum(axis=1)).reindex(states)
    if len(states) > 1 and (net != 0).any() and net.max() > 0 and net.min() < 0:
        grew, shrank = net.idxmax(), net.idxmin()
        findings.append(_finding(
            "net_change", {"grew": grew, "gain": int(net[grew]), "shrank": shrank, "loss": int(-net[shrank])},
            {"grew": "name", "gain": "customers", "shrank": "name", "loss": "customers"}))
    if entered:
        newcomers = matrix.loc[ENTERED, states]
        target_seg = newcomers.idxmax()
        findings.append(_finding(
            "entered", {"customers": entered, "share": float(newcomers.max()) / entered, "target": target_seg},
            {"customers": "customers", "share": "share", "target": "name"}))
    if left:
        findings.append(_finding("left", {"customers": left}, {"customers": "customers"}))
    return Migration(matrix, shares, flows, findings, order, both, stayed, up, down, entered, left)
