"""Evaluating exported formulas with NumPy: sympy.lambdify with sharing kept.

A network's formula is a tree in print but a DAG in memory: every layer's
output is one sympy object, used by every unit of the next layer (and several
times by each, in a Piecewise or a Horner polynomial). Printed as a tree it
can be millions of nodes for a few layers. :func:`shared_subexpressions`
names each node used more than once, visiting each distinct node once, and
:func:`lambdify` gives that to ``sympy.lambdify`` as its ``cse``.
"""

from __future__ import annotations

from learnact.symbolic.formula import rebuild


def shared_subexpressions(expressions, prefix: str = "_s", min_size: int = 2):
    """Name every subexpression used more than once: ``(replacements, reduced)``.

    The ``cse`` of ``sympy.lambdify`` (``sympy.cse``'s return convention),
    in time linear in the number of *distinct* nodes: ``sympy.cse`` walks
    and re-evaluates the printed tree, which for a deep network's formula is
    exponentially larger. Nothing is simplified or re-evaluated; the
    replacement symbols are named in the order they are needed.

    Args:
        expressions: a sympy expression or a list of them.
        prefix: the replacement symbols are ``prefix0, prefix1, ...``.
        min_size: only subexpressions of at least this many printed nodes
            are named (2: every one that is not a symbol or number).

    Returns:
        ``(replacements, reduced)``: ``[(symbol, expression), ...]`` and
        ``expressions`` (same structure) written with those symbols.

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> shared = sympy.tanh(x + 1)
        >>> shared_subexpressions([shared + shared**2])
        ([(_s0, tanh(x + 1))], [_s0**2 + _s0])
    """
    import sympy

    single = isinstance(expressions, sympy.Basic)
    roots = [expressions] if single else list(expressions)
    uses: dict = {}
    postorder = []
    for root in roots:
        _count_uses(sympy.sympify(root), uses, postorder)
    mapping, replacements, memo, sizes = {}, [], {}, {}
    for node in postorder:
        if (
            uses[node] > 1
            and isinstance(node, sympy.Expr)
            and not node.is_Atom
            and printed_size(node, sizes) >= min_size
        ):
            symbol = sympy.Symbol(f"{prefix}{len(replacements)}")
            replacements.append((symbol, _rebuild_arguments(node, mapping, memo)))
            mapping[node] = symbol
    reduced = [rebuild(sympy.sympify(root), mapping, {}) for root in roots]
    return replacements, reduced[0] if single else reduced


def printed_size(expression, sizes: dict | None = None) -> int:
    """The number of nodes of ``expression`` printed as a tree (shared parts counted each time).

    Linear in the number of distinct nodes (``sizes`` memoizes them).

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> printed_size(sympy.tanh(x + 1)), printed_size([x, x + 1])
        (4, 4)
    """
    import sympy

    sizes = {} if sizes is None else sizes
    if not isinstance(expression, sympy.Basic):
        return sum(printed_size(e, sizes) for e in expression)
    if not expression.args:
        return 1
    stack = [(expression, False)]
    while stack:
        node, done = stack.pop()
        if node in sizes:
            continue
        if done:
            sizes[node] = 1 + sum(sizes[arg] if arg.args else 1 for arg in node.args)
            continue
        stack.append((node, True))
        stack.extend((arg, False) for arg in node.args if arg.args and arg not in sizes)
    return sizes[expression]


def _count_uses(root, uses: dict, postorder: list) -> None:
    """Count the parents of each distinct node below ``root``; list them children first."""
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            postorder.append(node)
            continue
        if node in uses:
            uses[node] += 1
            continue
        uses[node] = 1
        stack.append((node, True))
        # Atoms are never named; and a number's hash is recomputed at every lookup.
        stack.extend((arg, False) for arg in reversed(node.args) if arg.args)


def _rebuild_arguments(node, mapping: dict, memo: dict):
    """``node`` with its arguments (not itself) replaced by ``mapping``, unevaluated."""
    from learnact.symbolic.formula import _unevaluated

    args = [rebuild(arg, mapping, memo) for arg in node.args]
    if all(new is old for new, old in zip(args, node.args, strict=True)):
        return node
    return _unevaluated(node, args)


def lambdify(symbols, expressions):
    """``sympy.lambdify`` of a formula for NumPy/SciPy arrays, shared subexpressions once.

    The same as ``sympy.lambdify(symbols, expressions, ["scipy", "numpy"],
    cse=True)`` for what it computes, fast also on deep networks' formulas:
    its ``cse`` is :func:`shared_subexpressions`, and it does not look for
    ``implemented_function`` inside the expressions (a walk of the printed
    tree; formulas of learnact never hold one).

    Args:
        symbols: the input symbols, in argument order (e.g. those of
            :func:`learnact.symbolic.formula.input_symbols`).
        expressions: a sympy expression or a list of them (what
            :func:`learnact.symbolic.formula` returns).

    Returns:
        A Python function of one NumPy array per symbol.

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> f = lambdify([x], [sympy.tanh(x) ** 2 + sympy.tanh(x)])
        >>> round(float(f(0.5)[0]), 6)
        0.675669
    """
    import sympy
    from sympy.printing.numpy import SciPyPrinter

    # lambdify's own printer settings, but terms printed in their stored
    # order: sorting the terms of a sum compares whole subtrees.
    settings = {"fully_qualified_modules": False, "inline": True, "order": "none"}
    printer = SciPyPrinter({**settings, "allow_unknown_functions": True, "user_functions": {}})
    return sympy.lambdify(
        symbols,
        expressions,
        ["scipy", "numpy"],
        printer=printer,
        cse=shared_subexpressions,
        use_imps=False,
        docstring_limit=0,
    )


__all__ = ["lambdify", "printed_size", "shared_subexpressions"]
