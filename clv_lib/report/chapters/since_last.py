"""Since the last report: what changed since the client's previous report, how its customers moved between
segments, and how every earlier report's forecast turned out (the forecast track record).

Shown only when an earlier report of the same client is published in `reports/<client>/`; otherwise the chapter
is one sentence, without a heading, flowing after the executive summary.

Parts: `lead`, callouts `changed` (a changed history, one per earlier report affected); heading `headline.title`,
table `headline`; heading `groups.title`, tables `tiers` and `segments`; group `largest.block` (heading `largest.title`,
bullets `largest`); heading `migration.title`, text `migration.lead`, table `migration`, bullets
`migration.readings`; group `track.block` (heading `track.title`, text `track.lead`, figure `track`), table
`track_record`, bullets `track.readings`, notes `track.missing`, `track.without`, `track.beyond`. With no earlier report: text
`first`.
"""

from __future__ import annotations

import math

import pandas as pd

from clv_lib.report import blocks as B
from clv_lib.report import series_charts
from clv_lib.report.chapter import Chapter

SHORT_HASH = 12


def render(r) -> Chapter:
    t, f = r.t, r.fmt
    since = r.since
    previous = since.previous
    if previous is None:
        ch = Chapter(None, None, page_break=False)
        ch.text("first", t("since.first", client=r.params.client_name, period=r.period.label), "note")
        return ch
    ch = Chapter("since", t("toc.since"))
    months = (r.period.cutoff.year - previous.cutoff.year) * 12 + r.period.cutoff.month - previous.cutoff.month
    ch.text("lead", t("since.lead", previous=previous.label, cutoff=f.date(previous.cutoff), months=months,
                      reports=len(since.earlier), periods=", ".join(e.label for e in since.earlier)))
    for i, changed in enumerate(since.changed):
        ch.callout("changed" if i == 0 else f"changed_{i + 1}", _changed_text(r, changed), "warn")
    _headline(r, ch, previous)
    groups = _groups(r, ch, previous)
    _largest(r, ch, previous, groups)
    _migration(r, ch, previous)
    _track_record(r, ch)
    return ch


# ---- a changed history -----------------------------------------------------------------------------------------
def _changed_text(r, c) -> str:
    t, f = r.t, r.fmt
    unit = t(f"since.changed.unit.{c.unit}")
    text = t("since.changed.counts", period=c.period, cutoff=f.date(c.cutoff), unit=unit,
             then=f.number(c.count_then) if c.count_then is not None else "–", now=f.number(c.count_now),
             customers_then=f.number(c.customers_then) if c.customers_then is not None else "–",
             customers_now=f.number(c.customers_now))
    if c.revenue_then is not None and c.revenue_now is not None:
        text += " " + t("since.changed.revenue", then=f.money(c.revenue_then), now=f.money(c.revenue_now))
    if c.file_then and c.file_now and c.file_then != c.file_now:
        text += " " + t("since.changed.file", then=c.file_then[:SHORT_HASH], now=c.file_now[:SHORT_HASH])
    return text + " " + t("since.changed.consequence")


# ---- headline numbers side by side -----------------------------------------------------------------------------
def _value(f, kind: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return {"count": f.number, "money": f.money, "share": f.pct}[kind](value)


def _change(f, kind: str, change, relative) -> tuple[str, str]:
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–", "–"
    if kind == "share":
        text = f.number(100 * change, 1)
        return (text if text.startswith(("-", "−")) or round(100 * change, 1) == 0 else "+" + text) + " pp", "–"
    signed = _signed(f, kind, change)
    return signed, "–" if relative is None or math.isnan(relative) else _signed(f, "pct", relative)


def _signed(f, kind: str, value) -> str:
    text = f.pct(value, 1) if kind == "pct" else _value(f, kind, value)
    zero = round(value * (1000 if kind == "pct" else 1)) == 0
    return text if zero or text.startswith(("-", "−")) else "+" + text


def _headline(r, ch: Chapter, previous) -> None:
    from clv_lib.insights.changes import headline_changes

    t, f = r.t, r.fmt
    table = headline_changes(previous.kpis, r.headline, r.params.business_model)
    rows = []
    for key, row in table.iterrows():
        change, relative = _change(f, row["kind"], row["change"], row["relative"])
        rows.append({"metric": _metric(r, key), "previous": _value(f, row["kind"], row["previous"]),
                     "current": _value(f, row["kind"], row["current"]), "change": change, "relative": relative})
    ch.heading("headline.title", t("since.headline.title"))
    ch.table("headline", pd.DataFrame(rows), caption=t("since.headline.caption", previous=previous.label),
             labels={"metric": t("since.col.metric"), "previous": t("since.col.previous", period=previous.label),
                     "current": t("since.col.current", period=r.period.label), "change": t("since.col.change"),
                     "relative": t("since.col.relative")},
             align_right={"previous", "current", "change", "relative"})


def _metric(r, key: str) -> str:
    if r.subscription and key == "active_customers":
        key = "active_subscribers"
    return r.t(f"since.metric.{key}")


# ---- value tiers and segments ----------------------------------------------------------------------------------
def _current_customers(r) -> pd.DataFrame:
    table = r.analysis.customers[["segment", "value_tier", "clv_12m"]].copy()
    table["segment"] = table["segment"].astype(str)
    table["value_tier"] = table["value_tier"].astype(str)
    table.index = pd.Index(r.output_ids(table.index), name="customer_id")
    return table


def _groups(r, ch: Chapter, previous) -> pd.DataFrame | None:
    from clv_lib.insights.changes import group_changes, group_values
    from clv_lib.insights.profiles import segment_names
    from clv_lib.insights.value_tiers import TIER_NAMES, TIERS

    t, f = r.t, r.fmt
    before = previous.customers
    if before is None or "segment" not in before.columns:
        return None
    now = _current_customers(r)
    ch.heading("groups.title", t("since.groups.title"))
    if "value_tier" in before.columns and "clv_12m" in before.columns:
        sizes = group_changes(before["value_tier"], now["value_tier"], TIERS)
        values = group_values(before, now, "value_tier", "clv_12m", TIERS)
        names = TIER_NAMES[r.language]
        tiers = pd.DataFrame({
            "tier": [names.get(k, k) for k in sizes.index], "previous": sizes["previous"], "current": sizes["current"],
            "clv_previous": values["previous"].reindex(sizes.index), "clv_current": values["current"].reindex(sizes.index),
            "clv_change": [_change(f, "money", c, rel)[1] for c, rel in
                           zip(values["change"].reindex(sizes.index), values["relative"].reindex(sizes.index))],
        }).reset_index(drop=True)
        ch.table("tiers", tiers, caption=t("since.groups.tiers_caption", previous=previous.label),
                 formats={"previous": "number", "current": "number", "clv_previous": "money", "clv_current": "money"},
                 labels={"tier": t("since.col.tier"), "previous": t("since.col.customers_then"),
                         "current": t("since.col.customers_now"), "clv_previous": t("since.col.clv_then"),
                         "clv_current": t("since.col.clv_now"), "clv_change": t("since.col.relative")},
                 align_right={"previous", "current", "clv_previous", "clv_current", "clv_change"})
    order = list(r.analysis.profiles.loc[r.analysis.profiles["segment"] != "all", "segment"].astype(str))
    segments = group_changes(before["segment"], now["segment"], order)
    names = segment_names(r.language)
    table = pd.DataFrame({
        "segment": [names.get(k, k) for k in segments.index], "previous": segments["previous"],
        "current": segments["current"],
        "change": [_signed(f, "count", c) for c in segments["change"]],
        "relative": ["–" if rel is None or math.isnan(rel) else _signed(f, "pct", rel) for rel in segments["relative"]],
        "previous_share": segments["previous_share"], "current_share": segments["current_share"],
    }).reset_index(drop=True)
    ch.table("segments", table, caption=t("since.groups.segments_caption", previous=previous.label),
             formats={"previous": "number", "current": "number", "previous_share": "pct", "current_share": "pct"},
             labels={"segment": t("col.segment"), "previous": t("since.col.customers_then"),
                     "current": t("since.col.customers_now"), "change": t("since.col.change"),
                     "relative": t("since.col.relative"), "previous_share": t("since.col.share_then"),
                     "current_share": t("since.col.share_now")},
             align_right={"previous", "current", "change", "relative", "previous_share", "current_share"})
    return segments


# ---- the three largest changes, in words -------------------------------------------------------------------------
def _largest(r, ch: Chapter, previous, groups) -> None:
    from clv_lib.insights.changes import headline_changes, largest_changes
    from clv_lib.insights.profiles import segment_names

    t, f = r.t, r.fmt
    top = largest_changes(headline_changes(previous.kpis, r.headline, r.params.business_model), groups)
    if top.empty:
        return
    names = segment_names(r.language)
    sentences = []
    for _, row in top.iterrows():
        direction = "up" if row["change"] > 0 else "down"
        values = {"previous": _value(f, row["kind"], row["previous"]), "current": _value(f, row["kind"], row["current"]),
                  "relative": f.pct(abs(row["relative"]), 0)}
        if row["family"] == "group":
            sentences.append(t(f"since.largest.segment_{direction}", segment=names.get(row["key"], row["key"]),
                               **values))
        elif row["kind"] == "share":
            sentences.append(t(f"since.largest.share_{direction}", metric=_metric(r, row["key"]),
                               points=f.number(abs(100 * row["change"]), 1), **values))
        else:
            sentences.append(t(f"since.largest.{direction}", metric=_metric(r, row["key"]), **values))
    ch.keep("largest.block", B.Heading(t("since.largest.title"), name="largest.title"),
            B.Bullets(sentences, name="largest"))


# ---- segment migration ------------------------------------------------------------------------------------------
def _migration(r, ch: Chapter, previous) -> None:
    """Transition matrix between the previous report's segments (its customers.csv) and this report's."""
    from clv_lib.insights.migration import migration
    from clv_lib.insights.profiles import segment_names

    t, f = r.t, r.fmt
    before = previous.customers
    if before is None or "segment" not in before.columns or before.empty:
        return
    current = _current_customers(r)["segment"]
    moves = migration(before["segment"], current)
    names = segment_names(r.language)

    def name(key):
        return names.get(key) or (t(f"segments.migration.{key}") if key in ("entered", "left") else key)

    matrix = moves.matrix.rename(index=name, columns=name)
    matrix.columns = [str(c) for c in matrix.columns]
    table = matrix.rename_axis(t("segments.migration.from_to")).reset_index()
    ch.heading("migration.title", t("segments.migration.title"))
    ch.text("migration.lead", t("segments.migration.lead", previous=previous.label))
    ch.table("migration", table, formats={c: "number" for c in matrix.columns})
    ch.bullets("migration.readings", moves.readings(r.language, count=f.number, share=f.pct, money=f.money,
                                                    number=f.number))


# ---- the forecast track record ------------------------------------------------------------------------------------
def _track_record(r, ch: Chapter) -> None:
    t, f = r.t, r.fmt
    since = r.since
    record = since.track_record
    key = "subscription" if r.subscription else "orders"
    title = B.Heading(t("since.track.title"), name="track.title")
    if not record:
        ch.keep("track.block", title, B.Text(t("since.track.none"), name="track.lead"))
    else:
        frame = pd.DataFrame({"predicted": [e.predicted_count for e in record],
                              "actual": [e.actual_count for e in record],
                              "count_error": [e.count_error for e in record],
                              "revenue_error": [e.revenue_error for e in record]},
                             index=[e.report_period for e in record])
        labels = {"predicted": t("since.track.predicted"), "actual": t("since.track.actual"),
                  "count": t(f"since.track.count_{key}"), "count_error": t(f"since.track.count_error_{key}"),
                  "revenue_error": t("since.track.revenue_error"), "error": t("since.track.error")}
        ch.keep("track.block", title, B.Text(t(f"since.track.lead_{key}"), name="track.lead"),
                B.Figure(series_charts.track_record(frame, f, labels), t(f"since.track.caption_{key}"), name="track"))
        table = pd.DataFrame({
            "report": [e.report_period for e in record], "cutoff": [pd.Timestamp(e.cutoff) for e in record],
            "months": [e.months_elapsed for e in record], "model": [e.model or "–" for e in record],
            "customers": [e.customers for e in record],
            "predicted": [e.predicted_count for e in record], "actual": [e.actual_count for e in record],
            "count_error": [_error(f, e.count_error) for e in record],
            "predicted_revenue": [e.predicted_revenue for e in record],
            "actual_revenue": [e.actual_revenue for e in record],
            "revenue_error": [_error(f, e.revenue_error) for e in record]})
        ch.table("track_record", table, caption=t(f"since.track.table_caption_{key}", current=r.period.label),
                 formats={"cutoff": "date", "months": "number", "customers": "number", "predicted": "number",
                          "actual": "number", "predicted_revenue": "money", "actual_revenue": "money"},
                 labels={"report": t("since.col.report"), "cutoff": t("index.col.cutoff"),
                         "months": t("since.col.months"), "model": t("index.col.model"),
                         "customers": t(f"since.col.customers_{key}"), "predicted": t("since.track.predicted"),
                         "actual": t("since.track.actual"), "count_error": t("since.col.error"),
                         "predicted_revenue": t("since.col.predicted_revenue"),
                         "actual_revenue": t("since.col.actual_revenue"), "revenue_error": t("since.col.error")},
                 align_right={"months", "customers", "predicted", "actual", "count_error", "predicted_revenue",
                              "actual_revenue", "revenue_error"})
        ch.bullets("track.readings", _readings(r, record, key))
    missing = [e for e in record if e.missing_customers]
    if missing:
        items = ", ".join(t("since.track.missing_item", period=e.report_period, customers=f.number(e.missing_customers),
                            total=f.number(e.customers)) for e in missing)
        ch.text("track.missing", t("since.track.missing", items=items), "note")
    if since.without_forecast:
        ch.text("track.without", t("since.track.without", periods=", ".join(since.without_forecast)), "note")
    if since.beyond_horizon:
        ch.text("track.beyond", t("since.track.beyond", periods=", ".join(since.beyond_horizon),
                                  months=max(r.analysis.horizons)), "note")


def _error(f, value) -> str:
    return "–" if value is None else _signed(f, "pct", value)


def _readings(r, record, key: str) -> list[str]:
    t, f = r.t, r.fmt
    out = []
    latest = record[-1]
    oldest = record[0]
    for e in dict.fromkeys([oldest, latest]):
        out.append(t(f"since.track.reading_{key}", period=e.report_period, months=e.months_elapsed,
                     predicted=f.number(e.predicted_count), actual=f.number(e.actual_count),
                     error=_error(f, e.count_error), revenue_predicted=f.money(e.predicted_revenue),
                     revenue_actual=f.money(e.actual_revenue), revenue_error=_error(f, e.revenue_error)))
    counts = [abs(e.count_error) for e in record if e.count_error is not None]
    revenue = [abs(e.revenue_error) for e in record if e.revenue_error is not None]
    if len(record) > 1 and counts and revenue:
        out.append(t(f"since.track.summary_{key}", reports=len(record), count=f.pct(sum(counts) / len(counts), 0),
                     revenue=f.pct(sum(revenue) / len(revenue), 0)))
    return out
