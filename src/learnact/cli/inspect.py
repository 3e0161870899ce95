"""``learnact inspect``: what a saved model learned, as formulas and curves."""

from __future__ import annotations

from learnact.cli._common import add_command, headless_plots

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

With --snap it prints the snap table: every KANDense edge and every unit of an
elementwise learned activation fitted by a*g(b*x + c) + d for each known g
(learnact.symbolic.snap; the model file is not changed). The data: --data
FILE (.npy, or .npz with x / x_train); else, for a model in a `learnact train`
run folder, the first 1000 training images of that run's dataset; else 1000
points uniform in --x-range per input unit.

A model with a layer made by learnact.layers.parametric_activation cannot be
loaded here (its formula is Python code the command line does not have): load
it from Python, after making the class again under the same name.

example:
  learnact inspect runs/demo/model.keras --features 3 --plot runs/demo/activations.png
  learnact inspect runs/demo/model.keras --formula --digits 3
  learnact inspect runs/kan/model.keras --snap --min-r2 0.999
"""


def add_parser(subparsers) -> None:
    """Register ``inspect`` and its arguments."""
    parser = add_command(
        subparsers,
        "inspect",
        run,
        help="list the learnact layers of a saved model and show what they learned",
        description=DESCRIPTION,
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
    parser.add_argument(
        "--snap",
        action="store_true",
        help="print the snap table: each KAN edge / activation unit fitted by a*g(b*x+c)+d",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="inputs to snap on (.npy, or .npz with x); default: the run's dataset",
    )
    parser.add_argument(
        "--min-r2", type=float, default=0.99, metavar="R2", help="R^2 a snap must reach (0.99)"
    )


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
        snap=args.snap,
        data=args.data,
        min_r2=args.min_r2,
    )
    print(report, flush=True)
    return 0
