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
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import sympy  # noqa: E402
import torch  # noqa: E402
from kan import create_dataset  # noqa: E402
from keras import ops  # noqa: E402

from learnact import kan  # noqa: E402
from learnact.benchmarks.kan_tasks import _fit_like_pykan, _kan_model, _set_penalty  # noqa: E402
from learnact.inspection.formulas import network_formulas  # noqa: E402
from learnact.symbolic import add_function, snap  # noqa: E402
from learnact.symbolic.snap import LIBRARY_NAMES  # noqa: E402
from learnact.training import fit_lbfgs  # noqa: E402


def arctanh_keras(z):
    # Clipped inside (-1, 1): a finite input never gives NaN or inf.
    limit = ops.cast(1.0 - 1e-7, z.dtype)
    return ops.arctanh(ops.clip(z, -limit, limit))


def arctanh_numeric(z):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.arctanh(z)


def rmse(model, x, y):
    return float(np.sqrt(np.mean((keras.ops.convert_to_numpy(model(x)) - y) ** 2)))


def learnact_run(data):
    x, y, x_test, y_test = data
    add_function("arctanh", sympy.atanh, arctanh_numeric, arctanh_keras, symmetry="odd")
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = _kan_model((2, 1, 1), 5, 0.001)
    _fit_like_pykan(model, x, y, 50, 50)
    print(f"learnact trained: test RMSE {rmse(model, x_test, y_test):.3g}", flush=True)
    model = kan.prune(model, x)
    _set_penalty(model, 0.0)
    _fit_like_pykan(model, x, y, 50, 50)
    widths = [layer.units for layer in model.layers]
    print(f"learnact pruned to {widths}: test RMSE {rmse(model, x_test, y_test):.3g}", flush=True)
    snapped, table = snap(model, x, library=[*LIBRARY_NAMES, "arctanh"])
    print(table)
    print(f"learnact snapped: test RMSE {rmse(snapped, x_test, y_test):.3g}", flush=True)
    fit_lbfgs(snapped, x, y, steps=50)
    seconds = time.perf_counter() - start
    print(f"learnact fine-tuned: test RMSE {rmse(snapped, x_test, y_test):.3g}, {seconds:.1f} s")
    (line,) = network_formulas(snapped, digits=4)
    print("learnact formula:", line, flush=True)
    return seconds


def pykan_run(dataset):
    from kan import KAN

    start = time.perf_counter()
    os.makedirs("/tmp/pykan", exist_ok=True)  # pykan's prune writes its history there
    model = KAN(width=[2, 1, 1], grid=5, k=3, seed=0, auto_save=False, ckpt_path="/tmp/pykan")
    model.fit(dataset, opt="LBFGS", steps=50, lamb=0.001, log=50)
    model = model.prune()
    model.fit(dataset, opt="LBFGS", steps=50, log=50)
    model.auto_symbolic(lib=["x", "x^2", "tanh", "arctanh"])
    results = model.fit(dataset, opt="LBFGS", steps=50, log=50)
    seconds = time.perf_counter() - start
    print(f"pykan: test RMSE {float(results['test_loss'][-1]):.3g}, {seconds:.1f} s")
    print("pykan formula:", model.symbolic_formula()[0][0], flush=True)
    return seconds


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    jax.config.update("jax_enable_x64", True)

    def f(x):
        return (x[:, [0]] + x[:, [1]]) / (1 + x[:, [0]] * x[:, [1]])

    dataset = create_dataset(f, n_var=2, ranges=[-0.9, 0.9], train_num=1000, test_num=1000, seed=0)
    data = tuple(
        dataset[k].numpy().astype(np.float64)
        for k in ("train_input", "train_label", "test_input", "test_label")
    )
    if "--pykan-only" not in sys.argv:
        learnact_run(data)
    if "--pykan" in sys.argv or "--pykan-only" in sys.argv:
        pykan_run(dataset)


if __name__ == "__main__":
    main()
