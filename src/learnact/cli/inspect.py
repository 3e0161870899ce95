"""``learnact inspect``: what a saved model learned, as formulas and curves."""

from __future__ import annotations

import argparse
import os

from learnact._checks import check_interval, first_line
from learnact.cli._common import headless_plots, one_line_errors, say
from learnact.cli.errors import CLIError

DESCRIPTION = """\
Load a .keras model (Keras's safe_mode stays on: nothing but registered layers
is deserialized), list its learnact layers, print the learned polynomial of a
few features of every series layer (sympy), and plot the learned activation
curves with learnact.plotting.plot_activation.

For TaylorExpansion the polynomial is f(x) = sum_p c_p (x - center)^p of each
feature; for PolynomialDense it is g_ij(x) = sum_p W_p[i, j] B_p(x), the
contribution of input i to unit j, for its most nonlinear connections.

example:
  learnact inspect runs/demo/model.keras --features 3 --plot runs/demo/activations.png
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
    one_line_errors(parser, "inspect")
    parser.set_defaults(func=run)


def load_model(path: str):
    """Load ``path`` with ``safe_mode=True`` after registering learnact's layers.

    Raises:
        FileNotFoundError: no such file.
        CLIError: the file is not a loadable ``.keras`` model (the reason is
            in the message; unsafe content is refused by Keras).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if not path.endswith(".keras"):
        raise CLIError(f"{path!r} is not a .keras file (Keras 3's saving format)")
    import keras

    import learnact.layers  # noqa: F401  (registers the learnact classes)

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad archive
        reason = first_line(exc)
        raise CLIError(f"cannot load {path}: {reason}") from exc


def series_polynomial(coefficients, center=0.0, digits=4, symbol="x"):
    """Return the sympy expression ``sum_p c_p (x - center)^p`` with rounded coefficients.

    Args:
        coefficients: ``[c_0, ..., c_n]``.
        center: expansion point.
        digits: significant digits of each coefficient.
        symbol: name of the variable.

    Returns:
        A ``sympy.Expr``; print it with ``str`` or ``sympy.pretty``.

    Example:
        >>> str(series_polynomial([0.0, 1.0, 0.0, -1 / 6]))
        '-0.1667*x**3 + 1.0*x'
    """
    import sympy

    x = sympy.Symbol(symbol)
    t = x - sympy.Float(center, digits) if center else x
    return sympy.Add(
        *(sympy.Float(float(c), digits) * t**p for p, c in enumerate(coefficients) if c != 0)
    )


def basis_polynomial(weights, basis: str, digits=4, symbol="x"):
    """Return ``sum_{p=1..n} w_p B_p(x)`` expanded in monomials (``B`` monomial or Chebyshev)."""
    import sympy

    from learnact.ops.basis import basis_terms

    x = sympy.Symbol(symbol)
    basis_values = basis_terms(x, len(weights), basis)
    terms = [sympy.Float(float(w), 12) * b for w, b in zip(weights, basis_values, strict=True)]
    expanded = sympy.expand(sympy.Add(*terms))
    return expanded.xreplace({n: sympy.Float(n, digits) for n in expanded.atoms(sympy.Float)})


def _describe(layer) -> str:
    config = layer.get_config()
    keys = ("order", "center", "parameterization", "merge", "shared_axes", "basis", "units")
    details = [f"{k}={config[k]!r}" for k in keys if k in config and config[k] is not None]
    if config.get("input_bound") is not None:
        details.append(f"input_bound={config['input_bound']} ({config.get('bound_method')})")
    return ", ".join(details)


def _print_taylor(layer, features: int, digits: int) -> None:
    import numpy as np
    import sympy

    coefficients = layer.effective_coefficients()
    shape = coefficients.shape[:-1]
    flat = coefficients.reshape(-1, coefficients.shape[-1])
    variable = "x"
    if layer.input_bound is not None:
        variable = "u"
        b = layer.input_bound
        inner = f"x - {layer.center}" if layer.center else "x"
        how = f"{b}*tanh(({inner})/{b})" if layer.bound_method == "tanh" else f"clip({inner})"
        say(f"    with u = {how}")
    for index in range(min(features, len(flat))):
        where = np.unravel_index(index, shape) if len(shape) > 1 else (index,)
        label = ", ".join(str(int(i)) for i in where)
        center = 0.0 if layer.input_bound is not None else layer.center
        expr = series_polynomial(flat[index], center, digits, symbol=variable)
        say(f"    f[{label}]({variable}) = {sympy.sstr(expr)}")
    if len(flat) > features:
        say(f"    ... {len(flat) - features} more features")


def _print_polynomial_dense(layer, features: int, digits: int) -> None:
    import numpy as np
    import sympy

    from learnact.plotting.activation import strongest_connections

    weights = layer.kernel_by_degree()
    if layer.input_bound is not None:
        say(f"    with x bounded to [-{layer.input_bound}, {layer.input_bound}]")
    for flat in strongest_connections(weights, features):
        i, j = (int(v) for v in np.unravel_index(int(flat), weights.shape[1:]))
        expr = basis_polynomial(weights[:, i, j], layer.basis, digits)
        say(f"    g[{i} -> {j}](x) = {sympy.sstr(expr)}")


def run(args) -> int:
    """Print the learnact layers of ``args.model`` and plot their curves; return 0."""
    headless_plots()
    from learnact._checks import check_int

    features = check_int("features", args.features, minimum=1)
    digits = check_int("digits", args.digits, minimum=1, maximum=15)
    x_range = check_interval("--x-range", args.x_range)
    model = load_model(args.model)
    from learnact.layers import PolynomialDense, learnact_layers
    from learnact.plotting.activation import plot_activation
    from learnact.training.files import save_figure

    say(f"{args.model}: model {model.name!r}, {model.count_params():,} parameters")
    layers = learnact_layers(model)
    if not layers:
        say("no learnact layers (a model with fixed activations only)")
        return 0
    say(f"{len(layers)} learnact layer(s):")
    for layer in layers:
        summary = f"{type(layer).__name__}({_describe(layer)})"
        say(f"  {layer.name}: {summary}, {layer.count_params():,} weights")
        if hasattr(layer, "effective_coefficients"):
            _print_taylor(layer, features, digits)
        elif isinstance(layer, PolynomialDense):
            _print_polynomial_dense(layer, features, digits)

    plot_path = args.plot or os.path.join(
        os.path.dirname(os.path.abspath(args.model)), "activations.png"
    )
    if os.path.isdir(plot_path):
        raise CLIError(f"--plot {plot_path!r} is a directory; give a .png file name")
    try:
        figure = plot_activation(model, x_range=x_range, features=features)
    except ValueError as exc:
        say(f"no plot: {exc}")
        return 0
    save_figure(figure, plot_path, dpi=100)
    say(f"activation curves written to {plot_path}")
    return 0
