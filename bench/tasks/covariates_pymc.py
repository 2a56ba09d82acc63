"""pymc-marketing 0.19.2 BetaGeoModel / ModifiedBetaGeoModel / ParetoNBDModel with static covariates (bench/.envs/pymc), fit(method="map")
with flat priors (HalfFlat on r, alpha, a, b, s, beta; Flat on the covariate coefficients) so that the MAP is the
maximum-likelihood estimate clv_lib computes. The channel enters as two dummy columns (search, email; social the
baseline) for the purchase rate and the drop-out, the formulation of Fader & Hardie's note 019 that both libraries
implement. Reports fit and prediction seconds (P(alive), 12-month purchases) and the estimates in clv_lib's names."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

warnings.filterwarnings("ignore")
from pymc_marketing.clv import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel  # noqa: E402

try:
    from pymc_extras.prior import Prior  # noqa: E402
except ImportError:  # older layouts
    from pymc_marketing.prior import Prior  # noqa: E402

CHANNELS = ("social", "search", "email")
DUMMIES = [f"channel_{c}" for c in CHANNELS[1:]]

if __name__ == "__main__":
    a = args()
    data = np.load(a["path"])
    frame = pd.DataFrame({"customer_id": np.arange(len(data["T"])), "frequency": data["frequency"],
                          "recency": data["recency"], "T": data["T"]})
    for i, column in enumerate(DUMMIES, start=1):
        frame[column] = (data["channel"] == i).astype(float)
    classes = {"BG/NBD": BetaGeoModel, "MBG/NBD": ModifiedBetaGeoModel, "Pareto/NBD": ParetoNBDModel}
    bg = a["model"] != "Pareto/NBD"
    scales = ("r", "alpha", "a", "b") if bg else ("r", "alpha", "s", "beta")
    config = {k: Prior("HalfFlat") for k in scales}
    config.update(purchase_coefficient=Prior("Flat"), dropout_coefficient=Prior("Flat"),
                  purchase_covariate_cols=DUMMIES, dropout_covariate_cols=DUMMIES)
    start = time.perf_counter()
    model = classes[a["model"]](frame, model_config=config)
    model.fit(method="map", progressbar=False)
    fit_s = time.perf_counter() - start
    post = model.idata.posterior

    def value(name):
        return np.asarray(post[name].values).reshape(-1, *post[name].shape[2:]).mean(axis=0)

    params = {"r": float(value("r")), "alpha": float(value("alpha_scale"))}
    if bg:
        params.update(a=float(value("a_scale")), b=float(value("b_scale")))
        blocks = {"purchase": "purchase_coefficient_alpha", "a": "dropout_coefficient_a", "b": "dropout_coefficient_b"}
    else:
        params.update(s=float(value("s")), beta=float(value("beta_scale")))
        blocks = {"purchase": "purchase_coefficient", "dropout": "dropout_coefficient"}
    for effect, name in blocks.items():
        for level, coefficient in zip(CHANNELS[1:], value(name)):
            params[f"{effect}[channel={level}]"] = float(np.exp(coefficient))
    result = {"fit_s": fit_s, "params": params}
    try:
        start = time.perf_counter()
        model.expected_probability_alive(frame)
        model.expected_purchases(frame, future_t=365.25)
        result["predict_s"] = time.perf_counter() - start
    except Exception as exc:  # predictions are secondary; the fit is what is compared
        result["note"] = f"predictions failed: {type(exc).__name__}"
    done(**result)
