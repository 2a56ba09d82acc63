"""The garbage collector in a report run's processes: the runner, the notebook's kernel and its figure workers.

A report allocates millions of short-lived containers (pandas, Ibis expressions, matplotlib artists, notebook
JSON). With CPython's default thresholds (700, 10, 10) the collector ran about 900 young and 7 full collections in
the demo's kernel, 0.8-1 s of its CPU, most of it in full collections walking the ~230,000 objects the imports
leave (modules, functions, classes) that are never garbage. So each process:

* collects the young generation every `THRESHOLDS[0]` allocations instead of 700 (`collect_less`, first thing);
* once its imports are done, moves what they made out of the collector's sight (`gc.freeze`, `imports_done`):
  later collections walk only what the report itself made.

Memory: a young collection every 20,000 container allocations holds at most a few megabytes more between
collections; reference counting still frees everything that is not in a cycle at once, as before. Nothing
computed depends on when the collector runs.
"""

from __future__ import annotations

import gc

#: Young-generation allocations between collections, then young and middle collections between the next older
#: generation's (CPython's defaults: 700, 10, 10).
THRESHOLDS = (20_000, 20, 10)


def collect_less() -> None:
    """Collect less often: `THRESHOLDS`."""
    gc.set_threshold(*THRESHOLDS)


def imports_done() -> None:
    """The objects alive now (the imported modules) are left out of every later collection."""
    gc.freeze()
