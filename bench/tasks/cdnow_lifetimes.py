"""lifetimes 0.11.3 on the CDNOW calibration summary (bench/.envs/lifetimes): BetaGeoFitter, ParetoNBDFitter,
ModifiedBetaGeoFitter and GammaGammaFitter with their defaults (no penalizer); the measurements of
cdnow_clv_lib, the CLV from GammaGammaFitter.customer_lifetime_value(freq="W", monthly discount rate)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done, fastest  # noqa: E402

warnings.filterwarnings("ignore")
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter  # noqa: E402


if __name__ == "__main__":
    a = args()
    data = pd.read_csv(a["path"], index_col="customer_id", dtype={"customer_id": str})
    f, r, T, m = data["frequency_cal"], data["recency_cal"], data["T_cal"], data["monetary_value_cal"]
    repeat = (f > 0) & (m > 0)
    spend, spend_s = fastest(lambda: GammaGammaFitter().fit(f[repeat], m[repeat]))
    monthly = (1 + a["annual_discount_rate"]) ** (1 / 12) - 1
    t = a["holdout_weeks"]
    models = {}
    for name, cls in (("BG/NBD", BetaGeoFitter), ("Pareto/NBD", ParetoNBDFitter), ("MBG/NBD", ModifiedBetaGeoFitter)):
        model, fit_s = fastest(lambda: cls().fit(f, r, T))
        clv = spend.customer_lifetime_value(model, f, r, T, m, time=12, discount_rate=monthly, freq="W")
        models[name] = {"fit_s": fit_s, "params": {k: float(v) for k, v in model.params_.items()},
                        "holdout": [float(v) for v in model.conditional_expected_number_of_purchases_up_to_time(
                            t, f, r, T)],
                        "example": float(model.conditional_expected_number_of_purchases_up_to_time(t, 2, 30.43, 38.86)),
                        "clv_12m": a["margin"] * float(clv.sum())}
    mean_spend = float(spend.conditional_expected_average_profit(f[repeat], m[repeat]).mean())
    models["Gamma-Gamma"] = {"fit_s": spend_s, "params": {k: float(v) for k, v in spend.params_.items()},
                             "mean_spend": mean_spend}
    done(models=models)
