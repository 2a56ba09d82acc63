"""clv_lib BG/NBD on a benchmark summary: fit seconds, prediction seconds (P(alive), 12-month expected
purchases, 12- and 24-month CLV), parameters and log-likelihood."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import args, done  # noqa: E402

from clv_lib.models import BetaGeoModel  # noqa: E402
from clv_lib.value.clv import customer_clv  # noqa: E402

if __name__ == "__main__":
    a = args()
    data = np.load(a["path"])
    summary = pd.DataFrame({k: data[k] for k in ("frequency", "recency", "T")})
    spend = pd.Series(np.where(data["monetary_value"] > 0, data["monetary_value"], 35.0))
    start = time.perf_counter()
    model = BetaGeoModel().fit(summary)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    p_alive = model.probability_alive(summary)
    purchases = model.expected_purchases(summary, 365.25)
    clv = customer_clv(summary, model, spend, time_unit="days", horizons_months=(12, 24), annual_discount_rate=0.1)
    predict_s = time.perf_counter() - start
    done(fit_s=fit_s, predict_s=predict_s, params=model.params_, log_likelihood=model.log_likelihood_,
         mean_p_alive=float(p_alive.mean()), total_purchases_12m=float(purchases.sum()),
         total_clv_12m=float(clv["clv_12m"].sum()))
