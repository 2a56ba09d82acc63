"""BG/NBD fit and prediction speed: clv_lib vs lifetimes (BetaGeoFitter) vs pymc-marketing (BetaGeoModel, MAP).

Same generated daily summaries (100k and 1M customers, bench/tasks/models_generate.py), same run, each library
in its own environment (bench/harness.py:PEERS). Prints seconds, the ratio to clv_lib, and whether each
library's optimum agrees with clv_lib's: parameters within 1% and the log-likelihood at the peer's parameters
within 0.5 of clv_lib's maximum (evaluated with clv_lib's likelihood). Targets (issue 4, 2-core machine):
1M-customer fit <= 3 s and >= 10x faster than lifetimes; predictions for 1M customers < 1 s.

Options via BENCH_MODELS_SIZES (comma-separated, default "100000,1000000") and BENCH_MODELS_PEERS (default
"lifetimes,pymc").
"""

from __future__ import annotations

import os

import numpy as np

from harness import DATA, run_task, table

TIMEOUT_S = 1800


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_MODELS_SIZES", "100000,1000000").split(",") if s]
    peers = [p for p in os.environ.get("BENCH_MODELS_PEERS", "lifetimes,pymc").split(",") if p]
    rows = []
    for n in sizes:
        path = DATA / f"models_bgnbd_{n}.npz"
        if not path.exists():
            gen = run_task("clv_lib", "models_generate", {"n": n, "path": str(path)})
            if "error" in gen:
                print(f"[bench] generating {n} customers failed: {gen['error']}")
                continue
        ours = run_task("clv_lib", "models_clv_lib", {"path": str(path)}, timeout=TIMEOUT_S)
        rows.append(_row(n, "clv_lib", ours, ours, path))
        for peer in peers:
            task = {"lifetimes": "models_lifetimes", "pymc": "models_pymc"}[peer]
            try:
                result = run_task(peer, task, {"path": str(path)}, timeout=TIMEOUT_S)
            except Exception as exc:  # a peer that cannot be installed or times out is reported, not fatal
                result = {"error": f"{type(exc).__name__}: {exc}"}
            rows.append(_row(n, peer, result, ours, path))
    print(table(rows, ["customers", "library", "fit_s", "fit_ratio", "predict_s", "predict_ratio", "peak_rss_mb",
                       "r", "alpha", "a", "b", "ll_gap", "optimum_agrees", "note"]))


def _row(n: int, library: str, result: dict, ours: dict, path) -> dict:
    row = {"customers": n, "library": library}
    if "error" in result:
        row["note"] = result["error"][:120]
        return row
    row.update({k: result.get(k) for k in ("fit_s", "predict_s", "peak_rss_mb", "note")})
    params = result.get("params", {})
    row.update({k: params.get(k) for k in ("r", "alpha", "a", "b")})
    if "error" not in ours and ours.get("fit_s"):
        row["fit_ratio"] = result["fit_s"] / ours["fit_s"]
        row["predict_ratio"] = result["predict_s"] / ours["predict_s"]
        mine = ours["params"]
        rel = max(abs(params[k] / mine[k] - 1) for k in ("r", "alpha", "a", "b"))
        gap = ours["log_likelihood"] - _log_likelihood(path, params)
        row["ll_gap"] = gap
        row["optimum_agrees"] = "yes" if rel < 0.01 and gap < 0.5 else f"no (params {rel:.1%} apart)"
    return row


def _log_likelihood(path, params: dict) -> float:
    """clv_lib's BG/NBD log-likelihood of the benchmark data at another library's parameters."""
    from clv_lib.models import BetaGeoModel
    from clv_lib.models.base import collapse

    data = np.load(path)
    rows, w = collapse({k: data[k].astype(float) for k in ("frequency", "recency", "T")}, np.ones(len(data["T"])))
    objective = BetaGeoModel()._objective(rows["frequency"], rows["recency"], rows["T"], w)
    return -objective(np.log([params[k] for k in ("r", "alpha", "a", "b")]))[0]


if __name__ == "__main__":
    main()
