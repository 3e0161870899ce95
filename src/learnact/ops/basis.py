"""Polynomial bases evaluated elementwise and stacked for a single matmul."""

from __future__ import annotations

from keras import ops

from learnact._checks import check_choice, check_int
from learnact.ops.horner import power_chain

BASES = ("monomial", "chebyshev")


def basis_functions(x, order: int, basis: str = "monomial"):
    """Return ``[B_1(x), ..., B_order(x)]`` concatenated on the last axis.

    ``B_0`` is constant, so a layer's bias already covers it and it is left out.

    Formula:
        monomial:   B_p(x) = x^p
        chebyshev:  B_1 = x,  B_2 = 2x^2 - 1,  B_{p+1} = 2 x B_p - B_{p-1}
                    (first kind; bounded by 1 on [-1, 1], better conditioned
                    than monomials there)

    Args:
        x: tensor ``(..., features)``.
        order: highest degree, >= 1.
        basis: "monomial" or "chebyshev".

    Returns:
        Tensor ``(..., order * features)``, degree-major: columns
        ``[p * features, (p + 1) * features)`` hold ``B_{p+1}``.

    Raises:
        ValueError: an unknown basis or an order below 1.

    Example:
        >>> import numpy as np
        >>> ops.convert_to_numpy(basis_functions(np.array([[2.0]]), 3, "chebyshev"))
        array([[ 2.,  7., 26.]], dtype=float32)
    """
    terms = basis_terms(x, order, basis)
    return ops.concatenate(terms, axis=-1) if len(terms) > 1 else terms[0]


def basis_terms(x, order: int, basis: str = "monomial") -> list:
    """Return the list ``[B_1(x), ..., B_order(x)]`` by the recurrences above.

    Only ``*``, ``+`` and ``-`` appear, so the same code evaluates tensors,
    NumPy arrays and sympy expressions: the formulas printed for a layer are
    the polynomials its call computes, from one definition.

    Args:
        x: tensor, array, number or sympy expression.
        order: highest degree, >= 1.
        basis: "monomial" or "chebyshev".

    Returns:
        A list of ``order`` objects of ``x``'s kind.

    Raises:
        ValueError: an unknown basis or an order below 1.

    Example:
        >>> import sympy
        >>> basis_terms(sympy.Symbol("x"), 3, "chebyshev")
        [x, 2*x**2 - 1, 4*x**3 - 3*x]
    """
    check_choice("basis", basis, BASES)
    order = check_int("order", order, minimum=1)
    if basis == "monomial":
        return power_chain(x, x, order - 1)
    terms, previous = [x], 1
    for _ in range(order - 1):  # Chebyshev, first kind
        previous, current = terms[-1], 2 * x * terms[-1] - previous
        terms.append(current if not _is_symbolic(current) else current.expand())
    return terms


def _is_symbolic(value) -> bool:
    return hasattr(value, "free_symbols")
