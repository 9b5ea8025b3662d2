"""uint16, uint32 and uint64: promotion, the ops PyTorch runs on them (against PyTorch) and the ones
axonml runs beyond PyTorch's CPU kernels (against NumPy's wrap-around arithmetic), limits, printing
and files."""
import numpy as np
import pytest
import safetensors.torch
import torch

import axonml

UNSIGNED = ["uint16", "uint32", "uint64"]
# every dtype both libraries have (the sub-byte types excepted: PyTorch cannot even promote them)
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64",
       "complex128", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"] + UNSIGNED


def test_promote_types_matches_torch_for_every_pair():
    for a in ALL:
        for b in ALL:
            try:
                expected = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).removeprefix("torch.")
            except RuntimeError as error:
                with pytest.raises(RuntimeError) as got:
                    axonml.promote_types(getattr(axonml, a), getattr(axonml, b))
                assert str(got.value) == str(error), (a, b)
                continue
            assert axonml.promote_types(getattr(axonml, a), getattr(axonml, b)).name == expected, (a, b)


@pytest.mark.parametrize("name", UNSIGNED)
def test_result_type_with_scalars_and_zero_dim_tensors_matches_torch(name):
    x, t = axonml.ones(3, dtype=getattr(axonml, name)), torch.ones(3, dtype=getattr(torch, name))
    for other, other_torch in [(1, 1), (1.5, 1.5), (True, True), (1j, 1j), (axonml.tensor(1), torch.tensor(1)),
                               (axonml.tensor(1.5), torch.tensor(1.5))]:
        assert axonml.result_type(x, other).name == str(torch.result_type(t, other_torch)).removeprefix("torch.")
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
        x + axonml.ones(3, dtype=axonml.int64)


def _pair(name):
    top = int(np.iinfo(name).max)
    a = [0, 1, top, top - 1, 7, 300, 12]
    b = [1, top, 2, top, 3, 299, 5]
    return a, b


_TORCH_HAS = {
    "mul": lambda m, x, y: x * y, "div": lambda m, x, y: x / y, "eq": lambda m, x, y: x == y,
    "ne": lambda m, x, y: x != y, "and": lambda m, x, y: x & y, "or": lambda m, x, y: x | y,
    "xor": lambda m, x, y: x ^ y, "sum": lambda m, x, y: x.sum(), "cumsum": lambda m, x, y: x.cumsum(0),
    "sort": lambda m, x, y: x.sort().values, "where": lambda m, x, y: m.where(x == y, x, y),
    "cat": lambda m, x, y: m.cat([x, y]), "index": lambda m, x, y: x[m.tensor([4, 0, 2])],
    "slice": lambda m, x, y: x[2:5], "float": lambda m, x, y: x.float(), "double": lambda m, x, y: x.double(),
    "mul_scalar": lambda m, x, y: x * 3, "float_scalar": lambda m, x, y: x * 0.5,
}


@pytest.mark.parametrize("name", UNSIGNED)
@pytest.mark.parametrize("op", list(_TORCH_HAS))
def test_the_ops_torch_runs_on_unsigned_types_match_torch(name, op):
    a, b = _pair(name)
    # torch.tensor cannot build uint64 from Python ints above 2**63: build the tensors from NumPy
    ta, tb = (torch.from_numpy(np.array(v, np.dtype(name))) for v in (a, b))
    x, y = (axonml.tensor(v, dtype=getattr(axonml, name)) for v in (a, b))
    expected, got = _TORCH_HAS[op](torch, ta, tb), _TORCH_HAS[op](axonml, x, y)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


_BEYOND_TORCH = {
    "add": (lambda x, y: x + y, np.add), "sub": (lambda x, y: x - y, np.subtract),
    "floor_divide": (lambda x, y: x // y, np.floor_divide), "remainder": (lambda x, y: x % y, np.remainder),
    "lt": (lambda x, y: x < y, np.less), "ge": (lambda x, y: x >= y, np.greater_equal),
    "maximum": (lambda x, y: axonml.maximum(x, y), np.maximum), "minimum": (lambda x, y: axonml.minimum(x, y), np.minimum),
    "bitwise_not": (lambda x, y: ~x, lambda a, b: np.invert(a)),
    "max": (lambda x, y: x.max(), lambda a, b: a.max()), "argmin": (lambda x, y: x.argmin(), lambda a, b: a.argmin()),
    "topk": (lambda x, y: x.topk(3).values, lambda a, b: np.sort(a)[::-1][:3]),
}


@pytest.mark.parametrize("name", UNSIGNED)
@pytest.mark.parametrize("op", list(_BEYOND_TORCH))
def test_arithmetic_beyond_torch_wraps_and_compares_as_unsigned(name, op):
    """PyTorch's CPU has no add, compare, max, topk ... kernels for these types; axonml runs NumPy's."""
    a, b = (np.array(v, np.dtype(name)) for v in _pair(name))
    ours, numpy_op = _BEYOND_TORCH[op]
    got = ours(axonml.from_numpy(a), axonml.from_numpy(b))
    expected = np.asarray(numpy_op(a, b))
    assert got.numpy().dtype == (expected.dtype if expected.dtype != np.intp else np.int64)
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("name", UNSIGNED)
def test_casts_to_and_from_the_unsigned_types_match_torch(name):
    values = torch.tensor([0, 1, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 40], dtype=torch.int64)
    np.testing.assert_array_equal(axonml.from_numpy(values.numpy()).to(getattr(axonml, name)).numpy(),
                                  values.to(getattr(torch, name)).numpy())
    floats = torch.tensor([0.0, 0.5, 1.99, 300.7, 65535.0, 2.0 ** 31])
    np.testing.assert_array_equal(axonml.from_numpy(floats.numpy()).to(getattr(axonml, name)).numpy(),
                                  floats.to(getattr(torch, name)).numpy())
    back = values.to(getattr(torch, name))
    for target in ["int64", "float32", "float64", "uint8", "bool"]:
        np.testing.assert_array_equal(axonml.from_numpy(back.numpy()).to(getattr(axonml, target)).numpy(),
                                      back.to(getattr(torch, target)).numpy(), err_msg=target)


@pytest.mark.parametrize("name", UNSIGNED)
def test_iinfo_printing_and_dtype_flags_match_torch(name):
    got, expected = axonml.iinfo(getattr(axonml, name)), torch.iinfo(getattr(torch, name))
    assert (got.bits, got.min, got.max) == (expected.bits, expected.min, expected.max)
    values = [0, 1, 300, 65535]
    assert repr(axonml.tensor(values, dtype=getattr(axonml, name))) == \
        repr(torch.tensor(values).to(getattr(torch, name))).replace("torch.", "axonml.")
    dtype, torch_dtype = getattr(axonml, name), getattr(torch, name)
    assert (dtype.is_signed, dtype.is_floating_point, dtype.itemsize) == \
        (torch_dtype.is_signed, torch_dtype.is_floating_point, torch_dtype.itemsize)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        axonml.ones(2, dtype=dtype).requires_grad_()
    assert axonml.ones(2, dtype=dtype).type() == torch.ones(2, dtype=torch_dtype).type().replace("torch.", "axonml.")


@pytest.mark.parametrize("name", UNSIGNED)
def test_safetensors_files_round_trip_with_torch(name, tmp_path):
    values = np.array([0, 1, np.iinfo(name).max, 12345], np.dtype(name))
    axonml.save({"w": axonml.from_numpy(values)}, tmp_path / "a.safetensors")
    np.testing.assert_array_equal(safetensors.torch.load_file(tmp_path / "a.safetensors")["w"].numpy(), values)
    safetensors.torch.save_file({"w": torch.from_numpy(values)}, tmp_path / "t.safetensors")
    loaded = axonml.load(tmp_path / "t.safetensors")["w"]
    assert loaded.dtype == getattr(axonml, name)
    np.testing.assert_array_equal(loaded.numpy(), values)
