"""Soft exponential activation layers with a trainable alpha, real or complex.

Godfrey & Gashler (2015, arXiv:1602.01321): one activation that moves
continuously between the logarithm (alpha = -1), the identity (alpha = 0) and
the exponential (alpha = 1). Both layers follow ``keras.layers.PReLU``: one
alpha per element of ``input_shape[1:]``, ``shared_axes`` to share it, and the
``alpha_*`` initializer / regularizer / constraint arguments.
"""

from __future__ import annotations

import keras
from keras import ops

from learnact.layers.elementwise import ElementwiseLayer, parameter_config
from learnact.layers.parameter import Parameter
from learnact.ops.soft_exponential import complex_soft_exponential, soft_exponential


@keras.saving.register_keras_serializable(package="learnact")
class SoftExponential(ElementwiseLayer):
    """Soft exponential activation with trainable alpha (PReLU conventions).

    ``y = -ln(1 - alpha (x + alpha)) / alpha`` for ``alpha < 0``, ``x`` for
    ``alpha = 0``, ``(exp(alpha x) - 1) / alpha + alpha`` for ``alpha > 0``;
    see :func:`learnact.ops.soft_exponential` for the numerical guards (no NaN
    value or gradient for finite inputs, linear continuation past the log
    branch's pole, saturation instead of overflow).

    Args:
        alpha_initializer: initializer of alpha; ``"zeros"`` makes the layer
            the identity.
        alpha_regularizer: regularizer of alpha, e.g. ``"l2"``.
        alpha_constraint: constraint on alpha, e.g. a ``MinMaxNorm``.
        shared_axes: axes along which alpha is shared (``[1, 2]`` for one
            alpha per channel of an image).
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Returns:
        Called on a tensor, a tensor of the same shape.

    Raises:
        ValueError: for an invalid initializer/regularizer/constraint or
            ``shared_axes``.

    Example:
        >>> import keras
        >>> model = keras.Sequential([
        ...     keras.Input((3,)),
        ...     keras.layers.Dense(8),
        ...     SoftExponential(alpha_regularizer="l2"),
        ... ])
        >>> model.layers[-1].alpha.shape   # one alpha per unit, as PReLU
        (8,)
    """

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(shared_axes=shared_axes, **kwargs)
        self._alpha = Parameter(alpha_initializer, alpha_regularizer, alpha_constraint)

    def parameter_specs(self) -> dict[str, Parameter]:
        return {"alpha": self._alpha}

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        return soft_exponential(x, ops.cast(self.alpha, self.compute_dtype))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(parameter_config("alpha", self._alpha))
        return config


@keras.saving.register_keras_serializable(package="learnact")
class ComplexSoftExponential(ElementwiseLayer):
    """Soft exponential with a trainable complex alpha; outputs ``[Re f, Im f]``.

    ``alpha = alpha_real + i alpha_imag`` per element; ``f`` is the soft
    exponential with the principal logarithm (log branch where
    ``alpha_real < 0``), see :func:`learnact.ops.complex_soft_exponential`.
    The output is ``concat([Re f, Im f], axis=-1)``: twice the input's last
    dimension. With ``alpha_real = 0``, ``Re f = sin(alpha_imag x) / alpha_imag``.

    Args:
        alpha_real_initializer: initializer of Re alpha (default zeros).
        alpha_real_regularizer: regularizer of Re alpha, e.g. ``"l2"``.
        alpha_real_constraint: constraint on Re alpha.
        alpha_imag_initializer: initializer of Im alpha (default zeros).
        alpha_imag_regularizer: regularizer of Im alpha.
        alpha_imag_constraint: constraint on Im alpha.
        shared_axes: axes along which alpha is shared, as in PReLU.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Returns:
        Called on a tensor of shape ``(..., d)``, a tensor ``(..., 2 d)``.

    Raises:
        ValueError: for an invalid initializer/regularizer/constraint or
            ``shared_axes``.

    Example:
        >>> import keras
        >>> layer = ComplexSoftExponential(alpha_imag_initializer="ones",
        ...                                alpha_real_regularizer="l2",
        ...                                alpha_imag_regularizer="l2")
        >>> tuple(layer(keras.ops.ones((2, 3))).shape)
        (2, 6)
    """

    def __init__(
        self,
        alpha_real_initializer="zeros",
        alpha_real_regularizer=None,
        alpha_real_constraint=None,
        alpha_imag_initializer="zeros",
        alpha_imag_regularizer=None,
        alpha_imag_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(shared_axes=shared_axes, **kwargs)
        self._alpha_real = Parameter(
            alpha_real_initializer, alpha_real_regularizer, alpha_real_constraint
        )
        self._alpha_imag = Parameter(
            alpha_imag_initializer, alpha_imag_regularizer, alpha_imag_constraint
        )

    def parameter_specs(self) -> dict[str, Parameter]:
        return {"alpha_real": self._alpha_real, "alpha_imag": self._alpha_imag}

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        real, imag = complex_soft_exponential(
            x,
            ops.cast(self.alpha_real, self.compute_dtype),
            ops.cast(self.alpha_imag, self.compute_dtype),
        )
        return ops.concatenate([real, imag], axis=-1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if shape[-1] is not None:
            shape[-1] = 2 * shape[-1]
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(parameter_config("alpha_real", self._alpha_real))
        config.update(parameter_config("alpha_imag", self._alpha_imag))
        return config
