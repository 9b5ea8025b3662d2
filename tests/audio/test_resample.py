"""Resample: torchaudio's formula (rewritten here in NumPy), scipy's resample_poly on real speech, and the
stop-band attenuation measured on a sweep."""
import math

import numpy as np
import pytest
import scipy.signal

import axonml
from axonml.audio import Resample
from axonml.audio import functional as AF


def _torchaudio_resample(x, orig_freq, new_freq, lowpass_filter_width=6, rolloff=0.99, method="sinc_interp_hann",
                         beta=None):
    """torchaudio.functional.resample (_get_sinc_resample_kernel + _apply_sinc_resample_kernel), written
    out in NumPy with an explicit loop over output phases instead of a strided convolution."""
    gcd = math.gcd(orig_freq, new_freq)
    orig, new = orig_freq // gcd, new_freq // gcd
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    idx = np.arange(-width, width + orig, dtype=np.float64) / orig
    padded = np.pad(x, (width, width + orig))
    frames = (padded.size - (2 * width + orig)) // orig + 1
    out = np.empty((frames, new))
    for phase in range(new):
        t = np.clip((-phase / new + idx) * base, -lowpass_filter_width, lowpass_filter_width)
        if method == "sinc_interp_hann":
            window = np.cos(t * np.pi / lowpass_filter_width / 2) ** 2
        else:
            b = 14.769656459379492 if beta is None else beta
            window = np.i0(b * np.sqrt(1 - (t / lowpass_filter_width) ** 2)) / np.i0(b)
        taps = np.sinc(t) * window * base / orig
        for frame in range(frames):
            out[frame, phase] = padded[frame * orig:frame * orig + taps.size] @ taps
    return out.reshape(-1)[:math.ceil(new * x.size / orig)]


@pytest.mark.parametrize("orig,new,method,width", [(16000, 8000, "sinc_interp_hann", 6),
                                                    (8000, 11025, "sinc_interp_hann", 6),
                                                    (16000, 12000, "sinc_interp_kaiser", 8),
                                                    (44100, 48000, "sinc_interp_kaiser", 6)])
def test_matches_torchaudio_formula(rng, orig, new, method, width):
    x = rng.standard_normal(1200)
    expected = _torchaudio_resample(x, orig, new, width, 0.99, method)
    got = AF.resample(axonml.from_numpy(x), orig, new, width, 0.99, method).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    module = Resample(orig, new, method, width)
    np.testing.assert_allclose(module(axonml.from_numpy(x[None].astype(np.float32))).numpy()[0], expected,
                               rtol=0, atol=2e-5)


@pytest.mark.parametrize("new", [8000, 22050, 44100])
def test_close_to_resample_poly_on_speech(speech, new):
    """Different filters (scipy: Kaiser beta 5, 10 zero crossings); they differ only near the cut-off,
    so the relative L2 difference on the first 5 s of speech is below 1 % (measured 0.68 % at 8 kHz)."""
    x, rate = speech
    x = x[:rate * 5]
    gcd = math.gcd(rate, new)
    reference = scipy.signal.resample_poly(x, new // gcd, rate // gcd)
    got = Resample(rate, new)(axonml.from_numpy(x[None].astype(np.float32))).numpy()[0]
    assert got.shape == reference.shape
    assert np.linalg.norm(got - reference) / np.linalg.norm(reference) < 1e-2


@pytest.mark.parametrize("method,width,floor_db", [("sinc_interp_hann", 6, 40.0), ("sinc_interp_hann", 16, 60.0),
                                                    ("sinc_interp_kaiser", 16, 85.0)])
def test_stop_band_attenuation_on_a_sweep(method, width, floor_db):
    """16 -> 8 kHz: a 5.0-7.9 kHz sweep (above 1.25 x the new Nyquist) comes out attenuated by floor_db."""
    rate = 16000
    t = np.arange(rate * 2) / rate
    sweep = scipy.signal.chirp(t, 5000, t[-1], 7900)
    y = AF.resample(axonml.from_numpy(sweep[None]), rate, 8000, width, resampling_method=method).numpy()[0]
    y = y[500:-500]
    attenuation = 20 * np.log10(np.sqrt(np.mean(sweep ** 2)) / np.sqrt(np.mean(y ** 2)))
    assert attenuation > floor_db
    passband = AF.resample(axonml.from_numpy(np.sin(2 * np.pi * 1000 * t)[None]), rate, 8000, width,
                           resampling_method=method).numpy()[0][500:-500]
    assert abs(np.sqrt(np.mean(passband ** 2)) / np.sqrt(0.5) - 1) < 1e-3


def test_same_rate_and_shapes():
    x = axonml.randn(2, 3, 100)
    assert AF.resample(x, 16000, 16000) is x
    assert tuple(Resample(16000, 24000)(x).shape) == (2, 3, 150)


def test_bad_arguments():
    with pytest.raises(ValueError, match="resampling method"):
        Resample(16000, 8000, resampling_method="linear")
    with pytest.raises(ValueError, match="orig_freq"):
        AF.resample(axonml.randn(10), 0, 8000)
    with pytest.raises(TypeError, match="floating point"):
        AF.resample(axonml.tensor([1, 2, 3]), 2, 1)


def test_gradient_and_opencl(device):
    x = axonml.randn(1, 400, requires_grad=True)
    module = Resample(16000, 12000)
    y = module(x)
    (y * y).sum().backward()
    # y is linear in x: d/dx sum(y^2) = 2 K^T K x, and K^T (K x) = the gradient of <y, y>/2 checked by finite difference
    direction = axonml.randn(1, 400)
    eps = 1e-3
    with axonml.no_grad():
        numeric = ((module(x + eps * direction) ** 2).sum() - (module(x - eps * direction) ** 2).sum()) / (2 * eps)
    assert abs(float((x.grad * direction).sum().item()) - float(numeric.item())) < 1e-2 * abs(float(numeric.item()))
    on_device = Resample(16000, 12000).to(device)(x.detach().to(device))
    np.testing.assert_allclose(on_device.cpu().numpy(), y.detach().numpy(), rtol=1e-5, atol=1e-6)
