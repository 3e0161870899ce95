"""``TaylorExpansion``: a learnable truncated Taylor series applied to every element."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._checks import check_choice, check_real
from learnact.initializers import Maclaurin
from learnact.layers.bounds import apply_bound, check_bound
from learnact.layers.elementwise import ElementwiseLayer, parameter_config
from learnact.layers.limits import check_order
from learnact.layers.parameter import Parameter
from learnact.layers.precision import widen
from learnact.ops import keep64, polynomial_terms, polyval

PARAMETERIZATIONS = ("direct", "cumulative")
MERGES = ("sum", "terms")


def _last_one(shape, dtype=None):
    """``w`` for the cumulative form: 1 at the highest order, so ``c_p == alpha_p``."""
    order_axis = np.zeros(shape[-1])
    order_axis[-1] = 1.0
    return ops.convert_to_tensor(order_axis, dtype=dtype) * ops.ones(tuple(shape), dtype=dtype)


@keras.saving.register_keras_serializable(package="learnact")
class TaylorExpansion(ElementwiseLayer):
    """Learnable Taylor series ``y = sum_p c_p (x - center)^p`` on every element.

    Each element of ``input_shape[1:]`` has its own coefficients (PReLU's
    convention; ``shared_axes=[1, 2]`` gives one series per channel of an
    image). This is the "expandable CNN" node of the Stack Overflow question on
    Maclaurin series in Keras: one node
    decomposed into ``order + 1`` weighted powers of itself.

    Formula:
        direct:      y = sum_{p=0..n} c_p t^p,   t = x - center
        cumulative:  s_q = sum_{p<=q} alpha_p t^p,  y = sum_q w_q s_q
                     (the two LocallyConnected2D weights of the accepted
                     Stack Overflow answer), which
                     is folded at call time into c_p = alpha_p sum_{q>=p} w_q
        terms:       y[..., p] = c_p t^p  (``merge="terms"``, no sum)

    Large inputs: the series grows like ``|t|^n``; in float32 it overflows to
    +-inf once ``|c_n| |t|^n > 3.4e38`` (``|t| > ~250`` at order 16 with
    ``c_n = 1``), and gradients grow like ``n |t|^(n-1)``, which destabilises
    training long before that. ``input_bound=b`` maps ``t`` into ``[-b, b]``
    first (``b tanh(t/b)`` or a clip); the output is then bounded and never NaN.
    Without a bound the output is still never NaN for finite inputs (Horner's
    rule only adds finite coefficients), but may be +-inf; gradients at inputs
    whose powers overflow are not finite. Half-precision inputs
    (``mixed_float16``) are computed in float32 and cast back.

    Args:
        order: highest power ``n``, 1 to 16.
        center: expansion point (number).
        parameterization: "direct" (one weight ``coefficients``) or
            "cumulative" (weights ``alpha`` and ``w``).
        coefficients_initializer: initializer of ``coefficients`` (or of
            ``alpha``; ``w`` then starts as ``[0, ..., 0, 1]`` so that
            ``c == alpha``). Default ``Maclaurin("identity")``: ``y == x``.
        coefficients_regularizer: regularizer of the coefficient weight(s).
        coefficients_constraint: constraint of the coefficient weight(s).
        shared_axes: axes along which coefficients are shared (PReLU).
        merge: "sum" (output shape = input shape) or "terms" (the ``n + 1``
            terms on a new last axis).
        input_bound: None, or ``b > 0`` to bound ``t`` to ``[-b, b]``.
        bound_method: "tanh" (smooth) or "clip".
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Returns:
        Called on ``x``: a tensor of ``x``'s shape (``merge="sum"``) or
        ``x.shape + (order + 1,)`` (``merge="terms"``).

    Raises:
        ValueError: an order outside [1, 16], an unknown parameterization,
            merge or bound method, or a center that is not a finite number.

    Example:
        >>> layer = TaylorExpansion(order=5, coefficients_initializer=Maclaurin("sin"))
        >>> y = layer(np.array([[0.5, -1.0]]))   # x - x^3/6 + x^5/120 ~ sin(x)
        >>> np.round(keras.ops.convert_to_numpy(y), 4)
        array([[ 0.4794, -0.8417]], dtype=float32)
    """

    def __init__(
        self,
        order=3,
        center=0.0,
        parameterization="direct",
        coefficients_initializer=None,
        coefficients_regularizer=None,
        coefficients_constraint=None,
        shared_axes=None,
        merge="sum",
        input_bound=None,
        bound_method="tanh",
        **kwargs,
    ):
        super().__init__(shared_axes=shared_axes, **kwargs)
        self.order = check_order(order)
        self.center = check_real("center", center)
        self.parameterization = check_choice(
            "parameterization", parameterization, PARAMETERIZATIONS
        )
        self.merge = check_choice("merge", merge, MERGES)
        self.input_bound = check_bound(input_bound, bound_method)
        self.bound_method = bound_method
        self.coefficients_spec = Parameter(
            initializer=coefficients_initializer or Maclaurin("identity"),
            regularizer=coefficients_regularizer,
            constraint=coefficients_constraint,
            shape=(self.order + 1,),
        )

    def parameter_specs(self) -> dict[str, Parameter]:
        spec = self.coefficients_spec
        if self.parameterization == "direct":
            return {"coefficients": spec}
        w = Parameter(_last_one, spec.regularizer, spec.constraint, shape=spec.shape)
        return {"alpha": spec, "w": w}

    def folded_coefficients(self):
        """Return the effective ``c`` tensor (``param_shape + (order + 1,)``)."""
        if self.parameterization == "direct":
            return self.coefficients
        # sum_{q>=p} w_q is a reversed cumulative sum over the order axis.
        tail_sums = ops.flip(keep64.cumsum(ops.flip(self.w, axis=-1), axis=-1), axis=-1)
        return self.alpha * tail_sums

    def effective_coefficients(self) -> np.ndarray:
        """Return the coefficients ``c`` as NumPy, shape ``param_shape + (order + 1,)``."""
        return np.asarray(keras.ops.convert_to_numpy(self.folded_coefficients()))

    def call(self, inputs):
        x = widen(inputs)
        t = x - ops.cast(self.center, x.dtype) if self.center else x
        t = apply_bound(t, self.input_bound, self.bound_method)
        coefficients = ops.cast(self.folded_coefficients(), x.dtype)
        if self.merge == "terms":
            return ops.cast(polynomial_terms(t, coefficients), inputs.dtype)
        return ops.cast(polyval(t, coefficients), inputs.dtype)

    def compute_output_shape(self, input_shape):
        if self.merge == "terms":
            return tuple(input_shape) + (self.order + 1,)
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "order": self.order,
                "center": self.center,
                "parameterization": self.parameterization,
                "merge": self.merge,
                "input_bound": self.input_bound,
                "bound_method": self.bound_method,
                **parameter_config("coefficients", self.coefficients_spec),
            }
        )
        return config


__all__ = ["TaylorExpansion"]
