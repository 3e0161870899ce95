"""Kolmogorov-Arnold tools over ``KANDense`` models, as pykan has them.

* :func:`update_grids`: grids adapted to the inputs of each layer, function kept;
* :func:`refine`: a copy with finer grids, started from the same function;
* :class:`GridExtension`: grid updates on a schedule during ``model.fit``.

Example:
    >>> from learnact import kan
    >>> sorted(name for name in kan.__all__ if not name.startswith("_"))[:3]
    ['GridExtension', 'refine', 'update_grids']
"""

from learnact.kan.callbacks import GridExtension
from learnact.kan.grids import refine, update_grids

__all__ = ["GridExtension", "refine", "update_grids"]
