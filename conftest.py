"""Settings for every test and doctest (``tests/`` and the docstrings under ``src/``)."""

import os
import pathlib
import signal
import threading

import pytest

# One JAX compilation cache for the whole run, shared by the test workers and every
# process a test starts (they inherit the environment): the same train step, the same
# initializers, compiled once instead of once per process. Set before anything
# imports JAX; `make test` empties it first, so a run never reuses an earlier one's.
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", str(pathlib.Path(__file__).parent / ".cache" / "jax")
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


@pytest.fixture(autouse=True)
def _python_sigint_handler():
    """Give each test Python's own SIGINT handler, as an interactive run has.

    A suite started in the background of a non-interactive shell (``make test &``)
    inherits SIGINT ignored, and Python then installs no ``KeyboardInterrupt``
    handler, in the suite or in the processes it starts: the interrupt tests
    would test the shell, not learnact.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
