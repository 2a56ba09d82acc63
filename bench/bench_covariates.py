"""Covariate model fits (issue 15): clv_lib vs pymc-marketing's MAP fit with static covariates, same data, same run.

Data (bench/tasks/covariates_generate.py): 1,000,000 customers of three acquisition channels, each channel generated
from the model's own process with known effects on the purchase rate and the drop-out (BG/NBD with Gamma-Gamma spend;
Pareto/NBD). Fits: BG/NBD, MBG/NBD and Gamma-Gamma + channel on the BG/NBD customers, Pareto/NBD + channel on the
Pareto/NBD customers; pymc-marketing 0.19.2 (bench/.envs/pymc) fits its BetaGeoModel, ModifiedBetaGeoModel and
ParetoNBDModel with the channel dummies as purchase and drop-out covariates (`purchase_covariate_cols`,
`dropout_covariate_cols`; its GammaGammaModel has no covariates), `fit(method="map")` with flat priors so that its
MAP is the maximum likelihood.

Printed per row: fit and prediction seconds, the peer's time over clv_lib's (ratio), the target of issue 15 (fit
under 10 s on 1M customers), how far clv_lib's estimates are from the generating parameters (`recovered`: the
largest distance in standard errors and the largest relative error; at a million customers the standard errors are
a fraction of a percent, so the simulator's own approximation, at most one purchase a day, can show), and whether the optima agree: clv_lib's log-likelihood at the peer's estimates within 0.5 of its own
maximum (`ll_gap`) and the parameters within 1 %.

Options: BENCH_COVARIATES_N (customers, 1000000), BENCH_COVARIATES_PEERS ("pymc"; "" for clv_lib alone),
BENCH_COVARIATES_TIMEOUT (seconds a peer may take per fit, 1800).
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from harness import DATA, TASKS, run_task, table

CASES = [("bgnbd", ("BG/NBD", "MBG/NBD", "Gamma-Gamma")), ("pnbd", ("Pareto/NBD",))]
PEER_MODELS = {"pymc": {"BG/NBD", "MBG/NBD", "Pareto/NBD"}}
TARGET_S = 10.0


def _truth(kind: str) -> dict:
    spec = importlib.util.spec_from_file_location("covariates_generate", TASKS / "covariates_generate.py")
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.path.insert(0, str(TASKS))
    spec.loader.exec_module(module)
    return module.truth(kind)


def main() -> None:
    n = int(os.environ.get("BENCH_COVARIATES_N", "1000000"))
    peers = [p for p in os.environ.get("BENCH_COVARIATES_PEERS", "pymc").split(",") if p]
    timeout = float(os.environ.get("BENCH_COVARIATES_TIMEOUT", "1800"))
    rows = []
    for kind, models in CASES:
        path = DATA / f"covariates_{kind}_{n}.npz"
        if not path.exists():
            gen = run_task("clv_lib", "covariates_generate", {"kind": kind, "n": n, "path": str(path)})
            if "error" in gen:
                print(f"[bench] generating {kind} ({n} customers) failed: {gen['error']}")
                continue
            print(f"[bench] {kind}: {n:,} customers in three channels, {gen['repeat_buyers']:,} repeat buyers",
                  flush=True)
        for model in models:
            ours = run_task("clv_lib", "covariates_clv_lib", {"path": str(path), "model": model}, timeout=timeout)
            rows.append(_ours(kind, n, model, ours))
            for peer in peers:
                if model not in PEER_MODELS.get(peer, set()):
                    continue
                try:
                    result = run_task(peer, f"covariates_{peer}", {"path": str(path), "model": model},
                                      timeout=timeout)
                except Exception as exc:  # a peer that cannot be installed or times out is reported, not fatal
                    result = {"error": f"{type(exc).__name__}: {exc}"[:160]}
                rows.append(_peer(kind, n, model, peer, result, ours, path, timeout))
            for peer in peers:
                if model not in PEER_MODELS.get(peer, set()):
                    rows.append({"case": f"own process ({kind})", "customers": n, "model": f"{model} + channel",
                                 "library": peer, "note": "pymc-marketing 0.19.2: no covariates in this model"})
    print(table(rows, ["case", "customers", "model", "library", "fit_s", "fit_ratio", "fit_target", "predict_s",
                       "predict_ratio", "peak_rss_mb", "recovered", "ll_gap", "optimum_agrees", "note"]))


def _ours(kind: str, n: int, model: str, result: dict) -> dict:
    row = {"case": f"own process ({kind})", "customers": n, "model": f"{model} + channel", "library": "clv_lib"}
    if "error" in result:
        row["note"] = result["error"][:160]
        return row
    row.update({k: result.get(k) for k in ("fit_s", "predict_s", "peak_rss_mb")})
    row["fit_target"] = f"< {TARGET_S:g} s: {'met' if result['fit_s'] < TARGET_S else 'MISSED'}"
    truth = _truth(kind)
    if model == "Gamma-Gamma":
        p, q, v = 6.25, 3.74, 15.44
        truth = {"p": p, "q": q, "v": v, "spend[channel=search]": 1.5, "spend[channel=email]": 0.75}
    elif model == "MBG/NBD":
        row["recovered"] = "- (BG/NBD data)"
        return row
    z = {k: abs(np.log(result["params"][k] / truth[k])) / result["log_se"][k] for k in result["params"]}
    error = max(abs(result["params"][k] / truth[k] - 1) for k in result["params"])
    worst = max(z, key=z.get)
    row["recovered"] = f"max |z| {z[worst]:.1f} ({worst}), max error {error:.1%}"
    return row


def _peer(kind, n, model, peer, result, ours, path, timeout) -> dict:
    row = {"case": f"own process ({kind})", "customers": n, "model": f"{model} + channel", "library": peer}
    if "error" in result:
        row["note"] = result["error"][:160]
        if "Timeout" in result["error"]:
            row["note"] = f"no fit within {timeout:g} s"
        return row
    row.update({k: result.get(k) for k in ("fit_s", "predict_s", "peak_rss_mb", "note")})
    if "error" in ours or not ours.get("fit_s"):
        return row
    row["fit_ratio"] = result["fit_s"] / ours["fit_s"]
    if result.get("predict_s") and ours.get("predict_s"):
        row["predict_ratio"] = result["predict_s"] / ours["predict_s"]
    params, mine = result["params"], ours["params"]
    if set(mine) <= set(params):
        rel = max(abs(params[k] / mine[k] - 1) for k in mine)
        check = run_task("clv_lib", "covariates_clv_lib", {"path": str(path), "model": model, "at": params})
        if "error" not in check:
            gap = check["log_likelihood_own"] - check["log_likelihood_at"]
            row["ll_gap"] = gap
            row["optimum_agrees"] = "yes" if rel < 0.01 and gap < 0.5 else f"no (params {rel:.1%} apart)"
    return row


if __name__ == "__main__":
    main()
