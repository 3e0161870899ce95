"""``Rational``: a learnable rational function ``P(x) / Q(x)`` per element, per group or shared."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._checks import check_int, check_interval
from learnact.errors import UserInputError
from learnact.initializers import NAMED_FUNCTIONS, Coefficients, pade, rational_fit
from learnact.initializers.rational import FIT_FUNCTIONS, check_degrees
from learnact.layers.elementwise import ElementwiseLayer
from learnact.layers.parameter import Parameter
from learnact.layers.precision import widen
from learnact.ops import rational
from learnact.ops.rational import FORMS, PADE_GUARD, check_form


def starting_coefficients(approximates, m, n, interval, form):
    """``(numerator, denominator)`` a Rational starts from; ``denominator[0] == 1``.

    "identity" is exact (``a_1 = 1``, all else 0). In the "pade" form an
    analytic named function starts from its exact Padé approximant (refused if
    its denominator comes within the guard of 0 on ``interval``); otherwise
    :func:`learnact.initializers.rational_fit` of the form.

    Raises:
        ValueError: an unknown function, or a Padé approximant with a pole on
            the interval.
    """
    if isinstance(approximates, str) and approximates == "identity":
        numerator, denominator = np.zeros(m + 1), np.r_[1.0, np.zeros(n)]
        if m >= 1:
            numerator[1] = 1.0
        else:
            raise UserInputError("approximates='identity' needs numerator_degree >= 1")
        return numerator, denominator
    if form == "pade" and isinstance(approximates, str) and approximates in NAMED_FUNCTIONS:
        numerator, denominator = pade(approximates, m, n)
        x = np.linspace(*interval, 4001)
        q = 1.0 + x * np.polyval(denominator[:0:-1], x)
        if np.min(np.abs(q)) < PADE_GUARD or np.min(q) * np.max(q) < 0:
            pole = x[np.argmin(np.abs(q))]
            raise UserInputError(
                f"the [{m}/{n}] Padé approximant of {approximates!r} has a denominator that "
                f"vanishes on interval={tuple(interval)} (near x={pole:.3g}); use form='safe' "
                "(a fitted rational with Q >= 1) or a narrower interval"
            )
        return numerator, denominator
    numerator, denominator, _ = rational_fit(approximates, m, n, interval=interval, form=form)
    return numerator, denominator


@keras.saving.register_keras_serializable(package="learnact")
class Rational(ElementwiseLayer):
    """Learnable rational activation ``y = P(x) / Q(x)`` (Padé activation unit).

    Formula:
        P(x) = a_0 + a_1 x + ... + a_m x^m
        safe:     Q(x) = 1 + |b_1 x| + ... + |b_n x^n|   (PAU's safe form)
        abs_sum:  Q(x) = 1 + |b_1 x + ... + b_n x^n|
        pade:     Q(x) = 1 + b_1 x + ... + b_n x^n       (guarded, unsafe to train)
        (see :func:`learnact.ops.rational`: no overflow for any finite x).

    Coefficients: per element of ``input_shape[1:]`` (PReLU's convention;
    ``shared_axes=[1, 2]`` gives one function per channel of an image), or,
    with ``groups=g``, the last axis split into ``g`` equal groups with one
    function each, shared by the group's channels (the Kolmogorov-Arnold
    Transformer's group-rational); ``groups=1`` is one function for the whole
    layer (PAU's default). The weights are ``numerator`` (``... + (m + 1,)``)
    and ``denominator`` (``... + (n,)``, ``b_1..b_n``). Half-precision inputs
    (``mixed_float16``) are computed in float32 and cast back.

    Args:
        numerator_degree: ``m``, 0 to 16.
        denominator_degree: ``n``, 1 to 16.
        form: "safe" (default), "abs_sum" or "pade".
        approximates: the function the layer starts as: a name of
            :data:`learnact.initializers.FIT_FUNCTIONS` ("leaky_relu" (slope
            0.01), "relu", "gelu", "silu", "tanh", "sigmoid", "softplus",
            "abs", "identity", ...) or a callable on NumPy arrays, fitted on
            ``interval`` by :func:`learnact.initializers.rational_fit`;
            "identity" is exactly ``y == x`` (``b = 0``: in the safe form a
            zero ``b_k`` gets zero gradient, so its denominator stays 1 until
            another initializer is used). In the "pade" form analytic names
            start from their exact Padé approximant. Explicit initializers
            override it.
        interval: ``(low, high)`` of the fit.
        groups: None (PReLU convention) or a positive divisor of the last axis.
        shared_axes: axes sharing coefficients (PReLU), not with ``groups``.
        numerator_initializer, denominator_initializer: Keras initializers
            (default: from ``approximates``).
        numerator_regularizer, denominator_regularizer: Keras regularizers.
        numerator_constraint, denominator_constraint: Keras constraints.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Returns:
        Called on ``x``: a tensor of ``x``'s shape.

    Raises:
        ValueError: a degree out of range, an unknown form or function, a bad
            interval, ``groups`` not a positive divisor of the last axis (at
            build) or given with ``shared_axes``.

    Example:
        >>> layer = Rational(3, 2, approximates="tanh")
        >>> y = layer(np.array([[0.5, -1.0, 2.0]]))
        >>> bool(np.max(np.abs(keras.ops.convert_to_numpy(y) - np.tanh([0.5, -1.0, 2.0]))) < 0.002)
        True
    """

    def __init__(
        self,
        numerator_degree=5,
        denominator_degree=4,
        form="safe",
        approximates="leaky_relu",
        interval=(-3.0, 3.0),
        groups=None,
        shared_axes=None,
        numerator_initializer=None,
        denominator_initializer=None,
        numerator_regularizer=None,
        denominator_regularizer=None,
        numerator_constraint=None,
        denominator_constraint=None,
        **kwargs,
    ):
        super().__init__(shared_axes=shared_axes, **kwargs)
        self.numerator_degree, self.denominator_degree = check_degrees(
            numerator_degree, denominator_degree, ("numerator_degree", "denominator_degree")
        )
        self.form = check_form(form)
        self.interval = check_interval("interval", interval)
        if isinstance(approximates, str):
            if approximates not in FIT_FUNCTIONS:
                raise UserInputError(
                    f"`approximates` must be one of {', '.join(FIT_FUNCTIONS)} or a callable; "
                    f"received approximates={approximates!r}"
                )
        elif approximates is not None and not callable(approximates):
            raise UserInputError(
                "`approximates` must be a function name or a callable; "
                f"received approximates={approximates!r}"
            )
        if approximates is None and (
            numerator_initializer is None or denominator_initializer is None
        ):
            raise UserInputError(
                "approximates=None needs both numerator_initializer and denominator_initializer"
            )
        self.approximates = approximates
        if groups is not None:
            groups = check_int("groups", groups, minimum=1)
            if shared_axes is not None:
                raise UserInputError(
                    f"`groups` and `shared_axes` exclude each other; received groups={groups}, "
                    f"shared_axes={shared_axes!r}"
                )
        self.groups = groups
        self._given = {
            "numerator": keras.initializers.get(numerator_initializer),
            "denominator": keras.initializers.get(denominator_initializer),
        }
        self._regularizers = {
            "numerator": keras.regularizers.get(numerator_regularizer),
            "denominator": keras.regularizers.get(denominator_regularizer),
        }
        self._constraints = {
            "numerator": keras.constraints.get(numerator_constraint),
            "denominator": keras.constraints.get(denominator_constraint),
        }
        self._start = None

    def _initializer(self, part):
        if self._given[part] is not None:
            return self._given[part]
        if self._start is None:
            self._start = starting_coefficients(
                self.approximates,
                self.numerator_degree,
                self.denominator_degree,
                self.interval,
                self.form,
            )
        numerator, denominator = self._start
        return Coefficients(numerator if part == "numerator" else denominator[1:])

    def parameter_specs(self) -> dict[str, Parameter]:
        sizes = {"numerator": self.numerator_degree + 1, "denominator": self.denominator_degree}
        return {
            part: Parameter(
                initializer=self._initializer(part),
                regularizer=self._regularizers[part],
                constraint=self._constraints[part],
                shape=(sizes[part],),
            )
            for part in ("numerator", "denominator")
        }

    # Under mixed precision the coefficients stay float32, like the computation
    # (float16 would round a b_k of 1e-8 to 0 and change the function).
    parameter_autocast = False

    def build(self, input_shape):
        if self.groups is None:
            return super().build(input_shape)
        self.build_groups(input_shape, self.groups)

    def starting_function(self, x):
        """The function the layer started as, on NumPy ``x`` (None: explicit initializers).

        Example:
            >>> Rational(approximates="relu").starting_function(np.array([-1.0, 2.0]))
            array([0., 2.])
        """
        if self._given["numerator"] is not None or self._given["denominator"] is not None:
            return None
        if isinstance(self.approximates, str):
            return FIT_FUNCTIONS[self.approximates](np.asarray(x, np.float64))
        if callable(self.approximates):
            return np.asarray(self.approximates(np.asarray(x, np.float64)), np.float64)
        return None

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(numerator, denominator)`` as NumPy, the denominator with its leading 1.

        Shapes ``param_shape + (m + 1,)`` and ``param_shape + (n + 1,)``
        (``param_shape`` is ``(groups,)`` with groups).
        """
        numerator = np.asarray(ops.convert_to_numpy(self.numerator), np.float64)
        b = np.asarray(ops.convert_to_numpy(self.denominator), np.float64)
        return numerator, np.concatenate([np.ones(b.shape[:-1] + (1,)), b], axis=-1)

    def call(self, inputs):
        x = widen(inputs)
        numerator = ops.cast(self.numerator, x.dtype)
        denominator = ops.cast(self.denominator, x.dtype)
        if self.groups is None:
            return ops.cast(rational(x, numerator, denominator, form=self.form), inputs.dtype)
        shape = ops.shape(x)
        channels = shape[-1]
        grouped = ops.reshape(x, tuple(shape[:-1]) + (self.groups, channels // self.groups))
        y = rational(
            grouped,
            ops.expand_dims(numerator, -2),
            ops.expand_dims(denominator, -2),
            form=self.form,
        )
        return ops.cast(ops.reshape(y, shape), inputs.dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        approximates = self.approximates
        given = dict(self._given)
        if callable(approximates):
            # A callable cannot be saved: save the coefficients it gave instead.
            for part in ("numerator", "denominator"):
                given[part] = given[part] or self._initializer(part)
            approximates = None
        config.update(
            {
                "numerator_degree": self.numerator_degree,
                "denominator_degree": self.denominator_degree,
                "form": self.form,
                "approximates": approximates,
                "interval": list(self.interval),
                "groups": self.groups,
            }
        )
        for part in ("numerator", "denominator"):
            config[f"{part}_initializer"] = keras.initializers.serialize(given[part])
            config[f"{part}_regularizer"] = keras.regularizers.serialize(self._regularizers[part])
            config[f"{part}_constraint"] = keras.constraints.serialize(self._constraints[part])
        return config


__all__ = ["FORMS", "Rational"]
