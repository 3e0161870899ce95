"""Training runs behind ``learnact train`` and ``learnact compare``: resumable and crash-safe.

* :class:`RunConfig` and :func:`train_run`: one run in a run folder, resumed
  after a kill from its last finished epoch;
* :func:`compare`: several models, several seeds, one split, a table and a plot;
* :func:`fit_lbfgs`: full-batch L-BFGS on the mean squared error (pykan's fit).

Names load on first use (as in ``learnact`` itself), so that importing the
package does not import Keras.

Example:
    >>> from learnact.training import RunConfig, compare, train_run
    >>> RunConfig(model="expandable-cnn", order=5).validated().label
    'expandable-cnn:5'
"""

import importlib

_EXPORTS = {
    "AtomicBackupAndRestore": "callbacks",
    "EpochTimer": "callbacks",
    "NonFiniteLossError": "callbacks",
    "StopOnNonFiniteLoss": "callbacks",
    "Comparison": "comparison",
    "compare": "comparison",
    "summarize": "comparison",
    "RunConfig": "config",
    "RunError": "config",
    "RunFolder": "folder",
    "fit_lbfgs": "lbfgs",
    "build_model": "run",
    "train_run": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
