"""Numerical derivatives of NumPy-style functions: gradient, Jacobian, Hessian, tangent line.

Conventions (those of "Deep Learning from Scratch", section 4.3.3, made
strict): ``x`` of shape ``(D,)`` is one point,
``(N, D)`` is N points; results keep that leading shape. ``f`` written for a
batch (``(M, D) -> (M,)``) is called once on every perturbed point at once
(in a few chunks when that stack would exceed ~2**22 numbers); ``f`` written
for one point is detected and called point by point. ``x`` is never modified.

Methods (``h`` is the step, ``e_i`` the i-th unit vector):

============  ==============================================  ===============  ==============
method        formula                                         default step     error
============  ==============================================  ===============  ==============
central       (f(x+h e_i) - f(x-h e_i)) / (2h)                eps**(1/3)*s     O(h**2)
five_point    (f(x-2h)-8f(x-h)+8f(x+h)-f(x+2h)) / (12h)       eps**(1/5)*s     O(h**4)
complex       Im f(x + i h e_i) / h   (f analytic, complex)   1e-20*s          O(h**2), no
                                                                               cancellation
richardson    central at h, h/2, h/4, h/8, extrapolated       eps**(1/5)*8*s   O(h**8), with
                                                                               estimate
============  ==============================================  ===============  ==============

``eps`` is the machine epsilon of ``x``'s dtype (float64 for integer input) and
``s = max(1, |x_i|)``, so the default step adapts to both precision and scale.
An explicit ``step`` (a number, or one per coordinate) is used as given, which
is why ``step=1e-4`` reproduces that book's ``numerical_gradient`` bit for bit.

``f`` returning NaN or inf at a perturbed point raises ``ValueError`` naming
that point (never a silently NaN gradient).
"""

from __future__ import annotations

import numpy as np

from learnact._checks import check_choice
from learnact.errors import UserInputError
from learnact.gradients._differences import central, richardson, scaled_steps
from learnact.gradients._points import FunctionCaller, as_points, report_nonfinite

METHODS = ("central", "five_point", "complex", "richardson")

# Chunk the perturbed points so that one call to f never gets more numbers than this.
_MAX_STACK = 2**22

_RICHARDSON_LEVELS = 4

# Up to this many coordinates the stencil's diagonal is filled by a loop of slices.
_LOOP_COORDINATES = 16


def _representable_steps(h, columns):
    """Return the steps actually taken, ``fl(x + h) - x``, for points below float64.

    In float32, ``x + h`` is rounded, so dividing by the nominal ``h`` adds an
    error of order ``eps |x| / h`` (5e-6 relative at the default step); with
    the representable step the difference quotient is exact for quadratics.

    Raises:
        ValueError: if a step is below the dtype's resolution at its point.
    """
    taken = (columns + h).astype(columns.dtype).astype(np.float64) - columns
    _check_resolution(taken, h, columns)
    return taken


def _check_resolution(taken, h, columns):
    """Raise if a step ``h`` moved no point (``taken``, the step actually taken, is 0)."""
    if not (taken > 0).all():
        d, n = np.unravel_index(int(np.argmin(taken > 0)), taken.shape)
        larger = "a larger step" + (" or float64 points" if columns.dtype.itemsize < 8 else "")
        raise UserInputError(
            f"`step` {float(np.broadcast_to(h, taken.shape)[d, n]):.3g} is below the "
            f"{columns.dtype} resolution at x[{n}, {d}]={float(columns[d, n])!r}; pass {larger}"
        )


def _steps(rule, step, columns):
    """Steps ``h`` for coordinate-major points ``columns`` (D, N): shape ``(D, N)`` or ``(D, 1)``.

    A given step stays one column, so the difference formulas divide by a
    column instead of a ``(D, N)`` array.
    """
    d = columns.shape[0]
    if step is None:
        return scaled_steps(rule, columns)
    try:
        # A bool (or an array of them) would read as 1.0 and 0.0: not a step.
        if np.asarray(step).dtype.kind not in "iuf":
            raise TypeError
        arr = np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserInputError(
            f"`step` must be a positive number or one per coordinate; received step={step!r}"
        ) from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (d,)):
        raise UserInputError(
            f"`step` must be a number or one number per coordinate (shape ({d},)); "
            f"received step of shape {arr.shape}"
        )
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise UserInputError(f"`step` must be positive and finite; received step={step!r}")
    return np.broadcast_to(arr, (d,)).reshape(d, 1)


def _stencil_values(caller, columns, h, offsets, complex_step=False):
    """Evaluate f at ``x + c*h*e_i`` for every offset c, point n and coordinate i.

    Args:
        caller: the :class:`FunctionCaller` of f.
        columns: the points coordinate-major, ``(D, N)`` contiguous.
        h: steps ``(D, N)`` or ``(D, 1)``.
        offsets: the stencil's multiples ``c`` of the step.
        complex_step: perturb along the imaginary axis instead.

    Returns:
        Shape ``(len(offsets), D, N)`` (scalar f) or ``(len(offsets), D, N, K)``
        (vector f): coordinate-major, so the difference formulas run on
        contiguous rows of N values.
    """
    d, n = columns.shape
    s = len(offsets)
    dtype = np.result_type(columns.dtype, np.complex64) if complex_step else columns.dtype
    # c*h formed first, then added to x: for c = +-1 exactly the x +- h of the book's loop.
    shifts = np.asarray(offsets, dtype=np.float64)[:, None, None] * h  # (s, D, N or 1)
    if complex_step:
        shifts = 1j * shifts
    per_point = shifts.shape[-1] > 1
    coordinates = np.arange(d)
    chunk = max(1, _MAX_STACK // max(s * d * d, 1))
    results = []
    for start in range(0, n, chunk):
        block = columns[:, start : start + chunk]  # (D, nb)
        nb = block.shape[1]
        # stack[j, s, i, n] = coordinate j of x_n + c_s h_ni e_i. The point axis n is
        # innermost so that every NumPy loop runs over N elements rather than over D
        # (with D = 2 that is several times faster); f gets the (M, D) transpose view.
        stack = np.empty((d, s, d, nb), dtype=dtype)
        stack[...] = block[:, None, None, :]
        block_shifts = shifts[:, :, start : start + nb] if per_point else shifts
        if d <= _LOOP_COORDINATES:
            for i in range(d):  # basic slices beat one fancy-indexed add for small D
                stack[i, :, i, :] += block_shifts[:, i]
        else:
            stack[coordinates, :, coordinates, :] += block_shifts.swapaxes(0, 1)
        flat = stack.reshape(d, s * d * nb).T  # rows ordered (s, i, n)
        values = caller(flat)

        def describe(m, nb=nb, start=start):
            si, rest = divmod(m, d * nb)
            ci, pi = divmod(rest, nb)
            step = h[ci, start + pi if per_point else 0]
            return (
                f"x[{start + pi}] moved by {offsets[si]}*h={offsets[si] * step:.3g} "
                f"along coordinate {ci}"
            )

        report_nonfinite(values, flat, describe)
        results.append(values.reshape((s, d, nb) + values.shape[1:]))
    return results[0] if len(results) == 1 else np.concatenate(results, axis=2)


def _expand(h, values):
    """Broadcast steps ``h`` (D, N or 1) against stencil values (D, N) or (D, N, K)."""
    return h if values.ndim == 2 else h[..., None]


def _point_major(d):
    """(D, N) -> (N, D); vector (D, N, K) -> (N, K, D), indexed [point, output, input]."""
    return np.ascontiguousarray(d.T if d.ndim == 2 else np.moveaxis(d, 0, -1))


def _derivative(caller, x, method, step, return_error=False):
    check_choice("method", method, METHODS)
    points, single = as_points(x)
    columns = np.ascontiguousarray(points.T)
    h = _steps(method, step, columns)
    if columns.dtype.itemsize < 8 and method != "complex":
        h = _representable_steps(h, columns)
    elif method != "complex":
        # float64 points: the step is used as given (the book's results bit for bit),
        # but one too small to move x (x + h == x) would give a silent zero.
        _check_resolution((columns + h) - columns, h, columns)
    error = None
    if method == "central":
        v = _stencil_values(caller, columns, h, (1.0, -1.0))
        d = central(v[0], v[1], _expand(h, v[0]))
    elif method == "five_point":
        v = _stencil_values(caller, columns, h, (2.0, 1.0, -1.0, -2.0))
        d = (v[3] - 8 * v[2] + 8 * v[1] - v[0]) / (12 * _expand(h, v[0]))
    elif method == "complex":
        v = _stencil_values(caller, columns, h, (1.0,), complex_step=True)
        d = np.imag(v[0]) / _expand(h, v[0])
    else:
        d, error = _richardson(caller, columns, h)
    out_dtype = points.dtype
    d = _point_major(d).astype(out_dtype, copy=False)
    if single:
        d = d[0]
    if return_error:
        if error is None:
            raise UserInputError(
                f"`return_error=True` needs method='richardson'; received method={method!r}"
            )
        error = _point_major(error).astype(out_dtype)
        return d, (error[0] if single else error)
    return d


def _richardson(caller, columns, h):
    """Central differences at h/2**k, extrapolated; returns (derivative, error estimate)."""
    levels = _RICHARDSON_LEVELS
    offsets = []
    for k in range(levels):
        offsets += [2.0**-k, -(2.0**-k)]
    v = _stencil_values(caller, columns, h, tuple(offsets))
    hx = _expand(h, v[0])
    table = richardson([central(v[2 * k], v[2 * k + 1], hx * 2.0**-k) for k in range(levels)])
    best = table[-1][-1]
    eps = float(np.finfo(columns.dtype).eps)
    scale = np.max(np.abs(v), axis=0)
    # Truncation: the last two diagonal entries; rounding: eps*|f|/h_min amplified by the table.
    error = np.abs(best - table[-2][-2]) + 10 * eps * scale / (hx * 2.0 ** -(levels - 1))
    return best, error


def numerical_gradient(f, x, *, method="central", step=None, return_error=False):
    """Numerical gradient of a scalar function at one point or at N points.

    ``grad[n, i] ~ d f(x[n]) / d x[n, i]`` by finite differences (see the
    module docstring for the formulas, steps and errors of each ``method``).

    Args:
        f: ``f(x)`` for one point ``x`` of shape ``(D,)`` returning a number,
            or ``f(X)`` for points ``X`` of shape ``(M, D)`` returning shape
            ``(M,)``. Batch functions are called once on all ``2*N*D``
            perturbed points; one-point functions once per perturbed point.
        x: shape ``(D,)`` (one point) or ``(N, D)`` (N points, rows are
            points). Integers become float64; never modified.
        method: ``"central"``, ``"five_point"``, ``"complex"`` (complex step;
            ``f`` must be analytic and accept complex input) or
            ``"richardson"``.
        step: ``None`` for the dtype-dependent default, or a positive number
            (or one per coordinate) used as given.
        return_error: with ``method="richardson"``, also return an estimate of
            the absolute error of each entry.

    Returns:
        Array of ``x``'s shape (float dtype), or ``(gradient, error)``.

    Raises:
        ValueError: bad ``x`` (empty, 3-d, non-finite), an ``f`` whose output
            has the wrong shape for what it was given (the message explains
            the two conventions), or ``f`` non-finite at a perturbed point.

    Example:
        >>> numerical_gradient(lambda p: p[:, 0] * p[:, 1], [[1.0, 2.0], [3.0, 4.0]])
        array([[2., 1.],
               [4., 3.]])
    """
    return _derivative(FunctionCaller(f, "scalar"), x, method, step, return_error)


def jacobian(f, x, *, method="central", step=None, return_error=False):
    """Numerical Jacobian ``J[k, i] = d f_k / d x_i`` at one point or at N points.

    Args:
        f: ``f(x)`` for one point ``(D,)`` returning ``(K,)``, or ``f(X)`` for
            ``(M, D)`` returning ``(M, K)``.
        x: shape ``(D,)`` or ``(N, D)``; never modified.
        method, step, return_error: as in :func:`numerical_gradient`.

    Returns:
        ``(K, D)`` for one point, ``(N, K, D)`` for N points (indexed
        ``[point, output, input]``).

    Raises:
        ValueError: as :func:`numerical_gradient`.

    Example:
        >>> jacobian(lambda p: np.stack([p[:, 0] * p[:, 1], p[:, 0]], axis=1), [2.0, 3.0])
        array([[3., 2.],
               [1., 0.]])
    """
    return _derivative(FunctionCaller(f, "vector"), x, method, step, return_error)


def hessian(f, x, *, step=None):
    """Numerical Hessian ``H[i, j] = d^2 f / dx_i dx_j`` of a scalar function.

    Central second differences, exactly symmetric:
    ``H_ij = (f(x+h_i+h_j) - f(x+h_i-h_j) - f(x-h_i+h_j) + f(x-h_i-h_j)) / (4 h_i h_j)``
    with default ``h = eps**(1/4) * max(1, |x|)`` (error ``O(h**2)``, about
    1e-8 relative in float64).

    Args:
        f: scalar function, one-point or batch convention (see
            :func:`numerical_gradient`).
        x: shape ``(D,)`` or ``(N, D)``; never modified.
        step: ``None`` or a positive number (or one per coordinate).

    Returns:
        ``(D, D)`` for one point, ``(N, D, D)`` for N points.

    Raises:
        ValueError: as :func:`numerical_gradient`.

    Example:
        >>> hessian(lambda p: p[0] ** 2 * p[1], [1.0, 2.0]).round(6)
        array([[4., 2.],
               [2., 0.]])
    """
    points, single = as_points(x)
    n, d = points.shape
    h = np.broadcast_to(_steps("second", step, points.T), (d, n)).T
    caller = FunctionCaller(f, "scalar")
    ii, jj = np.triu_indices(d)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=np.float64)
    pairs = len(ii)
    # delta[n, p, s, :] = s0*h_i e_i + s1*h_j e_j  for the pair p = (i, j).
    delta = np.zeros((n, pairs, 4, d))
    rows = np.arange(n)[:, None, None]
    prs = np.arange(pairs)[None, :, None]
    sgn = np.arange(4)[None, None, :]
    delta[rows, prs, sgn, ii[None, :, None]] += signs[None, None, :, 0] * h[:, ii][:, :, None]
    delta[rows, prs, sgn, jj[None, :, None]] += signs[None, None, :, 1] * h[:, jj][:, :, None]
    stack = (points[:, None, None, :] + delta).astype(points.dtype).reshape(-1, d)
    values = []
    chunk = max(1, _MAX_STACK // d)
    for start in range(0, stack.shape[0], chunk):
        part = stack[start : start + chunk]
        vals = caller(part)

        def describe(m, start=start):
            p_n, rest = divmod(start + m, pairs * 4)
            p, s = divmod(rest, 4)
            return f"x[{p_n}] moved by {signs[s]} * h along coordinates ({ii[p]}, {jj[p]})"

        report_nonfinite(vals, part, describe)
        values.append(vals)
    v = np.concatenate(values).reshape(n, pairs, 4)
    upper = (v[..., 0] - v[..., 1] - v[..., 2] + v[..., 3]) / (4 * h[:, ii] * h[:, jj])
    out = np.zeros((n, d, d))
    out[:, ii, jj] = upper
    out[:, jj, ii] = upper
    out = out.astype(points.dtype)
    return out[0] if single else out


def tangent_line(f, x0, *, method="central", step=None):
    """The tangent of ``f`` at ``x0``: ``t -> f(x0) + f'(x0) * (t - x0)``.

    As in "Deep Learning from Scratch" (``gradient_1d.py``) for a function of one
    variable; for a
    point ``x0`` of shape ``(D,)`` it is the tangent plane
    ``t -> f(x0) + grad f(x0) . (t - x0)`` with ``t`` of shape ``(D,)`` or
    ``(M, D)``.

    Args:
        f: for a number ``x0``, a function of one number (vectorised over
            arrays or not); for ``x0`` of shape ``(D,)``, as in
            :func:`numerical_gradient`.
        x0: the point of contact.
        method, step: as in :func:`numerical_gradient`.

    Returns:
        A callable ``t -> tangent value``; it carries ``slope`` and
        ``intercept`` attributes (``f(x0) - slope * x0`` for one variable).

    Raises:
        ValueError: as :func:`numerical_gradient`.

    Example:
        >>> line = tangent_line(lambda t: 0.01 * t**2 + 0.1 * t, 5.0)
        >>> round(float(line.slope), 6), round(float(line(10.0)), 6)
        (0.2, 1.75)
    """
    if np.ndim(x0) == 0:
        point = np.array([x0])
        caller = FunctionCaller(f, "scalar", numbers=True)  # f of one number
        slope = float(_derivative(caller, point, method, step)[0])
        value = float(caller(point[None, :].astype(np.float64))[0])
        intercept = value - slope * float(x0)

        def line(t):
            return slope * np.asarray(t, dtype=np.float64) + intercept

    else:
        point, _ = as_points(x0, "x0")
        point = point[0]
        caller = FunctionCaller(f, "scalar")
        slope = _derivative(caller, point, method, step)
        value = caller(point[None, :])[0]
        intercept = value - slope @ point

        def line(t):
            return np.asarray(t, dtype=np.float64) @ slope + intercept

    line.slope = slope
    line.intercept = intercept
    return line
