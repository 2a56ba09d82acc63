"""Choice among the transaction models (BG/NBD, Pareto/NBD, MBG/NBD and their NBD and Poisson limits) on holdout
performance.

Each candidate is validated on the same calibration/holdout frame. A candidate whose likelihood is highest at
the no-drop-out edge is replaced by its limit, the NBD (or, when everybody also buys at one rate, the Poisson),
which is validated like the others (one row per limit however many candidates reach it). Among the models that produced predictions the best holdout verdict wins (pass
before warning before fail), then the lowest per-customer MAE (ties within 0.5% broken by the smaller aggregate
bias). A model that failed the check is still used when it predicts customers better than the naive baseline
(each customer's past rate continued); otherwise, or when no model could be fitted, the selection has no model
and the caller falls back to historical CLV. The table keeps every candidate's metrics, or the reason it has
none, for the report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from clv_lib.exceptions import BoundaryError, ConvergenceError, ModelInputError
from clv_lib.models.base import TransactionModel
from clv_lib.models.bgnbd import BetaGeoModel
from clv_lib.models.limits import edge_text
from clv_lib.models.mbgnbd import ModifiedBetaGeoModel
from clv_lib.models.pareto_nbd import ParetoNBDModel
from clv_lib.models.validation import HoldoutValidation, holdout_spend, validate

VERDICT_RANK = {"pass": 0, "warn": 1, "fail": 2}
METRIC_KEYS = ("mae", "rmse", "bias", "naive_mae", "purchases_gini", "purchases_naive_gini", "spend_gini",
               "spend_naive_gini")


@dataclass
class ModelSelection:
    """The outcome of `select_model`: per-candidate table, the winner (unfitted, to fit on the full data)."""

    table: pd.DataFrame
    best: TransactionModel | None
    best_name: str | None
    reason: str
    validations: dict[str, HoldoutValidation]
    #: Every model that produced predictions, unfitted, best first: what to try on the full history.
    ranked: list[TransactionModel] = field(default_factory=list)


def select_model(frame: pd.DataFrame, candidates: Sequence[TransactionModel] | None = None,
                 actual_cumulative: pd.Series | None = None) -> ModelSelection:
    """Validate each candidate on `frame` (see `validation.validate`) and pick the best usable one. A candidate may
    also be a `HoldoutValidation` already made on `frame`, which is ranked as it is.

    Table columns: log_likelihood, the accuracy metrics (`METRIC_KEYS`), verdict ("pass", "warn", "fail" or
    "limit": the candidate's optimum is a limit model, whose row follows), status ("fitted", "limit" or "not
    fitted"), failure (why a candidate has no metrics: "limit" - replaced by the NBD, "homogeneous" - replaced by
    the Poisson, "data" - too few customers or repeat buyers, "edge" - a
    parameter ran to the edge of its range, not the no-drop-out one, "optimum" - no finite optimum), edge (the
    parameters at the edge), limit (the model that replaced the candidate), limit_of (on a limit's row: the
    candidates it replaced) and reason (the English detail).
    """
    candidates = list(candidates) if candidates is not None else [BetaGeoModel(), ParetoNBDModel(),
                                                                  ModifiedBetaGeoModel()]
    spend = _spend(frame)
    rows, limits, validations = [], {}, {}
    for model in candidates:
        if isinstance(model, HoldoutValidation):  # validated already on this frame (e.g. by a covariate search)
            validations[model.model_name] = model
            rows.append(_row(model))
            continue
        try:
            v = validate(model, frame, actual_cumulative, spend)
        except (ModelInputError, ConvergenceError) as exc:
            failure = "data" if isinstance(exc, ModelInputError) else "edge" if isinstance(exc, BoundaryError) \
                else "optimum"
            rows.append({"model": model.name, "verdict": "fail", "status": "not fitted", "failure": failure,
                         "edge": edge_text(exc) if isinstance(exc, BoundaryError) else None, "reason": str(exc)})
            continue
        if v.model.name != model.name:  # the no-drop-out limit was fitted instead
            where = "nobody drops out" + ("" if v.model.heterogeneous else " and everybody buys at one rate")
            rows.append({"model": model.name, "verdict": "limit", "status": "limit",
                         "failure": "limit" if v.model.heterogeneous else "homogeneous",
                         "edge": v.model.limit_reason_, "limit": v.model.name,
                         "reason": f"the likelihood is highest where {where} ({v.model.limit_reason_}): "
                                   f"the {v.model.name} limit is validated instead"})
            limits.setdefault(v.model.name, []).append(model.name)
            validations.setdefault(v.model.name, v)
            continue
        validations[v.model.name] = v
        rows.append(_row(v))
    for name, sources in limits.items():
        rows.append({**_row(validations[name]), "limit_of": ", ".join(sources)})
    table = pd.DataFrame(rows).set_index("model")
    fitted = table[table["status"] == "fitted"]
    if fitted.empty:
        return ModelSelection(table, None, None, "no candidate model could be fitted to the calibration data; use "
                              "historical CLV", validations)
    order = _ranking(fitted)
    name = order[0]
    best = fitted.loc[name]
    if best["verdict"] == "fail" and best["mae"] >= best["naive_mae"]:
        return ModelSelection(table, None, None, f"every model failed the holdout check and none predicted "
                              f"individual customers better than their own past rate ({name}: MAE "
                              f"{best['mae']:.4f} against {best['naive_mae']:.4f}); use historical CLV", validations)
    others = ", ".join(f"{n} {r.mae:.4f} ({r.verdict})" for n, r in fitted.drop(index=name).iterrows())
    reason = (f"{name} has the best holdout verdict ({best['verdict']}) and, among those, the lowest MAE per "
              f"customer ({best['mae']:.4f}" + (f"; {others}" if others else "") + f"), bias {best['bias']:+.1%}")
    ranked = [_unfitted(validations[n].model) for n in order]
    return ModelSelection(table, ranked[0], name, reason, validations, ranked)


def _spend(frame: pd.DataFrame):
    """Expected value per holdout purchase, fitted once for all candidates (None without spend columns)."""
    if {"monetary_value_cal", "monetary_value_holdout"} <= set(frame.columns):
        return holdout_spend(frame)
    return None


def _row(v: HoldoutValidation) -> dict:
    m = v.metrics
    return {"model": v.model_name, "log_likelihood": v.log_likelihood, **{k: m.get(k) for k in METRIC_KEYS},
            "verdict": v.verdict, "status": "fitted", "reason": v.reason}


def _ranking(fitted: pd.DataFrame) -> list[str]:
    """Models best first: best verdict, then lowest MAE; MAEs within 0.5% of the best count as tied and the
    smaller aggregate bias goes first among them."""
    rank = fitted["verdict"].map(VERDICT_RANK)
    top = fitted[rank == rank.min()]
    close = top[top["mae"] <= top["mae"].min() * 1.005]
    first = close["bias"].abs().idxmin()
    rest = fitted.drop(index=first).assign(_rank=rank.drop(index=first)).sort_values(["_rank", "mae"])
    return [first, *rest.index]


def _unfitted(model: TransactionModel) -> TransactionModel:
    clone = copy.copy(model)
    for key in [k for k in vars(clone) if k.endswith("_")]:
        delattr(clone, key)
    return clone
