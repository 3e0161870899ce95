"""Kolmogorov-Arnold tools over ``KANDense`` models, as pykan has them.

* :func:`update_grids`: grids adapted to the inputs of each layer, function kept;
* :func:`refine`: a copy with finer grids, started from the same function;
* :class:`GridExtension`: grid updates on a schedule during ``model.fit``;
* :class:`KANSparsity`: pykan's L1 + entropy penalty on the edges;
* :func:`prune`: a smaller model without the inactive edges and units
  (:func:`attribution_scores`: pykan's scores that judge them).

Example:
    >>> from learnact import kan
    >>> sorted(kan.__all__)
    ['GridExtension', 'KANSparsity', 'attribution_scores', 'prune', 'refine', 'update_grids']
"""

from learnact.kan.callbacks import GridExtension
from learnact.kan.grids import refine, update_grids
from learnact.kan.sparsity import KANSparsity, attribution_scores, prune

__all__ = [
    "GridExtension",
    "KANSparsity",
    "attribution_scores",
    "prune",
    "refine",
    "update_grids",
]
