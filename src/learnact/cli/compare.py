"""``learnact compare``: train several models over several seeds on one split; tabulate."""

from __future__ import annotations

from learnact.cli._common import (
    add_command,
    add_data_arguments,
    add_fit_arguments,
    headless_plots,
    say,
)

DESCRIPTION = """\
Train each model once per seed (seeds 0..N-1) on the same train/test split and
report, per model, the mean and spread of the test accuracy, the seconds per
epoch (median over epochs, so JIT compilation is left out) and the parameters.

A model is NAME[:ORDER[:EXPANSION]] with NAME expandable-cnn or baseline-cnn
and EXPANSION taylor (default), polynomial-dense or rational.

Writes to --out: comparison.md, comparison.json, comparison.png, and each
run's folder under runs/ (as `learnact train` writes them).

example:
  learnact compare --models baseline-cnn,expandable-cnn:3,expandable-cnn:5 --seeds 3
"""


def add_parser(subparsers) -> None:
    """Register ``compare`` and its arguments."""
    from learnact.training.comparison import DEFAULT_MODELS

    parser = add_command(
        subparsers,
        "compare",
        run,
        help="train several models over several seeds and compare them",
        description=DESCRIPTION,
    )
    parser.add_argument(
        "--models",
        default=DEFAULT_MODELS,
        metavar="LIST",
        help=f"comma-separated models ({DEFAULT_MODELS})",
    )
    parser.add_argument(
        "--seeds", type=int, default=3, metavar="N", help="seeds per model, 0..N-1 (3)"
    )
    add_data_arguments(parser)
    add_fit_arguments(parser)
    parser.add_argument("--out", default="runs/compare", metavar="DIR", help="output folder")
    parser.add_argument("--verbose", action="store_true", help="progress bar for every epoch")


def run(args) -> int:
    """Compare the models with :func:`learnact.training.compare`; print the table."""
    headless_plots()
    from learnact.training import compare

    comparison = compare(
        args.models,
        seeds=args.seeds,
        seed=args.seed,
        dataset=args.dataset,
        data_dir=args.data_dir,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        validation_split=args.validation_split,
        out=args.out,
        verbose=1 if args.verbose else 0,
        progress=say,
    )
    say("")
    say(comparison.table)
    say(f"written to {comparison.out}: comparison.md, comparison.json, comparison.png, runs/")
    return 0
