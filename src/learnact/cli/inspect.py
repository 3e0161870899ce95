"""``learnact inspect``: what a saved model learned, as formulas and curves."""

from __future__ import annotations

import argparse

from learnact.cli._common import headless_plots, one_line_errors

DESCRIPTION = """\
Load a .keras model (Keras's safe_mode stays on: nothing but registered layers
is deserialized), list its learnact layers, print the learned polynomial of a
few features of every series layer (sympy), and plot the learned activation
curves with learnact.plotting.plot_activation.

For TaylorExpansion the polynomial is f(x) = sum_p c_p (x - center)^p of each
feature; for PolynomialDense it is g_ij(x) = sum_p W_p[i, j] B_p(x), the
contribution of input i to unit j, for its most nonlinear connections. For
KANDense every edge's learned function phi_ij is drawn in a grid of small
plots, as pykan's plot() does (<layer>-edges.png next to the curves), and its
strongest edges are listed (with formulas for the Chebyshev basis).

With --formula (or --latex) it also prints the exact formula of the whole
network, y1, y2, ... in the input units x1, x2, ... (learnact.symbolic.formula).

A model with a layer made by learnact.layers.parametric_activation cannot be
loaded here (its formula is Python code the command line does not have): load
it from Python, after making the class again under the same name.

example:
  learnact inspect runs/demo/model.keras --features 3 --plot runs/demo/activations.png
  learnact inspect runs/demo/model.keras --formula --digits 3
"""


def add_parser(subparsers) -> None:
    """Register ``inspect`` and its arguments."""
    parser = subparsers.add_parser(
        "inspect",
        help="list the learnact layers of a saved model and show what they learned",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL.keras", help="a model saved by Keras")
    parser.add_argument(
        "--features", type=int, default=3, metavar="N", help="features shown per layer (3)"
    )
    parser.add_argument(
        "--plot",
        metavar="PNG",
        help="where to write the activation curves (default: activations.png next to the model)",
    )
    parser.add_argument(
        "--x-range",
        type=float,
        nargs=2,
        default=(-3.0, 3.0),
        metavar=("LOW", "HIGH"),
        help="input range of the curves (-3 3)",
    )
    parser.add_argument("--digits", type=int, default=4, metavar="N", help="significant digits (4)")
    parser.add_argument(
        "--formula",
        action="store_true",
        help="also print the exact formula of the whole network (one per output unit)",
    )
    parser.add_argument("--latex", action="store_true", help="print that formula as LaTeX")
    one_line_errors(parser, "inspect")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Print :func:`learnact.inspection.inspect_model`'s report; return 0."""
    headless_plots()
    from learnact.inspection import inspect_model

    report = inspect_model(
        args.model,
        features=args.features,
        digits=args.digits,
        x_range=args.x_range,
        plot=args.plot,
        formula=args.formula,
        latex=args.latex,
    )
    print(report, flush=True)
    return 0
