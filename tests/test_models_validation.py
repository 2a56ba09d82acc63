"""Holdout validation and model selection (clv_lib.models.validation, clv_lib.models.selection).

On CDNOW (FHL 2005 set-up: 39-week calibration, 39-week holdout, built from tests/data/CDNOW_sample.txt) the
checks of FHL (2005) are reproduced: the calibration frequency histogram matches the model's closely (their
Figure 1), conditional expectations rise with calibration frequency (Figure 4) and the model beats the naive
historical-rate baseline. On data simulated from a BG/NBD with known parameters the verdict must be "pass".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clv_lib.models import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
from clv_lib.models.selection import select_model
from clv_lib.models.simulate import simulate_bgnbd
from clv_lib.models.validation import calibration_summary, validate
from models_data import cdnow_cal_holdout, cdnow_holdout_cumulative, cdnow_summary


@pytest.fixture(scope="module")
def cdnow_validation():
    return validate(BetaGeoModel(), cdnow_cal_holdout(), cdnow_holdout_cumulative())


def test_transaction_built_frame_matches_the_published_summary():
    frame, published = cdnow_cal_holdout(), cdnow_summary()
    assert (frame["frequency_cal"].to_numpy() == published["frequency"].to_numpy()).all()
    np.testing.assert_allclose(frame["T_cal"], published["T"], atol=0.005)
    np.testing.assert_allclose(frame["recency_cal"], published["recency"], atol=0.005)


def test_cdnow_validation_reproduces_fhl_2005_diagnostics(cdnow_validation):
    v = cdnow_validation
    assert v.params["r"] == pytest.approx(0.243, abs=1e-3)
    # Figure 1: the fitted histogram of calibration repeat purchases is within ~1 point of share per bin.
    assert v.metrics["histogram_max_share_gap"] < 0.015
    assert v.frequency_check["actual"].sum() == 2357
    assert v.frequency_check["expected"].sum() == pytest.approx(2357)
    # Figure 4: conditional expectations increase with calibration frequency, as the actuals do.
    assert (np.diff(v.by_frequency["predicted"].to_numpy()) > 0).all()
    # Better per customer than continuing the historical rate, and the aggregate is within 25%.
    assert v.metrics["mae"] < v.metrics["naive_mae"]
    assert abs(v.metrics["bias"]) < 0.25 and v.verdict in ("pass", "warn") and "MAE" in v.reason
    track = v.tracking
    assert track["actual"].iloc[-1] == v.metrics["actual_total"]
    assert track["predicted"].iloc[-1] == pytest.approx(v.metrics["predicted_total"], rel=1e-9)
    assert (np.diff(track["predicted"]) > 0).all()


def test_simulated_bgnbd_data_pass_and_recover_the_parameters():
    frame = simulate_bgnbd(20000, 0.243, 4.414, 0.793, 2.426, T=(10, 39), holdout=39.0, seed=3, whole_periods=False)
    v = validate(BetaGeoModel(), frame)
    assert v.verdict == "pass", v.reason
    assert abs(v.metrics["bias"]) < 0.05
    for name, true in {"r": 0.243, "a": 0.793}.items():
        assert v.params[name] == pytest.approx(true, rel=0.25)


def test_selection_on_cdnow_records_every_candidate():
    selection = select_model(cdnow_cal_holdout())
    assert set(selection.table.index) == {"BG/NBD", "Pareto/NBD", "MBG/NBD"}
    assert selection.best_name == selection.table["mae"].idxmin()
    assert selection.best_name in selection.reason
    assert "params_" not in vars(selection.best)
    fitted = selection.best.fit(calibration_summary(cdnow_cal_holdout()))
    assert fitted.log_likelihood_ == pytest.approx(selection.table.loc[selection.best_name, "log_likelihood"])


def test_selection_without_usable_models_says_so():
    frame = pd.DataFrame({"frequency_cal": [0] * 20, "recency_cal": [0.0] * 20, "T_cal": [10.0] * 20,
                          "frequency_holdout": [0.0] * 20, "duration_holdout": [10.0] * 20})
    selection = select_model(frame, [BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel()])
    assert selection.best is None and "historical" in selection.reason
    assert (selection.table["verdict"] == "fail").all()


@pytest.mark.parametrize("model", [BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel()])
def test_the_tracking_total_is_the_sum_of_the_customers_paths(model):
    summary = cdnow_summary()
    fitted = model.fit(summary)
    times = np.array([0.0, 4.0, 13.0, 39.0])
    np.testing.assert_allclose(fitted.expected_purchases_total(summary, times),
                               fitted.expected_purchases_path(summary, times).sum(axis=0), rtol=1e-12)
