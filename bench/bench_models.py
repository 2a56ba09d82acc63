"""Model fits and predictions: clv_lib vs lifetimes (and pymc-marketing for the BG/NBD), same data, same run.

Cases (bench/tasks/models_generate.py), each library in its own environment (bench/harness.py:PEERS):
- a heavy-tailed daily summary of 300,000 customers (some with 1,000+ purchase days): BG/NBD, Pareto/NBD,
  MBG/NBD and NBD fits;
- 1,000,000 customers generated from each model's own process (BG/NBD, Pareto/NBD, MBG/NBD, NBD; Gamma-Gamma
  spend of the BG/NBD customers; BG/BB donors as weighted patterns): every fit;
- for the transaction models, P(alive), 12-month expected purchases and discounted 24-month purchases of every
  customer (`predict_s`; lifetimes: the same three through conditional_probability_alive,
  conditional_expected_number_of_purchases_up_to_time and customer_lifetime_value).

Printed per row: seconds, the peer's time over clv_lib's (ratio), the target of issue 12 (fit under 10 s for the
heavy-tailed Pareto/NBD, under 5 s for every other fit, predictions under 1 s) and whether the optima agree:
parameters within 1% and clv_lib's log-likelihood at the peer's parameters within 0.5 of its own maximum.

Options: BENCH_MODELS_HEAVY (customers of the heavy-tailed case, 300000), BENCH_MODELS_N (customers per model
process, 1000000), BENCH_MODELS_PEERS ("lifetimes,pymc"; "" for clv_lib alone), BENCH_MODELS_TIMEOUT (seconds a
peer may take per task, 900).
"""

from __future__ import annotations

import os

import numpy as np

from harness import DATA, run_task, table

CASES = [  # (case, generator kind, size variable, models)
    ("heavy-tailed", "heavy", "heavy", ("BG/NBD", "Pareto/NBD", "MBG/NBD", "NBD")),
    ("own process", "bgnbd", "n", ("BG/NBD", "Gamma-Gamma")),
    ("own process", "pnbd", "n", ("Pareto/NBD",)),
    ("own process", "mbgnbd", "n", ("MBG/NBD",)),
    ("own process", "nbd", "n", ("NBD",)),
    ("own process", "bgbb", "n", ("BG/BB",)),
]
PEER_MODELS = {"lifetimes": {"BG/NBD", "Pareto/NBD", "MBG/NBD", "Gamma-Gamma", "BG/BB"}, "pymc": {"BG/NBD"}}
TRANSACTION = {"BG/NBD", "Pareto/NBD", "MBG/NBD", "NBD"}


def main() -> None:
    sizes = {"heavy": int(os.environ.get("BENCH_MODELS_HEAVY", "300000")),
             "n": int(os.environ.get("BENCH_MODELS_N", "1000000"))}
    peers = [p for p in os.environ.get("BENCH_MODELS_PEERS", "lifetimes,pymc").split(",") if p]
    timeout = float(os.environ.get("BENCH_MODELS_TIMEOUT", "900"))
    rows = []
    for case, kind, size_key, models in CASES:
        n = sizes[size_key]
        path = DATA / f"models_{kind}_{n}.npz"
        if not path.exists():
            gen = run_task("clv_lib", "models_generate", {"kind": kind, "n": n, "path": str(path)})
            if "error" in gen:
                print(f"[bench] generating {kind} ({n} customers) failed: {gen['error']}")
                continue
            print(f"[bench] {kind}: {n:,} customers, {gen.get('distinct_rows', 0):,} distinct patterns"
                  + (f", {gen['over_1000']} with 1,000+ purchase days" if gen.get("over_1000") else ""), flush=True)
        for model in models:
            ours = run_task("clv_lib", "models_clv_lib", {"path": str(path), "model": model}, timeout=timeout)
            rows.append(_row(case, kind, n, model, "clv_lib", ours, ours, path))
            for peer in peers:
                if model not in PEER_MODELS.get(peer, set()) or (peer == "pymc" and kind != "bgnbd"):
                    continue
                task = {"lifetimes": "models_lifetimes", "pymc": "models_pymc"}[peer]
                try:
                    result = run_task(peer, task, {"path": str(path), "model": model}, timeout=timeout)
                except Exception as exc:  # a peer that cannot be installed or times out is reported, not fatal
                    result = {"error": f"{type(exc).__name__}: {exc}"[:120]}
                rows.append(_row(case, kind, n, model, peer, result, ours, path))
    print(table(rows, ["case", "customers", "model", "library", "fit_s", "fit_ratio", "fit_target", "predict_s",
                       "predict_ratio", "peak_rss_mb", "ll_gap", "optimum_agrees", "note"]))


def _row(case: str, kind: str, n: int, model: str, library: str, result: dict, ours: dict, path) -> dict:
    row = {"case": f"{case} ({kind})", "customers": n, "model": model, "library": library}
    if "error" in result:
        row["note"] = result["error"][:120]
        return row
    row.update({k: result.get(k) for k in ("fit_s", "predict_s", "peak_rss_mb", "note")})
    if library == "clv_lib":
        limit = 10.0 if (kind == "heavy" and model == "Pareto/NBD") else 5.0
        row["fit_target"] = f"< {limit:g} s: {'met' if result['fit_s'] < limit else 'MISSED'}"
        if model in TRANSACTION and result.get("predict_s") is not None and kind != "heavy":
            row["note"] = f"predictions < 1 s: {'met' if result['predict_s'] < 1.0 else 'MISSED'}"
        return row
    if "error" in ours or not ours.get("fit_s"):
        return row
    row["fit_ratio"] = result["fit_s"] / ours["fit_s"]
    if result.get("predict_s") and ours.get("predict_s"):
        row["predict_ratio"] = result["predict_s"] / ours["predict_s"]
    params, mine = result.get("params", {}), ours["params"]
    if set(mine) <= set(params):
        rel = max(abs(params[k] / mine[k] - 1) for k in mine)
        gap = ours["log_likelihood"] - _log_likelihood(model, path, params)
        row["ll_gap"] = gap
        row["optimum_agrees"] = "yes" if rel < 0.01 and gap < 0.5 else f"no (params {rel:.1%} apart)"
    return row


def _log_likelihood(model: str, path, params: dict) -> float:
    """clv_lib's log-likelihood of the benchmark data at another library's parameters."""
    from clv_lib.models import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel, NBDModel, ParetoNBDModel
    from clv_lib.models.base import collapse
    from clv_lib.models.bgbb import log_likelihood as bgbb_log_likelihood

    data = dict(np.load(path))
    if model == "BG/BB":
        keys = ("alpha", "beta", "gamma", "delta")
        ll = bgbb_log_likelihood(*(params[k] for k in keys), data["frequency"], data["recency"], data["n_periods"])
        return float(data["weights"] @ ll)
    if model == "Gamma-Gamma":
        keep = (data["frequency"] > 0) & (data["monetary_value"] > 0)
        objective = GammaGammaModel._objective(data["frequency"][keep], data["monetary_value"][keep],
                                               np.ones(int(keep.sum())))
        return -objective(np.log([params[k] for k in ("p", "q", "v")]))[0]
    classes = {"BG/NBD": BetaGeoModel, "Pareto/NBD": ParetoNBDModel, "MBG/NBD": ModifiedBetaGeoModel, "NBD": NBDModel}
    cls = classes[model]
    rows, w = collapse({k: data[k] for k in ("frequency", "recency", "T")}, np.ones(len(data["T"])))
    objective = cls()._objective(rows["frequency"], rows["recency"], rows["T"], w)
    return -objective(np.log([params[k] for k in cls.param_names]))[0]


if __name__ == "__main__":
    main()
