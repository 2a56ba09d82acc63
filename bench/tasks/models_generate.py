"""Generate the model benchmark data (project env), saved as .npz.

kinds: "heavy" (a heavy-tailed daily summary: 1% of customers with purchase rates of 0.2-3 a day, some with
1,000+ purchase days; clv_lib.models.simulate.simulate_heavy_tailed), and one per model from its own process with
the published CDNOW estimates (days, alpha and beta x 7; observation lengths uniform on 30..730 days):
"bgnbd" (FHL 2005), "pnbd" (FHL 2005's Pareto/NBD benchmark), "mbgnbd" (BTYDplus' CDNOW estimates), "nbd" (FHL
2005's NBD benchmark), Gamma-Gamma spend from note 025 on the BG/NBD customers, and "bgbb" (FHS 2010 donors, 6
opportunities, as weighted patterns).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

from clv_lib.models import simulate  # noqa: E402

SPEND = (6.25, 3.74, 15.44)
PROCESSES = {
    "bgnbd": lambda n, seed: simulate.simulate_bgnbd(n, 0.243, 4.414 * 7, 0.793, 2.426, spend=SPEND, seed=seed),
    "pnbd": lambda n, seed: simulate.simulate_pareto_nbd(n, 0.553, 10.578 * 7, 0.606, 11.669 * 7, spend=SPEND,
                                                          seed=seed),
    "mbgnbd": lambda n, seed: simulate.simulate_mbgnbd(n, 0.525, 6.183 * 7, 0.891, 1.614, spend=SPEND, seed=seed),
    "nbd": lambda n, seed: simulate.simulate_nbd(n, 0.385, 12.072 * 7, spend=SPEND, seed=seed),
    "heavy": lambda n, seed: simulate.simulate_heavy_tailed(n, seed=seed),
}

if __name__ == "__main__":
    a = args()
    out = Path(a["path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    kind, n, seed = a["kind"], int(a["n"]), int(a.get("seed", 42))
    if kind == "bgbb":
        s = simulate.simulate_bgbb(n, 1.204, 0.750, 0.657, 2.783, 6, seed=seed)
        np.savez(out, **{c: s[c].to_numpy(float) for c in ("frequency", "recency", "n_periods", "weights")})
        done(n=n, distinct_rows=len(s))
    else:
        s = PROCESSES[kind](n, seed)
        cols = {c: s[c].to_numpy(float) for c in ("frequency", "recency", "T")}
        if "monetary_value" in s.columns:
            cols["monetary_value"] = s["monetary_value"].to_numpy(float)
        np.savez(out, **cols)
        done(n=len(s), distinct_rows=int(len(s.drop_duplicates(["frequency", "recency", "T"]))),
             max_frequency=float(s["frequency"].max()), over_1000=int((s["frequency"] >= 1000).sum()))
