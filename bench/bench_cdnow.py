"""The real CDNOW data through clv_lib, lifetimes and pymc-marketing in one run: same summary, only the models differ.

Data: the CDNOW 1/10 sample (data/cdnow/CDNOW_sample.txt, 2,357 customers), calibration to 1997-09-30 and
holdout to 1998-06-30 (39 weeks), in weeks, as in Fader, Hardie & Lee (2005). clv_lib's
`calibration_holdout_summary` builds the summary once (bench/data/cdnow_summary.csv; it is checked against the
paper's published calibration summary in tests/data) and every library fits that same file, each in its own
environment (bench/harness.py:PEERS): BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma where the peer has the model
(lifetimes fitters with their defaults; pymc-marketing fit(method="map") with flat priors, so MAP = MLE).

Measures, per library and model: fit seconds and their ratio to clv_lib's (pymc-marketing's include building
and compiling its model); the parameters; the log-likelihood evaluated with clv_lib's own likelihood at each
library's parameters, and its gap below clv_lib's maximum; holdout accuracy (predicted repeat purchases of every
customer in the 39 holdout weeks, summed and against the actual count, and the per-customer mean absolute
error); the expected purchases in 39 weeks of the paper's example customer (x = 2, t_x = 30.43, T = 38.86;
paper 1.226 for BG/NBD); for Gamma-Gamma the mean conditional expected spend of the repeat buyers; and the
12-month CLV total of all customers (transaction model x that library's Gamma-Gamma). "agrees" means every
parameter within 1% of clv_lib's and the log-likelihood at the peer's parameters at most 0.01 below clv_lib's
maximum. Published values (the "paper" rows) are shown for reference. Timings are indicative only.

Options: BENCH_CDNOW_PEERS (default "lifetimes,pymc").
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from harness import DATA, run_task, table

TIMEOUT_S = 1800
HOLDOUT_WEEKS = 39.0
ANNUAL_DISCOUNT_RATE = 0.10
MARGIN = 1.0  # revenue CLV: neither peer takes a margin (CLV is linear in it)
TASKS = {"clv_lib": "cdnow_clv_lib", "lifetimes": "cdnow_lifetimes", "pymc": "cdnow_pymc"}
TRANSACTION_MODELS = ("BG/NBD", "Pareto/NBD", "MBG/NBD")
# Published estimates on this calibration summary (weeks): Fader, Hardie & Lee (2005), "Counting Your Customers
# the Easy Way", Marketing Science 24(2), section 4 (BG/NBD, and their Pareto/NBD benchmark); Fader & Hardie
# (2013), note 025 "The Gamma-Gamma Model of Monetary Value", p. 4. No CDNOW estimates are published for MBG/NBD.
PAPER = {
    "BG/NBD": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "LL -9582.4"),
    "Pareto/NBD": ({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, "LL -9595.0"),
    "Gamma-Gamma": ({"p": 6.25, "q": 3.74, "v": 15.44}, "FH note 025"),
}


def main() -> None:
    peers = [p for p in os.environ.get("BENCH_CDNOW_PEERS", "lifetimes,pymc").split(",") if p]
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "cdnow_summary.csv"
    built = run_task("clv_lib", "cdnow_summary", {"path": str(path)})
    if "error" in built:
        print(f"[bench] building the CDNOW summary failed: {built['error']}")
        return
    payload = {"path": str(path), "holdout_weeks": HOLDOUT_WEEKS, "annual_discount_rate": ANNUAL_DISCOUNT_RATE,
               "margin": MARGIN}
    results = {}
    for library in ["clv_lib", *peers]:
        try:
            results[library] = run_task(library, TASKS[library], payload, timeout=TIMEOUT_S)
        except Exception as exc:  # a peer that cannot be installed or times out is reported, not fatal
            results[library] = {"error": f"{type(exc).__name__}: {exc}"}
    summary = pd.read_csv(path, index_col="customer_id", dtype={"customer_id": str})
    actual = summary["frequency_holdout"].to_numpy()
    ours = results["clv_lib"].get("models", {})
    rows, spend_rows, gaps = [], [], []
    for model in (*TRANSACTION_MODELS, "Gamma-Gamma"):
        for library, result in results.items():
            fitted = result.get("models", {}).get(model)
            if "error" in result or fitted is None:
                if "error" in result:
                    (spend_rows if model == "Gamma-Gamma" else rows).append(
                        {"model": model, "library": library, "note": result["error"][:120]})
                continue
            row = _row(model, library, fitted, ours.get(model), summary)
            if library != "clv_lib" and row.get("ll_gap") is not None:
                gaps.append((abs(row["ll_gap"]), f"{library} {model}"))
            if model == "Gamma-Gamma":
                row["mean_spend"] = fitted["mean_spend"]
                spend_rows.append(row)
            else:
                pred = np.asarray(fitted["holdout"])
                row.update(holdout_pred=float(pred.sum()), holdout_actual=float(actual.sum()),
                           holdout_mae=float(np.abs(pred - actual).mean()), example_39w=f"{fitted['example']:.4f}",
                           clv_12m=fitted["clv_12m"])
                if library == "clv_lib":
                    row["note"] = f"clv_lib's own month (365.25/12 days): CLV {fitted['clv_12m_native']:,.0f}"
                rows.append(row)
        if model in PAPER:
            params, note = PAPER[model]
            paper = _row(model, "paper", {"params": params}, ours.get(model), summary)
            paper.update(agrees=None, note=note, example_39w="1.226" if model == "BG/NBD" else None)
            (spend_rows if model == "Gamma-Gamma" else rows).append(paper)
    print(f"CDNOW summary: {built['customers']} customers, calibration 1997-01-01..1997-09-30, holdout 39 weeks to "
          f"1998-06-30; {built['match_paper']} of {built['paper_customers']} rows equal the paper's published "
          f"calibration summary.\n")
    print(table(rows, ["model", "library", "fit_s", "fit_ratio", "params", "log_lik", "ll_gap", "agrees",
                       "holdout_pred", "holdout_actual", "holdout_mae", "example_39w", "clv_12m", "note"]))
    print()
    print(table(spend_rows, ["model", "library", "fit_s", "fit_ratio", "params", "log_lik", "ll_gap", "agrees",
                             "mean_spend", "note"]))
    worst = max(gaps) if gaps else None
    print(f"\nNotes: log_lik is clv_lib's log-likelihood at each library's parameters on the same summary; largest "
          f"|gap| between clv_lib's maximum and a peer's optimum (ll_gap > 0: the peer's is lower): "
          + (f"{worst[0]:.2g} ({worst[1]})." if worst else "n/a.")
          + f"\nholdout_pred: sum over customers of the expected repeat purchases in the {HOLDOUT_WEEKS:g} holdout "
          "weeks given the calibration history; holdout_actual: purchase days in the holdout (same-day records are one "
          f"purchase, as in calibration: {int(actual.sum()):,} days from {built['holdout_records']:,} records); "
          "holdout_mae: mean |predicted - actual| per customer."
          f"\nclv_12m: total over all customers, revenue (margin {MARGIN:g}), 12 monthly steps of 4.345 weeks "
          f"discounted at the monthly rate (1 + {ANNUAL_DISCOUNT_RATE:g})^(1/12) - 1 (lifetimes' "
          "customer_lifetime_value(freq=\"W\") convention, used by every library here; clv_lib's own month is "
          "4.348 weeks, its total in the note); spend from each library's Gamma-Gamma."
          "\nmean_spend: mean conditional expected spend per purchase of the repeat buyers, dollars."
          "\nfit_s: fastest of up to 3 fits within 5 s (pymc-marketing's include building and compiling the model). "
          "Timings are indicative only: the machine is shared with other jobs.")


def _row(model: str, library: str, fitted: dict, ours: dict | None, summary: pd.DataFrame) -> dict:
    """One table row: fit time, parameters, clv_lib's log-likelihood at them and the agreement with clv_lib."""
    params = fitted["params"]
    ll = _log_likelihood(model, params, summary)
    row = {"model": model, "library": library, "fit_s": fitted.get("fit_s"),
           "params": " ".join(f"{k}={v:.4g}" for k, v in params.items()), "log_lik": f"{ll:.3f}"}
    if ours is None:
        return row
    if fitted.get("fit_s") is not None:
        row["fit_ratio"] = fitted["fit_s"] / ours["fit_s"]
    best = _log_likelihood(model, ours["params"], summary)
    row["ll_gap"] = best - ll if library != "clv_lib" else None  # > 0: below clv_lib's maximum
    if library not in ("clv_lib", "paper"):
        rel = max(abs(params[k] / ours["params"][k] - 1) for k in ours["params"])
        row["agrees"] = "yes" if rel < 0.01 and best - ll <= 0.01 else f"no (params {rel:.1%} apart)"
    return row


def _log_likelihood(model: str, params: dict, summary: pd.DataFrame) -> float:
    """clv_lib's log-likelihood of the CDNOW calibration summary at the given parameters of `model`."""
    from clv_lib.models import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel, ParetoNBDModel
    from clv_lib.models.base import collapse

    if model == "Gamma-Gamma":
        repeat = summary[(summary["frequency_cal"] > 0) & (summary["monetary_value_cal"] > 0)]
        rows, w = collapse({"x": repeat["frequency_cal"].to_numpy(float),
                            "z": repeat["monetary_value_cal"].to_numpy(float)}, np.ones(len(repeat)))
        objective = GammaGammaModel._objective(rows["x"], rows["z"], w)
        names = GammaGammaModel.param_names
    else:
        cls = {"BG/NBD": BetaGeoModel, "Pareto/NBD": ParetoNBDModel, "MBG/NBD": ModifiedBetaGeoModel}[model]
        rows, w = collapse({k: summary[f"{k}_cal"].to_numpy(float) for k in ("frequency", "recency", "T")},
                           np.ones(len(summary)))
        objective = cls()._objective(rows["frequency"], rows["recency"], rows["T"], w)
        names = cls.param_names
    return -float(objective(np.log([params[k] for k in names]))[0])


if __name__ == "__main__":
    main()
