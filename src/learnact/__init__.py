"""learnact: learned nonlinearities for Keras 3, and tools to check and see gradients.

``import learnact`` picks the Keras backend (``KERAS_BACKEND``; JAX when
nothing has chosen one: see :mod:`learnact._backend`) and imports
:mod:`learnact.layers`, which imports Keras and registers every learnact layer
with Keras's registry. So, as with ``import keras``, the backend is fixed once
``import learnact`` returns, and ``keras.saving.load_model`` finds learnact's
layers in a fresh process after only ``import learnact``. A backend learnact
cannot serve (``numpy``, ...) is left alone here: its one clear error comes at
the first use of a layer or op (:func:`learnact._backend.check_backend`). The
other subpackages are imported on first use.

Example:
    >>> import keras
    >>> import learnact
    >>> keras.saving.get_registered_object("learnact>TaylorExpansion").__name__
    'TaylorExpansion'
"""

import importlib

from learnact._backend import SUPPORTED_BACKENDS, choose_default_backend, chosen_backend

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


# Registers every layer class with Keras, so that a saved model loads after `import learnact`
# alone (Keras finds classes by their registered name "learnact>TaylorExpansion"). Last, so
# that the package is complete when learnact.layers imports it.
if chosen_backend() in SUPPORTED_BACKENDS:
    importlib.import_module(f"{__name__}.layers")
