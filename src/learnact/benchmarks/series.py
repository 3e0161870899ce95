"""Series layer suite: TaylorExpansion forward+backward against fixed activations and others.

Candidates, per input size:

* ``relu``, ``tanh``: fixed activations (no weight, no reduction);
* ``prelu``: ``keras.layers.PReLU``, the fair floor of a learnable
  elementwise layer (one sum over the batch per weight);
* ``prelu_where``: :class:`WherePReLU`, PReLU as one ``where`` (Keras's
  PReLU spends two ReLUs and a negation), a stricter floor;
* ``taylor{n}``: :class:`~learnact.layers.TaylorExpansion` of order ``n``;
* ``taylor{n}_autodiff``: the same layer with the plain Horner chain left to
  the backend's autodiff (the fast path's own baseline);
* ``answer{n}``: the ``taylor_expansion_network`` of the accepted Stack
  Overflow answer on Maclaurin series in Keras
  (tile, pow, LocallyConnected2D, cumsum, LocallyConnected2D, sum) rewritten
  in ``keras.ops`` (:class:`AcceptedAnswerTaylor`).

Ratios are to ``prelu``; ``speedup_vs_answer`` is ``answer{n} / taylor{n}``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact.benchmarks.steps import random_inputs, time_layers
from learnact.benchmarks.timing import target

ORDERS = (3, 6, 10)
SIZES = {"256x512": (256, 512), "1024x512": (1024, 512), "64x8x8x32": (64, 8, 8, 32)}
QUICK_ORDERS = (3, 10)
QUICK_SIZES = {"64x128": (64, 128)}


class AcceptedAnswerTaylor(keras.layers.Layer):
    """The accepted Stack Overflow answer's ``taylor_expansion_network``, op for op.

    Formula (per feature ``i``, ``K = max_pow + 1``):
        x_p[i, p] = pow(tile(x[i], K), p)          (tile + pow)
        h[i, p] = alpha[i, p] * x_p[i, p]          (LocallyConnected2D, 1x1, 1 filter)
        s[i, q] = cumsum_p h[i, p]                 (cumsum)
        y[i] = sum_q w[i, q] s[i, q]               (LocallyConnected2D, then sum)

    A 1x1 ``LocallyConnected2D`` with one filter and no bias on a
    ``(features, K, 1)`` input is one weight per ``(i, p)`` multiplying its
    input: that is how it is written here (``LocallyConnected2D`` is gone
    from Keras 3). Inputs of any rank are flattened to ``(batch, features)``
    as the answer's ``Flatten`` did, and reshaped back.

    Args:
        max_pow: highest power.
        **kwargs: base layer arguments.
    """

    def __init__(self, max_pow, **kwargs):
        super().__init__(**kwargs)
        self.max_pow = int(max_pow)

    def build(self, input_shape):
        features = int(np.prod(input_shape[1:]))
        shape = (features, self.max_pow + 1)
        # LocallyConnected2D's default kernel initializer.
        self.alpha = self.add_weight(name="alpha", shape=shape, initializer="glorot_uniform")
        self.w = self.add_weight(name="w", shape=shape, initializer="glorot_uniform")

    def call(self, x):
        shape = ops.shape(x)
        x = ops.reshape(x, (shape[0], -1))
        x_ = ops.tile(ops.expand_dims(x, -1), [1, 1, self.max_pow + 1])
        pows = ops.arange(0, self.max_pow + 1, dtype="float32")
        x_p_ = ops.expand_dims(ops.power(x_, pows), -1)  # (batch, features, K, 1)
        h = x_p_ * ops.expand_dims(self.alpha, -1)
        s_ = ops.expand_dims(ops.cumsum(ops.squeeze(h, -1), axis=-1), -1)
        s_ = s_ * ops.expand_dims(self.w, -1)
        y = ops.sum(ops.squeeze(s_, -1), axis=-1)
        return ops.reshape(y, shape)


class WherePReLU(keras.layers.Layer):
    """``y = where(x > 0, x, alpha * x)``, alpha per element: PReLU in the fewest ops."""

    def build(self, input_shape):
        self.alpha = self.add_weight(
            name="alpha", shape=tuple(input_shape[1:]), initializer="zeros"
        )

    def call(self, x):
        return ops.where(x > 0, x, self.alpha * x)


def _autodiff_taylor(order):
    """A TaylorExpansion whose Horner chain is left to autodiff (the pre-fast-path layer)."""
    from learnact.layers import TaylorExpansion
    from learnact.ops.horner import horner_last_axis

    class AutodiffTaylor(TaylorExpansion):
        def call(self, inputs):
            return horner_last_axis(inputs, ops.cast(self.folded_coefficients(), inputs.dtype))

    return AutodiffTaylor(order=order)


def _layers(orders):
    from learnact.layers import TaylorExpansion

    layers = {
        "relu": lambda: keras.layers.ReLU(),
        "tanh": lambda: keras.layers.Activation("tanh"),
        "prelu": lambda: keras.layers.PReLU(),
        "prelu_where": lambda: WherePReLU(),
    }
    for n in orders:
        layers[f"taylor{n}"] = lambda n=n: TaylorExpansion(order=n)
        layers[f"taylor{n}_autodiff"] = lambda n=n: _autodiff_taylor(n)
        layers[f"answer{n}"] = lambda n=n: AcceptedAnswerTaylor(n)
    return layers


def run(quick: bool = False) -> dict:
    """Run the suite; return ``{"suite", "rows": [...], "targets": [...]}``.

    Each row: size, candidate, median/quartile times (ms), ratio to PReLU,
    compiled temporary memory (JAX), and for ``taylor{n}`` the speed-up over
    ``answer{n}`` and over ``taylor{n}_autodiff``.
    """
    orders = QUICK_ORDERS if quick else ORDERS
    sizes = QUICK_SIZES if quick else SIZES
    rows = []
    timed = time_layers(_layers(orders), random_inputs(sizes), "prelu", repeats=40, quick=quick)
    for results in timed.values():
        by_name = {r["name"]: r for r in results}
        for n in orders:
            taylor = by_name[f"taylor{n}"]
            taylor["speedup_vs_answer"] = by_name[f"answer{n}"]["ratio"] / taylor["ratio"]
            taylor["speedup_vs_autodiff"] = (
                by_name[f"taylor{n}_autodiff"]["ratio"] / taylor["ratio"]
            )
        rows.extend(results)
    return {"suite": "series", "rows": rows, "targets": _targets(rows, orders)}


def _targets(rows, orders):
    """The issue's targets on the 256x512 size (or the only size in quick mode)."""
    size = "256x512" if any(r["size"] == "256x512" for r in rows) else rows[0]["size"]
    at = {r["name"]: r for r in rows if r["size"] == size}
    targets = []
    for order, limit in ((3, 2.0), (10, 4.0)):
        if order not in orders:
            continue
        ratio = at[f"taylor{order}"]["ratio"]
        targets.append(target(f"taylor{order} / prelu at {size}", ratio, limit))
        # Also against the stricter one-`where` PReLU (ratio of paired ratios).
        strict = ratio / at["prelu_where"]["ratio"]
        targets.append(target(f"taylor{order} / prelu_where at {size}", strict, limit))
    slowest = min(r["speedup_vs_answer"] for r in rows if "speedup_vs_answer" in r)
    targets.append(target("answer / taylor, every order and size", slowest, 10.0, higher=True))
    return targets
