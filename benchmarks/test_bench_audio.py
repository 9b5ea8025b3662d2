"""Audio benchmarks: MelSpectrogram of 60 s of 16 kHz audio against librosa and against torch
(torch.stft + a filterbank matmul), in the same process.

    pytest benchmarks/test_bench_audio.py -s

Each case records ``ratio_vs_<reference>`` (axonml time / reference time, lower is better). The
signal is the 30 s speech sample played twice when it is present, noise otherwise.
"""
import os

import numpy as np
import pytest
import torch

import axonml
from axonml.audio import MFCC, MelSpectrogram, Resample

_SAMPLE = os.environ.get("AXONML_SPEECH_SAMPLE", os.path.join(os.path.dirname(__file__), "..", ".venv", "share",
                                                              "axonml-test-data", "sample.wav"))
_RATE = 16000
_MEL = dict(n_fft=400, hop_length=160, n_mels=80)


def _sixty_seconds() -> np.ndarray:
    if os.path.isfile(_SAMPLE):
        waveform, rate = axonml.audio.load(_SAMPLE)
        if rate == _RATE:
            return np.tile(waveform.numpy()[0], 2)[:60 * _RATE]
    return np.random.default_rng(0).standard_normal(60 * _RATE).astype(np.float32) * 0.1


SIGNAL = _sixty_seconds()


def test_mel_spectrogram_60s_vs_librosa(compare):
    librosa = pytest.importorskip("librosa")
    mel = MelSpectrogram(_RATE, pad_mode="constant", norm="slaney", mel_scale="slaney", **_MEL)
    x = axonml.from_numpy(SIGNAL)
    compare(lambda: mel(x), lambda: librosa.feature.melspectrogram(y=SIGNAL, sr=_RATE, **_MEL), rounds=10,
            name="librosa")


def test_mel_spectrogram_60s_vs_torch(compare):
    mel = MelSpectrogram(_RATE, **_MEL)
    x = axonml.from_numpy(SIGNAL)
    tx = torch.from_numpy(SIGNAL)
    window = torch.hann_window(400)
    fb = torch.from_numpy(mel.mel_scale.fb.numpy())

    def torch_mel():
        power = torch.stft(tx, 400, 160, window=window, return_complex=True).abs().pow(2)
        return (power.transpose(-1, -2) @ fb).transpose(-1, -2)
    compare(lambda: mel(x), torch_mel, rounds=10, name="torch")


def test_mfcc_60s_vs_librosa(compare):
    librosa = pytest.importorskip("librosa")
    mfcc = MFCC(_RATE, n_mfcc=20, melkwargs=dict(pad_mode="constant", norm="slaney", mel_scale="slaney", **_MEL))
    x = axonml.from_numpy(SIGNAL)
    compare(lambda: mfcc(x), lambda: librosa.feature.mfcc(y=SIGNAL, sr=_RATE, n_mfcc=20, **_MEL), rounds=10,
            name="librosa")


def test_resample_60s_16k_to_44k1_vs_resample_poly(compare):
    import scipy.signal
    resample = Resample(_RATE, 44100)
    x = axonml.from_numpy(SIGNAL[None])
    compare(lambda: resample(x), lambda: scipy.signal.resample_poly(SIGNAL, 441, 160), rounds=5, name="scipy")
