"""Input bounding for polynomial layers: keeps high powers of large inputs finite."""

from __future__ import annotations

from keras import ops

from learnact._checks import check_choice, check_real
from learnact.ops import keep64

BOUND_METHODS = ("tanh", "clip")


def check_bound(input_bound, bound_method: str):
    """Validate ``input_bound``/``bound_method``; return the bound as float or None.

    Raises:
        ValueError: if the bound is not a positive finite number or the method
            is not one of :data:`BOUND_METHODS`.
    """
    check_choice("bound_method", bound_method, BOUND_METHODS)
    if input_bound is None:
        return None
    return check_real("input_bound", input_bound, positive=True)


def apply_bound(t, input_bound, bound_method: str):
    """Map ``t`` into ``[-b, b]``: ``b * tanh(t / b)`` (smooth) or ``clip(t, -b, b)``.

    Formula:
        tanh:  t -> b tanh(t / b)   (identity to first order near 0)
        clip:  t -> min(max(t, -b), b)

    Args:
        t: tensor.
        input_bound: ``b`` (positive float) or None for no bounding.
        bound_method: "tanh" or "clip".

    Returns:
        Tensor of ``t``'s shape and dtype.
    """
    if input_bound is None:
        return t
    bound = ops.cast(input_bound, t.dtype)
    if bound_method == "tanh":
        return bound * keep64.tanh(t / bound)
    return ops.clip(t, -bound, bound)
