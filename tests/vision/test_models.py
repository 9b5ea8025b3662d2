"""LeNet, SimpleCNN and MLP (axonml/vision/models) on axonml.nn."""
import numpy as np
import pytest

import axonml
import axonml.optim
from axonml import nn

if not hasattr(nn, "Module"):
    pytest.skip("axonml.nn modules are not available yet", allow_module_level=True)

from axonml.vision.models import MLP, LeNet, SimpleCNN  # noqa: E402


def _count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("in_channels, size, features", [(1, 28, 16 * 5 * 5), (3, 32, 16 * 5 * 5), (1, 8, 16 * 2 * 2)])
def test_lenet_shapes_and_size(in_channels, size, features):
    model = LeNet(in_channels=in_channels, num_classes=7, input_size=size)
    out = model(axonml.randn(2, in_channels, size, size))
    assert out.shape == (2, 7)
    kernel = 5 if size >= 16 else 3
    convs = (in_channels * 6 * kernel * kernel + 6) + (6 * 16 * kernel * kernel + 16)
    assert _count(model) == convs + (features * 120 + 120) + (120 * 84 + 84) + (84 * 7 + 7)


def test_simple_cnn_and_mlp_shapes():
    assert SimpleCNN(3, 5, 32)(axonml.randn(2, 3, 32, 32)).shape == (2, 5)
    mlp = MLP(64, (32, 16), 10)
    assert mlp(axonml.randn(4, 1, 8, 8)).shape == (4, 10)
    assert _count(mlp) == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert _count(MLP(64, (), 10)) == 650


def test_mlp_learns_the_embedded_digits():
    from axonml.data import DataLoader
    from axonml.data import transforms as T
    from axonml.vision.datasets import Digits
    transform = T.Compose([T.ToTensor(dtype="float32"), T.Scale(1 / 16)])
    train = DataLoader(Digits(train=True, transform=transform), batch_size=32, shuffle=True)
    test = Digits(train=False, transform=transform)
    axonml.manual_seed(0)
    model = MLP(64, (64,), 10)
    optimizer = axonml.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(8):
        for x, y in train:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    x, y = next(iter(DataLoader(test, batch_size=len(test))))
    with axonml.no_grad():
        predicted = model(x).numpy().argmax(1)
    assert (predicted == y.numpy()).mean() > 0.9
