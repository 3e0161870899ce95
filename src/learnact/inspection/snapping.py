"""The snap table of a saved model (``learnact inspect --snap``): which data, then the fits.

Where the data comes from, in this order:

1. ``data`` given: a ``.npy`` file (the input array), a ``.npz`` file (its
   ``x``, ``x_train`` or only array), or an array; shape ``(N, *input_shape)``;
2. the model lies in a run folder of ``learnact train`` (``config.json`` next
   to it): the first ``samples`` training images of that run's dataset, split
   as the run split it;
3. otherwise ``samples`` points drawn uniformly in ``x_range`` for every input
   unit (seed 0): the fits then describe the layers on that box, which is
   only what the first layer sees.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from learnact._checks import check_int, check_interval, check_real, first_line
from learnact._files import read_json
from learnact.errors import UserInputError


@dataclasses.dataclass
class SnapReport:
    """The snap table of a model and where its data came from; ``str()`` prints both."""

    table: object  # learnact.symbolic.SnapTable
    source: str

    def lines(self) -> list[str]:
        return [f"data for snapping: {self.source}", *self.table.lines()]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def snap_report(
    model,
    *,
    path=None,
    data=None,
    samples: int = 1000,
    x_range=(-3.0, 3.0),
    min_r2: float = 0.99,
    library=None,
) -> SnapReport:
    """Fit every KAN edge and activation unit of ``model`` (:func:`learnact.symbolic.snap`).

    The model is not changed; the report holds the table of fits.

    Args:
        model: a built Keras model.
        path: the model's file (to find its run folder), or None.
        data: inputs (array, or a ``.npy``/``.npz`` path), or None (see the
            module's note for what is used then).
        samples: how many inputs at most (run dataset, uniform samples).
        x_range: ``(low, high)`` of the uniform samples.
        min_r2: the R^2 a fit must reach to count as snapped.
        library: the snapping library (None: every built-in function).

    Returns:
        A :class:`SnapReport`.

    Raises:
        UserInputError: a bad ``data`` (unreadable, wrong shape, NaN),
            ``samples``, ``x_range`` or ``min_r2``, or nothing to snap.

    Example:
        >>> import keras
        >>> from learnact.layers import Rational
        >>> model = keras.Sequential([keras.Input((1,)), Rational(approximates="tanh")])
        >>> report = snap_report(model, samples=200, x_range=(-2, 2), library=["tanh", "x"])
        >>> report.source, report.table.edges[0].chosen.function
        ('200 points uniform in [-2.0, 2.0] per input unit (seed 0)', 'tanh')
    """
    from learnact.symbolic import snap

    samples = check_int("samples", samples, minimum=1)
    x_range = check_interval("x_range", x_range)
    min_r2 = check_real("min_r2", min_r2)
    x, source = snap_inputs(model, path=path, data=data, samples=samples, x_range=x_range)
    _, table = snap(model, x, library=library, min_r2=min_r2)
    return SnapReport(table, source)


def snap_inputs(model, *, path=None, data=None, samples: int = 1000, x_range=(-3.0, 3.0)):
    """Return ``(x, source)``: the inputs to snap ``model`` on, and a line saying what they are.

    Raises:
        UserInputError: unreadable or misshapen ``data``.
    """
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    if data is not None:
        return _given(data, shapes), _describe_given(data)
    config_path = (
        os.path.join(os.path.dirname(os.path.abspath(path)), "config.json") if path else None
    )
    if config_path and os.path.isfile(config_path):
        return _run_dataset(config_path, shapes, samples)
    rng = np.random.default_rng(0)
    low, high = x_range
    arrays = [rng.uniform(low, high, (samples, *shape)).astype("float32") for shape in shapes]
    source = f"{samples} points uniform in [{low}, {high}] per input unit (seed 0)"
    return (arrays[0] if len(arrays) == 1 else arrays), source


def _describe_given(data) -> str:
    if isinstance(data, (str, os.PathLike)):
        return f"inputs read from {os.fspath(data)}"
    return "the inputs given"


def _given(data, shapes):
    if isinstance(data, (str, os.PathLike)):
        data = _read_array(os.fspath(data))
    array = np.asarray(data)
    if len(shapes) != 1:
        raise UserInputError(
            f"`data` for a model with {len(shapes)} inputs: give the snapping data from Python "
            "(learnact.symbolic.snap takes a list)"
        )
    (shape,) = shapes
    if array.ndim != len(shape) + 1 or tuple(array.shape[1:]) != shape:
        raise UserInputError(
            f"`data` must hold inputs of shape (N, {', '.join(map(str, shape))}); received an "
            f"array of shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise UserInputError(f"`data` must be numbers; received dtype {array.dtype}")
    return array.astype("float32")


def _read_array(path: str) -> np.ndarray:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no data file at {path!r}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserInputError(
            f"`data` {path!r} is not a .npy or .npz file: {first_line(exc)}"
        ) from exc
    if isinstance(loaded, np.ndarray):
        return loaded
    with loaded:
        names = list(loaded.files)
        for key in ("x", "x_train"):
            if key in names:
                return loaded[key]
        if len(names) == 1:
            return loaded[names[0]]
    raise UserInputError(
        f"`data` {path!r} holds arrays {names}: name the inputs 'x' or 'x_train', or store one"
    )


def _run_dataset(config_path: str, shapes, samples: int):
    from learnact.datasets import load_dataset

    try:
        config = read_json(config_path) or {}
    except ValueError as exc:
        raise UserInputError(f"{config_path} is not JSON: {first_line(exc)}") from exc
    name = config.get("dataset", "digits")
    try:
        # What the run recorded; load_dataset's own defaults for what it did not.
        split = {key: config[key] for key in ("seed", "test_size") if key in config}
        (x_train, _), _ = load_dataset(name, config.get("data_dir"), **split)
    except (OSError, ValueError) as exc:
        raise UserInputError(
            f"cannot load the run's dataset {name!r} ({config_path}): {first_line(exc)}; "
            "give the snapping data with `data`"
        ) from exc
    if len(shapes) != 1 or tuple(x_train.shape[1:]) != shapes[0]:
        raise UserInputError(
            f"the run's dataset {name!r} has inputs of shape {x_train.shape[1:]}, the model "
            f"takes {shapes}; give the snapping data with `data`"
        )
    x = x_train[:samples]
    return x, f"the first {len(x)} training images of {name!r} (from {config_path})"


__all__ = ["SnapReport", "snap_inputs", "snap_report"]
