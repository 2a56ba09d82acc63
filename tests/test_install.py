"""Install profiles and the lock: the environment is the one requirements.lock pins, the runtime profile carries no
test tool or database driver, and an engine's drivers install (once, saying so) when a report first needs them."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from clv_lib.exceptions import EngineError
from clv_lib.report import lockfile
from clv_lib.runner import drivers

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
BOOTSTRAP = {"pip", "setuptools", "wheel", "clv-report"}  # the venv's own tools and the project itself


def closure(extras: tuple[str, ...]) -> set[str]:
    """Every distribution `clv-report[extras]` needs on this interpreter, following extras transitively."""
    seen: set[str] = set()
    todo = [("clv-report", set(extras))]
    done: set[tuple[str, frozenset]] = set()
    while todo:
        name, wanted = todo.pop()
        key = (lockfile.normalize(name), frozenset(wanted))
        if key in done:
            continue
        done.add(key)
        seen.add(key[0])
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (wanted or {""})):
                todo.append((req.name, set(req.extras)))
    return seen - {"clv-report"}


def test_installed_versions_are_the_locked_ones():
    pins = lockfile.pins(LOCK)
    have = lockfile.installed_versions()
    differing = {name: (have[name], version) for name, version in pins.items() if name in have and have[name] != version}
    assert differing == {}, f"installed (version, lock) differ; run make setup-dev: {differing}"
    # `make test` installs the dev profile, which is every extra: each pin that applies here is installed.
    assert sorted(set(pins) - set(have)) == []
    check = lockfile.check(ROOT)
    assert check.matches and check.sha256 == lockfile.sha256(LOCK) and check.pinned == len(pins)


def test_every_requirement_of_every_profile_is_pinned():
    pins = lockfile.pins(LOCK)
    for extras in ((), ("postgres",), ("spark",), ("dev",)):
        unpinned = sorted(closure(extras) - set(pins) - BOOTSTRAP)
        assert unpinned == [], f"clv-report[{','.join(extras)}] needs {unpinned}, not in the lock: run make lock"


def test_the_lock_is_universal_and_made_by_make_lock():
    text = LOCK.read_text(encoding="utf-8")
    assert "#    make lock" in text.splitlines()[1]
    assert "python_full_version < '3.11'" in text  # pins for every Python the project supports (>= 3.10)
    assert "sys_platform == 'darwin'" in text  # and every platform (ipykernel's appnope on macOS)


def test_runtime_profile_has_no_test_tools_nor_database_drivers():
    runtime = closure(())
    for heavy in ("pyspark", "playwright", "psycopg", "pytest", "pytest-xdist", "hypothesis", "uv"):
        assert heavy not in runtime, heavy
    assert {"papermill", "nbconvert", "pandas", "seaborn", "duckdb", "jupyterlab"} <= runtime
    assert "pyspark" in closure(("spark",)) and "psycopg" in closure(("postgres",))
    assert "pyspark" not in closure(("postgres",))


def test_engine_drivers_install_once_with_one_line(monkeypatch, capsys):
    """A missing driver: one line, then pip on the extra's requirements pinned by the lock; present: nothing."""
    state = {"present": False}
    monkeypatch.setattr(drivers, "installed", lambda engine: state["present"])
    calls = []

    def fake_pip(command, **_):
        calls.append(command)
        state["present"] = True
        return subprocess.CompletedProcess(command, 0, "", "")

    assert drivers.ensure_drivers("postgres", ROOT, run=fake_pip) is True
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("installing the postgres engine's drivers (")
    (command,) = calls
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[command.index("--constraint") + 1] == str(LOCK)
    assert any(c.startswith("psycopg[binary]") for c in command) and not any("pyspark" in c for c in command)
    assert drivers.ensure_drivers("postgres", ROOT, run=fake_pip) is False and len(calls) == 1
    assert capsys.readouterr().err == ""


def test_engine_driver_install_failure_is_one_line(monkeypatch):
    monkeypatch.setattr(drivers, "installed", lambda engine: False)

    def offline(command, **_):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found for pyspark")

    with pytest.raises(EngineError) as info:
        drivers.ensure_drivers("spark", ROOT, run=offline)
    message = str(info.value)
    assert "\n" not in message and message.startswith("engine spark: installing its drivers failed (ERROR: No "
                                                      "matching distribution found for pyspark)")
    assert "clv_lib.runner drivers spark" in message


def test_drivers_present_in_the_dev_profile():
    assert drivers.installed("postgres") and drivers.installed("spark") and drivers.installed("duckdb")
    proc = subprocess.run([sys.executable, "-m", "clv_lib.runner", "drivers", "postgres"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "drivers are installed" in proc.stdout and proc.stderr == ""
