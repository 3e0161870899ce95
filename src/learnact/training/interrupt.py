"""Ctrl-C during ``model.fit``: stop at the next batch, never swallowed by Keras.

Keras converts the logs of every batch with ``pythonify_logs``, whose bare
``except:`` catches a ``KeyboardInterrupt`` raised while it waits for the
batch's loss (``float(value)`` blocks until the device finishes). Any callback
with a per-batch hook (learnact's NaN guard, the progress bar) makes Keras run
that code every batch, so a Ctrl-C usually lands there and is lost: the run
goes on to the end.

:func:`deferred_interrupts` replaces Python's SIGINT handler, for the
duration of the fit, by one that only records the signal;
:class:`StopOnInterrupt`, a callback, raises ``KeyboardInterrupt`` at the next
batch or epoch boundary, outside Keras's ``try``. A second Ctrl-C raises at
once, as Python's own handler would.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import keras


class InterruptFlag:
    """Whether SIGINT arrived since the flag was made; ``raise_if_set`` acts on it.

    Example:
        >>> flag = InterruptFlag()
        >>> flag.set, flag.raise_if_set()
        (False, None)
    """

    def __init__(self):
        self.set = False

    def raise_if_set(self) -> None:
        """Raise ``KeyboardInterrupt`` if SIGINT was received.

        Raises:
            KeyboardInterrupt: the signal arrived.
        """
        if self.set:
            raise KeyboardInterrupt("interrupted")


@contextlib.contextmanager
def deferred_interrupts():
    """Within the block, SIGINT sets the yielded :class:`InterruptFlag` instead of raising.

    A second SIGINT raises ``KeyboardInterrupt`` at once. The previous handler
    is restored on exit, then ``KeyboardInterrupt`` is raised if the flag was
    set and nothing acted on it inside the block. Outside the main thread, or
    when the program installed its own SIGINT handler, nothing is changed
    (the flag then stays unset).

    Yields:
        The :class:`InterruptFlag`.

    Example:
        >>> import os, signal
        >>> try:
        ...     with deferred_interrupts() as flag:
        ...         os.kill(os.getpid(), signal.SIGINT)
        ...         print("still running; flag set:", flag.set)
        ... except KeyboardInterrupt:
        ...     print("raised on leaving the block")
        still running; flag set: True
        raised on leaving the block
    """
    flag = InterruptFlag()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if previous is not signal.default_int_handler:
        yield flag
        return

    def record(signum, frame):
        if flag.set:
            raise KeyboardInterrupt("interrupted")
        flag.set = True

    signal.signal(signal.SIGINT, record)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
    flag.raise_if_set()


class StopOnInterrupt(keras.callbacks.Callback):
    """Raise ``KeyboardInterrupt`` at the first batch or epoch boundary after SIGINT.

    Put it after the checkpoint callbacks: an epoch that has ended is then
    backed up before the run stops.

    Args:
        flag: the :class:`InterruptFlag` of :func:`deferred_interrupts`.
    """

    def __init__(self, flag: InterruptFlag):
        super().__init__()
        self.flag = flag

    def on_train_batch_end(self, batch, logs=None):
        self.flag.raise_if_set()

    def on_test_batch_end(self, batch, logs=None):
        self.flag.raise_if_set()

    def on_predict_batch_end(self, batch, logs=None):
        self.flag.raise_if_set()

    def on_epoch_begin(self, epoch, logs=None):
        self.flag.raise_if_set()

    def on_epoch_end(self, epoch, logs=None):
        self.flag.raise_if_set()


__all__ = ["InterruptFlag", "StopOnInterrupt", "deferred_interrupts"]
