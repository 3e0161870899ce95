"""Sympy expressions of layers: one rule per layer class, applied to arrays of expressions.

A *value* is a NumPy object array of sympy expressions, the shape of one
sample (the layer's input shape without the batch axis). A rule takes a
layer and its input value(s) and returns its output value, computing what
the layer's ``call`` computes at inference, with the layer's weights as exact
sympy numbers (a float32 or float64 weight is a binary fraction, so
``sympy.Float`` holds it without rounding; integer-valued weights become
sympy integers, so that ``1.0 * log(x)`` prints and simplifies as ``log(x)``).

To express a new layer class, register a rule::

    @expresses(MyLayer)
    def _my_layer(layer, x):      # x: object array (features,)
        return ...                # object array
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np

from learnact.errors import UserInputError
from learnact.layers import (
    ComplexSoftExponential,
    KANDense,
    PolynomialDense,
    Rational,
    SnappedActivation,
    SoftExponential,
    TaylorExpansion,
)
from learnact.layers.parametric import _ParametricActivation
from learnact.ops.basis import basis_terms
from learnact.ops.horner import horner

# Rules by layer class; the most specific class of a layer wins.
RULES: dict[type, Callable] = {}


def expresses(*layer_classes):
    """Register the decorated ``rule(layer, *values) -> value`` for ``layer_classes``.

    Example:
        >>> @expresses(keras.layers.Identity)
        ... def _identity(layer, x):
        ...     return x
    """

    def register(rule):
        for cls in layer_classes:
            RULES[cls] = rule
        return rule

    return register


def rule_for(layer):
    """Return the rule registered for ``layer``'s class (or a base class), or None."""
    for cls in type(layer).__mro__:
        if cls in RULES:
            return RULES[cls]
    return None


def number(value):
    """Return the float ``value`` as an exact sympy number.

    Integer-valued floats become ``sympy.Integer``; others a ``sympy.Float``
    with the 53 bits of a double (exactly the float's value).

    Example:
        >>> number(1.0), number(0.5), number(-3.0)
        (1, 0.500000000000000, -3)
    """
    import sympy

    value = float(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return sympy.Integer(int(value))
    return sympy.Float(value, precision=53)


def weight(variable) -> np.ndarray:
    """Return a Keras variable (or array) as an object array of exact sympy numbers."""
    array = np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float64)
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = number(array[index])
    return out


def elementwise(fn, *values) -> np.ndarray:
    """Apply ``fn`` to matching elements of object arrays, broadcast NumPy's way."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=object) for v in values))
    out = np.empty(arrays[0].shape, dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = fn(*(a[index] for a in arrays))
    return out


def matmul(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``x @ kernel`` for object arrays, the sum of each unit built once (``sympy.Add``)."""
    import sympy

    out = np.empty(x.shape[:-1] + kernel.shape[1:], dtype=object)
    for index in np.ndindex(x.shape[:-1]):
        row = x[index]
        for unit in range(kernel.shape[1]):
            out[index + (unit,)] = sympy.Add(
                *(row[i] * kernel[i, unit] for i in range(len(row)) if kernel[i, unit] != 0)
            )
    return out


# Branches are written with Max, Min and Heaviside, built unevaluated, never
# with Piecewise: a Piecewise whose condition holds another one is folded by
# sympy as it is built, and comparing deep expressions takes minutes on a few
# layers while changing nothing numerically.


def maximum(*values):
    """``Max(*values)``, unevaluated."""
    import sympy

    return sympy.Max(*values, evaluate=False)


def minimum(*values):
    """``Min(*values)``, unevaluated."""
    import sympy

    return sympy.Min(*values, evaluate=False)


def step(x):
    """``1`` where ``x > 0``, else ``0``: ``Heaviside(x, 0)``."""
    import sympy

    return sympy.Heaviside(x, 0, evaluate=False)


# ---------------------------------------------------------------------------
# Fixed activations (keras.activations), by their serialized name.
# ---------------------------------------------------------------------------


def _sigmoid(x):
    import sympy

    return 1 / (1 + sympy.exp(-x))


def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's ``relu``: ``x`` above ``threshold`` (at most ``max_value``), else
    ``negative_slope (x - threshold)``."""
    threshold, slope = number(threshold), number(negative_slope)
    y = maximum(x, 0) if threshold == 0 else x * step(x - threshold)
    if max_value is not None:
        y = minimum(y, number(max_value))
    if slope != 0:
        y = y + slope * minimum(x - threshold, 0)
    return y


def _elu(x, alpha=1.0):
    import sympy

    # exp of min(x, 0) only: exp(x) of a large x would overflow in the unused branch.
    return maximum(x, 0) + number(alpha) * (sympy.exp(minimum(x, 0)) - 1)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _activation_table() -> dict:
    import sympy

    return {
        "linear": lambda x: x,
        "relu": _relu,
        "relu6": lambda x: minimum(maximum(x, 0), 6),
        "leaky_relu": lambda x: _relu(x, negative_slope=0.2),
        "elu": _elu,
        "selu": lambda x: number(_SELU_SCALE) * _elu(x, _SELU_ALPHA),
        "sigmoid": _sigmoid,
        "hard_sigmoid": lambda x: minimum(maximum(x + 3, 0), 6) / 6,
        "hard_silu": lambda x: x * minimum(maximum(x + 3, 0), 6) / 6,
        "tanh": sympy.tanh,
        "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
        "softsign": lambda x: x / (1 + sympy.Abs(x)),
        "silu": lambda x: x * _sigmoid(x),
        "swish": lambda x: x * _sigmoid(x),
        "gelu": lambda x: x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
        "exponential": sympy.exp,
        "mish": lambda x: x * sympy.tanh(sympy.log(1 + sympy.exp(x))),
        "log_sigmoid": lambda x: -sympy.log(1 + sympy.exp(-x)),
    }


def _activation_name(fn) -> str:
    """The name Keras knows ``fn`` by (``keras.activations.serialize`` imports TensorFlow)."""
    name = getattr(fn, "__name__", repr(fn))
    try:
        known = keras.activations.get(name)
    except (ValueError, TypeError):
        return name
    return name if known is fn else repr(fn)


def activation(fn, x: np.ndarray, where: str) -> np.ndarray:
    """Apply the Keras activation ``fn`` (a function or a name) to the object array ``x``.

    ``softmax`` acts on the last axis; the others elementwise.

    Raises:
        ValueError: an activation without a sympy form, named with ``where``.
    """
    import sympy

    if fn is None:
        return x
    name = fn if isinstance(fn, str) else _activation_name(fn)
    if name == "softmax":
        exps = elementwise(sympy.exp, x)
        totals = np.sum(exps, axis=-1, keepdims=True)
        return elementwise(lambda e, s: e / s, exps, totals)
    table = _activation_table()
    if name not in table:
        raise UserInputError(
            f"{where}: activation {name!r} has no formula; those with one are "
            f"{sorted([*table, 'softmax'])}"
        )
    return elementwise(table[name], x)


# ---------------------------------------------------------------------------
# Keras's own layers.
# ---------------------------------------------------------------------------


@expresses(keras.layers.Dense)
def _dense(layer, x):
    if layer.lora_enabled if hasattr(layer, "lora_enabled") else False:
        raise UserInputError(f"layer {layer.name!r}: Dense with LoRA has no formula here")
    y = matmul(x, weight(layer.kernel))
    if layer.bias is not None:
        y = y + weight(layer.bias)
    return activation(layer.activation, y, f"layer {layer.name!r}")


@expresses(keras.layers.Activation)
def _activation(layer, x):
    return activation(layer.activation, x, f"layer {layer.name!r}")


@expresses(keras.layers.ReLU)
def _relu_layer(layer, x):
    def apply(v):
        return _relu(v, layer.negative_slope, layer.max_value, layer.threshold)

    return elementwise(apply, x)


@expresses(keras.layers.LeakyReLU)
def _leaky_relu_layer(layer, x):
    return elementwise(lambda v: _relu(v, negative_slope=layer.negative_slope), x)


@expresses(keras.layers.ELU)
def _elu_layer(layer, x):
    return elementwise(lambda v: _elu(v, layer.alpha), x)


@expresses(keras.layers.PReLU)
def _prelu(layer, x):
    def apply(v, a):
        return maximum(v, 0) + a * minimum(v, 0)  # Keras: relu(x) - alpha relu(-x)

    return elementwise(apply, x, weight(layer.alpha))


@expresses(keras.layers.Softmax)
def _softmax_layer(layer, x):
    axis = layer.axis if isinstance(layer.axis, int) else None
    if axis not in (-1, x.ndim):
        raise UserInputError(f"layer {layer.name!r}: Softmax over axis {layer.axis!r}: no formula")
    return activation("softmax", x, f"layer {layer.name!r}")


@expresses(
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
    keras.layers.Identity,
    keras.layers.ActivityRegularization,
)
def _identity_at_inference(layer, x):
    return x


@expresses(keras.layers.BatchNormalization)
def _batch_normalization(layer, x):
    """Inference: ``gamma (x - mean) / sqrt(var + eps) + beta`` on ``layer.axis``."""
    import sympy

    axis = layer.axis % (x.ndim + 1) - 1  # the value has no batch axis
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    mean = weight(layer.moving_mean).reshape(shape)
    variance = np.asarray(keras.ops.convert_to_numpy(layer.moving_variance), np.float64)
    inverse = weight(1.0 / np.sqrt(variance + layer.epsilon))
    # The inverse standard deviation as a number: Keras computes rsqrt(var + eps) too.
    scale = inverse.reshape(shape)
    y = elementwise(lambda v, m, s: (v - m) * s, x, mean, scale)
    if layer.gamma is not None:
        y = elementwise(lambda v, g: v * g, y, weight(layer.gamma).reshape(shape))
    if layer.beta is not None:
        y = elementwise(lambda v, b: v + b, y, weight(layer.beta).reshape(shape))
    return elementwise(sympy.sympify, y)


@expresses(keras.layers.Flatten)
def _flatten(layer, x):
    return x.reshape(-1)


@expresses(keras.layers.Reshape)
def _reshape(layer, x):
    return x.reshape(layer.target_shape)


@expresses(keras.layers.Add)
def _add(layer, values):
    return elementwise(lambda *v: sum(v[1:], v[0]), *values)


@expresses(keras.layers.Subtract)
def _subtract(layer, values):
    return elementwise(lambda a, b: a - b, *values)


@expresses(keras.layers.Multiply)
def _multiply(layer, values):
    def product(*v):
        out = v[0]
        for term in v[1:]:
            out = out * term
        return out

    return elementwise(product, *values)


@expresses(keras.layers.Average)
def _average(layer, values):
    return elementwise(lambda *v: sum(v[1:], v[0]) / len(v), *values)


@expresses(keras.layers.Maximum)
def _maximum(layer, values):
    return elementwise(maximum, *values)


@expresses(keras.layers.Minimum)
def _minimum(layer, values):
    return elementwise(minimum, *values)


@expresses(keras.layers.Concatenate)
def _concatenate(layer, values):
    axis = layer.axis
    if axis == 0:
        raise UserInputError(f"layer {layer.name!r}: concatenation on the batch axis")
    return np.concatenate(values, axis=axis - 1 if axis > 0 else axis)


# ---------------------------------------------------------------------------
# learnact's layers.
# ---------------------------------------------------------------------------


def bound(t, input_bound, bound_method):
    """The sympy form of :func:`learnact.layers.bounds.apply_bound` for one element."""
    import sympy

    if input_bound is None:
        return t
    b = number(input_bound)
    if bound_method == "tanh":
        return b * sympy.tanh(t / b)
    return minimum(maximum(t, -b), b)


@expresses(TaylorExpansion)
def _taylor(layer, x):
    """``sum_p c_p t^p`` by Horner's rule (the layer's own evaluation order)."""
    import sympy

    coefficients = weight(layer.effective_coefficients())
    center = number(layer.center)
    t = elementwise(
        lambda v: bound(v - center, layer.input_bound, layer.bound_method),
        x,
    )
    order = coefficients.shape[-1]
    rows = [coefficients[..., p] for p in range(order)]
    if layer.merge == "terms":
        powers = [elementwise(lambda v, c, p=p: c * v**p, t, rows[p]) for p in range(order)]
        return np.stack(powers, axis=-1)
    return elementwise(lambda v, *c: sympy.sympify(horner(v, list(c))), t, *rows)


@expresses(PolynomialDense)
def _polynomial_dense(layer, x):
    """``sum_p B_p(x) @ W_p + b`` with the basis of :func:`learnact.ops.basis.basis_terms`."""
    u = elementwise(lambda v: bound(v, layer.input_bound, layer.bound_method), x)
    per_element = elementwise(lambda v: tuple(basis_terms(v, layer.order, layer.basis)), u)
    # Degree-major features, as basis_functions stacks them for the kernel.
    features = np.concatenate(
        [elementwise(lambda terms, p=p: terms[p], per_element) for p in range(layer.order)],
        axis=-1,
    )
    y = matmul(features, weight(layer.kernel))
    if layer.bias is not None:
        y = y + weight(layer.bias)
    return activation(layer.activation, y, f"layer {layer.name!r}")


def soft_exponential(x, alpha):
    """``f(alpha, x)`` of :func:`learnact.ops.soft_exponential` for a numeric ``alpha``.

    The branch is chosen by ``alpha``'s value. Beyond the logarithm's pole
    (``alpha (x + alpha) >= 1``) the layer continues linearly; the formula is
    the mathematical function, defined inside the domain only.

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> soft_exponential(x, -1), soft_exponential(x, 1), soft_exponential(x, 0)
        (log(x), exp(x), x)
    """
    import sympy

    if alpha == 0:
        return x
    if alpha < 0:
        return -sympy.log(1 - alpha * (x + alpha)) / alpha
    return (sympy.exp(alpha * x) - 1) / alpha + alpha


def complex_soft_exponential(x, p, q):
    """``(Re f, Im f)`` of the soft exponential with ``alpha = p + i q``, in real arithmetic.

    Formulas (``x`` real):
        p >= 0:  f = (exp(alpha x) - 1) / alpha + alpha
        p < 0:   f = -Log(1 - alpha (x + alpha)) / alpha, principal Log,
                 Log(a + i b) = ln(a^2 + b^2) / 2 + i atan2(b, a)

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x", real=True)
        >>> complex_soft_exponential(x, 0, 2)[0]
        sin(2*x)/2
    """
    import sympy

    if p == 0 and q == 0:
        return x, sympy.Integer(0)
    norm = p * p + q * q
    if p >= 0:
        grow = sympy.exp(p * x)
        a = grow * sympy.cos(q * x) - 1
        b = grow * sympy.sin(q * x)
        return (a * p + b * q) / norm + p, (b * p - a * q) / norm + q
    a = 1 - p * (x + p) + q * q
    b = -q * (x + 2 * p)
    log_r = sympy.log(a * a + b * b) / 2 if q != 0 else sympy.log(sympy.Abs(a))
    # A real alpha: Log(a) = ln|a| + i pi where a < 0 (beyond the pole).
    log_i = sympy.atan2(b, a) if q != 0 else sympy.pi * step(-a)
    return -(log_r * p + log_i * q) / norm, -(log_i * p - log_r * q) / norm


@expresses(SoftExponential)
def _soft_exponential(layer, x):
    return elementwise(soft_exponential, x, weight(layer.alpha))


@expresses(ComplexSoftExponential)
def _complex_soft_exponential(layer, x):
    pairs = elementwise(
        complex_soft_exponential, x, weight(layer.alpha_real), weight(layer.alpha_imag)
    )
    real = elementwise(lambda pair: pair[0], pairs)
    imag = elementwise(lambda pair: pair[1], pairs)
    return np.concatenate([real, imag], axis=-1)


def rational(x, numerator, denominator, form="safe"):
    """``P(x) / Q(x)`` of :func:`learnact.ops.rational` (``denominator`` holds ``b_1..b_n``).

    Formula:
        safe:     Q = 1 + |b_1 x| + ... + |b_n x^n|
        abs_sum:  Q = 1 + |b_1 x + ... + b_n x^n|
        pade:     Q = 1 + b_1 x + ... + b_n x^n  (the layer guards |Q| < 1e-4;
                  the formula is the plain ratio)

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> rational(x, [0, 1], [1], "safe")
        x/(Abs(x) + 1)
    """
    import sympy

    p = horner(x, list(numerator))
    powers = [x**k for k in range(1, len(denominator) + 1)]
    if form == "safe":
        q = 1 + sympy.Add(
            *(sympy.Abs(b * t) for b, t in zip(denominator, powers, strict=True) if b != 0)
        )
    else:
        total = sympy.Add(*(b * t for b, t in zip(denominator, powers, strict=True)))
        q = 1 + (sympy.Abs(total) if form == "abs_sum" else total)
    return p / q


@expresses(Rational)
def _rational(layer, x):
    numerator, denominator = (weight(c) for c in layer.coefficients())
    b = denominator[..., 1:]  # the leading 1 is implicit in rational()
    per_group = x.shape[-1] // layer.groups if layer.groups else None
    out = np.empty(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        if per_group is None:  # per element; shared axes have size 1
            where = tuple(0 if numerator.shape[k] == 1 else i for k, i in enumerate(index))
        else:  # one function per group of channels on the last axis
            where = (index[-1] // per_group,)
        out[index] = rational(x[index], list(numerator[where]), list(b[where]), layer.form)
    return out


# ---------------------------------------------------------------------------
# KANDense: every edge's function of its input.
# ---------------------------------------------------------------------------


def _piecewise(pairs):
    """A ``Piecewise`` built without evaluation, its ``(value, condition)`` pairs as given.

    ``sympy.Piecewise`` folds every condition that holds another Piecewise
    (``ExprCondPair.__new__`` calls ``piecewise_fold``), which takes
    exponential time on the splines of a second KAN layer, whose conditions
    are the first layer's splines; the pairs here are already in canonical
    form (ordered thresholds, a final ``True``), so nothing is lost.
    """
    import sympy
    from sympy.core.containers import Tuple
    from sympy.functions.elementary.piecewise import ExprCondPair

    return sympy.Basic.__new__(
        sympy.Piecewise, *(Tuple.__new__(ExprCondPair, sympy.sympify(e), c) for e, c in pairs)
    )


def _bspline_pieces(knots: np.ndarray, order: int) -> list:
    """The B-splines of degree ``order`` on ``knots``, one interval at a time, as polynomials.

    Returns:
        For each knot interval ``[t_j, t_{j+1})`` of positive length:
        ``(j, m_j, P)`` with ``m_j`` the interval's midpoint and ``P`` of shape
        ``(K, order + 1)``: row ``k`` holds the coefficients of ``B_k`` in
        powers of ``u = x - m_j`` (lowest first). Cox-de Boor on polynomial
        coefficients, in float64.
    """
    from numpy.polynomial import polynomial as P

    m = len(knots)
    pieces = []
    for j in range(m - 1):
        if not knots[j + 1] > knots[j]:
            continue
        mid = (knots[j] + knots[j + 1]) / 2
        b = [np.array([1.0 if l == j else 0.0]) for l in range(m - 1)]
        for p in range(1, order + 1):
            n = m - 1 - p
            nxt = []
            for l in range(n):
                term = np.zeros(1)
                d_left = knots[l + p] - knots[l]
                if d_left > 0:
                    term = P.polyadd(term, P.polymul([mid - knots[l], 1.0], b[l]) / d_left)
                d_right = knots[l + p + 1] - knots[l + 1]
                if d_right > 0:
                    term = P.polyadd(
                        term, P.polymul([knots[l + p + 1] - mid, -1.0], b[l + 1]) / d_right
                    )
                nxt.append(term)
            b = nxt
        rows = np.zeros((len(b), order + 1))
        for k, poly in enumerate(b):
            rows[k, : len(poly)] = poly
        pieces.append((j, mid, rows))
    return pieces


def _horner_as_written(u, coefficients):
    """``c_0 + u (c_1 + u (c_2 + ...))`` as an unevaluated sympy tree (zero terms left out).

    Example:
        >>> import sympy
        >>> _horner_as_written(sympy.Symbol("u"), [1, 0, 3])
        u*(3*u) + 1
    """
    import sympy

    y = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        y = sympy.Mul(y, u, evaluate=False) if y != 1 else u
        if c != 0:
            y = sympy.Add(y, c, evaluate=False)
    return y


def _spline_frame(x, knots, pieces):
    """What every edge from input ``x`` shares: the conditions and each interval's ``x - m_j``.

    Returns:
        ``(first, rows, parts)``: the condition ``x < t_0``, the pieces'
        ``P`` matrices stacked ``(pieces, K, order + 1)``, and per piece
        ``(u, condition)``.
    """
    import sympy

    first = sympy.StrictLessThan(x, number(knots[0]), evaluate=False)
    rows = np.stack([r for _, _, r in pieces])
    parts = []
    for j, mid, _ in pieces:
        # Built as written: a KAN layer has thousands of these pieces, and
        # sympy's evaluation of each product and sum was most of its time.
        u = sympy.Add(x, number(-mid), evaluate=False) if mid != 0 else x
        parts.append((u, sympy.StrictLessThan(x, number(knots[j + 1]), evaluate=False)))
    return first, rows, parts


def _spline_edge(frame, coefficients):
    """``sum_k c_k B_k(x)`` as a Piecewise of one polynomial per knot interval (0 outside)."""
    import sympy

    first, rows, parts = frame
    polys = np.einsum("k,pkd->pd", coefficients, rows)  # lowest power first, in u = x - m_j
    pairs = [(sympy.Integer(0), first)]
    for (u, condition), poly in zip(parts, polys, strict=True):
        pairs.append((_horner_as_written(u, [number(c) for c in poly]), condition))
    pairs.append((sympy.Integer(0), sympy.true))
    return _piecewise(pairs)


def kan_basis_terms(x, knots: np.ndarray, basis: str, order: int) -> list:
    """The ``K`` basis functions of a KAN edge (rbf, chebyshev, fourier) as sympy expressions.

    The formulas of :func:`learnact.ops.basis.kan_basis`; B-splines are
    expressed per edge by :func:`_spline_edge` instead.
    """
    import sympy

    count = len(knots) - 1 - order
    if basis == "rbf":
        out = []
        for j in range(count):
            centre = (knots[j] + knots[j + order + 1]) / 2
            width = (knots[j + order + 1] - knots[j]) / (order + 1)
            out.append(sympy.exp(-(((x - number(centre)) / number(width)) ** 2)))
        return out
    low, high = knots[order], knots[-1 - order]
    if basis == "chebyshev":
        u = sympy.tanh((x - number((low + high) / 2)) / number((high - low) / 2))
        return basis_terms(u, count, "chebyshev")
    theta = sympy.pi * (x - number(low)) / number(high - low)
    return [
        sympy.cos((k // 2 + 1) * theta) if k % 2 == 0 else sympy.sin((k // 2 + 1) * theta)
        for k in range(count)
    ]


def kan_edges(layer, x: np.ndarray, skip=()) -> np.ndarray:
    """Every edge's ``phi_ij(x_i)`` of a ``KANDense``, object array ``(inputs, units)``.

    Formula:
        phi_ij(x) = w_ij base(x) + sum_k c_ijk B_k(x)   (bias excluded)

    Edges ``(i, j)`` in ``skip`` are left None (a snapped layer fills them).
    """
    knots = np.asarray(keras.ops.convert_to_numpy(layer.grid), np.float64)
    spline = np.asarray(keras.ops.convert_to_numpy(layer.scaled_spline_kernel), np.float64)
    inputs, units = spline.shape[0], spline.shape[2]
    base = None
    if layer.base_kernel is not None:
        base = activation(layer.base_activation, x, f"layer {layer.name!r}")
        base_kernel = weight(layer.base_kernel)
    edges = np.empty((inputs, units), dtype=object)
    pieces_of = {}  # inputs usually share one grid: its polynomials are computed once
    for i in range(inputs):
        if layer.basis == "bspline":
            key = tuple(knots[i].tolist())
            if key not in pieces_of:
                pieces_of[key] = _bspline_pieces(knots[i], layer.spline_order)
            frame = _spline_frame(x[i], knots[i], pieces_of[key])
        else:
            terms = kan_basis_terms(x[i], knots[i], layer.basis, layer.spline_order)
        for j in range(units):
            if (i, j) in skip:
                continue
            c = spline[i, :, j]
            if layer.basis == "bspline":
                phi = _spline_edge(frame, c)
            else:
                phi = sum(
                    (number(ck) * t for ck, t in zip(c, terms, strict=True) if ck != 0), number(0)
                )
            if base is not None and base_kernel[i, j] != 0:
                phi = base_kernel[i, j] * base[i] + phi
            edges[i, j] = phi
    return edges


@expresses(KANDense)
def _kan_dense(layer, x):
    import sympy

    if x.ndim != 1:
        raise UserInputError(
            f"layer {layer.name!r}: KANDense formulas take a vector input; received {x.shape}"
        )
    symbolic = getattr(layer, "symbolic_edges", [])
    edges = kan_edges(layer, x, skip={(i, j) for i, j, _ in symbolic})
    if symbolic:  # a SnappedKANDense: a g(b x_i + c) + d on its listed edges
        from learnact.symbolic.snap import library_functions

        affine = weight(layer.affine)
        for e, (i, j, name) in enumerate(symbolic):
            (function,) = library_functions([name])
            a, b, c, d = affine[e]
            edges[i, j] = a * function.sympy(b * x[i] + c) + d
    y = np.array([sympy.Add(*edges[:, j]) for j in range(edges.shape[1])], dtype=object)
    if layer.bias is not None:
        y = y + weight(layer.bias)
    return y


@expresses(SnappedActivation)
def _snapped_activation(layer, x):
    """``a_u g_u(b_u x + c_u) + d_u`` of each element's unit ``u``."""
    from learnact.symbolic.snap import library_functions

    affine = weight(layer.affine)  # units_shape + (4,)
    names = layer.unit_functions
    per_group = x.shape[-1] // layer.groups if layer.groups else None
    functions = {name: library_functions([name])[0] for name in set(names.reshape(-1))}
    out = np.empty(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        if per_group is None:  # per element; shared axes have size 1
            where = tuple(0 if names.shape[k] == 1 else i for k, i in enumerate(index))
        else:
            where = (index[-1] // per_group,)
        a, b, c, d = affine[where]
        out[index] = a * functions[names[where]].sympy(b * x[index] + c) + d
    return out


# Sympy twins of parametric_activation formulas, by layer class.
TWINS: dict[type, Callable] = {}


def register_twin(layer_class, sympy_fn) -> None:
    """Give a ``parametric_activation`` class the sympy twin of its formula.

    Needed when its ``fn`` calls ``keras.ops`` functions (a formula written
    with operators only, such as ``a * x * x + b``, is evaluated on sympy
    symbols directly).

    Args:
        layer_class: a class made by :func:`learnact.layers.parametric_activation`.
        sympy_fn: ``sympy_fn(x, **params)`` returning a sympy expression (or
            a tuple of ``outputs`` of them), e.g. ``lambda x, a: a * sympy.tanh(x)``.

    Raises:
        ValueError: ``layer_class`` is not such a class, or ``sympy_fn`` is not callable.

    Example:
        >>> import sympy
        >>> from keras import ops
        >>> from learnact.layers import Parameter, parametric_activation
        >>> Scaled = parametric_activation(
        ...     lambda x, a: a * ops.tanh(x), {"a": Parameter("ones")}, name="ScaledTanh")
        >>> register_twin(Scaled, lambda x, a: a * sympy.tanh(x))
    """
    if not (isinstance(layer_class, type) and issubclass(layer_class, _ParametricActivation)):
        raise UserInputError(
            "`layer_class` must be a class made by parametric_activation; "
            f"received layer_class={layer_class!r}"
        )
    if not callable(sympy_fn):
        raise UserInputError(f"`sympy_fn` must be callable; received sympy_fn={sympy_fn!r}")
    TWINS[layer_class] = sympy_fn


@expresses(_ParametricActivation)
def _parametric(layer, x):
    cls = type(layer)
    fn = TWINS.get(cls, cls._formula)
    specs = layer.parameter_specs()
    params = {name: weight(getattr(layer, name)) for name in specs}
    outputs = layer._outputs
    results = [np.empty(x.shape, dtype=object) for _ in range(outputs)]
    for index in np.ndindex(x.shape):
        values = {}
        for name, array in params.items():
            # Broadcast the per-element parameter (shared axes have size 1).
            where = tuple(0 if array.shape[k] == 1 else i for k, i in enumerate(index))
            values[name] = array[where]  # a number, or the trailing axes of its shape
        try:
            result = fn(x[index], **values)
        except Exception as exc:
            raise UserInputError(
                f"layer {layer.name!r} ({cls.__name__}): its formula cannot be evaluated on "
                f"sympy expressions ({type(exc).__name__}: {exc}); give it a sympy twin with "
                "learnact.symbolic.register_twin"
            ) from exc
        parts = list(result) if isinstance(result, (tuple, list)) else [result]
        if len(parts) != outputs:
            raise UserInputError(
                f"layer {layer.name!r}: the formula returned {len(parts)} results for "
                f"outputs={outputs}"
            )
        for k, part in enumerate(parts):
            results[k][index] = part
    return results[0] if outputs == 1 else np.concatenate(results, axis=-1)


__all__ = [
    "RULES",
    "kan_basis_terms",
    "kan_edges",
    "rational",
    "TWINS",
    "activation",
    "complex_soft_exponential",
    "elementwise",
    "expresses",
    "matmul",
    "number",
    "register_twin",
    "rule_for",
    "soft_exponential",
    "weight",
]
