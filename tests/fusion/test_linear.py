import numpy as np
import torch

import axonml
from axonml.fusion import FusedLinear


def test_fused_linear_matches_torch_linear_relu():
    layer = FusedLinear(6, 5)
    x = np.random.default_rng(0).standard_normal((7, 6)).astype(np.float32)
    reference = torch.nn.Linear(6, 5)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
        reference.bias.copy_(torch.tensor(layer.bias.detach().numpy()))
    xa, xt = axonml.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(xa), torch.relu(reference(xt))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert "activation='relu'" in repr(layer)
    assert set(layer.state_dict()) == {"weight", "bias"}
