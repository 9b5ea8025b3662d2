"""torch's native-function spellings (torch.embedding, convolution, constant_pad_nd, dropout_, lu ...), asarray,
frombuffer, can_cast, DLPack, put, gradient and the matmul-precision setting, against torch."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close, check

RNG = np.random.default_rng(21)


def test_embedding_and_constant_pad_nd(device):
    weight = RNG.standard_normal((10, 3))
    check(lambda w, i: (torch if isinstance(w, torch.Tensor) else axonml).embedding(w, i, 2), [weight,
          np.array([[1, 2], [4, 2]])], device=device)
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).constant_pad_nd(x, [1, 2, 0, 1], 0.5),
          [(2, 3, 4)], device=device)


@pytest.mark.parametrize("weight, transposed", [((3, 2, 3), False), ((3, 2, 3, 3), False), ((2, 3, 3, 3), True),
                                                ((3, 2, 2, 2, 2), False)])
def test_convolution(weight, transposed, device):
    spatial = len(weight) - 2
    shape = (1, weight[1] if not transposed else weight[0]) + (5,) * spatial
    args = ([1] * spatial, [1] * spatial, [1] * spatial, transposed, [0] * spatial, 1)
    check(lambda x, w: (torch if isinstance(x, torch.Tensor) else axonml).convolution(x, w, None, *args),
          [shape, weight], device=device)


def test_dropout_in_place_spellings():
    x = axonml.ones(1000)
    assert axonml.dropout_(x, 0.5, True) is x
    assert 300 < int((x == 0).sum()) < 700 and set(np.unique(x.numpy())) <= {0.0, 2.0}
    y = axonml.ones(10)
    assert axonml.dropout_(y, 0.5, False) is y and bool((y == 1).all())


def test_norm_spellings(device):
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).nuclear_norm(x), [(4, 3)], device=device) \
        if device == "cpu" else None
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).frobenius_norm(x, [0, 1]), [(2, 3, 4)],
          device=device)
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).norm_except_dim(x, 2, 1), [(2, 3, 4)],
          device=device)


def test_lu_and_lu_solve():
    a = RNG.standard_normal((3, 4, 4))
    b = RNG.standard_normal((3, 4, 2))
    lu, pivots = axonml.lu(axonml.from_numpy(a))
    t_lu, t_pivots = torch.lu(torch.from_numpy(a))
    assert_close(lu, t_lu, "float64")
    assert_close(pivots, t_pivots)
    assert_close(axonml.lu_solve(axonml.from_numpy(b), lu, pivots),
                 torch.lu_solve(torch.from_numpy(b), t_lu, t_pivots), "float64")


@pytest.mark.parametrize("dim, edge_order, spacing", [(None, 1, 1), (0, 2, 0.5), (1, 1, 2.0), ([0, 1], 2, [1.0, 3.0])])
def test_gradient(dim, edge_order, spacing, device):
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).gradient(x, spacing=spacing, dim=dim,
                                                                                edge_order=edge_order),
          [(5, 6)], device=device)


def test_fill_put_and_is_distributed(device):
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).fill(x, 2.5), [(2, 3)], device=device)
    check(lambda x, i, s: x.put(i, s), [(2, 3), np.array([0, 4]), (2,)], device=device)
    check(lambda x, i, s: x.put(i, s, accumulate=True), [(2, 3), np.array([1, 1]), (2,)], device=device)
    assert axonml.is_distributed(axonml.ones(2)) is False


def test_asarray_shares_unless_told_to_copy():
    array = np.zeros(3, np.float32)
    shared = axonml.asarray(array)
    shared[0] = 1.0
    assert array[0] == 1.0
    copied = axonml.asarray(array, copy=True)
    copied[1] = 5.0
    assert array[1] == 0.0
    with pytest.raises(ValueError):
        axonml.asarray(array, dtype=axonml.float64, copy=False)
    assert axonml.asarray([1, 2]).dtype == axonml.int64
    assert axonml.asarray(array, requires_grad=True).requires_grad


def test_frombuffer_matches_torch():
    data = bytearray(np.arange(8, dtype=np.int32).tobytes())
    ours = axonml.frombuffer(data, dtype=axonml.int32, count=3, offset=8)
    theirs = torch.frombuffer(data, dtype=torch.int32, count=3, offset=8)
    assert ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError):
        axonml.frombuffer(data, dtype=axonml.int32, count=10)
    with pytest.raises(ValueError):
        torch.frombuffer(data, dtype=torch.int32, count=10)


def test_can_cast_matches_torch():
    names = ["float64", "float32", "int64", "int32", "uint8", "bool"]
    for a in names:
        for b in names:
            assert axonml.can_cast(getattr(axonml, a), getattr(axonml, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


def test_dlpack_round_trips_and_shares_memory():
    t = axonml.arange(6.0).reshape(2, 3)
    assert axonml.equal(axonml.from_dlpack(axonml.to_dlpack(t)), t)
    from_torch = axonml.from_dlpack(torch.arange(4.0))
    assert from_torch.tolist() == [0.0, 1.0, 2.0, 3.0]
    shared = torch.from_dlpack(t)
    shared[0, 0] = 9.0
    assert t[0, 0].item() == 9.0
    with pytest.raises(RuntimeError):
        axonml.to_dlpack(axonml.ones(2, requires_grad=True))


def test_matmul_precision_setting():
    assert axonml.get_float32_matmul_precision() == "highest"
    axonml.set_float32_matmul_precision("medium")
    try:
        assert axonml.get_float32_matmul_precision() == "medium"
    finally:
        axonml.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        axonml.set_float32_matmul_precision("low")


def test_out_of_memory_error_is_a_runtime_error():
    assert issubclass(axonml.OutOfMemoryError, RuntimeError)
