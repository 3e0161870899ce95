"""Resumable, crash-safe training runs behind ``learnact train`` and ``learnact compare``.

Example:
    >>> from learnact.training import RunConfig, train_run
    >>> metrics = train_run(RunConfig(model="baseline-cnn", epochs=5), "runs/baseline")
"""

from learnact.training.callbacks import (
    AtomicBackupAndRestore,
    EpochTimer,
    NonFiniteLossError,
    StopOnNonFiniteLoss,
)
from learnact.training.run import MODELS, RunConfig, RunError, build_model, train_run

__all__ = [
    "MODELS",
    "AtomicBackupAndRestore",
    "EpochTimer",
    "NonFiniteLossError",
    "RunConfig",
    "RunError",
    "StopOnNonFiniteLoss",
    "build_model",
    "train_run",
]
