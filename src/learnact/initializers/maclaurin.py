"""``Maclaurin``: initialize series coefficients from a function's Maclaurin series."""

from __future__ import annotations

import functools

import keras
import numpy as np
from keras import ops

from learnact.errors import UserInputError


def _sympy_expressions() -> dict:
    import sympy

    x = sympy.Symbol("x")
    return x, {
        "identity": x,
        "sin": sympy.sin(x),
        "cos": sympy.cos(x),
        "exp": sympy.exp(x),
        "tanh": sympy.tanh(x),
        "sigmoid": 1 / (1 + sympy.exp(-x)),
        "softplus": sympy.log(1 + sympy.exp(x)),
        "gelu": x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
        "swish": x / (1 + sympy.exp(-x)),
        "sinh": sympy.sinh(x),
        "cosh": sympy.cosh(x),
        "atan": sympy.atan(x),
        "erf": sympy.erf(x),
    }


NAMED_FUNCTIONS = (
    "identity",
    "sin",
    "cos",
    "exp",
    "tanh",
    "sigmoid",
    "softplus",
    "gelu",
    "swish",
    "sinh",
    "cosh",
    "atan",
    "erf",
)


@functools.lru_cache(maxsize=64)
def named_series(name: str, order: int) -> tuple[float, ...]:
    """Return the exact Maclaurin coefficients ``c_0..c_order`` of a named function.

    Computed symbolically with sympy (exact rationals, then rounded once to
    float64), so they carry no truncation or finite-difference error.

    Args:
        name: one of :data:`NAMED_FUNCTIONS`.
        order: highest power.

    Returns:
        Tuple of ``order + 1`` floats.

    Raises:
        ValueError: for an unknown name.

    Example:
        >>> named_series("sin", 5)
        (0.0, 1.0, 0.0, -0.16666666666666666, 0.0, 0.008333333333333333)
    """
    import sympy

    x, expressions = _sympy_expressions()
    if name not in expressions:
        raise UserInputError(
            f"`function` must be one of {', '.join(NAMED_FUNCTIONS)} or a callable; "
            f"received function={name!r}"
        )
    poly = sympy.series(expressions[name], x, 0, order + 1).removeO()
    return tuple(float(poly.coeff(x, p)) if p else float(poly.subs(x, 0)) for p in range(order + 1))


@keras.saving.register_keras_serializable(package="learnact")
class Maclaurin(keras.initializers.Initializer):
    """Initializer filling the order axis with a function's Maclaurin coefficients.

    Formula:
        value[..., p] = f^(p)(0) / p!,   p = 0 .. shape[-1] - 1

    The last axis of the requested shape is the order axis (learnact's series
    layers put it last); every other position gets the same series, so a
    series layer starts out computing ``f`` (to its truncation error).

    Args:
        function: a name ("identity", "sin", "cos", "exp", "tanh", "sigmoid",
            "softplus", "gelu", "swish", "sinh", "cosh", "atan", "erf"), or a
            callable analytic at 0 that accepts complex NumPy arrays (its
            coefficients come from
            :func:`learnact.gradients.maclaurin_coefficients`).
        coefficients: explicit coefficients instead of ``function`` (used to
            save a callable's series in a config); shorter than the order axis
            pads with zeros.

    Returns:
        Called with ``(shape, dtype)``: a tensor of that shape.

    Raises:
        ValueError: for an unknown name, neither or both of ``function`` and
            ``coefficients``, or a shape with no order axis.

    Example:
        >>> init = Maclaurin("sin")
        >>> np.asarray(init((4,)))
        array([ 0.        ,  1.        ,  0.        , -0.16666667], dtype=float32)
    """

    def __init__(self, function=None, coefficients=None):
        if (function is None) == (coefficients is None):
            raise UserInputError(
                "Maclaurin needs exactly one of `function` and `coefficients`; "
                f"received function={function!r}, coefficients={coefficients!r}"
            )
        if isinstance(function, str):
            named_series(function, 0)  # validates the name now, not at build time
        elif function is not None and not callable(function):
            raise UserInputError(
                f"`function` must be a name or a callable; received function={function!r}"
            )
        self.function = function
        if coefficients is not None:
            coefficients = [float(c) for c in coefficients]
            if not all(np.isfinite(coefficients)):
                raise UserInputError(
                    f"`coefficients` must be finite numbers; received coefficients={coefficients!r}"
                )
        self.coefficients = coefficients

    def series(self, order: int) -> np.ndarray:
        """Return the ``order + 1`` coefficients as a float64 NumPy array."""
        if self.coefficients is not None:
            series = np.zeros(order + 1)
            known = self.coefficients[: order + 1]
            series[: len(known)] = known
            return series
        if isinstance(self.function, str):
            return np.asarray(named_series(self.function, order))
        from learnact.gradients import maclaurin_coefficients

        series = np.real(np.asarray(maclaurin_coefficients(self.function, order)))
        # Remember them so get_config can save a callable's series as numbers.
        self.coefficients = series.tolist()
        return series

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if not shape:
            raise UserInputError("Maclaurin needs a shape whose last axis is the order axis")
        dtype = dtype or keras.backend.floatx()
        series = ops.convert_to_tensor(self.series(shape[-1] - 1), dtype=dtype)
        # A product, not broadcast_to: PyTorch's broadcast is a view Keras cannot assign.
        return series * ops.ones(shape, dtype=dtype)

    def get_config(self) -> dict:
        if isinstance(self.function, str):
            return {"function": self.function}
        if self.coefficients is None:
            raise UserInputError(
                "Maclaurin(callable) can be saved only after it has been used once "
                "(its coefficients are saved, not the callable)"
            )
        return {"coefficients": list(self.coefficients)}
