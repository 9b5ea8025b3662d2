"""int8 calibration (axonml/quant/calibration.py): qparams and rounding against torch.ao.quantization."""
import numpy as np
import pytest

import axonml
from axonml import nn
from axonml.quant import (EntropyObserver, MeanStdObserver, MinMaxObserver, PercentileObserver, calibrate,
                          dequantize_per_tensor, quantize_per_channel, quantize_per_tensor)

torch = pytest.importorskip("torch")
from torch.ao.quantization import observer as torch_observer  # noqa: E402

SCHEMES = [("quint8", "per_tensor_affine"), ("qint8", "per_tensor_affine"), ("qint8", "per_tensor_symmetric"),
           ("quint8", "per_tensor_symmetric")]


def _torch_scheme(name):
    return getattr(torch, name)


@pytest.mark.parametrize("dtype,qscheme", SCHEMES)
def test_minmax_qparams_match_torch(rng, dtype, qscheme):
    batches = [rng.standard_normal((8, 16)).astype(np.float32) * 3 + 1, rng.uniform(-7, 2, (4, 16)).astype(np.float32)]
    ours = MinMaxObserver(dtype=dtype, qscheme=qscheme)
    theirs = torch_observer.MinMaxObserver(dtype=getattr(torch, dtype), qscheme=_torch_scheme(qscheme))
    for batch in batches:
        ours(axonml.tensor(batch))
        theirs(torch.from_numpy(batch))
    scale, zero_point = ours.calculate_qparams()
    torch_scale, torch_zero_point = theirs.calculate_qparams()
    assert scale == pytest.approx(float(torch_scale), rel=1e-7) and zero_point == int(torch_zero_point)
    x = np.concatenate(batches)
    q = quantize_per_tensor(x, scale, zero_point, dtype)
    reference = torch.quantize_per_tensor(torch.from_numpy(x), float(torch_scale), int(torch_zero_point),
                                          getattr(torch, dtype)).int_repr().numpy()
    assert q.dtype == reference.dtype and np.abs(q.astype(int) - reference).max() <= 1
    assert np.mean(q == reference) > 0.999
    np.testing.assert_allclose(dequantize_per_tensor(q, scale, zero_point), x, atol=scale / 2 + 1e-6)


@pytest.mark.parametrize("qscheme", ["per_channel_affine", "per_channel_symmetric"])
def test_per_channel_minmax_matches_torch(rng, qscheme):
    w = (rng.standard_normal((6, 20)) * rng.uniform(0.1, 5, (6, 1))).astype(np.float32)
    ours = MinMaxObserver(dtype="qint8", qscheme=qscheme, ch_axis=0)
    theirs = torch_observer.PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=_torch_scheme(qscheme))
    ours(w)
    theirs(torch.from_numpy(w))
    scales, zero_points = ours.calculate_qparams()
    torch_scales, torch_zero_points = theirs.calculate_qparams()
    np.testing.assert_allclose(scales, torch_scales.numpy(), rtol=1e-7)
    np.testing.assert_array_equal(zero_points, torch_zero_points.numpy())
    q = quantize_per_channel(w, scales, zero_points, 0, "qint8")
    reference = torch.quantize_per_channel(torch.from_numpy(w), torch_scales, torch_zero_points, 0,
                                           torch.qint8).int_repr().numpy()
    assert np.abs(q.astype(int) - reference).max() <= 1 and np.mean(q == reference) > 0.99


def test_percentile_and_meanstd_clip_outliers(rng):
    x = rng.standard_normal(20000).astype(np.float32)
    x[:5] = [40, -35, 30, 50, -60]
    minmax, percentile, meanstd = MinMaxObserver(), PercentileObserver(99.9), MeanStdObserver(3.0)
    for observer in (minmax, percentile, meanstd):
        for chunk in np.split(x, 4):
            observer(chunk)
    lo, hi = percentile.range()
    assert -3.6 < lo[0] < -2.8 and 2.8 < hi[0] < 3.6  # the 0.1% and 99.9% points of N(0, 1) are -+3.09
    lo, hi = meanstd.range()
    mean, std = x.astype(np.float64).mean(), x.astype(np.float64).std()
    np.testing.assert_allclose([lo[0], hi[0]], [mean - 3 * std, mean + 3 * std], rtol=1e-5)
    assert percentile.calculate_qparams()[0] < minmax.calculate_qparams()[0] / 10


def test_entropy_threshold_clips_heavy_tails(rng):
    x = np.concatenate([rng.standard_normal(50000), rng.uniform(-40, 40, 20)]).astype(np.float32)
    observer = EntropyObserver(dtype="qint8", qscheme="per_tensor_symmetric", bins=1024)
    observer(x)
    lo, hi = observer.range()
    assert lo[0] == -hi[0] and 2.0 < hi[0] < 20.0
    # quantizing with the chosen range loses less on the bulk of the values than the full range does
    bulk = x[:50000]
    errors = []
    for chosen in (observer, MinMaxObserver(dtype="qint8", qscheme="per_tensor_symmetric")):
        chosen(x)
        scale, zero_point = chosen.calculate_qparams()
        errors.append(np.abs(dequantize_per_tensor(quantize_per_tensor(bulk, scale, zero_point, "qint8"), scale,
                                                   zero_point) - bulk).mean())
    assert errors[0] < errors[1] / 3


def test_per_channel_histograms_and_errors(rng):
    w = rng.standard_normal((3, 500)).astype(np.float32) * np.array([[1], [10], [0.1]], np.float32)
    observer = PercentileObserver(99.0, dtype="qint8", qscheme="per_channel_symmetric")
    observer(w)
    scales, zero_points = observer.calculate_qparams()
    assert scales.shape == (3,) and np.all(zero_points == 0)
    assert scales[1] > 5 * scales[0] > 25 * scales[2]
    with pytest.raises(RuntimeError, match="observed no values"):
        MinMaxObserver().calculate_qparams()
    with pytest.raises(ValueError, match="qscheme"):
        MinMaxObserver(qscheme="per_block")
    with pytest.raises(ValueError, match="qint8 or quint8"):
        MinMaxObserver(dtype="int4")
    with pytest.raises(ValueError, match="channels"):
        observer(w[:2])
    with pytest.raises(TypeError, match="floating-point"):
        MinMaxObserver()(np.arange(4))


def test_calibrate_a_model(rng):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    batches = [axonml.tensor(rng.standard_normal((5, 8)).astype(np.float32)) for _ in range(3)]
    model.train()
    params = calibrate(model, batches)
    assert model.training and set(params) == {"0", "2"}
    scale, zero_point = params["2"]["input"]
    hidden = [model[1](model[0](b)).detach().numpy() for b in batches]
    expected = MinMaxObserver()
    for h in hidden:
        expected(h)
    assert (scale, zero_point) == expected.calculate_qparams()
    assert zero_point == 0  # ReLU outputs are non-negative
    scales, zero_points = params["0"]["weight"]
    assert scales.shape == (16,) and np.all(zero_points == 0)
