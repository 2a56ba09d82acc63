"""clv_lib's covariate models on a covariate benchmark file (bench/tasks/covariates_generate.py): fit seconds
(fastest of up to 3 runs), prediction seconds (P(alive) and 12-month expected purchases of every customer, or the
expected spend for the Gamma-Gamma), the parameters, the log-likelihood and the standard errors of the log-
parameters. `model`: BG/NBD, Pareto/NBD, MBG/NBD or Gamma-Gamma (each "+ channel").

With `at` (another library's estimates in clv_lib's names): fit once and report clv_lib's log-likelihood at those
estimates beside its own maximum (`log_likelihood_at`), the check that two optimisers found the same optimum."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done, fastest  # noqa: E402
from covariates_generate import CHANNELS  # noqa: E402

from clv_lib.models.bgnbd_covariates import BetaGeoCovariateModel  # noqa: E402
from clv_lib.models.gamma_gamma_covariates import GammaGammaCovariateModel  # noqa: E402
from clv_lib.models.mbgnbd_covariates import ModifiedBetaGeoCovariateModel  # noqa: E402
from clv_lib.models.pareto_nbd_covariates import ParetoNBDCovariateModel  # noqa: E402

MODELS = {"BG/NBD": BetaGeoCovariateModel, "Pareto/NBD": ParetoNBDCovariateModel,
          "MBG/NBD": ModifiedBetaGeoCovariateModel, "Gamma-Gamma": GammaGammaCovariateModel}

if __name__ == "__main__":
    a = args()
    data = dict(np.load(a["path"]))
    frame = pd.DataFrame({k: data[k] for k in ("frequency", "recency", "T")})
    frame["channel"] = pd.Categorical.from_codes(data["channel"], CHANNELS)
    if "monetary_value" in data:
        frame["monetary_value"] = data["monetary_value"]
    cls = MODELS[a["model"]]
    if a.get("at"):
        model = cls(["channel"]).fit(frame)
        codes, Z, _ = model.design_.encode(frame)
        cols = {c: frame[c].to_numpy(float) for c in ("frequency", "recency", "T")}
        chain = model._chain(model.base_model(), cols, codes, np.ones(len(frame)), Z)
        theta = np.log([a["at"][n] for n in model.param_names])
        own = np.log([model.params_[n] for n in model.param_names])
        done(log_likelihood=model.log_likelihood_, log_likelihood_own=-float(chain(own)[0]),
             log_likelihood_at=-float(chain(theta)[0]))
        raise SystemExit(0)
    model, fit_s = fastest(lambda: cls(["channel"]).fit(frame))
    start = time.perf_counter()
    if a["model"] == "Gamma-Gamma":
        model.expected_spend(frame)
    else:
        p_alive = model.probability_alive(frame)
        model.expected_purchases(frame, 365.25, p_alive=p_alive)
    predict_s = time.perf_counter() - start
    se = np.sqrt(np.diag(model.log_param_covariance_))
    done(fit_s=fit_s, predict_s=predict_s, params=model.params_, log_likelihood=model.log_likelihood_,
         log_se=dict(zip(model.param_names, se.tolist())))
