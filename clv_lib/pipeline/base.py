"""What every analysis shares: the client's params, the reporting period, the cleaned data, read once.

The stages run lazily and once each (cached properties), in the order the data flows:
params -> period -> data (load and clean) -> summaries -> models -> value -> segments -> recommendations.
Nothing runs in `__init__`; the chapters pull what they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from clv_lib.exceptions import DataError, Msg
from clv_lib.params import ClientParams, Period, last_complete_month


LARGE_EXCLUSION = 0.10  # share of the rows read that one exclusion rule may remove before the report warns
#: The words that name the cleaning rules cutting rows at the period's end ("after the observation end (...)",
#: subscriptions' "starts after the observation end (...)", clv_lib/data/engines/clean*.py).
CUTOFF_RULE = "observation end"


@dataclass
class Note:
    """A caveat the report must state: `key` names a sentence in the report texts, `values` fill it."""

    key: str
    values: dict = field(default_factory=dict)
    severity: str = "warn"  # "info" | "warn"


class BaseAnalysis:
    """One client's analysis for one period (see the business-model subclasses)."""

    business_model = ""

    def __init__(self, client: str, params: ClientParams, period: Period | None, language: str, root: Path):
        self.client = client
        self.params = params
        self.requested_period = period
        self.language = language
        self.root = root
        self.notes: list[Note] = []

    @staticmethod
    def run_all(calls) -> list:
        """The results of independent picklable calls (e.g. the covariate trials of one round), in order: made in
        turn here; a report run gives the analysis its worker's `run_all` (`clv_lib.report.workers`), which makes
        some of them there at the same time."""
        return [call() for call in calls]

    def ahead_result(self, name: str):
        """The result of `<name>_job` made elsewhere, as a call for `settle_<name>`, when a report run sent the job
        ahead (`clv_lib.report.ahead`) and nobody took it yet; else None (compute it here)."""
        return self.__dict__.get("_ahead", {}).pop(name, None)

    def note(self, key: str, severity: str = "warn", **values) -> None:
        if not any(n.key == key and n.values == values for n in self.notes):
            self.notes.append(Note(key, values, severity))

    @property
    def source_name(self) -> str:
        """How messages name the client's data: the file path, table or query of the params."""
        spec = self.params.data
        return spec.path or spec.table or "sql query"

    # ---- period and data --------------------------------------------------------------------------------
    @cached_property
    def _client_file(self):
        """The client's file read and parsed once, for both the default period and the cleaning (None for a table,
        a query or a large file); `data` takes it and lets it go."""
        from clv_lib.data import read_client_file

        return read_client_file(self.params, self.root)

    @cached_property
    def last_data_date(self) -> pd.Timestamp:
        from clv_lib.data import last_order_date

        last = last_order_date(self.params, self.root, file=self._client_file)
        if last is None:
            raise DataError(key="data.no_dates", file=self.source_name)
        return pd.Timestamp(last)

    @cached_property
    def period(self) -> Period:
        """The requested period, or the last complete month in the data."""
        if self.requested_period is not None:
            requested, last = self.requested_period, self.last_data_date
            if requested.start > last:
                raise DataError(key="data.period_after_data", file=self.source_name, period=requested.label,
                                what=Msg("term.last_date" if self.business_model == "subscription" else
                                         "term.last_order"), last=last.date(), latest=last_complete_month(last).label)
            if (self.business_model != "subscription"
                    and requested.cutoff.normalize() > last.normalize() + pd.Timedelta(days=1)):
                self.note("data.period_beyond_data", last=last.normalize(), cutoff=requested.cutoff.normalize(),
                          days=int((requested.cutoff.normalize() - last.normalize()).days))
            return requested
        return last_complete_month(self.last_data_date)

    @property
    def cutoff(self) -> pd.Timestamp:
        return self.period.cutoff

    @cached_property
    def data(self):
        """Cleaned data with its ledger (`clv_lib.data.engines.load.EngineData`), cut at the period's end."""
        from clv_lib.data import load_client_data

        cutoff = self.cutoff
        file = self.__dict__.pop("_client_file", None)  # read for the period: its rows are cleaned, then let go
        try:
            data = load_client_data(self.params, cutoff, self.root, file=file)
        except DataError as error:
            raise self._no_complete_month(error) or error
        del file
        first = data.first_date
        if first is None or pd.isna(first) or first > self.cutoff:
            raise DataError(key="data.nothing_before_cutoff", file=self.source_name, kind=Msg(f"term.{data.kind}"),
                            cutoff=self.cutoff.date(), period=self.period.label)
        duplicates = sum(r.rows for r in data.ledger.records if r.rule == "exact duplicate row")
        if duplicates and data.kind == "orders" and not data.mapping.get("order_id"):
            self.note("data.duplicates_without_order_id", rows=duplicates)
        self._note_large_exclusions(data)
        return data

    def _no_complete_month(self, error: DataError) -> DataError | None:
        """The error to give instead when the default period (the last complete month) left nothing because the
        data do not yet cover a complete month: it names the month to ask for. None otherwise."""
        cause = error.details.get("cause") if error.key == "data.no_valid_rows" else None
        rule = str(cause.details.get("rule", "")) if isinstance(cause, Msg) else ""
        if self.requested_period is not None or CUTOFF_RULE not in rule:
            return None
        last = self.last_data_date
        return DataError(key="data.no_complete_month", file=self.source_name, period=self.period.label,
                         what=Msg("term.last_date" if self.business_model == "subscription" else "term.last_order"),
                         last=last.date(), month=f"{last.year}-{last.month:02d}")

    def _note_large_exclusions(self, data) -> None:
        """A warning for every exclusion rule that removed at least LARGE_EXCLUSION of the rows read (dates outside
        the period excepted: they are the period's choice), naming the params key that may recover them."""
        spec, mapping = self.params.data, data.mapping
        for record in data.ledger.records:
            share = data.ledger.share(record)
            if record.treatment != "excluded" or share < LARGE_EXCLUSION or any(
                    word in record.rule for word in (CUTOFF_RULE, "start date (")):
                continue
            if record.rule == "exact duplicate row" and any(n.key == "data.duplicates_without_order_id"
                                                            for n in self.notes):
                continue  # already explained, with its own params key
            values = {"rows": record.rows, "share": round(100 * share)}
            if record.rule == "missing customer id":
                key = "excluded_customer_email" if mapping.get("email") and not spec.email_fallback \
                    else "excluded_customer"
            elif record.rule.startswith(("unparsable or missing date", "unparsable or missing start date")):
                key = "excluded_date"
            elif record.rule.startswith(("unparsable or missing amount", "unparsable or missing price")):
                key = "excluded_amount"
            else:
                key, values["rule"] = "excluded_rule", record.rule  # the report shows it in its language
            self.note(f"data.{key}", **values)

    date_column = "order_date"

    @cached_property
    def source(self):
        """Where the order aggregations run (`clv_lib.summary.sources`): the engine holding the data
        (`EngineOrders`: DuckDB for a file, or the database or warehouse)."""
        from clv_lib.summary.sources import order_source

        return order_source(self.data)

    @cached_property
    def first_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.data.first_date)

    @cached_property
    def history_months(self) -> float:
        """Months of history from the first record to the cut-off."""
        return (self.cutoff - self.first_date).days / 30.4375

    @cached_property
    def holdout_months(self) -> int:
        """Months held out for validation: the params' value, else a third of the history within [3, 12]."""
        if self.params.holdout_months:
            return int(self.params.holdout_months)
        return int(min(12, max(3, round(self.history_months / 3))))

    @cached_property
    def calibration_end(self) -> pd.Timestamp:
        return (self.cutoff - pd.DateOffset(months=self.holdout_months)) + pd.offsets.MonthEnd(0)

    @cached_property
    def trailing_start(self) -> pd.Timestamp:
        """First day of the 12 whole months ending at the cut-off (or of the history, if shorter)."""
        start = (self.cutoff - pd.DateOffset(months=12)) + pd.Timedelta(days=1)
        return max(start.normalize(), self.first_date.replace(day=1))

    @cached_property
    def horizons(self) -> list[int]:
        """CLV horizons in months: the params' plus 12 and 24, which the report's headline always shows."""
        return sorted(set(self.params.horizon_months) | {12, 24})

    @cached_property
    def cac_by_channel(self) -> dict[str, float] | None:
        cac = self.params.cac
        return dict(cac) if isinstance(cac, dict) else None

    acquired_channels = None  # per business model: the channel of each customer acquired in the last 12 months

    @cached_property
    def blended_cac(self) -> float | None:
        """One CAC for the whole base: as given; or, given per channel, the channels' CACs weighted by the customers
        each acquired in the last 12 months. Channels of the data without a CAC are left out of the blend and named
        in the notes; when no channel of the data has one the CAC is unknown (None); without a channel column the
        blend is the plain mean of the CACs given, and the notes say that too."""
        cac = self.cac_by_channel
        if cac is None:
            return self.params.cac
        given = ", ".join(map(str, cac))
        channels = self.acquired_channels
        if channels is None:
            self.note("cac.no_channel", given=given)
            return float(sum(cac.values()) / len(cac))
        counts = channels.value_counts()
        priced = counts.index.isin([str(c) for c in cac])
        if not priced.any():
            self.note("cac.no_priced_channel", given=given, channels=", ".join(counts.index.astype(str)))
            return None
        if not priced.all():
            unpriced = counts[~priced]
            self.note("cac.unpriced_channels", given=given, channels=", ".join(unpriced.index.astype(str)),
                      customers=int(unpriced.sum()), share=round(100 * float(unpriced.sum() / counts.sum()), 1))
        weights = counts[priced]
        return float(sum(float(cac[str(c)]) * n for c, n in weights.items()) / weights.sum())


    # ---- segment, value, recommend (shared by both business models) ------------------------------------
    clv_column = "clv_12m"  # the horizon behind tiers, risk and recommendations
    recommend_options: dict = {}  # business-model extras for `recommend`

    @cached_property
    def customer_base(self) -> pd.DataFrame:  # pragma: no cover - defined by subclasses
        """Per customer: history and predictions, before segmentation."""
        raise NotImplementedError

    @cached_property
    def segments(self) -> pd.DataFrame:  # pragma: no cover - defined by subclasses
        """Per customer: the segment (and the scores or bands behind it)."""
        raise NotImplementedError

    @cached_property
    def segmented(self) -> pd.DataFrame:
        """The customer base with its `segment` column."""
        return self.customer_base.join(self.segments[["segment"]])

    @cached_property
    def profiles(self) -> pd.DataFrame:
        from clv_lib.insights.profiles import segment_profiles

        table = self.segmented
        return segment_profiles(table, table["segment"], language=self.language, with_total=True)

    @cached_property
    def recommendations(self) -> pd.DataFrame:
        """Per segment and action, ranked by expected gain, in the report's language."""
        from clv_lib.insights.recommend import recommend

        table = self.segmented
        return recommend(table, table["segment"], business_model=self.business_model,
                         gross_margin=self.params.gross_margin, language=self.language, clv_col=self.clv_column,
                         **self.recommend_options)

    #: What the risk view's probability is ("model": the model's; "silence": judged from silence, see
    #: `clv_lib.insights.risk.activity_from_silence`).
    activity = "model"

    def risk_population(self) -> pd.DataFrame:
        """Customers the value x churn-risk view covers (subclasses may exclude former customers)."""
        return self.customer_base

    @cached_property
    def risk(self):
        from clv_lib.insights.risk import risk_view

        return risk_view(self.risk_population(), value_col=self.clv_column, clv_col=self.clv_column,
                         language=self.language, activity=self.activity)

    @cached_property
    def customers(self) -> pd.DataFrame:
        """One row per customer: history, predictions, segment (with its scores), value tier, risk quadrant and
        the segment's first recommended action."""
        from clv_lib.insights.value_tiers import value_tiers

        base = self.customer_base
        table = base.join(self.segments[[c for c in self.segments.columns if c not in base.columns]])
        table["value_tier"] = value_tiers(table, self.clv_column)
        table["quadrant"] = self.risk.customers["quadrant"].reindex(table.index)
        first = self.recommendations.sort_values(["priority", "segment"]).drop_duplicates("segment")
        table["recommended_action"] = table["segment"].astype(str).map(first.set_index("segment")["action"]).fillna("")
        return table

    # ---- cohorts ------------------------------------------------------------------------------------------
    @cached_property
    def cohort_cells(self) -> pd.DataFrame:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    @cached_property
    def triangles(self) -> dict:
        """Logo retention, revenue retention and cumulative margin per customer, by acquisition cohort."""
        from clv_lib.summary.cohorts import cumulative_value_triangle, logo_triangle, revenue_triangle

        cells = self.cohort_cells
        return {"logo": logo_triangle(cells), "revenue": revenue_triangle(cells),
                "cumulative": cumulative_value_triangle(cells, self.params.gross_margin)}

