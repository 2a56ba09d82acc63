"""lifetimes 0.11.3 BetaGeoFitter on a benchmark summary (bench/.envs/lifetimes): same measurements."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import args, done  # noqa: E402

from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402

if __name__ == "__main__":
    a = args()
    data = np.load(a["path"])
    f, r, T = (pd.Series(data[k]) for k in ("frequency", "recency", "T"))
    m = pd.Series(np.where(data["monetary_value"] > 0, data["monetary_value"], 35.0))
    start = time.perf_counter()
    model = BetaGeoFitter().fit(f, r, T)
    fit_s = time.perf_counter() - start
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
    start = time.perf_counter()
    p_alive = model.conditional_probability_alive(f, r, T)
    purchases = model.conditional_expected_number_of_purchases_up_to_time(365.25, f, r, T)
    # lifetimes' CLV takes spend from its own Gamma-Gamma model; monthly rate for a 10% annual rate.
    clv = ggf.customer_lifetime_value(model, f, r, T, m, time=12, discount_rate=1.1 ** (1 / 12) - 1, freq="D")
    predict_s = time.perf_counter() - start
    done(fit_s=fit_s, predict_s=predict_s, params={k: float(v) for k, v in model.params_.items()},
         mean_p_alive=float(np.mean(p_alive)), total_purchases_12m=float(np.sum(purchases)),
         total_clv_12m=float(np.sum(clv)))
