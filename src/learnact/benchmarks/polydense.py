"""PolynomialDense suite: ``PolynomialDense`` vs ``Dense`` followed by ReLU, same shapes.

``PolynomialDense(units, order)`` is one matmul over the stacked powers, a
kernel ``order`` times taller than Dense's, so its floor is about ``order``
times Dense's matmul; the ratio says how close it gets.
"""

from __future__ import annotations

import keras
import numpy as np

from learnact.benchmarks.steps import built, train_step
from learnact.benchmarks.timing import Candidate, compare

ORDERS = (2, 3, 5)
SIZES = {"256x512->512": (256, 512, 512)}
QUICK_ORDERS = (3,)
QUICK_SIZES = {"64x64->64": (64, 64, 64)}


def _dense_relu(units, features):
    return keras.Sequential(
        [keras.Input((features,)), keras.layers.Dense(units), keras.layers.ReLU()]
    )


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows", "targets"}`` (ratios to ``dense_relu``)."""
    from learnact.layers import PolynomialDense

    orders = QUICK_ORDERS if quick else ORDERS
    sizes = QUICK_SIZES if quick else SIZES
    rng = np.random.default_rng(0)
    rows = []
    for size_name, (batch, features, units) in sizes.items():
        x = rng.standard_normal((batch, features)).astype(np.float32)
        layers = {"dense_relu": _dense_relu(units, features)}
        for n in orders:
            layers[f"polydense{n}"] = built(PolynomialDense(units, order=n), x.shape)
        candidates = []
        for name, layer in layers.items():
            step, info = train_step(layer, x)
            candidates.append(Candidate(name, step, {"size": size_name, **info}))
        rows.extend(
            compare(
                candidates,
                "dense_relu",
                repeats=7 if quick else 40,
                warmup=2,
                sample_s=0.002 if quick else 0.01,
            )
        )
    return {"suite": "polydense", "rows": rows, "targets": []}
