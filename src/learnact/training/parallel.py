"""Data-parallel setup: ``keras.distribution.DataParallel`` over every device JAX sees."""

from __future__ import annotations

import contextlib
import os

from learnact.training.config import RunError


@contextlib.contextmanager
def data_parallel(enabled: bool, batch_size: int, log=print):
    """Run the body under ``keras.distribution.DataParallel`` over all devices (JAX).

    On several hosts, set ``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
    ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID``:
    ``keras.distribution.initialize()`` reads them (see docs/training.md).

    Yields:
        ``(process_index, process_count, local_device_count)``; ``(0, 1, 1)``
        when disabled.

    Raises:
        RunError: the backend is not JAX, or ``batch_size`` is not a multiple of
            the number of local devices.

    Example:
        >>> with data_parallel(False, 16) as (process, processes, devices):
        ...     print(process, processes, devices)
        0 1 1
    """
    if not enabled:
        yield 0, 1, 1
        return
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise RunError(
            "data parallelism needs the JAX backend (KERAS_BACKEND=jax); "
            f"the backend is {backend!r}"
        )
    import jax

    if os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        keras.distribution.initialize()
    devices = keras.distribution.list_devices()
    local = jax.local_device_count()
    if batch_size % local:
        raise RunError(
            f"`batch_size` {batch_size} must be a multiple of the {local} local devices "
            "for data parallelism"
        )
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    processes = jax.process_count()
    log(
        f"data parallel: {len(devices)} devices ({devices[0]} ...) in {processes} process(es)"
        + ("; a single device gains nothing" if len(devices) == 1 else "")
    )
    try:
        yield jax.process_index(), processes, local
    finally:
        keras.distribution.set_distribution(previous)


__all__ = ["data_parallel"]
