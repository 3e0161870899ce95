"""The seed's script ("Deep Learning from Scratch" 4.3.3, gradient_2d.py), redone with learnact.

The original builds the grid by hand and passes ``np.array([X, Y])`` (shape
(2, 324): two "points" in 324 dimensions) where the 324 points of shape (2,)
were meant, and the picture for f = x0*x1 comes out wrong. Here the grid is
built by ``plot_gradient_field`` (rows are points), and the wrong layout, if
anyone still passes it to ``numerical_gradient``, triggers a warning that says
to transpose.

Run:  python examples/gradient_field.py            (writes examples/output/*.png;
                                                   --out DIR --dpi N to choose)
      python examples/gradient_field.py --measure  (accuracy and speed table of docs/gradients.md)
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from learnact.benchmarks.numgrad import book_numerical_gradient, sin_xy_point  # noqa: E402
from learnact.gradients import numerical_gradient  # noqa: E402
from learnact.plotting import plot_gradient_field  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "output"


# The seed's functions, written for a batch of points (N, 2): one call for all of them.
def function_2(x):  # df/dx0 = 2*x0, df/dx1 = 2*x1
    return np.sum(x**2, axis=1)


def function_xy(x):  # df/dx0 = x1, df/dx1 = x0: a saddle
    return x[:, 0] * x[:, 1]


def function_sin_xy(x):  # df/dx0 = x1*cos(x0*x1), df/dx1 = x0*cos(x0*x1)
    return np.sin(x[:, 0] * x[:, 1])


def draw(output: Path, dpi: int):
    """Write the three pictures of the seed's functions to ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    cases = [
        ("x0_squared_plus_x1_squared", function_2, "f = x0**2 + x1**2"),
        ("x0_times_x1", function_xy, "f = x0*x1 (saddle)"),
        ("sin_x0_times_x1", function_sin_xy, "f = sin(x0*x1)"),
    ]
    for stem, f, title in cases:
        ax = plot_gradient_field(f, xlim=(-2, 2), ylim=(-2, 2), step=0.25, title=title)
        path = output / f"gradient_field_{stem}.png"
        ax.figure.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(ax.figure)
        print(f"wrote {path}")

    # The one number the seed checked by hand: grad of x0*x1 at (1, 2) is (2, 1).
    print("grad x0*x1 at (1, 2):", numerical_gradient(function_xy, np.array([[1.0, 2.0]]))[0])


def best_time(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure():
    """Print max relative error vs the analytic gradient, and timings, on the book's grid."""
    x0 = np.arange(-2, 2.5, 0.25)
    grid_x, grid_y = np.meshgrid(x0, x0)
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (324, 2)
    c = np.cos(points[:, 0] * points[:, 1])
    exact = np.stack([points[:, 1] * c, points[:, 0] * c], axis=1)
    scale = np.maximum(1.0, np.abs(exact))
    print("f = sin(x0*x1) on the book's 18x18 grid (324 points), float64")
    print(f"{'method':<22}{'max rel error':>15}{'time (ms)':>12}")
    for method in ("central", "five_point", "complex", "richardson"):
        grad = numerical_gradient(function_sin_xy, points, method=method)
        err = np.max(np.abs(grad - exact) / scale)
        ms = 1e3 * best_time(lambda m=method: numerical_gradient(function_sin_xy, points, method=m))
        print(f"{method:<22}{err:>15.1e}{ms:>12.2f}")
    book = book_numerical_gradient(sin_xy_point, points.copy())
    err = np.max(np.abs(book - exact) / scale)
    ms = 1e3 * best_time(lambda: book_numerical_gradient(sin_xy_point, points.copy()))
    print(f"{'book loop (h=1e-4)':<22}{err:>15.1e}{ms:>12.2f}")
    same = np.array_equal(numerical_gradient(function_sin_xy, points, step=1e-4), book)
    print(f"central, step=1e-4 identical to the book's loop: {same}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder for the pictures")
    parser.add_argument("--dpi", type=int, default=120, help="resolution of the pictures")
    parser.add_argument(
        "--measure", action="store_true", help="print accuracy and timings instead of drawing"
    )
    args = parser.parse_args(argv)
    if args.measure:
        measure()
    else:
        draw(args.out, args.dpi)


if __name__ == "__main__":
    main()
