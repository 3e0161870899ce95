"""``learnact bench``: run the benchmark suites and print (and save) their ratios.

Example:
    $ learnact bench --quick
    $ KERAS_BACKEND=torch learnact bench --suite series --json runs/bench-torch.json
"""

from __future__ import annotations

import json
import os
import sys

from learnact.benchmarks import OPTIONAL_SUITES, SUITES
from learnact.cli._common import add_command
from learnact.cli.errors import CLIError


def add_parser(subparsers):
    """Register ``bench`` with ``--quick``, ``--json FILE`` and ``--suite NAME``."""
    parser = add_command(
        subparsers,
        "bench",
        run,
        help="time learnact's layers against fixed activations and the formulations they replace",
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
        "--markdown", metavar="FILE", help="also write the tables as Markdown (for the docs)"
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=SUITES + OPTIONAL_SUITES,
        metavar="NAME",
        help=(
            f"run only this suite (repeatable): {', '.join(SUITES)}; default all of these; "
            f"opt-in (minutes, needs pykan): {', '.join(OPTIONAL_SUITES)}"
        ),
    )
    return parser


def _prepare_output(option: str, path: str | None) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the folder of {option} {path!r}: {exc}") from None


def _write(option: str, path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise CLIError(f"cannot write {option} {path!r}: {exc}") from None
    print(f"wrote {path}", file=sys.stderr)


def run(args) -> int:
    """Run the selected suites, print the tables, write JSON/Markdown if asked; return 0."""
    _prepare_output("--json", args.json)
    _prepare_output("--markdown", args.markdown)
    from learnact.benchmarks import format_report, run_suites

    report = run_suites(
        args.suite, quick=args.quick, progress=lambda line: print(line, file=sys.stderr)
    )
    print(format_report(report))
    if args.json:
        _write("--json", args.json, json.dumps(report, indent=2))
    if args.markdown:
        _write("--markdown", args.markdown, format_report(report, markdown=True) + "\n")
    return 0
