"""Test session settings: JAX backend unless KERAS_BACKEND says otherwise, headless plots."""

import os

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
