"""Through the front door: a shop whose export covers only its first ten weeks (tests/generated_orders.py, an
Italian export, report in Italian), run by `python -m clv_lib.runner report` (what `make report` runs) to HTML and
PDF. The first month starts with nobody live, so only one month's lapse churn can be measured: the report must
say so wherever it quotes the churn (the summary's tile, the KPI note, the unit economics), label the last
column with the months it really covers, and warn in the summary that churn, lifetime and the SaaS unit
economics are provisional, instead of calling one month "the mean of the last 6 months". A shop with one month
of orders has no month's churn at all: churn, lifetime, LTV and LTV:CAC are then unknown and said to be, never
0% churn, the ten-year lifetime cap and an LTV:CAC in the hundreds. A shop whose export covers only the first two
weeks of a month gets the error naming the month to ask for, and that month's report (PERIOD=2023-01) warns that
the data end before the period does; its forecast, from a fit whose four BG/NBD shapes all run to the thousands,
grows month by month and levels off (it once jumped 30-fold in month 23)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generated_orders import PARAMS, generated_orders, publish, write_export
from scratch import build, runner, scratch_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Path:
    # 500 customers acquired in the first month, one purchase every 20 days on average, ten weeks of orders.
    orders = generated_orders(500, dropout=True, seed=4, years=70 / 365.25, acquisition_months=1, alpha=20.0)
    return publish(tmp_path_factory.mktemp("short_client"), "short", orders, "Negozio Giovane")


@pytest.fixture(scope="module")
def newborn(tmp_path_factory) -> Path:
    # 400 customers acquired in the first two weeks of January, one purchase every 20 days on average, one month.
    orders = generated_orders(400, dropout=True, seed=5, years=31 / 365.25, acquisition_months=0.5, alpha=20.0)
    return publish(tmp_path_factory.mktemp("newborn_client"), "newborn", orders, "Negozio Appena Nato")


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory) -> Path:
    """A shop two weeks old: 300 customers acquired from 1 January 2023, several purchases each, export on the 14th;
    the default period must fail with the month to ask for, and that month's report is returned."""
    root = tmp_path_factory.mktemp("fortnight_client")
    scratch_project(root)
    orders = generated_orders(300, dropout=True, seed=6, years=14 / 365.25, acquisition_months=0.2, alpha=3.0)
    write_export(orders, root / "data" / "fortnight.csv")
    params = PARAMS.format(name="Negozio Nuovo", path="data/fortnight.csv")
    (root / "params" / "fortnight.yaml").write_text(params, encoding="utf-8")
    proc = runner(root, "report", "--client", "fortnight", "--quiet", "--pdf-engine", "none")
    assert proc.returncode == 2 and "PERIOD=2023-01" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    return build(root, "fortnight", "--period", "2023-01")


def _text(folder: Path) -> str:
    html = unescape((folder / "clv_report.html").read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))


def test_the_churn_says_it_rests_on_the_one_month_measured(short):
    kpis = json.loads((short / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["history_months"] < 3 and kpis["churn_window_months"] == 1
    text = _text(short)
    assert "per inattività, il solo mese misurato; vita media" in text  # the summary's tile
    assert "(1 su 2). L'economia unitaria (capitolo" in text and "usa il solo mese misurato" in text  # KPI note
    assert "Ultimi 2 mesi" in text  # the KPI table's last column
    assert "mensile, un solo mese" in text and "ultimi 2 mesi" in text  # unit economics: churn and ARPA rows
    for nominal in ("media degli ultimi 6 mesi", "media dei 12 tassi", "media a 6 mesi", "Ultimi 12 mesi"):
        assert nominal not in text
    assert re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE) is None


def test_the_summary_warns_that_churn_and_unit_economics_are_provisional(short):
    text = _text(short)
    warning = re.search(r"I dati coprono solo (\d+,\d) mesi, dal (.+?) al (.+?)\. (.+?) un anno di dati\.", text)
    assert warning is not None, text[:3000]
    assert "la soglia di inattività di" in warning.group(4) and "economia unitaria SaaS" in warning.group(4)
    pypdf = pytest.importorskip("pypdf")
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(short / "clv_report.pdf").pages)
    assert "I dati coprono solo" in re.sub(r"\s+", " ", pdf)


def test_without_a_measured_month_the_saas_figures_are_unknown_not_capped(newborn):
    kpis = json.loads((newborn / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["churn_window_months"] == 0
    assert all(kpis[k] is None for k in ("churn_rate_monthly", "lifetime_months", "ltv", "ltv_cac", "break_even_cac",
                                         "max_affordable_cac")), kpis
    text = _text(newborn)
    assert text.count("nessun mese di abbandono ancora misurato") == 2  # the churn and LTV:CAC tiles
    assert "un abbandono mensile richiede un mese che inizi con clienti vivi" in text  # the unit economics chapter
    assert "nessun mese di abbandono si può ancora misurare" in text  # the summary's warning
    assert "120 mesi" not in text and "vita media –" not in text
    assert re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE) is None
    pypdf = pytest.importorskip("pypdf")
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(newborn / "clv_report.pdf").pages)
    assert "un abbandono mensile richiede" in re.sub(r"\s+", " ", pdf)


def test_a_period_past_the_data_says_so_and_the_forecast_levels_off(fortnight):
    text = _text(fortnight)
    assert re.search(r"I dati finiscono il 1[34] gennaio 2023, 1[78] giorni prima della fine del periodo "
                     r"\(31 gennaio 2023\): quei giorni contano come giorni senza acquisti", text), text[:3000]
    forecast = pd.read_csv(fortnight / "forecast.csv")
    purchases = forecast[[f"purchases_{m}m" for m in range(1, 25)]].to_numpy()
    assert (np.diff(purchases, axis=1) >= -1e-4).all()  # cumulative: never falls (4-decimal rounding)
    # Each month adds no more than the first did (the process only slows down): no jump late in the horizon. Two
    # cumulative values rounded to 4 decimals make a step uncertain by 1e-4, a difference of steps by 2e-4.
    steps = np.diff(purchases, axis=1, prepend=0.0)
    assert (steps[:, 1:] <= steps[:, :1] + 2.5e-4).all()
    kpis = json.loads((fortnight / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["clv_24m_total"] <= 2 * kpis["clv_12m_total"] + 0.01
    assert re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE) is None
