"""A Kolmogorov-Arnold classifier: ``KANDense`` layers on flattened images."""

from __future__ import annotations

import keras

from learnact._checks import check_int
from learnact.errors import UserInputError

# Widest grid a model spec may ask for: beyond it the spline kernel of a
# 3072-input image layer passes 10**8 weights per 64 hidden units.
MAX_GRID_SIZE = 100


def check_grid_size(grid_size) -> int:
    """Return ``grid_size`` as an int in ``[1, MAX_GRID_SIZE]``.

    Raises:
        UserInputError: naming ``grid_size`` and the value received.

    Example:
        >>> check_grid_size(5)
        5
    """
    return check_int("grid_size", grid_size, minimum=1, maximum=MAX_GRID_SIZE)


def kan_classifier(
    input_shape,
    num_classes,
    grid_size=5,
    hidden=(64,),
    basis="bspline",
    spline_order=3,
    name="kan",
):
    """Build a KAN (an MLP of :class:`~learnact.layers.KANDense`) on flattened images.

    Architecture (efficient-kan's MNIST network)::

        Flatten -> KANDense(hidden[0]) -> ... -> KANDense(num_classes) -> softmax

    Pixels in [0, 1] lie inside the default grid range (-1, 1); every edge
    of every layer learns its own function of one input.

    Args:
        input_shape: shape of one example, e.g. ``(8, 8, 1)``.
        num_classes: number of classes (>= 2).
        grid_size: grid intervals of every layer, 1 to :data:`MAX_GRID_SIZE`.
        hidden: widths of the hidden KAN layers (may be empty).
        basis: the ``KANDense`` basis ("bspline", "chebyshev", "rbf", "fourier").
        spline_order: the ``KANDense`` spline order.
        name: model name.

    Returns:
        An uncompiled functional ``keras.Model`` mapping images to class
        probabilities; its KAN layers are named ``kan1``, ``kan2``, ...

    Raises:
        UserInputError: a bad ``grid_size``, ``num_classes``, hidden width or
            input shape, or a bad ``KANDense`` argument.

    Example:
        >>> model = kan_classifier((8, 8, 1), 10, grid_size=3)
        >>> [layer.name for layer in model.layers[2:]], model.output_shape
        (['kan1', 'kan2', 'probabilities'], (None, 10))
    """
    from learnact.layers import KANDense

    grid_size = check_grid_size(grid_size)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if not shape or min(shape) < 1:
        raise UserInputError(
            f"`input_shape` must be positive dimensions; received input_shape={input_shape!r}"
        )
    widths = [check_int("hidden", width, minimum=1) for width in hidden] + [num_classes]
    inputs = keras.Input(shape=shape, name="images")
    h = keras.layers.Flatten(name="flatten")(inputs)
    for index, width in enumerate(widths, start=1):
        h = KANDense(
            width,
            basis=basis,
            grid_size=grid_size,
            spline_order=spline_order,
            name=f"kan{index}",
        )(h)
    outputs = keras.layers.Softmax(name="probabilities")(h)
    return keras.Model(inputs, outputs, name=name)


__all__ = ["MAX_GRID_SIZE", "check_grid_size", "kan_classifier"]
