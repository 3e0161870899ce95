"""Loaders behind :func:`learnact.datasets.load_dataset`.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` with images as
``float32`` arrays of shape ``(N, H, W, C)`` scaled to [0, 1] by true division
(the ``train_data //= 255`` of the Stack Overflow question on Maclaurin series
in Keras zeroes every image; here it cannot happen),
and labels as ``int32`` vectors of shape ``(N,)``.
"""

from __future__ import annotations

import os
import pickle
import tarfile

import numpy as np

from learnact._checks import check_choice, check_int, check_real, first_line
from learnact.errors import UserInputError

DATASETS = ("digits", "mnist", "cifar10")

# Where each downloadable dataset lives, in the format Keras's own loaders read.
_SOURCES = {
    "mnist": {
        "file": "mnist.npz",
        "url": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    },
    "cifar10": {
        "file": "cifar-10-python.tar.gz",
        "url": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    },
}

_INFO = {
    "digits": {"input_shape": (8, 8, 1), "num_classes": 10},
    "mnist": {"input_shape": (28, 28, 1), "num_classes": 10},
    "cifar10": {"input_shape": (32, 32, 3), "num_classes": 10},
}

_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST_BATCH = "test_batch"


class DatasetUnavailableError(FileNotFoundError):
    """The dataset is neither on disk nor downloadable; the message says where to put it."""


def dataset_info(name: str) -> dict:
    """Return ``{"input_shape", "num_classes"}`` of a dataset, plus ``file``/``url`` if any.

    Raises:
        ValueError: if ``name`` is not one of :data:`DATASETS`.

    Example:
        >>> dataset_info("cifar10")["input_shape"]
        (32, 32, 3)
    """
    check_choice("dataset", name, DATASETS)
    return {**_INFO[name], **_SOURCES.get(name, {})}


def load_dataset(name: str = "digits", data_dir=None, seed: int = 0, test_size: float = 0.2):
    """Load an image classification dataset as float32 images in [0, 1].

    Contract: ``x`` arrays are ``float32`` of shape ``(N, H, W, C)`` with values
    in [0, 1] (``uint8 / 255``, or ``/ 16`` for digits); ``y`` arrays are
    ``int32`` class indices of shape ``(N,)``.

    - ``"digits"``: scikit-learn's embedded 8x8 digits (1797 images, no
      network), split by a stratified shuffle seeded with ``seed``;
      ``test_size`` is the test fraction.
    - ``"mnist"``: ``mnist.npz`` (Keras's format, keys ``x_train`` ...).
    - ``"cifar10"``: ``cifar-10-python.tar.gz`` (the original archive), or the
      ``cifar-10-batches-py`` folder extracted from it.

    MNIST and CIFAR-10 keep their official train/test split (``seed`` and
    ``test_size`` are not used). With ``data_dir`` the file is read from that
    folder and nothing is downloaded; without it, Keras's loader reads its cache
    (``~/.keras/datasets``) or downloads.

    Args:
        name: one of ``"digits"``, ``"mnist"``, ``"cifar10"``.
        data_dir: folder holding the original archive of ``name``, or None.
        seed: seed of the digits split.
        test_size: fraction of digits held out for testing, in (0, 1).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        ValueError: unknown ``name``, bad ``seed``/``test_size``, or an archive
            whose content is not in the expected format.
        NotADirectoryError, PermissionError: ``data_dir`` is not a readable folder.
        DatasetUnavailableError: the archive is missing from ``data_dir``, or
            there is no ``data_dir`` and the download failed (offline); the
            message names the file, its URL and where to put it.

    Example:
        >>> (x, y), (xt, yt) = load_dataset("digits", seed=1, test_size=0.25)
        >>> len(xt), x.dtype.name, y.dtype.name
        (450, 'float32', 'int32')
    """
    check_choice("dataset", name, DATASETS)
    check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    test_size = check_test_size(test_size)
    if data_dir is not None:
        data_dir = _check_data_dir(data_dir)
    if name == "digits":
        return _load_digits(seed, test_size)
    if data_dir is not None:
        raw = _read_local(name, data_dir)
    else:
        raw = _download(name)
    (x_train, y_train), (x_test, y_test) = raw
    return (_images(x_train, 255.0), _labels(y_train)), (_images(x_test, 255.0), _labels(y_test))


def check_test_size(test_size) -> float:
    """Return ``test_size`` as a float in ``(0, 1)``.

    Raises:
        ValueError: naming ``test_size`` if it is not a real number in ``(0, 1)``.
    """
    test_size = check_real("test_size", test_size, positive=True)
    if not test_size < 1:
        raise UserInputError(f"`test_size` must be in (0, 1); received test_size={test_size!r}")
    return test_size


def _check_data_dir(data_dir) -> str:
    path = os.fspath(data_dir)
    if not os.path.exists(path):
        raise NotADirectoryError(f"`data_dir` {path!r} does not exist")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"`data_dir` {path!r} is not a directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise PermissionError(f"`data_dir` {path!r} is not readable")
    return path


def _images(x, scale: float) -> np.ndarray:
    """Return ``x / scale`` as float32 with a channel axis (true division, never ``//``)."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    return x.astype(np.float32) / np.float32(scale)


def _labels(y) -> np.ndarray:
    return np.asarray(y).reshape(-1).astype(np.int32)


def _load_digits(seed: int, test_size: float):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # Pixel intensities of this dataset are integers 0..16, not 0..255.
    x = _images(digits.images, 16.0)
    y = _labels(digits.target)
    classes = len(np.unique(y))
    if not classes <= round(test_size * len(y)) <= len(y) - classes:
        # A stratified split needs every class on both sides.
        raise UserInputError(
            f"`test_size` must leave at least {classes} digits on each side of the split "
            f"({classes / len(y):.4f} to {1 - classes / len(y):.4f}); "
            f"received test_size={test_size!r}"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    return (x_train, y_train), (x_test, y_test)


def _missing_message(name: str, where: str) -> str:
    source = _SOURCES[name]
    return (
        f"{name} is not available {where}: download {source['file']} from {source['url']} "
        f"and put it in a folder passed as `data_dir`"
    )


def _download(name: str):
    """Load ``name`` with Keras's loader (its cache, else the network)."""
    import keras

    loader = {"mnist": keras.datasets.mnist, "cifar10": keras.datasets.cifar10}[name]
    try:
        return loader.load_data()
    except Exception as exc:  # Keras raises bare Exception on fetch failures.
        reason = first_line(exc)
        raise DatasetUnavailableError(_missing_message(name, f"offline ({reason[:120]})")) from exc


def _read_local(name: str, data_dir: str):
    if name == "mnist":
        path = os.path.join(data_dir, _SOURCES["mnist"]["file"])
        if not os.path.isfile(path):
            raise DatasetUnavailableError(_missing_message(name, f"in {data_dir}"))
        return _read_mnist_npz(path)
    archive = os.path.join(data_dir, _SOURCES["cifar10"]["file"])
    folder = os.path.join(data_dir, _CIFAR_DIR)
    if os.path.isfile(archive):
        return _read_cifar_archive(archive)
    if os.path.isdir(folder):
        return _read_cifar_folder(folder)
    raise DatasetUnavailableError(_missing_message(name, f"in {data_dir}"))


def _read_mnist_npz(path: str):
    try:
        # allow_pickle=False: a data file must never be able to run code.
        with np.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError) as exc:
        raise UserInputError(f"cannot read {path} as Keras's mnist.npz: {exc}") from exc
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or len(x) != len(y):
            raise UserInputError(
                f"{path}: expected x_{split} of shape (N, 28, 28) and N labels; "
                f"received {x.shape} and {y.shape}"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds NumPy arrays and nothing else.

    The CIFAR batches are pickles; refusing every other global means a
    tampered archive cannot execute code while being read.
    """

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"),
            # Protocol-2 pickles written by Python 3 store bytes as
            # _codecs.encode(text, "latin1"): pure data, safe to allow.
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


def _parse_cifar_batch(stream, where: str):
    try:
        batch = _ArrayUnpickler(stream, encoding="bytes").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch["labels"])
    except Exception as exc:  # any malformed pickle is a format error of the file
        raise UserInputError(f"cannot read CIFAR-10 batch {where}: {exc}") from exc
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise UserInputError(
            f"CIFAR-10 batch {where}: expected data of shape (N, 3072) and N labels; "
            f"received {data.shape} and {labels.shape}"
        )
    # Rows are channel-major (3 planes of 32x32); images are channels-last.
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _assemble_cifar(read_batch):
    parts = [read_batch(name) for name in _CIFAR_TRAIN_BATCHES]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    x_test, y_test = read_batch(_CIFAR_TEST_BATCH)
    return (x_train, y_train), (x_test, y_test)


def _read_cifar_archive(path: str):
    try:
        archive = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise UserInputError(f"cannot open {path} as a .tar.gz archive: {exc}") from exc
    with archive:

        def read_batch(name):
            member = f"{_CIFAR_DIR}/{name}"
            try:
                stream = archive.extractfile(member)
            except KeyError:
                stream = None
            if stream is None:
                raise UserInputError(f"{path} has no {member}: not the original CIFAR-10 archive")
            with stream:
                return _parse_cifar_batch(stream, f"{member} in {path}")

        return _assemble_cifar(read_batch)


def _read_cifar_folder(folder: str):
    def read_batch(name):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise UserInputError(f"{folder} has no {name}: not an extracted CIFAR-10 archive")
        with open(path, "rb") as stream:
            return _parse_cifar_batch(stream, path)

    return _assemble_cifar(read_batch)
