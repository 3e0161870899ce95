"""plot_gradient_field: the grid is built inside, arrows are -grad f, coloured by |grad f|."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from learnact.plotting import plot_gradient_field  # noqa: E402
from learnact.plotting.gradient_field import gradient_grid  # noqa: E402


def quiver_of(ax):
    return next(c for c in ax.collections if isinstance(c, Quiver))


def test_saddle_field_arrows_are_the_negative_gradient():
    ax = plot_gradient_field(lambda p: p[:, 0] * p[:, 1], contour=False)
    q = quiver_of(ax)
    offsets = q.get_offsets()
    np.testing.assert_allclose(q.U, -offsets[:, 1], atol=1e-8)  # -d(x0 x1)/dx0 = -x1
    np.testing.assert_allclose(q.V, -offsets[:, 0], atol=1e-8)
    np.testing.assert_allclose(q.get_array(), np.hypot(offsets[:, 0], offsets[:, 1]), atol=1e-8)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_xlabel() == "x0"
    plt.close(ax.figure)


def test_book_grid_and_one_point_function_with_contour():
    grid_x, _, points = gradient_grid((-2, 2), (-2, 2), 0.25)
    assert points.shape == (17 * 17, 2) and grid_x.shape == (17, 17)
    ax = plot_gradient_field(lambda p: np.sin(p[0] * p[1]), title="sin")
    q = quiver_of(ax)
    x0, x1 = q.get_offsets().T
    np.testing.assert_allclose(q.U, -x1 * np.cos(x0 * x1), atol=1e-8)
    assert len(ax.collections) > 1 and ax.get_title() == "sin"
    plt.close(ax.figure)


def test_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert plot_gradient_field(lambda p: (p**2).sum(axis=1), ax=ax, step=0.5) is ax
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"xlim": (1, -1)}, "xlim"),
        ({"ylim": (0, np.inf)}, "ylim"),
        ({"step": 0}, "step"),
        ({"step": 1e-3}, "arrows"),
        ({"method": "bogus"}, "method"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_gradient_field(lambda p: p[:, 0], **kwargs)
