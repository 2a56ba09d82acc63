"""What a new customer is worth, by acquisition channel (orders): the customers' covariates, the covariate models
offered to the holdout comparison, the value of a customer acquired today and the CAC budgets per channel.

A mixin of `OrdersAnalysis`. The covariate models (BG/NBD and Pareto/NBD with the covariates the data has, each
keeping only the covariates with a significant effect) enter the holdout comparison as candidates beside the
models without covariates, and are used only when they win it. The new-customer value comes from whichever
model the CLV uses: with covariates, channels differ in purchase and drop-out; without, they differ only in
what their customers spend (first order and, when the spend model finds a significant effect, repeat purchases).
"""

from __future__ import annotations

from functools import cached_property, partial

import numpy as np
import pandas as pd

from clv_lib.exceptions import ConvergenceError, ModelInputError
from scipy import stats

#: Significance level for keeping a covariate in a model (Wald test of all its coefficients).
SIGNIFICANCE = 0.05



def _bgnbd():
    from clv_lib.models.bgnbd_covariates import BetaGeoCovariateModel
    return BetaGeoCovariateModel


def _pareto():
    from clv_lib.models.pareto_nbd_covariates import ParetoNBDCovariateModel
    return ParetoNBDCovariateModel


def _mbgnbd():
    from clv_lib.models.mbgnbd_covariates import ModifiedBetaGeoCovariateModel
    return ModifiedBetaGeoCovariateModel


#: The covariate version of each base model (the NBD limit has none).
_COVARIATE_FAMILY = {"BG/NBD": _bgnbd, "Pareto/NBD": _pareto, "MBG/NBD": _mbgnbd}
#: How much worse than the model without them a model with covariates may do on the holdout and still count as
#: validated: MAE per customer (relative) and aggregate bias (absolute).
MAE_TOLERANCE, BIAS_TOLERANCE = 0.01, 0.02
#: Channels with fewer customers acquired in the last 12 months are flagged as resting on few customers.
FEW_ACQUISITIONS = 30


class AcquisitionAnalysis:
    """Mixin: needs `summary` (built through `with_covariates`), `history`, `cutoff`, `trailing_start`,
    `params`, `clv`, `selection`, `note`."""

    # ---- covariates ---------------------------------------------------------------------------------------
    def with_covariates(self, summary: pd.DataFrame) -> pd.DataFrame:
        """The RFM summary with the customers' covariate columns (`cov_...`), computed once."""
        from clv_lib.summary.covariates import customer_covariates

        covariates = customer_covariates(summary, self.history)
        self.__dict__["customer_covariates"] = covariates
        return summary.join(covariates.frame)

    @cached_property
    def customer_covariates(self):
        """`clv_lib.summary.covariates.CustomerCovariates` of every customer (set when the summary is built)."""
        self.summary  # noqa: B018 - builds it
        return self.__dict__["customer_covariates"]

    def holdout_with_covariates(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The calibration/holdout frame with the covariate columns (fixed at acquisition, so the same)."""
        return frame.join(self.customer_covariates.frame.reindex(frame.index))

    def select_with_covariates(self, frame: pd.DataFrame, actual_cumulative):
        """The holdout comparison (`clv_lib.models.selection.select_model`) of BG/NBD, Pareto/NBD and MBG/NBD, then
        the best of them extended with covariates, forward: each round fits it with every covariate not yet in
        (on the calibration period) and takes the most significant one (likelihood-ratio test against the model
        without it, at `SIGNIFICANCE` divided by the covariates tried in the round) whose holdout check is no worse than the model's without it (`_no_worse`);
        the rounds stop when no covariate qualifies. Every model tried is in the final table with its metrics; the
        extended model, if any, is the one used (`reason` says why), the others follow in the usual ranking.

        The test is in-sample because that is where a covariate's effect shows: existing customers' own
        histories already say most of what their channel would, so the holdout can show that a covariate does no
        harm (a spurious effect, such as a season confounded with the calendar, shows as bias), not that it helps
        a new customer, which is what it is for."""
        from clv_lib.models import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
        from clv_lib.models.selection import ModelSelection, select_model
        from clv_lib.models.validation import holdout_spend, validated_or_none

        base = [BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel()]
        spend = holdout_spend(frame) if {"monetary_value_cal", "monetary_value_holdout"} <= set(frame.columns) else None
        first = select_model(frame, base, actual_cumulative=actual_cumulative, spend=spend)
        family = _COVARIATE_FAMILY.get(first.best_name or "")
        remaining = list(self.customer_covariates.candidates)
        if family is None or not remaining:
            return first
        current, chosen, tried, tests = first.validations[first.best_name], [], [], {}
        self.covariate_search = search = {}  # per covariate: its last test (p-value, level) and holdout check
        while remaining:
            trials = []
            models = [family()(chosen + [column], labels=self.customer_covariates.labels) for column in remaining]
            # a report run makes some of them in its worker: a light module's function, picklable
            outcomes = self.run_all([partial(validated_or_none, model, frame, actual_cumulative, spend)
                                     for model in models])
            for column, model, v in zip(remaining, models, outcomes):
                if v is None:
                    tried.append(model)  # the final comparison records why
                    continue
                tried.append(v)
                extra = len(v.params) - len(current.params)
                p = float(stats.chi2.sf(2 * (v.log_likelihood - current.log_likelihood), extra)) if extra else 1.0
                trials.append((p, column, v))
            level = SIGNIFICANCE / len(remaining)  # Bonferroni: several covariates are tried in each round
            search.update({c: {"p_value": p, "level": level, "no_worse": _no_worse(v, current), "used": False}
                           for p, c, v in trials})
            accepted = next(((p, c, v) for p, c, v in sorted(trials, key=lambda t: t[0])
                             if p < level and _no_worse(v, current)), None)
            if accepted is None:
                break
            p, column, current = accepted
            search[column]["used"] = True
            chosen.append(column)
            tests[column] = p
            remaining.remove(column)
        final = select_model(frame, [first.validations.get(m.name, m) for m in base] + tried,
                             actual_cumulative=actual_cumulative, spend=spend)
        if not chosen:
            return final
        plain = first.validations[first.best_name]
        m, mp = current.metrics, plain.metrics
        reason = (f"{current.model_name}: the covariates are significant on the calibration period (likelihood "
                  f"ratio, p {max(tests.values()):.2g}) and the holdout check is no worse than {first.best_name}'s "
                  f"(MAE per customer {m['mae']:.4f} against {mp['mae']:.4f}, bias {m['bias']:+.1%} against "
                  f"{mp['bias']:+.1%}, verdict {current.verdict})")
        ranked = [_unfitted(current.model)] + [r for r in final.ranked if r.name != current.model_name]
        return ModelSelection(final.table, ranked[0], current.model_name, reason, final.validations, ranked)

    # ---- the value of a new customer ------------------------------------------------------------------------
    @cached_property
    def new_customer_spend(self):
        """Spend per repeat purchase of a new customer: Gamma-Gamma with the significant covariates (exactly the
        plain Gamma-Gamma when none is), else the CLV's spend model, else the mean observed repeat spend."""
        return self.settle_new_customer_spend(self.ahead_result("new_customer_spend") or self.new_customer_spend_job)

    @property
    def new_customer_spend_job(self):
        """The spend model's fit as one picklable call: it needs only the summary, so a report run makes it in its
        worker while the kernel chooses the purchase model (`report.ahead`)."""
        from clv_lib.models.gamma_gamma_covariates import GammaGammaCovariateModel

        model = GammaGammaCovariateModel(self.customer_covariates.candidates, select=SIGNIFICANCE)
        return partial(model.fit, self.summary)

    def settle_new_customer_spend(self, run):
        """The fitted spend model from `run()` (the job, or its result made elsewhere), or the fallbacks."""
        try:
            return run()
        except (ModelInputError, ConvergenceError):
            if self.clv.spend_model is not None:
                return self.clv.spend_model
            s = self.summary
            repeat = (s["frequency"] > 0) & (s["monetary_value"] > 0)
            return float(s.loc[repeat, "monetary_value"].mean()) if repeat.any() else 0.0

    @cached_property
    def acquisitions(self) -> pd.DataFrame:
        """Customers acquired in the last 12 months (all customers when nobody was, and `acquisitions_window` says
        so): their covariates, first order's value and `channel`."""
        covariates = self.customer_covariates
        recent = self.history.index[pd.DatetimeIndex(self.history["first_order"]) >= self.trailing_start]
        self.acquisitions_window = "last_12_months" if len(recent) else "all_customers"
        if not len(recent):
            recent = self.history.index
        frame = covariates.frame.reindex(recent)
        frame["first_order_value"] = covariates.first_value.reindex(recent).to_numpy()
        if "channel" in self.history.columns:
            frame["channel"] = self.history["channel"].reindex(recent).astype(str).to_numpy()
        return frame

    @cached_property
    def new_customer(self):
        """`clv_lib.value.new_customer.NewCustomerValue` per channel and overall, or None (no model, nobody acquired
        in the last 12 months)."""
        from clv_lib.value.new_customer import new_customer_value

        model = self.clv.transaction_model
        acquisitions = self.acquisitions
        if model is None:
            self.note("acquisition.no_model", severity="info")
            return None
        group = "channel" if "channel" in acquisitions.columns else None
        try:
            return new_customer_value(model, self.new_customer_spend, acquisitions, group=group,
                                      time_unit="D", margin=self.params.gross_margin,
                                      annual_discount_rate=self.params.annual_discount_rate)
        except (ModelInputError, ConvergenceError, np.linalg.LinAlgError) as exc:
            self.note("acquisition.failed", severity="info", reason=str(exc))
            return None

    @cached_property
    def channel_budgets(self) -> pd.DataFrame | None:
        """Per channel (and "all"): new-customer CLV over 36 months, CAC, maximum affordable CAC with its interval,
        margin per unit of acquisition spend, payback month and rank (`clv_lib.value.acquisition`)."""
        from clv_lib.value.acquisition import channel_budgets

        value = self.new_customer
        if value is None:
            return None
        return channel_budgets(value, self.params.cac, target_ratio=self.params.target_ltv_cac)

    @cached_property
    def covariate_use(self) -> pd.DataFrame:
        """Per covariate found in the data: levels, and whether the purchase and the spend models use it (with the
        reason when not: "single_level", "small_levels", "not_significant", "not_validated", "no_model")."""
        found = self.customer_covariates
        model = self.clv.transaction_model
        used = {c.column for c in model.design_.used} if getattr(model, "design_", None) is not None else set()
        search = getattr(self, "covariate_search", {}) if self.selection is not None else {}
        spend_tests = getattr(self.new_customer_spend, "covariate_tests_", None)
        rows = []
        for name, levels in found.levels.items():
            column = f"cov_{name}"
            trial = search.get(column)
            if levels < 2:
                purchase = ("single_level", np.nan)
            elif column in used:
                purchase = ("used", trial["p_value"] if trial else np.nan)
            elif trial is None:
                purchase = (self._covariate_model_reason(), np.nan)
            else:
                purchase = ("not_significant" if trial["p_value"] >= trial["level"] else "not_validated",
                            trial["p_value"])
            rows.append({"covariate": name, "levels": levels, "purchase_used": purchase[0] == "used",
                         "purchase_reason": purchase[0], "purchase_p_value": purchase[1],
                         **_use("spend", column, spend_tests, levels, "no_model")})
        return pd.DataFrame(rows).set_index("covariate") if rows else pd.DataFrame()

    def _covariate_model_reason(self) -> str:
        """Why the purchase model does not use a covariate with two levels or more: no holdout to validate it on,
        no model to carry it (the NBD limit or historical CLV), or it did not improve the holdout predictions."""
        if self.selection is None:
            return "no_holdout"
        model = self.clv.transaction_model
        if model is None or _COVARIATE_FAMILY.get(getattr(model, "base_model", model).name) is None:
            return "no_model"
        return "not_validated"


def _no_worse(v, base) -> bool:
    """A model's holdout check is no worse than `base`'s: MAE within 1 %, |bias| within 2 points, and no fail where
    the base did not fail."""
    m, b = v.metrics, base.metrics
    return (m["mae"] <= b["mae"] * (1 + MAE_TOLERANCE) and abs(m["bias"]) <= abs(b["bias"]) + BIAS_TOLERANCE
            and not (v.verdict == "fail" and base.verdict != "fail"))


def _unfitted(model):
    import copy

    clone = copy.copy(model)
    for key in [k for k in vars(clone) if k.endswith("_")]:
        delattr(clone, key)
    return clone


def _use(role: str, column: str, tests: pd.DataFrame | None, levels: int, otherwise: str) -> dict:
    if levels < 2:
        return {f"{role}_used": False, f"{role}_reason": "single_level", f"{role}_p_value": np.nan}
    if tests is None or column not in tests.index:
        return {f"{role}_used": False, f"{role}_reason": otherwise, f"{role}_p_value": np.nan}
    row = tests.loc[column]
    return {f"{role}_used": bool(row["used"]), f"{role}_reason": str(row["reason"]),
            f"{role}_p_value": float(row["p_value"])}
