"""load / save / info for WAV files, with torchaudio's names, arguments and meanings."""
from __future__ import annotations

import os

import numpy as np

from ..tensor import Tensor
from . import _wav
from ._wav import AudioMetaData

__all__ = ["load", "save", "info", "AudioMetaData"]


def _check_wav_format(path, format) -> None:
    if format is not None and format.lower() != "wav":
        raise ValueError(f"{os.fspath(path)}: only the 'wav' format is supported, got format={format!r}")


def info(uri, format: str | None = None) -> AudioMetaData:
    """The sample rate, frame and channel counts, bits per sample and encoding of a WAV file.

    Example:
        >>> axonml.audio.info("speech.wav").sample_rate
        16000
    """
    _check_wav_format(uri, format)
    return _wav.read_info(uri)


def load(uri, frame_offset: int = 0, num_frames: int = -1, normalize: bool = True, channels_first: bool = True,
         format: str | None = None) -> tuple[Tensor, int]:
    """Read a WAV file into a tensor.

    Args:
        uri: the file's path.
        frame_offset: frames to skip at the start.
        num_frames: frames to read (-1: to the end).
        normalize: float32 samples in [-1, 1) (integer PCM divided by its full scale; 8-bit is unsigned
            around 128). With False, integer PCM comes back as its integer type (uint8, int16, or int32
            for 24- and 32-bit, 24-bit left-justified) and float files as float.
        channels_first: (channels, frames) if True, else (frames, channels).
        format: only ``"wav"`` (or None).

    Returns:
        (waveform, sample_rate)

    Example:
        >>> waveform, sample_rate = axonml.audio.load("speech.wav")
        >>> waveform.shape
        axonml.Size([1, 480000])
    """
    _check_wav_format(uri, format)
    samples, meta = _wav.read(uri, frame_offset, num_frames, normalize)
    if channels_first:
        samples = samples.T
    from ..creation import from_numpy
    return from_numpy(np.ascontiguousarray(samples)), meta.sample_rate


def save(uri, src: Tensor, sample_rate: int, channels_first: bool = True, format: str | None = None,
         encoding: str | None = None, bits_per_sample: int | None = None) -> None:
    """Write a tensor to a WAV file.

    Args:
        uri: the file's path.
        src: (channels, frames) if channels_first, else (frames, channels); a 1-d tensor is one channel.
            Float samples are taken as [-1, 1] (clipped when written as integers); integer tensors
            as their full scale.
        sample_rate: frames per second.
        channels_first: the layout of src.
        format: only ``"wav"`` (or None).
        encoding: ``"PCM_S"``, ``"PCM_U"`` or ``"PCM_F"``; by default PCM_F for float tensors, PCM_S for
            int16/int32, PCM_U for uint8 (torchaudio's defaults).
        bits_per_sample: 8 (PCM_U), 16/24/32 (PCM_S) or 32/64 (PCM_F); default by encoding and dtype.

    Example:
        >>> axonml.audio.save("tone.wav", axonml.sin(axonml.arange(16000) * 0.1)[None], 16000,
        ...                   encoding="PCM_S", bits_per_sample=16)
    """
    _check_wav_format(uri, format)
    if not isinstance(src, Tensor):
        raise TypeError(f"save: src must be a Tensor, got {type(src).__name__}")
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise ValueError(f"save: sample_rate must be a positive integer, got {sample_rate!r}")
    samples = src.detach().cpu().numpy()
    if samples.ndim == 1:
        samples = samples[:, None]
    elif samples.ndim == 2:
        samples = samples.T if channels_first else samples
    else:
        raise ValueError(f"save: expected a 1-d or 2-d tensor, got shape {list(samples.shape)}")
    if samples.dtype.kind not in "fiu":
        raise TypeError(f"save: expected a real float or integer tensor, got {src.dtype}")
    encoding, bits = _wav.choose_encoding(samples.dtype, encoding, bits_per_sample)
    _wav.write(uri, samples, int(sample_rate), encoding, bits)
