"""A saved model loads in a fresh process after only ``import learnact`` (issue 14 item 5).

The model is saved here; a new Python process on the same backend runs
``import learnact`` and ``import keras`` and nothing else of learnact, finds
every learnact layer class in Keras's registry, loads the model with
``keras.saving.load_model`` and predicts. A ``parametric_activation`` class is
found there once the process has made it again under the same name, with the
same formula (its fingerprint agrees across processes).
"""

import inspect
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

import learnact.layers
from learnact.layers import (
    Parameter,
    Rational,
    SoftExponential,
    TaylorExpansion,
    parametric_activation,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What the fresh process runs: argv = [model, parametric model, inputs, out, class names...].
LOADER = """
import sys

import learnact
import keras
import numpy as np

every, parametric, inputs, out, *names = sys.argv[1:]
missing = [n for n in names if keras.saving.get_registered_object("learnact>" + n) is None]
assert not missing, f"not registered by import learnact: {missing}"
x = np.load(inputs)
first = keras.saving.load_model(every).predict(x, verbose=0)

from keras import ops
from learnact.layers import Parameter, parametric_activation


def fresh_scaled_tanh(x, a, b):
    return a * ops.tanh(b * x)


parametric_activation(fresh_scaled_tanh, params={"a": Parameter("ones"), "b": Parameter("ones")})
second = keras.saving.load_model(parametric).predict(x, verbose=0)
np.savez(out, every=first, parametric=second)
"""


def fresh_scaled_tanh(x, a, b):
    return a * ops.tanh(b * x)


FreshScaledTanh = parametric_activation(
    fresh_scaled_tanh, params={"a": Parameter("ones"), "b": Parameter("ones")}
)


def learnacts_own_layer_classes() -> list[str]:
    """The layer classes learnact.layers exports (not those other tests make)."""
    return sorted(
        name
        for name in learnact.layers.__all__
        if inspect.isclass(cls := getattr(learnact.layers, name))
        and issubclass(cls, keras.layers.Layer)
        and keras.saving.get_registered_name(cls).startswith("learnact>")
    )


def moved(model: keras.Model, seed: int) -> keras.Model:
    """``model`` with every weight moved off its initial value, as training would."""
    rng = np.random.default_rng(seed)
    model.set_weights([w + 0.2 * rng.standard_normal(w.shape) for w in model.get_weights()])
    return model


@pytest.mark.slow
def test_a_saved_model_loads_in_a_fresh_process_after_only_import_learnact(tmp_path):
    names = learnacts_own_layer_classes()
    assert {"KANDense", "PolynomialDense", "SnappedKANDense", "TaylorExpansion"} <= set(names)
    every = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(4),
            TaylorExpansion(3),
            SoftExponential(),
            Rational(),
        ]
    )
    parametric = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), FreshScaledTanh()])
    inputs = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    moved(every, 1).save(tmp_path / "every.keras")
    moved(parametric, 2).save(tmp_path / "parametric.keras")
    np.save(tmp_path / "inputs.npy", inputs)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "KERAS_BACKEND": keras.backend.backend(),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    paths = [tmp_path / name for name in ("every.keras", "parametric.keras", "inputs.npy")]
    done = subprocess.run(
        [sys.executable, "-c", LOADER, *map(str, paths), str(tmp_path / "out.npz"), *names],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(
        loaded["every"], every.predict(inputs, verbose=0), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        loaded["parametric"], parametric.predict(inputs, verbose=0), rtol=1e-6, atol=1e-7
    )
