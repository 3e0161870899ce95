"""``learnact compare``: train several models over several seeds on one split; tabulate."""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics

from learnact.cli._common import add_data_arguments, headless_plots, one_line_errors, say
from learnact.cli.errors import CLIError

DESCRIPTION = """\
Train each model once per seed (seeds 0..N-1) on the same train/test split and
report, per model, the mean and spread of the test accuracy, the seconds per
epoch (median over epochs, so JIT compilation is left out) and the parameters.

A model is NAME[:ORDER[:EXPANSION]] with NAME expandable-cnn or baseline-cnn
and EXPANSION taylor (default) or polynomial-dense.

Writes to --out: comparison.md, comparison.json, comparison.png, and each
run's folder under runs/ (as `learnact train` writes them).

example:
  learnact compare --models baseline-cnn,expandable-cnn:3,expandable-cnn:5 --seeds 3
"""

DEFAULT_MODELS = "baseline-cnn,expandable-cnn:3,expandable-cnn:5"


def add_parser(subparsers) -> None:
    """Register ``compare`` and its arguments."""
    from learnact.cli.train import add_fit_arguments

    parser = subparsers.add_parser(
        "compare",
        help="train several models over several seeds and compare them",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    one_line_errors(parser, "compare")
    parser.set_defaults(func=run)


def parse_models(text: str) -> list[tuple[str, int | None, str | None]]:
    """Parse ``"baseline-cnn,expandable-cnn:3,expandable-cnn:5:polynomial-dense"``.

    Returns:
        ``[(model, order, expansion), ...]`` with the baseline as
        ``("baseline-cnn", None, None)``.

    Raises:
        CLIError: an empty list, an unknown name, a bad order or expansion,
            an order given to the baseline, or a model listed twice.
    """
    from learnact.layers.limits import MAX_ORDER
    from learnact.training.run import EXPANSION_NAMES, MODELS

    specs, seen = [], set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, *rest = item.split(":")
        if name not in MODELS:
            raise CLIError(f"unknown model {name!r} in --models; choose from {', '.join(MODELS)}")
        if name == "baseline-cnn":
            if rest:
                raise CLIError(f"baseline-cnn takes no order or expansion; received {item!r}")
            spec = (name, None, None)
        else:
            if len(rest) > 2:
                raise CLIError(f"a model is NAME[:ORDER[:EXPANSION]]; received {item!r}")
            try:
                order = int(rest[0]) if rest else 3
            except ValueError:
                raise CLIError(f"the order in {item!r} must be an integer") from None
            if not 1 <= order <= MAX_ORDER:
                raise CLIError(f"the order in {item!r} must be in [1, {MAX_ORDER}]")
            expansion = rest[1] if len(rest) > 1 else "taylor"
            if expansion not in EXPANSION_NAMES:
                choices = ", ".join(k for k in EXPANSION_NAMES if "_" not in k)
                raise CLIError(
                    f"unknown expansion {expansion!r} in {item!r}; choose from {choices}"
                )
            spec = (name, order, expansion)
        if spec in seen:
            raise CLIError(f"model {item!r} is listed twice in --models")
        seen.add(spec)
        specs.append(spec)
    if not specs:
        raise CLIError("--models lists no model")
    return specs


def _spread(values: list[float]) -> dict:
    return {
        "mean": statistics.fmean(values),
        # Sample standard deviation over seeds; 0 for a single seed.
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def summarize(results: dict[str, list[dict]]) -> list[dict]:
    """Return one row per model from ``{label: [metrics of each seed]}``."""
    rows = []
    for label, runs in results.items():
        per_epoch = [r["seconds_per_epoch"] for r in runs if r.get("seconds_per_epoch") is not None]
        rows.append(
            {
                "model": label,
                "parameters": runs[0]["parameters"],
                "test_accuracy": _spread([r["test_accuracy"] for r in runs]),
                "test_loss": _spread([r["test_loss"] for r in runs]),
                "seconds_per_epoch": statistics.fmean(per_epoch) if per_epoch else math.nan,
                "seeds": len(runs),
            }
        )
    return rows


def markdown_table(rows: list[dict], dataset: str, epochs: int) -> str:
    """Return the comparison as a Markdown table (with a one-line caption)."""
    lines = [
        f"Test accuracy on {dataset} after {epochs} epochs, over {rows[0]['seeds']} seeds "
        "(mean ± sample std; min-max).",
        "",
        "| model | test accuracy | min-max | test loss | s/epoch | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        acc, loss = row["test_accuracy"], row["test_loss"]
        lines.append(
            f"| {row['model']} | {acc['mean']:.4f} ± {acc['std']:.4f} "
            f"| {acc['min']:.4f}-{acc['max']:.4f} | {loss['mean']:.4f} "
            f"| {row['seconds_per_epoch']:.3f} | {row['parameters']:,} |"
        )
    return "\n".join(lines) + "\n"


def plot_comparison(rows: list[dict], title: str):
    """Return a figure: test accuracy per seed with mean ± std, and seconds per epoch."""
    import matplotlib.pyplot as plt

    labels = [row["model"] for row in rows]
    positions = range(len(rows))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(max(8.0, 2.6 * len(rows) + 3), 4.2), layout="constrained"
    )
    for i, row in enumerate(rows):
        acc = row["test_accuracy"]
        left.scatter([i] * len(acc["values"]), acc["values"], color=f"C{i}", alpha=0.5, s=18)
        left.errorbar(i, acc["mean"], yerr=acc["std"], fmt="D", color=f"C{i}", capsize=6, ms=7)
    left.set_xticks(list(positions), labels, rotation=15, ha="right", rotation_mode="anchor")
    left.set_ylabel("test accuracy")
    left.set_title("test accuracy (dots: seeds; diamond: mean ± std)")
    left.grid(True, axis="y", alpha=0.3)
    seconds = [row["seconds_per_epoch"] for row in rows]
    bars = right.bar(list(positions), seconds, color=[f"C{i}" for i in positions])
    params = [f"{row['parameters']:,} params" for row in rows]
    right.bar_label(bars, labels=params, fontsize="small")
    right.set_xticks(list(positions), labels, rotation=15, ha="right", rotation_mode="anchor")
    right.set_ylabel("seconds per epoch (median)")
    right.set_title("speed and size")
    right.margins(y=0.15)
    figure.suptitle(title)
    return figure


def _folder_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", label)


def run(args) -> int:
    """Train every model for every seed, then print and write the comparison."""
    headless_plots()
    import dataclasses

    from learnact._checks import check_int
    from learnact.cli.train import config_from_args
    from learnact.datasets import load_dataset
    from learnact.training import train_run
    from learnact.training.files import atomic_write_json, atomic_write_text, save_figure
    from learnact.training.run import prepare_out

    specs = parse_models(args.models)
    count = check_int("seeds", args.seeds, minimum=1, maximum=1000)
    seeds = list(range(args.seed, args.seed + count))
    # Validate every configuration before the first (long) training starts.
    configs = [
        config_from_args(args, model=m, order=o or 1, expansion=e or "none", data_parallel=False)
        for m, o, e in specs
    ]
    out = prepare_out(args.out)
    # One split for every model and seed: differences come from the models.
    data = load_dataset(args.dataset, args.data_dir, seed=args.seed)
    results: dict[str, list[dict]] = {}
    total, done = len(configs) * len(seeds), 0
    for config in configs:
        for seed in seeds:
            done += 1
            run_config = dataclasses.replace(config, seed=seed)
            run_dir = os.path.join(out, "runs", _folder_name(run_config.label), f"seed-{seed}")
            metrics = train_run(
                run_config,
                run_dir,
                verbose=1 if args.verbose else 0,
                log=lambda *_: None,
                data=data,
            )
            say(
                f"[{done}/{total}] {run_config.label} seed {seed}: test accuracy "
                f"{metrics['test_accuracy']:.4f}, {metrics['seconds_per_epoch']:.3f} s/epoch"
            )
            results.setdefault(run_config.label, []).append(metrics)

    rows = summarize(results)
    table = markdown_table(rows, args.dataset, args.epochs)
    atomic_write_text(os.path.join(out, "comparison.md"), table)
    atomic_write_json(
        os.path.join(out, "comparison.json"),
        {"dataset": args.dataset, "epochs": args.epochs, "seeds": seeds, "models": rows},
    )
    figure = plot_comparison(rows, f"{args.dataset}, {args.epochs} epochs, {len(seeds)} seeds")
    save_figure(figure, os.path.join(out, "comparison.png"), dpi=100)
    say("")
    say(table)
    say(f"written to {out}: comparison.md, comparison.json, comparison.png, runs/")
    return 0
