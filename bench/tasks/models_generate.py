"""Generate the BG/NBD benchmark summaries (project env): daily summaries of n customers, saved as .npz.

Parameters are the CDNOW BG/NBD estimates of FHL (2005) converted to days (alpha x 7), observation lengths
uniform on 30..730 days, Gamma-Gamma spend with note 025's parameters; recency and T in whole days.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import args, done  # noqa: E402

from clv_lib.models.simulate import simulate_bgnbd  # noqa: E402

PARAMS = dict(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)
SPEND = (6.25, 3.74, 15.44)

if __name__ == "__main__":
    a = args()
    out = Path(a["path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    s = simulate_bgnbd(int(a["n"]), **PARAMS, T=(30, 730), spend=SPEND, seed=int(a.get("seed", 42)))
    np.savez(out, frequency=s["frequency"].to_numpy(), recency=s["recency"].to_numpy(), T=s["T"].to_numpy(),
             monetary_value=s["monetary_value"].to_numpy())
    done(n=len(s), distinct_rows=int(len(s.drop_duplicates(["frequency", "recency", "T"]))))
