"""The typed-JSON encoding of object collectives: round trips, and hostile bytes are a ValueError."""
import numpy as np
import pytest

import axonml
from axonml.distributed.object_collectives import decode_object, encode_object


@pytest.mark.parametrize("value", [None, True, 0, -7, 2 ** 70, 1.5, float("inf"), "text", "", [], (), {},
                                   [1, (2, 3), {"a": None}], {1: "one", (2, "x"): [True]}, b"\x00\xff",
                                   {"__axonml__": "tuple", "items": [1]}])
def test_round_trip(value):
    assert decode_object(encode_object(value)) == value
    assert type(decode_object(encode_object(value))) is type(value)


def test_nan_round_trips():
    assert np.isnan(decode_object(encode_object(float("nan"))))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int8", "uint8", "bool"])
def test_arrays_and_tensors_round_trip(dtype):
    array = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    back = decode_object(encode_object(array))
    assert back.dtype == array.dtype and np.array_equal(back, array)
    tensor = decode_object(encode_object(axonml.from_numpy(array)))
    assert isinstance(tensor, axonml.Tensor) and np.array_equal(tensor.numpy(), array)
    scalar = decode_object(encode_object(array.reshape(-1)[1]))
    assert scalar == array.reshape(-1)[1] and scalar.dtype == array.dtype


def test_bfloat16_tensor_round_trips():
    t = axonml.tensor([1.5, -2.0], dtype=axonml.bfloat16, requires_grad=True)
    back = decode_object(encode_object(t))
    assert back.dtype == axonml.bfloat16 and back.requires_grad and back.tolist() == [1.5, -2.0]


@pytest.mark.parametrize("value", [object(), {1, 2}, lambda: 0, np.array([object()]), 1j])
def test_values_that_need_pickle_are_refused(value):
    with pytest.raises(TypeError, match="no pickle"):
        encode_object(value)


@pytest.mark.parametrize("payload", [
    b"\x80\x04\x95",  # a pickle
    b"{not json",
    b'{"a": 1}',  # an untagged JSON object
    b'{"__axonml__": "module", "name": "os"}',
    b'{"__axonml__": "ndarray", "dtype": "object", "shape": [1], "data": ""}',
    b'{"__axonml__": "ndarray", "dtype": "float32", "shape": [4], "data": "AAAA"}',  # too few bytes
    b'{"__axonml__": "ndarray", "dtype": "float32", "shape": [-1], "data": ""}',
    b'{"__axonml__": "bytes", "data": "!!!"}',
    b'{"__axonml__": "dict", "items": [[[1], 2]]}',  # an unhashable key
    b'{"__axonml__": "tuple", "items": 3}',
    b"\xff\xfe",
])
def test_malformed_payloads_are_value_errors(payload):
    with pytest.raises(ValueError, match="received object"):
        decode_object(payload)
