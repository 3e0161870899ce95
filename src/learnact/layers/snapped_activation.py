"""``SnappedActivation``: an elementwise activation whose every unit is ``a g(b x + c) + d``.

:func:`learnact.symbolic.snap` replaces a learned elementwise activation
(``Rational``, ``TaylorExpansion``, ``SoftExponential``, a
``parametric_activation``) by this layer when every one of its units (each
distinct function: one per element, per shared-axes slice, or per group) has
a known ``g`` that fits it; ``a, b, c, d`` stay trainable per unit.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from learnact._checks import check_int
from learnact.errors import UserInputError
from learnact.layers.elementwise import ElementwiseLayer
from learnact.layers.parameter import Parameter
from learnact.layers.snapped_kan import EDGE_FUNCTIONS


@keras.saving.register_keras_serializable(package="learnact")
class IdentityAffine(keras.initializers.Initializer):
    """``[a, b, c, d] = [1, 1, 0, 0]`` on the last axis (size 4): ``a g(b x + c) + d = g(x)``.

    Example:
        >>> ops.convert_to_numpy(IdentityAffine()((1, 4))).tolist()
        [[1.0, 1.0, 0.0, 0.0]]
    """

    def __call__(self, shape, dtype=None):
        start = np.zeros(shape)
        start[..., :2] = 1.0
        return ops.convert_to_tensor(start, dtype=dtype or "float32")

    def get_config(self) -> dict:
        return {}


@keras.saving.register_keras_serializable(package="learnact")
class SnappedActivation(ElementwiseLayer):
    """Elementwise ``y = a_u g_u(b_u x + c_u) + d_u``: a known ``g_u`` and ``a, b, c, d`` per unit.

    Formula:
        y[..., e] = a_u g_u(b_u x[..., e] + c_u) + d_u,   u = the unit of element e

    Units follow PReLU's convention (one per element of ``input_shape[1:]``,
    ``shared_axes`` collapsing axes), or, with ``groups=G``, one per group of
    channels on the last axis (as ``Rational(groups=G)``). ``affine`` holds
    ``[a, b, c, d]`` per unit (shape ``units_shape + (4,)``), trainable.

    Args:
        functions: a name of :data:`~learnact.layers.snapped_kan.EDGE_FUNCTIONS`
            for every unit, or a list of names, one per unit in the
            row-major order of the units' shape.
        groups: None, or a positive divisor of the last axis.
        shared_axes: axes along which units are shared (not with ``groups``).
        affine_initializer, affine_regularizer, affine_constraint: of ``affine``
            (default ``[1, 1, 0, 0]``: ``y = g(x)``).
        **kwargs: base layer arguments.

    Raises:
        ValueError: an unknown function name, a list whose length is not the
            number of units, bad ``groups``.

    Example:
        >>> layer = SnappedActivation(["sin", "x^2"])
        >>> y = ops.convert_to_numpy(layer(np.array([[0.5, -3.0]])))
        >>> [round(float(v), 4) for v in y[0]]
        [0.4794, 9.0]
    """

    def __init__(
        self,
        functions="x",
        groups=None,
        shared_axes=None,
        affine_initializer=None,
        affine_regularizer=None,
        affine_constraint=None,
        **kwargs,
    ):
        super().__init__(shared_axes=shared_axes, **kwargs)
        names = [functions] if isinstance(functions, str) else list(functions)
        for name in names:
            if name not in EDGE_FUNCTIONS:
                raise UserInputError(
                    f"`functions`: unknown function {name!r}; known: {sorted(EDGE_FUNCTIONS)} "
                    "(learnact.layers.register_edge_function adds one)"
                )
        if not names:
            raise UserInputError("`functions` is empty")
        self.functions = functions if isinstance(functions, str) else [str(n) for n in names]
        if groups is not None:
            groups = check_int("groups", groups, minimum=1)
            if self.shared_axes:
                raise UserInputError(
                    f"`groups` and `shared_axes` exclude each other; received groups={groups}, "
                    f"shared_axes={self.shared_axes}"
                )
        self.groups = groups
        self._affine = Parameter(
            affine_initializer if affine_initializer is not None else IdentityAffine(),
            affine_regularizer,
            affine_constraint,
            shape=(4,),
        )

    def parameter_specs(self):
        return {"affine": self._affine}

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if self.groups is None:
            super().build(input_shape)
        else:
            self.build_groups(input_shape, self.groups)
        units_shape = tuple(self.affine.shape[:-1])
        count = int(np.prod(units_shape, dtype=int))
        names = [self.functions] * count if isinstance(self.functions, str) else self.functions
        if len(names) != count:
            raise UserInputError(
                f"`functions` names {len(names)} function(s) but the layer has {count} unit(s) "
                f"(units shape {units_shape})"
            )
        self.unit_functions = np.array(names, dtype=object).reshape(units_shape)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        shape = ops.shape(x)
        if self.groups is not None:
            channels = int(x.shape[-1])
            x = ops.reshape(x, tuple(shape[:-1]) + (self.groups, channels // self.groups))
        affine = ops.cast(self.affine, x.dtype)
        a, b, c, d = (affine[..., k] for k in range(4))
        if self.groups is not None:  # (groups,) against (..., groups, per_group)
            a, b, c, d = (v[:, None] for v in (a, b, c, d))
        z = b * x + c
        names = self.unit_functions
        value = None
        for name in sorted(set(names.reshape(-1))):
            g = EDGE_FUNCTIONS[name](z)
            if value is None:
                value = g
                continue
            here = names == name
            if self.groups is not None:
                here = here[:, None]
            # where, not a 0/1 product: another unit's function may be infinite here.
            value = ops.where(here, g, value)
        y = a * value + d
        return ops.reshape(y, shape) if self.groups is not None else y

    def get_config(self) -> dict:
        from learnact.layers.elementwise import parameter_config

        config = super().get_config()
        config.update({"functions": self.functions, "groups": self.groups})
        config.update(parameter_config("affine", self._affine))
        return config


__all__ = ["IdentityAffine", "SnappedActivation"]
