"""Audio transforms as axonml.nn modules (torchaudio.transforms' names, arguments and defaults).

Constant matrices (window, mel filterbank, DCT, resampling kernel) are buffers, so ``module.to(device)``
moves them; ``forward`` calls axonml.audio.functional.
"""
from __future__ import annotations

import math
from typing import Callable

from ..nn import Module
from ..tensor import Tensor
from . import functional as F

__all__ = ["Resample", "Spectrogram", "MelScale", "MelSpectrogram", "MFCC", "AmplitudeToDB", "NormalizeAudio",
           "AddNoise", "TimeMasking", "FrequencyMasking"]


def _hann_window(length: int, **kwargs) -> Tensor:
    from .. import hann_window
    return hann_window(length, **kwargs)


def _as_input_dtype(buffer: Tensor, exact, like: Tensor) -> Tensor:
    """The float32 buffer for float32 inputs; for another dtype the constant rebuilt from exact (a float64
    array, or a function of the dtype), so float64 inputs get float64-accurate constants, not rounded ones."""
    if buffer.dtype == like.dtype:
        return buffer
    if callable(exact):
        try:
            return exact(like.dtype).to(buffer.device)
        except TypeError:                     # a window_fn without a dtype argument
            return buffer.to(dtype=like.dtype)
    return F._constant(exact, like).to(buffer.device)


class Resample(Module):
    """Resample a signal from orig_freq to new_freq with torchaudio's windowed-sinc polyphase filter.

    The kernel is computed once (float64, stored as float32). With the defaults (Hann window, 6 zero
    crossings, rolloff 0.99) the stop band is attenuated by about 40 dB (measured on a sweep, see
    docs/audio.md); ``sinc_interp_kaiser`` with more zero crossings reaches further.

    Args:
        orig_freq: the input's sample rate (default 16000).
        new_freq: the output's sample rate (default 16000).
        resampling_method: ``"sinc_interp_hann"`` or ``"sinc_interp_kaiser"``.
        lowpass_filter_width: zero crossings of the sinc on each side.
        rolloff: the cut-off as a fraction of the lower Nyquist frequency.
        beta: the Kaiser window's shape (default 14.769656459379492).

    Shape:
        - Input: (..., time)
        - Output: (..., ceil(time * new_freq / orig_freq))

    Example:
        >>> resample = axonml.audio.transforms.Resample(44100, 16000)
        >>> resample(axonml.randn(1, 44100)).shape
        axonml.Size([1, 16000])
    """

    def __init__(self, orig_freq: int = 16000, new_freq: int = 16000, resampling_method: str = "sinc_interp_hann",
                 lowpass_filter_width: int = 6, rolloff: float = 0.99, beta: float | None = None) -> None:
        super().__init__()
        from ..creation import from_numpy
        self.orig_freq, self.new_freq = F._check_frequencies(orig_freq, new_freq)
        self.resampling_method = resampling_method
        self.lowpass_filter_width = lowpass_filter_width
        self.rolloff = rolloff
        self.beta = beta
        self.gcd = math.gcd(self.orig_freq, self.new_freq)
        if self.orig_freq != self.new_freq:
            taps, self.width = F.sinc_resample_kernel(self.orig_freq // self.gcd, self.new_freq // self.gcd,
                                                      lowpass_filter_width, rolloff, resampling_method, beta)
            self._taps = taps[:, None, :]
            self.register_buffer("kernel", from_numpy(self._taps.astype("float32")), persistent=False)

    def extra_repr(self) -> str:
        return f"orig_freq={self.orig_freq}, new_freq={self.new_freq}, resampling_method={self.resampling_method!r}"

    def forward(self, waveform: Tensor) -> Tensor:
        F._check_signal("Resample", waveform)
        if self.orig_freq == self.new_freq:
            return waveform
        kernel = _as_input_dtype(self.kernel, self._taps, waveform)
        return F.apply_resample_kernel(waveform, self.orig_freq // self.gcd, self.new_freq // self.gcd, kernel,
                                       self.width)


class Spectrogram(Module):
    """|STFT|^power of a signal (or the complex STFT with power=None), built on axonml.stft.

    Args:
        n_fft: FFT size (default 400); n_fft // 2 + 1 frequency bins.
        win_length: window size (default n_fft).
        hop_length: step between frames (default win_length // 2).
        pad: zeros added on both sides first.
        window_fn: builds the window from win_length (default axonml.hann_window, periodic).
        power: 2 for power, 1 for magnitude, None for the complex spectrum.
        normalized: divide by the window's L2 norm (True / "window") or use stft's 1/sqrt(n_fft)
            ("frame_length").
        wkwargs: keyword arguments for window_fn.
        center: pad by n_fft // 2 with pad_mode so that frame t is centred at t * hop_length.
        pad_mode: "reflect", "constant", "replicate" or "circular".
        onesided: only the non-negative frequencies.

    Shape:
        - Input: (..., time)
        - Output: (..., n_fft // 2 + 1, frames)

    Example:
        >>> axonml.audio.transforms.Spectrogram(n_fft=400)(axonml.randn(16000)).shape
        axonml.Size([201, 81])
    """

    def __init__(self, n_fft: int = 400, win_length: int | None = None, hop_length: int | None = None, pad: int = 0,
                 window_fn: Callable[..., Tensor] | None = None, power: float | None = 2.0,
                 normalized: bool | str = False, wkwargs: dict | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool = True) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        window_fn = window_fn if window_fn is not None else _hann_window
        wkwargs = wkwargs or {}
        self._window_of_dtype = lambda dtype: window_fn(self.win_length, **{**wkwargs, "dtype": dtype})
        self.register_buffer("window", window_fn(self.win_length, **wkwargs))
        self.pad = pad
        self.power = power
        self.normalized = normalized
        self.center = center
        self.pad_mode = pad_mode
        self.onesided = onesided

    def extra_repr(self) -> str:
        return f"n_fft={self.n_fft}, win_length={self.win_length}, hop_length={self.hop_length}, power={self.power}"

    def forward(self, waveform: Tensor) -> Tensor:
        F._check_signal("Spectrogram", waveform)
        window = _as_input_dtype(self.window, self._window_of_dtype, waveform)
        return F.spectrogram(waveform, self.pad, window, self.n_fft, self.hop_length, self.win_length, self.power,
                             self.normalized, self.center, self.pad_mode, self.onesided)


class MelScale(Module):
    """Turn a (power) spectrogram into a mel spectrogram with a triangular filterbank.

    Args:
        n_mels: mel bands (default 128).
        sample_rate: the signal's sample rate (default 16000).
        f_min, f_max: the filterbank's edges in Hz (f_max defaults to sample_rate // 2).
        n_stft: frequency bins of the input (n_fft // 2 + 1; default 201).
        norm: None or "slaney" (area normalisation).
        mel_scale: "htk" or "slaney".

    Shape:
        - Input: (..., n_stft, time)
        - Output: (..., n_mels, time)
    """

    def __init__(self, n_mels: int = 128, sample_rate: int = 16000, f_min: float = 0.0, f_max: float | None = None,
                 n_stft: int = 201, norm: str | None = None, mel_scale: str = "htk") -> None:
        super().__init__()
        self.n_mels = n_mels
        self.sample_rate = sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min = f_min
        self.norm = norm
        self.mel_scale = mel_scale
        if f_min > self.f_max:
            raise ValueError(f"Require f_min: {f_min} <= f_max: {self.f_max}")
        from ..creation import from_numpy
        self._fb = F.melscale_fbanks_array(n_stft, self.f_min, self.f_max, n_mels, sample_rate, norm, mel_scale)
        self.register_buffer("fb", from_numpy(self._fb.astype("float32")))

    def extra_repr(self) -> str:
        return f"n_mels={self.n_mels}, sample_rate={self.sample_rate}, f_min={self.f_min}, f_max={self.f_max}"

    def forward(self, specgram: Tensor) -> Tensor:
        fb = _as_input_dtype(self.fb, self._fb, specgram)
        return specgram.transpose(-1, -2).matmul(fb).transpose(-1, -2)


class MelSpectrogram(Module):
    """Spectrogram followed by MelScale (torchaudio's defaults: htk scale, no norm, 128 mels, reflect padding).

    librosa's ``melspectrogram`` is ``MelSpectrogram(..., pad_mode="constant", norm="slaney",
    mel_scale="slaney")``.

    Args:
        sample_rate, n_fft, win_length, hop_length, f_min, f_max, pad, n_mels, window_fn, power,
        normalized, wkwargs, center, pad_mode, norm, mel_scale: as in Spectrogram and MelScale.

    Shape:
        - Input: (..., time)
        - Output: (..., n_mels, frames)

    Example:
        >>> mel = axonml.audio.transforms.MelSpectrogram(16000, n_fft=400, hop_length=160, n_mels=80)
        >>> mel(axonml.randn(1, 16000)).shape
        axonml.Size([1, 80, 101])
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, win_length: int | None = None,
                 hop_length: int | None = None, f_min: float = 0.0, f_max: float | None = None, pad: int = 0,
                 n_mels: int = 128, window_fn: Callable[..., Tensor] | None = None, power: float = 2.0,
                 normalized: bool | str = False, wkwargs: dict | None = None, center: bool = True,
                 pad_mode: str = "reflect", norm: str | None = None, mel_scale: str = "htk") -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.n_mels = n_mels
        self.spectrogram = Spectrogram(n_fft=n_fft, win_length=win_length, hop_length=hop_length, pad=pad,
                                       window_fn=window_fn, power=power, normalized=normalized, wkwargs=wkwargs,
                                       center=center, pad_mode=pad_mode, onesided=True)
        self.mel_scale = MelScale(n_mels, sample_rate, f_min, f_max, n_fft // 2 + 1, norm, mel_scale)

    def forward(self, waveform: Tensor) -> Tensor:
        return self.mel_scale(self.spectrogram(waveform))


class AmplitudeToDB(Module):
    """Power or amplitude to decibels: 10 log10 (power) or 20 log10 (magnitude), floored at max - top_db.

    Args:
        stype: "power" or "magnitude".
        top_db: the dynamic range kept below each spectrogram's maximum (None: no floor).

    Shape:
        - Input: (..., freq, time)
        - Output: the same.
    """

    def __init__(self, stype: str = "power", top_db: float | None = None) -> None:
        super().__init__()
        if stype not in ("power", "magnitude"):
            raise ValueError(f"stype must be 'power' or 'magnitude', got {stype!r}")
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.stype = stype
        self.top_db = top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin = 1e-10
        self.ref_value = 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def extra_repr(self) -> str:
        return f"stype={self.stype!r}, top_db={self.top_db}"

    def forward(self, x: Tensor) -> Tensor:
        return F.amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier, self.top_db)


class MFCC(Module):
    """Mel-frequency cepstral coefficients: a DCT-II of the log (dB, top_db 80) mel spectrogram.

    librosa's ``feature.mfcc`` is ``MFCC(..., melkwargs=dict(pad_mode="constant", norm="slaney",
    mel_scale="slaney", ...))``.

    Args:
        sample_rate: the signal's sample rate (default 16000).
        n_mfcc: coefficients kept (default 40).
        dct_type: 2 (the only type supported, as in torchaudio).
        norm: "ortho" (default) or None.
        log_mels: log(mel + 1e-6) instead of decibels.
        melkwargs: arguments for MelSpectrogram.

    Shape:
        - Input: (..., time)
        - Output: (..., n_mfcc, frames)
    """

    def __init__(self, sample_rate: int = 16000, n_mfcc: int = 40, dct_type: int = 2, norm: str | None = "ortho",
                 log_mels: bool = False, melkwargs: dict | None = None) -> None:
        super().__init__()
        if dct_type != 2:
            raise ValueError(f"DCT type not supported: {dct_type}")
        self.sample_rate = sample_rate
        self.n_mfcc = n_mfcc
        self.dct_type = dct_type
        self.norm = norm
        self.top_db = 80.0
        self.log_mels = log_mels
        self.amplitude_to_DB = AmplitudeToDB("power", self.top_db)
        self.MelSpectrogram = MelSpectrogram(sample_rate=sample_rate, **(melkwargs or {}))
        n_mels = self.MelSpectrogram.n_mels
        if n_mfcc > n_mels:
            raise ValueError("Cannot select more MFCC coefficients than # mel bins")
        from ..creation import from_numpy
        self._dct = F.create_dct_array(n_mfcc, n_mels, norm)
        self.register_buffer("dct_mat", from_numpy(self._dct.astype("float32")))

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, n_mfcc={self.n_mfcc}, norm={self.norm!r}, log_mels={self.log_mels}"

    def forward(self, waveform: Tensor) -> Tensor:
        mel = self.MelSpectrogram(waveform)
        mel = (mel + 1e-6).log() if self.log_mels else self.amplitude_to_DB(mel)
        dct = _as_input_dtype(self.dct_mat, self._dct, mel)
        return mel.transpose(-1, -2).matmul(dct).transpose(-1, -2)


class NormalizeAudio(Module):
    """Scale each signal so that its peak or RMS level is target_db dB relative to full scale.

    Args:
        method: "peak" (max |x|) or "rms" (root mean square).
        target_db: the level to reach (0 dBFS: peak 1.0 or RMS 1.0).
        eps: the smallest level divided by (silence stays silence).

    Shape:
        - Input: (..., time)
        - Output: the same.
    """

    def __init__(self, method: str = "peak", target_db: float = 0.0, eps: float = 1e-12) -> None:
        super().__init__()
        if method not in ("peak", "rms"):
            raise ValueError(f"NormalizeAudio: method must be 'peak' or 'rms', got {method!r}")
        self.method = method
        self.target_db = target_db
        self.eps = eps

    def extra_repr(self) -> str:
        return f"method={self.method!r}, target_db={self.target_db}"

    def forward(self, waveform: Tensor) -> Tensor:
        return F.normalize_audio(waveform, self.method, self.target_db, self.eps)


class AddNoise(Module):
    """Add noise at a signal-to-noise ratio given in dB (torchaudio.transforms.AddNoise).

    Shape:
        - waveform, noise: (..., L); snr, lengths: (...)
        - Output: (..., L)
    """

    def forward(self, waveform: Tensor, noise: Tensor, snr: Tensor, lengths: Tensor | None = None) -> Tensor:
        return F.add_noise(waveform, noise, snr, lengths)


class _AxisMasking(Module):
    def __init__(self, mask_param: int, axis: int, iid_masks: bool, p: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
        self.mask_param = mask_param
        self.axis = axis
        self.iid_masks = iid_masks
        self.p = p

    def extra_repr(self) -> str:
        return f"mask_param={self.mask_param}, iid_masks={self.iid_masks}, p={self.p}"

    def forward(self, specgram: Tensor, mask_value: float = 0.0) -> Tensor:
        # axis is 1 (freq) or 2 (time) of (channel, freq, time); counted from the end it is -2 or -1.
        axis = specgram.dim() - 3 + self.axis
        if self.iid_masks and specgram.dim() == 4:
            return F.mask_along_axis_iid(specgram, self.mask_param, mask_value, axis, p=self.p)
        return F.mask_along_axis(specgram, self.mask_param, mask_value, axis, p=self.p)


class FrequencyMasking(_AxisMasking):
    """Zero (or mask_value) a random band of frequencies [f0, f0 + f), f ~ U[0, freq_mask_param) (SpecAugment).

    Args:
        freq_mask_param: the widest band.
        iid_masks: an independent band per example and channel of a (batch, channel, freq, time) input.

    Shape:
        - Input: (..., freq, time)
        - Output: the same.
    """

    def __init__(self, freq_mask_param: int, iid_masks: bool = False) -> None:
        super().__init__(freq_mask_param, 1, iid_masks)


class TimeMasking(_AxisMasking):
    """Zero (or mask_value) a random span of frames [t0, t0 + t), t ~ U[0, time_mask_param) (SpecAugment).

    Args:
        time_mask_param: the longest span.
        iid_masks: an independent span per example and channel of a (batch, channel, freq, time) input.
        p: the span is at most p times the number of frames.

    Shape:
        - Input: (..., freq, time)
        - Output: the same.
    """

    def __init__(self, time_mask_param: int, iid_masks: bool = False, p: float = 1.0) -> None:
        super().__init__(time_mask_param, 2, iid_masks, p)
