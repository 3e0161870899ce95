"""numerical_gradient suite: the batched implementation vs the loop of a textbook.

The book (*Deep Learning from Scratch*, 4.3.3, ``gradient_2d.py``) perturbs
one coordinate of one point at a time, in place, and calls the function once
per perturbed point: ``2 N D`` Python-level calls. ``numerical_gradient``
with a batch function evaluates all ``2 N D`` perturbed points in one call.

Accuracy is the max relative error against the analytic gradient, point by
point: ``max_n ||g_n - a_n||_inf / ||a_n||_inf``.
"""

from __future__ import annotations

import numpy as np

from learnact.benchmarks.timing import Candidate, compare, target


def book_numerical_gradient(f, X):
    """The book's ``numerical_gradient`` (central differences, ``h = 1e-4``), as printed.

    Args:
        f: one-point function of a ``(D,)`` array.
        X: ``(D,)`` or ``(N, D)`` float array; perturbed in place and restored.

    Returns:
        Array of ``X``'s shape.
    """

    def no_batch(f, x):
        h = 1e-4  # 0.0001
        grad = np.zeros_like(x)
        for idx in range(x.size):
            tmp_val = x[idx]
            x[idx] = float(tmp_val) + h
            fxh1 = f(x)  # f(x+h)
            x[idx] = tmp_val - h
            fxh2 = f(x)  # f(x-h)
            grad[idx] = (fxh1 - fxh2) / (2 * h)
            x[idx] = tmp_val
        return grad

    if X.ndim == 1:
        return no_batch(f, X)
    grad = np.zeros_like(X)
    for idx, x in enumerate(X):
        grad[idx] = no_batch(f, x)
    return grad


# The book's f = sin(x0 * x1), as a one-point and a batch function.
def sin_xy_point(x):
    return np.sin(x[0] * x[1])


def sin_xy_batch(X):
    return np.sin(X[:, 0] * X[:, 1])


def sin_xy_gradient(X):
    c = np.cos(X[:, 0] * X[:, 1])
    return np.stack([X[:, 1] * c, X[:, 0] * c], axis=1)


# A 100-D function, analytic (so the complex step applies): log(1 + sum x^2) + sum sin x.
def wide_point(x):
    return np.log(1 + np.sum(x * x)) + np.sum(np.sin(x))


def wide_batch(X):
    return np.log(1 + np.sum(X * X, axis=1)) + np.sum(np.sin(X), axis=1)


def wide_gradient(x):
    return 2 * x / (1 + np.sum(x * x)) + np.cos(x)


def max_relative_error(g, analytic):
    """``max_n ||g_n - a_n||_inf / ||a_n||_inf`` over points ``n``."""
    g, analytic = np.atleast_2d(g), np.atleast_2d(analytic)
    scale = np.maximum(np.abs(analytic).max(axis=1), np.finfo(float).tiny)
    return float(np.max(np.abs(g - analytic).max(axis=1) / scale))


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows", "targets"}`` (ratios to the book's loop)."""
    from learnact.gradients import numerical_gradient

    rng = np.random.default_rng(0)
    points = 100 if quick else 1000
    cases = {
        f"{points} points, 2-D": (
            rng.uniform(-2, 2, (points, 2)),
            sin_xy_point,
            sin_xy_batch,
            sin_xy_gradient,
        ),
        "1 point, 100-D": (
            rng.uniform(-2, 2, 100),
            wide_point,
            wide_batch,
            wide_gradient,
        ),
    }
    rows, targets = [], []
    for case, (x, f_point, f_batch, analytic) in cases.items():
        exact = analytic(x)
        runs = {
            "book_loop": lambda x=x, f=f_point: book_numerical_gradient(f, x.copy()),
            "batched_central": lambda x=x, f=f_batch: numerical_gradient(f, x),
            "batched_complex": lambda x=x, f=f_batch: numerical_gradient(f, x, method="complex"),
            "batched_five_point": lambda x=x, f=f_batch: numerical_gradient(
                f, x, method="five_point"
            ),
        }
        candidates = [
            Candidate(
                name,
                run,
                {"case": case, "max_rel_error": max_relative_error(run(), exact)},
            )
            for name, run in runs.items()
        ]
        results = compare(
            candidates,
            "book_loop",
            repeats=5 if quick else 15,
            warmup=1,
            sample_s=0.01 if quick else 0.05,
            max_inner=50,
        )
        for row in results:
            row["speedup_vs_book"] = 1.0 / row["ratio"]
        rows.extend(results)
        if "2-D" in case:
            at = {r["name"]: r for r in results}
            targets.append(
                target(
                    f"book loop / batched central, {case}",
                    at["batched_central"]["speedup_vs_book"],
                    100.0,
                    higher=True,
                )
            )
            targets.append(
                target(
                    f"batched central error / book error, {case}",
                    at["batched_central"]["max_rel_error"] / at["book_loop"]["max_rel_error"],
                    1.0,
                )
            )
    return {"suite": "numgrad", "rows": rows, "targets": targets}
