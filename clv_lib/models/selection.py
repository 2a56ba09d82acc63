"""Choice among the transaction models (BG/NBD, Pareto/NBD, MBG/NBD) on holdout performance.

Each candidate is validated on the same calibration/holdout frame; among those that fit and do not fail, the
one with the lowest per-customer holdout MAE wins (ties within 0.5% broken by the smaller aggregate bias). The
table and the reason are kept for the report; when no candidate is usable the selection says so and the
caller falls back to historical CLV.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from clv_lib.exceptions import ConvergenceError, ModelInputError
from clv_lib.models.base import TransactionModel
from clv_lib.models.bgnbd import BetaGeoModel
from clv_lib.models.mbgnbd import ModifiedBetaGeoModel
from clv_lib.models.pareto_nbd import ParetoNBDModel
from clv_lib.models.validation import HoldoutValidation, validate


VERDICT_RANK = {"pass": 0, "warn": 1}


@dataclass
class ModelSelection:
    """The outcome of `select_model`: per-candidate table, the winner (unfitted, to fit on the full data)."""

    table: pd.DataFrame
    best: TransactionModel | None
    best_name: str | None
    reason: str
    validations: dict[str, HoldoutValidation]


def select_model(frame: pd.DataFrame, candidates: Sequence[TransactionModel] | None = None,
                 actual_cumulative: pd.Series | None = None) -> ModelSelection:
    """Validate each candidate on `frame` (see `validation.validate`) and pick the best usable one."""
    candidates = list(candidates) if candidates is not None else [BetaGeoModel(), ParetoNBDModel(),
                                                                  ModifiedBetaGeoModel()]
    rows, validations = [], {}
    for model in candidates:
        try:
            v = validate(model, frame, actual_cumulative)
        except (ModelInputError, ConvergenceError) as exc:
            rows.append({"model": model.name, "verdict": "fail", "reason": f"not fitted: {exc}"})
            continue
        validations[model.name] = v
        rows.append({"model": model.name, "log_likelihood": v.log_likelihood, "mae": v.metrics["mae"],
                     "rmse": v.metrics["rmse"], "bias": v.metrics["bias"], "naive_mae": v.metrics["naive_mae"],
                     "verdict": v.verdict, "reason": v.reason})
    table = pd.DataFrame(rows).set_index("model")
    usable = table[table["verdict"] != "fail"]
    if usable.empty:
        return ModelSelection(table, None, None, "no candidate model fitted the calibration data and passed the "
                              "holdout check; use historical CLV", validations)
    # A model that passes the holdout check beats one that only warns, whatever their MAE; among the best
    # verdict, the lowest MAE (ties within 0.5 %: the smaller bias).
    best_verdict = min(usable["verdict"], key=VERDICT_RANK.__getitem__)
    best = usable[usable["verdict"] == best_verdict]
    best_mae = best["mae"].min()
    close = best[best["mae"] <= best_mae * 1.005]
    name = close["bias"].abs().idxmin()
    chosen = next(m for m in candidates if m.name == name)
    others = ", ".join(f"{n} {r.mae:.4f} ({r.verdict})" for n, r in usable.drop(index=name).iterrows())
    reason = (f"{name} has the best holdout verdict ({best_verdict}) and, among those, the lowest MAE per customer "
              f"({best.loc[name, 'mae']:.4f}" + (f"; {others}" if others else "") + f"), bias "
              f"{best.loc[name, 'bias']:+.1%}")
    return ModelSelection(table, _unfitted(chosen), name, reason, validations)


def _unfitted(model: TransactionModel) -> TransactionModel:
    clone = copy.copy(model)
    for key in [k for k in vars(clone) if k.endswith("_")]:
        delattr(clone, key)
    return clone
