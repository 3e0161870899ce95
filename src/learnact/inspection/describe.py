"""What a model's learnact layers learned, as data: one description per layer, with formulas.

:func:`describe` walks the learnact layers of a model (the Keras registry
decides which, :func:`learnact.layers.learnact_layers`) and asks the
*describer* registered for each layer's class for its notes and formulas.
Formulas are sympy expressions; ``str(description)`` renders the text that
``learnact inspect`` prints.

To describe a new layer family, write one function here::

    @describes(MyLayer)
    def _my_layer(layer, features, digits) -> Details:
        ...

and, if its configuration has keys worth a mention in the summary line,
add them to :data:`SUMMARY_KEYS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from learnact._checks import check_int
from learnact.layers import (
    KANDense,
    PolynomialDense,
    Rational,
    SnappedActivation,
    SnappedKANDense,
    TaylorExpansion,
    learnact_layers,
)

# Configuration entries shown in a layer's summary line, when present and not None.
SUMMARY_KEYS = ("order", "center", "parameterization", "merge", "shared_axes", "basis", "units")
SUMMARY_KEYS += ("grid_size", "spline_order")
SUMMARY_KEYS += ("numerator_degree", "denominator_degree", "form", "approximates", "groups")


@dataclasses.dataclass
class Details:
    """What a describer says about one layer.

    Attributes:
        notes: lines printed before the formulas (e.g. how the input is bounded).
        formulas: ``[(label, sympy expression)]``, e.g. ``("f[0](x)", x - x**3/6)``.
        hidden: how many more formulas the layer has beyond those shown.
    """

    notes: list = dataclasses.field(default_factory=list)
    formulas: list = dataclasses.field(default_factory=list)
    hidden: int = 0


@dataclasses.dataclass
class LayerDescription:
    """One learnact layer of a model: its summary and what it learned.

    Attributes:
        name: the layer's name in the model.
        class_name: its class.
        summary: its notable configuration, e.g. ``"order=3, center=0.0"``.
        weights: its number of weights.
        details: the describer's :class:`Details` (empty if the class has none).
    """

    name: str
    class_name: str
    summary: str
    weights: int
    details: Details

    def lines(self) -> list[str]:
        """The text of this layer in ``learnact inspect``'s output."""
        import sympy

        out = [f"  {self.name}: {self.class_name}({self.summary}), {self.weights:,} weights"]
        out += [f"    {note}" for note in self.details.notes]
        out += [f"    {label} = {sympy.sstr(expr)}" for label, expr in self.details.formulas]
        if self.details.hidden:
            out.append(f"    ... {self.details.hidden} more features")
        return out


@dataclasses.dataclass
class ModelDescription:
    """A model's learnact layers; ``str()`` is the text ``learnact inspect`` prints.

    Attributes:
        name: the model's name.
        parameters: its number of parameters.
        layers: one :class:`LayerDescription` per learnact layer, in order.
    """

    name: str
    parameters: int
    layers: list

    def lines(self) -> list[str]:
        """The lines of ``str(self)``."""
        out = [f"model {self.name!r}, {self.parameters:,} parameters"]
        if not self.layers:
            return out + ["no learnact layers (a model with fixed activations only)"]
        out.append(f"{len(self.layers)} learnact layer(s):")
        for layer in self.layers:
            out += layer.lines()
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


# Describers by layer class; the most specific class of a layer wins.
DESCRIBERS: dict[type, Callable[[Any, int, int], Details]] = {}


def describes(layer_class):
    """Register the decorated ``fn(layer, features, digits) -> Details`` for ``layer_class``."""

    def register(fn):
        DESCRIBERS[layer_class] = fn
        return fn

    return register


def describe(model, features: int = 3, digits: int = 4) -> ModelDescription:
    """Describe the learnact layers of ``model``: configuration and learned formulas.

    Args:
        model: a Keras model (built).
        features: how many features (or connections) of each layer get a formula.
        digits: significant digits of the coefficients in the formulas (1 to 15).

    Returns:
        A :class:`ModelDescription`; ``print`` it for the text.

    Raises:
        UserInputError: ``features`` below 1 or ``digits`` outside [1, 15].

    Example:
        >>> import keras
        >>> from learnact.layers import TaylorExpansion
        >>> model = keras.Sequential([keras.Input((2,)), TaylorExpansion(2, name="t")], name="m")
        >>> print(describe(model, features=1))
        model 'm', 6 parameters
        1 learnact layer(s):
          t: TaylorExpansion(order=2, center=0.0, parameterization='direct', merge='sum'), 6 weights
            f[0](x) = 1.0*x
            ... 1 more features
    """
    features = check_int("features", features, minimum=1)
    digits = check_int("digits", digits, minimum=1, maximum=15)
    layers = []
    for layer in learnact_layers(model):
        describer = _describer_for(layer)
        details = describer(layer, features, digits) if describer else Details()
        layers.append(
            LayerDescription(
                layer.name, type(layer).__name__, summary(layer), layer.count_params(), details
            )
        )
    return ModelDescription(model.name, int(model.count_params()), layers)


def _describer_for(layer):
    for cls in type(layer).__mro__:
        if cls in DESCRIBERS:
            return DESCRIBERS[cls]
    return None


def summary(layer) -> str:
    """Return the notable configuration of ``layer``: ``"order=3, center=0.0, ..."``."""
    config = layer.get_config()
    details = [f"{k}={config[k]!r}" for k in SUMMARY_KEYS if config.get(k) is not None]
    if config.get("input_bound") is not None:
        details.append(f"input_bound={config['input_bound']} ({config.get('bound_method')})")
    return ", ".join(details)


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
    """Return ``sum_{p=1..n} w_p B_p(x)`` expanded in monomials (the basis of :mod:`learnact.ops`).

    Example:
        >>> str(basis_polynomial([0.0, 1.0], "chebyshev"))   # T_2 = 2x^2 - 1
        '2.0*x**2 - 1.0'
    """
    import sympy

    from learnact.ops.basis import basis_terms

    x = sympy.Symbol(symbol)
    basis_values = basis_terms(x, len(weights), basis)
    terms = [sympy.Float(float(w), 12) * b for w, b in zip(weights, basis_values, strict=True)]
    expanded = sympy.expand(sympy.Add(*terms))
    return expanded.xreplace({n: sympy.Float(n, digits) for n in expanded.atoms(sympy.Float)})


@describes(TaylorExpansion)
def _taylor(layer, features: int, digits: int) -> Details:
    """``f[i](x) = sum_p c_p (x - center)^p`` for the first ``features`` elements."""
    coefficients = layer.effective_coefficients()
    shape = coefficients.shape[:-1]
    flat = coefficients.reshape(-1, coefficients.shape[-1])
    details = Details(hidden=max(0, len(flat) - features))
    variable = "x"
    if layer.input_bound is not None:
        variable = "u"
        b = layer.input_bound
        inner = f"x - {layer.center}" if layer.center else "x"
        how = f"{b}*tanh(({inner})/{b})" if layer.bound_method == "tanh" else f"clip({inner})"
        details.notes.append(f"with u = {how}")
    center = 0.0 if layer.input_bound is not None else layer.center
    for index in range(min(features, len(flat))):
        where = np.unravel_index(index, shape) if len(shape) > 1 else (index,)
        label = ", ".join(str(int(i)) for i in where)
        expr = series_polynomial(flat[index], center, digits, symbol=variable)
        details.formulas.append((f"f[{label}]({variable})", expr))
    return details


@describes(PolynomialDense)
def _polynomial_dense(layer, features: int, digits: int) -> Details:
    """``g[i -> j](x) = sum_p W_p[i, j] B_p(x)`` for the most nonlinear connections."""
    from learnact.plotting.activation import strongest_connections

    weights = layer.kernel_by_degree()
    details = Details()
    if layer.input_bound is not None:
        details.notes.append(f"with x bounded to [-{layer.input_bound}, {layer.input_bound}]")
    for flat in strongest_connections(weights, features):
        i, j = (int(v) for v in np.unravel_index(int(flat), weights.shape[1:]))
        expr = basis_polynomial(weights[:, i, j], layer.basis, digits)
        details.formulas.append((f"g[{i} -> {j}](x)", expr))
    return details


def rational_expression(numerator, denominator, form="safe", digits=4, symbol="x"):
    """Return the sympy expression ``P(x) / Q(x)`` of a rational activation, rounded.

    Args:
        numerator: ``[a_0, ..., a_m]``.
        denominator: ``[1, b_1, ..., b_n]`` (the leading 1 included).
        form: "safe" (``Q = 1 + sum |b_k| |x|^k``), "abs_sum" or "pade".
        digits: significant digits of each coefficient.
        symbol: name of the variable.

    Returns:
        A ``sympy.Expr``.

    Example:
        >>> str(rational_expression([0.0, 1.0], [1.0, -0.5]))
        '1.0*x/(0.5*Abs(x) + 1)'
    """
    import sympy

    x = sympy.Symbol(symbol)
    p = series_polynomial(numerator, 0.0, digits, symbol)
    b = [float(v) for v in denominator[1:]]
    if form == "safe":
        q = 1 + sympy.Add(
            *(sympy.Float(abs(c), digits) * sympy.Abs(x) ** k for k, c in enumerate(b, 1) if c)
        )
    else:
        polynomial = series_polynomial([0.0, *b], 0.0, digits, symbol)
        q = 1 + (sympy.Abs(polynomial) if form == "abs_sum" else polynomial)
    return p / q


@describes(Rational)
def _rational(layer, features: int, digits: int) -> Details:
    """``r[i](x) = P(x) / Q(x)`` for the first ``features`` coefficient sets."""
    numerator, denominator = layer.coefficients()
    shape = numerator.shape[:-1]
    flat_p = numerator.reshape(-1, numerator.shape[-1])
    flat_q = denominator.reshape(-1, denominator.shape[-1])
    details = Details(hidden=max(0, len(flat_p) - features))
    if layer.groups is not None:
        details.notes.append(f"{layer.groups} group(s) of the last axis, one function each")
    for index in range(min(features, len(flat_p))):
        where = np.unravel_index(index, shape) if len(shape) > 1 else (index,)
        label = ", ".join(str(int(i)) for i in where)
        expr = rational_expression(flat_p[index], flat_q[index], layer.form, digits)
        details.formulas.append((f"r[{label}](x)", expr))
    return details


@describes(KANDense)
def _kan_dense(layer, features: int, digits: int) -> Details:
    """The grid, and the strongest edges ``x_i -> y_j`` by pykan's score (mean ``|phi_ij|``).

    For the Chebyshev basis each shown edge also gets its formula,
    ``w silu(x) + sum_k c_k T_k(u)`` with ``u = tanh((x - c) / r)``.
    """
    import keras
    import sympy

    from learnact.plotting.kan import edge_curves, edge_strength

    knots = np.asarray(keras.ops.convert_to_numpy(layer.grid), dtype=np.float64)
    low, high = knots[:, layer.spline_order], knots[:, -1 - layer.spline_order]
    details = Details()
    if np.ptp(low) == 0 and np.ptp(high) == 0:
        interval = f"[{low[0]:.{digits}g}, {high[0]:.{digits}g}]"
        details.notes.append(f"grid range {interval} on every input")
    else:
        details.notes.append(
            f"grid ranges from [{low.min():.{digits}g}, {high.min():.{digits}g}] "
            f"to [{low.max():.{digits}g}, {high.max():.{digits}g}] (adapted per input)"
        )
    _, phi = edge_curves(layer)
    score = edge_strength(phi)
    strongest = np.argsort(-score, axis=None)[:features]
    edges = [np.unravel_index(int(flat), score.shape) for flat in strongest]
    described = ", ".join(f"x{i}->y{j} {score[i, j]:.{digits}g}" for i, j in edges)
    details.notes.append(f"strongest edges (mean |phi|): {described}")
    details.hidden = max(0, score.size - len(edges)) if layer.basis == "chebyshev" else 0
    if layer.basis != "chebyshev":
        return details
    spline = np.asarray(keras.ops.convert_to_numpy(layer.scaled_spline_kernel))
    base = None if layer.base_kernel is None else keras.ops.convert_to_numpy(layer.base_kernel)
    x = sympy.Symbol("x")
    for i, j in edges:
        centre, half = (low[i] + high[i]) / 2, (high[i] - low[i]) / 2
        details.notes.append(f"x{i}: u = tanh((x - {centre:.{digits}g})/{half:.{digits}g})")
        expr = basis_polynomial(spline[i, :, j], "chebyshev", digits, symbol="u")
        if base is not None:
            name = keras.activations.serialize(layer.base_activation)
            name = name if isinstance(name, str) else "base"
            expr = sympy.Float(float(base[i, j]), digits) * sympy.Function(name)(x) + expr
        details.formulas.append((f"phi[x{i} -> y{j}]", expr))
    return details


@describes(SnappedKANDense)
def _snapped_kan_dense(layer, features: int, digits: int) -> Details:
    """A KANDense's description, then every snapped edge's ``a g(b x + c) + d``."""
    import keras
    import sympy

    from learnact.inspection.formulas import rounded
    from learnact.symbolic.snap import library_functions

    details = _kan_dense(layer, features, digits)
    affine = np.asarray(keras.ops.convert_to_numpy(layer.affine), dtype=np.float64)
    details.notes.append(f"{len(layer.symbolic_edges)} edge(s) snapped to known functions:")
    x = sympy.Symbol("x")
    for (i, j, name), (a, b, c, d) in zip(layer.symbolic_edges, affine, strict=True):
        (function,) = library_functions([name])
        expr = sympy.Float(a) * function.sympy(sympy.Float(b) * x + sympy.Float(c)) + sympy.Float(d)
        details.formulas.append((f"phi[x{i} -> y{j}]({name})", rounded(expr, digits)))
    return details


@describes(SnappedActivation)
def _snapped_activation(layer, features: int, digits: int) -> Details:
    """The first ``features`` units' ``a g(b x + c) + d``."""
    import keras
    import sympy

    from learnact.inspection.formulas import rounded
    from learnact.symbolic.snap import library_functions

    affine = np.asarray(keras.ops.convert_to_numpy(layer.affine), dtype=np.float64)
    affine = affine.reshape(-1, 4)
    names = layer.unit_functions.reshape(-1)
    details = Details(notes=[f"{len(names)} unit(s), each a*g(b*x + c) + d:"])
    x = sympy.Symbol("x")
    for u in range(min(features, len(names))):
        a, b, c, d = affine[u]
        (function,) = library_functions([names[u]])
        expr = sympy.Float(a) * function.sympy(sympy.Float(b) * x + sympy.Float(c)) + sympy.Float(d)
        details.formulas.append((f"f[unit {u}]({names[u]})", rounded(expr, digits)))
    details.hidden = max(0, len(names) - features)
    return details


__all__ = [
    "rational_expression",
    "DESCRIBERS",
    "SUMMARY_KEYS",
    "Details",
    "LayerDescription",
    "ModelDescription",
    "basis_polynomial",
    "describe",
    "describes",
    "series_polynomial",
    "summary",
]
