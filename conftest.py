"""Settings for every test and doctest (``tests/`` and the docstrings under ``src/``)."""

import signal
import threading

import pytest


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
