"""A CIFAR-10 CNN with and without a learnable series expansion.

The network is the one of the Stack Overflow question "How do I implement a
Maclaurin series in Keras?": two convolutions, a 512-unit dense layer, and
each node of that layer expanded into a learned series.
"""

from __future__ import annotations

import keras

from learnact._checks import check_choice, check_int
from learnact.errors import UserInputError
from learnact.layers.limits import check_order

# What follows the 512-unit layer; a new kind is a name here and a branch in expandable_cnn.
EXPANSIONS = ("taylor", "polynomial_dense", "rational", None)


def check_expansion(expansion):
    """Return ``expansion`` as one of :data:`EXPANSIONS`.

    Spellings are forgiving: any case, ``-`` for ``_``, and ``"none"`` for None.

    Raises:
        UserInputError: naming ``expansion`` and the choices.

    Example:
        >>> check_expansion("Polynomial-Dense"), check_expansion("none")
        ('polynomial_dense', None)
    """
    if isinstance(expansion, str):
        expansion = expansion.lower().replace("-", "_")
        expansion = None if expansion == "none" else expansion
    return check_choice("expansion", expansion, EXPANSIONS)


def _check_shape(input_shape, num_classes):
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        shape = None
    if shape is None or len(shape) != 3 or min(shape) < 1:
        raise UserInputError(
            f"`input_shape` must be (height, width, channels); received input_shape={input_shape!r}"
        )
    if min(shape[:2]) < 4:
        # Two 3x3 convolutions (one "valid") and a 2x2 pool need at least 4x4 images.
        raise UserInputError(f"`input_shape` must be at least 4x4; received input_shape={shape!r}")
    return shape, check_int("num_classes", num_classes, minimum=2)


def _features(inputs):
    """The question's trunk: conv-conv-pool-dropout-flatten-dense(512)-dropout."""
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(inputs)
    h = keras.layers.Conv2D(32, 3, activation="relu", name="conv2")(h)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h = keras.layers.Dropout(0.25, name="dropout1")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(512, activation="relu", name="dense")(h)
    return keras.layers.Dropout(0.5, name="dropout2")(h)


def expandable_cnn(input_shape, num_classes, order=3, expansion="taylor", name=None):
    """Build the "expandable CNN": the question's CIFAR-10 CNN with a learned series expansion.

    Architecture (the question's)::

        Conv2D(32, 3x3, same, relu) -> Conv2D(32, 3x3, relu) -> MaxPool(2x2)
        -> Dropout(.25) -> Flatten -> Dense(512, relu) -> Dropout(.5)
        -> expansion -> Dense(num_classes, softmax)

    ``expansion``:

    - ``"taylor"``: :class:`~learnact.layers.TaylorExpansion` of ``order`` on
      each of the 512 features, ``h_i -> sum_p c_ip h_i^p`` (the accepted
      answer's ``taylor_expansion_network``), starting as the identity.
    - ``"polynomial_dense"``: the asker's own ``Dense(x) + sum_i Dense(x**i)``:
      the classifier becomes :class:`~learnact.layers.PolynomialDense`,
      ``softmax(sum_{p=1..order} h^p @ W_p + b)``. It replaces the last
      ``Dense`` rather than adding a 512x512 polynomial layer before it, so
      ``order=1`` is exactly the baseline and parameters grow by only
      ``512 * num_classes`` per order.
    - ``"rational"``: Padé activation units in place of the series:
      :class:`~learnact.layers.Rational` of degrees ``(order, max(order - 1, 1))``
      (PAU's ``(5, 4)`` at ``order=5``) on each of the 512 features, in the
      safe form, starting as PAU's default ``leaky_relu`` fit (on the
      post-ReLU features, >= 0, that is the identity up to the fit's error;
      "identity" itself would leave the safe-form denominators at exactly 0,
      where their gradient is 0).
    - ``None``: no expansion, i.e. :func:`baseline_cnn`.

    Args:
        input_shape: ``(height, width, channels)``, at least 4x4 (8x8x1 digits,
            28x28x1 MNIST, 32x32x3 CIFAR-10).
        num_classes: number of classes (>= 2).
        order: highest power of the expansion, 1 to 16 (unused without one;
            the numerator degree of "rational").
        expansion: "taylor", "polynomial_dense", "rational" or None.
        name: model name (default "expandable_cnn", or "baseline_cnn" without
            expansion).

    Returns:
        An uncompiled functional ``keras.Model`` mapping images to class
        probabilities; the expansion layer is named ``"expansion"``.

    Raises:
        UserInputError: an unknown ``expansion``, ``order`` outside [1, 16], an
            input shape that is not 3-D and at least 4x4, or fewer than 2
            classes.

    Example:
        >>> model = expandable_cnn((8, 8, 1), 10, order=3)
        >>> model.get_layer("expansion").order
        3
    """
    expansion = check_expansion(expansion)
    order = None if expansion is None else check_order(order)
    shape, num_classes = _check_shape(input_shape, num_classes)
    from learnact.layers import PolynomialDense, Rational, TaylorExpansion

    inputs = keras.Input(shape=shape, name="images")
    h = _features(inputs)
    if expansion == "taylor":
        h = TaylorExpansion(order=order, name="expansion")(h)
    if expansion == "rational":
        h = Rational(order, max(order - 1, 1), name="expansion")(h)
    if expansion == "polynomial_dense":
        outputs = PolynomialDense(num_classes, order=order, activation="softmax", name="expansion")(
            h
        )
    else:
        outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(h)
    default = "baseline_cnn" if expansion is None else "expandable_cnn"
    return keras.Model(inputs, outputs, name=name or default)


def baseline_cnn(input_shape, num_classes, name=None):
    """Build the question's CIFAR-10 CNN with its fixed ReLUs and no expansion.

    Same as ``expandable_cnn(input_shape, num_classes, expansion=None)``: the
    reference the expandable models are compared against.

    Args:
        input_shape: ``(height, width, channels)``, at least 4x4.
        num_classes: number of classes (>= 2).
        name: model name (default "baseline_cnn").

    Returns:
        An uncompiled functional ``keras.Model``.

    Raises:
        ValueError: a bad ``input_shape`` or ``num_classes``.

    Example:
        >>> baseline_cnn((32, 32, 3), 10).output_shape
        (None, 10)
    """
    return expandable_cnn(input_shape, num_classes, expansion=None, name=name)
