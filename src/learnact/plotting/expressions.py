"""Safe arithmetic expressions in x0, x1: the functions typed in for a gradient field.

The text is parsed with Python's ``ast`` and every node is checked against a
whitelist before anything runs; the accepted tree is then compiled into
nested NumPy closures. Nothing is ever passed to ``eval``/``exec``, so
``__import__('os')``, attributes, subscripts, lambdas, comprehensions,
keywords and unknown names are refused with one clear line.

Grammar: numbers; the variables ``x0``, ``x1`` (aliases ``x``, ``y``); the
constants ``pi``, ``e``; ``+ - * / **`` and unary ``-``/``+``; the functions
``sin cos tan exp log sqrt tanh abs`` of one argument.
"""

from __future__ import annotations

import ast

import numpy as np

from learnact.errors import UserInputError

MAX_LENGTH = 500
MAX_DEPTH = 40

VARIABLES = {"x0": 0, "x": 0, "x1": 1, "y": 1}
CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}
FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
}
_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
_ALLOWED = "variables x0, x1 (or x, y), numbers, pi, e, + - * / ** and " + ", ".join(FUNCTIONS)


class Expression:
    """A parsed expression: callable on points of shape ``(N, 2)`` (or one point ``(2,)``).

    Attributes:
        source: the text it was parsed from.
    """

    def __init__(self, source: str, fn):
        self.source = source
        self._fn = fn

    def __call__(self, points):
        points = np.asarray(points)
        single = points.ndim == 1
        batch = points[None, :] if single else points
        if batch.ndim != 2 or batch.shape[1] != 2:
            raise UserInputError(
                f"an expression in x0, x1 takes points of shape (N, 2); received {points.shape}"
            )
        cols = (batch[:, 0], batch[:, 1])
        # log(-1), 1/0 and overflow give nan/inf, reported by the caller at their
        # points; NumPy's warnings would only repeat that on stderr.
        with np.errstate(all="ignore"):
            out = np.broadcast_to(np.asarray(self._fn(cols)), batch.shape[:1])
        return out[0] if single else np.array(out)

    def __repr__(self):
        return f"Expression({self.source!r})"


def _error(message, node=None):
    where = (
        f" (column {node.col_offset + 1})"
        if node is not None and hasattr(node, "col_offset")
        else ""
    )
    return UserInputError(f"invalid expression: {message}{where}; allowed: {_ALLOWED}")


def _compile(node, depth):
    if depth > MAX_DEPTH:
        raise _error(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _error(f"constant {value!r} is not a real number", node)
        try:
            number = float(value)  # floats only: no arbitrary-precision integer powers
        except OverflowError:
            digits = len(str(value))
            raise _error(f"constant of {digits} digits is too large for a float", node) from None
        if not np.isfinite(number):
            # Python reads 1e400 as inf: say so here, not later as an inf "near x".
            raise _error("a number too large for a float (it reads as inf)", node)
        return lambda cols: number
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            index = VARIABLES[node.id]
            return lambda cols: cols[index]
        if node.id in CONSTANTS:
            number = CONSTANTS[node.id]
            return lambda cols: number
        raise _error(f"name {node.id!r} is not allowed", node)
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise _error(f"operator {type(node.op).__name__} is not allowed", node)
        left = _compile(node.left, depth + 1)
        right = _compile(node.right, depth + 1)
        return lambda cols: op(left(cols), right(cols))
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, depth + 1)
        if isinstance(node.op, ast.USub):
            return lambda cols: np.negative(operand(cols))
        if isinstance(node.op, ast.UAdd):
            return operand
        raise _error(f"operator {type(node.op).__name__} is not allowed", node)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
            raise _error(f"call of {name!r} is not allowed", node)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _error(f"{node.func.id}() takes exactly one argument", node)
        fn = FUNCTIONS[node.func.id]
        arg = _compile(node.args[0], depth + 1)
        return lambda cols: fn(arg(cols))
    raise _error(f"{type(node).__name__} is not allowed", node)


def parse_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression` callable on ``(N, 2)`` points.

    Args:
        text: e.g. ``"x0**2 + x1**2"``, ``"sin(x*y)"``; at most 500 characters
            and 40 levels of nesting.

    Returns:
        The compiled :class:`Expression` (``f(points) -> (N,)``).

    Raises:
        ValueError: one line naming what is not allowed (syntax, names,
            attributes, calls, lambdas, comprehensions, length, depth).

    Example:
        >>> parse_expression("x0 * x1")([[2.0, 3.0], [1.0, -1.0]])
        array([ 6., -1.])
    """
    if not isinstance(text, str):
        raise UserInputError(f"the expression must be a string; received {text!r}")
    if len(text) > MAX_LENGTH:
        raise _error(f"longer than {MAX_LENGTH} characters ({len(text)})")
    if not text.strip():
        raise _error("empty")
    if text.count("(") > MAX_DEPTH:
        # Refuse before ast.parse: CPython's own parser can overflow on deep nesting.
        raise _error(f"nested more than {MAX_DEPTH} levels deep")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _error(f"syntax error at column {exc.offset}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _error(f"cannot be parsed ({type(exc).__name__})") from None
    try:
        fn = _compile(tree.body, 0)
    except RecursionError:
        raise _error(f"nested more than {MAX_DEPTH} levels deep") from None
    return Expression(text, fn)
