"""make_grid and save_image (axonml/vision/utils.py), PNGs checked with a minimal decoder."""
import io
import struct
import zlib

import numpy as np
import pytest
import torch

import axonml
from axonml.vision.utils import make_grid, save_image


def _decode_png(data: bytes) -> np.ndarray:
    """A minimal PNG reader: checks the signature and every chunk CRC, supports 8-bit grey/RGB with
    filter type 0 (what save_image writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF, tag
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat += body
        elif tag == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0 and color in (0, 2)
    channels = 1 if color == 0 else 3
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    assert (rows[:, 0] == 0).all()
    pixels = rows[:, 1:].reshape(height, width, channels)
    return pixels[:, :, 0] if channels == 1 else pixels


def _torch_grid(t, nrow=8, padding=2, pad_value=0.0):
    """torchvision's make_grid tiling for (B, 3, H, W), written with torch ops."""
    b, c, h, w = t.shape
    xmaps = min(nrow, b)
    ymaps = -(-b // xmaps)
    height, width = h + padding, w + padding
    grid = torch.full((c, height * ymaps + padding, width * xmaps + padding), pad_value)
    for k in range(b):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:y * height + padding + h, x * width + padding:x * width + padding + w] = t[k]
    return grid


def test_make_grid_layout(rng):
    x = rng.random((5, 3, 4, 6)).astype(np.float32)
    out = make_grid(axonml.from_numpy(x), nrow=2, padding=1, pad_value=0.25)
    np.testing.assert_array_equal(out.numpy(), _torch_grid(torch.from_numpy(x), 2, 1, 0.25).numpy())
    assert out.shape == (3, 3 * 5 + 1, 2 * 7 + 1)


def test_make_grid_grey_list_and_normalize():
    images = [axonml.full((1, 2, 2), float(v)) for v in (2.0, 4.0, 6.0)]
    out = make_grid(images, padding=0, normalize=True)
    assert out.shape == (3, 2, 6)
    np.testing.assert_allclose(out.numpy()[0, 0], [0, 0, 0.5, 0.5, 1, 1])
    ranged = make_grid(images, padding=0, normalize=True, value_range=(0.0, 8.0))
    np.testing.assert_allclose(ranged.numpy()[1, 0, ::2], [0.25, 0.5, 0.75])
    each = make_grid(images, padding=0, normalize=True, scale_each=True)
    assert np.isfinite(each.numpy()).all()
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(images, normalize=True, value_range=[0, 1])
    assert make_grid(axonml.zeros(1, 1, 3, 3)).shape == (3, 3, 3)


def test_save_image_rgb_round_trip(tmp_path, rng):
    x = rng.random((3, 5, 7)).astype(np.float32)
    path = tmp_path / "img.png"
    save_image(axonml.from_numpy(x), path)
    pixels = _decode_png(path.read_bytes())
    expected = (torch.from_numpy(x).mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8)).numpy()
    np.testing.assert_array_equal(pixels, expected)


def test_save_image_grey_batch_to_file_object(rng):
    x = rng.random((4, 1, 3, 3)).astype(np.float32)
    buffer = io.BytesIO()
    save_image(axonml.from_numpy(x), buffer, format="png", nrow=2, padding=1)
    pixels = _decode_png(buffer.getvalue())
    assert pixels.ndim == 2 and pixels.shape == (9, 9)
    expected = (_torch_grid(torch.from_numpy(x).repeat(1, 3, 1, 1), 2, 1)[0] * 255 + 0.5).clamp(0, 255)
    np.testing.assert_array_equal(pixels, expected.to(torch.uint8).numpy())
    with pytest.raises(ValueError, match="writes PNG"):
        save_image(axonml.from_numpy(x), io.BytesIO(), format="jpeg")


def test_corrupted_png_fails_the_crc_check(tmp_path):
    path = tmp_path / "a.png"
    save_image(axonml.ones(1, 2, 2), path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    with pytest.raises((AssertionError, zlib.error)):
        _decode_png(bytes(data))
