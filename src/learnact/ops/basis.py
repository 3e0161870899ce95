"""Bases evaluated elementwise and stacked for a single matmul.

Polynomial bases (``PolynomialDense``: monomials, Chebyshev) and the
Kolmogorov-Arnold bases on a knot grid (``KANDense``: B-splines, Gaussian
bumps, Chebyshev of a squashed input, Fourier). The Chebyshev recurrence is
written once, in :func:`basis_terms`, and serves both.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import keras
import numpy as np
import scipy.interpolate
from keras import ops

from learnact._backend import jit_for_few_runs
from learnact._checks import check_choice, check_int, check_interval
from learnact.errors import UserInputError
from learnact.ops.horner import power_chain

BASES = ("monomial", "chebyshev")  # the polynomial bases of PolynomialDense


def basis_functions(x, order: int, basis: str = "monomial"):
    """Return ``[B_1(x), ..., B_order(x)]`` concatenated on the last axis.

    ``B_0`` is constant, so a layer's bias already covers it and it is left out.

    Formula:
        monomial:   B_p(x) = x^p
        chebyshev:  B_1 = x,  B_2 = 2x^2 - 1,  B_{p+1} = 2 x B_p - B_{p-1}
                    (first kind; bounded by 1 on [-1, 1], better conditioned
                    than monomials there)

    Args:
        x: tensor ``(..., features)``.
        order: highest degree, >= 1.
        basis: "monomial" or "chebyshev".

    Returns:
        Tensor ``(..., order * features)``, degree-major: columns
        ``[p * features, (p + 1) * features)`` hold ``B_{p+1}``.

    Raises:
        ValueError: an unknown basis or an order below 1.

    Example:
        >>> import numpy as np
        >>> ops.convert_to_numpy(basis_functions(np.array([[2.0]]), 3, "chebyshev"))
        array([[ 2.,  7., 26.]], dtype=float32)
    """
    terms = basis_terms(x, order, basis)
    return ops.concatenate(terms, axis=-1) if len(terms) > 1 else terms[0]


def basis_terms(x, order: int, basis: str = "monomial") -> list:
    """Return the list ``[B_1(x), ..., B_order(x)]`` by the recurrences above.

    Only ``*``, ``+`` and ``-`` appear, so the same code evaluates tensors,
    NumPy arrays and sympy expressions: the formulas printed for a layer are
    the polynomials its call computes, from one definition.

    Args:
        x: tensor, array, number or sympy expression.
        order: highest degree, >= 1.
        basis: "monomial" or "chebyshev".

    Returns:
        A list of ``order`` objects of ``x``'s kind.

    Raises:
        ValueError: an unknown basis or an order below 1.

    Example:
        >>> import sympy
        >>> basis_terms(sympy.Symbol("x"), 3, "chebyshev")
        [x, 2*x**2 - 1, 4*x**3 - 3*x]
    """
    check_choice("basis", basis, BASES)
    order = check_int("order", order, minimum=1)
    if basis == "monomial":
        return power_chain(x, x, order - 1)
    terms, previous = [x], 1
    for _ in range(order - 1):  # Chebyshev, first kind
        previous, current = terms[-1], 2 * x * terms[-1] - previous
        terms.append(current if not _is_symbolic(current) else current.expand())
    return terms


def _is_symbolic(value) -> bool:
    return hasattr(value, "free_symbols")


# --- Kolmogorov-Arnold bases: K = grid_size + spline_order functions per input, on a knot grid ---

KAN_BASES = ("bspline", "chebyshev", "rbf", "fourier")

# Gaussian bumps are exactly 0 beyond 30 widths in float32 and float64 (exp(-900)
# underflows both), so clipping the scaled distance there changes no value and
# keeps an infinite distance (from |x| near the float maximum) out of exp and its gradient.
_RBF_REACH = 30.0


def uniform_knots(grid_range, grid_size: int, spline_order: int, features: int | None = None):
    """Return the extended uniform knot vector of a KAN grid, as NumPy float64.

    ``grid_range`` is cut into ``grid_size`` equal intervals of width ``h``
    and extended by ``spline_order`` more intervals on each side, so that the
    ``grid_size + spline_order`` B-splines of degree ``spline_order`` sum to 1
    everywhere on ``grid_range`` (pykan's and efficient-kan's grid).

    Formula:
        t_j = low + (j - k) h,  j = 0 .. G + 2k,  h = (high - low) / G

    Args:
        grid_range: ``(low, high)``, two finite numbers with ``low < high``.
        grid_size: ``G``, number of intervals inside ``grid_range`` (>= 1).
        spline_order: ``k``, degree of the B-splines (>= 0).
        features: None for one knot vector, or the number of inputs to repeat it for.

    Returns:
        Array ``(G + 2k + 1,)``, or ``(features, G + 2k + 1)``.

    Raises:
        ValueError: naming the argument and the value received.

    Example:
        >>> uniform_knots((-1, 1), 2, 1)
        array([-2., -1.,  0.,  1.,  2.])
    """
    low, high = check_interval("grid_range", grid_range)
    grid_size = check_int("grid_size", grid_size, minimum=1)
    spline_order = check_int("spline_order", spline_order, minimum=0)
    points = np.linspace(low, high, grid_size + 1)
    knots = extend_grid(points, spline_order)
    if features is None:
        return knots
    return np.tile(knots, (check_int("features", features, minimum=1), 1))


def extend_grid(points, spline_order: int):
    """Extend grid points ``(..., G + 1)`` by ``spline_order`` knots on each side (NumPy).

    The added knots continue with the mean spacing ``(last - first) / G``,
    as pykan's ``extend_grid`` does, so a grid adapted to data (not uniform)
    gets a knot vector for its B-splines.

    Args:
        points: increasing grid points on the last axis (at least 2).
        spline_order: ``k`` (>= 0).

    Returns:
        Array ``(..., G + 2k + 1)``, float64.

    Example:
        >>> extend_grid([0.0, 0.5, 2.0], 1)
        array([-1. ,  0. ,  0.5,  2. ,  3. ])
    """
    spline_order = check_int("spline_order", spline_order, minimum=0)
    points = np.asarray(points, dtype=np.float64)
    step = (points[..., -1:] - points[..., :1]) / (points.shape[-1] - 1)
    offsets = np.arange(1, spline_order + 1, dtype=np.float64)
    left = points[..., :1] - step * offsets[::-1]
    right = points[..., -1:] + step * offsets
    return np.concatenate([left, points, right], axis=-1)


def kan_basis(x, knots, basis: str, spline_order: int):
    """Evaluate the ``K = G + k`` functions of a KAN basis at every input.

    ``knots`` is the extended knot vector of :func:`uniform_knots` (or one
    adapted to data), one row per input; every basis reads its grid from it:

    Formula:
        bspline:   B_j of degree k on knots t_j .. t_{j+k+1} (Cox-de Boor)
        rbf:       exp(-((x - m_j) / w_j)^2),  m_j = (t_j + t_{j+k+1}) / 2,
                   w_j = (t_{j+k+1} - t_j) / (k + 1)   (the centre and width
                   of the B-spline it stands for; fast-kan's bumps on a
                   uniform grid)
        chebyshev: T_1(u) .. T_K(u),  u = tanh((x - c) / r)  (ChebyKAN's tanh;
                   c, r: centre and half-width of the grid range t_k .. t_{G+k})
        fourier:   cos(theta), sin(theta), cos(2 theta), sin(2 theta), ... (K of them),
                   theta = pi (x - t_k) / (t_{G+k} - t_k): half a period on the grid range

    Outside the grid: B-splines fall to 0 between ``t_k`` / ``t_{G+k}`` and
    the outer knots and are 0 beyond (x is clamped one interval past the
    outer knots first, which changes no value: the recursion then never
    meets an overflowing ``x - t``); Gaussian bumps decay to 0; Chebyshev
    features tend to ``T_n(+-1) = (+-1)^n``; Fourier features repeat with
    period ``2 (t_{G+k} - t_k)``. No finite input gives NaN or inf.

    Args:
        x: tensor ``(..., inputs)``.
        knots: tensor ``(inputs, G + 2k + 1)``, increasing along its last axis.
        basis: one of :data:`KAN_BASES`.
        spline_order: ``k`` (>= 0).

    Returns:
        Tensor ``(..., inputs, K)`` in ``x``'s dtype.

    Raises:
        ValueError: an unknown basis, or a knot vector too short for ``k``.

    Example:
        >>> import numpy as np
        >>> knots = uniform_knots((-1, 1), 2, 1, features=1)
        >>> ops.convert_to_numpy(kan_basis(np.array([[0.5]]), knots, "bspline", 1))
        array([[[0. , 0.5, 0.5]]], dtype=float32)
    """
    check_choice("basis", basis, KAN_BASES)
    spline_order = check_int("spline_order", spline_order, minimum=0)
    x = ops.convert_to_tensor(x)
    knots = ops.cast(knots, x.dtype)
    count = _function_count(knots, spline_order)
    if basis == "bspline":
        return bspline_basis(x, knots, spline_order)
    if basis == "rbf":
        centers = (knots[:, :count] + knots[:, spline_order + 1 :]) / 2
        widths = (knots[:, spline_order + 1 :] - knots[:, :count]) / (spline_order + 1)
        z = ops.clip((ops.expand_dims(x, -1) - centers) / widths, -_RBF_REACH, _RBF_REACH)
        return ops.exp(-(z * z))
    low, high = knots[:, spline_order], knots[:, -1 - spline_order]
    if basis == "chebyshev":
        u = ops.tanh((x - (low + high) / 2) / ((high - low) / 2))
        return ops.stack(basis_terms(u, count, "chebyshev"), axis=-1)
    # fourier: reduce to one period first, so that theta * n stays small for any finite x
    turns = (x - low) / (2 * (high - low))
    theta = (2 * np.pi) * (turns - ops.floor(turns))
    # cos(n theta), sin(n theta) = cos(n theta - pi/2): one cos over the K columns, no reshape.
    harmonics = ops.cast(np.arange(count) // 2 + 1, x.dtype)
    shifts = ops.cast((np.arange(count) % 2) * (np.pi / 2), x.dtype)
    return ops.cos(ops.expand_dims(theta, -1) * harmonics - shifts)


def _function_count(knots, spline_order: int) -> int:
    """``K``, the number of basis functions on ``knots``; refuses a knot vector too short."""
    count = int(knots.shape[-1]) - 1 - spline_order
    if count < 1:
        raise UserInputError(
            f"`knots` must hold more than {spline_order + 1} knots for spline_order="
            f"{spline_order}; received {int(knots.shape[-1])}"
        )
    return count


def _clamp_to_support(x, knots):
    """``x`` clamped one interval past the outer knots of each input's row.

    Every B-spline is 0 there already, so no value changes, and ``x - t``
    stays finite for ``x`` near the float maximum (``inf * 0`` would be NaN,
    in the value and in the gradient).
    """
    low = 2 * knots[:, 0] - knots[:, 1]
    high = 2 * knots[:, -1] - knots[:, -2]
    return ops.minimum(ops.maximum(x, low), high)


def _take_rows(table, index):
    """``table[i, index[..., i, :]]`` for every input ``i``: one gather from the flattened table.

    ``table`` is ``(inputs, n, ...)``; ``index`` ``(..., inputs, r)`` holds
    positions in ``0 .. n - 1``. Returns ``(..., inputs, r, ...)``.
    """
    inputs, n = int(table.shape[0]), int(table.shape[1])
    flat = ops.reshape(table, (inputs * n,) + tuple(table.shape[2:]))
    return ops.take(flat, index + np.arange(inputs, dtype="int32")[:, None] * n, axis=0)


_COMPILED_BASES: dict = {}


def kan_basis_array(x, knots, basis: str, spline_order: int, dtype="float64") -> np.ndarray:
    """:func:`kan_basis` of NumPy data, as a float64 NumPy array, for fits outside a model.

    Formula: the same as :func:`kan_basis`, computed in ``dtype``.

    Grid updates, refinement and pruning evaluate the basis on a whole batch
    between two training steps. B-splines come from scipy's design matrix
    (:func:`scipy.interpolate.BSpline.design_matrix`, in float64 whatever
    ``dtype``): 1-3 ms, where the compiled program below took 0.1-0.6 s to
    compile for each new grid size, i.e. at every refinement. The other
    bases run :func:`kan_basis`, on JAX as one compiled program per basis,
    order and shape, instead of a hundred ops run one by one, each compiled
    on its first use with a new shape (4 s before the first grid update of a
    small KAN, 0.3 s this way).

    Args:
        x: array ``(..., inputs)``.
        knots: array ``(inputs, G + 2k + 1)``.
        basis: one of :data:`KAN_BASES`.
        spline_order: ``k`` (>= 0).
        dtype: the dtype to compute in (a layer's compute dtype).

    Returns:
        float64 array ``(..., inputs, K)``.

    Raises:
        ValueError: as :func:`kan_basis`.

    Example:
        >>> knots = uniform_knots((-1, 1), 2, 1, features=1)
        >>> kan_basis_array(np.array([[0.5]]), knots, "bspline", 1)
        array([[[0. , 0.5, 0.5]]])
    """
    check_choice("basis", basis, KAN_BASES)
    spline_order = check_int("spline_order", spline_order, minimum=0)
    if basis == "bspline":
        knots = np.asarray(knots, dtype=np.float64)
        _function_count(knots, spline_order)
        return _scipy_bsplines(np.asarray(x, dtype=np.float64), knots, spline_order)
    x = ops.convert_to_tensor(np.asarray(x, dtype=dtype))
    knots = ops.convert_to_tensor(np.asarray(knots, dtype=dtype))
    if keras.backend.backend() == "jax":
        key = (basis, spline_order)
        if key not in _COMPILED_BASES:
            _COMPILED_BASES[key] = jit_for_few_runs(
                lambda x, knots: kan_basis(x, knots, basis, spline_order)
            )
        values = _COMPILED_BASES[key](x, knots)
    else:
        values = kan_basis(x, knots, basis, spline_order)
    return np.asarray(ops.convert_to_numpy(values), dtype=np.float64)


def _scipy_bsplines(x: np.ndarray, knots: np.ndarray, k: int) -> np.ndarray:
    """:func:`bspline_basis` in NumPy float64, from scipy's B-spline design matrix.

    scipy's design matrix covers the base interval ``[t_k, t_{M-1-k}]``; with
    each end knot repeated ``k`` more times, that interval is the whole
    support ``[t_0, t_{M-1}]``, and the B-splines on the original knots are
    columns ``k .. k + K - 1`` (a B-spline depends only on its own ``k + 2``
    knots). Outside ``[t_0, t_{M-1})`` every one is 0, as in the recursion's
    half-open intervals.
    """
    count = knots.shape[-1] - 1 - k
    values = np.zeros(x.shape + (count,))
    for i, row in enumerate(knots):
        t = np.concatenate([np.full(k, row[0]), row, np.full(k, row[-1])])
        points = x[..., i].reshape(-1)
        inside = (points >= row[0]) & (points < row[-1])
        matrix = scipy.interpolate.BSpline.design_matrix(np.where(inside, points, row[0]), t, k)
        columns = matrix.toarray()[:, k : k + count]
        values[..., i, :] = np.where(inside[:, None], columns, 0.0).reshape(x.shape[:-1] + (count,))
    return values


def bspline_basis(x, knots, spline_order: int):
    """B-splines of degree ``spline_order`` on ``knots``, by the Cox-de Boor recursion.

    Formula:
        B_j^0(x) = 1 if t_j <= x < t_{j+1} else 0
        B_j^p(x) = (x - t_j) / (t_{j+p} - t_j) B_j^{p-1}(x)
                   + (t_{j+p+1} - x) / (t_{j+p+1} - t_{j+1}) B_{j+1}^{p-1}(x)
        (a term with a zero denominator, from repeated knots, is 0)

    How it is differentiated (one result, two paths). On JAX, the recursion
    carries the derivatives ``B^(d)``, ``d <= k``, along with the values
    (Leibniz's rule on each linear factor) at a copy ``x0`` of ``x`` that
    autodiff does not see, and returns the Taylor polynomial
    ``sum_d B^(d)(x0) (x - x0)^d / d!``: its value is ``B(x0)`` exactly
    (``x - x0`` is 0), its derivatives of every order are exact (each piece is
    a polynomial of degree ``k``), and the backward pass only meets that
    polynomial; differentiating XLA's fused recursion instead made a
    forward+backward pass of a 1000 -> 1000 KAN layer 40% slower on CPU.
    Eager PyTorch and TensorFlow run the plain recursion, which costs them
    half as much as carrying the derivatives, and differentiate it.

    Args:
        x: tensor ``(..., inputs)``.
        knots: tensor ``(inputs, M)``, non-decreasing rows, ``M > spline_order + 1``.
        spline_order: degree ``k`` (>= 0).

    Returns:
        Tensor ``(..., inputs, M - 1 - k)``: ``B_0^k .. B_{M-2-k}^k``.

    Example:
        >>> import numpy as np
        >>> knots = np.array([[0.0, 1.0, 2.0, 3.0]])
        >>> ops.convert_to_numpy(bspline_basis(np.array([[1.5]]), knots, 2))
        array([[[0.75]]], dtype=float32)
    """
    x = ops.convert_to_tensor(x)
    knots = ops.cast(knots, x.dtype)
    k = check_int("spline_order", spline_order, minimum=0)
    count = int(knots.shape[-1]) - 1 - k
    x = _clamp_to_support(x, knots)
    if keras.backend.backend() == "jax":
        native = _native_bsplines(x, knots, k, dense=True)
        if native is not None:
            return native[1]
        return _bspline_taylor(ops.expand_dims(x, -1), knots, k, count)
    x = ops.expand_dims(x, -1)
    b = ops.cast(
        ops.logical_and(ops.greater_equal(x, knots[:, :-1]), ops.less(x, knots[:, 1:])), x.dtype
    )
    m = int(knots.shape[-1])
    for p in range(1, k + 1):
        n = m - 1 - p
        left = (x - knots[:, :n]) * _safe_reciprocal(knots[:, p : p + n] - knots[:, :n])
        right = (knots[:, p + 1 :] - x) * _safe_reciprocal(knots[:, p + 1 :] - knots[:, 1 : 1 + n])
        b = left * b[..., :n] + right * b[..., 1:]
    return b


def _bspline_taylor(x, knots, k: int, count: int):
    """:func:`bspline_basis` as a Taylor polynomial around a stopped copy of ``x`` (see there)."""
    x0 = ops.stop_gradient(x)
    derivatives = _dense_derivatives(x0, knots, k, count)
    h = x - x0
    y, power = derivatives[0] + 0 * h, 1  # 0 * h: still a function of x when k = 0
    for d in range(1, k + 1):
        power = power * h / d
        y = y + derivatives[d] * power
    return y


def _dense_derivatives(x0, knots, k: int, count: int) -> list:
    """``[B^(0)(x0), .., B^(k)(x0)]``, each ``(..., inputs, count)``: the recursion over every knot.

    ``x0`` is ``(..., inputs, 1)``, clamped.
    """

    def t(r):  # t_{j+r} for j = 0 .. count-1
        return knots[:, r : r + count]

    # level[r][d]: d-th derivative of B_{j+r}^p, every j at once, at x0.
    inside = [
        ops.logical_and(ops.greater_equal(x0, t(r)), ops.less(x0, t(r + 1))) for r in range(k + 1)
    ]
    level = [[ops.cast(b, x0.dtype)] for b in inside]
    for p in range(1, k + 1):
        level = [
            _raise_degree(level[r], level[r + 1], x0, t(r), t(r + 1), t(r + p), t(r + p + 1))
            for r in range(k + 1 - p)
        ]
    return level[0]


def _native_bsplines(x, knots, k: int, dense: bool):
    """``(start, values)`` of B-splines by the native CPU kernel (JAX), or None where not."""
    from learnact.ops import _bspline_jax

    return _bspline_jax.bspline_basis(x, knots, k, dense, _xla_derivative_table)


def _xla_derivative_table(x0, knots, k: int, dense: bool):
    """What the native kernel computes, in ``keras.ops``: ``table[d] = B^(d)(x0)``, stacked.

    Dense: the recursion of :func:`_bspline_taylor` over every knot. Local:
    that of :func:`local_bspline_basis` on each input's knot window, carrying
    the derivatives the same way. Only the native path's derivative with
    respect to the knots runs it.
    """
    if dense:
        count = int(knots.shape[-1]) - 1 - k
        return ops.stack(_dense_derivatives(ops.expand_dims(x0, -1), knots, k, count))
    _, t, valid = _knot_window(x0, knots, k)
    zero = ops.zeros_like(x0)
    level = [[zero]] * k + [[ops.cast(valid, x0.dtype)], [zero]]
    for p in range(1, k + 1):
        level = [
            _raise_degree(level[r], level[r + 1], x0, t[r], t[r + 1], t[r + p], t[r + p + 1])
            for r in range(k + 1)
        ] + [[zero] * (p + 1)]
    return ops.stack([ops.stack([level[r][d] for r in range(k + 1)], -1) for d in range(k + 1)])


def _raise_degree(lower, upper, x, t_j, t_j1, t_jp, t_jp1):
    """Derivatives ``0..p`` of ``B_j^p`` from those ``0..p-1`` of ``B_j^{p-1}``, ``B_{j+1}^{p-1}``.

    ``B^p = L B_j + R B_{j+1}`` with ``L = (x - t_j) a``, ``R = (t_{j+p+1} - x) c``,
    so ``(B^p)^(d) = L B_j^(d) + R B_{j+1}^(d) + d (a B_j^(d-1) - c B_{j+1}^(d-1))``.
    """
    a = _safe_reciprocal(t_jp - t_j)
    c = _safe_reciprocal(t_jp1 - t_j1)
    left, right = (x - t_j) * a, (t_jp1 - x) * c
    p = len(lower)
    out = []
    for d in range(p + 1):
        value = left * lower[d] + right * upper[d] if d < p else 0
        if d > 0:
            value = value + d * (a * lower[d - 1] - c * upper[d - 1])
        out.append(value)
    return out


def _knot_window(x, knots, k: int):
    """``(i, [t_{i-k} .. t_{i+k+1}], valid)``: each input's knot interval ``t_i <= x < t_{i+1}``.

    ``i`` is the number of knots ``<= x`` less one; ``valid`` where
    ``0 <= i <= M - 2``. The window's indices are clipped at the ends: a
    clipped knot only meets B-splines whose index falls outside
    ``0 .. M - 2 - k``, which :func:`spline_contract` drops.
    """
    m = int(knots.shape[-1])
    at = ops.expand_dims(x, -1)
    interval = ops.cast(ops.sum(ops.cast(ops.greater_equal(at, knots), "int32"), axis=-1), "int32")
    interval = interval - 1
    near = ops.clip(ops.expand_dims(interval, -1) + np.arange(-k, k + 2, dtype="int32"), 0, m - 1)
    t = _take_rows(knots, near)
    valid = ops.logical_and(ops.greater_equal(interval, 0), ops.less_equal(interval, m - 2))
    return interval, [t[..., s] for s in range(2 * k + 2)], valid


def _safe_reciprocal(d):
    """``1 / d`` where ``d > 0``, else 0 (repeated knots: that term of the recursion vanishes)."""
    positive = ops.greater(d, 0)
    return ops.where(positive, 1 / ops.where(positive, d, ops.ones_like(d)), ops.zeros_like(d))


class SplineFeatures(NamedTuple):
    """A KAN basis evaluated at a batch, in the form :func:`spline_contract` reads.

    ``start is None``: ``values`` is the dense basis ``(..., inputs, K)`` of
    :func:`kan_basis`. Otherwise the B-splines' local form: ``values``
    ``(..., inputs, k + 1)`` holds ``B_{s+r}(x_i)``, ``r = 0 .. k``, the only
    ones that can be nonzero, with ``s = start`` ``(..., inputs)``; an entry
    whose index ``s + r`` falls outside ``0 .. K - 1`` is no function of the
    basis, and :func:`spline_contract` ignores it.
    """

    values: Any
    start: Any = None


def spline_features(x, knots, basis: str, spline_order: int, units: int) -> SplineFeatures:
    """Evaluate a KAN basis at ``x`` for a layer of ``units`` outputs, dense or local.

    Formula: the values of :func:`kan_basis`. B-splines of a fine grid take
    their local form (:func:`local_bspline_basis`) where that is measured
    faster (:func:`local_bspline_pays`): a point meets ``k + 1`` of the
    ``K = G + k`` B-splines, so the dense basis is mostly zeros, and its
    Cox-de Boor recursion runs over all ``K`` of them.

    Args:
        x: tensor ``(..., inputs)``.
        knots: tensor ``(inputs, G + 2k + 1)``.
        basis: one of :data:`KAN_BASES`.
        spline_order: ``k`` (>= 0).
        units: the number of outputs the features will be contracted to.

    Returns:
        :class:`SplineFeatures`.

    Raises:
        ValueError: as :func:`kan_basis`.

    Example:
        >>> knots = uniform_knots((-1, 1), 2, 1, features=1)
        >>> spline_features(np.array([[0.5]]), knots, "bspline", 1, units=1).start is None
        True
    """
    count = _function_count(knots, spline_order)
    if basis == "bspline" and local_bspline_pays(count, spline_order, units):
        start, values = local_bspline_basis(x, knots, spline_order)
        return SplineFeatures(values, start)
    return SplineFeatures(kan_basis(x, knots, basis, spline_order))


def spline_contract(features: SplineFeatures, coefficients, *, per_edge: bool = False):
    """Contract KAN features with coefficients ``c_ikj``: the spline branch of ``KANDense``.

    Formula:
        per_edge:  s_ij(x) = sum_k c_ikj B_k(x_i)       (..., inputs, units)
        else:      s_j(x)  = sum_i sum_k c_ikj B_k(x_i)  (..., units), one GEMM when dense

    The local form gathers the ``k + 1`` coefficients each point meets
    (its gradient scatters back into them) instead of multiplying zeros.

    Args:
        features: :class:`SplineFeatures` of :func:`spline_features`.
        coefficients: tensor ``(inputs, K, units)``.
        per_edge: keep the inputs axis (every edge's value) instead of summing it.

    Returns:
        Tensor ``(..., inputs, units)`` or ``(..., units)``.

    Example:
        >>> knots = uniform_knots((-1, 1), 2, 1, 1)
        >>> features = spline_features(np.array([[0.5]]), knots, "bspline", 1, 1)
        >>> ops.convert_to_numpy(spline_contract(features, np.ones((1, 3, 1), "float32")))
        array([[1.]], dtype=float32)
    """
    if features.start is None:
        if per_edge:
            return ops.einsum("...ik,ikj->...ij", features.values, coefficients)
        return ops.einsum("...ik,ikj->...j", features.values, coefficients)
    count = int(coefficients.shape[1])
    width = int(features.values.shape[-1])
    index = ops.expand_dims(features.start, -1) + np.arange(width, dtype="int32")
    inside = ops.logical_and(ops.greater_equal(index, 0), ops.less(index, count))
    values = ops.where(inside, features.values, ops.zeros_like(features.values))
    gathered = _take_rows(coefficients, ops.clip(index, 0, count - 1))
    if per_edge:
        return ops.einsum("...ir,...irj->...ij", values, gathered)
    return ops.einsum("...ir,...irj->...j", values, gathered)


# Where the local form of a B-spline basis pays: it gathers (k + 1) * units
# coefficients per (point, input) where the dense form evaluates all K B-splines
# and multiplies them by one GEMM. Forward+backward of the spline branch on JAX
# CPU, 1000 points, float32 and float64 (a sweep of 2-64 inputs, 1-16 units,
# grids 3-100; `learnact bench --suite kan` repeats a part, docs/kan.md): the
# local form took 0.1-0.84x the dense one's time wherever K > 2 (k + 1) and
# (k + 1) * units <= K; beyond, results were mixed (2 -> 5 at grid 10:
# 0.77x-1.14x from run to run) or losses (16 -> 16 at grid 3: 1.9x), and at
# grid 3 (K = 6 < 2 (k + 1)) a [4, 2, 1, 1] KAN's loss and gradient took 1.31x.
# Not measured on eager PyTorch or TensorFlow, nor on accelerators: dense there.
_LOCAL_GATHER_PER_FUNCTION = 1


def _on_jax_cpu() -> bool:
    if keras.backend.backend() != "jax":
        return False
    import jax

    return jax.default_backend() == "cpu"


def local_bspline_pays(count: int, spline_order: int, units: int) -> bool:
    """Whether ``count`` (``K``) B-splines of degree ``k``, ``units`` outputs, take the local form.

    On JAX on a CPU, where ``K > 2 (k + 1)`` and ``(k + 1) * units <= K``:
    fine grids feeding narrow layers (pykan's scientific KANs after
    refinement), not coarse grids nor wide layers. Elsewhere it was not
    measured (a GPU's or TPU's gathers and scatter-adds are another matter,
    and scatter-adds are not deterministic on a GPU): the dense form.

    Example:
        >>> local_bspline_pays(103, 3, 1) == _on_jax_cpu()
        True
        >>> local_bspline_pays(8, 3, 1), local_bspline_pays(13, 3, 1000)
        (False, False)
    """
    nonzero = spline_order + 1
    return (
        _on_jax_cpu()
        and count > 2 * nonzero
        and nonzero * units <= _LOCAL_GATHER_PER_FUNCTION * count
    )


def local_bspline_basis(x, knots, spline_order: int):
    """The ``k + 1`` B-splines that can be nonzero at each input, and where they start.

    Formula:
        s = i - k, where t_i <= x < t_{i+1} (i from 0 to M - 2; else every value is 0)
        values_r = B_{s+r}^k(x), r = 0 .. k, by the Cox-de Boor recursion of
        :func:`bspline_basis` on the knots t_{i-k} .. t_{i+k+1} alone

    The values are those of :func:`bspline_basis` at the same ``x``
    (clamped the same way); the recursion meets ``2k + 2`` knots per point
    instead of all ``M``, and autodiff differentiates it directly.

    Args:
        x: tensor ``(..., inputs)``.
        knots: tensor ``(inputs, M)``, non-decreasing rows, ``M > k + 1``.
        spline_order: ``k`` (>= 0).

    Returns:
        ``(start, values)``: int32 ``(..., inputs)`` and ``(..., inputs, k + 1)`` in ``x``'s dtype.

    Raises:
        ValueError: a knot vector too short for ``k``, as :func:`kan_basis`.

    Example:
        >>> knots = np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]])
        >>> start, values = local_bspline_basis(np.array([[2.5]]), knots, 2)
        >>> int(ops.convert_to_numpy(start)[0, 0]), ops.convert_to_numpy(values)
        (0, array([[[0.125, 0.75 , 0.125]]], dtype=float32))
    """
    x = ops.convert_to_tensor(x)
    knots = ops.cast(knots, x.dtype)
    k = check_int("spline_order", spline_order, minimum=0)
    _function_count(knots, k)
    x = _clamp_to_support(x, knots)
    if keras.backend.backend() == "jax":
        native = _native_bsplines(x, knots, k, dense=False)
        if native is not None:
            return native
    interval, t, valid = _knot_window(ops.stop_gradient(x), knots, k)
    zero = ops.zeros_like(x)
    # b[r] = B_{i-k+r}^p; b[k + 1] = B_{i+1}^p, 0 at x < t_{i+1} for every p.
    b = [zero] * k + [ops.cast(valid, x.dtype), zero]
    for p in range(1, k + 1):
        b = [
            (x - t[r]) * _safe_reciprocal(t[r + p] - t[r]) * b[r]
            + (t[r + p + 1] - x) * _safe_reciprocal(t[r + p + 1] - t[r + 1]) * b[r + 1]
            for r in range(k + 1)
        ] + [zero]
    return interval - k, ops.stack(b[: k + 1], axis=-1)
