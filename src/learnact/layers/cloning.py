"""A ``KANDense`` rebuilt from a config, its weights about to be overwritten: no random draws.

Refinement, pruning and snapping make new layers from old ones' configs and
then assign every weight. Built with their own initializers, the new layers
would first draw weights that are thrown away, and on JAX each random
initializer compiles a program for each new weight shape (docs/kan_tasks.md).
:func:`rebuild`
builds with zeros instead and puts the layer's own initializers back once it
is built, so its config (and a later ``from_config``) is unchanged.
"""

from __future__ import annotations

import keras

from learnact.layers.kan_dense import KANDense

_SUFFIX = "_initializer"


def rebuild(cls, config: dict):
    """Return ``(layer, restore)``: ``cls.from_config(config)`` drawing nothing when built.

    Formula: every ``*_initializer`` of a ``KANDense`` config is ``"zeros"``
    until ``restore()`` (call it once the layer is built) puts the config's
    own back; another class is built from ``config`` as it is.

    Args:
        cls: the layer class (``KANDense`` or a subclass, or any Keras layer).
        config: the layer's config (from ``get_config``), with any changes.

    Returns:
        The unbuilt layer and a function of no arguments.

    Raises:
        What ``cls.from_config`` raises; an initializer of ``config`` that Keras
        cannot read raises from ``restore()``, as ``from_config`` would have.

    Example:
        >>> layer, restore = rebuild(KANDense, KANDense(2).get_config())
        >>> layer.build((None, 3))
        >>> float(keras.ops.max(keras.ops.abs(layer.spline_kernel)))
        0.0
        >>> restore()
        >>> layer.get_config()["base_kernel_initializer"]["class_name"]
        'GlorotUniform'
    """
    if not issubclass(cls, KANDense):
        return cls.from_config(config), lambda: None
    replaced = {
        key: value for key, value in config.items() if key.endswith(_SUFFIX) and value is not None
    }
    layer = cls.from_config({**config, **dict.fromkeys(replaced, "zeros")})

    def restore():
        for key, value in replaced.items():
            setattr(layer, key, keras.initializers.get(value))

    return layer, restore


__all__ = ["rebuild"]
