"""Which layers are learnact's: decided once, from Keras's registry of serializable classes.

Every learnact layer class is registered with
``keras.saving.register_keras_serializable(package="learnact")``, the classes
written in :mod:`learnact.layers` and those made at run time by
:func:`~learnact.layers.parametric_activation` alike (whose ``__module__`` is
the caller's). The registered name ``"learnact>ClassName"`` is therefore the
one test; ``inspect``, ``gradcheck`` and ``plot_activation`` all use it.
"""

from __future__ import annotations

import inspect

import keras

PACKAGE = "learnact"


def is_learnact_layer(layer_or_class) -> bool:
    """Return whether a layer (or layer class) is registered under the ``learnact`` package.

    Args:
        layer_or_class: a Keras layer instance or class (anything else gives False).

    Returns:
        ``True`` for learnact's layers, including ``parametric_activation`` classes.

    Example:
        >>> import keras
        >>> from learnact.layers import TaylorExpansion
        >>> is_learnact_layer(TaylorExpansion(3)), is_learnact_layer(keras.layers.PReLU())
        (True, False)
    """
    cls = layer_or_class if inspect.isclass(layer_or_class) else type(layer_or_class)
    if not issubclass(cls, keras.layers.Layer):
        return False
    return keras.saving.get_registered_name(cls).startswith(f"{PACKAGE}>")


def learnact_layers(model) -> list:
    """Return the learnact layers of ``model``, in order, looking inside nested models.

    Args:
        model: a Keras model (or a layer holding ``layers``).

    Returns:
        The list of learnact layer instances.

    Example:
        >>> import keras
        >>> from learnact.layers import SoftExponential
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), SoftExponential()])
        >>> [type(layer).__name__ for layer in learnact_layers(model)]
        ['SoftExponential']
    """
    found = []
    for layer in getattr(model, "layers", []):
        if is_learnact_layer(layer):
            found.append(layer)
        elif hasattr(layer, "layers"):
            found.extend(learnact_layers(layer))
    return found


def layer_classes() -> dict:
    """Return ``{class name: class}`` of every concrete learnact layer class, sorted by name.

    Base classes that leave :meth:`~learnact.layers.ElementwiseLayer.parameter_specs`
    unimplemented are left out, and so are models.

    Example:
        >>> "TaylorExpansion" in layer_classes()
        True
    """
    import learnact.layers  # noqa: F401  (registers the classes written in the package)

    found = {}
    for key, obj in keras.saving.get_custom_objects().items():
        if (
            key.startswith(f"{PACKAGE}>")
            and inspect.isclass(obj)
            and issubclass(obj, keras.layers.Layer)
            and not issubclass(obj, keras.Model)
            and not _is_abstract(obj)
        ):
            found[obj.__name__] = obj
    return dict(sorted(found.items()))


def missing_classes(config) -> list[str]:
    """Return the learnact classes a saved model's config names that this process lacks.

    Keras stores each object's registered name (``"learnact>ScaledTanh"``) in
    a ``.keras`` file's ``config.json``. learnact's own classes are registered
    by ``import learnact``; a class made by
    :func:`~learnact.layers.parametric_activation` exists only once the
    process has made it again, under the same name.

    Args:
        config: the parsed ``config.json`` of a ``.keras`` file (any nesting).

    Returns:
        The missing class names, sorted (``[]`` when every one is known).

    Example:
        >>> missing_classes({"layers": [{"registered_name": "learnact>TaylorExpansion"},
        ...                             {"registered_name": "learnact>NotMadeHere"}]})
        ['NotMadeHere']
    """
    found = set()
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            name = node.get("registered_name")
            if (
                isinstance(name, str)
                and name.startswith(f"{PACKAGE}>")
                and keras.saving.get_registered_object(name) is None
            ):
                found.add(name.split(">", 1)[1])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found)


def _is_abstract(cls) -> bool:
    specs = getattr(cls, "parameter_specs", None)
    return (
        specs is not None
        and getattr(specs, "__qualname__", "") == "ElementwiseLayer.parameter_specs"
    )


__all__ = ["PACKAGE", "is_learnact_layer", "layer_classes", "learnact_layers", "missing_classes"]
