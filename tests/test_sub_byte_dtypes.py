"""int4, uint4, int2, uint2 and float4_e2m1fn: one element per byte, storage types.

PyTorch's int4 ... are shell types without casts or printing, so the oracle for values is
ml_dtypes (the NumPy types axonml stores them in) and for the dtype flags PyTorch."""
import ml_dtypes
import numpy as np
import pytest
import torch

import axonml

NAMES = ["int4", "uint4", "int2", "uint2", "float4_e2m1fn"]
_INTEGER = {"int4": (-8, 7), "uint4": (0, 15), "int2": (-2, 1), "uint2": (0, 3)}


@pytest.mark.parametrize("name", NAMES)
def test_casts_both_ways_are_ml_dtypes_casts(name):
    values = np.array([-9.0, -8.0, -6.5, -2.0, -1.0, -0.0, 0.0, 0.4, 0.5, 1.0, 1.5, 2.5, 3.0, 5.0, 6.0, 7.0, 15.0],
                      np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = values.astype(getattr(ml_dtypes, name))
    got = axonml.from_numpy(values).to(getattr(axonml, name))
    assert got.dtype == getattr(axonml, name) and got.element_size() == 1
    np.testing.assert_array_equal(got.numpy().view(np.uint8), expected.view(np.uint8))
    for target in ["float32", "float16", "int8", "int64", "uint8"]:
        np.testing.assert_array_equal(got.to(getattr(axonml, target)).numpy(),
                                      expected.astype(getattr(np, target)), err_msg=target)


@pytest.mark.parametrize("name", list(_INTEGER))
def test_the_integer_types_are_integers(name):
    low, high = _INTEGER[name]
    x = axonml.arange(low, high + 1).to(getattr(axonml, name))
    assert x.tolist() == list(range(low, high + 1))
    like = "uint8" if name.startswith("u") else "int8"  # a one-byte integer type, its name as long
    assert repr(x) == repr(axonml.arange(low, high + 1).to(getattr(axonml, like))).replace(like, name)
    assert (axonml.iinfo(getattr(axonml, name)).min, axonml.iinfo(getattr(axonml, name)).max) == (low, high)
    dtype, torch_dtype = getattr(axonml, name), getattr(torch, name)
    assert (dtype.is_floating_point, dtype.is_signed) == (torch_dtype.is_floating_point, torch_dtype.is_signed)
    assert not x.is_floating_point()
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        x.requires_grad_()


def test_float4_prints_and_reports_as_a_floating_type():
    x = axonml.tensor([0.5, -6.0, 1.5, 3.0]).to(axonml.float4_e2m1fn)
    assert repr(x) == "tensor([ 0.5000, -6.0000,  1.5000,  3.0000], dtype=axonml.float4_e2m1fn)"
    assert x.dtype.is_floating_point and x.dtype.is_signed
    assert axonml.finfo(axonml.float4_e2m1fn).max == 6.0


@pytest.mark.parametrize("name", NAMES)
def test_storage_only_promotion_and_arithmetic_are_refused(name):
    dtype = getattr(axonml, name)
    x = axonml.ones(4).to(dtype)
    with pytest.raises(RuntimeError, match="Promotion for"):
        axonml.promote_types(dtype, axonml.int8 if name != "float4_e2m1fn" else axonml.float32)
    with pytest.raises(NotImplementedError, match=f"not implemented for '{dtype.scalar_name}'"):
        x + x
    assert axonml.cat([x, x]).dtype == dtype and (x == x).all()
    assert x.view(axonml.uint8).tolist() == np.ones(4, np.float32).astype(dtype.np).view(np.uint8).tolist()
