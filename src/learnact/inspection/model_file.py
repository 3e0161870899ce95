"""Inspecting a saved ``.keras`` file: load it safely, describe it, plot its activations."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile

from learnact._checks import check_int, check_interval, first_line
from learnact.errors import UserInputError
from learnact.inspection.describe import ModelDescription, describe

# What Keras writes into every .keras archive (a zip file).
_ARCHIVE_MEMBERS = ("config.json", "metadata.json")


def check_model_file(path) -> str:
    """Return ``path`` if it is an existing file that is a ``.keras`` archive; read nothing else.

    Keras reports every archive it cannot open as "File not found"; this says
    what is wrong with the file instead.

    Raises:
        FileNotFoundError: no such file.
        UserInputError: not named ``.keras``, or not a valid ``.keras``
            archive (not a zip file, a truncated one, or a zip without the
            members Keras writes).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "noise.keras")
        >>> _ = open(path, "wb").write(os.urandom(64))
        >>> check_model_file(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        learnact.errors.UserInputError: '...noise.keras' is not a valid .keras archive ...
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if not path.endswith(".keras"):
        raise UserInputError(f"{path!r} is not a .keras file (Keras 3's saving format)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UserInputError(
            f"{path!r} is not a valid .keras archive ({first_line(exc)}); "
            "it may be truncated or corrupted"
        ) from None
    missing = [name for name in _ARCHIVE_MEMBERS if name not in names]
    if missing:
        raise UserInputError(
            f"{path!r} is not a valid .keras archive (a zip file without {', '.join(missing)})"
        )
    return path


def load_model(path):
    """Load the ``.keras`` file ``path`` with Keras's ``safe_mode=True``, learnact's layers known.

    Safe mode stays on: nothing but registered classes is deserialized (a
    ``Lambda`` layer's code is refused).

    Raises:
        FileNotFoundError: no such file.
        UserInputError: the file is not a loadable ``.keras`` model: not
            named ``.keras``, not a valid ``.keras`` archive (random bytes, a
            truncated download, a zip without Keras's ``config.json``), or
            refused by Keras (the reason is in the message); or it holds a
            ``parametric_activation`` class this process does not define
            (named, with what to do).
    """
    path = check_model_file(path)
    import keras

    import learnact.layers  # noqa: F401  (registers the learnact classes)

    _check_classes_are_defined(path)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad archive
        raise UserInputError(f"cannot load {path}: {first_line(exc)}") from exc


def _check_classes_are_defined(path: str) -> None:
    """Refuse, naming them, a file whose learnact layer classes this process does not define.

    Keras's own error there ("could not be deserialized properly") names
    neither the class nor the cure. An archive that cannot be read is left to
    Keras's loader and its error.
    """
    from learnact.layers.registry import missing_classes

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return
    missing = missing_classes(config)
    if missing:
        names = ", ".join(repr(name) for name in missing)
        plural = "es" if len(missing) > 1 else ""
        raise UserInputError(
            f"{path} holds the layer class{plural} {names}, made with "
            "learnact.layers.parametric_activation, which this process does not define: "
            "load it from Python after making each class again with the formula it was "
            f"saved with, parametric_activation(fn, ..., name={missing[0]!r}), before loading"
        )


@dataclasses.dataclass
class Inspection:
    """The result of :func:`inspect_model`; ``str()`` is ``learnact inspect``'s report.

    Attributes:
        path: the model file.
        description: what its learnact layers learned.
        plot: the image written, or None.
        no_plot: why there is no image (None when there is one or none was asked).
        edge_plots: ``{layer name: image}``, the edge functions of each
            ``KANDense`` layer in a grid (:func:`learnact.plotting.plot_kan_edges`).
        formulas: ``y<k> = ...`` per output unit when asked
            (:func:`learnact.inspection.formulas.network_formulas`).
    """

    path: str
    description: ModelDescription
    plot: str | None = None
    no_plot: str | None = None
    edge_plots: dict = dataclasses.field(default_factory=dict)
    formulas: list = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        lines = self.description.lines()
        lines[0] = f"{self.path}: {lines[0]}"
        if self.formulas:
            lines.append("formula of the whole network:")
            lines += [f"  {line}" for line in self.formulas]
        if self.plot:
            lines.append(f"activation curves written to {self.plot}")
        elif self.no_plot:
            lines.append(f"no plot: {self.no_plot}")
        for name, image in self.edge_plots.items():
            lines.append(f"edge functions of {name} written to {image}")
        return "\n".join(lines)


def inspect_model(
    path,
    *,
    features: int = 3,
    digits: int = 4,
    x_range=(-3.0, 3.0),
    plot=None,
    formula: bool = False,
    latex: bool = False,
) -> Inspection:
    """Load a saved model, describe its learnact layers, and plot their activation curves.

    Each ``KANDense`` layer also gets a grid of its edge functions, written
    next to ``plot`` as ``<layer name>-edges.png``.

    Args:
        path: a ``.keras`` file.
        features: formulas (and curves) per layer.
        digits: significant digits of the printed coefficients (1 to 15).
        x_range: ``(low, high)`` of the curves' input.
        plot: where to write the curves (an image file); None for
            ``activations.png`` next to the model; False for no plot.
        formula: also give the exact formula of the whole network
            (:func:`learnact.symbolic.formula`), rounded to ``digits``.
        latex: that formula in LaTeX (implies ``formula``).

    Returns:
        An :class:`Inspection`.

    Raises:
        UserInputError: bad ``features``/``digits``/``x_range``, a ``plot``
            path that is a folder, lacks an image extension or lies in a
            folder that is missing or not writable (checked before loading
            anything), or a file that is not a loadable model.
        FileNotFoundError: no such model file.
    """
    check_int("features", features, minimum=1)
    check_int("digits", digits, minimum=1, maximum=15)
    x_range = check_interval("x_range", x_range)
    from learnact.plotting.files import check_image_path

    # Before any work: a destination that cannot be written fails now, named as given.
    if plot is not None and plot is not False:
        plot = check_image_path(plot, "plot")
    path = check_model_file(path)
    if plot is None:
        plot = check_image_path(
            os.path.join(os.path.dirname(os.path.abspath(path)), "activations.png"), "plot"
        )
    model = load_model(path)
    inspection = Inspection(path, describe(model, features=features, digits=digits))
    if formula or latex:
        from learnact.inspection.formulas import network_formulas

        inspection.formulas = network_formulas(model, digits=digits, latex=latex)
    if plot is False or not inspection.description.layers:
        return inspection
    from learnact.plotting import plot_activation, save_figure

    _plot_kan_edges(model, os.path.dirname(os.path.abspath(plot)), inspection)
    try:
        figure = plot_activation(model, x_range=x_range, features=features)
    except UserInputError as exc:  # e.g. no layer with a curve to draw
        if not inspection.edge_plots:
            inspection.no_plot = first_line(exc)
        return inspection
    save_figure(figure, plot, dpi=100)
    inspection.plot = os.fspath(plot)
    return inspection


def _plot_kan_edges(model, folder: str, inspection: Inspection) -> None:
    """Write the edge-function grid of every ``KANDense`` of ``model`` into ``folder``."""
    from learnact.layers import KANDense, learnact_layers
    from learnact.plotting import plot_kan_edges, save_figure

    for layer in learnact_layers(model):
        if isinstance(layer, KANDense):
            image = os.path.join(folder, f"{layer.name}-edges.png")
            save_figure(plot_kan_edges(layer), image, dpi=100)
            inspection.edge_plots[layer.name] = image


__all__ = ["Inspection", "check_model_file", "inspect_model", "load_model"]
