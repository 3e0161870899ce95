"""Image classification datasets as float32 images in [0, 1] and integer labels.

``load_dataset("digits")`` (the default of the CLI) needs no network: it is
scikit-learn's embedded copy of the 8x8 handwritten digits, split with a seed.
``"mnist"`` and ``"cifar10"`` come from a local copy in their original archive
format (``data_dir=``), from Keras's cache, or from Keras's downloaders.

Example:
    >>> from learnact.datasets import load_dataset
    >>> (x_train, y_train), (x_test, y_test) = load_dataset("digits", seed=0)
    >>> x_train.shape[1:], x_train.dtype.name, float(x_train.max()) <= 1.0
    ((8, 8, 1), 'float32', True)
"""

from learnact.datasets.loaders import (
    DATASETS,
    DatasetUnavailableError,
    dataset_info,
    load_dataset,
)

__all__ = ["DATASETS", "DatasetUnavailableError", "dataset_info", "load_dataset"]
