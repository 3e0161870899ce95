"""Grids of ``KANDense`` layers, as pykan has them: adapt to the data, refine, keep the function.

A KAN's splines live on a grid; pykan moves the grid to where the inputs of
each layer actually are (``update_grid_from_samples``) and makes it finer
during training (``refine``), each time refitting the spline coefficients by
least squares so that the network computes the same function as before:

* :func:`update_grids`: every ``KANDense`` of a model gets a grid blended from
  the percentiles of its inputs on ``x`` and a uniform grid over their range
  (``grid_eps`` of uniform, pykan's 0.02), its coefficients refitted; the
  layers are updated first to last, each on the inputs the updated layers
  before it produce;
* :func:`refine`: a copy of the model with ``grid_size`` intervals per grid
  (pykan's grid extension), the new grid interpolated from the old one and
  the coefficients fitted to the old splines on ``x``.

Only the spline branch depends on the grid: the base branch and the bias are
kept as they are, and the least-squares fit of each edge's spline is the only
change, measured and returned.
"""

from __future__ import annotations

import numpy as np

from learnact._checks import check_int, check_real
from learnact._keras_private import keep_64_bit_results
from learnact.errors import UserInputError
from learnact.layers import KANDense
from learnact.layers.cloning import rebuild
from learnact.layers.evaluation import copy_variable, layer_inputs
from learnact.ops.basis import extend_grid, kan_basis_array


def kan_layers(model) -> list:
    """Return the ``KANDense`` layers of ``model`` (a KANDense, Sequential or functional model).

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), KANDense(3), KANDense(1)])
        >>> [layer.units for layer in kan_layers(model)]
        [3, 1]
    """
    if isinstance(model, KANDense):
        return [model]
    layers = [layer for layer in getattr(model, "layers", []) if isinstance(layer, KANDense)]
    if not layers:
        raise UserInputError(f"`model` holds no KANDense layer; received model={model!r}")
    return layers


def _input_shape(model) -> tuple | None:
    """Return the per-example input shape ``model`` takes, or None where it is not known yet."""
    if isinstance(model, KANDense):
        # A built KANDense knows its input width from its kernel: (inputs, K, units).
        return (int(model.spline_kernel.shape[0]),) if model.built else None
    try:
        inputs = model.inputs
    except AttributeError:  # an unbuilt Sequential without an Input
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape[1:])


def check_batch(name: str, x, model=None) -> np.ndarray:
    """Return ``x`` as a float64 NumPy batch, refusing an empty one or one with NaN or inf.

    With ``model``, also refuse a batch whose examples do not have the shape
    the model takes (e.g. 3 features for a model on 2): checked before any
    layer sees it, so the error names ``x`` rather than being Keras's
    broadcasting error from inside a layer, and nothing is changed.

    Raises:
        UserInputError: naming ``name``, the shape received and, with
            ``model``, the shape expected.

    Example:
        >>> check_batch("x", [[0.0, 1.0]]).shape
        (1, 2)
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), KANDense(1)], name="kan")
        >>> check_batch("x", [[0.0, 1.0, 2.0]], model)
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: `x` must be a batch of shape (examples, 2) ... shape (1, 3)
    """
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserInputError(
            f"`{name}` must be an array of numbers; received {name}={x!r}"
        ) from None
    if array.ndim < 2 or array.shape[0] == 0:
        raise UserInputError(
            f"`{name}` must be a non-empty batch (examples, features); received shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise UserInputError(f"`{name}` must hold finite numbers (no NaN or inf); received {x!r}")
    expected = None if model is None else _input_shape(model)
    if expected is not None and (
        len(expected) != array.ndim - 1
        or any(e is not None and e != a for e, a in zip(expected, array.shape[1:], strict=True))
    ):
        dims = ", ".join(str(e) for e in expected)
        raise UserInputError(
            f"`{name}` must be a batch of shape (examples, {dims}) for model {model.name!r}; "
            f"received {name} of shape {array.shape}"
        )
    return array


def _tensor(array, layer):
    import keras

    return keras.ops.convert_to_tensor(np.asarray(array, dtype=layer.compute_dtype))


def _numpy(tensor) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float64)


def spline_values(layer, inputs, knots=None) -> np.ndarray:
    """Every edge's ``sum_k spline_kernel[i, k, j] B_k(x_i)``: ``(batch, inputs, units)``.

    The unscaled spline: a ``spline_scale`` (when the layer has one) multiplies
    it, is not changed by grid updates and refinement, and is left out here so
    that the refitted ``spline_kernel`` keeps the function with it.
    """
    knots = _numpy(layer.grid) if knots is None else knots
    basis = kan_basis_array(inputs, knots, layer.basis, layer.spline_order, layer.compute_dtype)
    return np.einsum("nik,ikj->nij", basis, _numpy(layer.spline_kernel))


def fit_coefficients(layer, inputs, knots, targets) -> np.ndarray:
    """Least-squares coefficients ``(inputs, K, units)`` on ``knots`` best giving ``targets``.

    ``targets`` is ``(batch, inputs, units)``: one curve per edge; each input's
    edges share one design matrix (its basis functions at its samples).
    """
    basis = kan_basis_array(inputs, knots, layer.basis, layer.spline_order, layer.compute_dtype)
    coefficients = np.empty((basis.shape[1], basis.shape[2], targets.shape[2]))
    for i in range(basis.shape[1]):
        coefficients[i], *_ = np.linalg.lstsq(basis[:, i, :], targets[:, i, :], rcond=None)
    return coefficients


def adaptive_points(inputs, grid_size: int, grid_eps: float) -> np.ndarray:
    """Grid points ``(features, G + 1)``: ``grid_eps`` uniform + ``1 - grid_eps`` percentiles.

    pykan's ``update_grid_from_samples``: the percentile grid puts the knots
    where the samples are; the uniform share keeps the points strictly
    increasing when samples repeat. An input whose samples are all equal gets
    a grid of width 2 around that value (a zero-width grid has no B-splines).

    Example:
        >>> adaptive_points(np.array([[0.0], [1.0], [2.0], [10.0]]), 2, 0.0)
        array([[ 0.,  2., 10.]])
    """
    n = inputs.shape[0]
    ordered = np.sort(inputs, axis=0)
    ids = [int(n / grid_size * i) for i in range(grid_size)] + [n - 1]
    percentile = ordered[ids].T
    low, high = percentile[:, :1], percentile[:, -1:]
    flat = (high - low) <= 1e-12 * np.maximum(1.0, np.abs(low))
    low = np.where(flat, low - 1.0, low)
    high = np.where(flat, high + 1.0, high)
    uniform = low + (high - low) / grid_size * np.arange(grid_size + 1)
    percentile = np.where(flat, uniform, percentile)
    return grid_eps * uniform + (1 - grid_eps) * percentile


def _grid_points(layer) -> np.ndarray:
    """The layer's grid points ``(inputs, G + 1)``, without the extension knots."""
    knots = _numpy(layer.grid)
    k = layer.spline_order
    return knots[:, k : knots.shape[1] - k]


def _rms(a) -> float:
    return float(np.sqrt(np.mean(np.square(a)))) if a.size else 0.0


def update_layer_grid(layer, inputs, grid_eps: float = 0.02) -> float:
    """Adapt one ``KANDense``'s grid to ``inputs``, refit its splines; return the RMS change."""
    before = spline_values(layer, inputs)
    knots = extend_grid(adaptive_points(inputs, layer.grid_size, grid_eps), layer.spline_order)
    coefficients = fit_coefficients(layer, inputs, knots, before)
    layer.grid.assign(_tensor(knots, layer))
    layer.spline_kernel.assign(_tensor(coefficients, layer))
    return _rms(((spline_values(layer, inputs) - before) * _scale(layer)).sum(axis=1))


def _scale(layer) -> np.ndarray:
    """The layer's ``spline_scale`` ``(inputs, units)``, ones where it has none."""
    if layer.spline_scale is None:
        return np.ones((int(layer.spline_kernel.shape[0]), layer.units))
    return _numpy(layer.spline_scale)


def update_grids(model, x, *, grid_eps: float = 0.02) -> list[float]:
    """Adapt every ``KANDense`` grid of ``model`` to its inputs on ``x``, keeping the function.

    Formula (per layer, per input ``i``, from its ``N`` samples sorted, ``s``):
        p_j = grid_eps * (s_0 + j (s_{N-1} - s_0) / G) + (1 - grid_eps) * s_{floor(jN/G)}
        (p_G from s_{N-1}), extended by ``spline_order`` knots each side;
        c_i = argmin_c || B(x_i; new grid) c - spline_i(x_i; old grid) ||^2

    Args:
        model: a ``KANDense`` layer, or a Sequential / functional model with
            ``KANDense`` layers (updated first to last, each on the inputs the
            updated layers before it produce).
        x: a batch of model inputs ``(examples, features)``, not empty, finite.
        grid_eps: share of the uniform grid in the blend, in [0, 1] (pykan: 0.02).

    Returns:
        One number per ``KANDense``: the RMS (over ``x`` and the units) of the
        change of the layer's output, the least-squares fit's error.

    Raises:
        ValueError: an empty ``x``, NaN or inf in it, ``grid_eps`` outside
            [0, 1], or a model without ``KANDense``. Nothing is changed then;
            if a later layer fails, the earlier ones are restored too.

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((1,)), KANDense(1, grid_size=4)])
        >>> x = np.linspace(0.0, 0.5, 64)[:, None]
        >>> errors = update_grids(model, x)
        >>> keras.ops.convert_to_numpy(model.layers[0].grid)[0, 3:-3].round(3)  # spans the data
        array([0.   , 0.127, 0.254, 0.381, 0.5  ], dtype=float32)
    """
    x = check_batch("x", x, model)
    grid_eps = check_real("grid_eps", grid_eps, minimum=0.0, maximum=1.0)
    layers = kan_layers(model)
    saved = [(_numpy(layer.grid), _numpy(layer.spline_kernel)) for layer in layers]
    errors = []
    try:
        with keep_64_bit_results():
            for layer in layers:
                inputs = layer_inputs(model, x, layer)
                if not np.all(np.isfinite(inputs)):
                    raise UserInputError(
                        f"the inputs of layer {layer.name!r} on `x` are not all finite"
                    )
                errors.append(update_layer_grid(layer, inputs, grid_eps))
    except BaseException:
        for layer, (grid, kernel) in zip(layers, saved, strict=True):
            layer.grid.assign(_tensor(grid, layer))
            layer.spline_kernel.assign(_tensor(kernel, layer))
        raise
    return errors


def refine(model, grid_size: int, x, *, return_error: bool = False):
    """Return a copy of ``model`` whose ``KANDense`` grids have ``grid_size`` intervals.

    pykan's grid extension: the new grid points interpolate the old ones
    (linearly, at ``grid_size + 1`` evenly spaced positions along them), and
    each edge's new spline is the least-squares fit, on that layer's inputs on
    ``x``, of the old spline; base weights, biases and every other layer are
    copied. Training then continues from the same function, up to the fit's
    error (0 inside the grid when ``grid_size`` is a multiple of the old one,
    for B-splines: the old space is contained in the new one).

    Args:
        model: a ``KANDense`` or a Sequential / functional model of them
            (other layers are copied as they are).
        grid_size: the new number of intervals (>= 1).
        x: a batch of model inputs, not empty, finite.
        return_error: also return the error.

    Returns:
        The new model; with ``return_error=True``, ``(new_model, error)``,
        ``error`` the RMS difference of the two models' outputs on ``x``.

    Raises:
        ValueError: a ``grid_size`` that is not a positive integer, an empty
            ``x`` or one with NaN or inf, a model without ``KANDense``.

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((2,)), KANDense(3, grid_size=3)])
        >>> x = np.random.default_rng(0).uniform(-1, 1, (200, 2))
        >>> finer, error = refine(model, 6, x, return_error=True)
        >>> finer.layers[0].grid_size, bool(error < 1e-6)
        (6, True)
    """
    import keras

    grid_size = check_int("grid_size", grid_size, minimum=1)
    x = check_batch("x", x, model)
    old_layers = kan_layers(model)

    restores = []

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, KANDense):
            config["grid_size"] = grid_size
        new, restore = rebuild(type(layer), config)
        restores.append(restore)
        return new

    with keep_64_bit_results():
        if isinstance(model, KANDense):
            new_model = clone(model)
            new_model.build((None, x.shape[1]))
            pairs = [(model, new_model)]
        else:
            new_model = keras.models.clone_model(model, clone_function=clone)
            pairs = list(zip(model.layers, new_model.layers, strict=True))
        for restore in restores:
            restore()
        for old, new in pairs:
            if not isinstance(old, KANDense):
                new.set_weights(old.get_weights())
                continue
            inputs = layer_inputs(model, x, old)
            points = _grid_points(old)
            positions = np.linspace(0, old.grid_size, grid_size + 1)
            fine = np.stack([np.interp(positions, np.arange(old.grid_size + 1), p) for p in points])
            knots = extend_grid(fine, old.spline_order)
            coefficients = fit_coefficients(new, inputs, knots, spline_values(old, inputs))
            new.grid.assign(_tensor(knots, new))
            new.spline_kernel.assign(_tensor(coefficients, new))
            if old.spline_scale is not None:
                copy_variable(new.spline_scale, old.spline_scale)
            if old.base_kernel is not None:
                copy_variable(new.base_kernel, old.base_kernel)
            if old.bias is not None:
                copy_variable(new.bias, old.bias)
            if getattr(old, "affine", None) is not None:  # a SnappedKANDense's snapped edges
                copy_variable(new.affine, old.affine)
        if not return_error:
            return new_model
        first = old_layers[0]
        error = _rms(_numpy(new_model(_tensor(x, first))) - _numpy(model(_tensor(x, first))))
    return new_model, error


__all__ = [
    "adaptive_points",
    "check_batch",
    "fit_coefficients",
    "kan_layers",
    "layer_inputs",
    "refine",
    "spline_values",
    "update_grids",
    "update_layer_grid",
]
