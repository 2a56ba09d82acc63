"""`python -m clv_lib.runner ...`: see `clv_lib.runner.cli`."""

from clv_lib.runner.cli import main

raise SystemExit(main())
