"""`python -m clv_lib.runner ...`: see `clv_lib.runner.cli`."""

from clv_lib.report.collector import collect_less

collect_less()  # a report run's processes collect garbage less often (clv_lib.report.collector)

from clv_lib.runner.cli import main  # noqa: E402 - after the collector's setting, for its imports too

raise SystemExit(main())
