"""pymc-marketing 0.19.2 BetaGeoModel, fit(method="map") with flat priors on r, alpha, a, b so that the MAP is
comparable with the MLE (bench/.envs/pymc): fit and prediction seconds (P(alive), 12-month purchases)."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import args, done  # noqa: E402

warnings.filterwarnings("ignore")
from pymc_marketing.clv import BetaGeoModel  # noqa: E402

try:
    from pymc_extras.prior import Prior  # noqa: E402
except ImportError:  # older layouts
    from pymc_marketing.prior import Prior  # noqa: E402

if __name__ == "__main__":
    a = args()
    data = np.load(a["path"])
    frame = pd.DataFrame({"customer_id": np.arange(len(data["T"])), "frequency": data["frequency"],
                          "recency": data["recency"], "T": data["T"]})
    flat = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}
    start = time.perf_counter()
    model = BetaGeoModel(frame, model_config=flat)
    model.fit(method="map", progressbar=False)
    fit_s = time.perf_counter() - start
    post = model.idata.posterior
    params = {k: float(post[k].values.mean()) for k in ("r", "alpha", "a", "b")}
    start = time.perf_counter()
    p_alive = model.expected_probability_alive(frame)
    purchases = model.expected_purchases(frame, future_t=365.25)
    predict_s = time.perf_counter() - start
    done(fit_s=fit_s, predict_s=predict_s, params=params, mean_p_alive=float(np.asarray(p_alive).mean()),
         total_purchases_12m=float(np.asarray(purchases).sum()), note="predictions without CLV")
