"""RFM quintile scores and the named RFM segments, with the rule table the appendix prints.

Scores (1-5, 5 = best):

- R from ``days_since_last_purchase`` (fewer days is better), F from ``orders`` (distinct orders, or purchase
  days if that is what the column holds), M from ``revenue``: the customer's total historical net revenue, the
  classic monetary measure (pass ``monetary_col`` to score another column, e.g. an average order value).
- Rule: a customer's score is 1 + floor(5 x share of customers that are strictly worse on that measure).
  Customers with equal values always get the same score, whatever their ids or row order, and without ties the
  scores are exact quintiles. A block of tied values takes the score of its lowest position: with 55 % one-time
  buyers, all of them get F = 1 and two-order customers start at F = 3 (55 % of customers are strictly worse),
  so F = 2 stays empty. That is the consequence we accept instead of the common
  ``qcut(rank(method="first"))``, which splits identical one-time buyers into F = 1, 2 and 3 by customer id and
  then puts identical customers into different segments. `cut_points` reports the values behind each score.

Segments: the exhaustive R x F grid widely used in practice (every one of the 25 cells maps to one of ten
names), plus "Lost" split out of "Hibernating": R = 1, F = 1 and M <= 2, the oldest, single-purchase,
bottom-40 %-spend customers. `segment_grid` lists the segment of all 125 (R, F, M) combinations and
`rule_table` derives the appendix table from it, so the two cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clv_lib.exceptions import ModelInputError
from clv_lib.insights.customer_table import check_table, numeric
from clv_lib.insights.wording import check_language

SEGMENTS = (
    "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention", "about_to_sleep",
    "at_risk", "cant_lose", "hibernating", "lost",
)
"""Segment keys from best to worst, the order of profile tables and of migration readings."""

SEGMENT_NAMES = {
    "en": {
        "champions": "Champions", "loyal": "Loyal", "potential_loyalist": "Potential Loyalist", "new": "New",
        "promising": "Promising", "need_attention": "Need Attention", "about_to_sleep": "About to Sleep",
        "at_risk": "At Risk", "cant_lose": "Can't Lose Them", "hibernating": "Hibernating", "lost": "Lost",
    },
    "it": {
        "champions": "Campioni", "loyal": "Clienti fedeli", "potential_loyalist": "Potenziali fedeli",
        "new": "Nuovi clienti", "promising": "Promettenti", "need_attention": "Richiedono attenzione",
        "about_to_sleep": "Quasi dormienti", "at_risk": "A rischio", "cant_lose": "Da non perdere",
        "hibernating": "In letargo", "lost": "Persi",
    },
}

SEGMENT_DESCRIPTIONS = {
    "en": {
        "champions": "Bought recently and buy more often than anyone else: the best customers.",
        "loyal": "Buy often and not long ago: the core of repeat revenue.",
        "potential_loyalist": "Recent customers with a few orders who can become loyal.",
        "new": "Made their first and only purchase very recently.",
        "promising": "Recent single-order customers, a little less recent than New.",
        "need_attention": "Average recency and frequency: they are slowing down and need a reason to come back.",
        "about_to_sleep": "Few orders and a fading last purchase: they will be lost unless reactivated.",
        "at_risk": "Bought often, but their last purchase is a long time ago.",
        "cant_lose": "Were among the most frequent buyers and have not come back for a long time.",
        "hibernating": "Last purchase long ago and few orders.",
        "lost": "The oldest last purchase, a single order and low spend.",
    },
    "it": {
        "champions": "Hanno acquistato di recente e comprano più spesso di tutti: i clienti migliori.",
        "loyal": "Comprano spesso e l'ultimo acquisto è recente: il nucleo del fatturato ricorrente.",
        "potential_loyalist": "Clienti recenti con qualche ordine, che possono diventare fedeli.",
        "new": "Hanno fatto il primo e unico acquisto molto di recente.",
        "promising": "Clienti recenti con un solo ordine, un po' meno recenti dei nuovi clienti.",
        "need_attention": "Recency e frequenza nella media: stanno rallentando e serve un motivo per tornare.",
        "about_to_sleep": "Pochi ordini e un ultimo acquisto che si allontana: senza riattivazione andranno persi.",
        "at_risk": "Compravano spesso, ma l'ultimo acquisto risale a molto tempo fa.",
        "cant_lose": "Erano tra i clienti più assidui e non tornano da molto tempo.",
        "hibernating": "Ultimo acquisto lontano e pochi ordini.",
        "lost": "L'ultimo acquisto più lontano, un solo ordine e una spesa bassa.",
    },
}

SCORING_NOTES = {
    "en": (
        "Each customer gets three scores from 1 to 5 (5 = best): recency from the days since the last purchase "
        "(fewer is better), frequency from the number of orders and monetary value from total net revenue. "
        "A score is 1 + the share of customers with a strictly worse value, in fifths: without ties the scores "
        "are quintiles. Customers with the same value always share a score, the lowest their group reaches, so "
        "when many customers have bought once they all get frequency 1 and some scores may stay empty; the "
        "table of cut-points shows the values behind each score. Segments follow the recency x frequency grid; "
        "Lost are the Hibernating customers with recency 1, frequency 1 and monetary 1-2."
    ),
    "it": (
        "Ogni cliente riceve tre punteggi da 1 a 5 (5 = migliore): recency dai giorni trascorsi dall'ultimo "
        "acquisto (meno è meglio), frequenza dal numero di ordini e valore monetario dal fatturato netto totale. "
        "Il punteggio è 1 + la quota di clienti con un valore strettamente peggiore, in quinti: senza pareggi i "
        "punteggi sono quintili. I clienti con lo stesso valore hanno sempre lo stesso punteggio, il più basso "
        "raggiunto dal loro gruppo, quindi quando molti clienti hanno acquistato una sola volta ricevono tutti "
        "frequenza 1 e alcuni punteggi possono restare vuoti; la tabella delle soglie mostra i valori dietro ogni "
        "punteggio. I segmenti seguono la griglia recency x frequenza; i Persi sono i clienti In letargo con "
        "recency 1, frequenza 1 e valore monetario 1-2."
    ),
}
"""How the scores and segments are made, in words, for the report's method section and appendix."""

# The R x F grid: row = R score, entries = segment for F = 1..5.
_RF_GRID = {
    5: ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
    4: ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
}
LOST_MAX_M = 2
"""Hibernating customers with R = 1, F = 1 and M at most this are Lost."""

_RULE_WORDS = {
    "en": {"except": "except Lost", "and": "and"},
    "it": {"except": "esclusi i Persi", "and": "e"},
}


def quintile_scores(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Score each value 1-5 as 1 + floor(5 x share of values strictly worse); ties share the lower score.

    `values` is any 1-d array of finite numbers; with ``higher_is_better=False`` smaller values are better (as
    for days since the last purchase). Returns int64 scores in the input order.
    """
    x = np.asarray(values, dtype="float64")
    if x.ndim != 1 or x.size == 0:
        raise ModelInputError("RFM scores: expected a non-empty one-dimensional array of values")
    if not np.isfinite(x).all():
        raise ModelInputError(f"RFM scores: {int((~np.isfinite(x)).sum())} missing or infinite values")
    ordered = np.sort(x)
    n = x.size
    if higher_is_better:
        worse = np.searchsorted(ordered, x, side="left")
    else:
        worse = n - np.searchsorted(ordered, x, side="right")
    return 1 + (5 * worse) // n


def rfm_scores(
    customers: pd.DataFrame,
    *,
    recency_col: str = "days_since_last_purchase",
    frequency_col: str = "orders",
    monetary_col: str = "revenue",
) -> pd.DataFrame:
    """Return ``r_score``, ``f_score``, ``m_score`` (1-5) and ``rfm_cell`` (e.g. "545") for each customer.

    Days since the last purchase and orders must be zero or positive; revenue may be negative (net of refunds).
    """
    what = "RFM scores"
    check_table(customers, [recency_col, frequency_col, monetary_col], what=what)
    recency = numeric(customers, recency_col, what=what, lower=0)
    frequency = numeric(customers, frequency_col, what=what, lower=0)
    monetary = numeric(customers, monetary_col, what=what)
    scores = pd.DataFrame(
        {
            "r_score": quintile_scores(recency, higher_is_better=False),
            "f_score": quintile_scores(frequency),
            "m_score": quintile_scores(monetary),
        },
        index=customers.index,
    )
    scores["rfm_cell"] = (
        scores["r_score"].astype(str) + scores["f_score"].astype(str) + scores["m_score"].astype(str))
    return scores


def segment_of(r_score: int, f_score: int, m_score: int) -> str:
    """Return the segment key of one (R, F, M) score combination, each score in 1..5."""
    for name, score in (("R", r_score), ("F", f_score), ("M", m_score)):
        if score not in (1, 2, 3, 4, 5):
            raise ModelInputError(f"RFM segments: {name} score {score!r} is not one of 1-5")
    if r_score == 1 and f_score == 1 and m_score <= LOST_MAX_M:
        return "lost"
    return _RF_GRID[int(r_score)][int(f_score) - 1]


def segment_grid() -> pd.DataFrame:
    """Return all 125 (R, F, M) combinations with their segment: columns r_score, f_score, m_score, segment."""
    rows = [(r, f, m, segment_of(r, f, m)) for r in range(5, 0, -1) for f in range(1, 6) for m in range(1, 6)]
    return pd.DataFrame(rows, columns=["r_score", "f_score", "m_score", "segment"])


def assign_segments(scores: pd.DataFrame) -> pd.Series:
    """Return each customer's segment key (ordered Categorical over SEGMENTS) from an `rfm_scores` table."""
    check_table(scores, ["r_score", "f_score", "m_score"], what="RFM segments")
    r = scores["r_score"].to_numpy()
    f = scores["f_score"].to_numpy()
    m = scores["m_score"].to_numpy()
    valid = np.isin(r, range(1, 6)) & np.isin(f, range(1, 6)) & np.isin(m, range(1, 6))
    if not valid.all():
        raise ModelInputError(f"RFM segments: {int((~valid).sum())} customers have scores outside 1-5")
    lookup = {(a, b, c): seg for a, b, c, seg in segment_grid().itertuples(index=False)}
    keys = [lookup[cell] for cell in zip(r.tolist(), f.tolist(), m.tolist())]
    return pd.Series(pd.Categorical(keys, categories=SEGMENTS, ordered=True), index=scores.index, name="segment")


def rfm_segments(
    customers: pd.DataFrame,
    *,
    recency_col: str = "days_since_last_purchase",
    frequency_col: str = "orders",
    monetary_col: str = "revenue",
) -> pd.DataFrame:
    """Return the `rfm_scores` columns plus ``segment`` (ordered Categorical of segment keys) per customer."""
    scores = rfm_scores(
        customers, recency_col=recency_col, frequency_col=frequency_col, monetary_col=monetary_col)
    scores["segment"] = assign_segments(scores)
    return scores


def cut_points(
    customers: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    recency_col: str = "days_since_last_purchase",
    frequency_col: str = "orders",
    monetary_col: str = "revenue",
) -> pd.DataFrame:
    """Return the value range behind every score actually used, for the appendix.

    One row per (dimension, score) with at least one customer: ``dimension`` (recency, frequency, monetary),
    ``column``, ``score``, ``customers``, ``min_value`` and ``max_value`` of the customers with that score.
    Scores no customer received (a consequence of ties) have no row.
    """
    what = "RFM cut points"
    check_table(customers, [recency_col, frequency_col, monetary_col], what=what)
    check_table(scores, ["r_score", "f_score", "m_score"], what=what)
    if not scores.index.equals(customers.index):
        scores = scores.reindex(customers.index)
        if scores["r_score"].isna().any():
            raise ModelInputError(f"{what}: the scores do not cover every customer")
    rows = []
    for dimension, column, score_col in (
        ("recency", recency_col, "r_score"),
        ("frequency", frequency_col, "f_score"),
        ("monetary", monetary_col, "m_score"),
    ):
        values = pd.Series(numeric(customers, column, what=what), index=customers.index)
        grouped = values.groupby(scores[score_col].to_numpy()).agg(["size", "min", "max"])
        for score, row in grouped.iterrows():
            rows.append((dimension, column, int(score), int(row["size"]), float(row["min"]), float(row["max"])))
    return pd.DataFrame(rows, columns=["dimension", "column", "score", "customers", "min_value", "max_value"])


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def rule_table(language: str = "en") -> pd.DataFrame:
    """Return the segment rules for the appendix, one row per segment in SEGMENTS order.

    Columns: ``segment`` (key), ``name``, ``description``, ``r_scores``, ``f_scores``, ``m_scores`` (score
    ranges such as "4–5"), ``rule`` (the same in words, e.g. "R 1–2 and F 1–2, except Lost") and ``cells``
    (how many of the 125 (R, F, M) combinations the segment covers). Derived from `segment_grid`.
    """
    check_language(language)
    grid = segment_grid()
    words = _RULE_WORDS[language]
    rows = []
    for segment in SEGMENTS:
        cells = grid[grid["segment"] == segment]
        r, f, m = (sorted(cells[c].unique().tolist()) for c in ("r_score", "f_score", "m_score"))
        rule = f"R {_span(r)} {words['and']} F {_span(f)}"
        if m != [1, 2, 3, 4, 5]:
            rule += f" {words['and']} M {_span(m)}"
        if segment == "hibernating":
            rule += f", {words['except']}"
        rows.append((
            segment, SEGMENT_NAMES[language][segment], SEGMENT_DESCRIPTIONS[language][segment],
            _span(r), _span(f), _span(m), rule, len(cells),
        ))
    return pd.DataFrame(
        rows, columns=["segment", "name", "description", "r_scores", "f_scores", "m_scores", "rule", "cells"])


def segment_glossary() -> pd.DataFrame:
    """Return the segment names side by side for the appendix glossary: ``segment``, ``name_en``, ``name_it``,
    ``description_en``, ``description_it``, in SEGMENTS order."""
    return pd.DataFrame({
        "segment": list(SEGMENTS),
        "name_en": [SEGMENT_NAMES["en"][s] for s in SEGMENTS],
        "name_it": [SEGMENT_NAMES["it"][s] for s in SEGMENTS],
        "description_en": [SEGMENT_DESCRIPTIONS["en"][s] for s in SEGMENTS],
        "description_it": [SEGMENT_DESCRIPTIONS["it"][s] for s in SEGMENTS],
    })
