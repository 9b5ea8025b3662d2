"""The threaded elementwise kernels (axonml/_ext/_eltwise.pyx) and the CPU backend's routes to them.

Every result must be NumPy's bit for bit (signed zeros and NaN payloads included), on one thread
and on two, below and above the size where the kernels start threads, and for a size that is not
a whole number of blocks.
"""
import numpy as np
import pytest

import axonml
from axonml._ext import _eltwise
from axonml.backends import cpu

# below the relu route, below the threaded size, above it, and not a whole number of 32K blocks
SIZES = [100, 20000, 300001, 1 << 20]


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    previous = axonml.get_num_threads()
    axonml.set_num_threads(request.param)
    yield request.param
    axonml.set_num_threads(previous)


def _values(size, dtype, seed):
    """Random values with the special ones the kernels must treat as NumPy does, spread over the array."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(size).astype(dtype)
    special = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-45, -1e-45], dtype)
    positions = rng.choice(size, min(size, 64), replace=False)
    a[positions] = special[np.arange(positions.size) % special.size]
    return a


def _assert_same_bits(result, expected):
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result.view(np.uint8), expected.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
def test_relu_is_numpys_maximum(threads, size, dtype):
    a = _values(size, dtype, 0).reshape(-1, 1)
    _assert_same_bits(cpu.maximum(a, 0), np.maximum(a, 0))
    in_place = a.copy()
    cpu.relu_into(in_place)
    _assert_same_bits(in_place, np.maximum(a, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
def test_relu_backward_is_the_masked_product(threads, size, dtype):
    grad = _values(size, dtype, 1)
    out = np.maximum(_values(size, dtype, 2), 0)
    with np.errstate(invalid="ignore"):
        expected = grad * (out > 0).astype(dtype)
    result = cpu.relu_backward(grad, out)
    if size >= 1 << 14:
        _assert_same_bits(result, expected)
    else:
        assert result is None  # small arrays stay with NumPy's composed passes
    with np.errstate(invalid="ignore"):
        _assert_same_bits(axonml.ops.activation.relu_backward(cpu, grad, out), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
def test_add_is_numpys(threads, size, dtype):
    a, b = _values(size, dtype, 3), _values(size, dtype, 4)
    with np.errstate(invalid="ignore"):
        expected = a + b
    with np.errstate(invalid="ignore"):
        _assert_same_bits(cpu.add(a, b), expected)
    _assert_same_bits(_eltwise.add(a, b), expected)


def test_other_operands_take_numpy(threads):
    a = _values(1 << 19, np.float32, 5)
    strided = a[::2]
    _assert_same_bits(cpu.maximum(strided, 0), np.maximum(strided, 0))
    _assert_same_bits(cpu.maximum(a, -1), np.maximum(a, -1))
    _assert_same_bits(cpu.add(a, a[:1]), a + a[:1])  # broadcast
    _assert_same_bits(cpu.add(a, a.astype(np.float64)), a + a.astype(np.float64))  # promotion
    half = a.astype(np.float16)
    _assert_same_bits(cpu.maximum(half, 0), np.maximum(half, 0))
    assert cpu.relu_backward(a, a.astype(np.float64)) is None
    assert cpu.relu_backward(strided, strided) is None


def test_kernels_check_their_arrays():
    a = np.zeros(10, np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        _eltwise.relu(np.zeros(10, np.int64))
    with pytest.raises(ValueError, match="C-contiguous float32 arrays of 10 elements"):
        _eltwise.add(a, np.zeros(10, np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        _eltwise.relu(a, np.zeros(20, np.float32)[::2])
    with pytest.raises(TypeError, match="NumPy array"):
        _eltwise.relu_backward([0.0], a)


def test_relu_and_residual_add_through_autograd(threads):
    x = axonml.from_numpy(_values(1 << 19, np.float32, 6).reshape(8, 64, 32, 32)).requires_grad_()
    skip = axonml.from_numpy(_values(1 << 19, np.float32, 7).reshape(8, 64, 32, 32)).requires_grad_()
    hidden = axonml.relu(x)
    out = axonml.nn.functional.relu(hidden + skip, inplace=True)
    grad = _values(1 << 19, np.float32, 8).reshape(8, 64, 32, 32)
    with np.errstate(invalid="ignore"):
        out.backward(axonml.from_numpy(grad))
        hidden_np = np.maximum(x.detach().numpy(), 0)
        out_np = np.maximum(hidden_np + skip.detach().numpy(), 0)
        grad_sum = grad * (out_np > 0).astype(np.float32)
        _assert_same_bits(out.detach().numpy(), out_np)
        _assert_same_bits(skip.grad.numpy(), grad_sum)
        _assert_same_bits(x.grad.numpy(), grad_sum * (hidden_np > 0).astype(np.float32))


def test_relu_inplace_without_a_graph_writes_through_views(threads):
    base = axonml.from_numpy(_values(1 << 19, np.float32, 9).reshape(2, -1))
    expected = np.maximum(base.numpy(), 0)
    row = base[1]
    version = base._version
    with axonml.no_grad():
        assert axonml.nn.functional.relu(row, inplace=True) is row
    assert base._version == version + 1 and row._version == version + 1
    np.testing.assert_array_equal(base.numpy()[1], expected[1])
    np.testing.assert_array_equal(base.numpy()[0], _values(1 << 19, np.float32, 9).reshape(2, -1)[0])


def test_relu_inplace_keeps_the_in_place_rules():
    leaf = axonml.randn(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        axonml.nn.functional.relu(leaf, inplace=True)
    with axonml.no_grad():
        axonml.nn.functional.relu(leaf, inplace=True)  # allowed without grad mode, as in PyTorch
    assert (leaf.detach().numpy() >= 0).all() and leaf.grad_fn is None
    with axonml.inference_mode():
        frozen = axonml.randn(4)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        axonml.nn.functional.relu(frozen, inplace=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 128), (3, 1), (1, 70), (0, 5)])
def test_relu_backward_column_sums_are_the_mask_and_numpys_sum_over_rows(shape, dtype):
    size = int(np.prod(shape))
    grad = _values(max(size, 1), dtype, 3)[:size].reshape(shape)
    out = _values(max(size, 1), dtype, 4)[:size].reshape(shape)
    with np.errstate(invalid="ignore"):
        expected = grad * (out > 0).astype(dtype)
        sums = expected.sum(0)
    for masked, column_sums in (_eltwise.relu_backward_column_sums(grad, out), cpu.relu_backward_column_sums(grad, out)):
        _assert_same_bits(masked, expected)
        np.testing.assert_array_equal(column_sums, sums)  # NaN where a column holds one, as NumPy's
    if min(shape) > 1:  # a pair the kernel does not take: the op composes the mask and NumPy's sum
        assert cpu.relu_backward_column_sums(np.asfortranarray(grad), out) is None


def test_relu_backward_column_sums_checks_its_arrays():
    with pytest.raises(ValueError, match="2-D"):
        _eltwise.relu_backward_column_sums(np.ones(4, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        _eltwise.relu_backward_column_sums(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32).T)
