"""Which Keras backends learnact serves, which one it picks, and what they can compile.

learnact runs on JAX, PyTorch and TensorFlow. Its default is JAX, but only
where nothing else has chosen: ``import learnact`` sets ``KERAS_BACKEND=jax``
when the variable is unset, Keras is not imported yet and Keras's own
configuration file names no backend other than Keras's default (Keras writes
``"tensorflow"`` into ``keras.json`` by itself on its first import, so that
value cannot tell a choice from the default; and learnact's own dependencies
install JAX, not TensorFlow). Any other backend (``numpy``, ``openvino``, ...)
is refused with one error naming it and the supported ones, when learnact's
Keras code is first imported (:mod:`learnact.ops`); ``import learnact`` imports
that code (:mod:`learnact.layers`) only on a backend of :data:`SUPPORTED_BACKENDS`
(:func:`chosen_backend`).

This module imports nothing of learnact but :mod:`learnact.errors`, and no
Keras at import time.
"""

from __future__ import annotations

import functools
import json
import os
import sys

from learnact.errors import UserInputError

SUPPORTED_BACKENDS = ("jax", "torch", "tensorflow")
DEFAULT_BACKEND = "jax"
# What Keras itself falls back to, and writes into a new keras.json.
KERAS_OWN_DEFAULT = "tensorflow"


def _keras_config_backend() -> str | None:
    """The backend named in Keras's ``keras.json`` (``$KERAS_HOME`` or ``~/.keras``), if any."""
    if "KERAS_HOME" in os.environ:
        folder = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        folder = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    try:
        with open(os.path.join(os.path.expanduser(folder), "keras.json")) as file:
            backend = json.load(file).get("backend")
    except (OSError, ValueError, AttributeError):
        return None
    return backend if isinstance(backend, str) and backend else None


def choose_default_backend() -> str | None:
    """Set ``KERAS_BACKEND=jax`` unless the user or Keras has already chosen; return what was set.

    Chosen means: Keras is imported (its backend is fixed for the process),
    ``KERAS_BACKEND`` is set, or ``keras.json`` names a backend other than
    Keras's own default ``"tensorflow"``.

    Returns:
        ``"jax"`` when this call set it, ``None`` when it left the choice alone.

    Example:
        >>> choose_default_backend() is None  # Keras is imported: its backend is fixed
        True
    """
    if "keras" in sys.modules or os.environ.get("KERAS_BACKEND"):
        return None
    configured = _keras_config_backend()
    if configured is not None and configured != KERAS_OWN_DEFAULT:
        return None
    os.environ["KERAS_BACKEND"] = DEFAULT_BACKEND
    return DEFAULT_BACKEND


def chosen_backend() -> str:
    """Return the backend Keras runs on, or will run on when it is first imported.

    Keras's own rule, without importing Keras: the backend of an imported
    Keras, else ``KERAS_BACKEND``, else the one ``keras.json`` names, else
    Keras's default ``"tensorflow"``.

    Example:
        >>> chosen_backend() == __import__("keras").backend.backend()
        True
    """
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND") or _keras_config_backend() or KERAS_OWN_DEFAULT


def check_backend(backend: str) -> str:
    """Return ``backend`` if learnact supports it, else raise one clear error.

    Args:
        backend: the name Keras reports (``keras.backend.backend()``).

    Returns:
        ``backend`` unchanged.

    Raises:
        ValueError: (:class:`~learnact.errors.UserInputError`) naming the
            backend and the supported ones.

    Example:
        >>> check_backend("torch")
        'torch'
        >>> check_backend("numpy")
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: learnact runs on the Keras backends 'jax', 'torch' ...
    """
    if backend not in SUPPORTED_BACKENDS:
        supported = ", ".join(repr(b) for b in SUPPORTED_BACKENDS[:-1])
        raise UserInputError(
            f"learnact runs on the Keras backends {supported} and {SUPPORTED_BACKENDS[-1]!r}, "
            f"not on {backend!r}: set KERAS_BACKEND to one of them "
            f"(received KERAS_BACKEND={backend!r}, or Keras's keras.json named it)"
        )
    return backend


def layers_support_jit(backend: str) -> bool:
    """Whether Keras may compile learnact layers (``jit_compile=True``) on ``backend``.

    False on PyTorch, where Keras's ``jit_compile=True`` means ``torch.compile``:
    a small model with ``SoftExponential`` did not finish compiling in 300-600 s
    (3.7 GB), and a JAX-trained model carries ``jit_compile=True`` in its
    saved compile config, so loading it on PyTorch would start that compile.
    A layer answering False makes Keras run the whole model eagerly (with
    Keras's warning "Model doesn't support `jit_compile=True`").

    Example:
        >>> layers_support_jit("jax"), layers_support_jit("torch")
        (True, False)
    """
    return backend != "torch"


# XLA:CPU's fusion emitters (its default) make programs that run faster but compile
# slower. A layer evaluated between two fits runs a few times per compilation, and
# compiles in about half the time with the older emitters (figures in docs/kan_tasks.md).
_FEW_RUNS_OPTIONS = {"xla_cpu_use_fusion_emitters": False}


@functools.cache
def _few_runs_options_accepted() -> bool:
    """Whether this JAX takes :data:`_FEW_RUNS_OPTIONS` (asked once per process)."""
    import jax

    try:
        jax.jit(lambda t: t + 1, compiler_options=_FEW_RUNS_OPTIONS)(0.0)
    except (TypeError, jax.errors.JaxRuntimeError):
        # TypeError: a jax.jit without compiler_options (before JAX 0.4.36);
        # JaxRuntimeError: a jaxlib that no longer knows the option.
        return False
    return True


def jit_for_few_runs(fn):
    """``jax.jit(fn)``, compiled for a few runs on a CPU (the default where the option is gone).

    Formula: ``jax.jit(fn, compiler_options=_FEW_RUNS_OPTIONS)`` on a CPU
    whose JAX takes the options, ``jax.jit(fn)`` elsewhere. For programs run
    a few times per compilation: a layer evaluated between two fits, a basis
    evaluated for a least-squares refit.

    Args:
        fn: a function of arrays that ``jax.jit`` can trace.

    Returns:
        The jitted function.

    Raises:
        Whatever ``jax.jit`` raises for ``fn``.

    Example:
        >>> import numpy as np
        >>> double = jit_for_few_runs(lambda x: 2 * x)
        >>> np.asarray(double(np.array([1.0, 2.0]))).tolist()
        [2.0, 4.0]
    """
    import jax

    if jax.default_backend() == "cpu" and _few_runs_options_accepted():
        return jax.jit(fn, compiler_options=_FEW_RUNS_OPTIONS)
    return jax.jit(fn)


__all__ = [
    "DEFAULT_BACKEND",
    "SUPPORTED_BACKENDS",
    "check_backend",
    "choose_default_backend",
    "chosen_backend",
    "jit_for_few_runs",
    "layers_support_jit",
]
