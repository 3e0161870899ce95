"""pykan's hellokan, learnact's way: train, prune, snap, fine-tune, print the formula.

f(x1, x2) = exp(sin(pi x1) + x2^2) on pykan's data (create_dataset, seed 0,
1000 train / 1000 test, float64), a [2, 5, 1] KAN with grid 3: 50 L-BFGS steps
with the sparsity penalty (lamb 0.001), prune, 50 steps, snap every edge
(learnact.symbolic.snap; pykan's tutorial library for both), 50 steps of
fine-tuning, then the formula.

    KERAS_BACKEND=jax python examples/hellokan_formula.py [--pykan]

With --pykan, pykan 0.2.8 runs the same pipeline (auto_symbolic) for comparison.
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import torch  # noqa: E402
from formula_pipeline import (  # noqa: E402
    as_arrays,
    float64_everywhere,
    learnact_pipeline,
    pykan_pipeline,
)
from kan import create_dataset  # noqa: E402

# pykan's hellokan tutorial's library, for both (the names mean the same in each).
LIBRARY = ["x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs"]


def main():
    float64_everywhere()

    def f(x):
        return torch.exp(torch.sin(torch.pi * x[:, [0]]) + x[:, [1]] ** 2)

    dataset = create_dataset(f, n_var=2, train_num=1000, test_num=1000, seed=0)
    learnact_pipeline(as_arrays(dataset), (2, 5, 1), 3, LIBRARY)
    if "--pykan" in sys.argv:
        pykan_pipeline(dataset, (2, 5, 1), 3, LIBRARY)


if __name__ == "__main__":
    main()
