"""Build the CDNOW calibration/holdout summary once with clv_lib and write it for every library of bench_cdnow.

Fader, Hardie & Lee (2005): the 2,357 customers of the 1/10 sample (data/cdnow/CDNOW_sample.txt), calibration
to 1997-09-30, holdout to 1998-06-30, in weeks. Same-day purchases are one purchase (clv_lib's default grain).
Also reports how many rows match the paper's published calibration summary (tests/data).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "tasks"))
sys.path.insert(0, str(ROOT))
from _common import args, done  # noqa: E402

from clv_lib.summary import calibration_holdout_summary  # noqa: E402

if __name__ == "__main__":
    a = args()
    raw = pd.read_csv(ROOT / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"customer_id": str})
    orders = pd.DataFrame({"customer_id": raw["customer_id"],
                           "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                           "amount": raw["amount"].astype(float)})
    out = calibration_holdout_summary(orders, "1997-09-30", "1998-06-30", time_unit="W")
    out = out.sort_index(key=lambda ids: ids.astype(int))
    out.to_csv(a["path"])
    paper = pd.read_csv(ROOT / "tests" / "data" / "cdnow_customers_summary.csv", index_col="ID")
    mine = out.set_axis(out.index.astype(int)).reindex(paper.index)  # the file's ids are zero-padded
    same = ((mine["frequency_cal"] == paper["frequency"]) & (np.abs(mine["recency_cal"] - paper["recency"]) < 0.006)
            & (np.abs(mine["T_cal"] - paper["T"]) < 0.006))
    holdout = int((orders["order_date"] > "1997-09-30").sum())
    done(customers=len(out), holdout_records=holdout, match_paper=int(same.sum()), paper_customers=len(paper))
