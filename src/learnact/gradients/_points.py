"""Input validation and function calling shared by the numerical derivatives.

The conventions live here, once: ``x`` of shape ``(D,)`` is one point and
``(N, D)`` is N points (rows are points, as in "Deep Learning from Scratch");
``f`` may be written for a batch ``(M, D) -> (M,)`` or for one point
``(D,) -> scalar`` and is detected on its first call.
"""

from __future__ import annotations

import warnings

import numpy as np

from learnact._checks import first_line
from learnact.errors import UserInputError

CONVENTIONS = (
    "learnact reads x of shape (D,) as one point and (N, D) as N points (rows are points); "
    "f must map one point (D,) to {one}, or a batch (M, D) to {many}. "
    "Coordinate arrays X0, X1 are stacked with np.stack([X0, X1], axis=1), "
    "not np.array([X0, X1]) (that gives the (2, N) layout of coordinate arrays as rows)"
)


class PointsLayoutWarning(UserWarning):
    """Warned when ``x`` looks like coordinate arrays stacked as rows, shape ``(2, N)``."""


def as_points(x, name: str = "x"):
    """Return ``(X, single)``: ``x`` as a fresh float ``(N, D)`` array, and whether it was ``(D,)``.

    Integer and boolean-free real inputs become float64; float32/float16 keep
    their dtype (the default steps depend on it). ``x`` itself is never
    modified: ``X`` is always a copy.

    Raises:
        ValueError: for non-numeric, complex, empty, 0-d or >2-d input, or
            non-finite values (the first offending index is named).
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":  # signed, unsigned, float; not bool or complex
        raise UserInputError(
            f"`{name}` must hold real numbers; received {name} of dtype {arr.dtype}"
        )
    if arr.ndim not in (1, 2):
        raise UserInputError(
            f"`{name}` must have shape (D,) for one point or (N, D) for N points; "
            f"received {name} of shape {arr.shape}"
        )
    if arr.size == 0:
        raise UserInputError(f"`{name}` must not be empty; received {name} of shape {arr.shape}")
    dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    points = np.array(arr, dtype=dtype, copy=True)
    finite = np.isfinite(points)
    if not finite.all():
        bad = np.argwhere(~finite)
        index = tuple(int(i) for i in bad[0])
        raise UserInputError(
            f"`{name}` must be finite; received {name}[{', '.join(map(str, index))}]="
            f"{points[index]!r}"
        )
    single = points.ndim == 1
    if single:
        points = points[None, :]
    n, d = points.shape
    if not single and n <= 3 and d >= 10:
        # np.array([X, Y]) (coordinate arrays as rows) passes 2 "points" in hundreds of
        # dimensions: the classic mistake with the gradient code of "Deep Learning from
        # Scratch" (section 4.3.3).
        warnings.warn(
            f"`{name}` has shape {points.shape}: read as {n} point(s) in {d} dimensions "
            "(rows are points). If its rows are coordinate arrays (x0 values, x1 values), "
            f"pass {name}.T of shape ({d}, {n}) instead.",
            PointsLayoutWarning,
            stacklevel=4,
        )
    return points, single


class BatchFallbackWarning(UserWarning):
    """Warned once when ``f`` raised on a batch of points and is called point by point instead."""


class FunctionCaller:
    """Call ``f`` on a stack of points, in one batch when ``f`` supports it.

    Contract (detected on the first call, then fixed):

    * **Batch mode.** ``f(points)`` with ``points`` of shape ``(M, D)`` returns
      ``(M,)`` (scalar ``f``; ``(M, 1)`` is accepted) or ``(M, K)`` (vector
      ``f``). Every later call is one batch call, and an error in one is
      raised as it is.
    * **Point mode.** ``f`` written for one point: its batch call returns a
      shape that does not fit, or raises. It is then called once per row.
      When the batch call *raised*, a :class:`BatchFallbackWarning` naming the
      exception is issued once (a bug that only fires on batches would
      otherwise turn silently into a slow run). If ``f`` then fails on the
      first single point too, ``f`` works neither way: the batch call's
      original exception is raised, chained from the single point's.
    * ``numbers=True`` is the convention of a function of one number: the
      batch call gets the column ``points[:, 0]`` of shape ``(M,)`` and the
      point call a Python float.

    Args:
        f: the user's function.
        kind: ``"scalar"`` (one number per point) or ``"vector"`` (a 1-d
            array per point).
        numbers: ``f`` takes numbers rather than points of dimension 1.

    Complex points (the complex-step method) must give complex values.

    Example:
        >>> caller = FunctionCaller(lambda p: p[0] * p[1], "scalar")  # one point at a time
        >>> caller(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])), caller.mode
        (array([ 2., 12., 30.]), 'point')
    """

    def __init__(self, f, kind: str, numbers: bool = False):
        if not callable(f):
            raise UserInputError(f"`f` must be callable; received f={f!r}")
        self.f = f
        self.kind = kind
        self.numbers = numbers
        self.mode = None  # "batch" or "point", decided on the first call
        self.calls = 0

    def _describe(self):
        if self.kind == "scalar":
            return CONVENTIONS.format(one="a number", many="shape (M,)")
        return CONVENTIONS.format(one="a 1-d array (K,)", many="shape (M, K)")

    def _as_batch_output(self, out, m):
        out = np.asarray(out)
        if self.kind == "scalar":
            if out.shape == (m,):
                return out
            if out.shape == (m, 1):
                return out[:, 0]
            return None
        if out.ndim == 2 and out.shape[0] == m:
            return out
        if out.shape == (m,):
            return out[:, None]
        return None

    def _point_output(self, out, point_shape):
        out = np.asarray(out)
        if self.kind == "scalar":
            if out.ndim == 0 or out.shape == (1,):
                return out.reshape(())
        elif out.ndim == 1:
            return out
        elif out.ndim == 0:
            return out.reshape(1)
        raise UserInputError(
            f"f returned shape {out.shape} for one point of shape {point_shape}. "
            + self._describe()
        )

    def _call_batch(self, points):
        # points are always a stack the caller built, never the user's x.
        raw = self.f(points[:, 0] if self.numbers else points)
        self.calls += 1
        return raw

    def _call_point(self, row):
        raw = self.f(float(row[0]) if self.numbers else row.copy())
        self.calls += 1
        return self._point_output(raw, row.shape)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Return ``f`` at each row of ``points``: shape ``(M,)`` or ``(M, K)``."""
        m = points.shape[0]
        out = batch_error = None
        if self.mode in (None, "batch"):
            if self.mode == "batch":
                raw = self._call_batch(points)
            else:
                try:
                    raw = self._call_batch(points)
                except Exception as exc:  # f may be written for one point only
                    batch_error, raw = exc, None
            if batch_error is None:
                out = self._as_batch_output(raw, m)
                if out is None and self.mode == "batch":
                    raise UserInputError(
                        f"f returned shape {np.shape(raw)} for {m} points of shape "
                        f"{points.shape}. " + self._describe()
                    )
            if out is not None:
                self.mode = "batch"
        if out is None:
            out = self._per_point(points, batch_error)
        if np.iscomplexobj(points) and not np.iscomplexobj(out):
            raise UserInputError(
                "method='complex' needs f to accept complex points and return complex values; "
                "f returned real values (it probably uses abs, comparisons or a cast to float): "
                "use method='central', 'five_point' or 'richardson'"
            )
        return out

    def _per_point(self, points, batch_error):
        """One call per row; ``batch_error`` is what the first batch call raised, if anything."""
        self.mode = "point"
        values = []
        for index, row in enumerate(points):
            if batch_error is not None and index == 0:
                try:
                    values.append(self._call_point(row))
                except Exception as point_error:
                    raise batch_error from point_error
                warnings.warn(
                    f"f raised {type(batch_error).__name__} on a batch of {len(points)} points "
                    f"({first_line(batch_error)}) but works on one point: calling it once per "
                    "point from now on, which is slower. Write f for a batch (M, D) -> (M,) "
                    "to avoid this, or for one point only.",
                    BatchFallbackWarning,
                    stacklevel=5,
                )
                continue
            values.append(self._call_point(row))
        if self.kind == "vector":
            sizes = {v.shape for v in values}
            if len(sizes) != 1:
                raise UserInputError(f"f returned outputs of different shapes {sorted(sizes)}")
        return np.stack(values)


def report_nonfinite(values, points, describe):
    """Raise ``ValueError`` at the first non-finite value of ``f``.

    Args:
        values: ``(M,)`` or ``(M, K)`` outputs of ``f``.
        points: the ``(M, D)`` points they were computed at.
        describe: ``m -> str`` explaining which point of ``x`` row ``m`` perturbs.
    """
    finite = np.isfinite(values)
    if finite.ndim == 2:
        finite = finite.all(axis=1)
    if finite.all():
        return
    m = int(np.argmin(finite))
    value = np.asarray(values[m]).tolist()
    point = np.asarray(points[m]).tolist()
    raise UserInputError(
        f"f returned {value} at the point {point} ({describe(m)}); numerical "
        "derivatives need finite values near x: move x away from the singularity or "
        "pass a smaller step"
    )
