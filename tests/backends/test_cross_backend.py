"""A ``.keras`` model saved on each backend loads on each backend with the same predictions (3x3).

Each backend runs in its own process (a Keras process has one backend for its
life), so this test spawns all three itself and runs once, in the JAX leg.
The model holds every learnact layer family and is compiled with Keras's
defaults, so a JAX file carries ``jit_compile=True``: on PyTorch that must not
become a ``torch.compile`` of learnact's layers (minutes; the subprocess
timeout is only a guard against such a hang, not a speed test).
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import backend

BACKENDS = ("jax", "torch", "tensorflow")
WORKER = pathlib.Path(__file__).with_name("cross_backend_worker.py")
ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        backend() != "jax", reason="spawns a process per backend itself: runs once, in the JAX leg"
    ),
]


def _run_each_backend(folder: pathlib.Path) -> None:
    """Run the worker once per backend, side by side, and wait for all three.

    Each worker saves its backend's file, waits for the other two, and loads all three.
    """
    running = {}
    for on in BACKENDS:
        env = {
            **os.environ,
            "KERAS_BACKEND": on,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        running[on] = subprocess.Popen(
            [sys.executable, str(WORKER), str(folder), *BACKENDS],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    failures = []
    for on, process in running.items():
        try:
            _, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        if process.returncode != 0:
            failures.append(f"worker on {on} (exit {process.returncode}):\n{stderr[-3000:]}")
    assert not failures, "\n".join(failures)


def test_each_backend_loads_each_backends_file_with_the_same_predictions(tmp_path):
    _run_each_backend(tmp_path)
    for saved in BACKENDS:
        want = np.load(tmp_path / f"{saved}.npy")
        assert np.isfinite(want).all() and np.abs(want).max() > 1e-3
        for on in BACKENDS:
            got = np.load(tmp_path / f"{saved}-on-{on}.npy")
            # float32 arithmetic in another order: a few roundings of the output scale.
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{saved} on {on}")
