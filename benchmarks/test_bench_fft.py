"""FFT and STFT benchmarks: axonml (pocketfft through scipy.fft) against torch.fft in the same process.

    pytest benchmarks/test_bench_fft.py -s

Each case records ``ratio_vs_torch`` (axonml time / PyTorch time, lower is better).
"""
import numpy as np
import torch

import axonml

RNG = np.random.default_rng(0)


def _pair(shape, dtype=np.float32):
    array = RNG.standard_normal(shape).astype(dtype)
    return axonml.tensor(array), torch.tensor(array)


def test_rfft_2_16(compare):
    x, tx = _pair(2 ** 16)
    compare(lambda: axonml.fft.rfft(x), lambda: torch.fft.rfft(tx), rounds=100, name="torch")


def test_fft_2_16_complex(compare):
    re, tre = _pair(2 ** 16)
    im, tim = _pair(2 ** 16)
    z, tz = axonml.complex(re, im), torch.complex(tre, tim)
    compare(lambda: axonml.fft.fft(z), lambda: torch.fft.fft(tz), rounds=100, name="torch")


def test_rfft_2_16_forward_backward(compare):
    x, tx = _pair(2 ** 16)
    x.requires_grad_()
    tx.requires_grad_()

    def step(framework, signal):
        signal.grad = None
        framework.fft.rfft(signal).abs().sum().backward()
    compare(lambda: step(axonml, x), lambda: step(torch, tx), rounds=50, name="torch")


def test_stft_60_seconds_16khz(compare):
    """stft of 60 s at 16 kHz, n_fft 400 (25 ms), hop 160 (10 ms), Hann window: 6001 frames of 201 bins."""
    x, tx = _pair(60 * 16000)
    window, twindow = axonml.hann_window(400), torch.hann_window(400)
    compare(lambda: axonml.stft(x, 400, 160, window=window, return_complex=True),
            lambda: torch.stft(tx, 400, 160, window=twindow, return_complex=True), rounds=20, name="torch")


def test_stft_power_spectrogram_backward_60_seconds(compare):
    """|stft|^2 of 60 s of audio, summed, backpropagated to the waveform."""
    x, tx = _pair(60 * 16000)
    x.requires_grad_()
    tx.requires_grad_()
    window, twindow = axonml.hann_window(400), torch.hann_window(400)

    def step(framework, signal, w):
        signal.grad = None
        spectrum = framework.stft(signal, 400, 160, window=w, return_complex=True)
        (spectrum.abs() ** 2).sum().backward()
    compare(lambda: step(axonml, x, window), lambda: step(torch, tx, twindow), rounds=8, name="torch")
