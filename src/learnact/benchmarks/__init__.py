"""Benchmarks behind ``learnact bench``: suites, side-by-side timing, JSON reports.

The suites live in the package (not only in the checkout's ``benchmarks/``
scripts) so that ``learnact bench`` works from an installed copy; the
scripts in ``benchmarks/`` are thin entry points to the same code.

Suites (each ``run(quick) -> {"suite", "rows", "targets"}``):

* ``series``: TaylorExpansion forward+backward vs ReLU, tanh, PReLU and the
  accepted answer's formulation;
* ``polydense``: PolynomialDense vs Dense + ReLU;
* ``numgrad``: batched ``numerical_gradient`` vs the book's loop, with errors;
* ``cnn``: seconds per epoch of the expandable CNN vs the baseline CNN.

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

SUITES = ("series", "polydense", "numgrad", "cnn")


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
    return env


def run_suites(names=None, quick: bool = False, progress=None) -> dict:
    """Run the named suites (all by default) and return the report.

    Args:
        names: iterable of suite names from :data:`SUITES`, or None for all.
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
        if name not in SUITES:
            raise ValueError(f"unknown suite {name!r}; choose from {', '.join(SUITES)}")
    report = {"environment": environment(), "quick": bool(quick), "suites": {}}
    for name in names:
        start = time.perf_counter()
        result = importlib.import_module(f"learnact.benchmarks.{name}").run(quick=quick)
        result["seconds"] = round(time.perf_counter() - start, 2)
        report["suites"][name] = result
        if progress is not None:
            progress(f"{name}: done in {result['seconds']:.1f} s")
    return report


def format_report(report: dict) -> str:
    """Return the report as plain-text tables, one per suite, then the targets."""
    lines = []
    env = report["environment"]
    lines.append(
        f"backend {env['backend']}"
        + "".join(f", {k} {env[k]}" for k in ("jax", "torch", "keras") if k in env)
        + f", {env['cpus']} CPUs, {env['date']}"
    )
    for name, result in report["suites"].items():
        lines.append("")
        lines.append(f"== {name} ({result['seconds']:.1f} s)")
        rows = result["rows"]
        group = "size" if "size" in rows[0] else "case" if "case" in rows[0] else None
        extras = [
            key
            for key in (
                "speedup_vs_answer",
                "speedup_vs_autodiff",
                "speedup_vs_book",
                "max_rel_error",
                "seconds_per_epoch",
                "memory_mb",
            )
            if any(key in r for r in rows)
        ]
        header = f"{'':18s} {'candidate':22s} {'median ms':>10s} {'ratio':>8s}"
        header += "".join(f" {key:>20s}" for key in extras)
        lines.append(header)
        for row in rows:
            ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
            line = f"{str(row.get(group, '')):18s} {row['name']:22s} "
            line += f"{row['median_ms']:10.3f} {ratio:>8s}"
            for key in extras:
                value = row.get(key)
                if value is None:
                    line += f" {'':>20s}"
                elif key == "max_rel_error":
                    line += f" {value:20.2e}"
                else:
                    line += f" {value:20.2f}"
            lines.append(line)
    targets = [t for result in report["suites"].values() for t in result["targets"]]
    if targets:
        lines.append("")
        lines.append("== targets")
        for t in targets:
            sign = ">=" if t["higher"] else "<="
            status = "met" if t["met"] else "MISSED"
            lines.append(f"{t['name']}: {t['value']:.3g} ({sign} {t['limit']:g}) {status}")
    return "\n".join(lines)


__all__ = ["SUITES", "environment", "format_report", "run_suites"]
