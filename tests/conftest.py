"""The suite on several workers: `make test` runs pytest-xdist with two (`-n 2`, `--dist loadfile`, pyproject.toml).

Which tests share a worker: the tests of one module run on one worker, in their order, as in a serial run, so a
module's fixtures (a PostgreSQL server, a Spark session, reports built once for many tests) start once. A module
whose expensive parts are independent is split by the words in SPLIT: its tests whose names hold a word form one
unit, which keeps the fixtures they share (tests/test_report_engines.py: both PostgreSQL reports share one server,
while the DuckDB and the Spark reports run on the other worker).

Which start first: the units in LONGEST, longest first, so that the two workers finish together instead of one
waiting for a report started last; the others follow in their files' order. LONGEST only orders the work: a unit
missing from it, or a stale entry, changes the wall time, never what runs.

A plain `python -m pytest` (no `-n`) runs serially, in the files' order; both ways run every test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Modules split into units by words of their tests' names (a test joins the unit of the first word it holds).
SPLIT = {
    "test_report_engines.py": ("postgres", "duckdb", "spark"),
    "test_engines.py": ("spark",),  # the Spark tests share one Spark session, the others a PostgreSQL server
    "test_conformance.py": ("spark",),  # Spark's examples (with their own PostgreSQL server) beside the SQL ones
}

#: Units measured longest in a serial run (`make test TEST_WORKERS=0 PYTEST_ARGS=--junitxml=...`, each unit's tests
#: summed: 2026-12-06, 30 s to 181 s each under a load of 7), longest first.
LONGEST = (
    "test_report_engines.py[spark]", "test_new_client.py", "test_report_e2e.py", "test_conformance.py[spark]",
    "test_errors_language.py", "test_report_engines.py[postgres]", "test_engines.py[spark]", "test_runner_e2e.py",
    "test_analysts_e2e.py", "test_model_choice_e2e.py", "test_conformance.py", "test_engines.py",
    "test_recurring_e2e.py", "test_acquisition.py", "test_new_subscribers.py", "test_short_history_e2e.py",
    "test_one_definition_e2e.py", "test_model_choice.py", "test_stripe_mrr_e2e.py", "test_report_engines.py[duckdb]",
    "test_data_orders.py", "test_workers.py", "test_safe_outputs.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its module, or the module's part named by a word of SPLIT."""
    module, _, test = nodeid.partition("::")
    for word in SPLIT.get(Path(module).name, ()):
        if word in test:
            return f"{module}[{word}]"
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist loadfile`: the module units, split as SPLIT says, handed out in the workers' order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleUnits(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return ModuleUnits(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker, the units of LONGEST first (the controller hands the units out in this order, as
    `--no-loadscope-reorder` asks); within a unit the tests keep their order."""
    if not hasattr(config, "workerinput"):
        return
    first: dict[str, int] = {}
    for item in items:
        first.setdefault(unit_of(item.nodeid), len(first))
    rank = {name: i for i, name in enumerate(LONGEST)}

    def key(item: pytest.Item) -> tuple[int, int]:
        unit = unit_of(item.nodeid)
        return rank.get(Path(unit).name, len(rank)), first[unit]

    items.sort(key=key)


def pytest_configure(config: pytest.Config) -> None:
    """Before the workers start, the controller installs the project's kernelspec once (each report run writes
    it when it is missing: two workers writing one file at once in a fresh environment could read it half-written)."""
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        from clv_lib.runner.kernel import ensure_kernel

        ensure_kernel()
