"""Which model a report uses, and what its risk view rests on, on shops generated from the models' own processes
(tests/generated_orders.py: an Italian accounting export, analysed through the real pipeline).

- Nobody drops out (each customer buys every two months or so, at her own rate): every candidate's likelihood is
  highest where drop-out vanishes, so the report uses their limit, the NBD, validated on the holdout, not the
  historical estimate; every segment with customers is worth something; and the risk view (P(active) judged
  from each customer's silence against her own usual gap) is not empty.
- Customers do drop out (the BG/NBD process): no candidate runs to an edge, the risk view uses the model's
  P(alive), and the "high value, at risk" quadrant has customers.
- Too few repeat buyers for any model: historical CLV, and still a risk view from silence, never a constant 100%.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from clv_lib.report.facade import Report
from generated_orders import PARAMS, generated_orders, write_export

ROOT = Path(__file__).resolve().parents[1]


def _client(root: Path, name: str, frame) -> None:
    write_export(frame, root / "data" / f"{name}.csv")
    (root / "params" / f"{name}.yaml").write_text(PARAMS.format(name=name, path=f"data/{name}.csv"),
                                                  encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("model_choice")
    (root / "params").mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    _client(root, "steady", generated_orders(600, dropout=False, seed=1))
    _client(root, "leaving", generated_orders(2000, dropout=True, seed=2, acquisition_months=18))
    _client(root, "resellers", generated_orders(1500, dropout=True, seed=4, years=3.5, acquisition_months=18, heavy=8))
    # 60 customers of whom only 3 ever came back: too few repeat buyers for any model (at least 5).
    tiny = generated_orders(60, dropout=False, seed=3)
    regulars = tiny["Cliente"].drop_duplicates().head(3)
    _client(root, "tiny", tiny[tiny["Cliente"].isin(regulars) | ~tiny.duplicated("Cliente")])
    return root


def _report(project: Path, name: str, monkeypatch) -> Report:
    monkeypatch.setenv("CLV_PROJECT_ROOT", str(project))
    return Report.open(name)


def test_without_dropout_the_report_uses_the_nbd_limit(project, monkeypatch):
    r = _report(project, "steady", monkeypatch)
    a = r.analysis
    table = a.selection.table
    assert (table.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "status"] == "limit").all(), table["reason"].to_dict()
    assert a.selection.best_name == "NBD" and a.clv.method == "model"
    assert a.clv.transaction_model.name == "NBD" and a.activity == "silence"
    profiles = a.profiles[(a.profiles["segment"] != "all") & (a.profiles["customers"] > 0)]
    assert (profiles["clv_12m"] > 0).all(), profiles[["segment", "clv_12m"]]
    quadrants = a.risk.summary.set_index("quadrant")["customers"]
    assert quadrants["high_value_at_risk"] > 0 and quadrants["high_value_active"] > 0, quadrants
    assert a.customers["prob_alive"].nunique() > 10
    h = r.headline
    assert h["model"] == "NBD + Gamma-Gamma" and h["model_limit_of"] == "BG/NBD, Pareto/NBD, MBG/NBD"
    assert h["risk_basis"] == "silence" and h["winback_customers"] > 0
    assert 0 < h["holdout_purchases_gini"] <= 1 and len(h["holdout_spend_deciles"]) == 10


def test_with_dropout_no_candidate_runs_to_an_edge_and_the_risk_quadrant_fills(project, monkeypatch):
    a = _report(project, "leaving", monkeypatch).analysis
    table = a.selection.table
    assert (table["status"] == "fitted").all(), table["reason"].to_dict()
    assert a.clv.transaction_model.has_dropout and a.activity == "model"
    quadrants = a.risk.summary.set_index("quadrant")["customers"]
    assert quadrants["high_value_at_risk"] > 0, quadrants
    assert np.isfinite(table[["purchases_gini", "spend_gini", "purchases_naive_gini"]].to_numpy(float)).all()


def test_historical_clv_only_when_no_model_can_predict(project, monkeypatch):
    r = _report(project, "tiny", monkeypatch)
    a = r.analysis
    assert a.clv.method == "historical" and a.activity == "silence"
    assert (a.selection.table["failure"] == "data").all()
    p = a.customers["prob_alive"]
    assert p.nunique() > 3 and p.min() < 0.5 < p.max()
    assert a.risk.summary.set_index("quadrant").loc[["high_value_at_risk", "low_value_at_risk"], "customers"].sum() > 0
    assert r.headline["validation_verdict"] == "historical"


@pytest.mark.parametrize("name, texts", [
    ("steady", ["limite di BG/NBD, Pareto/NBD, MBG/NBD", "sostituito da NBD", "Attività (dal silenzio)",
                "Ordinamento e calibrazione", "Il modello NBD è il limite"]),
    ("leaving", ["Ordinamento e calibrazione", "Gini (acquisti)"]),
    ("tiny", ["troppo pochi clienti o riacquisti", "attività dal silenzio", "stima storica"]),
])
def test_chapters_say_which_model_and_why(project, monkeypatch, name, texts):
    from html import unescape

    r = _report(project, name, monkeypatch)
    html = unescape(" ".join(ch.to_html() for ch in (r.executive_summary(), r.predicted_clv(), r.validation())))
    for text in texts:
        assert text in html, text
    assert "nan" not in html.replace("finanz", "").lower().split()


def test_customers_with_a_thousand_purchase_days(project, monkeypatch):
    """Heavy tails: a few resellers with 1,000+ purchase days among ordinary customers."""
    r = _report(project, "resellers", monkeypatch)
    a = r.analysis
    assert a.summary["frequency"].max() >= 1000
    assert a.clv.method == "model"
    values = a.customers[["prob_alive", "clv_12m", "clv_24m", "expected_purchases_12m"]].to_numpy(float)
    assert np.isfinite(values).all() and (values >= 0).all()
    heavy = a.customers["frequency"] >= 1000
    assert (a.customers.loc[heavy, "expected_purchases_12m"] > 200).all()
    for chapter in (r.predicted_clv(), r.validation()):
        assert "nan" not in chapter.to_html().lower().split()
