"""Image transforms (axonml/vision/transforms) against torch ops and hand-computed values."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
from axonml.vision import transforms as T
from axonml.vision.transforms import functional as F


@pytest.fixture
def hwc(rng):
    return rng.integers(0, 256, (9, 12, 3), dtype=np.uint8)


def test_to_tensor(hwc):
    out = T.ToTensor()(hwc)
    assert out.shape == (3, 9, 12) and out.dtype == axonml.float32
    expected = torch.from_numpy(hwc).permute(2, 0, 1).float().div(255)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    grey = T.ToTensor()(hwc[:, :, 0])
    assert grey.shape == (1, 9, 12)
    floats = T.ToTensor()(np.ones((2, 2, 1), np.float64))
    assert floats.dtype == axonml.float64 and floats.numpy().max() == 1.0
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(axonml.zeros(3, 2, 2))


def test_normalize(rng):
    x = rng.random((3, 4, 5)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(axonml.from_numpy(x.copy()))
    expected = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    t = axonml.from_numpy(x.copy())
    assert T.Normalize(mean, std, inplace=True)(t) is t
    np.testing.assert_allclose(t.numpy(), expected.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize(mean, std)(axonml.zeros(3, 2, 2, dtype=axonml.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0,), (0,))(axonml.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image"):
        T.Normalize((0,), (1,))(axonml.zeros(2, 2))


@pytest.mark.parametrize("size", [(5, 7), (18, 30), (9, 12), (4, 25)])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_bilinear_matches_interpolate(rng, size, antialias):
    x = rng.random((2, 3, 9, 12)).astype(np.float32)
    out = T.Resize(size, antialias=antialias)(axonml.from_numpy(x))
    expected = TF.interpolate(torch.from_numpy(x), size=size, mode="bilinear", align_corners=False,
                              antialias=antialias)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_resize_nearest_and_uint8(hwc):
    out = T.Resize((5, 7), interpolation=T.InterpolationMode.NEAREST)(hwc)
    expected = TF.interpolate(torch.from_numpy(hwc).permute(2, 0, 1)[None].float(), size=(5, 7), mode="nearest")
    np.testing.assert_array_equal(out, expected[0].permute(1, 2, 0).numpy().astype(np.uint8))
    out = T.Resize((5, 7))(hwc)
    expected = TF.interpolate(torch.from_numpy(hwc).permute(2, 0, 1)[None].float(), size=(5, 7), mode="bilinear",
                              align_corners=False, antialias=True).round().to(torch.uint8)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected[0].permute(1, 2, 0).numpy().astype(int)).max() <= 1


def test_resize_int_matches_shorter_edge():
    assert T.Resize(6)(axonml.zeros(3, 9, 12)).shape == (3, 6, 8)
    assert T.Resize(6)(axonml.zeros(3, 12, 9)).shape == (3, 8, 6)
    assert T.Resize(6, max_size=7)(axonml.zeros(3, 9, 12)).shape == (3, 5, 7)


def test_center_crop_and_pad_like_torchvision():
    x = np.arange(5 * 6).reshape(1, 5, 6).astype(np.float32)
    out = T.CenterCrop((3, 2))(axonml.from_numpy(x)).numpy()
    # top = round((5 - 3) / 2) = 1, left = round((6 - 2) / 2) = 2
    np.testing.assert_array_equal(out, x[:, 1:4, 2:4])
    padded = T.CenterCrop(8)(axonml.from_numpy(x)).numpy()
    assert padded.shape == (1, 8, 8)
    np.testing.assert_array_equal(padded[:, 1:6, 1:7], x)     # pad left/top (8-6)//2=1, (8-5)//2=1
    assert padded[:, 0].sum() == 0 and padded[:, 6:].sum() == 0


@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                              ("reflect", "reflect")])
def test_pad_modes_match_torch(rng, mode, torch_mode):
    x = rng.random((2, 4, 5)).astype(np.float32)
    out = T.Pad((1, 2, 3, 1), padding_mode=mode)(axonml.from_numpy(x)).numpy()
    expected = TF.pad(torch.from_numpy(x)[None], (1, 3, 2, 1), mode=torch_mode)[0]
    np.testing.assert_array_equal(out, expected.numpy())
    symmetric = T.Pad(2, padding_mode="symmetric")(axonml.from_numpy(x)).numpy()
    np.testing.assert_array_equal(symmetric, np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="symmetric"))
    filled = T.Pad(1, fill=7)(axonml.from_numpy(x)).numpy()
    assert filled[0, 0, 0] == 7


def test_flips(hwc):
    t = T.ToTensor()(hwc)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(t).numpy(), t.numpy()[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(hwc), hwc[::-1])
    assert T.RandomHorizontalFlip(p=0.0)(hwc) is hwc


def test_random_crop_window_padding_and_seed(hwc):
    axonml.manual_seed(4)
    out = T.RandomCrop((4, 5))(hwc)
    axonml.manual_seed(4)
    again = T.RandomCrop((4, 5))(hwc)
    np.testing.assert_array_equal(out, again)
    matches = [(i, j) for i in range(6) for j in range(8) if np.array_equal(hwc[i:i + 4, j:j + 5], out)]
    assert matches
    padded = T.RandomCrop(12, padding=2)(T.ToTensor()(hwc))
    assert padded.shape == (3, 12, 12)
    assert T.RandomCrop(20, pad_if_needed=True)(hwc).shape == (20, 20, 3)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(20)(hwc)


def _torch_rotate(x, angle, mode, fill=None):
    """torchvision's tensor rotate, written with torch's own grid_sample."""
    c, h, w = x.shape
    rot = math.radians(-angle)
    theta = torch.tensor([[math.cos(rot), math.sin(rot), 0.0], [-math.sin(rot), math.cos(rot), 0.0]])
    xs = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w)
    ys = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h)
    base = torch.stack([xs.expand(h, w), ys[:, None].expand(h, w), torch.ones(h, w)], -1)
    grid = (base.view(1, h * w, 3) @ (theta.T / torch.tensor([0.5 * w, 0.5 * h]))).view(1, h, w, 2)
    img = x[None]
    if fill is not None:
        img = torch.cat([img, torch.ones(1, 1, h, w)], 1)
    out = TF.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, -1:]
        out = out[:, :-1]
        if mode == "nearest":
            out = torch.where(mask < 0.5, torch.tensor(float(fill)), out)
        else:
            out = out * mask + (1.0 - mask) * fill
    return out[0]


@pytest.mark.parametrize("angle", [17.0, -40.0, 90.0])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotate_matches_grid_sample(rng, angle, mode):
    x = rng.random((2, 7, 9)).astype(np.float32)
    out = F.rotate(axonml.from_numpy(x), angle, interpolation=T.InterpolationMode(mode), fill=[0.5, 0.5]).numpy()
    expected = _torch_rotate(torch.from_numpy(x), angle, mode, fill=0.5).numpy()
    mismatched = np.abs(out - expected) > 1e-4
    assert mismatched.mean() < 0.02       # nearest may round a tie the other way at a few pixels


def test_rotate_90_is_rot90_and_expand():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    out = F.rotate(axonml.from_numpy(x), 90).numpy()
    np.testing.assert_array_equal(out, np.rot90(x, 1, axes=(1, 2)))
    wide = F.rotate(axonml.zeros(1, 4, 8), 90, expand=True)
    assert wide.shape == (1, 8, 4)
    axonml.manual_seed(0)
    rotated = T.RandomRotation(10)(np.full((6, 6), 200, np.uint8))
    assert rotated.shape == (6, 6) and rotated.dtype == np.uint8


def test_grayscale_weights_and_channels():
    img = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], np.uint8)
    grey = T.Grayscale()(img)
    expected = (0.2989 * img[..., 0].astype(np.float32) + 0.587 * img[..., 1] + 0.114 * img[..., 2]).astype(np.uint8)
    np.testing.assert_array_equal(grey, expected)
    assert grey.shape == (1, 4)
    assert T.Grayscale(3)(T.ToTensor()(img)).shape == (3, 1, 4)


def test_color_adjustments_by_hand():
    img = axonml.tensor([[[0.2, 0.8]], [[0.4, 0.6]], [[0.6, 1.0]]])
    np.testing.assert_allclose(F.adjust_brightness(img, 1.5).numpy(), np.clip(img.numpy() * 1.5, 0, 1), rtol=1e-6)
    grey_mean = (0.2989 * np.array([0.2, 0.8]) + 0.587 * np.array([0.4, 0.6]) + 0.114 * np.array([0.6, 1.0])).mean()
    np.testing.assert_allclose(F.adjust_contrast(img, 0.5).numpy(), 0.5 * img.numpy() + 0.5 * grey_mean, rtol=1e-5)
    grey = 0.2989 * img.numpy()[0] + 0.587 * img.numpy()[1] + 0.114 * img.numpy()[2]
    np.testing.assert_allclose(F.adjust_saturation(img, 0.0).numpy(), np.broadcast_to(grey, (3, 1, 2)), rtol=1e-5)
    red = axonml.tensor([[[1.0]], [[0.0]], [[0.0]]])
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0, 1, 0], atol=1e-6)
    uint8 = np.array([[[200, 100, 50]]], np.uint8)
    # uint8 results are truncated, as torchvision's .to(uint8)
    np.testing.assert_array_equal(F.adjust_brightness(uint8, 0.7), (uint8 * 0.7).astype(np.uint8))


def test_color_jitter_seeded_and_in_range(hwc):
    jitter = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    axonml.manual_seed(2)
    a = jitter(hwc)
    axonml.manual_seed(2)
    b = jitter(hwc)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8 and not np.array_equal(a, hwc)
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.7)


def test_random_resized_crop(hwc):
    axonml.manual_seed(0)
    out = T.RandomResizedCrop(6)(T.ToTensor()(hwc))
    assert out.shape == (3, 6, 6)
    i, j, h, w = T.RandomResizedCrop.get_params(hwc, (0.08, 1.0), (3 / 4, 4 / 3))
    assert 0 <= i and i + h <= 9 and 0 <= j and j + w <= 12


def test_compose_mnist_pipeline():
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    out = pipeline(np.array([[0, 255]], np.uint8))
    np.testing.assert_allclose(out.numpy(), [[[-1.0, 1.0]]])
