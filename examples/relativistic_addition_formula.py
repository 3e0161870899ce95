"""pykan's relativistic velocity addition, learnact's way: train, prune, snap, fine-tune.

f(u, v) = (u + v) / (1 + u v) = tanh(arctanh u + arctanh v) on [-0.9, 0.9]^2
(pykan's create_dataset, seed 0, 1000 train / 1000 test, float64), a
[2, 1, 1] KAN with grid 5: 50 L-BFGS steps with the sparsity penalty
(lamb 0.001) and pykan's grid updates, prune, 50 steps, snap every edge
(the 14 built-in functions plus arctanh, added with
learnact.symbolic.add_function), 50 steps of fine-tuning, then the formula.

    KERAS_BACKEND=jax python examples/relativistic_addition_formula.py [--pykan]

With --pykan, pykan 0.2.8 runs the same stages (auto_symbolic with the
library x, x^2, tanh, arctanh) on the same data, for comparison.
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import sympy  # noqa: E402
from formula_pipeline import (  # noqa: E402
    as_arrays,
    float64_everywhere,
    learnact_pipeline,
    pykan_pipeline,
)
from kan import create_dataset  # noqa: E402
from keras import ops  # noqa: E402

from learnact.symbolic import add_function  # noqa: E402
from learnact.symbolic.snap import LIBRARY_NAMES  # noqa: E402


def arctanh_keras(z):
    # Clipped inside (-1, 1): a finite input never gives NaN or inf.
    limit = ops.cast(1.0 - 1e-7, z.dtype)
    return ops.arctanh(ops.clip(z, -limit, limit))


def arctanh_numeric(z):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.arctanh(z)


def main():
    float64_everywhere()

    def f(x):
        return (x[:, [0]] + x[:, [1]]) / (1 + x[:, [0]] * x[:, [1]])

    dataset = create_dataset(f, n_var=2, ranges=[-0.9, 0.9], train_num=1000, test_num=1000, seed=0)
    if "--pykan-only" not in sys.argv:
        add_function("arctanh", sympy.atanh, arctanh_numeric, arctanh_keras, symmetry="odd")
        learnact_pipeline(as_arrays(dataset), (2, 1, 1), 5, [*LIBRARY_NAMES, "arctanh"])
    if "--pykan" in sys.argv or "--pykan-only" in sys.argv:
        pykan_pipeline(dataset, (2, 1, 1), 5, ["x", "x^2", "tanh", "arctanh"])


if __name__ == "__main__":
    main()
