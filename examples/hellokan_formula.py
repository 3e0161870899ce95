"""pykan's hellokan, learnact's way: train, prune, snap, fine-tune, print the formula.

f(x1, x2) = exp(sin(pi x1) + x2^2) on pykan's data (create_dataset, seed 0,
1000 train / 1000 test, float64), a [2, 5, 1] KAN with grid 3: 50 L-BFGS steps
with the sparsity penalty (lamb 0.001), prune, 50 steps, snap every edge
(learnact.symbolic.snap), 50 steps of fine-tuning, then the formula.

    KERAS_BACKEND=jax python examples/hellokan_formula.py [--pykan]

With --pykan, pykan 0.2.8 runs the same pipeline (auto_symbolic) for comparison.
"""

import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from kan import create_dataset  # noqa: E402

from learnact import kan  # noqa: E402
from learnact.benchmarks.kan_tasks import _fit_like_pykan, _kan_model, _set_penalty  # noqa: E402
from learnact.inspection.formulas import network_formulas  # noqa: E402
from learnact.symbolic import snap  # noqa: E402
from learnact.training import fit_lbfgs  # noqa: E402


def rmse(model, x, y):
    return float(np.sqrt(np.mean((keras.ops.convert_to_numpy(model(x)) - y) ** 2)))


def learnact_run(data):
    x, y, x_test, y_test = data
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = _kan_model((2, 5, 1), 3, 0.001)
    _fit_like_pykan(model, x, y, 50, 50)
    print(f"learnact trained: test RMSE {rmse(model, x_test, y_test):.3g}")
    model = kan.prune(model, x)
    _set_penalty(model, 0.0)
    _fit_like_pykan(model, x, y, 50, 50)
    widths = [layer.units for layer in model.layers]
    print(f"learnact pruned to {widths}: test RMSE {rmse(model, x_test, y_test):.3g}")
    snapped, table = snap(model, x)
    print(table)
    print(f"learnact snapped: test RMSE {rmse(snapped, x_test, y_test):.3g}")
    fit_lbfgs(snapped, x, y, steps=50)
    seconds = time.perf_counter() - start
    print(f"learnact fine-tuned: test RMSE {rmse(snapped, x_test, y_test):.3g}, {seconds:.1f} s")
    (line,) = network_formulas(snapped, digits=4)
    print("learnact formula:", line)
    return seconds


def pykan_run(dataset):
    from kan import KAN

    start = time.perf_counter()
    os.makedirs("/tmp/pykan", exist_ok=True)  # pykan's prune writes its history there
    model = KAN(width=[2, 5, 1], grid=3, k=3, seed=0, auto_save=False, ckpt_path="/tmp/pykan")
    model.fit(dataset, opt="LBFGS", steps=50, lamb=0.001, log=50)
    model = model.prune()
    model.fit(dataset, opt="LBFGS", steps=50, log=50)
    model.auto_symbolic(lib=["x", "x^2", "exp", "sin"])
    results = model.fit(dataset, opt="LBFGS", steps=50, log=50)
    seconds = time.perf_counter() - start
    print(f"pykan: test RMSE {float(results['test_loss'][-1]):.3g}, {seconds:.1f} s")
    print("pykan formula:", model.symbolic_formula()[0][0])
    return seconds


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    jax.config.update("jax_enable_x64", True)

    def f(x):
        return torch.exp(torch.sin(torch.pi * x[:, [0]]) + x[:, [1]] ** 2)

    dataset = create_dataset(f, n_var=2, train_num=1000, test_num=1000, seed=0)
    data = tuple(
        dataset[k].numpy().astype(np.float64)
        for k in ("train_input", "train_label", "test_input", "test_label")
    )
    learnact_run(data)
    if "--pykan" in sys.argv:
        pykan_run(dataset)


if __name__ == "__main__":
    main()
