"""The exact formula of a whole Keras model: one sympy expression per output unit."""

from __future__ import annotations

import keras
import numpy as np

from learnact._keras_private import run_through_graph
from learnact.errors import UserInputError
from learnact.symbolic.expressions import rule_for


def formula(model, inputs=None, *, simplify: bool = False) -> list:
    """Return the sympy expression of every output unit of ``model``, exactly.

    The model's layers are closed-form (polynomials, rationals, B-splines,
    the soft exponential, fixed activations), so the network *is* a formula:
    each layer's weights enter as exact numbers, and ``sympy.lambdify`` of the
    result reproduces ``model.predict`` to float rounding. Supported: Dense,
    learnact's layers, parametric_activation layers whose formula sympy can
    evaluate (or that have a twin, :func:`register_twin`), Keras's fixed
    activations, Add/Subtract/Multiply/Average/Maximum/Minimum/Concatenate,
    Dropout-like layers (identity at inference), BatchNormalization (inference),
    Flatten/Reshape, nested Sequential and functional models. Layer rules
    live in :mod:`learnact.symbolic.expressions`.

    Evaluate it with ``sympy.lambdify(symbols, exprs, ["scipy", "numpy"],
    cse=True)``: ``erf`` needs scipy, and common subexpressions keep deep
    networks (whose printed trees grow with every layer) fast to compile.
    Branches (ReLU, ELU, clips) are written with ``Max``, ``Min`` and
    ``Heaviside``; the soft exponential's logarithm is the mathematical one,
    exact inside its domain (the layer continues it linearly past the pole).

    Formula:
        outputs[k] = the k-th unit of the flattened model outputs, as a
        function of the symbols of the flattened input units.

    Args:
        model: a built Keras ``Sequential`` or functional model.
        inputs: names of the input units, in the order of the flattened
            inputs (a sequence of str or sympy Symbols, or one string such
            as ``"x y"``); default ``x1, x2, ...``. Names given as strings
            become real symbols.
        simplify: apply ``sympy.simplify`` to each expression (slow for
            large networks).

    Returns:
        A list of sympy expressions, one per output unit.

    Raises:
        ValueError: a layer the formula cannot express (named), a model
            that is not built or is subclassed, or ``inputs`` naming a
            different number of input units than the model has.

    Example:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, "tanh")])
        >>> model.layers[0].set_weights([np.array([[2.0], [-1.0]]), np.array([0.5])])
        >>> formula(model)
        [tanh(2*x1 - x2 + 0.5)]
        >>> formula(model, inputs="u v")
        [tanh(2*u - v + 0.5)]
    """
    import sympy

    shapes = _input_shapes(model)
    symbols = input_symbols(inputs, sum(int(np.prod(s, dtype=int)) for s in shapes))
    values, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=int))
        values.append(np.array(symbols[start : start + size], dtype=object).reshape(shape))
        start += size
    outputs = evaluate(model, values)
    expressions = [sympy.sympify(e) for out in outputs for e in np.asarray(out).reshape(-1)]
    if simplify:
        expressions = [sympy.simplify(e) for e in expressions]
    return expressions


def input_symbols(inputs, count: int) -> list:
    """Return ``count`` sympy symbols: ``x1 ... x{count}`` or those named by ``inputs``.

    Raises:
        ValueError: ``inputs`` names a different number of units than ``count``,
            or holds something other than names and symbols.

    Example:
        >>> input_symbols(None, 2), input_symbols("u v", 2)
        ([x1, x2], [u, v])
    """
    import sympy

    if inputs is None:
        return [sympy.Symbol(f"x{i}", real=True) for i in range(1, count + 1)]
    if isinstance(inputs, str):
        inputs = inputs.replace(",", " ").split()
    names = list(inputs) if not isinstance(inputs, sympy.Symbol) else [inputs]
    symbols = []
    for name in names:
        if isinstance(name, str) and name.isidentifier():
            symbols.append(sympy.Symbol(name, real=True))
        elif isinstance(name, sympy.Symbol):
            symbols.append(name)
        else:
            raise UserInputError(
                f"`inputs` must hold names (identifiers) or sympy Symbols; received {name!r}"
            )
    if len(symbols) != count:
        raise UserInputError(
            f"the model has {count} input unit(s) but `inputs` names {len(symbols)}: "
            f"received inputs={[str(s) for s in symbols]!r}"
        )
    return symbols


def _input_shapes(model) -> list[tuple]:
    if not isinstance(model, keras.Model):
        raise UserInputError(f"`model` must be a Keras model; received {type(model).__name__}")
    try:
        tensors = list(model.inputs)
    except (AttributeError, ValueError):
        tensors = None
    if not tensors:
        raise UserInputError(
            f"model {model.name!r} has no known inputs: build it from keras.Input "
            "(a subclassed model has no graph to export)"
        )
    shapes = []
    for tensor in tensors:
        shape = tuple(tensor.shape[1:])
        if any(size is None for size in shape):
            raise UserInputError(
                f"model {model.name!r}: an input of unknown size {tuple(tensor.shape)} has no "
                "formula (one symbol per input unit)"
            )
        shapes.append(shape)
    return shapes


def evaluate(model, values: list) -> list:
    """Run ``model`` on object arrays of sympy expressions; return the flat list of outputs.

    Args:
        model: a Sequential or functional Keras model.
        values: one object array per model input, shaped like one sample.

    Returns:
        One object array per model output.
    """
    if isinstance(model, keras.Sequential):
        (value,) = values
        for layer in model.layers:
            value = apply(layer, value)
        return [value]
    if not hasattr(model, "_run_through_graph"):
        raise UserInputError(
            f"model {model.name!r} ({type(model).__name__}) is subclassed: it has no graph "
            "to export; build it with the functional API or Sequential"
        )
    outputs = run_through_graph(model, values, lambda layer: _caller(layer))
    return list(keras.tree.flatten(outputs))


def _caller(layer):
    def call(*args, **kwargs):  # kwargs such as training=: inference is what is exported
        return apply(layer, *args)

    return call


def apply(layer, *args):
    """Apply ``layer``'s rule (or a nested model's graph) to symbolic values.

    Raises:
        ValueError: no rule for the layer's class, naming the layer and class.
    """
    if isinstance(layer, keras.layers.InputLayer):
        return args[0]
    if isinstance(layer, keras.Model):
        flat = list(keras.tree.flatten(args))
        outputs = evaluate(layer, flat)
        return outputs[0] if len(outputs) == 1 else outputs
    rule = rule_for(layer)
    if rule is None:
        raise UserInputError(
            f"layer {layer.name!r} of class {type(layer).__name__} has no formula "
            "(learnact.symbolic.expressions.RULES lists the classes that have one)"
        )
    # The rule sees a fresh real symbol for every input larger than SMALL,
    # and its result gets the inputs back without evaluation: sympy's
    # automatic evaluation asks questions (is it real? positive? zero?) that
    # walk the whole expression of every earlier layer, and folds Piecewise
    # and Abs through them -- minutes on a few layers, for nothing numeric.
    mapping: dict = {}
    placeholders = tuple(_placeholders(arg, mapping) for arg in args)
    result = rule(layer, *placeholders)
    if not mapping:
        return result
    return _substituted(result, mapping, {})


# Inputs of at most this many nodes go to a rule as they are (sympy's
# evaluation of them is cheap, and keeps ``0.25*(2*x1 + 1)`` as ``0.5*x1 + 0.25``).
SMALL = 32


def _smaller_than(expression, limit: int) -> bool:
    """Whether ``expression`` has at most ``limit`` nodes (stops counting past it)."""
    stack, seen = [expression], 0
    while stack:
        seen += 1
        if seen > limit:
            return False
        stack.extend(stack.pop().args)
    return True


def _placeholders(value, mapping: dict):
    """``value`` (array, list or expression) with every large expression replaced by a Dummy."""
    import sympy

    if isinstance(value, np.ndarray):
        out = np.empty(value.shape, dtype=object)
        for index in np.ndindex(value.shape):
            out[index] = _placeholders(value[index], mapping)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(_placeholders(v, mapping) for v in value)
    expression = sympy.sympify(value)
    if _smaller_than(expression, SMALL):
        return expression
    dummy = sympy.Dummy(real=True)
    mapping[dummy] = expression
    return dummy


def _substituted(value, mapping: dict, memo: dict):
    """``value`` with its placeholders replaced by ``mapping``'s expressions, unevaluated."""
    if isinstance(value, np.ndarray):
        out = np.empty(value.shape, dtype=object)
        for index in np.ndindex(value.shape):
            out[index] = _substituted(value[index], mapping, memo)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(_substituted(v, mapping, memo) for v in value)
    return rebuild(value, mapping, memo)


def rebuild(expression, mapping: dict, memo: dict | None = None):
    """``expression`` with the subexpressions keyed in ``mapping`` replaced, nothing re-evaluated.

    ``xreplace`` would rebuild every node above a replacement with sympy's
    evaluation, which inspects (and may fold) the inserted expressions; here
    each node above one is rebuilt as written (``evaluate=False``, Piecewise
    from its pairs), so the cost is the size of ``expression`` alone.

    Example:
        >>> import sympy
        >>> x, y = sympy.symbols("x y")
        >>> rebuild(2 * x + 1, {x: y + 1})
        2*(y + 1) + 1
    """
    import sympy

    memo = {} if memo is None else memo
    if not isinstance(expression, sympy.Basic):
        return expression
    if not expression.args and expression not in mapping:
        return expression  # (a number's hash is recomputed at every lookup)
    if expression in memo:
        return memo[expression]
    if expression in mapping:
        out = mapping[expression]
    else:
        args = [rebuild(arg, mapping, memo) for arg in expression.args]
        if all(new is old for new, old in zip(args, expression.args, strict=True)):
            out = expression
        else:
            out = _unevaluated(expression, args)
    memo[expression] = out
    return out


def _unevaluated(expression, args):
    """A node of ``expression``'s class on ``args``, built without sympy's evaluation."""
    import sympy
    from sympy.core.containers import Tuple
    from sympy.functions.elementary.piecewise import ExprCondPair

    if isinstance(expression, ExprCondPair):
        return Tuple.__new__(ExprCondPair, *args)
    if isinstance(expression, (sympy.Piecewise, Tuple)):
        return sympy.Basic.__new__(type(expression), *args)
    try:
        return expression.func(*args, evaluate=False)
    except TypeError:  # a class without evaluate=: built the ordinary way
        return expression.func(*args)


__all__ = ["apply", "evaluate", "formula", "input_symbols", "rebuild"]
