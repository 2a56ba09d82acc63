"""bench task: what recurring reports add to a report, on a transaction log (Parquet), in days.

Times, best of N: the report's own RFM summary (the reference), its kept forecast (24 monthly points per customer
from a fitted BG/NBD and Gamma-Gamma), writing that forecast (CSV, or Parquet from 50,000 customers), and, per
earlier report a later report checks, the calibration/holdout split at the earlier cut-off plus the fingerprint
of that past (what `clv_lib.report.earlier` runs for each earlier report).
"""

import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import args, done

from clv_lib.insights.track_record import order_entry, past_fingerprint
from clv_lib.models import BetaGeoModel, GammaGammaModel
from clv_lib.report.earlier import _order_past
from clv_lib.report.forecast_file import save_forecast
from clv_lib.summary import calibration_holdout_summary, rfm_summary
from clv_lib.value.clv import estimate_clv
from clv_lib.value.forecast import order_forecast


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        begin = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - begin)
    return min(times), out


a = args()
repeat = a.get("repeat", 3)
frame = pd.read_parquet(a["path"])
end, earlier = pd.Timestamp(a["end"]), pd.Timestamp(a["earlier"])
summary_s, summary = best(lambda: rfm_summary(frame, observation_end=earlier, time_unit="D"), repeat)
result = estimate_clv(summary, BetaGeoModel(), time_unit="D", horizons_months=(12, 24),
                      spend_model=GammaGammaModel())
forecast_s, forecast = best(lambda: order_forecast(summary, result, time_unit="D", horizon_months=24), repeat)
with tempfile.TemporaryDirectory() as folder:
    write_s, name = best(lambda: save_forecast(forecast, Path(folder)), 1)
    size_mb = (Path(folder) / name).stat().st_size / 1e6
fingerprint_s, _ = best(lambda: past_fingerprint(_order_past(summary), money=("repeat_spend",)), repeat)


def check():
    holdout = calibration_holdout_summary(frame, earlier, end, time_unit="D")
    past_fingerprint(_order_past(holdout.rename(columns=lambda c: c.removesuffix("_cal"))), money=("repeat_spend",))
    return order_entry("earlier", earlier, end, 12, forecast, holdout)


check_s, entry = best(check, repeat)
done(customers=len(summary), summary_s=summary_s, forecast_s=forecast_s, write_s=write_s, file=name,
     file_mb=size_mb, fingerprint_s=fingerprint_s, check_s=check_s,
     predicted=entry.predicted_purchases, actual=entry.actual_purchases)
