"""A saved model loads in a fresh process after only ``import learnact`` (issue 14 item 5).

The model is saved here; a new Python process on the same backend runs
``import learnact`` and ``import keras`` and nothing else of learnact, loads
it with ``keras.saving.load_model`` and predicts. A ``parametric_activation``
class is found there once the process has made it again under the same name,
with the same formula (its fingerprint agrees across processes).
"""

import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from learnact.layers import Parameter, parametric_activation
from tests.backends.cross_backend_worker import INPUTS
from tests.backends.cross_backend_worker import build as build_every_family

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What the fresh process runs: argv = [model with every family, parametric model, inputs, out].
LOADER = """
import sys

import learnact
import keras
import numpy as np

every, parametric, inputs, out = sys.argv[1:]
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


@pytest.mark.slow
def test_a_saved_model_loads_in_a_fresh_process_after_only_import_learnact(tmp_path):
    every = build_every_family()
    every.save(tmp_path / "every.keras")
    parametric = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), FreshScaledTanh()])
    rng = np.random.default_rng(2)
    parametric.set_weights(
        [w + 0.3 * rng.standard_normal(w.shape) for w in parametric.get_weights()]
    )
    parametric.save(tmp_path / "parametric.keras")
    np.save(tmp_path / "inputs.npy", INPUTS)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "KERAS_BACKEND": keras.backend.backend(),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    paths = [tmp_path / name for name in ("every.keras", "parametric.keras", "inputs.npy")]
    done = subprocess.run(
        [sys.executable, "-c", LOADER, *map(str, paths), str(tmp_path / "out.npz")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(
        loaded["every"], every.predict(INPUTS, verbose=0), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        loaded["parametric"], parametric.predict(INPUTS, verbose=0), rtol=1e-6, atol=1e-7
    )
