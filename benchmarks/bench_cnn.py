"""Run the ``cnn`` benchmark suite (same as ``learnact bench --suite cnn``).

Usage: ``[KERAS_BACKEND=torch] python benchmarks/bench_cnn.py [--quick] [--json FILE]``.
The suite's code lives in ``learnact.benchmarks.cnn`` so that the installed
command can run it too.
"""

import sys

from learnact.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--suite", "cnn", *sys.argv[1:]]))
