"""Entry point of the ``learnact`` command.

Each subcommand lives in its own module ``learnact.cli.<name>`` exposing
``add_parser(subparsers)`` (registers arguments and sets ``func``) and keeps its
heavy imports (matplotlib, sympy, training) inside the function that runs it.
Keras itself starts with ``import learnact``, which registers learnact's layers
(see :mod:`learnact`): every command, ``--help`` included, pays for that.

Errors a user can cause (bad arguments, unreadable files, invalid values:
:func:`learnact.errors.is_user_error`) are printed as one line on stderr with
exit status 2. Anything else is a bug: it keeps its traceback and Python's
exit status 1 (``LEARNACT_DEBUG=1`` shows the traceback of user errors too).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from learnact._checks import first_line
from learnact.cli._common import one_line_errors
from learnact.errors import is_user_error

# One module learnact.cli.<name> per subcommand, each with add_parser(subparsers).
SUBCOMMANDS = ("train", "compare", "inspect", "gradfield", "gradcheck", "bench")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="learnact",
        description="Learned nonlinearities for Keras 3, and tools to check and see gradients.",
    )
    from learnact import __version__

    one_line_errors(parser)
    parser.add_argument("--version", action="version", version=f"learnact {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"learnact.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"learnact.cli.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``learnact`` command with ``argv`` (default: ``sys.argv[1:]``); return its status."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print(f"learnact {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not is_user_error(exc) or os.environ.get("LEARNACT_DEBUG"):
            raise
        message = first_line(exc)
        print(f"learnact {args.command}: error: {message}", file=sys.stderr)
        return 2
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
