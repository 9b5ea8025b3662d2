"""Matrix products against PyTorch: matmul broadcasting, mm/bmm/mv/dot/outer/addmm, einsum, linear."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck, gradgradcheck
from axonml.ops.linalg import linear_relu
from tests.oracle.oracle import check, check_raises


def _fortran(shape, seed=0):
    """Values laid out column-major in their last two dims: BLAS gets them with the 'T' flag."""
    array = np.random.default_rng(seed).standard_normal(shape)
    return np.ascontiguousarray(np.swapaxes(array, -1, -2)).swapaxes(-1, -2)


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((2, 3, 4), (1, 4, 5)),
    ((1, 4), (4, 1)),
    ((3, 0), (0, 2)),
    ((0, 3), (3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, device):
    check(lambda a, b: a @ b, list(shapes), device=device)


def test_matmul_function_and_method(device):
    check(lambda a, b: a.matmul(b), [(2, 3, 4), (4, 5)], device=device)
    check(lambda a, b: axonml.matmul(a, b) if isinstance(a, axonml.Tensor) else torch.matmul(a, b),
          [(5, 3), (3, 2)], device=device)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))], ids=str)
def test_matmul_column_major_operands(shapes, device):
    """Operands with a unit stride down their columns go to BLAS transposed, not copied."""
    a, b = shapes
    check(lambda x, y: x @ y, [_fortran(a, 1), (b)], device=device)
    check(lambda x, y: x @ y, [a, _fortran(b, 2)], device=device)
    check(lambda x, y: x @ y, [_fortran(a, 1), _fortran(b, 2)], device=device)


def _layouts(shape, rng):
    """The same values as C-order, column-major, strided, reversed-stride and broadcast arrays."""
    values = rng.standard_normal(shape)
    column_major = np.ascontiguousarray(np.swapaxes(values, -1, -2)).swapaxes(-1, -2)
    wide = np.zeros(shape[:-1] + (2 * shape[-1],))
    wide[..., ::2] = values
    reversed_rows = np.ascontiguousarray(values[..., ::-1, :])[..., ::-1, :]
    yield values
    yield column_major
    yield wide[..., ::2]
    yield reversed_rows
    yield np.broadcast_to(values[..., :1, :], shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_shape, b_shape", [((5, 7), (7, 3)), ((4, 5, 7), (7, 3)), ((5, 7), (4, 7, 3)),
                                              ((2, 1, 5, 7), (3, 7, 1)), ((1, 7), (7, 1)), ((70, 90), (90, 80))],
                         ids=str)
def test_cpu_gemm_operand_layouts(a_shape, b_shape, dtype):
    """The BLAS wrapper reads every layout in place (N/T flags, leading dims, stride-0 batches) or copies it."""
    from axonml.backends.cpu import cpu
    rng = np.random.default_rng(0)
    for a in _layouts(a_shape, rng):
        for b in _layouts(b_shape, rng):
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
            expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
            np.testing.assert_allclose(cpu.gemm(a, b), expected, rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(cpu.gemm(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), True, True),
                                       expected, rtol=1e-4, atol=1e-4)
    shared_batch = np.broadcast_to(rng.standard_normal((1, 7, 3)), (4, 7, 3)).astype(dtype)
    a = rng.standard_normal((4, 5, 7)).astype(dtype)
    np.testing.assert_allclose(cpu.gemm(a, shared_batch, alpha=2.0, beta=0.5, c=np.ones(3, dtype)),
                               2 * a @ shared_batch + 0.5, rtol=1e-4, atol=1e-4)


def test_matmul_integers():
    check(lambda a, b: a @ b, [np.arange(12).reshape(3, 4), np.arange(8).reshape(4, 2)], grad=False)


def test_matmul_large_batch_of_small_matrices(device):
    check(lambda a, b: a @ b, [(40, 3, 5), (40, 5, 2)], device=device)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((4,), (5,)), ((3, 4), (5,)), ((4,), (5, 3)),
                                    ((2, 3, 4), (5, 6)), ((2, 3, 4), (3, 5, 6)), ((2, 3, 4), (2, 5, 6))], ids=str)
def test_matmul_shape_errors(shapes):
    check_raises(lambda a, b: a @ b, list(shapes))


def test_matmul_0d_and_dtype_errors():
    check_raises(lambda a, b: a @ b, [np.float32(2.0), (3,)])
    check_raises(lambda a, b: a @ b.double(), [(2, 3), (3, 4)])


def test_mm_bmm_mv_dot(device):
    check(lambda a, b: a.mm(b), [(3, 4), (4, 2)], device=device)
    check(lambda a, b: a.bmm(b), [(2, 3, 4), (2, 4, 5)], device=device)
    check(lambda a, b: a.mv(b), [(3, 4), (4,)], device=device)
    check(lambda a, b: a.dot(b), [(5,), (5,)], device=device)
    check(lambda a, b: a.outer(b), [(3,), (4,)], device=device)


def test_module_level_products(device):
    for name, shapes in [("mm", [(3, 4), (4, 2)]), ("bmm", [(2, 3, 4), (2, 4, 1)]), ("mv", [(3, 4), (4,)]),
                         ("dot", [(4,), (4,)]), ("outer", [(2,), (3,)])]:
        check(lambda a, b: getattr(axonml if isinstance(a, axonml.Tensor) else torch, name)(a, b), shapes,
              device=device)


@pytest.mark.parametrize("call, shapes", [
    ("mm", [(3,), (3, 4)]), ("mm", [(2, 3), (4, 5)]), ("mm", [(2, 3, 4), (4, 5)]),
    ("bmm", [(3, 4), (3, 4, 5)]), ("bmm", [(2, 3, 4), (3, 4, 5)]), ("bmm", [(2, 3, 4), (2, 5, 6)]),
    ("mv", [(3, 4), (5,)]), ("mv", [(3, 4, 1), (4,)]),
    ("dot", [(3, 1), (3,)]), ("dot", [(3,), (4,)]),
    ("outer", [(3, 1), (2,)]),
], ids=str)
def test_product_errors(call, shapes):
    check_raises(lambda a, b: getattr(a, call)(b), shapes)


@pytest.mark.parametrize("input_shape", [(3, 5), (5,), (1, 5), (3, 1), ()], ids=str)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addmm(input_shape, beta, alpha, device):
    check(lambda c, a, b: c.addmm(a, b, beta=beta, alpha=alpha), [input_shape, (3, 4), (4, 5)], device=device)
    check(lambda c, a, b: (axonml if isinstance(c, axonml.Tensor) else torch).addmm(c, a, b, beta=beta, alpha=alpha),
          [input_shape, (3, 4), (4, 5)], device=device, dtypes=("float64",))


def test_addmm_errors():
    check_raises(lambda c, a, b: c.addmm(a, b), [(4,), (3, 4), (4, 5)])
    check_raises(lambda c, a, b: c.addmm(a, b), [(5,), (3, 4), (3, 5)])
    check_raises(lambda c, a, b: c.addmm(a, b), [(5,), (3,), (3, 5)])


EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->i", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->ij", [(3, 3, 2)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("i...->...", [(3, 4, 5)]),
    ("ij,kj->ikj", [(3, 4), (2, 4)]),
    ("ij,j->i", [(3, 1), (4,)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM_CASES, ids=str)
def test_einsum(equation, shapes, device):
    check(lambda *xs: (axonml if isinstance(xs[0], axonml.Tensor) else torch).einsum(equation, *xs), shapes,
          device=device)


def test_einsum_operand_list():
    check(lambda a, b: (axonml if isinstance(a, axonml.Tensor) else torch).einsum("ij,jk->ik", [a, b]),
          [(3, 4), (4, 2)])


@pytest.mark.parametrize("equation, shapes", [("ij,jk->ik", [(3, 4), (5, 2)]), ("ij->i", [(3,)]),
                                               ("ij,jk->ik", [(3, 4)]), ("i->i", [(3,), (3,)])], ids=str)
def test_einsum_errors(equation, shapes):
    check_raises(lambda *xs: (axonml if isinstance(xs[0], axonml.Tensor) else torch).einsum(equation, *xs), shapes)


ELLIPSIS_ERRORS = [("i..j,j", [(2, 3), (3,)]), ("...i...,i", [(2, 3), (3,)]), ("ij...,jk...->...ik...", [(2, 3), (3, 4)]),
                   ("ij.", [(2, 3)]), ("ij->i.", [(2, 3)]), ("ij..,jk", [(2, 3), (3, 4)]), ("...ijk", [(3,)]),
                   ("...i,...i", [(2, 3), (5, 3)]), ("ij->k", [(2, 3)]), ("ij->ii", [(2, 3)]),
                   ("i...->i...i", [(2, 3)]), (".", [(2, 3)]), ("ij->-", [(2, 3)])]


@pytest.mark.parametrize("equation, shapes", ELLIPSIS_ERRORS, ids=str)
def test_einsum_bad_ellipsis_raises_runtime_error(equation, shapes):
    check_raises(lambda *xs: (axonml if isinstance(xs[0], axonml.Tensor) else torch).einsum(equation, *xs), shapes)
    with pytest.raises(RuntimeError):
        axonml.einsum(equation, *(axonml.zeros(*s) for s in shapes))


@pytest.mark.parametrize("equation, shapes", [("ij->...ij", [(2, 3)]), ("i...->...", [(2, 3)]),
                                              ("i...j->j", [(2, 3, 4)]), ("i,j->ij...", [(2,), (3,)]),
                                              ("...", [(2, 3)]), ("...->", [(2, 3)])], ids=str)
def test_einsum_ellipsis_edge_cases(equation, shapes, device):
    check(lambda *xs: (axonml if isinstance(xs[0], axonml.Tensor) else torch).einsum(equation, *xs), shapes,
          device=device)


def _functional(x):
    return torch.nn.functional if isinstance(x, torch.Tensor) else axonml


LINEAR_SHAPES = [((5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), (4,)), ((3,), (4, 3), (4,)), ((5, 3), (4, 3), None),
                 ((2, 3, 5, 3), (1, 3), (1,)), ((0, 3), (4, 3), (4,))]


@pytest.mark.parametrize("shapes", LINEAR_SHAPES, ids=str)
def test_linear(shapes, device):
    x, w, b = shapes
    if b is None:
        check(lambda x, w: _functional(x).linear(x, w), [x, w], device=device)
    else:
        check(lambda x, w, b: _functional(x).linear(x, w, b), [x, w, b], device=device)


def _linear_relu(x, w, b=None):
    """The fused linear + relu against torch's two ops."""
    if isinstance(x, torch.Tensor):
        return torch.relu(torch.nn.functional.linear(x, w, b))
    return linear_relu(x, w, b)


@pytest.mark.parametrize("shapes", LINEAR_SHAPES, ids=str)
def test_linear_relu(shapes, device):
    x, w, b = shapes
    check(_linear_relu, [x, w] if b is None else [x, w, b], device=device)


def test_linear_relu_double_backward():
    assert gradgradcheck(linear_relu, (_double(3, 4), _double(5, 4, seed=1), _double(5, seed=2)))


@pytest.mark.parametrize("shapes", [[(5, 3), (4, 2)], [(5, 3), (4, 3), (5,)]], ids=str)
def test_linear_relu_errors(shapes):
    check_raises(_linear_relu, shapes)


def test_linear_column_major_input(device):
    check(lambda x, w, b: _functional(x).linear(x, w, b), [_fortran((6, 3)), _fortran((4, 3), 1), (4,)],
          device=device)


def test_linear_only_some_inputs_need_grad():
    check(lambda x, w, b: _functional(x).linear(x, w, b), [(5, 3), (4, 3), (4,)], grad_inputs=(1, 2))
    check(lambda x, w, b: _functional(x).linear(x, w, b), [(5, 3), (4, 3), (4,)], grad_inputs=(0,))


@pytest.mark.parametrize("shapes", [[(5, 3), (4, 2)], [(5, 3), (4, 3), (5,)], [(2, 5, 3), (4, 2, 3)]], ids=str)
def test_linear_errors(shapes):
    check_raises(lambda *xs: _functional(xs[0]).linear(*xs), shapes)


def _double(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return axonml.tensor(rng.standard_normal(shape), dtype=axonml.float64, requires_grad=True)


def test_gradcheck():
    assert gradcheck(lambda a, b: a @ b, (_double(2, 3, 4), _double(4, 2, seed=1)))
    assert gradcheck(lambda a, b: a @ b, (_double(3), _double(2, 3, 2, seed=1)))
    assert gradcheck(axonml.linear, (_double(2, 3, 4), _double(5, 4, seed=1), _double(5, seed=2)))
    assert gradcheck(lambda c, a, b: axonml.addmm(c, a, b, beta=0.5, alpha=-2), (_double(3), _double(2, 4, seed=1),
                                                                                 _double(4, 3, seed=2)))
    assert gradcheck(lambda a, b: axonml.einsum("iij,jk->ik", a, b), (_double(2, 2, 3), _double(3, 2, seed=1)))
