"""Resumable, crash-safe training runs behind ``learnact train`` and ``learnact compare``.

Names load on first use (as in ``learnact`` itself), so that importing the
light ``learnact.training.files`` helpers does not import Keras.

Example:
    >>> from learnact.training import RunConfig, train_run
    >>> metrics = train_run(RunConfig(model="baseline-cnn", epochs=5), "runs/baseline")
"""

import importlib

_EXPORTS = {
    "AtomicBackupAndRestore": "callbacks",
    "EpochTimer": "callbacks",
    "NonFiniteLossError": "callbacks",
    "StopOnNonFiniteLoss": "callbacks",
    "MODELS": "run",
    "RunConfig": "run",
    "RunError": "run",
    "build_model": "run",
    "train_run": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
