"""The client's earlier reports, read back from `reports/<client>/<period>/`, and what this report learns from
them: the forecast track record, and whether the history they were built on has changed since.

An earlier report is a published period folder (its `kpis.json` and `report_meta.json` present) of the same
client and business model whose cut-off comes before this report's. Reports written before forecasts were kept
have no `forecast` block in their metadata: they are listed, and said to have no forecast to check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from clv_lib.exceptions import ClvError
from clv_lib.params import Period, months_between, parse_period

META_FILE = "report_meta.json"
KPIS_FILE = "kpis.json"


@dataclass
class EarlierReport:
    """One published earlier report: its period, folder, headline numbers and run metadata."""

    period: Period
    folder: Path
    kpis: dict
    meta: dict

    @property
    def label(self) -> str:
        return self.period.label

    @property
    def cutoff(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta.get("cutoff") or self.period.cutoff)

    @cached_property
    def customers(self) -> pd.DataFrame | None:
        """Its customers.csv: segment, value tier and 12-month CLV per customer id (None when missing or
        unreadable)."""
        path = self.folder / "customers.csv"
        try:
            table = pd.read_csv(path, dtype={"customer_id": str, "segment": str, "value_tier": str},
                                usecols=lambda c: c in ("customer_id", "segment", "value_tier", "clv_12m"))
        except (OSError, ValueError):
            return None
        if "customer_id" not in table.columns:
            return None
        return table.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")

    def forecast(self) -> pd.DataFrame | None:
        """Its kept forecast, or None when it kept none (an older report) or the file is gone."""
        from clv_lib.report.forecast_file import read_forecast

        name = (self.meta.get("forecast") or {}).get("file")
        if not name or not (self.folder / name).is_file():
            return None
        try:
            table = read_forecast(self.folder / name)
        except (OSError, ValueError):
            return None
        return table


def earlier_reports(root: Path, client: str, before: Period, business_model: str) -> list[EarlierReport]:
    """Published reports of `client` whose cut-off comes before `before`'s, oldest first."""
    found = []
    for meta_path in (Path(root) / "reports" / client).glob(f"*/{META_FILE}"):
        folder = meta_path.parent
        try:
            period = parse_period(folder.name)
        except ClvError:  # interactive/, failed/ and other folders that are not periods
            continue
        if period.end >= before.end or not (folder / KPIS_FILE).is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            kpis = json.loads((folder / KPIS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("business_model", business_model) != business_model:
            continue
        found.append(EarlierReport(period, folder, kpis, meta))
    return sorted(found, key=lambda r: r.period.end)


@dataclass
class ChangedPast:
    """An earlier report whose data no longer matches this report's data up to the same cut-off."""

    period: str
    cutoff: pd.Timestamp
    unit: str  # "orders" or "subscriptions"
    count_then: int | None
    count_now: int
    customers_then: int | None
    customers_now: int
    revenue_then: float | None = None
    revenue_now: float | None = None
    file_then: str | None = None
    file_now: str | None = None


@dataclass
class SinceLast:
    """What the earlier reports tell this one (see `since_last`)."""

    earlier: list[EarlierReport]
    track_record: list = field(default_factory=list)  # TrackEntry, oldest report first
    without_forecast: list[str] = field(default_factory=list)
    beyond_horizon: list[str] = field(default_factory=list)
    changed: list[ChangedPast] = field(default_factory=list)

    @property
    def previous(self) -> EarlierReport | None:
        return self.earlier[-1] if self.earlier else None


# ---- this report's own record -------------------------------------------------------------------------------


def _past_subscriptions(subscriptions: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The subscription records as known at `cutoff`: started by then, an end after it not yet known."""
    seen = subscriptions[subscriptions["start_date"] <= cutoff]
    table = seen.set_index("customer_id")[["start_date", "end_date", "mrr"]].copy()
    table.loc[table["end_date"] > cutoff, "end_date"] = pd.NaT
    return table


def _order_past(summary: pd.DataFrame) -> pd.DataFrame:
    """The orders history as the models saw it at a cut-off, per customer: repeat purchases, recency, age and the
    total spent on repeat purchases (a sum of amounts in cents, exact to the cent on every engine, where a mean can
    fall on half a cent and round either way)."""
    past = summary[["frequency", "recency", "T"]].copy()
    past["repeat_spend"] = summary["frequency"] * summary["monetary_value"]
    return past


def data_record(report) -> dict:
    """What this report learned from, for report_meta.json: a fingerprint of the history up to its cut-off, the
    counts a reader can compare, and the input file's SHA-256 (None for a database)."""
    from clv_lib.insights.track_record import past_fingerprint

    a = report.analysis
    file_hash = getattr(a.data.source, "sha256", None)
    if report.subscription:
        past = _past_subscriptions(a.subscriptions, a.cutoff)
        return {"file_sha256": file_hash, "past_sha256": past_fingerprint(past, money=("mrr",)),
                "unit": "subscriptions", "count": int(len(past)), "customers": int(past.index.nunique())}
    summary = a.summary
    history = a.history
    return {"file_sha256": file_hash, "past_sha256": past_fingerprint(_order_past(summary), money=("repeat_spend",)),
            "unit": "orders", "count": int(history["orders"].sum()), "customers": int(len(summary)),
            "revenue": round(float(history["revenue"].sum()), 2)}


def run_metadata(report, forecast_file: str | None) -> dict:
    """The blocks report_meta.json keeps for later reports: `forecast` (file, model, parameters, cut-off,
    horizon) and `data` (see `data_record`)."""
    from clv_lib.report.forecast_file import model_metadata

    a = report.analysis
    forecast = {"file": forecast_file, "cutoff": a.cutoff.date().isoformat(),
                "horizon_months": int(max(a.horizons)), **model_metadata(report)}
    return {"forecast": forecast, "data": data_record(report)}


# ---- the comparison with earlier reports -----------------------------------------------------------------------


def since_last(report) -> SinceLast:
    """The earlier reports of this client, their forecasts against what happened since, and changed histories."""
    a = report.analysis
    earlier = earlier_reports(report.root, report.client, a.period, report.params.business_model)
    result = SinceLast(earlier)
    if not earlier:
        return result
    mrr = _mrr_since(report, earlier[0].cutoff) if report.subscription else None
    for e in earlier:
        forecast = e.forecast()
        if report.subscription:
            entry = _subscription_entry(report, e, forecast, mrr, result)
        else:
            entry = _order_entry(report, e, forecast, result)
        if forecast is None:
            result.without_forecast.append(e.label)
        elif entry is None:
            result.beyond_horizon.append(e.label)
        else:
            result.track_record.append(entry)
    return result


def _order_entry(report, e: EarlierReport, forecast, result: SinceLast):
    from clv_lib.insights.track_record import order_entry, past_fingerprint
    from clv_lib.pipeline.orders import TIME_UNIT

    a = report.analysis
    recorded = e.meta.get("data") or {}
    if forecast is None and not recorded:
        return None
    holdout = a.source.holdout(e.cutoff, a.cutoff, time_unit=TIME_UNIT)
    if recorded.get("past_sha256"):
        past = _order_past(holdout.rename(columns=lambda c: c.removesuffix("_cal")))
        if past_fingerprint(past, money=("repeat_spend",)) != recorded["past_sha256"]:
            history = a.source.history(e.cutoff)
            result.changed.append(ChangedPast(
                e.label, e.cutoff, "orders", recorded.get("count"), int(history["orders"].sum()),
                recorded.get("customers"), int(len(history)), recorded.get("revenue"),
                round(float(history["revenue"].sum()), 2), recorded.get("file_sha256"),
                getattr(a.data.source, "sha256", None)))
    if forecast is None:
        return None
    holdout.index = pd.Index(report.output_ids(holdout.index), name="customer_id")
    return order_entry(e.label, e.cutoff, a.cutoff, months_between(e.period, a.period), forecast, holdout,
                       model=(e.meta.get("forecast") or {}).get("model"))


def _mrr_since(report, first_cutoff: pd.Timestamp) -> pd.DataFrame:
    """Each customer's MRR at every month end after `first_cutoff` up to this report's cut-off (output ids)."""
    a = report.analysis
    months = pd.period_range(first_cutoff + pd.offsets.MonthEnd(1), a.cutoff, freq="M")
    columns = {str(m): a.source.current_mrr(a.cutoff, month=str(m)) for m in months}
    table = pd.DataFrame(columns).fillna(0.0)
    table.index = pd.Index(report.output_ids(table.index), name="customer_id")
    return table


def _subscription_entry(report, e: EarlierReport, forecast, mrr: pd.DataFrame, result: SinceLast):
    from clv_lib.insights.track_record import past_fingerprint, subscription_entry

    a = report.analysis
    recorded = e.meta.get("data") or {}
    if recorded.get("past_sha256"):
        past = _past_subscriptions(a.subscriptions, e.cutoff)
        if past_fingerprint(past, money=("mrr",)) != recorded["past_sha256"]:
            result.changed.append(ChangedPast(
                e.label, e.cutoff, "subscriptions", recorded.get("count"), int(len(past)),
                recorded.get("customers"), int(past.index.nunique()), file_then=recorded.get("file_sha256"),
                file_now=getattr(a.data.source, "sha256", None)))
    if forecast is None:
        return None
    after = [c for c in mrr.columns if pd.Period(c, freq="M").end_time > e.cutoff + pd.Timedelta(days=1)]
    return subscription_entry(e.label, e.cutoff, months_between(e.period, a.period), forecast, mrr[after],
                              model=(e.meta.get("forecast") or {}).get("model"))
