"""notebooks/explore.ipynb runs top to bottom from notebooks/ (as in JupyterLab) with its demo defaults, and the
tables it walks say what they should: every candidate model with standard errors, a what-if that moves the right
way."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed():
    from nbclient import NotebookClient

    from clv_lib.runner.kernel import ensure_kernel

    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    env_root = os.environ.pop("CLV_PROJECT_ROOT", None)
    try:
        NotebookClient(nb, kernel_name=ensure_kernel(), timeout=600,
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        if env_root is not None:
            os.environ["CLV_PROJECT_ROOT"] = env_root
    return nb


def output_of(nb, source: str) -> str:
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source))
    return "".join(o.get("data", {}).get("text/html", "") + o.get("data", {}).get("text/plain", "")
                   for o in cell.outputs)


def test_explore_runs_without_errors(executed):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_explore_walks_the_intermediate_tables(executed):
    assert "exact duplicate row" in output_of(executed, "explore.ledger")
    assert "customer_id" in output_of(executed, "explore.column_mapping")
    assert "monetary_value" in output_of(executed, "summary = explore.rfm_summary")
    models = output_of(executed, "explore.candidate_models")
    for name in ("BG/NBD", "Pareto/NBD", "MBG/NBD", "Gamma-Gamma", "standard_error", "whole history"):
        assert name in models, name
    assert "predicted" in output_of(executed, "explore.holdout_fit")
    assert "prob_alive" in output_of(executed, "predictions = explore.predictions")
    assert "scenario" in output_of(executed, "explore.what_if")


@pytest.fixture(scope="module")
def report():
    from clv_lib.report import Report

    return Report.open("demo")


def test_what_if_moves_the_right_way(report):
    from clv_lib.report import explore

    base = explore.what_if(report)
    total = report.segment_name("all")
    assert base.loc[total, "scenario"] == pytest.approx(base.loc[total, "baseline"])
    assert base.loc[total, "baseline"] == pytest.approx(report.headline["clv_12m_total"], rel=1e-6)
    margin = report.params.gross_margin
    richer = explore.what_if(report, gross_margin=min(1.0, margin * 1.5))
    assert richer.loc[total, "change_share"] == pytest.approx(min(1.0, margin * 1.5) / margin - 1, rel=1e-9)
    assert explore.what_if(report, annual_discount_rate=0.5).loc[total, "change"] < 0
    assert explore.what_if(report, horizon_months=24).loc[total, "scenario"] == \
        pytest.approx(report.headline["clv_24m_total"], rel=1e-6)
    with pytest.raises(Exception, match="gross_margin 1.5 must be a share"):
        explore.what_if(report, gross_margin=1.5)


def test_chapter_options_choose_rows_and_segments(report):
    from clv_lib.exceptions import ClvError

    assert len(report.predicted_clv(rows=5).tables["winback"]) == 5
    chosen = report.segments(segments=["champions", report.segment_name("loyal")])
    assert sorted(chosen.tables["profiles"]["segment"]) == sorted([report.segment_name("champions"),
                                                                    report.segment_name("loyal")])
    plan = report.action_plan(segments="at_risk").tables["actions"]
    assert set(plan["segment"]) - {""} == {report.segment_name("at_risk")}
    with pytest.raises(ClvError, match="segments: 'vip' is not a segment of this report; its segments are: "
                                       "champions"):
        report.segments(segments=["vip"])
