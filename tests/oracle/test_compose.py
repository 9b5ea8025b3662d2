"""torch.* functions composed from other ops (axonml/ops/compose.py), forward and backward against PyTorch."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import assert_close, check, check_raises

RNG = np.random.default_rng(11)


def same(name, *args, **kwargs):
    """fn for check(): the function of that name, in whichever framework's namespace the inputs belong to."""
    def fn(*xs):
        lib = torch if isinstance(xs[0], torch.Tensor) else axonml
        return getattr(lib, name)(*xs, *args, **kwargs)
    return fn


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_atleast(name, shape, device):
    check(same(name), [shape], device=device)


def test_atleast_of_several_returns_a_tuple(device):
    check(lambda a, b: (torch if isinstance(a, torch.Tensor) else axonml).atleast_3d(a, b), [(3,), (2, 2)],
          device=device)


@pytest.mark.parametrize("name", ["column_stack", "row_stack", "dstack"])
def test_stacks(name, device):
    shapes = {"column_stack": [(3,), (3, 2), ()], "row_stack": [(3,), (2, 3)], "dstack": [(2, 3), (2, 3, 2)]}[name]
    if name == "column_stack":
        shapes = [(3,), (3, 2), (3,)]
    check(lambda *xs: (torch if isinstance(xs[0], torch.Tensor) else axonml).__dict__[name](list(xs)), shapes,
          device=device)


@pytest.mark.parametrize("sections", [3, [1, 4], [2, -1], [0, 7]])
def test_tensor_split(sections, device):
    check(same("tensor_split", sections, 1), [(2, 7, 3)], device=device)


@pytest.mark.parametrize("name, shape, sections", [("hsplit", (4, 6), 3), ("hsplit", (6,), [1, 4]),
                                                   ("vsplit", (4, 3), 2), ("dsplit", (2, 2, 6), [2])])
def test_named_splits(name, shape, sections, device):
    check(same(name, sections), [shape], device=device)


def test_split_errors_match_torch():
    check_raises(same("hsplit", 4), [(3, 6)])
    check_raises(same("vsplit", 2), [(4,)])
    check_raises(same("tensor_split", 0), [(4,)])


def test_broadcast_tensors_and_shapes(device):
    check(same("broadcast_tensors"), [(3, 1), (1, 4), (4,)], device=device)
    assert tuple(axonml.broadcast_shapes((2, 1), (3, 1, 4), 4)) == tuple(torch.broadcast_shapes((2, 1), (3, 1, 4), 4))
    with pytest.raises(RuntimeError):
        axonml.broadcast_shapes((2, 3), (4,))


def test_cartesian_prod_and_combinations(device):
    check(same("cartesian_prod"), [(3,), (2,), (2,)], device=device)
    check(same("cartesian_prod"), [(3,)], device=device)
    for r, replace in [(2, False), (3, False), (2, True), (1, False)]:
        check(same("combinations", r, replace), [(4,)], device=device)


def test_block_diag(device):
    check(same("block_diag"), [(2, 3), (3,), (1, 2), ()], device=device)


@pytest.mark.parametrize("a, b", [((2, 3), (4, 5)), ((2,), (3, 2)), ((2, 1, 3), (2, 2))])
def test_kron(a, b, device):
    check(same("kron"), [a, b], device=device)


@pytest.mark.parametrize("a, b, dims", [((3, 4, 5), (4, 5, 2), 2), ((3, 4), (4, 5), 1), ((3, 4), (5, 6), 0),
                                        ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0]))])
def test_tensordot(a, b, dims, device):
    check(lambda x, y: (torch if isinstance(x, torch.Tensor) else axonml).tensordot(x, y, dims=dims), [a, b],
          device=device)


def test_products(device):
    check(same("inner"), [(2, 3, 4), (5, 4)], device=device)
    check(same("inner"), [(), (5, 4)], device=device)
    check(same("vdot"), [(5,), (5,)], device=device)
    check(same("ger"), [(3,), (4,)], device=device)
    check(same("chain_matmul"), [(2, 3), (3, 4), (4, 2)], device=device)
    check_raises(same("inner"), [(2, 3), (4,)])
    check_raises(same("tensordot", dims=([0], [0])), [(2, 3), (4, 3)])


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (0, 1.5)])
def test_fused_matmul_forms(beta, alpha, device):
    check(same("addmv", beta=beta, alpha=alpha), [(3,), (3, 4), (4,)], device=device)
    check(same("addr", beta=beta, alpha=alpha), [(3, 4), (3,), (4,)], device=device)
    check(same("baddbmm", beta=beta, alpha=alpha), [(2, 3, 5), (2, 3, 4), (2, 4, 5)], device=device)
    check(same("addbmm", beta=beta, alpha=alpha), [(3, 5), (2, 3, 4), (2, 4, 5)], device=device)


def test_beta_zero_ignores_nan_in_input():
    nan = axonml.full((2,), float("nan"))
    assert not axonml.addmv(nan, axonml.ones(2, 3), axonml.ones(3), beta=0).isnan().any()


@pytest.mark.parametrize("k", [0, 1, 2, 3, -1, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 2), (2, 0)])
def test_rot90(k, dims, device):
    check(same("rot90", k, dims), [(2, 3, 4)], device=device)


def test_rot90_errors_match_torch():
    check_raises(same("rot90", 1, (0, 0)), [(2, 3)])
    check_raises(same("rot90", 1, (0,)), [(2, 3)])


@pytest.mark.parametrize("n, dim", [(1, -1), (2, 0), (3, 1), (0, 1)])
def test_diff(n, dim, device):
    check(same("diff", n, dim), [(4, 5)], device=device)


def test_diff_with_prepend_and_append(device):
    check(lambda x, p, a: (torch if isinstance(x, torch.Tensor) else axonml).diff(x, 2, 1, prepend=p, append=a),
          [(3, 4), (3, 1), (3, 2)], device=device)
    flags = np.array([True, False, False, True])
    check(same("diff"), [flags], device=device)


def test_trapezoid_family(device):
    check(same("trapezoid"), [(3, 5)], device=device)
    check(lambda y: (torch if isinstance(y, torch.Tensor) else axonml).trapezoid(y, dx=0.5, dim=0), [(3, 5)],
          device=device)
    x = np.sort(RNG.random(5))
    check(same("trapezoid"), [(3, 5), x], device=device)
    check(same("trapz"), [(3, 5), x], device=device)
    check(same("cumulative_trapezoid"), [(3, 5)], device=device)
    check(same("cumulative_trapezoid"), [(3, 5), x], device=device)
    check(lambda y: (torch if isinstance(y, torch.Tensor) else axonml).cumulative_trapezoid(y, dx=2.0, dim=0),
          [(3, 5)], device=device)


@pytest.mark.parametrize("N, increasing", [(None, False), (3, True), (5, False)])
def test_vander(N, increasing, device):
    # torch's own vander backward fails (an in-place write in its decomposition): gradcheck ours instead
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).vander(x, N, increasing), [(4,)],
          device=device, grad=False)
    x = axonml.from_numpy(RNG.standard_normal(4)).requires_grad_()
    assert gradcheck(lambda t: axonml.vander(t, N, increasing), (x,))
    check(lambda x: (torch if isinstance(x, torch.Tensor) else axonml).vander(x, N, increasing),
          [np.array([1, 2, 3])], device=device)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_take_along_dim(dim, device):
    if dim is None:
        index = RNG.integers(0, 12, (5,))
        shape = (3, 4)
    else:
        index = RNG.integers(0, 3, (3, 1)) if dim == 0 else RNG.integers(0, 4, (1, 4))
        shape = (3, 4)
    check(lambda x, i: (torch if isinstance(x, torch.Tensor) else axonml).take_along_dim(x, i, dim), [shape, index],
          device=device)


def test_ravel_and_trace(device):
    check(same("ravel"), [(2, 3, 4)], device=device)
    check(same("trace"), [(3, 5)], device=device)
    check(same("trace"), [(4, 2)], device=device)
    check_raises(same("trace"), [(2, 2, 2)])


@pytest.mark.parametrize("row, col, offset", [(3, 3, 0), (4, 3, 1), (3, 5, -1), (0, 3, 0)])
def test_triangle_indices(row, col, offset):
    for name in ("tril_indices", "triu_indices"):
        assert_close(getattr(axonml, name)(row, col, offset), getattr(torch, name)(row, col, offset))


def test_unravel_index():
    flat = np.array([0, 5, 11, -1, 7])
    for ours, theirs in zip(axonml.unravel_index(axonml.from_numpy(flat), (3, 4)),
                            torch.unravel_index(torch.from_numpy(flat), (3, 4))):
        assert_close(ours, theirs)
    with pytest.raises(RuntimeError):
        axonml.unravel_index(axonml.tensor([12]), (3, 4))


def test_scatter_variants(device):
    check(same("select_scatter", 1, 2), [(3, 4), (3,)], device=device)
    check(same("slice_scatter", 1, 1, 4, 2), [(3, 5), (3, 2)], device=device)
    check(same("slice_scatter"), [(3, 5), (3, 5)], device=device)
    for offset, dim1, dim2, src in [(0, 0, 1, (3,)), (1, 0, 1, (3,)), (-1, 1, 2, (2, 3)), (0, 0, 2, (4, 2))]:
        shape = (3, 4) if src == (3,) else (2, 4, 3) if dim2 == 2 and dim1 == 1 else (2, 3, 2)
        if (dim1, dim2) == (0, 2):
            shape, src = (2, 4, 2), (4, 2)
        check(same("diagonal_scatter", offset, dim1, dim2), [shape, src], device=device)
    check_raises(same("select_scatter", 1, 2), [(3, 4), (4,)])


def test_index_copy_and_masked_scatter(device):
    index = np.array([2, 0])
    check(lambda x, i, s: (torch if isinstance(x, torch.Tensor) else axonml).index_copy(x, 1, i, s),
          [(3, 4), index, (3, 2)], device=device)
    mask = RNG.random((3, 4)) > 0.5
    check(same("masked_scatter"), [(3, 4), mask, (12,)], device=device)
    check(same("masked_scatter"), [(3, 4), mask[0], (12,)], device=device)


def test_tensor_methods_and_in_place_forms():
    values = RNG.standard_normal((3, 4)).astype(np.float32)
    ours, theirs = axonml.from_numpy(values.copy()), torch.from_numpy(values.copy())
    v1, v2 = RNG.standard_normal(3).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    ours.addr_(axonml.from_numpy(v1), axonml.from_numpy(v2), alpha=2)
    theirs.addr_(torch.from_numpy(v1), torch.from_numpy(v2), alpha=2)
    assert_close(ours, theirs)
    ours.renorm_(2, 0, 1.0), theirs.renorm_(2, 0, 1.0)
    assert_close(ours, theirs)
    assert_close(ours.rot90(1, (0, 1)), theirs.rot90(1, (0, 1)))
    assert_close(ours.diff(), theirs.diff())
    assert_close(ours.kron(ours), theirs.kron(theirs))
    assert_close(ours.dist(ours * 2, 3), theirs.dist(theirs * 2, 3))


@pytest.mark.parametrize("p, dim, maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3, 2, 2.0)])
def test_renorm_and_dist(p, dim, maxnorm, device):
    check(same("renorm", p, dim, maxnorm), [(3, 4, 2)], device=device)
    check(same("dist", p=p), [(3, 4), (4,)], device=device)


def test_rsub(device):
    check(lambda x, y: (torch if isinstance(x, torch.Tensor) else axonml).rsub(x, y, alpha=2), [(3,), (3,)],
          device=device)
