"""ResNet, VGG, ViT, MobileNetV2 and EfficientNet-B0 against torch references with torchvision's keys.

Each axonml model loads the state dict of a randomised reference and must give the same outputs,
input gradients, parameter gradients and (in training mode) batch-norm statistics.
"""
import numpy as np
import pytest
import torch

import axonml
from axonml.vision import models
from axonml.vision.models import vgg as axonml_vgg

from . import _torch_models as ref

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    # torch's OpenMP workers spin against axonml's on a loaded machine (a float64 depthwise
    # convolution took 100x longer with two threads than with one); the reference runs on one.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _relative_error(actual, expected):
    """|actual - expected| / |expected|, with a floor under |expected| for gradients that are zero up
    to rounding (a convolution bias followed by training-mode batch norm has none)."""
    floor = 1e-4 if expected.dtype == np.float64 else 1e-2
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), floor)


def load_reference(model, reference):
    """Copy the reference's state dict into model (strict), checking keys, order and shapes."""
    state = reference.state_dict()
    assert list(model.state_dict()) == list(state)
    for name, value in model.state_dict().items():
        assert tuple(value.shape) == tuple(state[name].shape), name
    model.load_state_dict({k: axonml.from_numpy(v.detach().numpy().copy()) for k, v in state.items()})
    return model


def compare(model, reference, shape, train, seed=0, dtype=np.float64, tolerance=None, device="cpu"):
    """Forward and backward of model and reference on the same input.

    float64 by default: with small batches and 1×1 feature maps, training-mode batch norm divides
    by small variances, which would turn float32 rounding into differences that hide real errors.
    In training mode the batch is 4: with 2 samples a batch norm over 1×1 maps outputs ±1 whatever
    its input, and its gradient is zero up to rounding.
    """
    if train:
        shape = (4,) + tuple(shape[1:])
    if tolerance is None:
        tolerance = 1e-7 if dtype == np.float64 else 2e-4
    ref.randomize(reference, seed)
    load_reference(model, reference)
    if dtype == np.float64:
        model.double()
        reference.double()
    model.to(device)
    model.train(train)
    reference.train(train)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x_ref = torch.tensor(x, requires_grad=True)
    x_ax = axonml.from_numpy(x.copy()).to(device).requires_grad_(True)
    out_ref, out_ax = reference(x_ref), model(x_ax)
    assert tuple(out_ax.shape) == tuple(out_ref.shape)
    assert out_ax.device.type == axonml.device(device).type
    assert _relative_error(out_ax.detach().cpu().numpy(), out_ref.detach().numpy()) < tolerance
    weight = rng.standard_normal(tuple(out_ref.shape)).astype(dtype)
    (out_ref * torch.from_numpy(weight)).sum().backward()
    (out_ax * axonml.from_numpy(weight).to(device)).sum().backward()
    assert _relative_error(x_ax.grad.cpu().numpy(), x_ref.grad.numpy()) < tolerance
    ref_params = dict(reference.named_parameters())
    for name, param in model.named_parameters():
        expected = ref_params[name].grad
        assert param.grad is not None, name
        assert _relative_error(param.grad.cpu().numpy(), expected.numpy()) < tolerance, name
    if train:
        ref_buffers = dict(reference.named_buffers())
        for name, buffer in model.named_buffers():
            assert _relative_error(buffer.cpu().numpy(), ref_buffers[name].numpy()) < tolerance, name


@pytest.mark.parametrize("name, train", [("resnet18", True), ("resnet50", True),
                                         pytest.param("resnet18", False, marks=pytest.mark.slow),
                                         pytest.param("resnet34", False, marks=pytest.mark.slow)])
def test_resnet_matches_reference(name, train):
    compare(getattr(models, name)(num_classes=10), ref.resnet(name, num_classes=10), (2, 3, 32, 32), train)


def test_resnet18_float32_matches_reference():
    compare(models.resnet18(num_classes=10), ref.resnet("resnet18", num_classes=10), (2, 3, 32, 32), train=False,
            dtype=np.float32)


@pytest.mark.slow
def test_resnet101_forward_matches_reference():
    model, reference = models.resnet101(num_classes=5), ref.resnet("resnet101", num_classes=5)
    ref.randomize(reference, 1)
    load_reference(model, reference).eval()
    reference.eval()
    x = np.random.default_rng(1).standard_normal((1, 3, 32, 32)).astype(np.float32)
    with torch.no_grad(), axonml.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
        actual = model(axonml.from_numpy(x)).numpy()
    assert _relative_error(actual, expected) < 2e-4


@pytest.mark.parametrize("cfg, batch_norm", [("A", True)] + [
    pytest.param(cfg, bn, marks=pytest.mark.slow)
    for cfg, bn in (("A", False), ("B", False), ("B", True), ("D", False), ("D", True), ("E", False), ("E", True))])
def test_vgg_features_match_reference(cfg, batch_norm):
    compare(axonml_vgg.make_layers(axonml_vgg.cfgs[cfg], batch_norm), ref.vgg_features(cfg, batch_norm),
            (2, 3, 32, 32), train=True)


@pytest.mark.slow
def test_vgg11_bn_whole_model_matches_reference():
    model = models.vgg11_bn(num_classes=10, dropout=0.0)
    compare(model, ref.VGG(ref.vgg_features("A", True), num_classes=10, dropout=0.0), (2, 3, 32, 32), train=False,
            dtype=np.float32)
    assert sum(p.numel() for p in models.vgg11_bn().parameters()) == models.VGG11_BN_Weights.DEFAULT.meta["num_params"]


@pytest.mark.parametrize("train", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_mobilenet_v2_matches_reference(train):
    compare(models.mobilenet_v2(num_classes=10, dropout=0.0), ref.MobileNetV2(num_classes=10, dropout=0.0),
            (2, 3, 32, 32), train)


@pytest.mark.slow
def test_mobilenet_v2_width_multiplier_matches_reference():
    compare(models.mobilenet_v2(num_classes=4, width_mult=0.5, dropout=0.0),
            ref.MobileNetV2(num_classes=4, width_mult=0.5, dropout=0.0), (2, 3, 32, 32), train=False)


@pytest.mark.parametrize("train", [pytest.param(True, marks=pytest.mark.slow), False])
def test_efficientnet_b0_matches_reference(train):
    model = models.efficientnet_b0(num_classes=10, dropout=0.0, stochastic_depth_prob=0.0)
    compare(model, ref.EfficientNetB0(num_classes=10, dropout=0.0), (2, 3, 32, 32), train)


def test_efficientnet_stochastic_depth_is_active_only_in_training():
    model = models.efficientnet_b0(num_classes=3, dropout=0.0, stochastic_depth_prob=0.9)
    x = axonml.randn(4, 3, 32, 32)
    model.eval()
    with axonml.no_grad():
        first, second = model(x).numpy(), model(x).numpy()
    np.testing.assert_array_equal(first, second)
    model.train()
    with axonml.no_grad():
        runs = [model(x).numpy() for _ in range(3)]
    assert not all(np.allclose(runs[0], r) for r in runs[1:])


SMALL_VIT = dict(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128)


@pytest.mark.parametrize("train", [True, False])
def test_small_vision_transformer_matches_reference(train):
    compare(models.VisionTransformer(num_classes=10, **SMALL_VIT), ref.VisionTransformer(num_classes=10, **SMALL_VIT),
            (2, 3, 32, 32), train)


def test_vision_transformer_with_representation_layer_matches_reference():
    compare(models.VisionTransformer(num_classes=6, representation_size=32, **SMALL_VIT),
            ref.VisionTransformer(num_classes=6, representation_size=32, **SMALL_VIT), (2, 3, 32, 32), train=False)


@pytest.mark.slow
def test_vit_b_16_at_a_reduced_image_size_matches_reference():
    model = models.vit_b_16(image_size=32, num_classes=10)
    reference = ref.VisionTransformer(32, 16, 12, 12, 768, 3072, num_classes=10)
    compare(model, reference, (2, 3, 32, 32), train=False, dtype=np.float32, tolerance=5e-4)


def _on_device(device):
    if device == "cpu":
        pytest.skip("the CPU comparisons are the tests above")


def test_resnet18_on_the_device_matches_reference(device):
    _on_device(device)
    compare(models.resnet18(num_classes=10), ref.resnet("resnet18", num_classes=10), (4, 3, 32, 32), train=True,
            dtype=np.float32, tolerance=1e-3, device=device)


def test_small_vision_transformer_on_the_device_matches_reference(device):
    _on_device(device)
    compare(models.VisionTransformer(num_classes=10, **SMALL_VIT), ref.VisionTransformer(num_classes=10, **SMALL_VIT),
            (2, 3, 32, 32), train=False, dtype=np.float32, tolerance=1e-4, device=device)


@pytest.mark.parametrize("name", ["mobilenet_v2", "efficientnet_b0"])
def test_mobile_networks_on_the_device_match_reference(device, name):
    _on_device(device)
    model = getattr(models, name)(num_classes=10, dropout=0.0)
    reference = ref.MobileNetV2(num_classes=10, dropout=0.0) if name == "mobilenet_v2" else \
        ref.EfficientNetB0(num_classes=10, dropout=0.0)
    compare(model, reference, (2, 3, 32, 32), train=False, dtype=np.float32, tolerance=1e-4, device=device)


@pytest.mark.parametrize("builder, num_params", [
    (models.resnet18, 11689512), (models.resnet34, 21797672), (models.resnet50, 25557032),
    (models.mobilenet_v2, 3504872), (models.efficientnet_b0, 5288548)])
def test_parameter_counts_equal_the_published_weights(builder, num_params):
    weights = models.get_model_weights(builder.__name__).DEFAULT
    assert weights.meta["num_params"] == num_params
    assert sum(p.numel() for p in builder().parameters()) == num_params
    assert len(weights.meta["categories"]) == 1000


def test_weights_enums_name_the_published_files():
    assert models.ResNet18_Weights.IMAGENET1K_V1.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert models.ResNet18_Weights.DEFAULT.sha256_prefix == "f37072fd"
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.get_weight("ViT_B_16_Weights.IMAGENET1K_V1") is models.ViT_B_16_Weights.IMAGENET1K_V1
    assert models.ResNet18_Weights.verify("IMAGENET1K_V1") is models.ResNet18_Weights.IMAGENET1K_V1
    for name in ("resnet18", "resnet34", "resnet50", "resnet101", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
                 "vgg16_bn", "vgg19", "vgg19_bn", "vit_b_16", "vit_b_32", "mobilenet_v2", "efficientnet_b0"):
        for entry in models.get_model_weights(name):
            assert entry.url.startswith("https://download.pytorch.org/models/")
            assert len(entry.sha256_prefix) >= 8
            assert entry.meta["categories"][207] == "golden retriever"


def test_bad_weights_arguments_are_rejected():
    with pytest.raises(ValueError, match="Unknown value"):
        models.resnet18(weights="IMAGENET1K_V9")
    with pytest.raises(TypeError, match="ResNet18_Weights"):
        models.resnet18(weights=models.ResNet34_Weights.IMAGENET1K_V1)
    with pytest.raises(ValueError, match="num_classes"):
        models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1, num_classes=10)
    with pytest.raises(ValueError, match="no pretrained weights"):
        models.lenet(weights="IMAGENET1K_V1") if "weights" in models.lenet.__code__.co_varnames else \
            models._api._weights_for("IMAGENET1K_V1", None, "lenet")
    with pytest.raises(ValueError, match="indivisible"):
        models.VisionTransformer(30, 8, 1, 2, 16, 32)
    with pytest.raises(ValueError, match="Wrong image size"):
        models.VisionTransformer(32, 8, 1, 2, 16, 32)(axonml.randn(1, 3, 64, 64))
