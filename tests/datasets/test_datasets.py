"""load_dataset: float images in [0, 1], integer labels, seeded splits, real archive formats."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from learnact.datasets import DatasetUnavailableError, dataset_info, load_dataset


def _check_arrays(data, image_shape, n_train=None, n_test=None):
    (x_train, y_train), (x_test, y_test) = data
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert x.shape[1:] == image_shape and y.shape == (len(x),)
        assert 0.0 <= x.min() and x.max() <= 1.0
    if n_train is not None:
        assert len(x_train) == n_train and len(x_test) == n_test


def test_digits_default_split_is_float_in_unit_range():
    data = load_dataset()
    _check_arrays(data, (8, 8, 1), 1437, 360)
    (x_train, y_train), (_, y_test) = data
    # True division: intermediate grey levels survive (the seed's `//= 255` zeroed them).
    assert ((x_train > 0) & (x_train < 1)).any()
    assert x_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_digits_split_is_seeded_and_sized():
    (a, ya), _ = load_dataset("digits", seed=3)
    (b, yb), _ = load_dataset("digits", seed=3)
    (c, _), (xt, _) = load_dataset("digits", seed=4, test_size=0.5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert len(c) == len(xt) or abs(len(c) - len(xt)) == 1
    assert not np.array_equal(a[:10], load_dataset("digits", seed=4)[0][0][:10])


def _cifar_batch(n, offset):
    rng = np.random.default_rng(offset)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, size=n)]
    # The original batches are Python 2 pickles with byte-string keys.
    return {b"batch_label": b"test", b"labels": labels, b"data": data, b"filenames": []}


def _write_cifar_archive(folder, n=3):
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {name: _cifar_batch(n, i) for i, name in enumerate(names)}
    path = os.path.join(folder, "cifar-10-python.tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for name, batch in batches.items():
            payload = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return batches


def test_cifar10_from_original_archive(tmp_path):
    batches = _write_cifar_archive(tmp_path, n=3)
    data = load_dataset("cifar10", data_dir=tmp_path)
    _check_arrays(data, (32, 32, 3), 15, 3)
    (x_train, y_train), (x_test, y_test) = data
    first = batches["data_batch_1"][b"data"][0]
    # Rows hold three 32x32 planes (R, G, B); pixel (0, 1) of channel c is at c*1024 + 1.
    for channel in range(3):
        assert x_train[0, 0, 1, channel] == pytest.approx(first[channel * 1024 + 1] / 255.0)
    assert list(y_test) == batches["test_batch"][b"labels"]
    assert list(y_train[:3]) == batches["data_batch_1"][b"labels"]


def test_cifar10_from_extracted_folder(tmp_path):
    _write_cifar_archive(tmp_path, n=2)
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz") as archive:
        archive.extractall(tmp_path / "x", filter="data")
    _check_arrays(load_dataset("cifar10", data_dir=tmp_path / "x"), (32, 32, 3), 10, 2)


def test_cifar10_refuses_a_pickle_that_runs_code(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps({b"data": Exploit(), b"labels": []}))
    with pytest.raises(ValueError, match="refusing to load"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_mnist_from_npz(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = load_dataset("mnist", data_dir=tmp_path)
    _check_arrays(data, (28, 28, 1), 5, 2)
    np.testing.assert_allclose(data[0][0][..., 0], arrays["x_train"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data[1][1], arrays["y_test"])


@pytest.mark.parametrize("name, file", [("mnist", "mnist.npz"), ("cifar10", "cifar-10-python")])
def test_missing_archive_says_where_to_put_it(tmp_path, name, file):
    with pytest.raises(DatasetUnavailableError, match=file) as info:
        load_dataset(name, data_dir=tmp_path)
    assert str(tmp_path) in str(info.value) and "https://" in str(info.value)


def test_offline_without_local_copy_is_a_clear_error(monkeypatch):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://...: None -- [Errno -3] name resolution")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(DatasetUnavailableError, match="offline") as info:
        load_dataset("cifar10")
    assert "cifar-10-python.tar.gz" in str(info.value) and "`data_dir`" in str(info.value)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="dataset"):
        load_dataset("imagenet")
    with pytest.raises(NotADirectoryError, match="does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        load_dataset("mnist", data_dir=tmp_path / "file")
    with pytest.raises(ValueError, match="test_size"):
        load_dataset("digits", test_size=1.0)
    (tmp_path / "mnist.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="cannot read"):
        load_dataset("mnist", data_dir=tmp_path)


def test_dataset_info():
    assert dataset_info("digits")["input_shape"] == (8, 8, 1)
    assert dataset_info("mnist")["file"] == "mnist.npz"


@pytest.mark.parametrize(
    "kwargs, name", [({"test_size": 0.999}, "test_size"), ({"seed": 2**40}, "seed")]
)
def test_split_arguments_out_of_range_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        load_dataset("digits", **kwargs)
