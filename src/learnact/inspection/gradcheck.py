"""Gradient checks of every learnact layer class, built with default arguments."""

from __future__ import annotations

import dataclasses

import numpy as np

from learnact._checks import check_int, check_real, first_line
from learnact.errors import UserInputError

# Constructor arguments of the layer classes that have required ones.
EXAMPLE_ARGUMENTS = {
    "PolynomialDense": {"units": 3},
    "KANDense": {"units": 3},
    "SnappedKANDense": {"units": 3, "symbolic_edges": [[0, 1, "sin"], [1, 2, "J0"]]},
}


@dataclasses.dataclass
class LayerCheck:
    """The gradient check of one layer class.

    Attributes:
        name: the class name.
        report: the :class:`~learnact.gradients.GradientCheckReport`, or None
            if the layer could not be built or checked.
        error: why not (``"TypeName: first line"``), or None.
    """

    name: str
    report: object = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.report)

    def __str__(self) -> str:
        body = f"error: {self.error}" if self.error else str(self.report)
        return f"== {self.name}\n{body}"


def check_layers(
    names=None, *, batch: int = 4, features: int = 5, atol=1e-6, rtol=1e-5, seed: int = 0
) -> list[LayerCheck]:
    """Check autodiff against float64 finite differences for learnact layer classes.

    Each class is built with default arguments (plus :data:`EXAMPLE_ARGUMENTS`)
    and checked by :func:`learnact.gradients.gradient_check` on inputs of
    size ``0.2 <= |x| <= 0.9``, away from 0 and 1 where some formulas switch
    branch. A layer that fails to build or to check is reported, not raised,
    so one broken layer does not hide the others.

    Args:
        names: class names to check (default: every one of
            :func:`learnact.layers.layer_classes`).
        batch: rows of the test input (1 to 64).
        features: columns of the test input (1 to 256).
        atol, rtol: the per-entry tolerances of ``gradient_check``.
        seed: seed of the input and of the check.

    Returns:
        One :class:`LayerCheck` per class, in ``names`` order (or sorted).

    Raises:
        UserInputError: a bad argument or an unknown layer name.

    Example:
        >>> [check.passed for check in check_layers(["SoftExponential"])]
        [True]
    """
    from learnact.gradients import gradient_check
    from learnact.layers import layer_classes

    batch = check_int("batch", batch, minimum=1, maximum=64)
    features = check_int("features", features, minimum=1, maximum=256)
    atol = check_real("atol", atol, positive=True)
    rtol = check_real("rtol", rtol, minimum=0)
    classes = layer_classes()
    if names:
        unknown = [n for n in names if n not in classes]
        if unknown:
            raise UserInputError(
                f"unknown layer {unknown[0]!r}; available: {', '.join(classes) or 'none'}"
            )
        classes = {n: classes[n] for n in names}
    if not classes:
        raise UserInputError("no learnact layers are registered")
    rng = np.random.default_rng(seed)
    size = (batch, features)
    x = rng.uniform(0.2, 0.9, size=size) * rng.choice([-1.0, 1.0], size=size)
    results = []
    for name, cls in classes.items():
        try:
            layer = cls(**EXAMPLE_ARGUMENTS.get(name, {}))
            report = gradient_check(layer, x, atol=atol, rtol=rtol, seed=seed)
            results.append(LayerCheck(name, report))
        except Exception as exc:  # reported per layer: one broken layer must not hide the rest
            results.append(LayerCheck(name, error=f"{type(exc).__name__}: {first_line(exc)}"))
    return results


__all__ = ["EXAMPLE_ARGUMENTS", "LayerCheck", "check_layers"]
