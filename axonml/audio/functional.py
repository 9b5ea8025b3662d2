"""Audio functions with torchaudio.functional's definitions, composed from axonml tensor ops.

Constant matrices (resampling kernels, mel filterbanks, DCT bases) are built once in NumPy float64
and cast to the input's dtype and device; everything applied to a signal is a tensor op (``stft``,
``matmul``, ``conv1d`` ...), so these run on any device and are differentiable where torchaudio's are.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor

__all__ = ["resample", "spectrogram", "melscale_fbanks", "create_dct", "amplitude_to_DB", "mask_along_axis",
           "mask_along_axis_iid", "add_noise", "normalize_audio"]

_KAISER_BETA = 14.769656459379492


def _constant(array: np.ndarray, like: Tensor) -> Tensor:
    from ..creation import from_numpy
    dtype = like.dtype if like.dtype.is_floating_point else None
    out = from_numpy(np.ascontiguousarray(array))
    return out.to(device=like.device, dtype=dtype) if dtype is not None else out.to(like.device)


def _check_signal(name: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating point tensor, got {x.dtype}")


# --- resampling ---------------------------------------------------------------------------------------------

def sinc_resample_kernel(orig_freq: int, new_freq: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
                         resampling_method: str = "sinc_interp_hann", beta: float | None = None):
    """torchaudio's polyphase windowed-sinc filter: (new, 2 * width + orig) float64 taps and width.

    orig_freq and new_freq are already divided by their gcd. Row j holds the taps of output phase j; the
    cut-off is rolloff * min(orig, new) / 2 cycles per input sample, the window Hann (cos^2) or Kaiser
    over lowpass_filter_width zero crossings.
    """
    if resampling_method not in ("sinc_interp_hann", "sinc_interp_kaiser"):
        raise ValueError(f"Invalid resampling method: {resampling_method}")
    if lowpass_filter_width <= 0:
        raise ValueError(f"lowpass_filter_width must be positive, got {lowpass_filter_width}")
    if not 0.0 < rolloff <= 1.0:
        raise ValueError(f"rolloff must be in (0, 1], got {rolloff}")
    base_freq = min(orig_freq, new_freq) * rolloff
    width = math.ceil(lowpass_filter_width * orig_freq / base_freq)
    idx = np.arange(-width, width + orig_freq, dtype=np.float64)[None, :] / orig_freq
    t = np.arange(0, -new_freq, -1, dtype=np.float64)[:, None] / new_freq + idx
    t = np.clip(t * base_freq, -lowpass_filter_width, lowpass_filter_width)
    if resampling_method == "sinc_interp_hann":
        window = np.cos(t * math.pi / lowpass_filter_width / 2) ** 2
    else:
        beta = _KAISER_BETA if beta is None else float(beta)
        window = np.i0(beta * np.sqrt(1 - (t / lowpass_filter_width) ** 2)) / np.i0(beta)
    t = t * math.pi
    with np.errstate(invalid="ignore", divide="ignore"):
        kernels = np.where(t == 0, 1.0, np.sin(t) / t)
    return kernels * window * (base_freq / orig_freq), width


def _check_frequencies(orig_freq, new_freq):
    for name, value in (("orig_freq", orig_freq), ("new_freq", new_freq)):
        if value <= 0 or int(value) != value:
            raise ValueError(f"resample: {name} must be a positive integer, got {value}")
    return int(orig_freq), int(new_freq)


def apply_resample_kernel(waveform: Tensor, orig: int, new: int, kernel: Tensor, width: int) -> Tensor:
    """Pad, one strided conv1d (one output channel per phase), interleave the phases, trim to ceil(L*new/orig)."""
    from ..nn import functional as F
    shape = tuple(waveform.shape)
    length = shape[-1]
    signals = waveform.reshape(-1, length)
    padded = F.pad(signals, (width, width + orig))
    phases = F.conv1d(padded.unsqueeze(1), kernel, stride=orig)         # (N, new, frames)
    out = phases.transpose(1, 2).reshape(signals.shape[0], -1)
    target = math.ceil(new * length / orig)
    return out[..., :target].reshape(shape[:-1] + (target,))


def resample(waveform: Tensor, orig_freq: int, new_freq: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
             resampling_method: str = "sinc_interp_hann", beta: float | None = None) -> Tensor:
    """Resample the last dim from orig_freq to new_freq with a windowed-sinc polyphase filter (torchaudio's).

    Args:
        waveform: (..., time) float tensor.
        orig_freq, new_freq: the sample rates (positive integers).
        lowpass_filter_width: zero crossings of the sinc on each side (sharper, slower with more).
        rolloff: the cut-off as a fraction of the lower Nyquist frequency.
        resampling_method: ``"sinc_interp_hann"`` or ``"sinc_interp_kaiser"``.
        beta: the Kaiser window's shape (default 14.769656459379492).

    Returns:
        (..., ceil(time * new_freq / orig_freq))
    """
    _check_signal("resample", waveform)
    orig_freq, new_freq = _check_frequencies(orig_freq, new_freq)
    if orig_freq == new_freq:
        return waveform
    gcd = math.gcd(orig_freq, new_freq)
    orig, new = orig_freq // gcd, new_freq // gcd
    taps, width = sinc_resample_kernel(orig, new, lowpass_filter_width, rolloff, resampling_method, beta)
    kernel = _constant(taps[:, None, :], waveform)
    return apply_resample_kernel(waveform, orig, new, kernel, width)


# --- spectrograms -------------------------------------------------------------------------------------------

def spectrogram(waveform: Tensor, pad: int, window: Tensor, n_fft: int, hop_length: int, win_length: int,
                power: float | None, normalized: bool | str, center: bool = True, pad_mode: str = "reflect",
                onesided: bool = True) -> Tensor:
    """|stft|^power of (..., time), or the complex stft when power is None (torchaudio.functional.spectrogram).

    normalized: True or ``"window"`` divides by the window's L2 norm; ``"frame_length"`` uses stft's
    normalized=True (n_fft ** -0.5).
    """
    from ..nn import functional as F
    from ..ops.spectral import stft
    _check_signal("spectrogram", waveform)
    if normalized is True:
        normalized = "window"
    if normalized not in (False, "window", "frame_length"):
        raise ValueError(f"normalized must be a bool, 'window' or 'frame_length', got {normalized!r}")
    if pad > 0:
        waveform = F.pad(waveform, (pad, pad), "constant")
    shape = tuple(waveform.shape)
    signals = waveform.reshape(-1, shape[-1])
    spec = stft(signals, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center,
                pad_mode=pad_mode, normalized=normalized == "frame_length", onesided=onesided, return_complex=True)
    spec = spec.reshape(shape[:-1] + tuple(spec.shape[-2:]))
    if normalized == "window":
        spec = spec / window.pow(2.0).sum().sqrt()
    if power is None:
        return spec
    magnitude = spec.abs()
    return magnitude if power == 1.0 else magnitude.pow(power)


def _hz_to_mel(freq, mel_scale: str):
    if mel_scale == "htk":
        return 2595.0 * np.log10(1.0 + np.asarray(freq, dtype=np.float64) / 700.0)
    freq = np.asarray(freq, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    with np.errstate(divide="ignore"):
        log_part = min_log_mel + np.log(np.maximum(freq, 1e-300) / min_log_hz) / logstep
    return np.where(freq >= min_log_hz, log_part, freq / f_sp)


def _mel_to_hz(mels, mel_scale: str):
    mels = np.asarray(mels, dtype=np.float64)
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def melscale_fbanks_array(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                          norm: str | None = None, mel_scale: str = "htk") -> np.ndarray:
    """The (n_freqs, n_mels) float64 triangular filterbank as a NumPy array (see melscale_fbanks)."""
    if norm not in (None, "slaney"):
        raise ValueError(f'norm must be one of None or "slaney", got {norm!r}')
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f'mel_scale should be one of "htk" or "slaney", got {mel_scale!r}')
    if f_min < 0 or f_max <= f_min:
        raise ValueError(f"expected 0 <= f_min < f_max, got f_min={f_min}, f_max={f_max}")
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    m_pts = np.linspace(_hz_to_mel(f_min, mel_scale), _hz_to_mel(f_max, mel_scale), n_mels + 2)
    f_pts = _mel_to_hz(m_pts, mel_scale)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = np.maximum(0.0, np.minimum(down, up))
    if norm == "slaney":
        fb = fb * (2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels]))[None, :]
    return fb


def melscale_fbanks(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                    norm: str | None = None, mel_scale: str = "htk") -> Tensor:
    """Triangular mel filterbank, (n_freqs, n_mels) float32, as torchaudio / librosa define it.

    Args:
        n_freqs: frequency bins of the spectrogram (n_fft // 2 + 1), spread over [0, sample_rate // 2].
        f_min, f_max: the lowest and highest edge in Hz.
        n_mels: filters.
        sample_rate: the signal's sample rate.
        norm: None, or ``"slaney"`` (each filter divided by its width in Hz / 2: constant energy per band).
        mel_scale: ``"htk"`` (2595 log10(1 + f / 700)) or ``"slaney"`` (linear below 1 kHz, log above;
            librosa's default).
    """
    from ..creation import from_numpy
    fb = melscale_fbanks_array(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
    return from_numpy(fb.astype(np.float32))


def create_dct_array(n_mfcc: int, n_mels: int, norm: str | None) -> np.ndarray:
    if norm not in (None, "ortho"):
        raise ValueError(f'norm must be None or "ortho", got {norm!r}')
    n = np.arange(float(n_mels))
    k = np.arange(float(n_mfcc))[:, None]
    dct = np.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    if norm is None:
        dct = dct * 2.0
    else:
        dct[0] *= 1.0 / math.sqrt(2.0)
        dct = dct * math.sqrt(2.0 / float(n_mels))
    return dct.T


def create_dct(n_mfcc: int, n_mels: int, norm: str | None) -> Tensor:
    """The (n_mels, n_mfcc) DCT-II matrix; norm ``"ortho"`` makes it orthonormal (scipy's dct norm='ortho')."""
    from ..creation import from_numpy
    return from_numpy(create_dct_array(n_mfcc, n_mels, norm).astype(np.float32))


def amplitude_to_DB(x: Tensor, multiplier: float, amin: float, db_multiplier: float,
                    top_db: float | None = None) -> Tensor:
    """multiplier * log10(max(x, amin)) - multiplier * db_multiplier, floored at (max - top_db) per spectrogram.

    The maximum is taken over the last three dims of (..., channel, freq, time), or the last two of
    (freq, time), as torchaudio does.
    """
    _check_signal("amplitude_to_DB", x)
    x_db = x.clamp(min=amin).log10() * multiplier
    if db_multiplier:
        x_db = x_db - multiplier * db_multiplier
    if top_db is not None:
        shape = tuple(x_db.shape)
        if len(shape) < 2:
            raise ValueError(f"amplitude_to_DB with top_db expects (..., freq, time), got shape {list(shape)}")
        channels = shape[-3] if len(shape) > 2 else 1
        packed = x_db.reshape(-1, channels, shape[-2], shape[-1])
        floor = (packed.amax(dim=(-3, -2, -1)) - top_db).reshape(-1, 1, 1, 1)
        from ..functional import maximum
        x_db = maximum(packed, floor).reshape(shape)
    return x_db


# --- augmentation -------------------------------------------------------------------------------------------

def _mask_param(mask_param: int, p: float, axis_length: int) -> int:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
    return mask_param if p == 1.0 else min(mask_param, int(axis_length * p))


def _uniform(shape) -> np.ndarray:
    """Uniform [0, 1) draws from axonml's generator, so manual_seed reproduces a mask."""
    from .. import rand
    return rand(*shape).numpy().astype(np.float64)


def _masked(specgram: Tensor, starts: np.ndarray, ends: np.ndarray, axis: int, mask_value: float) -> Tensor:
    """Fill [start, end) along axis (-1 or -2) with mask_value; starts/ends broadcast over the leading dims."""
    length = specgram.shape[axis]
    positions = np.arange(length)
    inside = (positions >= starts[..., None]) & (positions < ends[..., None])   # (..., length)
    if axis == -2:
        inside = inside[..., :, None]
    else:
        inside = inside[..., None, :]
    from ..creation import from_numpy
    mask = from_numpy(np.ascontiguousarray(inside)).to(specgram.device)
    return specgram.masked_fill(mask, mask_value)


def mask_along_axis(specgram: Tensor, mask_param: int, mask_value: float, axis: int, p: float = 1.0) -> Tensor:
    """One random band [start, start + width) along axis, width ~ U[0, mask_param), the same for all of the batch.

    axis counts from the front of (..., freq, time): dim - 2 is frequency, dim - 1 is time (torchaudio's).
    """
    dim = specgram.dim()
    if dim < 2:
        raise ValueError(f"Spectrogram must have at least two dimensions (time and frequency) ({dim} given).")
    if axis not in (dim - 2, dim - 1):
        raise ValueError(f"Only Frequency and Time masking are supported (axis {dim - 2} and axis {dim - 1} "
                         f"supported; {axis} given).")
    axis = axis - dim
    mask_param = _mask_param(mask_param, p, specgram.shape[axis])
    if mask_param < 1:
        return specgram
    draws = _uniform((2,))
    value = draws[0] * mask_param
    min_value = draws[1] * (specgram.shape[axis] - value)
    start = np.int64(min_value)
    end = start + np.int64(value)
    return _masked(specgram, np.array(start), np.array(end), axis, mask_value)


def mask_along_axis_iid(specgrams: Tensor, mask_param: int, mask_value: float, axis: int, p: float = 1.0) -> Tensor:
    """An independent random band per example and channel of (batch, channel, freq, time); axis 2 or 3."""
    dim = specgrams.dim()
    if dim < 3:
        raise ValueError(f"Spectrogram must have at least three dimensions ({dim} given).")
    if axis not in (dim - 2, dim - 1):
        raise ValueError(f"Only Frequency and Time masking are supported (axis {dim - 2} and axis {dim - 1} "
                         f"supported; {axis} given).")
    axis = axis - dim
    mask_param = _mask_param(mask_param, p, specgrams.shape[axis])
    if mask_param < 1:
        return specgrams
    leading = tuple(specgrams.shape[:-2])
    value = _uniform(leading) * mask_param
    min_value = _uniform(leading) * (specgrams.shape[axis] - value)
    start = min_value.astype(np.int64)
    end = start + value.astype(np.int64)
    return _masked(specgrams, start, end, axis, mask_value)


def add_noise(waveform: Tensor, noise: Tensor, snr: Tensor, lengths: Tensor | None = None) -> Tensor:
    """waveform + noise scaled to the signal-to-noise ratio snr (dB) over the first lengths samples.

    Shape:
        waveform, noise: (..., L); snr and lengths: (...).
    """
    from .. import linalg
    from ..creation import arange
    _check_signal("add_noise", waveform)
    if not (waveform.dim() - 1 == noise.dim() - 1 == snr.dim() and (lengths is None or lengths.dim() == snr.dim())):
        raise ValueError("Input leading dimensions don't match.")
    length = waveform.shape[-1]
    if length != noise.shape[-1]:
        raise ValueError(f"Length dimensions of waveform and noise don't match (got {length} and {noise.shape[-1]}).")
    if lengths is not None:
        mask = (arange(length, device=waveform.device).expand(*waveform.shape) < lengths.unsqueeze(-1))
        mask = mask.to(waveform.dtype)
        masked_waveform, masked_noise = waveform * mask, noise * mask
    else:
        masked_waveform, masked_noise = waveform, noise
    energy_signal = linalg.vector_norm(masked_waveform, 2, dim=-1) ** 2
    energy_noise = linalg.vector_norm(masked_noise, 2, dim=-1) ** 2
    original_snr_db = (energy_signal.log10() - energy_noise.log10()) * 10
    scale = ((original_snr_db - snr) / 20.0 * math.log(10.0)).exp()
    return waveform + scale.unsqueeze(-1) * noise


def normalize_audio(waveform: Tensor, method: str = "peak", target_db: float = 0.0, eps: float = 1e-12) -> Tensor:
    """Scale each signal (last dim) so that its peak (``"peak"``) or RMS (``"rms"``) level is target_db dBFS."""
    _check_signal("normalize_audio", waveform)
    if method == "peak":
        level = waveform.abs().amax(dim=-1, keepdim=True)
    elif method == "rms":
        level = (waveform * waveform).mean(dim=-1, keepdim=True).sqrt()
    else:
        raise ValueError(f"normalize_audio: method must be 'peak' or 'rms', got {method!r}")
    return waveform * (10.0 ** (target_db / 20.0) / level.clamp(min=eps))
