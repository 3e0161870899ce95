"""KAN suite: forward+backward of one ``KANDense`` layer per basis vs Dense + ReLU, and pykan.

The protocol of the public KAN speed comparisons: batch 100, 1000 inputs ->
1000 outputs, one forward and backward pass (gradients of the input and of
every trainable weight). Candidates, timed side by side
(:func:`learnact.benchmarks.timing.compare`):

* ``dense_relu``: ``Dense(1000)`` + ReLU, the baseline of every ratio;
* ``dense9x_relu``: a Dense layer with ``K + 1 = 9`` times the inputs, the
  same matmul FLOPs as a KAN layer of grid 5, order 3 (8 spline features and
  the base branch per input): the floor any one-matmul KAN layer can reach;
* ``polydense3``: ``PolynomialDense(order=3)``;
* ``kan_<basis>``: ``KANDense(grid_size=5, spline_order=3, basis=<basis>)``;
* ``pykan``: pykan's ``KANLayer(num=5, k=3)``, on the PyTorch backend when
  pykan is installed (the ``bench`` extra; its version is in the rows).

Memory (``memory_mb``): on JAX, the temporary memory XLA allocates for the
compiled step; on PyTorch, the bytes of the tensors autograd saves for the
backward pass (``torch.autograd.graph.saved_tensors_hooks``), which is what
a layer keeps alive per batch.

Target: ``kan_bspline`` within 3x of ``dense_relu`` (the issue's target, on
JAX CPU). The ``dense9x_relu`` ratio says how much of that is the matmul.

A second part times the two forms of the B-spline branch
(:func:`learnact.ops.basis.spline_contract`) on pykan's scientific shapes
(1000 points, 2 inputs -> 1 or 5 units, grids 3, 10, 100): ``bspline_local``
(the ``k + 1`` nonzero B-splines per point, coefficients gathered) against
``bspline_dense`` (all ``G + k``, one GEMM), its ratio's baseline. The
layer takes the local form where
:func:`learnact.ops.basis.local_bspline_pays` says, from these figures.
"""

from __future__ import annotations

import keras
import numpy as np

from learnact.benchmarks.steps import backend, built, train_step
from learnact.benchmarks.timing import Candidate, compare, target
from learnact.ops.basis import (
    KAN_BASES,
    SplineFeatures,
    kan_basis,
    local_bspline_basis,
    spline_contract,
    uniform_knots,
)

SIZES = {"100x1000->1000": (100, 1000, 1000)}
QUICK_SIZES = {"16x32->32": (16, 32, 32)}
GRID_SIZE, SPLINE_ORDER = 5, 3
TARGET_RATIO = 3.0
# pykan's scientific KANs: (batch, inputs, units), and the grids they refine to.
FORM_SIZES = {"1000x2->1": (1000, 2, 1), "1000x2->5": (1000, 2, 5)}
FORM_GRIDS = (3, 10, 100)
QUICK_FORM_SIZES = {"64x2->1": (64, 2, 1)}
QUICK_FORM_GRIDS = (3, 20)


class _SplineBranch(keras.layers.Layer):
    """A B-spline KAN branch ``sum_i sum_k c_ikj B_k(x_i)`` in one form, to time the two."""

    def __init__(self, units, grid_size, local, **kwargs):
        super().__init__(**kwargs)
        self.units, self.grid_size, self.local = units, grid_size, local

    def build(self, input_shape):
        features = input_shape[-1]
        self.knots = uniform_knots((-1, 1), self.grid_size, SPLINE_ORDER, features)
        self.coefficients = self.add_weight(
            shape=(features, self.grid_size + SPLINE_ORDER, self.units),
            initializer=keras.initializers.RandomNormal(seed=0),
        )

    def call(self, x):
        knots = keras.ops.cast(self.knots, x.dtype)
        if self.local:
            start, values = local_bspline_basis(x, knots, SPLINE_ORDER)
            features = SplineFeatures(values, start)
        else:
            features = SplineFeatures(kan_basis(x, knots, "bspline", SPLINE_ORDER))
        return spline_contract(features, self.coefficients)


def _form_rows(quick: bool) -> list:
    """Rows of the local and the dense B-spline form, side by side per size and grid."""
    rows = []
    rng = np.random.default_rng(1)
    for size_name, (batch, features, units) in (QUICK_FORM_SIZES if quick else FORM_SIZES).items():
        # Inside the grid and a little beyond, as a hidden layer's inputs fall.
        x = rng.uniform(-1.2, 1.2, (batch, features)).astype(np.float32)
        for grid in QUICK_FORM_GRIDS if quick else FORM_GRIDS:
            candidates = []
            for form in ("dense", "local"):
                layer = built(_SplineBranch(units, grid, form == "local"), x.shape)
                case = f"{size_name}, grid {grid}"
                candidates.append(_keras_candidate(f"bspline_{form}", layer, x, case))
            rows.extend(_compare(candidates, "bspline_dense", quick, max_inner=200))
    return rows


def _compare(candidates, baseline, quick, max_inner):
    """:func:`compare` with the suite's rounds and sample lengths (fewer and shorter when quick)."""
    return compare(
        candidates,
        baseline,
        repeats=5 if quick else 20,
        warmup=1 if quick else 2,
        sample_s=0.002 if quick else 0.05,
        max_inner=max_inner,
    )


def _dense_relu(units, features):
    return keras.Sequential(
        [keras.Input((features,)), keras.layers.Dense(units), keras.layers.ReLU()]
    )


def _saved_tensor_mb(forward) -> float:
    """Megabytes of the distinct tensors autograd saves while ``forward()`` runs (PyTorch)."""
    import torch

    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        forward()
    return round(sum(storages.values()) / 2**20, 3)


def _torch_candidate(name, module_forward, x, weights, info):
    """A forward+backward step of a PyTorch callable, with its saved-tensor memory."""
    import torch

    x = torch.tensor(x, requires_grad=True)
    cotangent = torch.tensor(
        np.random.default_rng(0).standard_normal(tuple(module_forward(x).shape)).astype(np.float32)
    )

    def run():
        torch.autograd.grad(module_forward(x), [x, *weights], cotangent)

    info = {**info, "memory_mb": _saved_tensor_mb(lambda: module_forward(x))}
    return Candidate(name, run, info)


def _pykan_candidate(x, units):
    """pykan's KANLayer (PyTorch backend only), or None when pykan is not installed."""
    try:
        import kan  # noqa: F401
        from kan.KANLayer import KANLayer
    except ImportError:
        return None
    from importlib.metadata import version

    import torch

    torch.manual_seed(0)
    layer = KANLayer(in_dim=x.shape[1], out_dim=units, num=GRID_SIZE, k=SPLINE_ORDER)
    weights = [p for p in layer.parameters() if p.requires_grad]
    return _torch_candidate("pykan", lambda t: layer(t)[0], x, weights, {"pykan": version("pykan")})


def _keras_candidate(name, layer, x, size_name):
    if backend() == "torch":
        weights = [v.value for v in layer.trainable_variables]
        return _torch_candidate(name, layer, x, weights, {"size": size_name})
    step, info = train_step(layer, x)
    return Candidate(name, step, {"size": size_name, **info})


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows", "targets"}`` (ratios to ``dense_relu``)."""
    from learnact.layers import KANDense, PolynomialDense

    sizes = QUICK_SIZES if quick else SIZES
    rng = np.random.default_rng(0)
    rows, targets = [], []
    for size_name, (batch, features, units) in sizes.items():
        x = rng.uniform(-1, 1, (batch, features)).astype(np.float32)
        wide = (GRID_SIZE + SPLINE_ORDER + 1) * features
        layers = {
            "dense_relu": _dense_relu(units, features),
            "dense9x_relu": _dense_relu(units, wide),
            "polydense3": built(PolynomialDense(units, order=3), x.shape),
        }
        for basis in KAN_BASES:
            layer = KANDense(units, basis=basis, grid_size=GRID_SIZE, spline_order=SPLINE_ORDER)
            layers[f"kan_{basis}"] = built(layer, x.shape)
        candidates = []
        for name, layer in layers.items():
            inputs = np.tile(x, (1, wide // features)) if name == "dense9x_relu" else x
            candidates.append(_keras_candidate(name, layer, inputs, size_name))
        if backend() == "torch":
            pykan = _pykan_candidate(x, units)
            if pykan is not None:
                pykan.info["size"] = size_name
                candidates.append(pykan)
        size_rows = _compare(candidates, "dense_relu", quick, max_inner=50)
        rows.extend(size_rows)
        if not quick:
            ratio = next(r["ratio"] for r in size_rows if r["name"] == "kan_bspline")
            targets.append(target(f"kan_bspline / dense_relu at {size_name}", ratio, TARGET_RATIO))
    rows.extend(_form_rows(quick))
    return {"suite": "kan", "rows": rows, "targets": targets}
