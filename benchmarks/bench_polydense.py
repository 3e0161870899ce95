"""Run the ``polydense`` benchmark suite (same as ``learnact bench --suite polydense``).

Usage: ``[KERAS_BACKEND=torch] python benchmarks/bench_polydense.py [--quick] [--json FILE]``.
The suite's code lives in ``learnact.benchmarks.polydense`` so that the installed
command can run it too.
"""

import sys

from learnact.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--suite", "polydense", *sys.argv[1:]]))
