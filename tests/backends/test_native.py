"""The native-use examples of docs/backends.md, run as written on their own backend, and checked.

Each example is the ``python`` block after a ``<!-- native: BACKEND -->``
marker; it runs in the leg of ``make test`` whose backend it names (a
process has one Keras backend) and is skipped, with that reason, on the other two.
"""

import pathlib
import re

import numpy as np
import pytest

from tests.conftest import backend

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "backends.md"
BLOCK = re.compile(r"<!-- native: (\w+) -->\s*```python\n(.*?)```", re.DOTALL)
IDENTITY = np.array([0.0, 1.0, 0.0, 0.0])  # TaylorExpansion(order=3)'s initial series: y = x


def run_example(name: str) -> dict:
    """Execute the documented example for backend ``name``; return its variables."""
    blocks = dict(BLOCK.findall(DOC.read_text()))
    assert set(blocks) == {"torch", "jax", "tensorflow"}
    if backend() != name:
        pytest.skip(f"the {name} example runs in the {name} leg (this process runs {backend()})")
    namespace = {"__name__": f"backends_md_{name}"}
    exec(compile(blocks[name], f"{DOC}:{name}", "exec"), namespace)
    return namespace


def assert_trained(losses):
    assert len(losses) == 200 and np.isfinite(losses).all()
    assert losses[-1] < 0.1 * losses[0], (losses[0], losses[-1])


def test_torch_module_with_a_learnact_layer_trains_and_round_trips_its_state_dict():
    import torch

    ns = run_example("torch")
    assert_trained(ns["losses"])
    net, restored, x = ns["net"], ns["restored"], ns["x"]
    coefficients = net.act.coefficients
    # The Keras weight is one of the module's parameters: torch.optim moved it.
    assert any(p is coefficients.value for p in net.parameters())
    assert "act._torch_params.act/coefficients" in ns["state"]
    assert not np.allclose(coefficients.numpy(), IDENTITY)
    assert torch.equal(net(x), restored(x))
    np.testing.assert_array_equal(restored.act.coefficients.numpy(), coefficients.numpy())


def test_jax_stateless_call_in_a_users_jit_with_optax():
    ns = run_example("jax")
    assert_trained(ns["losses"])
    model, x = ns["model"], ns["x"]
    np.testing.assert_allclose(model.predict(x, verbose=0), ns["final"], rtol=1e-5, atol=1e-6)
    taylor = model.layers[1]
    assert not np.allclose(np.asarray(taylor.coefficients.value), IDENTITY)
    soft_exp = model.layers[3]
    assert np.abs(np.asarray(soft_exp.alpha.value)).max() > 0  # alpha learned, from zero


def test_tensorflow_gradient_tape_eager_and_in_tf_function():
    ns = run_example("tensorflow")
    assert_trained(ns["losses"])
    eager, traced = ns["eager_grads"], ns["traced_grads"]
    assert len(eager) == len(traced) == len(ns["model"].trainable_variables)
    for e, t in zip(eager, traced, strict=True):
        np.testing.assert_allclose(np.asarray(t), np.asarray(e), rtol=1e-5, atol=1e-7)
    taylor = ns["model"].layers[1]
    assert not np.allclose(np.asarray(taylor.coefficients.value), IDENTITY)
