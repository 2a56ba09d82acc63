"""The analysis of a subscription (contractual) client: subscriptions -> MRR movements and SaaS KPIs -> tenure
with censoring -> shifted-beta-geometric retention per contract length, validated on a holdout -> subscriber CLV
-> segments by tenure, MRR and churn risk -> recommendations; plus cohorts, survival curves and unit economics.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from clv_lib.exceptions import ConvergenceError, ModelInputError
from clv_lib.insights import source_kpis
from clv_lib.pipeline.base import BaseAnalysis
from clv_lib.pipeline.subscriber_acquisition import SubscriberAcquisition

MIN_CUSTOMERS_PER_MODEL = 30
PASS_BIAS, WARN_BIAS = 0.10, 0.25


@dataclass
class RetentionValidation:
    """Holdout check of the sBG models: subscribers active at the calibration end, predicted vs actual still
    subscribed at the cut-off, overall and per contract length."""

    calibration_end: pd.Timestamp
    table: pd.DataFrame  # per contract length: customers, actual, predicted, bias
    actual: float
    predicted: float
    bias: float
    verdict: str
    survival_check: pd.DataFrame | None  # KM vs sBG S(t) on the calibration fit (monthly contracts)


class SubscriptionAnalysis(SubscriberAcquisition, BaseAnalysis):
    business_model = "subscription"
    date_column = "start_date"

    @property
    def subscriptions(self) -> pd.DataFrame:
        """The cleaned segments in memory, one row per segment: what the tenure and sBG retention part follows
        customer by customer (an engine source brings them back too; its MRR aggregates stay in the engine)."""
        return self.data.frame

    @cached_property
    def source(self):
        """Where the MRR movements and cohorts are computed (`clv_lib.summary.sources`): the engine holding the
        subscriptions (`EngineSubscriptions`: DuckDB for a file, or the database or warehouse)."""
        from clv_lib.summary.sources import subscription_source

        return subscription_source(self.data)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        return source_kpis.subscription_monthly(self.source, self.cutoff)

    @cached_property
    def period_kpis(self):
        return source_kpis.subscription_period(self.source, self.cutoff,
                                               period_start=max(self.period.start, self.first_date))

    @cached_property
    def trailing_kpis(self):
        return source_kpis.subscription_period(self.source, self.cutoff, period_start=self.trailing_start)

    # ---- tenure and retention models ----------------------------------------------------------------------
    @cached_property
    def contract_months(self) -> pd.Series:
        """Contract length in months per customer (of the first subscription segment; 1 without the column)."""
        subs = self.subscriptions.sort_values(["customer_id", "start_date"], kind="stable")
        first = subs.drop_duplicates("customer_id").set_index("customer_id")
        if "billing_interval_months" in first.columns:
            months = first["billing_interval_months"].fillna(1.0).round().clip(lower=1.0)
        else:
            months = pd.Series(1.0, index=first.index)
        return months.astype(float).rename("period_months")

    def tenure_at(self, end: pd.Timestamp) -> pd.DataFrame:
        """Tenure, churned, plan, ... per customer as of `end`, in each customer's own contract periods."""
        from clv_lib.summary.tenure import subscription_tenure

        subs = self.subscriptions[self.subscriptions["start_date"] <= end]
        lengths = self.contract_months.reindex(subs["customer_id"].unique())
        parts = []
        for length, ids in lengths.groupby(lengths).groups.items():
            part = subscription_tenure(subs[subs["customer_id"].isin(ids)], end, period_months=int(length))
            part["period_months"] = float(length)
            parts.append(part)
        table = pd.concat(parts).sort_index()
        elapsed = _months_elapsed(table["start_date"], end)
        next_renewal = (table["tenure"] + 1) * table["period_months"] - elapsed
        table["months_to_renewal"] = next_renewal.clip(lower=1, upper=table["period_months"])
        return table

    @cached_property
    def tenure(self) -> pd.DataFrame:
        return self.tenure_at(self.cutoff)

    def fit_retention(self, tenure: pd.DataFrame) -> dict[float, object]:
        """One sBG model per contract length (periods = that many months) with enough customers who have reached
        a renewal or churned; lengths without enough data get no model here (see `retention_models`)."""
        from clv_lib.models import ShiftedBetaGeoModel

        models: dict[float, object] = {}
        for length, part in tenure.groupby("period_months"):
            rows = part[part["tenure"] >= 1]
            if len(rows) < MIN_CUSTOMERS_PER_MODEL:
                continue
            churned = float(rows["churned"].sum())
            exposure = float(rows["tenure"].sum())  # renewal opportunities faced
            if churned == 0:
                # Nobody cancelled: the sBG has nothing to fit. The churn per renewal is estimated as Jeffreys' 0.5
                # events in `exposure` renewals (small, never 0), and the report states it with its 95% bound.
                theta = 0.5 / (exposure + 1)
                models[float(length)] = ShiftedBetaGeoModel.geometric(theta, exposure)
                self.note("model.no_churn_retention", months=int(length), renewals=int(exposure), churn=theta,
                          upper=1 - 0.05 ** (1 / exposure))
                continue
            try:
                models[float(length)] = ShiftedBetaGeoModel().fit(rows[["tenure", "churned"]])
            except ConvergenceError:
                # Too few renewals to tell customers apart (alpha, beta run off together): the data only
                # identify one churn probability per period, the geometric limit of the sBG model.
                theta = churned / exposure
                models[float(length)] = ShiftedBetaGeoModel.geometric(theta, exposure)
                self.note("model.geometric_retention", severity="info", months=int(length), churn=theta)
            except ModelInputError:
                continue
        return models

    @cached_property
    def retention_models(self) -> dict[float, object]:
        """sBG per contract length; a length without its own fit uses the nearest length's model, and the report
        says so."""
        models = self.fit_retention(self.tenure)
        if not models:
            t = self.tenure
            reached = t[t["tenure"] >= 1]
            raise ModelInputError(
                key="model.too_little_history", file=self.source_name, cutoff=str(self.cutoff.date()),
                months=int(round(self.history_months)), reached=len(reached), subscribers=len(t),
                churned=int(reached["churned"].sum()), needed=MIN_CUSTOMERS_PER_MODEL)
        for length in self.tenure["period_months"].unique():
            if float(length) not in models:
                nearest = min(models, key=lambda m: abs(m - length))
                models[float(length)] = models[nearest]
                self.note("model.borrowed_retention", months=int(length), source=int(nearest))
        return models

    @cached_property
    def validation(self) -> RetentionValidation | None:
        """Fit on the tenure as of the calibration end, predict who is still subscribed at the cut-off."""
        from clv_lib.value.subscription_clv import conditional_survival, renewals_by_month

        if (self.calibration_end - self.first_date).days < 365:
            self.note("model.no_holdout", months=round(self.history_months), holdout=self.holdout_months)
            return None
        cal = self.tenure_at(self.calibration_end)
        models = self.fit_retention(cal)
        active = cal[~cal["churned"]]
        now = self.tenure.reindex(active.index)
        still = (~now["churned"].astype(bool)).to_numpy()
        rows = []
        predicted_all = np.zeros(len(active))
        for length, part in active.groupby("period_months"):
            model = models.get(float(length))
            if model is None:
                continue
            rows_mask = (active["period_months"] == length).to_numpy()
            k = renewals_by_month(part["months_to_renewal"].to_numpy(float), part["period_months"].to_numpy(float),
                                  self.holdout_months)[:, -1:]
            p = conditional_survival(model.params_["alpha"], model.params_["beta"], part["tenure"].to_numpy(float),
                                     k)[:, 0]
            predicted_all[rows_mask] = p
            actual = float(still[rows_mask].sum())
            rows.append({"period_months": float(length), "customers": int(rows_mask.sum()), "actual": actual,
                         "predicted": float(p.sum()),
                         "bias": float(p.sum() / actual - 1) if actual else 0.0,
                         "alpha": model.params_["alpha"], "beta": model.params_["beta"]})
        if not rows:
            return None
        table = pd.DataFrame(rows).set_index("period_months")
        actual, predicted = float(table["actual"].sum()), float(table["predicted"].sum())
        bias = predicted / actual - 1 if actual else 0.0
        verdict = "pass" if abs(bias) <= PASS_BIAS else "warn" if abs(bias) <= WARN_BIAS else "fail"
        return RetentionValidation(self.calibration_end, table, actual, predicted, bias, verdict,
                                   self._survival_check(cal, models))

    def _survival_check(self, cal: pd.DataFrame, models: dict) -> pd.DataFrame | None:
        """Kaplan-Meier of monthly subscribers (full data) vs the calibration sBG's S(t)."""
        from clv_lib.summary.survival import tenure_survival

        monthly = self.tenure[self.tenure["period_months"] == 1.0]
        model = models.get(1.0)
        if model is None or len(monthly) < MIN_CUSTOMERS_PER_MODEL:
            return None
        km = tenure_survival(monthly)
        times = km["time"].to_numpy(float)
        return pd.DataFrame({"observed": km["survival"].to_numpy(float), "projected": model.survival(times)},
                            index=pd.Index(times, name="months"))

    # ---- the customer table -----------------------------------------------------------------------------
    @cached_property
    def current_mrr(self) -> pd.Series:
        return self.source.current_mrr(self.cutoff)

    @cached_property
    def last_mrr(self) -> pd.Series:
        """Each customer's MRR on her latest subscription segment (what a former subscriber used to pay)."""
        subs = self.subscriptions[self.subscriptions["start_date"] <= self.cutoff]
        latest = subs.sort_values(["customer_id", "start_date"], kind="stable").drop_duplicates("customer_id", keep="last")
        return latest.set_index("customer_id")["mrr"].rename("last_mrr")

    @cached_property
    def revenue(self) -> pd.Series:
        """Historical revenue per customer: MRR times months covered up to the cut-off."""
        subs = self.subscriptions
        end = subs["end_date"].fillna(self.cutoff + pd.Timedelta(days=1)).clip(upper=self.cutoff + pd.Timedelta(days=1))
        months = ((end - subs["start_date"]).dt.days.clip(lower=0) / 30.4375)
        return (subs["mrr"] * months).groupby(subs["customer_id"]).sum().rename("revenue")

    @cached_property
    def valuation_table(self) -> pd.DataFrame:
        """What subscriber CLV needs per customer: `active` (paying at the cut-off), `tenure` and
        `months_to_renewal` in the current spell, `period_months`, `mrr`. A customer who churned and came back is
        valued from the start of her current spell (a new lifetime, as the sBG model sees a new customer)."""
        table = self.tenure.copy()
        table["mrr"] = self.current_mrr.reindex(table.index).fillna(0.0)
        table["active"] = table["mrr"] > 0
        back = table["active"] & table["churned"].astype(bool)
        if back.any():
            subs = self.subscriptions[self.subscriptions["customer_id"].isin(table.index[back])]
            first_end = table.loc[back, "end_date"].reindex(subs["customer_id"]).to_numpy()
            later = subs[subs["start_date"].to_numpy() >= first_end]
            start = later.groupby("customer_id")["start_date"].min().reindex(table.index[back])
            start = start.fillna(self.cutoff)
            elapsed = _months_elapsed(start, self.cutoff).clip(lower=0)
            period = table.loc[back, "period_months"]
            tenure = (elapsed // period).astype(float)
            table.loc[back, "tenure"] = tenure
            table.loc[back, "months_to_renewal"] = ((tenure + 1) * period - elapsed).clip(lower=1, upper=period)
        return table

    @cached_property
    def clv(self) -> pd.DataFrame:
        from clv_lib.value.subscription_clv import subscription_clv

        p = self.params
        return subscription_clv(self.valuation_table, self.retention_models, horizons_months=self.horizons,
                                annual_discount_rate=p.annual_discount_rate, margin=p.gross_margin)

    @cached_property
    def intervals(self) -> pd.DataFrame | None:
        """90 % intervals of the 12-month CLV, total and per segment: the sBG parameters are drawn from their
        estimates' sampling distribution (parametric bootstrap, 200 draws) and the CLV recomputed for each draw."""
        from clv_lib.value.intervals import draw_models
        from clv_lib.value.subscription_clv import subscription_clv

        rng = np.random.default_rng(0)
        n_draws = 200
        draws = {length: draw_models(model, n_draws, rng) for length, model in self.retention_models.items()}
        if not any(draws.values()):
            return None
        p = self.params
        table = self.valuation_table
        groups = self.segments["segment"].astype(str).reindex(table.index)
        totals = []
        for i in range(n_draws):
            models = {length: (d[i] if d else self.retention_models[length]) for length, d in draws.items()}
            clv = subscription_clv(table, models, horizons_months=(12,), annual_discount_rate=p.annual_discount_rate,
                                   margin=p.gross_margin)["clv_12m"]
            by_group = clv.groupby(groups).sum()
            by_group["total"] = clv.sum()
            totals.append(by_group)
        sample = pd.DataFrame(totals)
        point = self.clv["clv_12m"].groupby(groups).sum()
        point["total"] = self.clv["clv_12m"].sum()
        out = pd.DataFrame({"customers": groups.value_counts().reindex(point.index).fillna(len(groups)),
                            "estimate": point, "lower": sample.quantile(0.05), "upper": sample.quantile(0.95)})
        out["lower"] = np.minimum(out["lower"], out["estimate"])
        out["upper"] = np.maximum(out["upper"], out["estimate"])
        return out

    @cached_property
    def customer_base(self) -> pd.DataFrame:
        t = self.tenure
        table = pd.DataFrame(index=t.index)
        table["plan"] = t["plan"].astype(str)
        table["start_date"] = t["start_date"]
        table["end_date"] = t["end_date"]
        table["period_months"] = t["period_months"]
        table["tenure_months"] = _months_elapsed(t["start_date"], t["end_date"].fillna(self.cutoff)).clip(lower=0)
        table["mrr"] = self.current_mrr.reindex(t.index).fillna(0.0)
        table["churned"] = table["mrr"] <= 0  # not paying at the cut-off (a reactivated customer is not churned)
        table["revenue"] = self.revenue.reindex(t.index).fillna(0.0)
        table["annual_revenue_at_exit"] = np.where(table["churned"], 12 * self.last_mrr.reindex(t.index).fillna(0.0),
                                                   0.0)
        if "channel" in self.subscriptions.columns:
            channel = self.subscriptions.sort_values("start_date").drop_duplicates("customer_id")
            table["channel"] = channel.set_index("customer_id")["channel"].reindex(t.index).fillna("(unknown)")
        table = table.join(self.clv)
        table["expected_purchases_12m"] = table["expected_months_12m"]
        return table

    @cached_property
    def segmentation(self):
        from clv_lib.insights.subscription_segments import subscription_segments

        return subscription_segments(self.customer_base)

    @cached_property
    def segments(self) -> pd.DataFrame:
        return self.segmentation.customers

    recommend_options = {"base_revenue_col": "annual_revenue_at_exit"}  # win-back valued at a year of former MRR

    def risk_population(self) -> pd.DataFrame:
        return self.customer_base[~self.customer_base["churned"]]  # former subscribers are not "at risk"

    # ---- survival, cohorts, unit economics --------------------------------------------------------------
    @cached_property
    def survival_by_plan(self) -> pd.DataFrame:
        from clv_lib.summary.survival import tenure_survival

        monthly = self.tenure[self.tenure["period_months"] == 1.0]
        return tenure_survival(monthly if len(monthly) >= MIN_CUSTOMERS_PER_MODEL else self.tenure, by="plan")

    @cached_property
    def cohort_cells(self) -> pd.DataFrame:
        return self.source.cohort_cells(self.cutoff)

    @cached_property
    def acquired_channels(self) -> pd.Series | None:
        """The channel of each subscriber acquired in the last 12 months (of every subscriber when nobody was), or
        None when the data has no channel: what a per-channel CAC is weighted by."""
        starts = self.subscriber_starts
        if "channel" not in starts.columns:
            return None
        recent = (starts["start_date"] >= self.trailing_start).to_numpy()
        return starts.loc[recent if recent.any() else slice(None), "channel"].astype("string")

    @cached_property
    def unit_economics(self):
        """The SaaS figures (ARPA, logo churn, lifetime, LTV, LTV:CAC...); None when no month's churn could be
        measured (a month of history or less): then churn and everything built on it are unknown, not 0% and the
        lifetime cap."""
        from clv_lib.value.unit_economics import unit_economics

        k = self.trailing_kpis
        churn = k.logo_churn_rate_trailing if k.logo_churn_rate_trailing is not None else k.logo_churn_rate
        if churn is None:
            return None
        return unit_economics(k.arpa or 0.0, churn, gross_margin=self.params.gross_margin,
                              cac=self.blended_cac, target_ratio=self.params.target_ltv_cac,
                              annual_discount_rate=self.params.annual_discount_rate, customers=k.end_customers,
                              churn_events=k.churned_customers)

    channel_economics = None
    cohort_cells_by_channel = None


def _months_elapsed(start: pd.Series, end) -> pd.Series:
    """Whole calendar months from each start to `end` (a date or a Series), anniversaries reached."""
    end = end if isinstance(end, pd.Series) else pd.Series(pd.Timestamp(end), index=start.index)
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return (months - (start.dt.day > end.dt.day).astype(int)).astype(float)
