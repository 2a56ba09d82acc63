"""lifetimes 0.11.3 on a model benchmark file (bench/.envs/lifetimes), the measurements of models_clv_lib: fit
seconds (one run: lifetimes' fits take long), then P(alive), 12-month expected purchases and the discounted
24-month purchases, as GammaGammaFitter.customer_lifetime_value computes them (spend fixed at 1)."""

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
from lifetimes import (BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter,  # noqa: E402
                       ModifiedBetaGeoFitter, ParetoNBDFitter)

FITTERS = {"BG/NBD": BetaGeoFitter, "Pareto/NBD": ParetoNBDFitter, "MBG/NBD": ModifiedBetaGeoFitter}

if __name__ == "__main__":
    a = args()
    data = dict(np.load(a["path"]))
    name = a["model"]
    result = {}
    start = time.perf_counter()
    if name == "BG/BB":
        f, r, n, w = (pd.Series(data[k]) for k in ("frequency", "recency", "n_periods", "weights"))
        model = BetaGeoBetaBinomFitter().fit(f, r, n, weights=w)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        model.conditional_probability_alive(5, f, r, n)
        model.conditional_expected_number_of_purchases_up_to_time(5, f, r, n)
        result["predict_s"] = time.perf_counter() - start
    elif name == "Gamma-Gamma":
        f, m = pd.Series(data["frequency"]), pd.Series(data["monetary_value"])
        repeat = (f > 0) & (m > 0)
        model = GammaGammaFitter().fit(f[repeat], m[repeat])
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        model.conditional_expected_average_profit(f, m)
        result["predict_s"] = time.perf_counter() - start
    else:
        f, r, T = (pd.Series(data[k]) for k in ("frequency", "recency", "T"))
        model = FITTERS[name]().fit(f, r, T)
        fit_s = time.perf_counter() - start
        spend = GammaGammaFitter()
        spend.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
        start = time.perf_counter()
        p_alive = model.conditional_probability_alive(f, r, T)
        purchases = model.conditional_expected_number_of_purchases_up_to_time(365.25, f, r, T)
        spend.customer_lifetime_value(model, f, r, T, pd.Series(np.ones(len(f))), time=24,
                                      discount_rate=1.1 ** (1 / 12) - 1, freq="D")
        result["predict_s"] = time.perf_counter() - start
        result.update(mean_p_alive=float(np.mean(p_alive)), total_purchases_12m=float(np.sum(purchases)))
    done(fit_s=fit_s, params={k: float(v) for k, v in model.params_.items()}, **result)
