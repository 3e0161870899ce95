"""Compare models: each trained once per seed on one split, summarized, tabulated and drawn."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import statistics

from learnact._checks import check_int
from learnact._files import atomic_write_json, atomic_write_text

DEFAULT_MODELS = "baseline-cnn,expandable-cnn:3,expandable-cnn:5"


@dataclasses.dataclass
class Comparison:
    """The result of :func:`compare` (also written to ``comparison.json``).

    Attributes:
        dataset: the dataset's name.
        epochs: epochs per run.
        seeds: the seeds every model was trained with.
        rows: one summary per model (see :func:`summarize`).
        out: the output folder.
    """

    dataset: str
    epochs: int
    seeds: list
    rows: list
    out: str

    @property
    def table(self) -> str:
        """The Markdown table of ``comparison.md``."""
        return markdown_table(self.rows, self.dataset, self.epochs)

    def to_dict(self) -> dict:
        """The content of ``comparison.json``."""
        return {
            "dataset": self.dataset,
            "epochs": self.epochs,
            "seeds": self.seeds,
            "models": self.rows,
        }


def _spread(values: list[float]) -> dict:
    return {
        "mean": statistics.fmean(values),
        # Sample standard deviation over seeds: none for a single seed (not 0).
        "std": statistics.stdev(values) if len(values) > 1 else None,
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def summarize(results: dict[str, list[dict]]) -> list[dict]:
    """Return one row per model from ``{label: [metrics of each seed]}``.

    Each row has ``model``, ``parameters``, ``seeds``, ``test_accuracy`` and
    ``test_loss`` (``mean``, sample ``std``, ``min``, ``max``, ``values``) and
    ``seconds_per_epoch`` (mean over seeds of each run's median epoch, the
    compiling first epoch left out; None when every run had one epoch only).

    Example:
        >>> runs = [{"test_accuracy": a, "test_loss": 0.1, "seconds_per_epoch": 0.2,
        ...          "parameters": 10} for a in (0.9, 1.0)]
        >>> row = summarize({"m": runs})[0]
        >>> round(row["test_accuracy"]["mean"], 4), row["seeds"]
        (0.95, 2)
    """
    rows = []
    for label, runs in results.items():
        per_epoch = [r["seconds_per_epoch"] for r in runs if r.get("seconds_per_epoch") is not None]
        rows.append(
            {
                "model": label,
                "parameters": runs[0]["parameters"],
                "test_accuracy": _spread([r["test_accuracy"] for r in runs]),
                "test_loss": _spread([r["test_loss"] for r in runs]),
                "seconds_per_epoch": statistics.fmean(per_epoch) if per_epoch else None,
                "seeds": len(runs),
            }
        )
    return rows


def format_seconds_per_epoch(seconds) -> str:
    """Return ``seconds`` as printed in the table; ``n/a`` when there is no steady-state figure.

    Example:
        >>> format_seconds_per_epoch(0.12345), format_seconds_per_epoch(None)
        ('0.123', 'n/a')
    """
    if seconds is None or math.isnan(seconds):
        return "n/a"
    return f"{seconds:.3f}"


def markdown_table(rows: list[dict], dataset: str, epochs: int) -> str:
    """Return the comparison as a Markdown table (with a caption of two lines).

    The caption says that s/epoch leaves out the first, compiling epoch, so
    that a one-epoch comparison (``n/a``) is not read as a missing value.
    """
    lines = [
        f"Test accuracy on {dataset} after {epochs} epochs, over {rows[0]['seeds']} seeds "
        "(mean ± sample std, n/a for one seed; min-max).",
        "s/epoch: median epoch time without the first epoch, which compiles"
        + (" (n/a: one epoch only, no steady-state figure)." if epochs < 2 else "."),
        "",
        "| model | test accuracy | min-max | test loss | s/epoch | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        acc, loss = row["test_accuracy"], row["test_loss"]
        lines.append(
            f"| {row['model']} | {acc['mean']:.4f} ± {_format_std(acc['std'])} "
            f"| {acc['min']:.4f}-{acc['max']:.4f} | {loss['mean']:.4f} "
            f"| {format_seconds_per_epoch(row['seconds_per_epoch'])} | {row['parameters']:,} |"
        )
    return "\n".join(lines) + "\n"


def _format_std(std) -> str:
    return "n/a" if std is None else f"{std:.4f}"


def _folder_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", label)


def compare(
    models=DEFAULT_MODELS,
    *,
    seeds: int = 3,
    seed: int = 0,
    dataset: str = "digits",
    data_dir=None,
    epochs: int = 5,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    validation_split: float = 0.1,
    out="runs/compare",
    verbose: int = 0,
    progress=None,
) -> Comparison:
    """Train every model once per seed on the same split; summarize, tabulate and plot.

    Each run is a :func:`~learnact.training.train_run` in
    ``out/runs/<model>/seed-<seed>``; ``out`` also gets ``comparison.md``,
    ``comparison.json`` and ``comparison.png``. Every configuration is checked
    before the first (long) training starts.

    Args:
        models: model specs, comma-separated or as a list, e.g.
            ``"baseline-cnn,expandable-cnn:3,expandable-cnn:5:polynomial-dense"``
            (:func:`learnact.models.parse_model_spec`).
        seeds: seeds per model (1 to 1000): ``seed, seed + 1, ...``.
        seed: the first seed, and the seed of the train/test split.
        dataset, data_dir, epochs, batch_size, learning_rate, validation_split:
            as in :class:`~learnact.training.RunConfig`.
        out: the output folder (created).
        verbose: Keras verbosity of every run.
        progress: called with one line after each run (default: silent).

    Returns:
        A :class:`Comparison`.

    Raises:
        UserInputError: a bad model list or argument.
        NotADirectoryError, PermissionError: ``out`` cannot be used.
    """
    from learnact.datasets import load_dataset
    from learnact.models import parse_model_list
    from learnact.plotting import plot_comparison, save_figure
    from learnact.training.config import RunConfig
    from learnact.training.folder import prepare_out
    from learnact.training.run import train_run

    specs = parse_model_list(models)
    count = check_int("seeds", seeds, minimum=1, maximum=1000)
    configs = [
        RunConfig(
            model=spec.name,
            **spec.options,
            dataset=dataset,
            data_dir=data_dir,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            validation_split=validation_split,
        ).validated()
        for spec in specs
    ]
    seed_list = list(range(configs[0].seed, configs[0].seed + count))
    out = prepare_out(out)
    # One split for every model and seed: differences come from the models.
    data = load_dataset(dataset, data_dir, seed=seed)
    results: dict[str, list[dict]] = {}
    total, done = len(configs) * len(seed_list), 0
    for config in configs:
        for run_seed in seed_list:
            done += 1
            run_config = dataclasses.replace(config, seed=run_seed)
            run_dir = os.path.join(out, "runs", _folder_name(run_config.label), f"seed-{run_seed}")
            metrics = train_run(
                run_config, run_dir, verbose=verbose, log=lambda *_: None, data=data
            )
            if progress is not None:
                progress(
                    f"[{done}/{total}] {run_config.label} seed {run_seed}: test accuracy "
                    f"{metrics['test_accuracy']:.4f}, "
                    f"{format_seconds_per_epoch(metrics['seconds_per_epoch'])} s/epoch"
                )
            results.setdefault(run_config.label, []).append(metrics)

    comparison = Comparison(dataset, epochs, seed_list, summarize(results), out)
    atomic_write_text(os.path.join(out, "comparison.md"), comparison.table)
    atomic_write_json(os.path.join(out, "comparison.json"), comparison.to_dict())
    figure = plot_comparison(comparison.rows, f"{dataset}, {epochs} epochs, {len(seed_list)} seeds")
    save_figure(figure, os.path.join(out, "comparison.png"), dpi=100)
    return comparison


__all__ = [
    "DEFAULT_MODELS",
    "Comparison",
    "compare",
    "format_seconds_per_epoch",
    "markdown_table",
    "summarize",
]
