"""Benchmarks behind ``learnact bench``: suites, side-by-side timing, JSON reports.

The suites live in the package, so that ``learnact bench`` (their one entry
point) works from an installed copy, and :func:`run_suites` runs them from
Python. A new suite is a module ``learnact.benchmarks.<name>`` with
``run(quick) -> {"suite", "rows", "targets"}`` and its name in :data:`SUITES`.

Suites:

* ``series``: TaylorExpansion forward+backward vs ReLU, tanh, PReLU and the
  formulation of the accepted Stack Overflow answer on Maclaurin series in Keras;
* ``polydense``: PolynomialDense vs Dense + ReLU;
* ``numgrad``: batched ``numerical_gradient`` vs the loop of "Deep Learning
  from Scratch" (section 4.3.3), with errors;
* ``cnn``: seconds per epoch of the expandable CNN vs the baseline CNN;
* ``kan``: KANDense (every basis) vs Dense + ReLU, PolynomialDense and
  pykan's KANLayer (PyTorch backend), batch 100, 1000 -> 1000;
* ``rational``: Rational(5, 4) (fused and autodiff) vs PReLU, TaylorExpansion
  and, on PyTorch, the ``rational_activations`` package.

Opt-in suites (:data:`OPTIONAL_SUITES`, run only when named: they take minutes
or need the ``bench`` extra):

* ``kan-tasks``: pykan's own tasks (hellokan, grid extension, deep formula,
  special function), learnact and pykan side by side: test RMSE and time.

Example:
    >>> from learnact.benchmarks import run_suites
    >>> report = run_suites(["numgrad"], quick=True)
    >>> sorted(report)
    ['environment', 'quick', 'suites']
"""

from __future__ import annotations

import importlib
import os
import platform
import time

from learnact.errors import UserInputError

SUITES = ("series", "polydense", "numgrad", "cnn", "kan")
SUITES += ("rational",)
# Run only when named (``--suite kan-tasks``); module name: the suite name with "_".
OPTIONAL_SUITES = ("kan-tasks",)


def environment() -> dict:
    """Return the facts a timing depends on: backend, versions, CPU count, date."""
    import keras
    import numpy as np

    env = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    if env["backend"] == "jax":
        import jax

        env["jax"] = jax.__version__
        env["device"] = str(jax.devices()[0])
    elif env["backend"] == "torch":
        import torch

        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    elif env["backend"] == "tensorflow":
        import tensorflow as tf

        env["tensorflow"] = tf.__version__
    return env


def run_suites(names=None, quick: bool = False, progress=None) -> dict:
    """Run the named suites (all by default) and return the report.

    Args:
        names: iterable of suite names from :data:`SUITES` or
            :data:`OPTIONAL_SUITES`, or None for all of :data:`SUITES`.
        quick: tiny sizes and few repeats (a smoke run, well under a minute).
        progress: optional callable receiving one line per finished suite.

    Returns:
        ``{"environment": {...}, "quick": bool, "suites": {name: result}}``.

    Raises:
        ValueError: an unknown suite name.
    """
    from learnact.benchmarks.steps import backend

    backend()  # refuse unsupported backends before any work
    names = list(SUITES if not names else names)
    for name in names:
        if name not in SUITES + OPTIONAL_SUITES:
            choices = ", ".join(SUITES + OPTIONAL_SUITES)
            raise UserInputError(f"unknown suite {name!r}; choose from {choices}")
    report = {"environment": environment(), "quick": bool(quick), "suites": {}}
    for name in names:
        start = time.perf_counter()
        module = importlib.import_module(f"learnact.benchmarks.{name.replace('-', '_')}")
        result = module.run(quick=quick)
        result["seconds"] = round(time.perf_counter() - start, 2)
        report["suites"][name] = result
        if progress is not None:
            progress(f"{name}: done in {result['seconds']:.1f} s")
    return report


_EXTRA_COLUMNS = (
    "speedup_vs_answer",
    "speedup_vs_autodiff",
    "speedup_vs_book",
    "max_rel_error",
    "seconds_per_epoch",
    "memory_mb",
    "test_rmse",
    "train_objective",
    "widths",
)


def _suite_table(result: dict) -> tuple[list[str], list[list[str]]]:
    """Return a suite's column names and its rows as formatted strings."""
    rows = result["rows"]
    group = "size" if "size" in rows[0] else "case" if "case" in rows[0] else None
    extras = [key for key in _EXTRA_COLUMNS if any(key in r for r in rows)]
    columns = [group or "", "candidate", "median ms", "ratio", *extras]
    cells = []
    for row in rows:
        if "skipped" in row:
            # A candidate that could not run (e.g. a peer package that does not import).
            cells.append([str(row.get(group, "")), row["name"], "skipped", row["skipped"]])
            cells[-1] += [""] * (len(columns) - len(cells[-1]))
            continue
        line = [
            str(row.get(group, "")),
            row["name"],
            f"{row['median_ms']:.3f}",
            "" if row["ratio"] is None else f"{row['ratio']:.2f}",
        ]
        for key in extras:
            value = row.get(key)
            if value is None:
                line.append("")
            elif key in ("max_rel_error", "test_rmse", "train_objective"):
                line.append(f"{value:.2e}")
            elif isinstance(value, (list, tuple)):
                line.append(str(list(value)))
            else:
                line.append(f"{value:.2f}")
        cells.append(line)
    return columns, cells


def _target_lines(report: dict, bold: bool) -> list[str]:
    lines = []
    for result in report["suites"].values():
        for t in result["targets"]:
            sign = ">=" if t["higher"] else "<="
            status = "met" if t["met"] else "MISSED"
            value = f"**{t['value']:.3g}**" if bold else f"{t['value']:.3g}"
            lines.append(
                f"{'- ' if bold else ''}{t['name']}: {value} ({sign} {t['limit']:g}) {status}"
            )
    return lines


def format_report(report: dict, markdown: bool = False) -> str:
    """Return the report as tables, one per suite, then the targets.

    Args:
        report: the result of :func:`run_suites`.
        markdown: Markdown tables (for ``docs/benchmarks.md``) instead of
            aligned plain text.

    Returns:
        The text.
    """
    env = report["environment"]
    lines = [
        f"backend {env['backend']}"
        + "".join(f", {k} {env[k]}" for k in ("jax", "torch", "keras") if k in env)
        + f", {env['cpus']} CPUs, {env['date']}"
    ]
    for name, result in report["suites"].items():
        columns, cells = _suite_table(result)
        lines.append("")
        if markdown:
            lines += [f"**{name}** ({result['seconds']:.1f} s)", ""]
            lines.append("| " + " | ".join(columns) + " |")
            lines.append("|" + "---|" * len(columns))
            lines += ["| " + " | ".join(row) + " |" for row in cells]
            continue
        lines.append(f"== {name} ({result['seconds']:.1f} s)")
        widths = [18, 22, 10, 8] + [20] * (len(columns) - 4)
        for row in [columns, *cells]:
            text = f"{row[0]:{widths[0]}s} {row[1]:{widths[1]}s}"
            text += "".join(
                f" {cell:>{width}s}" for cell, width in zip(row[2:], widths[2:], strict=True)
            )
            lines.append(text.rstrip())
    targets = _target_lines(report, bold=markdown)
    if targets:
        lines += ["", "**targets**" if markdown else "== targets", *([""] if markdown else [])]
        lines += targets
    return "\n".join(lines)


__all__ = ["OPTIONAL_SUITES", "SUITES", "environment", "format_report", "run_suites"]
