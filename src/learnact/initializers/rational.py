"""Starting coefficients of rational activations: exact Padé approximants and fitted rationals.

Both return NumPy arrays ``(numerator, denominator)`` with the numerator
``a_0..a_m`` and the denominator ``1, b_1..b_n`` (``denominator[0] == 1``),
the layout of the textbook formula; :class:`learnact.layers.Rational` and
:func:`learnact.ops.rational` take ``denominator[1:]``.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from learnact._checks import check_choice, check_int, check_interval
from learnact.errors import UserInputError
from learnact.initializers.maclaurin import Maclaurin
from learnact.ops.horner import horner

FORMS = ("safe", "abs_sum", "pade")
MAX_DEGREE = 16


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# NumPy definitions of the functions ``rational_fit`` (and ``Rational(approximates=...)``) know.
FIT_FUNCTIONS = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "abs": np.abs,
    "gelu": _gelu,
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "sin": np.sin,
    "cos": np.cos,
    "exp": np.exp,
    "atan": np.arctan,
    "erf": lambda x: __import__("scipy.special", fromlist=["erf"]).erf(x),
}


def check_degrees(m, n, names=("m", "n")) -> tuple[int, int]:
    """Return ``(m, n)`` checked: ``m`` in ``[0, 16]``, ``n`` in ``[1, 16]``."""
    return (
        check_int(names[0], m, minimum=0, maximum=MAX_DEGREE),
        check_int(names[1], n, minimum=1, maximum=MAX_DEGREE),
    )


def pade(function, m, n):
    """Return the exact ``[m/n]`` Padé approximant of ``function`` at 0.

    Formula:
        with c_k the Maclaurin coefficients of f, b_0 = 1:
        sum_{j=0..n} b_j c_{k-j} = 0   for k = m+1 .. m+n   (solve for b)
        a_k = sum_{j=0..min(k,n)} b_j c_{k-j}                for k = 0 .. m
        so that P(x) / Q(x) - f(x) = O(x^(m+n+1)).

    A singular system (a function whose series is itself a lower-order
    rational, such as the identity) takes the minimum-norm solution, the
    approximant of lowest denominator degree.

    Args:
        function: a name known to :class:`learnact.initializers.Maclaurin`
            ("exp", "tanh", "sin", ...) or a callable analytic at 0 accepting
            complex NumPy arrays (its series from
            :func:`learnact.gradients.maclaurin_coefficients`).
        m: numerator degree, 0 to 16.
        n: denominator degree, 1 to 16.

    Returns:
        ``(numerator, denominator)``: float64 arrays of length ``m + 1`` and
        ``n + 1``, ``denominator[0] == 1``.

    Raises:
        ValueError: an unknown function name or a degree out of range.

    Example:
        >>> numerator, denominator = pade("exp", 2, 2)
        >>> numerator * 12, denominator * 12   # (12 + 6x + x^2) / (12 - 6x + x^2)
        (array([12.,  6.,  1.]), array([12., -6.,  1.]))
    """
    m, n = check_degrees(m, n)
    series = Maclaurin(function).series(m + n)

    def c(k):
        return series[k] if k >= 0 else 0.0

    system = np.array([[c(m + 1 + i - j) for j in range(1, n + 1)] for i in range(n)])
    rhs = -np.array([c(m + 1 + i) for i in range(n)])
    b = np.concatenate([[1.0], np.linalg.lstsq(system, rhs, rcond=None)[0]])
    a = np.array([sum(b[j] * c(k - j) for j in range(min(k, n) + 1)) for k in range(m + 1)])
    return a, b


def evaluate(x, numerator, denominator, form="safe"):
    """``P(x) / Q(x)`` in NumPy (no guard, no scaling): ``denominator`` is ``1, b_1..b_n``.

    Example:
        >>> evaluate(np.array([2.0]), [0.0, 1.0], [1.0, -1.0])   # x / (1 + |-x|)
        array([0.66666667])
    """
    x = np.asarray(x, np.float64)
    b = list(np.asarray(denominator, np.float64)[1:])
    if form == "safe":
        q = 1.0 + np.abs(x) * horner(np.abs(x), [abs(v) for v in b])
    elif form == "abs_sum":
        q = 1.0 + np.abs(x * horner(x, b))
    else:
        q = 1.0 + x * horner(x, b)
    return horner(x, list(np.asarray(numerator, np.float64))) / q


def _jacobian(x, a, b, form):
    """d(P/Q)/d(a, b) at every point, shape ``(len(x), m + 1 + n)``."""
    powers = x[:, None] ** np.arange(max(len(a), len(b) + 1))
    terms = powers[:, 1 : len(b) + 1] * b
    if form == "safe":
        q = 1.0 + np.abs(terms).sum(1)
        dq = np.sign(b) * np.abs(powers[:, 1 : len(b) + 1])
    else:
        s = terms.sum(1)
        sign = np.sign(s)[:, None] if form == "abs_sum" else 1.0
        q = 1.0 + (np.abs(s) if form == "abs_sum" else s)
        dq = sign * powers[:, 1 : len(b) + 1]
    y = (powers[:, : len(a)] @ a) / q
    return np.hstack([powers[:, : len(a)] / q[:, None], -(y / q)[:, None] * dq])


def _target(function):
    if isinstance(function, str):
        if function not in FIT_FUNCTIONS:
            raise UserInputError(
                f"`function` must be one of {', '.join(FIT_FUNCTIONS)} or a callable; "
                f"received function={function!r}"
            )
        return FIT_FUNCTIONS[function]
    if not callable(function):
        raise UserInputError(
            f"`function` must be a name or a callable; received function={function!r}"
        )
    return function


# Fit on this many uniform points; measure the max error on a 5x finer grid.
_FIT_POINTS = 801
_CHECK_POINTS = 4001
# Lawson iterations of the minimax refinement.
_LAWSON_STEPS = 25


def rational_fit(function, m, n, *, interval=(-3.0, 3.0), form="safe"):
    """Fit ``P(x) / Q(x)`` of the given form to ``function`` on ``interval``, near minimax.

    Method:
        1. three starting points: the linearized least-squares fit
           ``min sum (P(x_i) - f_i (1 + B(x_i)))^2`` (a linear system), the
           same with even powers only in ``B`` (odd ``b_k = 0.001``; for
           even ``b_k >= 0`` the safe form equals it), and the least-squares
           polynomial of degree ``m`` with every ``b_k = 0.01``;
        2. each refined by nonlinear least squares on the form's own residual
           ``P/Q - f`` (``scipy.optimize.least_squares``, analytic Jacobian),
           on 801 uniform points (at most 200 evaluations);
        3. then Lawson's iteration toward minimax: 25 weighted least-squares
           fits (at most 30 evaluations each), each point's weight multiplied
           by its current error, keeping the coefficients of smallest max error.
        The max error is measured on 4001 uniform points (endpoints included).
        In the "pade" form candidates whose denominator comes within 1e-4 of
        0 on the interval are refused. Deterministic (no random start).

    Works for functions with no Maclaurin series (relu, abs) as well as
    analytic ones; the errors of the 8 standard activations are tabled in
    ``docs/rational.md``.

    Args:
        function: a name in :data:`FIT_FUNCTIONS` ("relu", "leaky_relu" (slope
            0.01), "abs", "gelu", "silu", "tanh", "sigmoid", "softplus",
            "identity", ...) or a callable on float64 NumPy arrays.
        m: numerator degree, 0 to 16.
        n: denominator degree, 1 to 16.
        interval: ``(low, high)``, finite and increasing.
        form: "safe", "abs_sum" or "pade" (see :func:`learnact.ops.rational`).

    Returns:
        ``(numerator, denominator, max_error)``: float64 arrays of length
        ``m + 1`` and ``n + 1`` (``denominator[0] == 1``) and the max absolute
        error on the interval.

    Raises:
        ValueError: an unknown function or form, degrees out of range, a bad
            interval, a callable that does not return finite values there.

    Example:
        >>> numerator, denominator, error = rational_fit("tanh", 3, 2)
        >>> bool(error < 0.03)
        True
    """
    m, n = check_degrees(m, n)
    low, high = check_interval("interval", interval)
    check_choice("form", form, FORMS)
    key = function if isinstance(function, str) else None
    if key is not None:
        _target(key)
        a, b, error = _cached_fit(key, m, n, low, high, form)
        return a.copy(), b.copy(), error
    return _fit(_target(function), m, n, low, high, form)


@functools.lru_cache(maxsize=128)
def _cached_fit(name, m, n, low, high, form):
    return _fit(FIT_FUNCTIONS[name], m, n, low, high, form)


def _values(f, x):
    with np.errstate(all="ignore"):
        y = np.asarray(f(x), np.float64)
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise UserInputError(
            "`function` must return finite values of the input's shape on the interval"
        )
    return y


def _fit(f, m, n, low, high, form):
    from scipy.optimize import least_squares

    x = np.linspace(low, high, _FIT_POINTS)
    fx = _values(f, x)
    check_x = np.linspace(low, high, _CHECK_POINTS)
    check_f = _values(f, check_x)
    powers = x[:, None] ** np.arange(max(m, n) + 1)

    def max_error(p):
        a, b = p[: m + 1], p[m + 1 :]
        if form == "pade":
            q = 1.0 + check_x * horner(check_x, list(b))
            if np.min(np.abs(q)) < 1e-4 or np.sign(q).min() < 0:
                return np.inf
        return float(np.max(np.abs(evaluate(check_x, a, np.r_[1.0, b], form) - check_f)))

    def refine(p, weights, steps):
        def residual(p):
            return weights * (evaluate(x, p[: m + 1], np.r_[1.0, p[m + 1 :]], form) - fx)

        def jacobian(p):
            return weights[:, None] * _jacobian(x, p[: m + 1], p[m + 1 :], form)

        return least_squares(residual, p, jac=jacobian, method="lm", max_nfev=steps).x

    linear = np.hstack([powers[:, : m + 1], -fx[:, None] * powers[:, 1 : n + 1]])
    even = np.arange(1, n + 1) % 2 == 0
    even_fit = np.linalg.lstsq(linear[:, np.r_[np.ones(m + 1, bool), even]], fx, rcond=None)[0]
    even_start = np.r_[even_fit[: m + 1], np.full(n, 1e-3)]
    even_start[m + 1 :][even] = even_fit[m + 1 :]
    starts = [
        np.linalg.lstsq(linear, fx, rcond=None)[0],
        even_start,
        np.r_[np.linalg.lstsq(powers[:, : m + 1], fx, rcond=None)[0], np.full(n, 0.01)],
    ]
    best, best_error = None, np.inf
    ones = np.ones_like(x)
    for start in starts:
        p = refine(start, ones, 200)
        weights = ones / len(x)
        for _ in range(_LAWSON_STEPS + 1):
            error = max_error(p)
            if error < best_error:
                best, best_error = p, error
            residual = np.abs(evaluate(x, p[: m + 1], np.r_[1.0, p[m + 1 :]], form) - fx)
            weights = weights * residual
            if not np.isfinite(weights).all() or weights.sum() == 0:
                break
            weights /= weights.sum()
            p = refine(p, np.sqrt(weights * len(x)), 30)
    if best is None:
        raise UserInputError(
            f"no {form!r} rational of degrees ({m}, {n}) without a pole fits the function on "
            f"interval=({low}, {high}); use form='safe'"
        )
    return best[: m + 1].copy(), np.r_[1.0, best[m + 1 :]], best_error


@keras.saving.register_keras_serializable(package="learnact")
class Coefficients(keras.initializers.Initializer):
    """Initializer filling the last axis with the given coefficients (every position alike).

    Args:
        values: the coefficients, as many as the weight's last axis.

    Returns:
        Called with ``(shape, dtype)``: a tensor of that shape.

    Raises:
        ValueError: non-finite values, or a shape whose last axis has another length.

    Example:
        >>> np.asarray(Coefficients([0.5, 2.0])((2, 2)))
        array([[0.5, 2. ],
               [0.5, 2. ]], dtype=float32)
    """

    def __init__(self, values):
        values = [float(v) for v in np.asarray(values, np.float64).reshape(-1)]
        if not all(np.isfinite(values)):
            raise UserInputError(f"`values` must be finite numbers; received values={values!r}")
        self.values = values

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if not shape or shape[-1] != len(self.values):
            raise UserInputError(
                f"Coefficients holds {len(self.values)} values; the weight's last axis must "
                f"match, received shape={shape}"
            )
        dtype = dtype or keras.backend.floatx()
        values = keras.ops.convert_to_tensor(np.asarray(self.values), dtype=dtype)
        return values * keras.ops.ones(shape, dtype=dtype)

    def get_config(self) -> dict:
        return {"values": list(self.values)}
