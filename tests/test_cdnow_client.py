"""The shipped CDNOW client reads the real, headerless BG/NBD paper data through the normal params path and gets
the paper's calibration summary (Fader, Hardie & Lee 2005: 2,357 customers, 39-week calibration to 1997-09-30)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clv_lib.data import load_client_data
from clv_lib.params import load_params
from clv_lib.summary import rfm_summary

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cdnow():
    params = load_params(ROOT / "params" / "cdnow.yaml")
    return load_client_data(params, pd.Timestamp("1998-06-30"), ROOT)


def test_every_record_is_kept_and_accounted_for(cdnow):
    ledger = cdnow.ledger.to_frame()
    assert cdnow.rows_read == 6919 and cdnow.rows_kept == 6919  # identical same-day purchases are genuine
    assert cdnow.customers == 2357
    assert set(ledger["rule"]) == {"read", "kept", "zero-value order (kept)"}
    assert cdnow.source.delimiter == "whitespace"


def test_params_path_reproduces_the_papers_calibration_summary(cdnow):
    summary = rfm_summary(cdnow.frame, observation_end="1997-09-30", time_unit="W")
    paper = pd.read_csv(ROOT / "tests" / "data" / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    summary.index = summary.index.astype(int)
    summary = summary.reindex(paper.index)
    assert (summary["frequency"].to_numpy() == paper["x"].to_numpy()).all()
    np.testing.assert_allclose(summary["recency"], paper["t_x"], atol=0.006)
    np.testing.assert_allclose(summary["T"], paper["T"], atol=0.006)
    np.testing.assert_allclose(summary["monetary_value"], paper["zbar"], atol=0.006)


def test_identical_rows_without_order_ids_are_dropped_with_a_warning_that_names_the_fix():
    """CDNOW has no order ids and some identical same-day purchases: with the default `drop_exact_duplicates` they
    are excluded, counted in the ledger and warned about in both languages, with the params key that keeps them."""
    from clv_lib.pipeline import analysis_for
    from clv_lib.report.i18n import Texts

    params = load_params(ROOT / "params" / "cdnow.yaml")
    params = params.model_copy(update={"data": params.data.model_copy(update={"drop_exact_duplicates": True})})
    analysis = analysis_for("cdnow", params, None, "en", ROOT)
    removed = analysis.data.rows_read - analysis.data.rows_kept
    assert removed > 0
    notes = [n for n in analysis.notes if n.key == "data.duplicates_without_order_id"]
    assert [n.values for n in notes] == [{"rows": removed}]
    for language in ("en", "it"):
        text = Texts(language)("notes.data.duplicates_without_order_id", rows=removed)
        assert "data.drop_exact_duplicates: false" in text and str(removed) in text
