"""What a new subscriber is worth, by acquisition channel (or plan when the export has no channel): the sBG retention
per channel (cohorts by channel), the value of a subscriber acquired today and the CAC budgets per channel.

A mixin of `SubscriptionAnalysis`, the subscription counterpart of `acquisition.AcquisitionAnalysis`. Per contract
length, one sBG per channel is fitted beside the pooled sBG the subscriber CLV uses; channels with too few
subscribers who reached a renewal (or none who churned) are not fitted on their own: they are pooled into
"(other)", or into the largest channel when even together they are too few, as the order models pool small levels.
The channel models are used only when they describe retention significantly better than the pooled one
(likelihood-ratio test over all contract lengths, 5 %); otherwise every channel keeps the pooled retention and
channels differ only in their subscribers' starting MRR and contract mix, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from clv_lib.exceptions import ConvergenceError, ModelInputError

#: Significance level of the likelihood-ratio test of channel retention models against the pooled one.
SIGNIFICANCE = 0.05
OTHER = "(other)"
ALL = "all"


@dataclass
class GroupRetention:
    """sBG retention per level of `column` ("channel" or "plan"): `cells` (per contract length and level seen:
    subscribers who reached a renewal, churned, the cell it is estimated in, alpha, beta, churn at the first
    renewal), `models` ((cell, months) -> fitted sBG; the pooled models under cell "all"), the likelihood-ratio
    test (`statistic`, `df`, `p_value`) and whether the channel models are `used`."""

    column: str
    cells: pd.DataFrame
    models: dict
    statistic: float
    df: int
    p_value: float
    used: bool

    def cell_of(self, levels: pd.Series, months: pd.Series) -> np.ndarray:
        """The retention cell of each subscriber (from her level and contract length): "all" where the pooled
        model applies."""
        if not self.used:
            return np.full(len(levels), ALL, dtype=object)
        from clv_lib.value.new_subscriber import pair_codes

        codes, distinct = pair_codes(levels.astype(str), months.astype(float))
        mapping = {(level, m): cell for (m, level), cell in self.cells["estimated_as"].items()}
        cells = [mapping.get((level, m), ALL) for level, m in distinct]
        cells = [c if (c, m) in self.models else ALL for c, (_, m) in zip(cells, distinct)]
        return np.array(cells, dtype=object)[codes]


def fit_group_retention(tenure: pd.DataFrame, levels: pd.Series, pooled: dict, *, column: str,
                        min_customers: int = 30) -> GroupRetention:
    """sBG per level of `levels` (one label per customer of `tenure`) and contract length, beside the `pooled`
    models (months -> sBG fitted on all subscribers of that length); see the module docstring."""
    from clv_lib.models import ShiftedBetaGeoModel

    rows, models, statistic, df = [], {}, 0.0, 0
    labels = levels.reindex(tenure.index).fillna("(unknown)").astype(str)
    for months, part in tenure.groupby("period_months"):
        months = float(months)
        if months not in pooled:
            continue
        models[(ALL, months)] = pooled[months]
        reached = part[part["tenure"] >= 1]
        mine = labels.reindex(reached.index)
        counts = reached.groupby(mine)["churned"].agg(["size", "sum"])
        counts = counts.reindex(sorted(set(labels.reindex(part.index)))).fillna(0)
        counts = counts.sort_values("size", ascending=False, kind="stable")

        def fit(members):
            subset = reached[mine.isin(members)]
            if len(subset) < min_customers or not subset["churned"].any():
                return None
            try:
                return ShiftedBetaGeoModel().fit(subset[["tenure", "churned"]])
            except (ConvergenceError, ModelInputError):
                return None

        cells = {}
        for level in counts.index:
            model = fit([level])
            if model is not None:
                cells[level] = ([level], model)
        rest = [level for level in counts.index if level not in cells]
        if rest and cells:
            model = fit(rest) if len(rest) > 1 else None
            if model is not None:
                cells[OTHER] = (rest, model)
            else:  # too few even together: estimated with the largest level
                largest = next(iter(cells))
                members = cells[largest][0] + rest
                refit = fit(members)
                cells[largest] = (members, refit)
        # The likelihood-ratio test needs every subscriber of this length in one cell fit and in the one-for-all
        # fit (not the geometric limit nor a model borrowed from another length that the CLV may use).
        together = fit(list(counts.index)) if len(cells) >= 2 else None
        if together is None or any(m is None for _, m in cells.values()):
            cells = {}
        else:
            statistic += 2 * (sum(m.log_likelihood_ for _, m in cells.values()) - together.log_likelihood_)
            df += 2 * (len(cells) - 1)
            for cell, (members, model) in cells.items():
                models[(cell, months)] = model
        for level, row in counts.iterrows():
            cell = next((c for c, (members, _) in cells.items() if level in members), ALL)
            model = models.get((cell, months), pooled[months])
            a, b = model.params_["alpha"], model.params_["beta"]
            rows.append({"period_months": months, "level": level, "customers": int(row["size"]),
                         "churned": int(row["sum"]), "estimated_as": cell, "alpha": a, "beta": b,
                         "churn_first_renewal": a / (a + b)})
    table = pd.DataFrame(rows).set_index(["period_months", "level"]) if rows else pd.DataFrame()
    p = float(stats.chi2.sf(max(statistic, 0.0), df)) if df else 1.0
    used = bool(df) and p < SIGNIFICANCE
    if not used:
        models = {k: m for k, m in models.items() if k[0] == ALL}
    return GroupRetention(column, table, models, float(statistic), int(df), p, used)


class SubscriberAcquisition:
    """Mixin: needs `subscriptions`, `tenure`, `retention_models`, `trailing_start`, `params`, `note`."""

    @cached_property
    def acquisition_column(self) -> str | None:
        """"channel" when the subscriptions name two channels or more, else "plan" with two plans or more."""
        starts = self.subscriber_starts
        for column in ("channel", "plan"):
            if column in starts.columns and starts[column].nunique() >= 2:
                return column
        return None

    @cached_property
    def subscriber_starts(self) -> pd.DataFrame:
        """Per subscriber (of the tenure table): start_date of her first spell, contract length, starting MRR (of
        her first paid segment), plan and channel (of her first segment)."""
        subs = self.subscriptions.sort_values(["customer_id", "start_date"], kind="stable")
        paid = subs[subs["mrr"] > 0].drop_duplicates("customer_id").set_index("customer_id")
        t = self.tenure
        out = pd.DataFrame({"start_date": t["start_date"], "period_months": t["period_months"].astype(float),
                            "mrr": paid["mrr"].reindex(t.index).fillna(0.0).astype(float),
                            "plan": t["plan"].astype(str)}, index=t.index)
        if "channel" in subs.columns:
            first = subs.drop_duplicates("customer_id").set_index("customer_id")["channel"]
            out["channel"] = first.reindex(t.index).astype("string").fillna("(unknown)").astype(str)
        return out

    @cached_property
    def group_retention(self) -> GroupRetention | None:
        column = self.acquisition_column
        if column is None:
            return None
        return fit_group_retention(self.tenure, self.subscriber_starts[column], self.retention_models,
                                   column=column)

    @cached_property
    def acquisitions(self) -> pd.DataFrame:
        """Subscribers acquired in the last 12 months (all subscribers when nobody was, and `acquisitions_window`
        says so): group label, contract length, starting MRR and retention cell."""
        starts = self.subscriber_starts
        recent = starts[starts["start_date"] >= self.trailing_start]
        self.acquisitions_window = "last_12_months" if len(recent) else "all_customers"
        frame = (recent if len(recent) else starts).copy()
        column = self.acquisition_column
        retention = self.group_retention
        if column is not None:
            frame["channel"] = frame[column]
            frame["cell"] = retention.cell_of(frame[column], frame["period_months"])
        else:
            frame["cell"] = ALL
        return frame

    @cached_property
    def new_customer(self):
        """`NewCustomerValue` of a subscriber acquired today per channel (or plan) and overall, or None."""
        from clv_lib.value.new_subscriber import new_subscriber_value

        retention = self.group_retention
        models = retention.models if retention is not None else {(ALL, m): model for m, model in
                                                                 self.retention_models.items()}
        group = "channel" if self.acquisition_column is not None else None
        try:
            return new_subscriber_value(models, self.acquisitions, group=group, margin=self.params.gross_margin,
                                        annual_discount_rate=self.params.annual_discount_rate)
        except (ModelInputError, np.linalg.LinAlgError) as exc:
            self.note("acquisition.failed", severity="info", reason=str(exc))
            return None

    @cached_property
    def channel_budgets(self) -> pd.DataFrame | None:
        """Per channel (and "all"): maximum affordable CAC with its interval, margin per unit of acquisition spend,
        payback month and rank (`clv_lib.value.acquisition.channel_budgets`). A CAC per channel applies only when
        the groups are channels."""
        from clv_lib.value.acquisition import channel_budgets

        value = self.new_customer
        if value is None:
            return None
        cac = self.params.cac
        if isinstance(cac, dict) and self.acquisition_column != "channel":
            cac = self.blended_cac
        return channel_budgets(value, cac, target_ratio=self.params.target_ltv_cac)
