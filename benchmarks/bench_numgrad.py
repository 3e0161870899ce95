"""Run the ``numgrad`` benchmark suite (same as ``learnact bench --suite numgrad``).

Usage: ``[KERAS_BACKEND=torch] python benchmarks/bench_numgrad.py [--quick] [--json FILE]``.
The suite's code lives in ``learnact.benchmarks.numgrad`` so that the installed
command can run it too.
"""

import sys

from learnact.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--suite", "numgrad", *sys.argv[1:]]))
