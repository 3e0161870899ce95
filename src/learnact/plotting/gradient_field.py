"""Quiver plots of the negative gradient of a function of two variables.

The picture of "Deep Learning from Scratch" (section 4.3.3, ``gradient_2d.py``),
with the grid built here so that the user never stacks coordinate arrays
(``np.array([X, Y])``, of shape ``(2, N)`` where the ``(N, 2)`` points are
meant, is the classic mistake with that code).
"""

from __future__ import annotations

import numpy as np

from learnact._checks import check_choice, check_interval, check_real
from learnact.errors import UserInputError
from learnact.gradients import FunctionCaller, numerical_gradient
from learnact.gradients.numerical import METHODS

_MAX_ARROWS = 200 * 200


def gradient_grid(xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), step=0.25):
    """Return ``(X, Y, points)``: meshgrids and the ``(N, 2)`` points, rows ``(x0, x1)``.

    The axes run from low to high inclusive in steps of ``step`` (the book's
    ``np.arange(-2, 2.5, 0.25)``).

    Raises:
        ValueError: bad limits, non-positive step, or more than 40000 points.
    """
    _, _, grid_x, grid_y, points = _checked_grid(xlim, ylim, step)
    return grid_x, grid_y, points


def _checked_grid(xlim, ylim, step):
    """Return ``((x_lo, x_hi), (y_lo, y_hi), X, Y, points)``; see :func:`gradient_grid`."""
    x_lo, x_hi = check_interval("xlim", xlim)
    y_lo, y_hi = check_interval("ylim", ylim)
    step = check_real("step", step, positive=True)
    # Counted in floating point first: a huge range over a small step is inf, not an int.
    fx = np.floor((x_hi - x_lo) / step + 1e-9) + 1
    fy = np.floor((y_hi - y_lo) / step + 1e-9) + 1
    if not (np.isfinite(fx) and np.isfinite(fy)) or fx * fy > _MAX_ARROWS:
        raise UserInputError(
            f"`xlim`, `ylim` and `step` give {fx:.3g}x{fy:.3g} arrows (at most {_MAX_ARROWS}); "
            f"received xlim={xlim!r}, ylim={ylim!r}, step={step!r}"
        )
    nx, ny = int(fx), int(fy)
    xs = x_lo + step * np.arange(nx)
    ys = y_lo + step * np.arange(ny)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (N, 2): rows are points
    return (x_lo, x_hi), (y_lo, y_hi), grid_x, grid_y, points


def plot_gradient_field(
    f,
    xlim=(-2.0, 2.0),
    ylim=(-2.0, 2.0),
    step=0.25,
    *,
    method="central",
    contour=True,
    levels=20,
    cmap="viridis",
    ax=None,
    title=None,
):
    """Draw the arrows ``-grad f(x0, x1)`` on a grid, coloured by ``|grad f|``.

    Gradients come from :func:`learnact.gradients.numerical_gradient` at the
    ``(N, 2)`` grid points, so ``f`` follows its conventions (a batch function
    ``(N, 2) -> (N,)`` or a one-point function ``(2,) -> number``). Arrows
    point downhill, as in the book; with ``contour=True`` filled contours of
    ``f`` are drawn underneath (200x200 samples).

    Args:
        f: the function of two variables.
        xlim, ylim: ``(low, high)`` of x0 and x1.
        step: spacing of the arrows (both axes).
        method: numerical derivative method (``"central"``, ``"five_point"``,
            ``"complex"``, ``"richardson"``).
        contour: draw contours of ``f`` underneath.
        levels: number of contour levels.
        cmap: colormap of the arrows (contours use grey).
        ax: an existing matplotlib Axes, or None for a new figure.
        title: axes title (default: none).

    Returns:
        The matplotlib ``Axes``.

    Raises:
        ValueError: bad limits/step/method, or ``f`` failing at a point (the
            message names it).

    Example:
        >>> ax = plot_gradient_field(lambda p: p[:, 0] * p[:, 1], step=0.5)  # a saddle
        >>> ax.get_xlabel(), [float(v) for v in ax.get_xlim()]
        ('x0', [-2.0, 2.0])
    """
    import matplotlib.pyplot as plt

    check_choice("method", method, METHODS)
    (x_lo, x_hi), (y_lo, y_hi), grid_x, grid_y, points = _checked_grid(xlim, ylim, step)
    grad = numerical_gradient(f, points, method=method)
    u = -grad[:, 0].reshape(grid_x.shape)
    v = -grad[:, 1].reshape(grid_x.shape)
    magnitude = np.hypot(u, v)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6.2))
    if contour:
        cx, cy = np.meshgrid(np.linspace(x_lo, x_hi, 200), np.linspace(y_lo, y_hi, 200))
        fine = np.stack([cx.ravel(), cy.ravel()], axis=1)
        with np.errstate(all="ignore"):
            values = np.asarray(FunctionCaller(f, "scalar")(fine), dtype=np.float64)
        values = np.where(np.isfinite(values), values, np.nan).reshape(cx.shape)
        if np.any(np.isfinite(values)) and np.nanmax(values) > np.nanmin(values):
            filled = ax.contourf(cx, cy, values, levels=levels, cmap="Greys", alpha=0.35)
            ax.contour(cx, cy, values, levels=levels, colors="0.55", linewidths=0.4)
            ax.figure.colorbar(
                filled, ax=ax, orientation="horizontal", fraction=0.046, pad=0.12, label="f"
            )
    # A zero field (constant f) has no length for quiver's autoscale to divide by.
    scale = None if np.any(magnitude > 0) else 1.0
    arrows = ax.quiver(
        grid_x,
        grid_y,
        u,
        v,
        magnitude,
        angles="xy",
        cmap=cmap,
        pivot="tail",
        width=0.004,
        scale=scale,
    )
    ax.figure.colorbar(arrows, ax=ax, fraction=0.046, pad=0.02, label="|grad f|")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def save_gradient_field(
    expression: str,
    path,
    *,
    xlim=(-2.0, 2.0),
    ylim=(-2.0, 2.0),
    step=0.25,
    method="central",
    contour=True,
    title=None,
    dpi=120,
) -> str:
    """Draw the gradient field of a typed-in expression in ``x0, x1`` and save it as an image.

    The expression is parsed by a whitelist (:func:`parse_expression`),
    never evaluated as Python; ``path`` is checked before any work.

    Args:
        expression: e.g. ``"sin(x0*x1)"`` (see :func:`parse_expression`).
        path: the image file (``.png``, ``.pdf``, ``.svg``, ``.jpg``), written atomically.
        xlim, ylim, step, method, contour: as in :func:`plot_gradient_field`.
        title: the title (default ``"f = <expression>"``).
        dpi: resolution of raster images.

    Returns:
        ``path``.

    Raises:
        UserInputError: a bad path, expression, range, step or method, or an
            expression that is not finite near a grid point.

    Example:
        >>> import os, tempfile
        >>> path = save_gradient_field("x0*x1", os.path.join(tempfile.mkdtemp(), "xy.png"))
        >>> os.path.getsize(path) > 1000
        True
    """
    from learnact.plotting.expressions import parse_expression
    from learnact.plotting.files import check_image_path, save_figure

    path = check_image_path(path, "path")
    f = parse_expression(expression)
    ax = plot_gradient_field(
        f,
        xlim=xlim,
        ylim=ylim,
        step=step,
        method=method,
        contour=contour,
        title=f"f = {expression}" if title is None else title,
    )
    save_figure(ax.figure, path, dpi=dpi, bbox_inches="tight")
    return path
