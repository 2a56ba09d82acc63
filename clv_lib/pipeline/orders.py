"""The analysis of a transactional (non-contractual) client: orders -> RFM summary -> BG/NBD-family model chosen
on a holdout + Gamma-Gamma spend -> discounted CLV -> RFM segments, value tiers, risk -> recommendations; plus
KPIs, lapse churn, cohorts and unit economics. Each step runs once, when a chapter first needs it.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from clv_lib.exceptions import ConvergenceError, DataError, ModelInputError, ParamsError
from clv_lib.insights import source_kpis
from clv_lib.pipeline.acquisition import AcquisitionAnalysis
from clv_lib.pipeline.base import BaseAnalysis

TIME_UNIT = "D"  # summaries and models in days; the TimeUnit object converts horizons in months
MIN_CALIBRATION_DAYS = 180


class OrdersAnalysis(AcquisitionAnalysis, BaseAnalysis):
    business_model = "transactional"
    date_column = "order_date"

    @property
    def orders(self) -> pd.DataFrame:
        """The cleaned orders in memory (file sources only: engine sources keep them in the engine)."""
        return self.data.frame

    # ---- summaries (computed by `self.source`: in memory, or in the engine that holds the orders) ----------
    @cached_property
    def summary(self) -> pd.DataFrame:
        summary = self.source.summary(self.cutoff, time_unit=TIME_UNIT)
        if len(summary) and not (summary["frequency"].to_numpy() > 0).any():
            column = self.data.mapping.get("customer_id") or self.data.mapping.get("email")
            raise DataError(key="data.no_repeat_buyers", file=self.source_name, customers=len(summary),
                            cutoff=self.cutoff.date(), column=column)
        revenue = self.history["revenue"].to_numpy(float)
        if len(revenue) and not (revenue > 0).any():  # a value report of nothing: say which column to check
            raise DataError(key="data.no_revenue", file=self.source_name, customers=len(revenue),
                            cutoff=self.cutoff.date(), column=self.data.mapping.get("amount"))
        return self.with_covariates(summary)

    @cached_property
    def history(self) -> pd.DataFrame:
        return self.source.history(self.cutoff)

    @cached_property
    def holdout(self) -> pd.DataFrame | None:
        """Calibration/holdout frame, or None when the calibration period would be too short."""
        if (self.calibration_end - self.first_date).days < MIN_CALIBRATION_DAYS:
            self.note("model.no_holdout", months=round(self.history_months), holdout=self.holdout_months)
            return None
        return self.holdout_with_covariates(self.source.holdout(self.calibration_end, self.cutoff,
                                                                 time_unit=TIME_UNIT))

    @cached_property
    def tracking_actual(self) -> pd.Series | None:
        if self.holdout is None:
            return None
        return self.source.tracking(self.calibration_end, self.cutoff)

    # ---- models -----------------------------------------------------------------------------------------
    @cached_property
    def selection(self):
        """Holdout validation of BG/NBD, Pareto/NBD and MBG/NBD, then of the best of them with covariates (see
        `select_with_covariates`), and the choice among them all (None: no holdout)."""
        if self.holdout is None:
            return None
        return self.select_with_covariates(self.holdout, self.tracking_actual)

    @cached_property
    def validation(self):
        """The holdout validation of the model the CLV uses (None when there was no holdout or no usable model)."""
        sel = self.selection
        if sel is None or sel.best_name is None:
            return None
        used = self.clv.transaction_model
        return sel.validations.get(used.name if used is not None else sel.best_name)

    @cached_property
    def clv(self):
        """`clv_lib.value.clv.ClvResult`: the chosen model refitted on the whole history (the next one in the
        holdout ranking if it cannot be, its NBD limit if nobody seems to drop out), Gamma-Gamma spend."""
        from clv_lib.models import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
        from clv_lib.value.clv import ClvResult, estimate_clv, historical_clv

        p = self.params
        sel = self.selection
        if sel is not None and sel.best is None:
            self.note("model.none_passed")
            table = historical_clv(self.summary, time_unit=TIME_UNIT, horizons_months=self.horizons,
                                   annual_discount_rate=p.annual_discount_rate, margin=p.gross_margin)
            return ClvResult(table, "historical", "observed mean", [sel.reason])
        models = sel.ranked if sel is not None else [BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel()]
        result = estimate_clv(self.summary, models, time_unit=TIME_UNIT, horizons_months=self.horizons,
                              annual_discount_rate=p.annual_discount_rate, margin=p.gross_margin)
        if result.method == "historical":
            self.note("model.fallback_historical")
        elif sel is not None and result.transaction_model.name != sel.best_name:
            self.note("model.refit_other", chosen=sel.best_name, used=result.transaction_model.name)
        if result.spend_method != "gamma-gamma":
            self.note("model.spend_fallback")
        return result

    @property
    def activity(self) -> str:
        """What the risk view's probability is: the model's P(alive), or activity judged from silence (NBD or
        historical CLV, which have no drop-out)."""
        return self.clv.activity

    @cached_property
    def spend_correlation(self) -> float | None:
        spend = self.clv.spend_model
        return getattr(spend, "frequency_spend_correlation_", None) if spend is not None else None

    @cached_property
    def intervals(self) -> pd.DataFrame | None:
        """90 % intervals of the 12-month CLV, total and per RFM segment (parametric bootstrap)."""
        job = self.intervals_job
        return None if job is None else self.settle_intervals(job)

    @property
    def intervals_job(self):
        """The intervals' computation as one picklable call (a report run makes it in its worker process, see
        `report.ahead`); None without a transaction model."""
        from functools import partial

        from clv_lib.value.intervals import clv_intervals

        result = self.clv
        if result.transaction_model is None:
            return None
        p = self.params
        spend = result.spend_model if result.spend_model is not None else result.customers["expected_spend"]
        return partial(clv_intervals, self.summary, result.transaction_model, spend, time_unit=TIME_UNIT,
                       horizon_months=12, annual_discount_rate=p.annual_discount_rate, margin=p.gross_margin,
                       groups=self.segments["segment"].astype(str), n_draws=200)

    @staticmethod
    def settle_intervals(run) -> pd.DataFrame | None:
        """The intervals from `run()` (the job, or the result of running it elsewhere); None when the model's
        draws cannot give them."""
        try:
            return run()
        except (ModelInputError, ConvergenceError, np.linalg.LinAlgError):
            return None

    # ---- the customer table -----------------------------------------------------------------------------
    @cached_property
    def customer_base(self) -> pd.DataFrame:
        """Summary + history + predictions, before segmentation."""
        clv = self.clv.customers.rename(columns={"p_alive": "prob_alive"})
        clv = clv.rename(columns={f"purchases_{h}m": f"expected_purchases_{h}m" for h in self.horizons})
        if self.activity == "silence":  # P(alive) is 1 by construction: P(active) from each customer's silence
            from clv_lib.insights.risk import activity_from_silence

            s = self.summary
            clv["prob_alive"] = activity_from_silence(s["frequency"], s["recency"], s["T"], float(self.lapse.days))
        return self.summary.join(self.history, how="left").join(clv, how="left")

    @cached_property
    def segments(self) -> pd.DataFrame:
        """RFM scores and named segment per customer."""
        from clv_lib.insights.rfm_segments import rfm_segments

        return rfm_segments(self.customer_base)

    # ---- KPIs, churn, cohorts, unit economics ------------------------------------------------------------
    @cached_property
    def lapse(self):
        self.summary  # noqa: B018 - no repeat buyer at all: the summary's error says what to check
        try:
            return source_kpis.lapse(self.source, self.cutoff, days=self.params.inactivity_days)
        except DataError as exc:  # the library speaks of "orders": name the client's file instead
            raise DataError(f"{self.source_name}: {str(exc).removeprefix('orders: ')}") from None

    @cached_property
    def lapse_churn(self) -> pd.DataFrame:
        """Monthly lapse churn with the report's lapse rule (one computation for the monthly KPIs, the period's and
        the last 12 months')."""
        return source_kpis.churn(self.source, self.cutoff, self.lapse.days)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        kpis = source_kpis.monthly_kpis(self.source, self.cutoff)
        churn = self.lapse_churn
        return kpis.join(churn[["churn_rate", "churn_rate_trailing", "lapsed_customers", "small_base"]], how="left")

    @cached_property
    def period_kpis(self):
        return source_kpis.period_kpis(self.source, self.cutoff,
                                       period_start=max(self.period.start, self.first_date), lapse_rule=self.lapse,
                                       monthly_churn=self.lapse_churn)

    @cached_property
    def trailing_kpis(self):
        """KPIs over the 12 months to the cut-off: the basis of the unit economics."""
        return source_kpis.period_kpis(self.source, self.cutoff, period_start=self.trailing_start,
                                       lapse_rule=self.lapse, monthly_churn=self.lapse_churn)

    @cached_property
    def unit_economics(self):
        """The SaaS figures of the last 12 months (ARPA, lapse churn, lifetime, LTV, LTV:CAC...); None when no
        month's churn could be measured (a month of orders or less): then churn and everything built on it are
        unknown, not 0% and the lifetime cap."""
        from clv_lib.value.unit_economics import unit_economics

        k = self.trailing_kpis
        if k.trailing_churn_rate is None:
            return None
        return unit_economics(k.monthly_revenue_per_customer or 0.0, k.trailing_churn_rate,
                              gross_margin=self.params.gross_margin, cac=self.blended_cac,
                              target_ratio=self.params.target_ltv_cac,
                              annual_discount_rate=self.params.annual_discount_rate, customers=k.customers,
                              churn_events=k.churn_events)

    @cached_property
    def acquired_channels(self) -> pd.Series | None:
        """The channel of each customer acquired in the last 12 months (of every customer when nobody was), or None
        when the data has no channel: what a per-channel CAC is weighted by."""
        h = self.history
        if "channel" not in h.columns:
            return None
        recent = (h["first_order"] >= self.trailing_start).to_numpy()
        return h.loc[recent if recent.any() else slice(None), "channel"].astype("string").fillna("(unknown)")

    @cached_property
    def channel_economics(self) -> pd.DataFrame | None:
        """Unit economics per acquisition channel (when the data has channels): ARPA and lapse churn of each
        channel's customers over the last 12 months, and its CAC when given."""
        from clv_lib.value.unit_economics import unit_economics

        if not self.source.has_channel:
            return None
        rows = []
        cac = self.cac_by_channel or {}
        channel_of = self.history["channel"]
        try:  # every channel at once; a channel without orders in the window has no economics
            by_channel = source_kpis.period_kpis_by_channel(self.source, self.cutoff, period_start=self.trailing_start,
                                                            lapse_rule=self.lapse)
        except ParamsError:  # the window starts after the last complete month: no channel has economics
            return None
        for channel, ids in channel_of.groupby(channel_of).groups.items():
            k = by_channel.get(channel)
            if k is None or not k.monthly_revenue_per_customer or k.trailing_churn_rate is None:
                continue
            ue = unit_economics(k.monthly_revenue_per_customer, k.trailing_churn_rate,
                                gross_margin=self.params.gross_margin,
                                cac=cac.get(channel, self.params.cac if not isinstance(self.params.cac, dict) else None),
                                target_ratio=self.params.target_ltv_cac,
                                annual_discount_rate=self.params.annual_discount_rate, customers=k.customers,
                                churn_events=k.churn_events)
            rows.append({"channel": channel, "customers": int(len(ids)), "economics": ue})
        return pd.DataFrame(rows).set_index("channel") if rows else None

    @cached_property
    def cohort_cells(self) -> pd.DataFrame:
        if self.source.has_channel:  # the report needs the cells by channel anyway: the base's are their sums
            from clv_lib.summary.cohorts import cells_of_all

            return cells_of_all(self.cohort_cells_by_channel, "channel")
        return self.source.cohort_cells(self.cutoff)

    @cached_property
    def cohort_cells_by_channel(self) -> pd.DataFrame | None:
        if not self.source.has_channel:
            return None
        return self.source.cohort_cells(self.cutoff, by="channel")
