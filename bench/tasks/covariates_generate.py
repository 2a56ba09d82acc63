"""Generate the covariate benchmark data (project env), saved as .npz: customers of three acquisition channels
(social 50 %, search 30 %, email 20 %), each channel simulated from the model's own process with its own
parameters, so that the channel effects are known (clv_lib.models.simulate.simulate_groups; days, observation
lengths uniform on 30..730 days).

kinds: "bgnbd" (baseline the CDNOW estimates of FHL 2005 in days: r 0.243, alpha 30.9, a 0.793, b 2.426; search
buys 1.5x as often with a x 0.7, b x 1.3; email 2x, a x 1.2, b x 0.8; Gamma-Gamma spend of note 025, v x 1.5 for
search and x 0.75 for email) and "pnbd" (baseline the Pareto/NBD CDNOW estimates in days: r 0.553, alpha 74.0,
s 0.606, beta 81.7; search buys 1.5x as often and drops out 0.7x as fast; email 2x and 1.4x).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import args, done  # noqa: E402

from clv_lib.models import simulate  # noqa: E402

CHANNELS = ("social", "search", "email")
SHARES = (0.5, 0.3, 0.2)
SPEND = (6.25, 3.74, 15.44)
BG = {"social": (0.243, 30.9, 0.793, 2.426), "search": (0.243, 30.9 / 1.5, 0.793 * 0.7, 2.426 * 1.3),
      "email": (0.243, 30.9 / 2.0, 0.793 * 1.2, 2.426 * 0.8)}
SPEND_V = {"social": SPEND[2], "search": SPEND[2] * 1.5, "email": SPEND[2] * 0.75}
PNBD = {"social": (0.553, 74.0, 0.606, 81.7), "search": (0.553, 74.0 / 1.5, 0.606, 81.7 / 0.7),
        "email": (0.553, 74.0 / 2.0, 0.606, 81.7 / 1.4)}


def truth(kind: str) -> dict:
    """The generating parameters in clv_lib's names (baseline social; multipliers of the other channels)."""
    if kind == "bgnbd":
        r, alpha, a, b = BG["social"]
        out = {"r": r, "alpha": alpha, "a": a, "b": b}
        for c in CHANNELS[1:]:
            out.update({f"purchase[channel={c}]": alpha / BG[c][1], f"a[channel={c}]": BG[c][2] / a,
                        f"b[channel={c}]": BG[c][3] / b})
        return out
    r, alpha, s, beta = PNBD["social"]
    out = {"r": r, "alpha": alpha, "s": s, "beta": beta}
    for c in CHANNELS[1:]:
        out.update({f"purchase[channel={c}]": alpha / PNBD[c][1], f"dropout[channel={c}]": beta / PNBD[c][3]})
    return out


if __name__ == "__main__":
    a = args()
    out = Path(a["path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    kind, n, seed = a["kind"], int(a["n"]), int(a.get("seed", 42))
    sizes = {c: int(round(n * s)) for c, s in zip(CHANNELS, SHARES)}
    if kind == "bgnbd":
        params = {c: dict(zip(("r", "alpha", "a", "b"), BG[c]), spend=(SPEND[0], SPEND[1], SPEND_V[c]))
                  for c in CHANNELS}
        s = simulate.simulate_groups(simulate.simulate_bgnbd, params, sizes, seed=seed)
    else:
        params = {c: dict(zip(("r", "alpha", "s", "beta"), PNBD[c])) for c in CHANNELS}
        s = simulate.simulate_groups(simulate.simulate_pareto_nbd, params, sizes, seed=seed)
    cols = {c: s[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    if "monetary_value" in s.columns:
        cols["monetary_value"] = s["monetary_value"].to_numpy(float)
    cols["channel"] = s["channel"].map({c: i for i, c in enumerate(CHANNELS)}).to_numpy(np.int8)
    np.savez(out, **cols)
    done(n=len(s), repeat_buyers=int((s["frequency"] > 0).sum()))
