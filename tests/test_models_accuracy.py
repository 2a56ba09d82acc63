"""Normalised Gini and decile calibration (clv_lib.models.accuracy) on hand-computed examples.

Definitions as in Wang, Liu & Miao (2019), "A Deep Probabilistic Model for Customer Lifetime Value Prediction",
arXiv:1912.07753, section 4.2: the gain curve of customers ranked by prediction; Gini = 2 x area under it - 1,
normalised by the Gini of the ranking by the actual values.
"""

from __future__ import annotations

import numpy as np
import pytest

from clv_lib.models.accuracy import calibration_error, decile_table, normalized_gini

ACTUAL = [5.0, 0.0, 3.0, 2.0]


def test_gini_by_hand():
    # Ranked by prediction the actual values are 5, 0, 3, 2 of a total of 10: the gain curve passes through
    # 0.5, 0.5, 0.8, 1.0 at a quarter, half, three quarters and all of the customers; by trapezoids its area is
    # 0.25 (0.25 + 0.5 + 0.65 + 0.9) = 0.575, so the Gini is 0.15. Ranked by the actual values (5, 3, 2, 0) the
    # curve passes through 0.5, 0.8, 1, 1: area 0.7, Gini 0.4. Normalised: 0.15 / 0.4 = 0.375.
    assert normalized_gini(ACTUAL, [0.9, 0.8, 0.5, 0.1]) == pytest.approx(0.375, abs=1e-12)
    assert normalized_gini(ACTUAL, ACTUAL) == pytest.approx(1.0)
    # The exact reverse order: the curve 0, 0.2, 0.5, 1 (area 0.3, Gini -0.4) gives -1.
    assert normalized_gini(ACTUAL, [0.0, 5.0, 1.0, 2.0]) == pytest.approx(-1.0)


def test_gini_treats_ties_as_every_order_on_average():
    # Two tie blocks {5, 0} and {3, 2}: the curve is straight through 0.5 at half the customers, area
    # 0.5 (0 + 0.5) / 2 + 0.5 (0.5 + 1) / 2 = 0.5, Gini 0: no better than chance, whatever the row order.
    assert normalized_gini(ACTUAL, [1.0, 1.0, 0.0, 0.0]) == pytest.approx(0.0, abs=1e-12)
    assert normalized_gini([0.0, 5.0, 2.0, 3.0], [1.0, 1.0, 0.0, 0.0]) == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(normalized_gini([0.0, 0.0, 0.0], [1.0, 2.0, 3.0]))  # nothing was bought: nothing to rank


def test_decile_table_by_hand():
    # Five customers, so each decile holds half a customer. Ranked by prediction: (4 -> 2), then a tie block
    # (3, 3 -> 1, 5: mean 3) over ranks 1 to 3, then (1 -> 0) and (0 -> 2).
    table = decile_table([4.0, 3.0, 3.0, 1.0, 0.0], [2.0, 1.0, 5.0, 0.0, 2.0], naive=[1.0, 2.0, 2.0, 0.0, 0.0])
    assert list(table.index) == list(range(1, 11))
    assert table["customers"].tolist() == [0.5] * 10
    assert table["predicted"].tolist() == pytest.approx([4, 4, 3, 3, 3, 3, 1, 1, 0, 0])
    assert table["actual"].tolist() == pytest.approx([2, 2, 3, 3, 3, 3, 0, 0, 2, 2])
    assert table["naive"].tolist() == pytest.approx([1, 1, 2, 2, 2, 2, 0, 0, 0, 0])
    # Mean absolute decile gap: (2, 2, 0, 0, 0, 0, 1, 1, 2, 2) / 10 = 1.0 over the mean actual 2.0; the baseline's
    # for the same customers (1, 1, 1, 1, 1, 1, 0, 0, 2, 2) / 10 = 1.0 too.
    assert calibration_error(table) == pytest.approx(0.5)
    assert calibration_error(table, "naive") == pytest.approx(0.5)


def test_deciles_add_up_and_do_not_depend_on_row_order():
    rng = np.random.default_rng(0)
    actual = rng.poisson(rng.gamma(0.5, 2.0, 1003)).astype(float)
    predicted = np.round(actual + rng.normal(0, 1, 1003), 1)  # rounded: many ties
    table = decile_table(predicted, actual)
    assert (table["customers"] * table["actual"]).sum() == pytest.approx(actual.sum())
    assert (table["customers"] * table["predicted"]).sum() == pytest.approx(predicted.sum())
    order = rng.permutation(1003)
    shuffled = decile_table(predicted[order], actual[order])
    np.testing.assert_allclose(shuffled.to_numpy(), table.to_numpy(), rtol=1e-12)
    assert normalized_gini(actual[order], predicted[order]) == pytest.approx(normalized_gini(actual, predicted))
    assert (np.diff(table["predicted"]) <= 1e-12).all()
