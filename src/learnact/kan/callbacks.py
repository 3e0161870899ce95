"""``GridExtension``: pykan's grid updates during ``model.fit``, as a Keras callback."""

from __future__ import annotations

import keras

from learnact._checks import check_int, check_real
from learnact.kan.grids import check_batch, kan_layers, update_grids


class GridExtension(keras.callbacks.Callback):
    """Adapt the ``KANDense`` grids of the model being fitted to ``x``, on a schedule.

    pykan's ``fit`` updates every grid from the training inputs every
    ``stop_grid_update_step / grid_update_num`` steps until
    ``stop_grid_update_step``; this callback does the same at the start of
    epochs ``start, start + every, ...`` before ``stop`` (with
    :func:`learnact.kan.update_grids`, which keeps each layer's function on
    ``x``). The fit errors of the updates are kept in :attr:`errors`, one
    ``(epoch, [error per layer])`` per update.

    Making the grid *finer* changes the shapes of the weights, which a running
    ``fit`` cannot do: refine between fits with :func:`learnact.kan.refine`.

    Args:
        x: the inputs to adapt the grids to (usually the training inputs).
        every: epochs between two updates (>= 1).
        start: first epoch updated (>= 0).
        stop: no update from this epoch on (None: never stop).
        grid_eps: share of the uniform grid (pykan: 0.02).

    Raises:
        ValueError: an empty ``x`` or one with NaN or inf, a non-integer
            ``every``/``start``/``stop``, a ``grid_eps`` outside [0, 1].

    Example:
        >>> import numpy as np
        >>> from learnact.layers import KANDense
        >>> x = np.random.default_rng(0).uniform(0, 3, (64, 1)).astype("float32")
        >>> model = keras.Sequential([keras.Input((1,)), KANDense(1)])
        >>> model.compile("adam", "mse")
        >>> callback = GridExtension(x, every=1)
        >>> _ = model.fit(x, np.sin(x), epochs=2, verbose=0, callbacks=[callback])
        >>> [epoch for epoch, _ in callback.errors]
        [0, 1]
    """

    def __init__(
        self, x, *, every: int = 1, start: int = 0, stop: int | None = None, grid_eps: float = 0.02
    ):
        super().__init__()
        self.x = check_batch("x", x)
        self.every = check_int("every", every, minimum=1)
        self.start = check_int("start", start, minimum=0)
        self.stop = None if stop is None else check_int("stop", stop, minimum=0)
        self.grid_eps = check_real("grid_eps", grid_eps, minimum=0.0, maximum=1.0)
        self.errors: list[tuple[int, list[float]]] = []

    def on_train_begin(self, logs=None):
        kan_layers(self.model)  # refuse a model without KANDense before the first epoch

    def on_epoch_begin(self, epoch, logs=None):
        # At the start of an epoch Keras (JAX included) has written the training state
        # back into the variables and reads it again from them: the update is seen.
        if epoch < self.start or (self.stop is not None and epoch >= self.stop):
            return
        if (epoch - self.start) % self.every == 0:
            self.errors.append((epoch, update_grids(self.model, self.x, grid_eps=self.grid_eps)))


__all__ = ["GridExtension"]
