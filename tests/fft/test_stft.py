"""stft / istft against torch: framing, windows, padding modes, normalisation, one-sided and
two-sided spectra, gradients, and the round trip through istft."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import check, namespace

STFT_CASES = [
    dict(n_fft=16, hop_length=4, window="hann"),
    dict(n_fft=16, hop_length=5, win_length=10, window="hann", center=False),
    dict(n_fft=12, window=None, pad_mode="constant", normalized=True),
    dict(n_fft=16, hop_length=8, window="hann", onesided=False),
    dict(n_fft=15, hop_length=3, window="hamming", pad_mode="replicate"),
]


def _window(ns, kind, length, like):
    if kind is None:
        return None
    return getattr(ns, f"{kind}_window")(length, dtype=like.dtype, device=like.device)


def _stft(case):
    def fn(x):
        ns = namespace(x)
        kwargs = dict(case)
        window = _window(ns, kwargs.pop("window"), kwargs.get("win_length") or kwargs["n_fft"], x)
        return ns.view_as_real(ns.stft(x, window=window, return_complex=True, **kwargs))
    return fn


@pytest.mark.parametrize("shape", [(100,), (2, 64)])
@pytest.mark.parametrize("case", range(len(STFT_CASES)))
def test_stft(case, shape, device):
    check(_stft(STFT_CASES[case]), [shape], device=device, noncontiguous=(False,))


def test_stft_of_complex_input(device):
    def fn(a, b):
        ns = namespace(a)
        return ns.view_as_real(ns.stft(ns.complex(a, b), 16, 4, window=ns.hann_window(16, dtype=a.dtype, device=a.device),
                                       return_complex=True))
    check(fn, [(80,), (80,)], device=device, noncontiguous=(False,))


ISTFT_CASES = [
    dict(n_fft=16, hop_length=4, window="hann"),
    dict(n_fft=16, hop_length=4, win_length=12, window="hann", length=90),
    dict(n_fft=16, hop_length=4, window="hamming", normalized=True, center=False),
    dict(n_fft=16, hop_length=8, window="hann", onesided=False, length=120),
]


@pytest.mark.parametrize("case", range(len(ISTFT_CASES)))
def test_istft_of_a_spectrogram(case, device):
    options = dict(ISTFT_CASES[case])
    window_kind = options.pop("window")
    length = options.pop("length", None)

    def fn(x):
        ns = namespace(x)
        window = _window(ns, window_kind, options.get("win_length") or options["n_fft"], x)
        spectrum = ns.stft(x, window=window, return_complex=True, **options)
        return ns.istft(spectrum * 1.5, window=window, length=length, **options)
    check(fn, [(2, 100)], device=device, noncontiguous=(False,))


def test_stft_of_a_second_of_audio_within_1e5_relative(device):
    """n_fft 400, hop 160 (25 ms / 10 ms at 16 kHz) against torch in float32."""
    values = np.random.default_rng(3).standard_normal(16000).astype(np.float32)
    ours = axonml.stft(axonml.tensor(values, device=device), 400, 160,
                       window=axonml.hann_window(400, device=device), return_complex=True).cpu().numpy()
    theirs = torch.stft(torch.tensor(values), 400, 160, window=torch.hann_window(400), return_complex=True).numpy()
    assert ours.shape == theirs.shape == (201, 101)
    assert np.abs(ours - theirs).max() <= 1e-5 * np.abs(theirs).max()


def test_istft_inverts_stft_on_a_real_length():
    x = axonml.randn(3, 1000, dtype=axonml.float64)
    window = axonml.hann_window(400, dtype=axonml.float64)
    spectrum = axonml.stft(x, 400, 160, window=window, return_complex=True)
    assert spectrum.shape == (3, 201, 7)
    y = axonml.istft(spectrum, 400, 160, window=window, length=1000)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-12)


def test_return_complex_false_gives_the_real_view():
    x = axonml.randn(64)
    with pytest.warns(UserWarning, match="deprecated"):
        pairs = axonml.stft(x, 16, return_complex=False)
    complex_result = x.stft(16, return_complex=True)
    assert pairs.shape == complex_result.shape + (2,)
    np.testing.assert_array_equal(pairs.numpy(), axonml.view_as_real(complex_result).numpy())


def test_errors_match_torch():
    x = axonml.randn(64)
    with pytest.raises(RuntimeError, match="return_complex"):
        axonml.stft(x, 16)
    with pytest.raises(RuntimeError, match="1D or 2D"):
        axonml.stft(axonml.randn(2, 2, 64), 16, return_complex=True)
    with pytest.raises(RuntimeError, match="window"):
        axonml.stft(x, 16, window=axonml.ones(8), return_complex=True)
    with pytest.raises(RuntimeError, match="complex-valued input"):
        axonml.istft(x.reshape(8, 8), 14)
    spectrum = axonml.stft(x, 16, return_complex=True)
    with pytest.raises(RuntimeError, match="overlap add min"):
        axonml.istft(spectrum, 16, window=axonml.zeros(16))
