"""Helpers shared by the subcommands: one-line argument errors, shared flags, output."""

from __future__ import annotations

import argparse
import os


def one_line_errors(parser) -> None:
    """Make ``parser`` report bad arguments as one line on stderr (exit 2), no usage dump.

    The project promises one clear line per user error; argparse's default
    prints the whole usage first.
    """

    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    parser.error = error


def add_command(subparsers, name: str, run, *, help: str, description: str):
    """Register the subcommand ``name``: its parser, one-line argument errors, ``run``.

    A description with line breaks is printed as written (examples keep
    their layout); one without is wrapped to the terminal.

    Returns:
        The subcommand's parser, for its own arguments.
    """
    raw = "\n" in description.strip()
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter if raw else argparse.HelpFormatter,
    )
    one_line_errors(parser)
    parser.set_defaults(func=run)
    return parser


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


def add_fit_arguments(parser) -> None:
    """Add ``--epochs``, ``--batch-size``, ``--learning-rate``, ``--seed`` and friends.

    Their defaults are :class:`~learnact.training.RunConfig`'s.
    """
    from learnact.training.config import RunConfig

    default = RunConfig()
    parser.add_argument(
        "--epochs", type=int, default=default.epochs, metavar="N", help=f"epochs ({default.epochs})"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=default.batch_size,
        metavar="N",
        help=f"batch size ({default.batch_size})",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=default.learning_rate,
        metavar="LR",
        help=f"Adam learning rate ({default.learning_rate:g})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=default.seed,
        metavar="N",
        help=f"seed of weights, dropout, split ({default.seed})",
    )
    parser.add_argument(
        "--validation-split",
        type=float,
        default=default.validation_split,
        metavar="F",
        help="fraction of the training set used for per-epoch validation "
        f"({default.validation_split})",
    )


def headless_plots() -> None:
    """Use matplotlib's file-only backend unless the user chose one (the CLI only saves)."""
    os.environ.setdefault("MPLBACKEND", "Agg")


def say(*parts) -> None:
    """Print a line to stdout and flush (progress shows up in logs and pipes)."""
    print(*parts, flush=True)
