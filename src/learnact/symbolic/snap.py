"""Snapping KAN edges to known functions, as pykan's ``auto_symbolic`` does.

For every edge ``phi_ij`` of every ``KANDense`` of a model, the edge's values
on the data are fitted by ``a g(b x + c) + d`` for each ``g`` of a library
(least squares: a grid over ``b, c`` with ``a, d`` solved exactly, then a
Levenberg-Marquardt polish of all four), and the edge is replaced by the best
``g`` when its R^2 reaches ``min_r2``. The snapped model has
:class:`~learnact.layers.SnappedKANDense` layers with trainable ``a, b, c, d``;
it saves as ``.keras`` and :func:`learnact.symbolic.formula` expresses it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import numpy as np

from learnact._checks import check_real
from learnact.errors import UserInputError
from learnact.layers import KANDense, SnappedActivation, SnappedKANDense
from learnact.layers.cloning import rebuild
from learnact.layers.evaluation import copy_variable, evaluate, layer_inputs
from learnact.layers.snapped_kan import EDGE_FUNCTIONS


@dataclasses.dataclass(frozen=True)
class SymbolicFunction:
    """One function of the snapping library.

    Attributes:
        name: its name (also the key of the layer's keras.ops function in
            :data:`learnact.layers.snapped_kan.EDGE_FUNCTIONS`).
        sympy: ``sympy(z)`` -> sympy expression (the formula).
        numeric: ``numeric(z)`` on float64 NumPy arrays (the fit); NaN or
            inf outside the domain.
    """

    name: str
    sympy: Callable
    numeric: Callable
    symmetry: str | None = None  # "even", "odd", "sin" or "cos": to print b > 0 and small c


def _library() -> dict:
    import scipy.special
    import sympy

    def inverse(z):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 / z

    def sqrt(z):
        with np.errstate(invalid="ignore"):
            return np.sqrt(z)

    def log(z):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z)

    def exp(z):
        with np.errstate(over="ignore"):
            return np.exp(z)

    entries = [
        ("x", lambda z: z, lambda z: z, "odd"),
        ("x^2", lambda z: z**2, lambda z: z * z, "even"),
        ("x^3", lambda z: z**3, lambda z: z * z * z, "odd"),
        ("x^4", lambda z: z**4, lambda z: (z * z) ** 2, "even"),
        ("1/x", lambda z: 1 / z, inverse, "odd"),
        ("sqrt", sympy.sqrt, sqrt, None),
        ("exp", sympy.exp, exp, None),
        ("log", sympy.log, log, None),
        ("sin", sympy.sin, np.sin, "sin"),
        ("cos", sympy.cos, np.cos, "cos"),
        ("tanh", sympy.tanh, np.tanh, "odd"),
        ("abs", sympy.Abs, np.abs, "even"),
        ("gaussian", lambda z: sympy.exp(-(z**2)), lambda z: np.exp(-z * z), "even"),
        ("J0", lambda z: sympy.besselj(0, z), scipy.special.j0, "even"),
    ]
    return {name: SymbolicFunction(name, s, n, sym) for name, s, n, sym in entries}


def canonical(symmetry, params) -> tuple:
    """The same ``a g(b x + c) + d`` written with ``b >= 0`` (and, for sin and cos,
    ``a >= 0`` and ``c`` in ``(-pi, pi]``), using ``g``'s symmetry.

    Example:
        >>> np.round(canonical("sin", (-2.0, -3.0, -6.783185307179586, -1.0)), 6).tolist()
        [2.0, 3.0, 0.5, -1.0]
    """
    a, b, c, d = params
    if symmetry in ("even", "cos") and b < 0:
        b, c = -b, -c
    if symmetry in ("odd", "sin") and b < 0:
        a, b, c = -a, -b, -c
    if symmetry in ("sin", "cos"):
        if a < 0:
            a, c = -a, c + np.pi
        c = float(np.pi - np.mod(np.pi - c, 2 * np.pi))
    return (float(a), float(b), float(c), float(d))


LIBRARY_NAMES = ("x", "x^2", "x^3", "x^4", "1/x", "sqrt", "exp", "log", "sin", "cos", "tanh",
                 "abs", "gaussian", "J0")  # fmt: skip
_USER: dict[str, SymbolicFunction] = {}


def add_function(name: str, sympy_fn, numeric_fn, keras_fn=None, symmetry=None) -> SymbolicFunction:
    """Add ``name`` to the snapping library: its sympy form and its numeric twin.

    Args:
        name: the function's name.
        sympy_fn: ``sympy_fn(z)`` -> sympy expression.
        numeric_fn: ``numeric_fn(z)`` on NumPy float64 arrays (used by the fit).
        keras_fn: ``keras_fn(z)`` on tensors (used by the snapped layer);
            default ``numeric_fn`` (a function written with ``keras.ops``
            serves both).
        symmetry: None, "even" or "odd": fitted parameters are then printed with ``b >= 0``.

    Returns:
        The :class:`SymbolicFunction`.

    Raises:
        ValueError: a missing sympy form or numeric twin, or one that does not
            evaluate.

    Example:
        >>> import numpy as np, sympy
        >>> from keras import ops
        >>> f = add_function("softsign", lambda z: z / (1 + sympy.Abs(z)),
        ...                  lambda z: z / (1 + np.abs(z)), lambda z: z / (1 + ops.abs(z)))
        >>> f.name
        'softsign'
    """
    import sympy

    from learnact.layers import register_edge_function

    if not callable(sympy_fn):
        raise UserInputError(f"`sympy_fn` of {name!r} must be callable; received {sympy_fn!r}")
    if not callable(numeric_fn):
        raise UserInputError(
            f"library function {name!r} needs a numeric twin: `numeric_fn` must be callable; "
            f"received numeric_fn={numeric_fn!r}"
        )
    try:
        sympy.sympify(sympy_fn(sympy.Symbol("z")))
        np.asarray(numeric_fn(np.linspace(0.5, 1.0, 3)), dtype=np.float64)
    except Exception as exc:
        raise UserInputError(f"library function {name!r} does not evaluate: {exc}") from exc
    register_edge_function(name, keras_fn or numeric_fn)
    if symmetry not in (None, "even", "odd"):
        raise UserInputError(f"`symmetry` must be None, 'even' or 'odd'; received {symmetry!r}")
    function = SymbolicFunction(name, sympy_fn, numeric_fn, symmetry)
    _USER[name] = function
    return function


def library_functions(library=None) -> list[SymbolicFunction]:
    """Resolve ``library`` (None: every built-in function; else names or SymbolicFunctions).

    Raises:
        ValueError: an unknown name, an empty library, or an entry without a numeric twin.
    """
    known = {**_library(), **_USER}
    if library is None:
        return [known[name] for name in LIBRARY_NAMES]
    if isinstance(library, (str, SymbolicFunction)):
        library = [library]
    functions = []
    for entry in library:
        if isinstance(entry, SymbolicFunction):
            if not callable(entry.numeric):
                raise UserInputError(f"library function {entry.name!r} has no numeric twin")
            if entry.name not in EDGE_FUNCTIONS:
                raise UserInputError(
                    f"library function {entry.name!r} has no keras.ops form; add it with "
                    "learnact.symbolic.add_function"
                )
            functions.append(entry)
        elif isinstance(entry, str) and entry in known:
            functions.append(known[entry])
        else:
            raise UserInputError(
                f"`library` entry {entry!r} is not a known function; known: {sorted(known)} "
                "(learnact.symbolic.add_function adds one)"
            )
    if not functions:
        raise UserInputError("`library` is empty")
    return functions


@dataclasses.dataclass
class Fit:
    """The best ``a g(b x + c) + d`` of one library function for one edge."""

    function: str
    r2: float
    params: tuple  # (a, b, c, d)


def _linear(g: np.ndarray, y: np.ndarray):
    """Least-squares ``a, d`` of ``y ~ a g + d`` along the last axis, and the residual sum."""
    gm = g.mean(axis=-1, keepdims=True)
    ym = y.mean()
    gc = g - gm
    var = np.sum(gc * gc, axis=-1)
    cov = np.sum(gc * (y - ym), axis=-1)
    a = np.where(var > 0, cov / np.where(var > 0, var, 1.0), 0.0)
    d = ym - a * gm[..., 0]
    sse = np.sum((y - ym) ** 2) - a * cov
    return a, d, np.maximum(sse, 0.0)


_B_GRID = np.concatenate([-np.geomspace(20.0, 0.1, 30), np.geomspace(0.1, 20.0, 30)])
_C_GRID = np.linspace(-8.0, 8.0, 65)


def fit_function(function: SymbolicFunction, x: np.ndarray, y: np.ndarray) -> Fit:
    """Fit ``y ~ a g(b x + c) + d`` (float64 least squares); R^2 is -inf if nothing fits.

    Example:
        >>> x = np.linspace(-1, 1, 200)
        >>> fit = fit_function(library_functions(["sin"])[0], x, 2 * np.sin(3 * x + 0.5) - 1)
        >>> round(fit.r2, 9), np.round(fit.params, 6).tolist()
        (1.0, [2.0, 3.0, 0.5, -1.0])
    """
    from scipy.optimize import least_squares

    sst = float(np.sum((y - y.mean()) ** 2))
    if sst == 0.0:
        return Fit(function.name, -np.inf, (0.0, 1.0, 0.0, float(y.mean())))
    # The grid search sees at most 256 samples (evenly spread in x); the polish sees all.
    order = np.argsort(x)
    few = order[np.linspace(0, len(x) - 1, min(len(x), 256)).astype(int)]
    z = _B_GRID[:, None, None] * x[few] + _C_GRID[None, :, None]
    with np.errstate(all="ignore"):
        g = np.asarray(function.numeric(z), dtype=np.float64)
    finite = np.all(np.isfinite(g), axis=-1)
    if not finite.any():
        return Fit(function.name, -np.inf, (0.0, 1.0, 0.0, 0.0))
    g = np.where(finite[..., None], g, 0.0)
    a, d, sse = _linear(g, y[few])
    sse = np.where(finite & np.isfinite(sse), sse, np.inf)
    ib, ic = np.unravel_index(int(np.argmin(sse)), sse.shape)
    start = np.array([a[ib, ic], _B_GRID[ib], _C_GRID[ic], d[ib, ic]])

    def residual(p):
        with np.errstate(all="ignore"):
            r = p[0] * np.asarray(function.numeric(p[1] * x + p[2]), np.float64) + p[3] - y
        return np.where(np.isfinite(r), r, 1e150)

    best = start
    try:
        result = least_squares(residual, start, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
        if np.sum(residual(result.x) ** 2) <= np.sum(residual(start) ** 2):
            best = result.x
    except (ValueError, np.linalg.LinAlgError):  # a degenerate start: keep the grid's best
        pass
    r = residual(best)
    r2 = 1.0 - float(np.sum(r * r)) / sst
    if not np.all(np.abs(r) < 1e149):
        r2 = -np.inf
    return Fit(function.name, r2, canonical(function.symmetry, best))


@dataclasses.dataclass
class EdgeSnap:
    """The fits of one edge (or unit): ``fits`` by function, and the one chosen (None if none).

    ``edge`` is ``(i, j)`` for a KAN edge, ``(u,)`` for unit ``u`` of an
    elementwise activation (row-major in its units' shape); ``note`` says
    why a fitting unit was kept.
    """

    layer: str
    edge: tuple  # (i, j), or (u,) for a unit
    fits: list
    chosen: Fit | None
    note: str = ""


@dataclasses.dataclass
class SnapTable:
    """Every edge's fits; ``str()`` is the table ``learnact inspect`` prints."""

    edges: list
    min_r2: float

    def lines(self) -> list[str]:
        out = [f"snapping (a*g(b*x + c) + d, R^2 >= {self.min_r2}):"]
        for snap in self.edges:
            ranked = sorted(snap.fits, key=lambda f: -f.r2)[:3]
            best = ", ".join(f"{f.function} {f.r2:.6f}" for f in ranked)
            if snap.chosen is None:
                verdict = f"kept ({snap.note})" if snap.note else "kept"
            else:
                a, b, c, d = snap.chosen.params
                verdict = (
                    f"-> {snap.chosen.function} (a={a:.4g}, b={b:.4g}, c={c:.4g}, d={d:.4g}), "
                    f"R^2 {snap.chosen.r2:.6f}"
                )
            where = f"unit {snap.edge[0]}" if len(snap.edge) == 1 else "{} -> {}".format(*snap.edge)
            out.append(f"  {snap.layer}[{where}]: {verdict}; best R^2: {best}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


# Functions whose R^2 is within TIE of the best, or whose unexplained variance
# 1 - R^2 is at most SIMPLER times the best's, count as tied; the earliest
# (simplest) of the library wins a tie. The tie is needed where a later
# function contains an earlier one as a limit: sin(b x + pi/2) with a small b
# is a parabola plus a small quartic term, and that term fits whatever a
# trained spline carries besides its x^2 (pykan's hellokan x2 edge: the sine's
# 1 - R^2 6e-7 to 1e-6 against x^2's 6e-6 to 9e-6 over runs, a ratio of 3 to
# 15, where a sine fine-tunes to 5e-4 and x^2 to 1e-15). SIMPLER takes pykan's
# rate by analogy: its suggest_symbolic (called by auto_symbolic) scores
# 0.8 * complexity + 0.2 * log2(1 + 1e-5 - R^2), so one step of its complexity
# outweighs a 16x better 1 - R^2 (well above its 1e-5 floor). Here the order of
# the library stands for complexity; pykan counts x^2 and sin both as 2.
TIE = 1e-6
SIMPLER = 16.0


def choose(fits: list, min_r2: float) -> Fit | None:
    """The earliest fit reaching ``min_r2`` and tied with the best (see :data:`SIMPLER`)."""
    best = max(f.r2 for f in fits)
    if not best >= min_r2:
        return None
    return next(
        f
        for f in fits
        if f.r2 >= min_r2 and (f.r2 >= best - TIE or 1 - f.r2 <= SIMPLER * (1 - best))
    )


def snap(model, x, *, library=None, min_r2: float = 0.99):
    """Snap every ``KANDense`` edge (and elementwise activation unit) whose best
    ``a g(b x + c) + d`` reaches R^2 ``min_r2``.

    Formula:
        for edge phi_ij and each g: min_{a,b,c,d} sum_n (phi_ij(x_n) - a g(b x_n + c) - d)^2,
        R^2 = 1 - SSE / sum_n (phi_ij(x_n) - mean)^2, on the layer's inputs x_n of ``x``.

    The original model is left unchanged: a new model is built (its
    ``KANDense`` layers replaced by :class:`~learnact.layers.SnappedKANDense`
    with the same weights), in which the snapped edges are ``a g(b x + c) + d``
    with trainable ``a, b, c, d``; continue training it (e.g. with
    ``learnact.training.fit_lbfgs``) to polish them.

    Elementwise learned activations (``Rational``, ``TaylorExpansion`` with
    ``merge="sum"``, ``SoftExponential``, single-output
    ``parametric_activation``) are fitted unit by unit (a unit: one distinct
    function, :func:`unit_ids`) on the layer's inputs and outputs; a layer
    is replaced by a :class:`~learnact.layers.SnappedActivation` (trainable
    ``a, b, c, d`` per unit) when *every* unit reaches ``min_r2``, and kept
    whole otherwise (the table says so).

    Args:
        model: a built Sequential or functional Keras model with ``KANDense``
            layers or elementwise learned activations.
        x: input data (as the model takes it), finite.
        library: None for every built-in function (x, x^2, x^3, x^4, 1/x,
            sqrt, exp, log, sin, cos, tanh, abs, gaussian, J0), or a list of
            names / :class:`SymbolicFunction` (see :func:`add_function`).
        min_r2: the R^2 an edge's best fit must reach to be snapped, in [0, 1].

    Returns:
        ``(snapped_model, table)``: the new model and a :class:`SnapTable`.

    Raises:
        ValueError: data with NaN or inf, nothing to snap, a bad ``library``,
            or a ``min_r2`` that is not a number in [0, 1] (naming ``min_r2``
            and the value; the model is left unchanged).

    Example:
        >>> import keras, numpy as np
        >>> from learnact.layers import KANDense
        >>> model = keras.Sequential([keras.Input((1,)), KANDense(1, base_activation=None)])
        >>> x = np.linspace(-1, 1, 200)[:, None].astype("float32")
        >>> snapped, table = snap(model, x, library=["x", "x^2"], min_r2=1.0)
        >>> [edge.chosen for edge in table.edges], type(snapped.layers[0]).__name__
        ([None], 'SnappedKANDense')
    """
    # An R^2 is at most 1; above it nothing could ever be snapped, below 0 everything would.
    min_r2 = check_real("min_r2", min_r2, minimum=0.0, maximum=1.0)
    functions = library_functions(library)
    arrays = x if isinstance(x, (list, tuple)) else [x]
    for array in arrays:
        values = np.asarray(array, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise UserInputError(
                f"`x` must be finite; received {int(np.sum(~np.isfinite(values)))} NaN or "
                f"infinite value(s) among {values.size}"
            )
    layers = [layer for layer in _all_layers(model) if isinstance(layer, KANDense)]
    units = [layer for layer in _all_layers(model) if snappable_activation(layer)]
    if not layers and not units:
        raise UserInputError(
            f"model {model.name!r} has no KANDense layer and no elementwise learned "
            "activation to snap"
        )

    edges, chosen = [], {}
    for layer in layers:
        inputs = layer_inputs(model, x, layer)
        values = evaluate(layer, inputs, "edge_values")
        already = {(i, j) for i, j, _ in getattr(layer, "symbolic_edges", [])}
        inputs = inputs.reshape(-1, inputs.shape[-1])
        values = values.reshape(-1, *values.shape[-2:])
        for i in range(values.shape[-2]):
            for j in range(values.shape[-1]):
                if (i, j) in already:
                    continue
                fits = [fit_function(f, inputs[:, i], values[:, i, j]) for f in functions]
                pick = choose(fits, min_r2)
                edges.append(EdgeSnap(layer.name, (i, j), fits, pick))
                if pick is not None:
                    chosen.setdefault(layer.name, []).append(((i, j), pick))
    for layer in units:
        inputs = layer_inputs(model, x, layer)
        outputs = evaluate(layer, inputs)
        ids = unit_ids(layer, inputs.shape[1:])
        found = []
        for u in range(int(ids.max()) + 1):
            here = ids == u
            xs, ys = inputs[:, here].reshape(-1), outputs[:, here].reshape(-1)
            if len(xs) > MAX_SAMPLES:  # evenly spread in x: the fit's cost, not its quality
                keep = np.argsort(xs)[np.linspace(0, len(xs) - 1, MAX_SAMPLES).astype(int)]
                xs, ys = xs[keep], ys[keep]
            fits = [fit_function(f, xs, ys) for f in functions]
            found.append(EdgeSnap(layer.name, (u,), fits, choose(fits, min_r2)))
        if all(entry.chosen is not None for entry in found):
            chosen[layer.name] = [entry.chosen for entry in found]
        else:
            missing = sum(entry.chosen is None for entry in found)
            for entry in found:
                if entry.chosen is not None:
                    entry.chosen = None
                    entry.note = f"{missing} other unit(s) of the layer do not fit"
        edges.extend(found)
    table = SnapTable(edges, min_r2)
    return _snapped_model(model, chosen), table


# The samples of one unit the fit sees at most (a unit shared over an image's
# pixels sees batch * height * width values).
MAX_SAMPLES = 4096


def snappable_activation(layer) -> bool:
    """Whether ``layer`` is an elementwise learned activation :func:`snap` can replace.

    Rational, TaylorExpansion (``merge="sum"``), SoftExponential and
    single-output ``parametric_activation`` layers: one function of one
    input per unit.
    """
    from learnact.layers import Rational, SnappedActivation, SoftExponential, TaylorExpansion
    from learnact.layers.parametric import _ParametricActivation

    if isinstance(layer, SnappedActivation):
        return False
    if isinstance(layer, TaylorExpansion):
        return layer.merge == "sum"
    if isinstance(layer, _ParametricActivation):
        return layer._outputs == 1
    return isinstance(layer, (Rational, SoftExponential))


def unit_ids(layer, shape) -> np.ndarray:
    """The unit (0, 1, ...) of every element of one sample of shape ``shape``.

    A unit is one distinct function: one per element of the parameters'
    shape (shared axes have size 1 and broadcast), or one per group of
    channels on the last axis for ``groups``.

    Example:
        >>> from learnact.layers import Rational
        >>> layer = Rational(groups=2)
        >>> layer.build((None, 4))
        >>> unit_ids(layer, (4,)).tolist()
        [0, 0, 1, 1]
    """
    shape = tuple(shape)
    groups = getattr(layer, "groups", None)
    if groups:
        ids = np.repeat(np.arange(groups), shape[-1] // groups)
        return np.broadcast_to(ids, shape)
    units = layer.parameter_shape((None, *shape))
    return np.broadcast_to(np.arange(int(np.prod(units, dtype=int))).reshape(units), shape)


def _all_layers(model) -> list:
    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer))
    return found


def _snapped_model(model, chosen: dict):
    """A copy of ``model`` with every KANDense a SnappedKANDense carrying the chosen edges."""
    replaced = {}

    def clone(layer):
        if layer.name in chosen and snappable_activation(layer):
            twin = SnappedActivation(
                [fit.function for fit in chosen[layer.name]],
                groups=getattr(layer, "groups", None),
                shared_axes=layer.shared_axes,
                name=layer.name,
                dtype=layer.dtype_policy,
            )
            replaced[layer.name] = (layer, twin, None, chosen[layer.name])
            return twin
        if isinstance(layer, KANDense):
            config = layer.get_config()
            old = [tuple(e) for e in config.pop("symbolic_edges", [])]
            new = [(i, j, fit.function) for (i, j), fit in chosen.get(layer.name, [])]
            config["symbolic_edges"] = old + new
            # Every weight of the twin is copied below: built drawing nothing.
            twin, restore = rebuild(SnappedKANDense, config)
            restores.append(restore)
            replaced[layer.name] = (layer, twin, old, chosen.get(layer.name, []))
            return twin
        return layer.__class__.from_config(layer.get_config())

    restores = []
    snapped = keras.models.clone_model(model, clone_function=clone)
    for restore in restores:
        restore()
    for source, target in zip(_all_layers(model), _all_layers(snapped), strict=True):
        if source.name in replaced and isinstance(target, SnappedActivation):
            _, twin, _, fits = replaced[source.name]
            params = np.array([fit.params for fit in fits]).reshape(tuple(twin.affine.shape))
            twin.affine.assign(params.astype(twin.affine.dtype))
        elif source.name in replaced:
            layer, twin, old, fits = replaced[source.name]
            copy_variable(twin.grid, layer.grid)
            copy_variable(twin.spline_kernel, layer.spline_kernel)
            if layer.spline_scale is not None:
                copy_variable(twin.spline_scale, layer.spline_scale)
            if layer.base_kernel is not None:
                copy_variable(twin.base_kernel, layer.base_kernel)
            if layer.bias is not None:
                copy_variable(twin.bias, layer.bias)
            affine = [np.asarray(keras.ops.convert_to_numpy(layer.affine))] if old else []
            affine += [np.array([fit.params for _, fit in fits])] if fits else []
            if affine:
                twin.affine.assign(np.concatenate(affine).astype(twin.affine.dtype))
        elif not isinstance(source, keras.Model):
            target.set_weights(source.get_weights())
    return snapped


__all__ = [
    "LIBRARY_NAMES",
    "EdgeSnap",
    "Fit",
    "SnapTable",
    "SymbolicFunction",
    "add_function",
    "choose",
    "fit_function",
    "library_functions",
    "snap",
    "snappable_activation",
    "unit_ids",
]
