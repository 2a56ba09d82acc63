"""RFM scores and named segments (clv_lib.insights.rfm_segments)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_lib.exceptions import ModelInputError, ParamsError
from clv_lib.insights import rfm_segments as rfm
from cdnow_customers import customers as cdnow_customers

# The widely copied `seg_map` (regular expressions on the two-digit "RF" score string), as quoted in the
# project's domain notes section 2.2 (variant A, the exhaustive R x F grid). It is the oracle for our grid.
SEG_MAP = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_risk",
    r"[1-2]5": "cant_lose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal",
    r"41": "promising",
    r"51": "new",
    r"[4-5][2-3]": "potential_loyalist",
    r"5[4-5]": "champions",
}


def _seg_map(r: int, f: int) -> list[str]:
    return [name for pattern, name in SEG_MAP.items() if re.fullmatch(pattern, f"{r}{f}")]


def test_all_125_combinations_map_to_exactly_one_known_segment():
    grid = rfm.segment_grid()
    assert len(grid) == 125
    assert not grid.duplicated(["r_score", "f_score", "m_score"]).any()
    assert set(grid["segment"]) == set(rfm.SEGMENTS)
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                matches = grid[(grid.r_score == r) & (grid.f_score == f) & (grid.m_score == m)]
                assert len(matches) == 1


def test_grid_is_the_published_seg_map_with_lost_split_from_hibernating():
    for r in range(1, 6):
        for f in range(1, 6):
            published = _seg_map(r, f)
            assert len(published) == 1, (r, f, published)  # the published map is itself exhaustive and disjoint
            for m in range(1, 6):
                ours = rfm.segment_of(r, f, m)
                if r == 1 and f == 1 and m <= 2:
                    assert ours == "lost"
                else:
                    assert ours == published[0], (r, f, m)


def test_rule_table_matches_the_grid_and_is_rectangular():
    grid = rfm.segment_grid()
    table = rfm.rule_table("en")
    assert table["segment"].tolist() == list(rfm.SEGMENTS)
    assert table["cells"].sum() == 125
    for row in table.itertuples():
        cells = grid[grid.segment == row.segment]
        assert row.cells == len(cells)
        spans = [cells[c].nunique() for c in ("r_score", "f_score", "m_score")]
        if row.segment == "hibernating":
            assert row.cells == 20 - 2 and row.rule.endswith("except Lost")
        else:
            assert row.cells == spans[0] * spans[1] * spans[2]
    lost = table.set_index("segment").loc["lost"]
    assert (lost.r_scores, lost.f_scores, lost.m_scores) == ("1", "1", "1–2")
    italian = rfm.rule_table("it").set_index("segment")
    assert italian.loc["cant_lose", "name"] == "Da non perdere"
    assert italian.loc["hibernating", "rule"] == "R 1–2 e F 1–2, esclusi i Persi"


def test_segment_texts_exist_in_both_languages():
    assert set(rfm.SCORING_NOTES) == {"en", "it"} and all(n.strip() for n in rfm.SCORING_NOTES.values())
    for texts in (rfm.SEGMENT_NAMES, rfm.SEGMENT_DESCRIPTIONS):
        assert set(texts) == {"en", "it"}
        assert set(texts["en"]) == set(texts["it"]) == set(rfm.SEGMENTS)
        assert all(text.strip() for lang in texts.values() for text in lang.values())
    with pytest.raises(ParamsError):
        rfm.rule_table("de")
    glossary = rfm.segment_glossary()
    assert glossary["segment"].tolist() == list(rfm.SEGMENTS)
    assert glossary.set_index("segment").loc["hibernating", ["name_en", "name_it"]].tolist() == [
        "Hibernating", "In letargo"]
    assert (glossary["name_en"] != glossary["name_it"]).sum() >= 10


def test_scores_are_exact_quintiles_without_ties():
    values = np.random.default_rng(1).permutation(100).astype(float)
    scores = rfm.quintile_scores(values)
    assert np.bincount(scores)[1:].tolist() == [20] * 5
    assert scores[np.argmax(values)] == 5 and scores[np.argmin(values)] == 1
    lower_better = rfm.quintile_scores(values, higher_is_better=False)
    assert np.array_equal(lower_better, 6 - scores)


def test_tied_one_time_buyers_share_the_lowest_frequency_score():
    orders = np.array([1] * 55 + [2] * 20 + [3] * 10 + [4] * 10 + [9] * 5)
    scores = rfm.quintile_scores(orders)
    assert set(scores[orders == 1]) == {1}
    assert set(scores[orders == 2]) == {3}  # 55 % strictly fewer orders -> 1 + floor(2.75)
    assert set(scores[orders == 3]) == {4}
    assert set(scores[orders == 4]) == {5}  # 85 % strictly fewer orders
    assert 2 not in scores  # the documented consequence: a score can stay empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=80), st.randoms())
def test_scores_do_not_depend_on_row_order_and_are_monotone(values, random):
    x = np.array(values, dtype=float)
    scores = rfm.quintile_scores(x)
    order = list(range(len(x)))
    random.shuffle(order)
    assert np.array_equal(rfm.quintile_scores(x[order]), scores[order])
    ranked = np.argsort(x, kind="stable")
    assert (np.diff(scores[ranked]) >= 0).all()
    for value in np.unique(x):
        assert len(set(scores[x == value])) == 1
    assert scores.min() == 1 and scores.max() <= 5


def test_cdnow_scores_and_segments():
    """CDNOW calibration period (to 1997-09-30). The BG/NBD paper's calibration summary (Fader, Hardie & Lee
    2005; tests/data/cdnow_customers_summary.csv) counts the customers with no repeat purchase (x = 0, 1,411 of
    2,357): they must all, and only they, get F = 1 under the tie rule."""
    table = cdnow_customers()
    summary = pd.read_csv(Path(__file__).parent / "data" / "cdnow_customers_summary.csv")
    segments = rfm.rfm_segments(table)
    assert len(segments) == len(summary) == 2357
    assert (segments["f_score"] == 1).sum() == (summary["frequency"] == 0).sum()
    assert ((segments["f_score"] == 1) == (table["orders"] == 1)).all()
    r_sizes = segments["r_score"].value_counts()
    assert r_sizes.min() >= 0.18 * 2357 and r_sizes.max() <= 0.22 * 2357  # days have few ties: near quintiles
    assert segments["segment"].notna().all()
    assert isinstance(segments["segment"].dtype, pd.CategoricalDtype)
    # the most recent, most frequent buyers are Champions; one-time buyers are never Champions or Loyal
    assert set(segments.loc[table["orders"] == 1, "segment"]) <= {
        "new", "promising", "about_to_sleep", "hibernating", "lost"}
    cuts = rfm.cut_points(table, segments)
    frequency = cuts[cuts.dimension == "frequency"].set_index("score")
    assert frequency.loc[1, "max_value"] == 1 and 2 not in frequency.index
    assert cuts.groupby("dimension")["customers"].sum().eq(2357).all()


def test_ids_and_row_order_do_not_change_segments():
    table = cdnow_customers()
    base = rfm.rfm_segments(table)
    shuffled = table.sample(frac=1.0, random_state=3)
    again = rfm.rfm_segments(shuffled).reindex(base.index)
    pd.testing.assert_frame_equal(base, again)


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.drop(columns="orders"), "orders"),
    (lambda t: t.assign(days_since_last_purchase=-1), "below 0"),
    (lambda t: t.assign(revenue=np.nan), "missing or infinite"),
    (lambda t: t.assign(orders="many"), "not numeric"),
    (lambda t: pd.concat([t, t.iloc[:1]]), "duplicated customer ids"),
    (lambda t: t.iloc[:0], "no rows"),
])
def test_bad_tables_raise_one_line_errors(mutate, message):
    table = cdnow_customers().head(50)
    with pytest.raises(ModelInputError, match=message) as info:
        rfm.rfm_segments(mutate(table))
    assert "\n" not in str(info.value)


def test_segment_of_rejects_scores_outside_one_to_five():
    with pytest.raises(ModelInputError):
        rfm.segment_of(0, 3, 3)
