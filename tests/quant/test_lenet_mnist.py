"""LeNet trained on real MNIST keeps its accuracy when its Linear layers are quantized (quantize_model)."""
import os

import numpy as np
import pytest

import axonml
from axonml import nn, optim
from axonml.quant import QuantizedLinear, quantize_model
from axonml.vision.datasets import MNIST
from axonml.vision.models import LeNet

TRAIN_SAMPLES = 60000  # one epoch: about 98% test accuracy, in well under a minute


def _images(dataset):
    x = dataset.data.numpy().astype(np.float32) / 255
    return ((x - 0.1307) / 0.3081)[:, None], dataset.targets.numpy()


def _accuracy(model, images, labels):
    correct = 0
    with axonml.no_grad():
        for start in range(0, len(images), 1000):
            logits = model(axonml.tensor(images[start:start + 1000])).numpy()
            correct += int((logits.argmax(1) == labels[start:start + 1000]).sum())
    return 100.0 * correct / len(images)


@pytest.mark.slow
def test_lenet_accuracy_survives_q8_0_and_q4_0(shared_data):
    root = os.path.join(shared_data, "mnist")
    train_images, train_labels = _images(MNIST(root, train=True))
    test_images, test_labels = _images(MNIST(root, train=False))
    axonml.manual_seed(0)
    model = LeNet(in_channels=1, num_classes=10, input_size=28)
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(0).permutation(len(train_images))[:TRAIN_SAMPLES]
    model.train()
    for start in range(0, TRAIN_SAMPLES, 64):
        batch = order[start:start + 64]
        optimizer.zero_grad()
        loss = loss_fn(model(axonml.tensor(train_images[batch])), axonml.tensor(train_labels[batch]))
        loss.backward()
        optimizer.step()
    model.eval()
    accuracy = _accuracy(model, test_images, test_labels)
    assert accuracy > 97.5, accuracy
    results = {}
    for qtype in ("Q8_0", "Q4_0"):
        quantized = quantize_model(model, qtype)
        assert sum(isinstance(m, QuantizedLinear) for m in quantized.modules()) == 3
        results[qtype] = _accuracy(quantized, test_images, test_labels)
    print(f"LeNet MNIST accuracy: float32 {accuracy:.2f}%, Q8_0 {results['Q8_0']:.2f}%, Q4_0 {results['Q4_0']:.2f}%")
    assert abs(results["Q8_0"] - accuracy) <= 0.3, (accuracy, results)
    assert abs(results["Q4_0"] - accuracy) <= 1.5, (accuracy, results)
