"""The soft-exponential paper's two-layer network for learning products."""

from __future__ import annotations

import keras

from learnact.errors import UserInputError
from learnact.layers import SoftExponential


def product_network(activation: str = "soft_exponential") -> keras.Model:
    """Build ``Dense(2) -> act -> Dense(1) -> act`` with no biases, for learning ``x * y``.

    Formula (with soft exponential activations):
        y = f(a2, w2 . f(a1, W1 x))
    With ``W1 = I``, ``a1 = -1`` (logarithm), ``w2 = (1, 1)``, ``a2 = 1``
    (exponential) it is exactly ``exp(ln x0 + ln x1) = x0 x1`` for positive
    inputs (Godfrey & Gashler 2015); trained, it can extrapolate a product far
    beyond its training range, which piecewise-linear ReLU cannot.

    Kernels start in [0.2, 1] (the inputs are positive). The soft exponential
    alphas start at -0.3 and +0.3, a nudge towards log-then-exp: from alpha = 0
    gradient descent finds that structure only for some seeds. Seed with
    ``keras.utils.set_random_seed`` before calling.

    Args:
        activation: "soft_exponential", or any Keras activation name (e.g.
            "relu") used for both activations, for comparison.

    Returns:
        An uncompiled ``keras.Model`` from ``(batch, 2)`` to ``(batch, 1)``.

    Raises:
        ValueError: an unknown activation name.

    Example:
        >>> model = product_network()
        >>> model.input_shape, model.output_shape
        ((None, 2), (None, 1))
    """
    if activation == "soft_exponential":
        first = SoftExponential(alpha_initializer=keras.initializers.Constant(-0.3))
        second = SoftExponential(alpha_initializer=keras.initializers.Constant(0.3))
    else:
        try:
            keras.activations.get(activation)
        except ValueError:
            raise UserInputError(
                "`activation` must be 'soft_exponential' or a Keras activation name; "
                f"received activation={activation!r}"
            ) from None
        first, second = (keras.layers.Activation(activation) for _ in range(2))
    init = keras.initializers.RandomUniform(0.2, 1.0)
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, use_bias=False, kernel_initializer=init),
            first,
            keras.layers.Dense(1, use_bias=False, kernel_initializer=init),
            second,
        ],
        name=f"product_network_{activation}",
    )
