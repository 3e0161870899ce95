"""``learnact train``: train the expandable CNN (or its baseline) on a dataset."""

from __future__ import annotations

from learnact.cli._common import (
    add_command,
    add_data_arguments,
    add_fit_arguments,
    headless_plots,
    say,
)

DESCRIPTION = """\
Train the CNN of the Stack Overflow question "How do I implement a Maclaurin
series in Keras?" with a learned series expansion after its 512-unit dense
layer (expandable-cnn) or without it (baseline-cnn).

Writes to --out: model.keras, history.csv (one row per epoch, from 0),
metrics.json (test_accuracy, test_loss, epochs, seconds, parameters),
curves.png, config.json and backup/ (the checkpoint --resume continues from,
written so that even SIGKILL cannot corrupt it). Without --resume a previous
run in --out is replaced. --resume accepts a different --epochs (to extend a
finished run), --learning-rate, --data-dir or --data-parallel; any other
change is refused.

examples:
  learnact train --epochs 5 --out runs/demo
  learnact train --model baseline-cnn --dataset cifar10 --data-dir ~/data --out runs/c10
  learnact train --model expandable-cnn:5:rational --out runs/rational
  learnact train --out runs/demo --resume --epochs 10
  XLA_FLAGS=--xla_force_host_platform_device_count=2 learnact train --data-parallel
"""


def add_parser(subparsers) -> None:
    """Register ``train`` and its arguments."""
    parser = add_command(
        subparsers,
        "train",
        run,
        help="train an expandable CNN or its baseline; resumable",
        description=DESCRIPTION,
    )
    add_model_arguments(parser)
    add_data_arguments(parser)
    add_fit_arguments(parser)
    parser.add_argument("--out", default="runs/train", metavar="DIR", help="run folder")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last epoch"
    )
    parser.add_argument(
        "--data-parallel",
        action="store_true",
        help="split each batch over all devices with keras.distribution.DataParallel (JAX only)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_model_arguments(parser) -> None:
    """Add ``--model``, ``--order``, ``--expansion`` and ``--grid-size`` (RunConfig's defaults).

    The option flags default to None (not given): the model spec's own
    options and defaults apply then, and a flag may not contradict the spec.
    """
    from learnact.training.config import RunConfig

    default = RunConfig()
    parser.add_argument(
        "--model",
        default=default.model,
        metavar="SPEC",
        help="expandable-cnn, baseline-cnn or kan, with options as in compare: "
        f"NAME[:ORDER[:EXPANSION]], kan[:GRID_SIZE], e.g. expandable-cnn:5:rational "
        f"({default.model})",
    )
    parser.add_argument(
        "--order",
        type=int,
        default=None,
        metavar="N",
        help=f"order of the expansion ({default.order}); same as expandable-cnn:N",
    )
    parser.add_argument(
        "--expansion",
        default=None,
        metavar="KIND",
        help="taylor (a series on each of the 512 features; default), polynomial-dense "
        "(a polynomial classifier), rational (Padé units of degrees ORDER/ORDER-1) or none",
    )
    parser.add_argument(
        "--grid-size",
        type=int,
        default=None,
        metavar="G",
        help=f"grid intervals of the kan model's layers ({default.grid_size}); same as kan:G",
    )


def config_from_args(args):
    """Return the :class:`~learnact.training.RunConfig` the arguments describe."""
    from learnact.training import RunConfig

    values = {
        "order": args.order,
        "expansion": args.expansion,
        "grid_size": args.grid_size,
        "dataset": args.dataset,
        "data_dir": args.data_dir,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "validation_split": args.validation_split,
        "data_parallel": args.data_parallel,
    }
    return RunConfig.from_model_spec(args.model, **values)


def run(args) -> int:
    """Train as ``args`` say and print a summary; return 0."""
    headless_plots()
    from learnact.training import train_run

    config = config_from_args(args)
    verbose = 0 if args.quiet else 1
    metrics = train_run(config, args.out, resume=args.resume, verbose=verbose, log=say)
    say(
        f"{metrics['model']} on {metrics['dataset']}: "
        f"test accuracy {metrics['test_accuracy']:.4f}, "
        f"test loss {metrics['test_loss']:.4f} after {metrics['epochs']} epochs "
        f"({metrics['seconds']:.1f} s of training, {metrics['parameters']:,} parameters)"
    )
    say(f"outputs in {args.out}: model.keras, history.csv, metrics.json, curves.png")
    return 0
