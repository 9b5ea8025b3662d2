"""TimeMasking / FrequencyMasking, AddNoise and NormalizeAudio."""
import numpy as np
import pytest

import axonml
from axonml.audio import AddNoise, FrequencyMasking, NormalizeAudio, TimeMasking
from axonml.audio import functional as AF


def _masked_band(masked: np.ndarray, axis: int) -> np.ndarray:
    """Indices along axis (of a 2-d (freq, time) array) that were filled, checking the fill covers whole lines."""
    filled = masked == -1.0
    lines = filled.all(axis=1 - axis)
    assert (filled.any(axis=1 - axis) == lines).all()
    return np.flatnonzero(lines)


@pytest.mark.parametrize("transform,axis", [(TimeMasking, 1), (FrequencyMasking, 0)])
def test_one_contiguous_band_shared_by_the_batch(transform, axis):
    spec = axonml.rand(4, 2, 40, 60) + 0.5
    seen = set()
    for _ in range(20):
        out = transform(15)(spec, mask_value=-1.0).numpy()
        bands = [tuple(_masked_band(out[b, c], axis)) for b in range(4) for c in range(2)]
        assert len(set(bands)) == 1
        band = bands[0]
        assert len(band) < 15 and (not band or band == tuple(range(band[0], band[0] + len(band))))
        seen.add(band)
        untouched = out != -1.0
        np.testing.assert_array_equal(out[untouched], spec.numpy()[untouched])
    assert len(seen) > 5


def test_iid_masks_differ_per_example():
    spec = axonml.rand(8, 1, 30, 80) + 0.5
    out = TimeMasking(40, iid_masks=True)(spec, mask_value=-1.0).numpy()
    bands = {tuple(_masked_band(out[b, 0], 1)) for b in range(8)}
    assert len(bands) > 3


def test_masks_follow_the_seed_and_p():
    spec = axonml.rand(1, 20, 100)
    axonml.manual_seed(3)
    first = TimeMasking(50)(spec).numpy()
    axonml.manual_seed(3)
    np.testing.assert_array_equal(TimeMasking(50)(spec).numpy(), first)
    for _ in range(10):
        out = TimeMasking(80, p=0.1)(spec, mask_value=-1.0).numpy()
        assert len(_masked_band(out[0], 1)) < 10
    with pytest.raises(ValueError, match="p must be between"):
        TimeMasking(10, p=1.5)
    with pytest.raises(ValueError, match="at least two dimensions"):
        AF.mask_along_axis(axonml.rand(10), 3, 0.0, 0)
    with pytest.raises(ValueError, match="Only Frequency and Time"):
        AF.mask_along_axis(axonml.rand(2, 10, 10), 3, 0.0, 0)


def test_masking_gradient_is_zero_inside_the_band():
    spec = (axonml.rand(1, 16, 50) + 0.5).requires_grad_()
    out = FrequencyMasking(10)(spec)
    out.sum().backward()
    np.testing.assert_array_equal(spec.grad.numpy(), (out.detach().numpy() != 0).astype(np.float32))


def test_add_noise_reaches_the_requested_snr(rng):
    signal = rng.standard_normal((3, 2000))
    noise = rng.standard_normal((3, 2000)) * 0.1
    snr = np.array([0.0, 10.0, 20.0])
    lengths = np.array([2000, 1500, 1000])
    out = AddNoise()(axonml.from_numpy(signal), axonml.from_numpy(noise), axonml.from_numpy(snr),
                     axonml.from_numpy(lengths)).numpy()
    added = out - signal
    for i, n in enumerate(lengths):
        achieved = 10 * np.log10((signal[i, :n] ** 2).sum() / (added[i, :n] ** 2).sum())
        assert abs(achieved - snr[i]) < 1e-9
        np.testing.assert_allclose(added[i] / noise[i], added[i, 0] / noise[i, 0], rtol=1e-9)   # one scale
    with pytest.raises(ValueError, match="leading dimensions"):
        AF.add_noise(axonml.randn(2, 10), axonml.randn(2, 10), axonml.tensor(3.0))
    with pytest.raises(ValueError, match="Length dimensions"):
        AF.add_noise(axonml.randn(2, 10), axonml.randn(2, 9), axonml.zeros(2))


def test_add_noise_gradient_and_devices(device):
    signal = axonml.randn(2, 500, dtype=axonml.float64).requires_grad_()
    noise = axonml.randn(2, 500, dtype=axonml.float64)
    snr = axonml.tensor([5.0, 15.0], dtype=axonml.float64)
    assert axonml.autograd.gradcheck(lambda s: AF.add_noise(s, noise, snr).pow(2).sum(), (signal,))
    inputs = [t.detach().float() for t in (signal, noise, snr)]
    expected = AF.add_noise(*inputs).numpy()
    got = AF.add_noise(*[t.to(device) for t in inputs]).cpu().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method,target_db", [("peak", 0.0), ("peak", -6.0), ("rms", -20.0)])
def test_normalize_audio(rng, method, target_db):
    x = rng.standard_normal((2, 1000)) * np.array([[0.1], [3.0]])
    out = NormalizeAudio(method, target_db)(axonml.from_numpy(x)).numpy()
    level = np.abs(out).max(axis=-1) if method == "peak" else np.sqrt((out ** 2).mean(axis=-1))
    np.testing.assert_allclose(level, 10 ** (target_db / 20), rtol=1e-12)
    np.testing.assert_allclose(out / x, (out / x)[:, :1] * np.ones_like(x), rtol=1e-12)
    silence = NormalizeAudio()(axonml.zeros(1, 10)).numpy()
    np.testing.assert_array_equal(silence, 0.0)
    with pytest.raises(ValueError, match="method"):
        NormalizeAudio("lufs")
