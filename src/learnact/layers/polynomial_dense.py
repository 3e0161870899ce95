"""``PolynomialDense``: a dense layer over polynomial features of its input."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._backend import layers_support_jit
from learnact._checks import check_choice, check_int
from learnact.errors import UserInputError
from learnact.layers.bounds import apply_bound, check_bound
from learnact.layers.limits import check_order
from learnact.layers.precision import widen
from learnact.layers.real_inputs import RealInputs
from learnact.ops import keep64
from learnact.ops.basis import BASES, basis_functions


@keras.saving.register_keras_serializable(package="learnact")
class PolynomialDense(RealInputs, keras.layers.Layer):
    """Dense layer over a polynomial basis of its input: ``sum_p B_p(x) @ W_p + b``.

    The form tried in the Stack Overflow question on Maclaurin series in
    Keras, ``Dense(x) + sum_i Dense(x**i)``, done as
    one matmul: the basis terms are stacked on the feature axis and multiplied
    by one kernel of shape ``(order * features, units)``. ``order=1`` with the
    monomial basis is exactly ``keras.layers.Dense``.

    Formula:
        y = activation( sum_{p=1..n} B_p(x) @ W_p + b )
        with ``B_p`` from :func:`learnact.ops.basis.basis_functions`.

    Large inputs: monomials grow like ``|x|^n`` (Chebyshev polynomials too,
    outside [-1, 1]); ``input_bound=b`` maps ``x`` into ``[-b, b]`` first
    (``b tanh(x/b)`` or a clip). Use ``input_bound=1`` with the Chebyshev basis.
    Without a bound, once ``|x|^n`` overflows (``|x| > ~7e12`` at order 3 in
    float32) the matmul can add ``+inf`` and ``-inf`` and return NaN: unlike
    an elementwise series, a weighted sum of overflowing features has no
    finite answer to fall back on, so set ``input_bound`` when inputs can be
    that large. Half-precision inputs (``mixed_float16``) are computed in
    float32 (basis, matmul, activation) and cast back.

    Args:
        units: output features (positive int).
        order: highest degree ``n``, 1 to 16.
        basis: "monomial" or "chebyshev".
        activation: Keras activation applied last (default none).
        use_bias: whether to add ``b``.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in ``keras.layers.Dense``.
        input_bound: None, or ``b > 0`` to bound the input to ``[-b, b]``.
        bound_method: "tanh" or "clip".
        **kwargs: base layer arguments.

    Returns:
        Called on ``x`` of shape ``(..., features)``: ``(..., units)``.

    Raises:
        ValueError: non-positive units, an order outside [1, 16], an unknown
            basis or bound method.

    Example:
        >>> import numpy as np
        >>> layer = PolynomialDense(8, order=3)
        >>> tuple(layer(np.zeros((2, 4))).shape)
        (2, 8)
    """

    def __init__(
        self,
        units,
        order=3,
        basis="monomial",
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        input_bound=None,
        bound_method="tanh",
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        # Not torch.compile on PyTorch (minutes per model; see layers_support_jit).
        self.supports_jit = layers_support_jit(keras.backend.backend())
        self.units = check_int("units", units, minimum=1)
        self.order = check_order(order)
        self.basis = check_choice("basis", basis, BASES)
        self.input_bound = check_bound(input_bound, bound_method)
        self.bound_method = bound_method
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise UserInputError(
                f"PolynomialDense needs a known last input dimension; received {input_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.order * features, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
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

    def kernel_by_degree(self) -> np.ndarray:
        """Return the kernel as NumPy, shape ``(order, inputs, units)``: ``W_p`` at ``p - 1``.

        The kernel multiplies :func:`~learnact.ops.basis_functions`, which is
        degree-major (``B_1`` of every input, then ``B_2`` ...), so its rows
        ``[(p - 1) * inputs, p * inputs)`` are ``W_p``.

        Example:
            >>> layer = PolynomialDense(2, order=3, kernel_initializer="ones")
            >>> layer.build((None, 4))
            >>> layer.kernel_by_degree().shape
            (3, 4, 2)
        """
        kernel = np.asarray(keras.ops.convert_to_numpy(self.kernel))
        return kernel.reshape(self.order, -1, self.units)

    def call(self, inputs):
        x = apply_bound(widen(inputs), self.input_bound, self.bound_method)
        y = keep64.matmul(
            basis_functions(x, self.order, self.basis), ops.cast(self.kernel, x.dtype)
        )
        if self.bias is not None:
            y = y + ops.cast(self.bias, x.dtype)
        if self.activation is not None:
            y = self.activation(y)
        return ops.cast(y, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "order": self.order,
                "basis": self.basis,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
                "input_bound": self.input_bound,
                "bound_method": self.bound_method,
            }
        )
        return config
