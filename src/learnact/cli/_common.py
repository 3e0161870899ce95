"""Helpers shared by the training subcommands (train, compare, inspect)."""

from __future__ import annotations

import os


def one_line_errors(parser, command: str) -> None:
    """Make ``parser`` report bad arguments as one line on stderr (exit 2), no usage dump.

    The project promises one clear line per user error; argparse's default
    prints the whole usage first.
    """

    def error(message):
        parser.exit(2, f"learnact {command}: error: {message} (see learnact {command} --help)\n")

    parser.error = error


def add_data_arguments(parser) -> None:
    """Add ``--dataset`` and ``--data-dir``."""
    parser.add_argument(
        "--dataset",
        default="digits",
        metavar="NAME",
        help="digits (8x8, embedded, no network; default), mnist or cifar10",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the dataset's original archive (mnist.npz, cifar-10-python.tar.gz); "
        "without it Keras's cache or a download is used",
    )


def headless_plots() -> None:
    """Use matplotlib's file-only backend unless the user chose one (the CLI only saves)."""
    os.environ.setdefault("MPLBACKEND", "Agg")


def say(*parts) -> None:
    """Print a line to stdout and flush (progress shows up in logs and pipes)."""
    print(*parts, flush=True)
