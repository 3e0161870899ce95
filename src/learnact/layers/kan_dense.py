"""``KANDense``: a Kolmogorov-Arnold layer, a learned function on every edge, as one matmul."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._backend import layers_support_jit
from learnact._checks import check_choice, check_int, check_interval
from learnact._keras_private import keep_64_bit_results
from learnact.errors import UserInputError
from learnact.layers.precision import widen
from learnact.layers.real_inputs import RealInputs
from learnact.ops.basis import (
    KAN_BASES,
    kan_basis,
    spline_contract,
    spline_features,
    uniform_knots,
)


def _base_activation(base_activation):
    """Return the Keras activation named ``base_activation`` (None: no base branch)."""
    if base_activation is None:
        return None
    try:
        return keras.activations.get(base_activation)
    except (ValueError, TypeError):
        raise UserInputError(
            "`base_activation` must be a Keras activation (e.g. 'silu') or None; "
            f"received base_activation={base_activation!r}"
        ) from None


@keras.saving.register_keras_serializable(package="learnact")
class KANDense(RealInputs, keras.layers.Layer):
    """Kolmogorov-Arnold dense layer: ``y_j = sum_i phi_ij(x_i) + b_j``, a learned ``phi`` per edge.

    Every edge ``i -> j`` carries its own function, a base activation plus a
    combination of ``K = grid_size + spline_order`` basis functions on a grid
    (pykan's KANLayer). As in efficient-kan, the basis is evaluated once per
    input and every edge is summed by one matmul over the basis features,
    never by a loop over edges.

    Formula:
        phi_ij(x) = w_ij base(x) + sum_{k<K} c_ijk B_k(x)
        y_j = sum_i phi_ij(x_i) + b_j
            = base(x) @ base_kernel
              + B(x).reshape(in * K) @ spline_kernel.reshape(in * K, units) + b

    Bases (:func:`learnact.ops.basis.kan_basis`, all read the same grid):
        "bspline": B-splines of degree ``spline_order`` (Cox-de Boor);
        "rbf": Gaussian bumps at the centres of those B-splines (fast-kan);
        "chebyshev": ``T_1 .. T_K`` of ``tanh`` of the input scaled so that the
        grid range maps to [-1, 1] (ChebyKAN: the tanh keeps every input in
        the polynomials' domain); "fourier": cosines and sines with half a
        period on the grid range.

    Outside ``grid_range``: the base branch carries the input (``silu`` is
    linear for large ``x``); the spline branch fades to 0 over the
    ``spline_order`` outer intervals and is 0 beyond them (bspline, rbf),
    saturates at ``T_n(+-1)`` (chebyshev) or repeats periodically (fourier).
    It is never NaN for a finite input: the basis clamps or reduces ``x``
    before any arithmetic that could overflow. The base branch is a Dense
    layer over ``base(x)``: like Dense, a sum of huge inputs (near the float
    maximum) can overflow to inf.

    Weights (other code relies on these names, shapes and layouts):
        grid: non-trainable, ``(inputs, grid_size + 2 * spline_order + 1)``,
            float; row ``i`` is the extended knot vector of input ``i``
            (:func:`learnact.ops.basis.uniform_knots` at build; update it
            with ``layer.grid.assign``, rows increasing; it is saved with the
            model). The grid range of input ``i`` is
            ``grid[i, spline_order] .. grid[i, -1 - spline_order]``.
        spline_kernel: ``(inputs, K, units)``; ``c_ijk = spline_kernel[i, k, j]``
            times ``spline_scale[i, j]`` where the layer has one
            (:attr:`scaled_spline_kernel` is the product).
        spline_scale: ``(inputs, units)``, pykan's ``scale_sp``; None unless
            ``use_spline_scale=True``.
        base_kernel: ``(inputs, units)``, ``w_ij``; None when ``base_activation=None``.
        bias: ``(units,)``; None when ``use_bias=False``.
    :meth:`basis_values` gives ``B(x)`` ``(..., inputs, K)`` and
    :meth:`edge_values` the ``phi_ij(x_i)`` ``(..., inputs, units)`` that
    these weights produce.

    Args:
        units: output features (positive int).
        basis: one of "bspline", "chebyshev", "rbf", "fourier".
        grid_size: ``G``, intervals of the grid over ``grid_range`` (>= 1).
        spline_order: ``k``, degree of the B-splines (>= 0); every basis has
            ``K = G + k`` functions per edge, so bases compare at equal size.
        grid_range: ``(low, high)`` the grid covers at first.
        base_activation: Keras activation of the base branch ("silu", as
            pykan), or None for no base branch.
        use_bias: whether to add ``b``.
        use_spline_scale: give each edge a trainable scale of its spline,
            ``c_ijk = s_ij * spline_kernel[i, k, j]`` (pykan's ``scale_sp``).
            The function space is the same; training is not: with the scale,
            :class:`learnact.kan.KANSparsity` can silence an edge's spline
            through one number, and on pykan's hellokan task the penalty then
            concentrates the network in one hidden unit as pykan's does
            (without it, two or three stay active).
        spline_scale_initializer: initializer of ``spline_scale`` ("ones", also
            for None; pykan's is ``1 / sqrt(inputs)``).
        spline_kernel_initializer, base_kernel_initializer, bias_initializer:
            initializers of ``spline_kernel``, ``base_kernel``, ``bias``. The spline starts
            small (variance ``1 / (inputs * K)``) so the base branch dominates
            at first, as in pykan.
        spline_kernel_regularizer, base_kernel_regularizer, bias_regularizer,
        activity_regularizer, spline_kernel_constraint, base_kernel_constraint,
        bias_constraint: as in ``keras.layers.Dense``.
        edge_regularizer: a Keras regularizer called, at each call, on every
            edge's activation over the spread of its input on the batch,
            ``phi_ij(x_i) / (std(x_i) + 0.1)`` (base and spline branches, as
            pykan sizes its edges), shape ``(batch, inputs, units)`` (pykan's
            sparsity penalty: :class:`learnact.kan.KANSparsity`); None
            (default) skips it.
        **kwargs: base layer arguments.

    Returns:
        Called on ``x`` of shape ``(..., inputs)``: ``(..., units)``.
        Half-precision inputs are computed in float32 and cast back.

    Raises:
        ValueError: naming the argument and the value received: non-positive
            ``units`` or ``grid_size``, negative ``spline_order``, a
            ``grid_range`` that is not two finite increasing numbers, an
            unknown ``basis`` or ``base_activation``.

    Example:
        >>> import numpy as np
        >>> layer = KANDense(3, grid_size=5, spline_order=3)
        >>> tuple(layer(np.zeros((2, 4))).shape), tuple(layer.grid.shape)
        ((2, 3), (4, 12))
        >>> tuple(layer.spline_kernel.shape), tuple(layer.base_kernel.shape)
        ((4, 8, 3), (4, 3))
    """

    def __init__(
        self,
        units,
        basis="bspline",
        grid_size=5,
        spline_order=3,
        grid_range=(-1.0, 1.0),
        base_activation="silu",
        use_bias=True,
        use_spline_scale=False,
        spline_scale_initializer="ones",
        spline_kernel_initializer=None,
        base_kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        spline_kernel_regularizer=None,
        base_kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        edge_regularizer=None,
        spline_kernel_constraint=None,
        base_kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        # Not torch.compile on PyTorch (minutes per model; see layers_support_jit).
        self.supports_jit = layers_support_jit(keras.backend.backend())
        self.units = check_int("units", units, minimum=1)
        self.basis = check_choice("basis", basis, KAN_BASES)
        self.grid_size = check_int("grid_size", grid_size, minimum=1)
        self.spline_order = check_int("spline_order", spline_order, minimum=0)
        self.grid_range = check_interval("grid_range", grid_range)
        self.base_activation = _base_activation(base_activation)
        self.use_bias = bool(use_bias)
        if not isinstance(use_spline_scale, (bool, np.bool_)):
            raise UserInputError(
                f"`use_spline_scale` must be True or False; received {use_spline_scale!r}"
            )
        self.use_spline_scale = bool(use_spline_scale)
        if spline_scale_initializer is None:
            spline_scale_initializer = "ones"
        try:
            self.spline_scale_initializer = keras.initializers.get(spline_scale_initializer)
        except ValueError as exc:
            raise UserInputError(
                f"`spline_scale_initializer` is not a Keras initializer; received "
                f"{spline_scale_initializer!r} ({exc})"
            ) from None
        if spline_kernel_initializer is None:
            # Keras's fan_in of a (inputs, K, units) kernel is inputs * K.
            spline_kernel_initializer = keras.initializers.VarianceScaling(1.0, "fan_in", "normal")
        self.spline_kernel_initializer = keras.initializers.get(spline_kernel_initializer)
        self.base_kernel_initializer = keras.initializers.get(base_kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.spline_kernel_regularizer = keras.regularizers.get(spline_kernel_regularizer)
        self.base_kernel_regularizer = keras.regularizers.get(base_kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.edge_regularizer = keras.regularizers.get(edge_regularizer)
        self.spline_kernel_constraint = keras.constraints.get(spline_kernel_constraint)
        self.base_kernel_constraint = keras.constraints.get(base_kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.supports_masking = True

    @property
    def num_basis(self) -> int:
        """``K = grid_size + spline_order``: basis functions per edge."""
        return self.grid_size + self.spline_order

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise UserInputError(
                f"KANDense needs a known last input dimension; received {input_shape}"
            )
        knots = uniform_knots(self.grid_range, self.grid_size, self.spline_order, features)

        def grid_initializer(shape, dtype=None):
            return ops.convert_to_tensor(knots.reshape(shape), dtype=dtype)

        self.grid = self.add_weight(
            name="grid", shape=knots.shape, initializer=grid_initializer, trainable=False
        )
        self.spline_kernel = self.add_weight(
            name="spline_kernel",
            shape=(features, self.num_basis, self.units),
            initializer=self.spline_kernel_initializer,
            regularizer=self.spline_kernel_regularizer,
            constraint=self.spline_kernel_constraint,
        )
        self.spline_scale = None
        if self.use_spline_scale:
            self.spline_scale = self.add_weight(
                name="spline_scale",
                shape=(features, self.units),
                initializer=self.spline_scale_initializer,
            )
        self.base_kernel = None
        if self.base_activation is not None:
            self.base_kernel = self.add_weight(
                name="base_kernel",
                shape=(features, self.units),
                initializer=self.base_kernel_initializer,
                regularizer=self.base_kernel_regularizer,
                constraint=self.base_kernel_constraint,
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: features})

    @property
    def scaled_spline_kernel(self):
        """The spline coefficients ``c_ijk`` the layer computes with, ``(inputs, K, units)``.

        ``spline_kernel`` times ``spline_scale`` (broadcast over ``K``) where the
        layer has a scale, else ``spline_kernel`` itself.
        """
        if not self.built:
            raise UserInputError(f"layer {self.name!r} has no weights yet: call or build it first")
        if self.spline_scale is None:
            return self.spline_kernel
        return self.spline_kernel * ops.expand_dims(self.spline_scale, 1)

    def basis_values(self, x):
        """Return ``B(x)``, shape ``(..., inputs, K)``, on the layer's current grid."""
        x = ops.convert_to_tensor(x)
        return kan_basis(x, ops.cast(self.grid, x.dtype), self.basis, self.spline_order)

    def edge_values(self, x):
        """Return every edge's ``phi_ij(x_i)`` (bias excluded), shape ``(..., inputs, units)``.

        ``sum`` over the inputs axis plus the bias is the layer's output; pykan's
        edge plots, sparsity regulariser and pruning read these values.
        """
        x = widen(ops.convert_to_tensor(x))
        spline = ops.cast(self.scaled_spline_kernel, x.dtype)
        base = None if self.base_kernel is None else ops.cast(self.base_kernel, x.dtype)
        return self._edges(x, self._features(x), spline, base)

    def _features(self, x):
        """The basis at ``x`` for the spline contraction (dense, or B-splines' local form)."""
        grid = ops.cast(self.grid, x.dtype)
        return spline_features(x, grid, self.basis, self.spline_order, self.units)

    def _edges(self, x, features, spline, base):
        """``phi_ij(x_i)`` from the basis features and the (cast, possibly masked) kernels."""
        phi = spline_contract(features, spline, per_edge=True)
        if base is not None:
            phi = phi + ops.expand_dims(self.base_activation(x), -1) * base
        return phi

    def call(self, inputs):
        if keras.backend.standardize_dtype(inputs.dtype) == "float64":
            # Keras demotes float64 results of einsum, matmul and trigonometry to float32
            # on some backends; a float64 layer would then overflow at 3.4e38.
            with keep_64_bit_results():
                return self._forward(inputs)
        return self._forward(inputs)

    def _forward(self, inputs):
        x = widen(inputs)
        features = self._features(x)
        spline = ops.cast(self.scaled_spline_kernel, x.dtype)
        base = None if self.base_kernel is None else ops.cast(self.base_kernel, x.dtype)
        y = self._edge_sum(x, features, spline, base)
        if self.bias is not None:
            y = y + ops.cast(self.bias, x.dtype)
        return ops.cast(y, inputs.dtype)

    def _edge_sum(self, x, features, spline, base):
        """``sum_i phi_ij(x_i)`` (bias excluded); adds the edge penalty where there is one."""
        if self.edge_regularizer is not None:
            # The penalty reads every edge: the output is their sum, not a second contraction.
            edges = self._edges(x, features, spline, base)
            self.add_loss(self.edge_regularizer(self._scaled(x, edges)))
            return ops.sum(edges, axis=-2)
        # One contraction over (input, basis) pairs: XLA, PyTorch and TF make it one GEMM.
        y = spline_contract(features, spline)
        if base is not None:
            y = y + ops.matmul(self.base_activation(x), base)
        return y

    def _scaled(self, x, edges):
        """Every edge ``phi_ij(x_i) / (std(x_i) + 0.1)`` on the batch: what a penalty reads.

        pykan's edge size (``acts_scale``): the whole edge, base and spline, over
        the spread of its input, so that a penalty can silence an edge through
        either branch and weighs layers with wide and narrow inputs alike. The
        ``(samples, inputs, units)`` tensor (every position of a sequence or
        image a sample) is made only when a penalty reads it.
        """
        # Sequences and images: every position is a sample, as Dense treats them.
        inputs = ops.shape(x)[-1]
        flat = ops.reshape(x, (-1, inputs))
        spread = ops.std(flat, axis=0) + ops.cast(0.1, x.dtype)
        return ops.reshape(edges, (-1, inputs, self.units)) / ops.expand_dims(spread, -1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        activation = self.base_activation
        config.update(
            {
                "units": self.units,
                "basis": self.basis,
                "grid_size": self.grid_size,
                "spline_order": self.spline_order,
                "grid_range": list(self.grid_range),
                "base_activation": None
                if activation is None
                else keras.activations.serialize(activation),
                "use_bias": self.use_bias,
                "use_spline_scale": self.use_spline_scale,
                "spline_scale_initializer": keras.initializers.serialize(
                    self.spline_scale_initializer
                ),
                "spline_kernel_initializer": keras.initializers.serialize(
                    self.spline_kernel_initializer
                ),
                "base_kernel_initializer": keras.initializers.serialize(
                    self.base_kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "spline_kernel_regularizer": keras.regularizers.serialize(
                    self.spline_kernel_regularizer
                ),
                "base_kernel_regularizer": keras.regularizers.serialize(
                    self.base_kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "edge_regularizer": keras.regularizers.serialize(self.edge_regularizer),
                "spline_kernel_constraint": keras.constraints.serialize(
                    self.spline_kernel_constraint
                ),
                "base_kernel_constraint": keras.constraints.serialize(self.base_kernel_constraint),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            }
        )
        return config


__all__ = ["KANDense"]
