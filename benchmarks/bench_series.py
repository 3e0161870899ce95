"""Run the ``series`` benchmark suite (same as ``learnact bench --suite series``).

Usage: ``[KERAS_BACKEND=torch] python benchmarks/bench_series.py [--quick] [--json FILE]``.
The suite's code lives in ``learnact.benchmarks.series`` so that the installed
command can run it too.
"""

import sys

from learnact.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--suite", "series", *sys.argv[1:]]))
