"""Which backend learnact picks, and one clear error for a backend it cannot serve."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from learnact import _backend
from learnact.errors import UserInputError

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["numpy", "openvino", "mlx"])
def test_unsupported_backend_is_named_with_the_supported_ones(name):
    with pytest.raises(UserInputError) as info:
        _backend.check_backend(name)
    message = str(info.value)
    assert repr(name) in message and "KERAS_BACKEND" in message
    assert all(repr(b) in message for b in ("jax", "torch", "tensorflow"))


@pytest.mark.parametrize("name", ["jax", "torch", "tensorflow"])
def test_supported_backends_pass(name):
    assert _backend.check_backend(name) == name


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No Keras imported, no KERAS_BACKEND, an empty Keras home: as a new process sees it."""
    monkeypatch.delitem(sys.modules, "keras")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_default_is_jax_when_nothing_chose(fresh):
    assert _backend.choose_default_backend() == "jax"
    assert os.environ["KERAS_BACKEND"] == "jax"


def test_keras_own_default_written_in_keras_json_is_not_a_choice(fresh):
    (fresh / "keras.json").write_text(json.dumps({"backend": "tensorflow"}))
    assert _backend.choose_default_backend() == "jax"


def test_a_backend_chosen_in_keras_json_is_respected(fresh):
    (fresh / "keras.json").write_text(json.dumps({"backend": "torch"}))
    assert _backend.choose_default_backend() is None
    assert "KERAS_BACKEND" not in os.environ


def test_keras_backend_variable_and_an_imported_keras_are_respected(fresh, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert _backend.choose_default_backend() is None
    assert os.environ["KERAS_BACKEND"] == "tensorflow"
    monkeypatch.delenv("KERAS_BACKEND")
    monkeypatch.setitem(sys.modules, "keras", object())
    assert _backend.choose_default_backend() is None
    assert "KERAS_BACKEND" not in os.environ


@pytest.mark.slow
def test_the_command_line_refuses_an_unsupported_backend_in_one_line(tmp_path):
    env = {
        **os.environ,
        "KERAS_BACKEND": "numpy",
        "PYTHONPATH": str(ROOT / "src"),
        "KERAS_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from learnact.cli.main import main; raise SystemExit(main())",
            "gradcheck",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "learnact" in line]
    assert lines == [
        "learnact gradcheck: error: learnact runs on the Keras backends 'jax', 'torch' and "
        "'tensorflow', not on 'numpy': set KERAS_BACKEND to one of them "
        "(received KERAS_BACKEND='numpy', or Keras's keras.json named it)"
    ]
    assert "Traceback" not in done.stderr


def test_a_program_compiled_for_few_runs_gives_jits_results():
    jax = pytest.importorskip("jax")
    import numpy as np

    x = np.linspace(-3.0, 3.0, 64)
    fn = _backend.jit_for_few_runs(lambda t: jax.numpy.sin(t) * t)
    np.testing.assert_allclose(np.asarray(fn(x)), np.sin(x) * x, rtol=1e-6, atol=1e-6)


def test_options_a_jaxlib_refuses_fall_back_to_the_default(monkeypatch):
    pytest.importorskip("jax")
    import numpy as np

    monkeypatch.setattr(_backend, "_FEW_RUNS_OPTIONS", {"xla_cpu_no_such_option": False})
    _backend._few_runs_options_accepted.cache_clear()
    try:
        assert not _backend._few_runs_options_accepted()
        fn = _backend.jit_for_few_runs(lambda t: t + 1.0)
        np.testing.assert_array_equal(np.asarray(fn(np.zeros(3))), np.ones(3))
    finally:
        _backend._few_runs_options_accepted.cache_clear()


def test_errors_of_the_function_itself_are_not_swallowed():
    jax = pytest.importorskip("jax")

    def bad(t):
        raise ValueError("xla_cpu_use_fusion_emitters in a user's message")

    with pytest.raises(ValueError, match="user's message"):
        _backend.jit_for_few_runs(bad)(jax.numpy.zeros(2))
