"""Segment migration between two periods (clv_lib.insights.migration)."""

from __future__ import annotations

import pandas as pd
import pytest

from clv_lib.exceptions import ModelInputError
from clv_lib.insights import migration as mig
from clv_lib.insights.rfm_segments import rfm_segments
from cdnow_customers import customers as cdnow_customers


def _hand_example():
    previous = pd.Series({"a": "champions", "b": "champions", "c": "loyal", "d": "lost"})
    current = pd.Series({"a": "champions", "b": "at_risk", "c": "champions", "e": "new"})
    return mig.migration(previous, current)


def test_hand_example_matrix_flows_and_counts():
    result = _hand_example()
    assert result.order is not None and result.order[0] == "champions"  # RFM keys: the RFM order
    assert list(result.matrix.index) == ["champions", "loyal", "new", "at_risk", "lost", "entered"]
    assert list(result.matrix.columns) == ["champions", "loyal", "new", "at_risk", "lost", "left"]
    assert result.matrix.loc["champions", "champions"] == 1
    assert result.matrix.loc["champions", "at_risk"] == 1
    assert result.matrix.loc["loyal", "champions"] == 1
    assert result.matrix.loc["lost", "left"] == 1 and result.matrix.loc["entered", "new"] == 1
    assert result.matrix.to_numpy().sum() == 5
    assert (result.both, result.stayed, result.upgraded, result.downgraded, result.entered, result.left) == (
        3, 1, 1, 1, 1, 1)
    directions = result.flows.set_index(["source", "target"])["direction"]
    assert directions[("loyal", "champions")] == "up" and directions[("champions", "at_risk")] == "down"
    assert result.shares.loc["champions", "at_risk"] == pytest.approx(0.5)
    assert result.shares.loc["new"].sum() == 0.0  # empty rows stay 0, not NaN


def test_hand_example_reading():
    result = _hand_example()
    keys = [f.key for f in result.findings]
    assert keys == ["stability", "direction", "largest_flow", "best_kept", "net_change", "entered", "left"]
    en = result.readings("en")
    assert en[0] == "Of the 3 customers present in both periods, 33 % (1 customer) stayed in the same segment."
    assert en[1] == "33 % (1 customer) moved to a better segment and 33 % (1 customer) to a worse one."
    assert en[3] == ("50 % of the previous period's Champions are still Champions; most of the others moved to "
                     "At Risk (1 customer).")
    it = result.readings("it")
    assert it[-2] == "Clienti assenti nel periodo precedente: 1 cliente; il 100 % di loro è in Nuovi clienti."
    assert it[0] == "Dei 3 clienti presenti in entrambi i periodi, il 33 % (1 cliente) è rimasto nello stesso segmento."
    custom = result.readings("en", share=lambda v: f"{v:.3f}")
    assert "0.333 (1 customer)" in custom[0]


def test_cdnow_transitions_conserve_customers():
    previous = rfm_segments(cdnow_customers("1997-06-30"))["segment"]
    current = rfm_segments(cdnow_customers("1997-12-31"))["segment"]
    result = mig.migration(previous, current)
    prev_counts = previous.astype(str).value_counts()
    curr_counts = current.astype(str).value_counts()
    rows = result.matrix.sum(axis=1)
    cols = result.matrix.sum(axis=0)
    for segment, n in prev_counts.items():
        assert rows[segment] == n
    for segment, n in curr_counts.items():
        assert cols[segment] == n
    assert result.entered == 0 and result.left == 0  # the CDNOW cohort is closed: all joined in Q1 1997
    assert result.both == len(previous) == result.stayed + result.upgraded + result.downgraded
    nonempty = result.shares[rows > 0]
    assert nonempty.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert len(result.readings("it")) == len(result.findings) >= 4


def test_unknown_keys_have_no_direction_and_order_can_be_given():
    previous = pd.Series({"a": "gold", "b": "silver", "c": "silver"})
    current = pd.Series({"a": "silver", "b": "gold", "c": "silver"})
    plain = mig.migration(previous, current)
    assert plain.order is None and set(plain.flows["direction"]) == {"moved", "stay"}
    assert "direction" not in [f.key for f in plain.findings]
    ordered = mig.migration(previous, current, order=["gold", "silver"])
    assert (ordered.upgraded, ordered.downgraded) == (1, 1)
    categorical = mig.migration(previous, current.astype(pd.CategoricalDtype(["gold", "silver"], ordered=True)))
    assert categorical.order == ("gold", "silver")


def test_invalid_inputs():
    good = pd.Series({"a": "champions"})
    with pytest.raises(ModelInputError, match="order lacks"):
        mig.migration(pd.Series({"a": "gold"}), pd.Series({"a": "silver"}), order=["gold"])
    with pytest.raises(ModelInputError, match="reserved"):
        mig.migration(good, pd.Series({"a": "left"}))
    with pytest.raises(ModelInputError, match="missing previous"):
        mig.migration(pd.Series({"a": None}), good)
    with pytest.raises(ModelInputError, match="Series"):
        mig.migration({"a": "champions"}, good)


def test_texts_exist_in_both_languages():
    for key, templates in mig.TEMPLATES.items():
        assert set(templates) == {"en", "it"}, key
        assert all(t.strip() for t in templates.values())
        fields = [{name for _, name, _, _ in __import__("string").Formatter().parse(t) if name} for t in
                  templates.values()]
        assert fields[0] == fields[1], key  # both languages use the same placeholders
    assert set(mig.STATE_NAMES["en"]) == set(mig.STATE_NAMES["it"])
