"""``learnact bench``: run the benchmark suites and print (and save) their ratios.

Example:
    $ learnact bench --quick
    $ KERAS_BACKEND=torch learnact bench --suite series --json runs/bench-torch.json
"""

from __future__ import annotations

import json
import os
import sys

from learnact.cli.errors import CLIError

SUITES = ("series", "polydense", "numgrad", "cnn")  # as learnact.benchmarks.SUITES, kept light


def add_parser(subparsers):
    """Register ``bench`` with ``--quick``, ``--json FILE`` and ``--suite NAME``."""
    parser = subparsers.add_parser(
        "bench",
        help="time learnact's layers against fixed activations and the seed answers",
        description=(
            "Run benchmark suites side by side (interleaved rounds, medians, ratios). "
            "The backend is KERAS_BACKEND (jax when unset, or torch)."
        ),
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and few repeats (a smoke run)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the full report as JSON")
    parser.add_argument(
        "--suite",
        action="append",
        choices=SUITES,
        metavar="NAME",
        help=f"run only this suite (repeatable): {', '.join(SUITES)}; default all",
    )
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    """Run the selected suites, print the tables, write JSON if asked; return 0."""
    if args.json:
        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder):
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise CLIError(f"cannot create the folder of --json {args.json!r}: {exc}") from None
    from learnact.benchmarks import format_report, run_suites

    report = run_suites(
        args.suite, quick=args.quick, progress=lambda line: print(line, file=sys.stderr)
    )
    print(format_report(report))
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(report, stream, indent=2)
        except OSError as exc:
            raise CLIError(f"cannot write --json {args.json!r}: {exc}") from None
        print(f"wrote {args.json}", file=sys.stderr)
    return 0
