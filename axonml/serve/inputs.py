"""Request bodies to checked sample arrays: JSON, raw little-endian tensors and image files.

Every function here either returns an array of samples (samples first) that fits the model's
:class:`~axonml.serve.model.TensorSpec`, or raises :class:`RequestError` with the HTTP status
and a message for the client: 400 for a body that cannot be parsed, 415 for a content type the
route does not take, 422 for a well-formed body that does not fit the model.
"""
from __future__ import annotations

import io
import json
import math

import numpy as np

from .model import TensorSpec

__all__ = ["RequestError", "samples_from_json", "samples_from_raw", "sample_from_image", "generation_request",
           "IMAGE_TYPES", "RAW_TYPE", "JSON_TYPE", "TEXT_TYPE", "SHAPE_HEADER", "DTYPE_HEADER", "RAW_DTYPES",
           "DEFAULT_NEW_TOKENS", "MAX_NEW_TOKENS"]

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"
RAW_TYPE = "application/octet-stream"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff")
SHAPE_HEADER = "x-tensor-shape"      # "1,28,28": the raw tensor's shape
DTYPE_HEADER = "x-tensor-dtype"      # "float32": its element type, little-endian
RAW_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8")
_MAX_RANK = 8
MAX_IMAGE_PIXELS = 40_000_000        # decoded images are refused beyond this (a small file can hold a huge image)
DEFAULT_NEW_TOKENS = 64
MAX_NEW_TOKENS = 4096


class RequestError(Exception):
    """A request the server refuses: ``status`` (4xx) and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_json(body: bytes, allow_nonfinite: bool):
    if not body:
        raise RequestError(400, "the request body is empty; send JSON {\"inputs\": ...}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(400, "the request body is not UTF-8 text") from None
    try:
        if allow_nonfinite:
            return json.loads(text)
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise RequestError(400, "the JSON body is nested too deeply") from None
    except ValueError as error:
        raise RequestError(400, f"the body is not valid JSON: {error}"[:300]) from None


def _array(value, spec: TensorSpec, what: str) -> np.ndarray:
    """A JSON value (nested lists of numbers) as an array of the spec's dtype."""
    try:
        array = np.array(value)
    except (ValueError, OverflowError):
        raise RequestError(422, f"{what} is ragged: its nested lists differ in length") from None
    if array.dtype.kind not in "iuf":
        kind = "ragged or mixed" if array.dtype == object else f"{array.dtype.kind!r}-kind"
        raise RequestError(422, f"{what} holds non-numeric values ({kind}); send nested lists of numbers")
    return _fit(array, spec, what)


def _fit(array: np.ndarray, spec: TensorSpec, what: str) -> np.ndarray:
    """Check array (samples first) against spec and cast it to the spec's dtype."""
    sample_shape = array.shape[1:]
    if len(sample_shape) != len(spec.shape) or any(want is not None and want != got
                                                   for want, got in zip(spec.shape, sample_shape)):
        wanted = "(" + ", ".join("*" if d is None else str(d) for d in spec.shape) + ")"
        raise RequestError(422, f"{what} has shape {tuple(sample_shape)} per sample; the model takes {wanted}")
    target = np.dtype(spec.dtype)
    if target.kind in "iu" and array.dtype.kind == "f":
        raise RequestError(422, f"{what} holds floating-point values; the model's input is {spec.dtype}")
    if array.dtype.kind == "f" and not spec.allow_nonfinite and not np.isfinite(array).all():
        raise RequestError(422, f"{what} holds NaN or infinite values, which the model's input does not allow")
    if target.kind in "iu":
        info = np.iinfo(target)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise RequestError(422, f"{what} holds values outside the range of {spec.dtype}")
    elif target.kind == "f" and array.dtype.kind in "iu" and array.size:
        if array.max(initial=0) > np.finfo(target).max or array.min(initial=0) < np.finfo(target).min:
            raise RequestError(422, f"{what} holds values outside the range of {spec.dtype}")
    with np.errstate(over="ignore"):
        cast = array.astype(target, copy=False)
    if cast.dtype.kind == "f" and not spec.allow_nonfinite and not np.isfinite(cast).all():
        raise RequestError(422, f"{what} holds values too large for {spec.dtype}")
    return np.ascontiguousarray(cast)


def samples_from_json(body: bytes, spec: TensorSpec, batch: bool, max_samples: int) -> np.ndarray:
    """``{"inputs": sample}`` (batch=False) or ``{"inputs": [sample, ...]}`` as an array of samples."""
    document = _parse_json(body, spec.allow_nonfinite)
    if not isinstance(document, dict):
        raise RequestError(422, f"the JSON body must be an object {{\"inputs\": ...}}, not a {type(document).__name__}")
    if "inputs" not in document:
        raise RequestError(422, "the JSON body has no \"inputs\" field")
    inputs = document["inputs"]
    if not batch:
        return _array([inputs], spec, "\"inputs\"")
    if not isinstance(inputs, list):
        raise RequestError(422, "\"inputs\" of /batch must be a list of samples")
    if not inputs:
        raise RequestError(422, "\"inputs\" of /batch is an empty list")
    if len(inputs) > max_samples:
        raise RequestError(422, f"/batch takes at most {max_samples} samples per request, got {len(inputs)}")
    return _array(inputs, spec, "\"inputs\"")


def samples_from_raw(body: bytes, headers, spec: TensorSpec, batch: bool, max_samples: int) -> np.ndarray:
    """A raw little-endian tensor; its shape (one sample, or samples first for /batch) and dtype in
    the ``X-Tensor-Shape`` and ``X-Tensor-Dtype`` headers."""
    shape_text, dtype_text = headers.get(SHAPE_HEADER), headers.get(DTYPE_HEADER)
    if shape_text is None or dtype_text is None:
        raise RequestError(400, "a raw tensor needs the headers X-Tensor-Shape (e.g. 1,28,28) and X-Tensor-Dtype")
    if dtype_text.strip().lower() not in RAW_DTYPES:
        raise RequestError(422, f"X-Tensor-Dtype {dtype_text[:20]!r} is not one of {', '.join(RAW_DTYPES)}")
    dtype = np.dtype(dtype_text.strip().lower()).newbyteorder("<")
    try:
        shape = tuple(int(part) for part in shape_text.split(",")) if shape_text.strip() else ()
    except ValueError:
        raise RequestError(400, f"X-Tensor-Shape {shape_text[:40]!r} is not comma-separated integers") from None
    if len(shape) > _MAX_RANK or any(n < 0 for n in shape):
        raise RequestError(422, f"X-Tensor-Shape {shape_text[:40]!r} has negative sizes or more than {_MAX_RANK} dims")
    expected = math.prod(shape) * dtype.itemsize
    if expected != len(body):
        raise RequestError(422, f"a {dtype.name} tensor of shape {shape} is {expected} bytes; the body is {len(body)}")
    array = np.frombuffer(body, dtype=dtype).reshape(shape)
    if batch:
        if not shape or shape[0] < 1:
            raise RequestError(422, "a raw /batch tensor needs a first dimension of at least one sample")
        if shape[0] > max_samples:
            raise RequestError(422, f"/batch takes at most {max_samples} samples per request, got {shape[0]}")
    else:
        array = array[None]
    return _fit(array.astype(dtype.newbyteorder("="), copy=False), spec, "the tensor")


def sample_from_image(body: bytes, spec: TensorSpec) -> np.ndarray:
    """An image file, decoded to the model's channels, resized to its height and width, scaled to [0, 1]."""
    from PIL import Image
    from ..vision.transforms import functional
    if not spec.is_image or np.dtype(spec.dtype).kind != "f":
        raise RequestError(415, f"this model's input {spec.shape} is not an image; send JSON or a raw tensor")
    if not body:
        raise RequestError(400, "the image body is empty")
    channels, height, width = spec.shape
    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise RequestError(422, f"the image is {image.width}x{image.height} pixels; at most "
                                        f"{MAX_IMAGE_PIXELS} are decoded")
            image.load()
            image = image.convert("L" if channels == 1 else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise RequestError(422, f"the body is not a decodable image: {error}"[:300]) from None
    image = functional.resize(image, [height, width])
    array = np.asarray(image, dtype=np.float32) / 255.0
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return np.ascontiguousarray(array[None].astype(spec.dtype))


def _generation_arguments(values, where: str, context_length: int | None) -> dict:
    """max_new_tokens, temperature and seed from query parameters or a JSON object, checked."""
    def number(name, kind, low, high):
        value = values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = kind(value)
            except ValueError:
                raise RequestError(422, f"{where} {name} must be a number, got {value[:20]!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)) \
                or not math.isfinite(value) or not low <= value <= high:
            raise RequestError(422, f"{where} {name} must be {'an integer' if kind is int else 'a number'} "
                                    f"from {low} to {high}")
        return value

    limit = min(MAX_NEW_TOKENS, context_length or MAX_NEW_TOKENS)
    max_new_tokens = number("max_new_tokens", int, 1, limit)
    return {"max_new_tokens": DEFAULT_NEW_TOKENS if max_new_tokens is None else min(max_new_tokens, limit),
            "temperature": number("temperature", float, 0.0, 10.0), "seed": number("seed", int, 0, 2 ** 32 - 1)}


def generation_request(body: bytes, media_type: str, query, context_length: int | None) -> dict:
    """A language model's request: a text/plain prompt with max_new_tokens, temperature and seed as
    query parameters, or JSON ``{"prompt": "...", "max_new_tokens": 32, ...}`` (``inputs`` for ``prompt``)."""
    if media_type == TEXT_TYPE:
        try:
            prompt = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(400, "the prompt is not UTF-8 text") from None
        arguments = _generation_arguments(query, "the query parameter", context_length)
    else:
        document = _parse_json(body, allow_nonfinite=False)
        if not isinstance(document, dict):
            raise RequestError(422, "the JSON body must be an object {\"prompt\": \"...\"}")
        prompt = document.get("prompt", document.get("inputs"))
        if not isinstance(prompt, str):
            raise RequestError(422, "the JSON body needs a \"prompt\" string")
        arguments = _generation_arguments(document, "the field", context_length)
    if not prompt.strip():
        raise RequestError(400 if media_type == TEXT_TYPE else 422, "the prompt is empty")
    return {"prompt": prompt, **arguments}
