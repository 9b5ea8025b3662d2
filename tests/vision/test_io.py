"""axonml.vision.io on real PNG and JPEG files, with Pillow as the reference decoder and encoder."""
import io

import numpy as np
import pytest
from PIL import Image

import axonml
from axonml.vision import io as vio


@pytest.fixture
def rgb(rng):
    return rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)


def chw(array):
    return axonml.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1) if array.ndim == 3 else array[None]))


def test_png_round_trip_is_exact(tmp_path, rgb):
    path = tmp_path / "image.png"
    vio.write_png(chw(rgb), path)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), rgb)
    decoded = vio.read_image(path)
    assert decoded.dtype == axonml.uint8 and decoded.shape == (3, 17, 23)
    np.testing.assert_array_equal(decoded.numpy(), rgb.transpose(2, 0, 1))
    grey = rgb[..., 0]
    vio.write_png(chw(grey), tmp_path / "grey.png", compression_level=9)
    np.testing.assert_array_equal(vio.read_image(tmp_path / "grey.png").numpy(), grey[None])
    encoded = vio.encode_png(chw(rgb))
    assert encoded.dtype == axonml.uint8 and encoded.ndim == 1
    np.testing.assert_array_equal(vio.decode_png(encoded).numpy(), rgb.transpose(2, 0, 1))


def test_jpeg_matches_pillow(tmp_path, rgb):
    path = tmp_path / "image.jpg"
    vio.write_jpeg(chw(rgb), path, quality=90)
    with open(path, "rb") as f:
        written = f.read()
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90)
    assert written == buffer.getvalue()
    decoded = vio.read_image(path)
    np.testing.assert_array_equal(decoded.numpy(), np.asarray(Image.open(path)).transpose(2, 0, 1))
    ys, xs = np.mgrid[0:32, 0:40]
    smooth = np.stack([ys * 6, xs * 5, (ys + xs) * 3], -1).astype(np.uint8)
    vio.write_jpeg(chw(smooth), tmp_path / "smooth.jpg", quality=95)
    assert np.abs(vio.read_image(tmp_path / "smooth.jpg").numpy().astype(int) - smooth.transpose(2, 0, 1)).mean() < 2
    Image.fromarray(rgb).save(tmp_path / "pillow.jpg", quality=70)
    np.testing.assert_array_equal(vio.decode_jpeg(vio.read_file(tmp_path / "pillow.jpg")).numpy(),
                                  np.asarray(Image.open(tmp_path / "pillow.jpg")).transpose(2, 0, 1))


def test_read_modes_convert_as_pillow_does(tmp_path, rgb):
    rgba = np.dstack([rgb, rgb[..., :1]])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    path = tmp_path / "rgba.png"
    assert vio.read_image(path).shape == (4, 17, 23)
    np.testing.assert_array_equal(vio.read_image(path, vio.ImageReadMode.RGB).numpy(),
                                  np.asarray(Image.open(path).convert("RGB")).transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.read_image(path, vio.ImageReadMode.GRAY).numpy(),
                                  np.asarray(Image.open(path).convert("L"))[None])
    assert vio.read_image(path, vio.ImageReadMode.GRAY_ALPHA).shape == (2, 17, 23)
    Image.fromarray(rgb[..., 0]).save(tmp_path / "grey.png")
    assert vio.read_image(tmp_path / "grey.png", vio.ImageReadMode.RGB).shape == (3, 17, 23)
    Image.fromarray(rgb).quantize(16).save(tmp_path / "palette.png")
    np.testing.assert_array_equal(vio.read_image(tmp_path / "palette.png").numpy(),
                                  np.asarray(Image.open(tmp_path / "palette.png").convert("RGB")).transpose(2, 0, 1))
    deep = (rgb[..., 0].astype(np.uint16) * 257)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    decoded = vio.read_image(tmp_path / "deep.png")
    assert decoded.dtype == axonml.int32 and decoded.numpy().max() == deep.max()


def test_exif_orientation_is_applied_when_asked(tmp_path, rgb):
    image = Image.fromarray(rgb)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    plain = vio.read_image(tmp_path / "rotated.jpg")
    turned = vio.read_image(tmp_path / "rotated.jpg", apply_exif_orientation=True)
    assert plain.shape == (3, 17, 23) and turned.shape == (3, 23, 17)


def test_corrupt_and_wrong_inputs_raise(tmp_path, rgb):
    vio.write_png(chw(rgb), tmp_path / "image.png")
    data = (tmp_path / "image.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="could not decode"):
        vio.read_image(tmp_path / "truncated.png")
    (tmp_path / "noise.png").write_bytes(b"not an image at all")
    with pytest.raises(RuntimeError, match="could not decode"):
        vio.read_image(tmp_path / "noise.png")
    with pytest.raises(RuntimeError, match="Expected a JPEG"):
        vio.decode_jpeg(vio.read_file(tmp_path / "image.png"))
    with pytest.raises(RuntimeError, match="dtype should be uint8"):
        vio.encode_png(axonml.zeros(3, 4, 4))
    with pytest.raises(RuntimeError, match="channels should be 1 or 3"):
        vio.encode_jpeg(axonml.zeros(2, 4, 4, dtype=axonml.uint8))
    with pytest.raises(ValueError, match="between 1 and 100"):
        vio.encode_jpeg(chw(rgb), quality=0)
    with pytest.raises(FileNotFoundError):
        vio.read_image(tmp_path / "missing.png")
    assert not list(tmp_path.glob("*.partial"))


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(RuntimeError, match="refusing"):
        vio.read_image(tmp_path / "big.png")


def test_read_and_write_file_bytes(tmp_path):
    data = axonml.from_numpy(np.arange(10, dtype=np.uint8))
    vio.write_file(tmp_path / "bytes.bin", data)
    assert (tmp_path / "bytes.bin").read_bytes() == bytes(range(10))
    np.testing.assert_array_equal(vio.read_file(tmp_path / "bytes.bin").numpy(), np.arange(10))
