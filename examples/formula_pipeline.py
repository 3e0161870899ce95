"""The train -> prune -> snap -> fine-tune pipeline of pykan's formula tutorials, both ways.

Shared by ``hellokan_formula.py`` and ``relativistic_addition_formula.py``:
:func:`learnact_pipeline` runs it with learnact (a KAN of ``KANDense``,
L-BFGS with pykan's grid updates, ``kan.prune``, ``learnact.symbolic.snap``,
``fit_lbfgs``) and :func:`pykan_pipeline` with pykan 0.2.8 (``fit``,
``prune``, ``auto_symbolic``, ``fit``), each printing its test RMSE after every
stage and its formula, and returning its seconds.
"""

import os
import time

import jax
import keras
import numpy as np
import torch

from learnact import kan
from learnact.benchmarks.kan_tasks import _fit_like_pykan, _kan_model, _set_penalty
from learnact.inspection.formulas import network_formulas
from learnact.layers.evaluation import evaluate
from learnact.symbolic import snap
from learnact.training import fit_lbfgs

STEPS = 50  # L-BFGS steps per stage, as pykan's tutorials
LAMB = 0.001  # pykan's sparsity penalty while training


def float64_everywhere():
    """Float64 as in pykan's tutorials, for PyTorch, Keras and JAX; PyTorch on one thread."""
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    jax.config.update("jax_enable_x64", True)


def as_arrays(dataset):
    """pykan's ``create_dataset`` dict as float64 NumPy ``(x, y, x_test, y_test)``."""
    keys = ("train_input", "train_label", "test_input", "test_label")
    return tuple(dataset[k].numpy().astype(np.float64) for k in keys)


def rmse(model, x, y):
    return float(np.sqrt(np.mean((evaluate(model, x) - y) ** 2)))


def learnact_pipeline(data, width, grid, library=None):
    """Train with the penalty, prune, train, snap (``library``), fine-tune; return the seconds."""
    x, y, x_test, y_test = data
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = _kan_model(tuple(width), grid, LAMB)
    _fit_like_pykan(model, x, y, STEPS, STEPS)
    print(f"learnact trained: test RMSE {rmse(model, x_test, y_test):.3g}", flush=True)
    model = kan.prune(model, x)
    _set_penalty(model, 0.0)
    _fit_like_pykan(model, x, y, STEPS, STEPS)
    widths = [int(model.layers[0].grid.shape[0])] + [layer.units for layer in model.layers]
    print(f"learnact pruned to {widths}: test RMSE {rmse(model, x_test, y_test):.3g}", flush=True)
    snapped, table = snap(model, x, library=library)
    print(table)
    print(f"learnact snapped: test RMSE {rmse(snapped, x_test, y_test):.3g}", flush=True)
    fit_lbfgs(snapped, x, y, steps=STEPS)
    seconds = time.perf_counter() - start
    print(f"learnact fine-tuned: test RMSE {rmse(snapped, x_test, y_test):.3g}, {seconds:.1f} s")
    (line,) = network_formulas(snapped, digits=4)
    print("learnact formula:", line, flush=True)
    return seconds


def pykan_pipeline(dataset, width, grid, lib):
    """The same stages with pykan (``auto_symbolic`` over ``lib``); return the seconds."""
    from kan import KAN

    start = time.perf_counter()
    os.makedirs("/tmp/pykan", exist_ok=True)  # pykan's prune writes its history there
    model = KAN(width=list(width), grid=grid, k=3, seed=0, auto_save=False, ckpt_path="/tmp/pykan")
    model.fit(dataset, opt="LBFGS", steps=STEPS, lamb=LAMB, log=STEPS)
    model = model.prune()
    model.fit(dataset, opt="LBFGS", steps=STEPS, log=STEPS)
    model.auto_symbolic(lib=lib)
    results = model.fit(dataset, opt="LBFGS", steps=STEPS, log=STEPS)
    seconds = time.perf_counter() - start
    print(f"pykan: test RMSE {float(results['test_loss'][-1]):.3g}, {seconds:.1f} s")
    print("pykan formula:", model.symbolic_formula()[0][0], flush=True)
    return seconds
