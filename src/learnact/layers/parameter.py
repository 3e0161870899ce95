"""``Parameter``: how one trainable parameter of an elementwise layer is made.

A ``Parameter`` bundles the Keras initializer, regularizer and constraint of a
weight (PReLU's ``alpha_initializer/_regularizer/_constraint`` triple), whether
it trains, and any trailing shape it has beyond the per-element shape (the
order axis of a series layer, for instance).
"""

from __future__ import annotations

import keras

from learnact._checks import check_int
from learnact.errors import UserInputError


@keras.saving.register_keras_serializable(package="learnact")
class Parameter:
    """Specification of one per-element parameter of a learnact layer.

    The weight created from it has shape ``param_shape + shape`` where
    ``param_shape`` is the layer input's shape without the batch axis, with
    ``shared_axes`` set to 1 (PReLU's convention).

    Args:
        initializer: Keras initializer (name, instance or config). Default zeros.
        regularizer: Keras regularizer or None, e.g. ``"l2"``.
        constraint: Keras constraint or None, e.g. ``"non_neg"``.
        trainable: False makes the parameter a fixed, saved constant (the
            "Lambda layer" case of the Stack Overflow answer on custom
            activations in Keras, without a ``Lambda``).
        shape: extra trailing dimensions of the weight, e.g. ``(order + 1,)``.

    Raises:
        ValueError: if an argument is not a valid Keras object or ``shape`` is
            not a tuple of positive integers.

    Example:
        >>> beta = Parameter(initializer="ones", regularizer="l2", shape=(3,))
        >>> beta
        Parameter(initializer=Ones, trainable=True, shape=(3,))
    """

    def __init__(
        self,
        initializer="zeros",
        regularizer=None,
        constraint=None,
        trainable: bool = True,
        shape: tuple = (),
    ):
        try:
            self.initializer = keras.initializers.get(initializer)
            self.regularizer = keras.regularizers.get(regularizer)
            self.constraint = keras.constraints.get(constraint)
        except (ValueError, TypeError) as exc:
            raise UserInputError(f"invalid Parameter argument: {exc}") from exc
        if not isinstance(trainable, bool):
            raise UserInputError(f"`trainable` must be a bool; received trainable={trainable!r}")
        self.trainable = trainable
        if isinstance(shape, int):
            shape = (shape,)
        self.shape = tuple(check_int("shape", d, minimum=1) for d in shape)

    def get_config(self) -> dict:
        """Return the JSON-serializable configuration."""
        return {
            "initializer": keras.initializers.serialize(self.initializer),
            "regularizer": keras.regularizers.serialize(self.regularizer),
            "constraint": keras.constraints.serialize(self.constraint),
            "trainable": self.trainable,
            "shape": list(self.shape),
        }

    @classmethod
    def from_config(cls, config: dict) -> Parameter:
        """Rebuild a ``Parameter`` from :meth:`get_config`'s output."""
        return cls(**{**config, "shape": tuple(config.get("shape", ()))})

    def __repr__(self) -> str:
        init = type(self.initializer).__name__
        return f"Parameter(initializer={init}, trainable={self.trainable}, shape={self.shape})"
