"""Test session settings: JAX backend unless KERAS_BACKEND says otherwise, headless plots."""

import os
import subprocess

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded():
    """Make every test reproducible (Keras seeds Python, NumPy and the backend)."""
    keras.utils.set_random_seed(0)
    yield


def backend() -> str:
    """Name of the Keras backend the session runs on."""
    return keras.backend.backend()


def only_on(name: str, what: str):
    """Mark tests that do not depend on the session's Keras backend to run in one leg only.

    ``make test`` runs the backend-neutral tests once per backend; code that is
    pure NumPy/SciPy, or written directly for one framework, gives the same
    result in every leg, so it runs in the leg named here and is skipped, with
    this reason, in the others.
    """
    reason = f"{what}, whatever the Keras backend: runs once, in the {name} leg"
    return pytest.mark.skipif(backend() != name, reason=reason)


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs (a disk that fills up), or a skip where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here (needs root): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=True, timeout=30)


def fill_disk(disk, keep_free=64 * 1024):
    """Write a file that leaves about ``keep_free`` bytes free on ``disk``; return its path."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - keep_free))
    return filler
