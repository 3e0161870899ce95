"""learnact: learned nonlinearities for Keras 3, and tools to check and see gradients.

Subpackages are imported lazily so that ``import learnact`` stays cheap and the
Keras backend can still be chosen after it (``KERAS_BACKEND``; JAX when nothing
has chosen one: see :mod:`learnact._backend`).

Example:
    >>> import learnact
    >>> from learnact.layers import TaylorExpansion
    >>> TaylorExpansion(order=3).order
    3
"""

import importlib

from learnact._backend import choose_default_backend

# JAX is the project's default backend, set only where neither the user
# (KERAS_BACKEND, keras.json) nor an earlier `import keras` has chosen one.
choose_default_backend()

__version__ = "0.1.0"

_SUBPACKAGES = (
    "ops",
    "initializers",
    "layers",
    "models",
    "datasets",
    "gradients",
    "plotting",
    "symbolic",
    "cli",
)

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
