"""clv_lib on a model benchmark file: fit seconds (fastest of up to 3 runs), prediction seconds for P(alive),
12-month expected purchases and discounted 24-month purchases (monthly, 10% a year) of every customer, the
parameters and the log-likelihood. `model`: BG/NBD, Pareto/NBD, MBG/NBD, NBD, Gamma-Gamma or BG/BB."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done, fastest  # noqa: E402

from clv_lib.models import (BetaGeoBetaBinomModel, BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel,  # noqa: E402
                            NBDModel, ParetoNBDModel)
from clv_lib.models.timeunit import DAYS  # noqa: E402
from clv_lib.value.clv import monthly_discount_factors  # noqa: E402

TRANSACTION = {"BG/NBD": BetaGeoModel, "Pareto/NBD": ParetoNBDModel, "MBG/NBD": ModifiedBetaGeoModel,
               "NBD": NBDModel}

if __name__ == "__main__":
    a = args()
    data = dict(np.load(a["path"]))
    name = a["model"]
    result = {}
    if name == "BG/BB":
        frame = pd.DataFrame(data)
        model, fit_s = fastest(lambda: BetaGeoBetaBinomModel().fit(frame))
        start = time.perf_counter()
        model.probability_alive(frame)
        model.expected_transactions(frame, 5)
        model.discounted_expected_transactions(frame, 0.1)
        result["predict_s"] = time.perf_counter() - start
    elif name == "Gamma-Gamma":
        frame = pd.DataFrame({"frequency": data["frequency"], "monetary_value": data["monetary_value"]})
        model, fit_s = fastest(lambda: GammaGammaModel().fit(frame))
        start = time.perf_counter()
        model.expected_spend(frame)
        result["predict_s"] = time.perf_counter() - start
    else:
        frame = pd.DataFrame({k: data[k] for k in ("frequency", "recency", "T")})
        model, fit_s = fastest(lambda: TRANSACTION[name]().fit(frame))
        months = DAYS.months_to_periods(np.arange(1, 25, dtype=float))
        start = time.perf_counter()
        p_alive = model.probability_alive(frame)
        purchases = model.expected_purchases(frame, DAYS.months_to_periods(12.0), p_alive=p_alive)
        discounted = model.discounted_purchases(frame, months, monthly_discount_factors(24, 0.10)[:, None],
                                                p_alive=p_alive)
        result["predict_s"] = time.perf_counter() - start
        result.update(mean_p_alive=float(p_alive.mean()), total_purchases_12m=float(purchases.sum()),
                      total_discounted_24m=float(discounted.sum()))
    done(fit_s=fit_s, params=model.params_, log_likelihood=model.log_likelihood_, **result)
