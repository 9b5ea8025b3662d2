"""WAV (RIFF/WAVE) files: the chunk parser and writer behind axonml.audio.load / save / info.

The standard library's ``wave`` reads only integer PCM and refuses IEEE-float and extensible
layouts, so the RIFF chunks are parsed here: ``fmt `` (plain, or WAVE_FORMAT_EXTENSIBLE with its
sub-format GUID), ``data``, and any other chunk skipped by its size. Every size is checked against
the file, and a malformed or truncated file raises ``ValueError`` naming the file and the problem.
Samples are decoded with NumPy in one pass (24-bit samples through a byte view).
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

import numpy as np

_FORMAT_PCM = 0x0001
_FORMAT_IEEE_FLOAT = 0x0003
_FORMAT_EXTENSIBLE = 0xFFFE
# KSDATAFORMAT_SUBTYPE_* GUIDs: the format code, then this fixed tail.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


@dataclass
class AudioMetaData:
    """What ``info`` reports about a file (torchaudio's fields and encoding names).

    Attributes:
        sample_rate: frames per second.
        num_frames: frames (samples per channel) in the file.
        num_channels: channels.
        bits_per_sample: bits of one sample (8, 16, 24, 32 or 64).
        encoding: ``"PCM_U"`` (8-bit unsigned), ``"PCM_S"`` (signed integer) or ``"PCM_F"`` (IEEE float).
    """
    sample_rate: int
    num_frames: int
    num_channels: int
    bits_per_sample: int
    encoding: str


@dataclass
class _Layout:
    meta: AudioMetaData
    data_offset: int
    data_size: int


def _bad(path, message: str) -> ValueError:
    return ValueError(f"{os.fspath(path)!s}: not a readable WAV file: {message}")


def _parse(path, blob: bytes) -> _Layout:
    if len(blob) < 12:
        raise _bad(path, f"{len(blob)} bytes is too short for a RIFF header (12 bytes)")
    riff, riff_size, wave = struct.unpack("<4sI4s", blob[:12])
    if riff == b"RF64":
        raise _bad(path, "RF64 (64-bit RIFF) files are not supported")
    if riff != b"RIFF" or wave != b"WAVE":
        raise _bad(path, f"expected a 'RIFF'...'WAVE' header, found {riff!r}...{wave!r}")
    if riff_size + 8 > len(blob):
        raise _bad(path, f"truncated: the RIFF header announces {riff_size + 8} bytes, the file has {len(blob)}")
    end = riff_size + 8
    fmt = None
    data = None
    offset = 12
    while offset + 8 <= end:
        chunk_id, chunk_size = struct.unpack("<4sI", blob[offset:offset + 8])
        body = offset + 8
        if body + chunk_size > end:
            raise _bad(path, f"truncated: chunk {chunk_id!r} at byte {offset} announces {chunk_size} bytes, "
                             f"only {end - body} remain")
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(path, blob[body:body + chunk_size])
        elif chunk_id == b"data":
            data = (body, chunk_size)
            if fmt is not None:
                break
        offset = body + chunk_size + (chunk_size & 1)         # chunks are padded to an even size
    if fmt is None:
        raise _bad(path, "no 'fmt ' chunk")
    if data is None:
        raise _bad(path, "no 'data' chunk")
    format_code, channels, sample_rate, block_align, bits = fmt
    if block_align != channels * (bits // 8):
        raise _bad(path, f"block_align {block_align} does not match {channels} channel(s) of {bits} bits")
    data_offset, data_size = data
    if data_size % block_align:
        raise _bad(path, f"the data chunk ({data_size} bytes) is not a whole number of {block_align}-byte frames")
    if format_code == _FORMAT_IEEE_FLOAT:
        encoding = "PCM_F"
    elif bits == 8:
        encoding = "PCM_U"
    else:
        encoding = "PCM_S"
    meta = AudioMetaData(sample_rate, data_size // block_align, channels, bits, encoding)
    return _Layout(meta, data_offset, data_size)


def _parse_fmt(path, body: bytes):
    if len(body) < 16:
        raise _bad(path, f"the 'fmt ' chunk has {len(body)} bytes, at least 16 are needed")
    format_code, channels, sample_rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if format_code == _FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise _bad(path, f"a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk needs 40 bytes, it has {len(body)}")
        _cb_size, valid_bits, _channel_mask = struct.unpack("<HHI", body[16:24])
        guid = body[24:40]
        if guid[2:] != _GUID_TAIL:
            raise _bad(path, f"unknown WAVE_FORMAT_EXTENSIBLE sub-format {guid.hex()}")
        format_code = struct.unpack("<H", guid[:2])[0]
        if valid_bits and valid_bits != bits:
            raise _bad(path, f"{valid_bits} valid bits in {bits}-bit containers are not supported")
    if channels == 0:
        raise _bad(path, "zero channels")
    if sample_rate == 0:
        raise _bad(path, "a sample rate of zero")
    if format_code == _FORMAT_PCM:
        if bits not in (8, 16, 24, 32):
            raise _bad(path, f"{bits}-bit integer PCM is not supported (8, 16, 24 or 32)")
    elif format_code == _FORMAT_IEEE_FLOAT:
        if bits not in (32, 64):
            raise _bad(path, f"{bits}-bit IEEE float is not supported (32 or 64)")
    else:
        raise _bad(path, f"compressed or unknown format code 0x{format_code:04x} (only PCM and IEEE float)")
    return format_code, channels, sample_rate, block_align, bits


def _read_blob(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def read_info(path) -> AudioMetaData:
    return _parse(path, _read_blob(path)).meta


def read(path, frame_offset: int = 0, num_frames: int = -1, normalize: bool = True):
    """(samples (frames, channels) ndarray, AudioMetaData). normalize: float32 in [-1, 1); else the file's type."""
    blob = _read_blob(path)
    layout = _parse(path, blob)
    meta = layout.meta
    if frame_offset < 0:
        raise ValueError(f"frame_offset must be non-negative, got {frame_offset}")
    start = min(frame_offset, meta.num_frames)
    stop = meta.num_frames if num_frames < 0 else min(meta.num_frames, start + num_frames)
    width = meta.bits_per_sample // 8
    block = width * meta.num_channels
    raw = np.frombuffer(blob, dtype=np.uint8, count=(stop - start) * block,
                        offset=layout.data_offset + start * block)
    samples = _decode(raw, meta).reshape(stop - start, meta.num_channels)
    if normalize:
        samples = _to_float(samples, meta)
    return samples, meta


def _decode(raw: np.ndarray, meta: AudioMetaData) -> np.ndarray:
    bits = meta.bits_per_sample
    if meta.encoding == "PCM_F":
        return raw.view("<f4" if bits == 32 else "<f8").astype(np.float32 if bits == 32 else np.float64)
    if bits == 8:
        return raw.copy()
    if bits == 24:
        # Left-justify each 3-byte sample in an int32 (torchaudio's convention for 24-bit without normalize).
        widened = np.zeros((raw.size // 3, 4), dtype=np.uint8)
        widened[:, 1:] = raw.reshape(-1, 3)
        return widened.view("<i4").reshape(-1).astype(np.int32)
    return raw.view("<i2" if bits == 16 else "<i4").astype(np.int16 if bits == 16 else np.int32)


def _to_float(samples: np.ndarray, meta: AudioMetaData) -> np.ndarray:
    if meta.encoding == "PCM_F":
        return samples.astype(np.float32, copy=False)
    if meta.encoding == "PCM_U":
        return (samples.astype(np.float32) - 128.0) / 128.0
    full_scale = 2.0 ** 31 if meta.bits_per_sample in (24, 32) else 2.0 ** 15
    return (samples.astype(np.float64) / full_scale).astype(np.float32)


_DEFAULT_BITS = {"PCM_U": 8, "PCM_S": 16, "PCM_F": 32}


def choose_encoding(dtype: np.dtype, encoding, bits_per_sample):
    """torchaudio's defaults: a float array -> 32-bit float, int16/int32 -> that PCM, uint8 -> 8-bit unsigned."""
    if encoding is None:
        if dtype == np.uint8:
            encoding = "PCM_U"
        elif dtype.kind in "iu":
            encoding = "PCM_S"
        else:
            encoding = "PCM_F"
    if encoding not in _DEFAULT_BITS:
        raise ValueError(f"encoding must be 'PCM_S', 'PCM_U' or 'PCM_F' for WAV, got {encoding!r}")
    if bits_per_sample is None:
        if encoding == "PCM_S" and dtype.kind == "i" and dtype.itemsize in (2, 4):
            bits_per_sample = dtype.itemsize * 8
        elif encoding == "PCM_F" and dtype == np.float64:
            bits_per_sample = 64
        else:
            bits_per_sample = _DEFAULT_BITS[encoding]
    allowed = {"PCM_U": (8,), "PCM_S": (16, 24, 32), "PCM_F": (32, 64)}[encoding]
    if bits_per_sample not in allowed:
        raise ValueError(f"{encoding} WAV takes bits_per_sample in {allowed}, got {bits_per_sample}")
    return encoding, int(bits_per_sample)


def _quantize(samples: np.ndarray, encoding: str, bits: int) -> bytes:
    """(frames, channels) samples -> the data chunk's bytes."""
    if encoding == "PCM_F":
        return np.ascontiguousarray(samples, dtype="<f4" if bits == 32 else "<f8").tobytes()
    if samples.dtype.kind == "f":
        top = 2.0 ** (bits - 1)
        scaled = np.clip(np.round(samples.astype(np.float64) * top), -top, top - 1)
        values = scaled.astype(np.int64) + (128 if encoding == "PCM_U" else 0)
    else:
        values = samples.astype(np.int64)
        if encoding == "PCM_U" and samples.dtype != np.uint8:
            values = _rescale_int(values, samples.dtype, 8) + 128
        elif encoding == "PCM_S":
            if samples.dtype == np.uint8:
                values = (values - 128) << (bits - 8)
            else:
                values = _rescale_int(values, samples.dtype, bits)
    if bits == 8:
        return values.astype(np.uint8).tobytes()
    if bits == 24:
        as_bytes = values.astype("<i4").reshape(-1, 1).view(np.uint8)
        return np.ascontiguousarray(as_bytes[:, :3]).tobytes()
    return values.astype("<i2" if bits == 16 else "<i4").tobytes()


def _rescale_int(values: np.ndarray, dtype: np.dtype, bits: int) -> np.ndarray:
    """Integer samples of dtype's full scale to a signed bits-wide scale (shifts, as sox does)."""
    source_bits = dtype.itemsize * 8
    if source_bits > bits:
        return values >> (source_bits - bits)
    return values << (bits - source_bits)


def write(path, samples: np.ndarray, sample_rate: int, encoding: str, bits: int) -> None:
    """Write (frames, channels) samples; WAVE_FORMAT_EXTENSIBLE for > 2 channels or > 16-bit PCM."""
    frames, channels = samples.shape
    payload = _quantize(samples, encoding, bits)
    block_align = channels * (bits // 8)
    code = _FORMAT_IEEE_FLOAT if encoding == "PCM_F" else _FORMAT_PCM
    common = struct.pack("<HIIHH", channels, sample_rate, sample_rate * block_align, block_align, bits)
    if code == _FORMAT_PCM and (channels > 2 or bits > 16):
        guid = struct.pack("<H", code) + _GUID_TAIL
        fmt = struct.pack("<H", _FORMAT_EXTENSIBLE) + common + struct.pack("<HHI", 22, bits, 0) + guid
    elif code == _FORMAT_IEEE_FLOAT:
        fmt = struct.pack("<H", code) + common + struct.pack("<H", 0)
    else:
        fmt = struct.pack("<H", code) + common
    chunks = [b"fmt " + struct.pack("<I", len(fmt)) + fmt]
    if code == _FORMAT_IEEE_FLOAT:
        chunks.append(b"fact" + struct.pack("<II", 4, frames))
    chunks.append(b"data" + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b""))
    body = b"WAVE" + b"".join(chunks)
    if len(body) + 8 > 0xFFFFFFFF:
        raise ValueError(f"{frames} frames of {channels} x {bits} bits exceed the 4 GiB limit of a RIFF file")
    with open(path, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", len(body)) + body)
