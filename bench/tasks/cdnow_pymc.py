"""pymc-marketing 0.19.2 on the CDNOW calibration summary (bench/.envs/pymc): BetaGeoModel, ParetoNBDModel and
GammaGammaModel, fit(method="map") with flat priors on every parameter so that the MAP is the MLE (no
MBG/NBD in pymc-marketing); the measurements of cdnow_clv_lib, the CLV from
GammaGammaModel.expected_customer_lifetime_value(time_unit="W", monthly discount rate)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done, fastest  # noqa: E402

warnings.filterwarnings("ignore")
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel  # noqa: E402

try:
    from pymc_extras.prior import Prior  # noqa: E402
except ImportError:  # older layouts
    from pymc_marketing.prior import Prior  # noqa: E402


def _fit(cls, frame: pd.DataFrame, names: tuple[str, ...]):
    """Build and MAP-fit one model with flat priors; return it, its fit seconds and its parameters."""
    def fit():
        model = cls(frame, model_config={k: Prior("HalfFlat") for k in names})
        model.fit(method="map", progressbar=False)
        return model

    model, fit_s = fastest(fit)
    post = model.idata.posterior
    return model, fit_s, {k: float(post[k].values.mean()) for k in names}


if __name__ == "__main__":
    a = args()
    data = pd.read_csv(a["path"], dtype={"customer_id": str})
    frame = pd.DataFrame({"customer_id": np.arange(len(data)), "frequency": data["frequency_cal"],
                          "recency": data["recency_cal"], "T": data["T_cal"],
                          "monetary_value": data["monetary_value_cal"]})
    repeat = frame[(frame["frequency"] > 0) & (frame["monetary_value"] > 0)]
    example = pd.DataFrame({"customer_id": [0], "frequency": [2.0], "recency": [30.43], "T": [38.86]})
    spend, spend_s, spend_params = _fit(GammaGammaModel, repeat, ("p", "q", "v"))
    monthly = (1 + a["annual_discount_rate"]) ** (1 / 12) - 1
    t = a["holdout_weeks"]
    models = {}
    for name, cls, names in (("BG/NBD", BetaGeoModel, ("r", "alpha", "a", "b")),
                             ("Pareto/NBD", ParetoNBDModel, ("r", "alpha", "s", "beta"))):
        model, fit_s, params = _fit(cls, frame[["customer_id", "frequency", "recency", "T"]], names)
        clv = spend.expected_customer_lifetime_value(model, frame.copy(), future_t=12, discount_rate=monthly,
                                                     time_unit="W")
        models[name] = {"fit_s": fit_s, "params": params,
                        "holdout": np.asarray(model.expected_purchases(frame, future_t=t)).reshape(-1).tolist(),
                        "example": float(np.asarray(model.expected_purchases(example, future_t=t)).mean()),
                        "clv_12m": a["margin"] * float(clv.mean(("chain", "draw")).sum())}
    models["Gamma-Gamma"] = {"fit_s": spend_s, "params": spend_params,
                             "mean_spend": float(np.asarray(spend.expected_customer_spend(repeat)).mean())}
    done(models=models)
