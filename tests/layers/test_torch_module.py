"""On PyTorch a learnact layer is a ``torch.nn.Module`` that plain torch code can train."""

import numpy as np
import pytest

from learnact.layers import ComplexSoftExponential, SoftExponential, TaylorExpansion
from tests.conftest import backend

pytestmark = pytest.mark.skipif(backend() != "torch", reason="torch.nn.Module API: PyTorch only")


@pytest.mark.parametrize(
    "layer_fn", [lambda: TaylorExpansion(3), SoftExponential, ComplexSoftExponential]
)
def test_parameters_are_tensors_for_torch_optim(layer_fn):
    import torch

    layer = layer_fn()
    layer.build((None, 4))
    params = list(layer.parameters())
    assert params and all(isinstance(p, torch.Tensor) for p in params)
    assert {name for name, _ in layer.named_parameters()}
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    x = torch.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
    before = [p.detach().clone() for p in params]
    optimizer.zero_grad()
    loss = (layer(x) - 1.0).square().sum()
    loss.backward()
    optimizer.step()
    assert any(not torch.equal(b, p.detach()) for b, p in zip(before, params, strict=True))
    state = layer.state_dict()
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())
