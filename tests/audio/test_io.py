"""WAV load / save / info against soundfile and scipy.io.wavfile, and malformed files."""
import struct

import numpy as np
import pytest
import scipy.io.wavfile
import soundfile

import axonml
from axonml import audio

# (encoding, bits, soundfile subtype, soundfile integer dtype to compare with)
_ENCODINGS = [("PCM_U", 8, "PCM_U8", None), ("PCM_S", 16, "PCM_16", "int16"), ("PCM_S", 24, "PCM_24", "int32"),
              ("PCM_S", 32, "PCM_32", "int32"), ("PCM_F", 32, "FLOAT", None), ("PCM_F", 64, "DOUBLE", None)]


def _signal(rng, channels=2, frames=1001):
    return np.clip(rng.standard_normal((channels, frames)) * 0.3, -0.99, 0.99).astype(np.float32)


@pytest.mark.parametrize("encoding,bits,subtype,int_dtype", _ENCODINGS)
def test_saved_file_reads_back_in_soundfile(tmp_path, rng, encoding, bits, subtype, int_dtype):
    x = _signal(rng)
    path = tmp_path / "a.wav"
    audio.save(path, axonml.from_numpy(x), 22050, encoding=encoding, bits_per_sample=bits)
    assert soundfile.info(str(path)).subtype == subtype
    reference, sample_rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    assert sample_rate == 22050
    step = 2.0 ** (1 - bits) if encoding != "PCM_F" else 0.0
    np.testing.assert_allclose(reference.T, x, atol=step * 0.5 + 1e-7)
    loaded, rate = audio.load(path)
    assert rate == 22050 and loaded.dtype == axonml.float32
    np.testing.assert_allclose(loaded.numpy(), reference.T, rtol=0, atol=1e-7)
    meta = audio.info(path)
    assert (meta.sample_rate, meta.num_frames, meta.num_channels, meta.bits_per_sample, meta.encoding) == \
        (22050, x.shape[1], 2, bits, encoding)


@pytest.mark.parametrize("encoding,bits,subtype,int_dtype", [e for e in _ENCODINGS if e[3]])
def test_soundfile_integer_files_load_exactly(tmp_path, rng, encoding, bits, subtype, int_dtype):
    path = tmp_path / "b.wav"
    x = _signal(rng, channels=3).T
    soundfile.write(str(path), x, 8000, subtype=subtype)          # 3 channels: WAVE_FORMAT_EXTENSIBLE
    integers, _ = soundfile.read(str(path), dtype=int_dtype, always_2d=True)
    raw, rate = audio.load(path, normalize=False, channels_first=False)
    assert rate == 8000 and raw.dtype == getattr(axonml, int_dtype)
    np.testing.assert_array_equal(raw.numpy(), integers)
    window, _ = audio.load(path, frame_offset=100, num_frames=50)
    np.testing.assert_array_equal(window.numpy(), (integers[100:150].T / 2.0 ** (8 * np.dtype(int_dtype).itemsize - 1))
                                  .astype(np.float32))


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "float32", "float64"])
def test_scipy_files_load(tmp_path, rng, dtype):
    path = tmp_path / "c.wav"
    x = _signal(rng, channels=1, frames=777)[0]
    data = {"uint8": (x * 127 + 128).astype(np.uint8), "int16": (x * 32767).astype(np.int16),
            "int32": (x * 2 ** 31 * 0.99).astype(np.int32)}.get(dtype, x.astype(dtype))
    scipy.io.wavfile.write(path, 16000, data)
    raw, rate = audio.load(path, normalize=False)
    assert rate == 16000
    np.testing.assert_array_equal(raw.numpy()[0], data)
    # and ours reads back in scipy, integer for integer
    audio.save(tmp_path / "d.wav", axonml.from_numpy(data[None]), 16000)
    rate, again = scipy.io.wavfile.read(tmp_path / "d.wav")
    assert rate == 16000 and again.dtype == data.dtype
    np.testing.assert_array_equal(again, data)


def test_float_save_quantises_and_clips(tmp_path):
    x = axonml.tensor([[-2.0, -1.0, -0.5, 0.0, 0.5, 0.99999, 2.0]])
    audio.save(tmp_path / "e.wav", x, 8000, encoding="PCM_S", bits_per_sample=16)
    raw, _ = audio.load(tmp_path / "e.wav", normalize=False)
    np.testing.assert_array_equal(raw.numpy()[0], [-32768, -32768, -16384, 0, 16384, 32767, 32767])


def _wav_bytes(fmt_body, data, extra_chunks=b""):
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body + extra_chunks + \
        b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


_PCM16_MONO = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)


def test_unknown_chunks_are_skipped(tmp_path):
    data = np.array([1, -2, 3], dtype="<i2").tobytes()
    path = tmp_path / "f.wav"
    path.write_bytes(_wav_bytes(_PCM16_MONO, data, extra_chunks=b"LIST" + struct.pack("<I", 5) + b"abcde\x00"))
    raw, _ = audio.load(path, normalize=False)
    np.testing.assert_array_equal(raw.numpy()[0], [1, -2, 3])


@pytest.mark.parametrize("blob,message", [
    (b"RIFF", "too short"),
    (b"RIFX" + b"\x00" * 8, "'RIFF'"),
    (_wav_bytes(_PCM16_MONO, b"\x00\x00" * 4)[:-3], "truncated"),
    (_wav_bytes(_PCM16_MONO[:10], b"\x00\x00"), "at least 16"),
    (_wav_bytes(struct.pack("<HHIIHH", 2, 1, 8000, 16000, 2, 16), b"\x00\x00"), "format code 0x0002"),
    (_wav_bytes(struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 12), b"\x00\x00"), "12-bit"),
    (_wav_bytes(struct.pack("<HHIIHH", 1, 2, 8000, 16000, 2, 16), b"\x00\x00"), "block_align"),
    (_wav_bytes(_PCM16_MONO, b"\x00\x00\x00"), "whole number"),
    (_wav_bytes(struct.pack("<HHIIHH", 1, 0, 8000, 0, 0, 16), b""), "zero channels"),
    (_wav_bytes(struct.pack("<HHIIHH", 0xFFFE, 1, 8000, 16000, 2, 16), b"\x00\x00"), "40 bytes"),
])
def test_malformed_files_raise_a_clear_error(tmp_path, blob, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(blob)
    with pytest.raises(ValueError, match=message):
        audio.load(path)
    with pytest.raises(ValueError, match="not a readable WAV file"):
        audio.info(path)


def test_missing_data_chunk(tmp_path):
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + _PCM16_MONO
    (tmp_path / "g.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(ValueError, match="no 'data' chunk"):
        audio.load(tmp_path / "g.wav")


def test_bad_save_arguments(tmp_path):
    x = axonml.zeros(1, 10)
    with pytest.raises(ValueError, match="bits_per_sample"):
        audio.save(tmp_path / "h.wav", x, 8000, encoding="PCM_S", bits_per_sample=12)
    with pytest.raises(ValueError, match="encoding"):
        audio.save(tmp_path / "h.wav", x, 8000, encoding="ULAW")
    with pytest.raises(ValueError, match="sample_rate"):
        audio.save(tmp_path / "h.wav", x, 0)
    with pytest.raises(ValueError, match="format"):
        audio.save(tmp_path / "h.mp3", x, 8000, format="mp3")


def test_speech_sample_loads_like_soundfile(speech_path, speech):
    waveform, rate = audio.load(speech_path)
    assert rate == speech[1] == 16000 and tuple(waveform.shape) == (1, 480000)
    np.testing.assert_allclose(waveform.numpy()[0], speech[0], rtol=0, atol=1e-7)


def test_odd_sized_data_chunk_is_padded(tmp_path, rng):
    x = _signal(rng, channels=1, frames=1001)
    path = tmp_path / "odd.wav"
    audio.save(path, axonml.from_numpy(x), 8000, encoding="PCM_U", bits_per_sample=8)
    assert path.stat().st_size % 2 == 0
    reference, _ = soundfile.read(str(path), dtype="float64")
    np.testing.assert_array_equal(audio.load(path)[0].numpy()[0], reference.astype(np.float32))
