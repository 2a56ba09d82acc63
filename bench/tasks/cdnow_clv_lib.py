"""clv_lib on the CDNOW calibration summary (bench/data, written by cdnow_summary): BG/NBD, Pareto/NBD, MBG/NBD
and Gamma-Gamma fit seconds and parameters, per-customer holdout predictions, the paper's example customer,
the mean conditional spend and the 12-month CLV total (in lifetimes' convention and in clv_lib's own)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "tasks"))
sys.path.insert(0, str(ROOT))
from _common import args, done, fastest  # noqa: E402

from clv_lib.models import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel, ParetoNBDModel, TimeUnit  # noqa: E402
from clv_lib.value.clv import customer_clv  # noqa: E402


if __name__ == "__main__":
    a = args()
    data = pd.read_csv(a["path"], index_col="customer_id", dtype={"customer_id": str})
    cal = pd.DataFrame({"frequency": data["frequency_cal"], "recency": data["recency_cal"], "T": data["T_cal"],
                        "monetary_value": data["monetary_value_cal"]})
    example = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    repeat = cal[(cal["frequency"] > 0) & (cal["monetary_value"] > 0)]
    spend, spend_s = fastest(lambda: GammaGammaModel().fit(repeat))
    # lifetimes' month is 4.345 weeks; clv_lib's is 365.25 / 12 / 7 = 4.348 weeks.
    lifetimes_month = TimeUnit("weeks (lifetimes month)", 4.345)
    models = {}
    for name, cls in (("BG/NBD", BetaGeoModel), ("Pareto/NBD", ParetoNBDModel), ("MBG/NBD", ModifiedBetaGeoModel)):
        model, fit_s = fastest(lambda: cls().fit(cal))
        same = customer_clv(cal, model, spend, time_unit=lifetimes_month, horizons_months=(12,),
                            annual_discount_rate=a["annual_discount_rate"], margin=a["margin"])
        native = customer_clv(cal, model, spend, time_unit="weeks", horizons_months=(12,),
                              annual_discount_rate=a["annual_discount_rate"], margin=a["margin"])
        models[name] = {"fit_s": fit_s, "params": model.params_,
                        "holdout": model.expected_purchases(cal, a["holdout_weeks"]).tolist(),
                        "example": float(model.expected_purchases(example, a["holdout_weeks"]).iloc[0]),
                        "clv_12m": float(same["clv_12m"].sum()), "clv_12m_native": float(native["clv_12m"].sum())}
    models["Gamma-Gamma"] = {"fit_s": spend_s, "params": spend.params_,
                             "mean_spend": float(spend.expected_spend(repeat).mean())}
    done(models=models)
