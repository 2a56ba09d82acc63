"""User mistakes on the command line are one-line errors, never tracebacks, and write nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clv_lib.runner", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.mark.parametrize("client, message", [
    ("nope", "no params file for client 'nope'"),
    ("../x", "not a valid client name"),
    ("a b", "not a valid client name"),
    ("", "not a valid client name"),
])
def test_bad_client(client, message):
    proc = run("report", "--client", client)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not (ROOT / "reports" / "x").exists() and not (ROOT.parent / "x").exists()


def test_bad_period_and_engine():
    proc = run("report", "--client", "demo", "--period", "2025Q5")
    assert proc.returncode == 2 and "PERIOD '2025Q5' is not one of YYYY, YYYYQn or YYYY-MM" in proc.stderr
    proc = run("report", "--client", "demo", "--period", "2025Q4", "--pdf-engine", "latex")
    assert proc.returncode == 2 and "PDF_ENGINE 'latex'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_period_range_is_one_line_before_anything_runs():
    proc = run("report", "--client", "demo", "--period", "2025Q3..2025-12")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "both ends of a range must be quarters" in lines[0], proc.stderr


def test_a_series_stops_at_the_first_period_that_fails(tmp_path):
    """A later report compares itself with the earlier ones: a failed period stops the series, saying what was
    not built."""
    (tmp_path / "params").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "params" / "acme.yaml").write_text(
        "client_name: Acme\nbusiness_model: transactional\ncurrency: EUR\ngross_margin: 0.3\n"
        "data: {path: data/missing.csv}\n")
    proc = run("report", "--client", "acme", "--period", "2025-01..2025-03", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "data/missing.csv: file not found" in lines[0]
    assert lines[1] == ("error: acme 2025-01 was not built, so neither were 2025-02, 2025-03 (each report of a "
                        "series compares itself with the earlier ones)")


def test_planned_runs_expand_the_ranges_a_params_file_lists(tmp_path):
    from clv_lib.runner.batch import planned_runs

    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "acme.yaml").write_text(
        "client_name: Acme\nbusiness_model: transactional\ncurrency: EUR\ngross_margin: 0.3\n"
        "periods: [2024Q4, 2025Q1..2025Q2, 2025Q2]\ndata: {path: data/acme.csv}\n")
    assert planned_runs(tmp_path) == [("acme", "2024Q4"), ("acme", "2025Q1"), ("acme", "2025Q2")]


def test_bad_params_file_and_missing_data(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "params" / "acme.yaml").write_text("client_name: Acme\nbusiness_model: retail\n")
    proc = run("report", "--client", "acme", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: params/acme.yaml: ") and "business_model" in proc.stderr  # not absolute
    assert str(tmp_path) not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    (tmp_path / "params" / "acme.yaml").write_text(
        "client_name: Acme\nbusiness_model: transactional\ncurrency: EUR\ngross_margin: 0.3\n"
        "data: {path: data/missing.csv}\n")
    proc = run("report", "--client", "acme", cwd=tmp_path)
    assert proc.returncode == 2 and "data/missing.csv: file not found" in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_make_help_is_the_default_goal():
    proc = subprocess.run(["make", "--no-print-directory"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0
    for target in ("report", "reports", "test", "setup", "lab", "bench", "clean", "help"):
        assert f"  {target}" in proc.stdout.replace("\x1b[1m", "  ")


def test_a_kernel_started_early_serves_only_the_run_it_was_started_for():
    """`make report` starts the kernel before its checks (runner/early.py): the run takes it when the project,
    notebook and settings are the ones it was started with; otherwise it is stopped, and nothing starts for a
    client name that cannot be valid."""
    from clv_lib.runner.early import EarlyKernel, start_early

    stopped = []

    class Manager:
        async def shutdown_kernel(self, now=False):
            stopped.append(now)

    env = {"CLV_NOTEBOOK": "notebooks/clv_report.ipynb", "CLV_NOTEBOOK_SHA256": "abc", "CLV_WORKERS": "auto"}
    early = EarlyKernel(Manager(), ROOT, env)
    manager = early.manager
    assert early.take(ROOT, dict(env)) is manager
    early.close()
    assert stopped == []  # the run took it: the run stops it
    other = EarlyKernel(Manager(), ROOT, env)
    assert other.take(ROOT, {**env, "CLV_NOTEBOOK": "notebooks/clients/acme.ipynb"}) is None
    assert stopped == [True]
    assert start_early("../x") is None and start_early("a b") is None


def test_the_report_kernel_runs_one_blas_thread_unless_told(monkeypatch):
    from clv_lib.runner.early import kernel_env

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert kernel_env(Path("notebooks/clv_report.ipynb"), "abc")["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert kernel_env(Path("notebooks/clv_report.ipynb"), "abc")["OPENBLAS_NUM_THREADS"] == "4"
