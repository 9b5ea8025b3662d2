"""Shape and view ops against PyTorch: forward, backward, memory sharing, errors, gradcheck."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def lib(x):
    """The namespace of x's framework, for the module-level functions (cat, stack, tril ...)."""
    return torch if isinstance(x, torch.Tensor) else axonml


# (fn, input shapes): each runs contiguous and strided, float32 and float64, forward and backward.
VIEW_CASES = {
    "reshape_flat": (lambda x: x.reshape(-1), [(3, 4)]),
    "reshape_2d": (lambda x: x.reshape(4, 3), [(3, 4)]),
    "reshape_tuple": (lambda x: x.reshape((2, -1, 2)), [(3, 4)]),
    "reshape_transposed": (lambda x: x.t().reshape(12), [(3, 4)]),
    "reshape_as": (lambda x, y: x.reshape_as(y), [(3, 4), (6, 2)]),
    "view_split_last": (lambda x: x.view(3, 2, 2), [(3, 4)]),
    "view_merge_leading": (lambda x: x.view(6, 4), [(2, 3, 4)]),
    "view_as": (lambda x, y: x.view_as(y), [(3, 4), (3, 2, 2)]),
    "transpose": (lambda x: x.transpose(0, 1), [(3, 4)]),
    "transpose_neg": (lambda x: x.transpose(-1, 0), [(2, 3, 4)]),
    "swapaxes": (lambda x: x.swapaxes(0, 2), [(2, 3, 4)]),
    "swapdims": (lambda x: x.swapdims(1, 2), [(2, 3, 4)]),
    "permute": (lambda x: x.permute(2, 0, 1), [(2, 3, 4)]),
    "permute_tuple": (lambda x: x.permute((1, 2, 0)), [(2, 3, 4)]),
    "t": (lambda x: x.t(), [(3, 4)]),
    "t_1d": (lambda x: x.t(), [(4,)]),
    "T": (lambda x: x.T, [(3, 4)]),
    "mT": (lambda x: x.mT, [(2, 3, 4)]),
    "movedim": (lambda x: x.movedim(0, -1), [(2, 3, 4)]),
    "movedim_tuple": (lambda x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    "moveaxis": (lambda x: lib(x).moveaxis(x, 1, 0), [(2, 3, 4)]),
    "expand": (lambda x: x.expand(2, 3, 4), [(3, 1)]),
    "expand_keep": (lambda x: x.expand(-1, 4), [(3, 1)]),
    "expand_new_dims": (lambda x: x.expand(2, -1, -1), [(3, 4)]),
    "expand_as": (lambda x, y: x.expand_as(y), [(1, 4), (3, 4)]),
    "broadcast_to": (lambda x: lib(x).broadcast_to(x, (2, 3, 4)), [(4,)]),
    "squeeze_all": (lambda x: x.squeeze(), [(1, 3, 1, 4)]),
    "squeeze_dim": (lambda x: x.squeeze(2), [(1, 3, 1, 4)]),
    "squeeze_non_one": (lambda x: x.squeeze(1), [(1, 3, 1, 4)]),
    "squeeze_tuple": (lambda x: x.squeeze((0, 2)), [(1, 3, 1, 4)]),
    "unsqueeze": (lambda x: x.unsqueeze(0), [(3, 4)]),
    "unsqueeze_neg": (lambda x: x.unsqueeze(-1), [(3, 4)]),
    "unsqueeze_mid": (lambda x: lib(x).unsqueeze(x, 1), [(3, 4)]),
    "flatten": (lambda x: x.flatten(), [(2, 3, 4)]),
    "flatten_from": (lambda x: x.flatten(1), [(2, 3, 4)]),
    "flatten_range": (lambda x: lib(x).flatten(x, 0, 1), [(2, 3, 4)]),
    "flatten_0d": (lambda x: x.flatten(), [()]),
    "unflatten": (lambda x: x.unflatten(1, (2, 2)), [(3, 4)]),
    "unflatten_infer": (lambda x: x.unflatten(-1, (-1, 2)), [(3, 4)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [(3, 4)]),
    "narrow_neg_start": (lambda x: lib(x).narrow(x, 0, -2, 2), [(3, 4)]),
    "select": (lambda x: x.select(1, -1), [(2, 3, 4)]),
    "select_fn": (lambda x: lib(x).select(x, 0, 1), [(2, 3)]),
    "contiguous": (lambda x: x.t().contiguous(), [(3, 4)]),
    "clone": (lambda x: x.clone(), [(3, 4)]),
    "clone_fn": (lambda x: lib(x).clone(x), [(2, 3)]),
}

COPY_CASES = {
    "repeat": (lambda x: x.repeat(2, 1, 3), [(2, 3)]),
    "repeat_same_rank": (lambda x: x.repeat(2, 2), [(3, 4)]),
    "repeat_1d": (lambda x: x.repeat(3), [(4,)]),
    "tile": (lambda x: lib(x).tile(x, (2,)), [(3, 4)]),
    "tile_method": (lambda x: x.tile(2, 1, 2), [(3, 4)]),
    "flip": (lambda x: x.flip(0), [(3, 4)]),
    "flip_tuple": (lambda x: lib(x).flip(x, (0, 2)), [(2, 3, 4)]),
    "fliplr": (lambda x: lib(x).fliplr(x), [(3, 4)]),
    "flipud": (lambda x: x.flipud(), [(3, 4)]),
    "roll_flat": (lambda x: x.roll(5), [(3, 4)]),
    "roll_dim": (lambda x: x.roll(1, 1), [(3, 4)]),
    "roll_neg": (lambda x: lib(x).roll(x, -2, 0), [(3, 4)]),
    "roll_multi": (lambda x: x.roll((1, -1), (0, 1)), [(3, 4)]),
    "roll_full_turn": (lambda x: x.roll(4, 1), [(3, 4)]),
    "tril": (lambda x: x.tril(), [(4, 4)]),
    "tril_diag": (lambda x: lib(x).tril(x, -1), [(3, 5)]),
    "triu": (lambda x: x.triu(1), [(5, 3)]),
    "triu_batched": (lambda x: lib(x).triu(x, -1), [(2, 3, 4)]),
    "cat": (lambda x, y: lib(x).cat([x, y]), [(2, 4), (3, 4)]),
    "cat_dim1": (lambda x, y: lib(x).cat([x, y], 1), [(3, 2), (3, 4)]),
    "cat_neg_dim": (lambda x, y, z: lib(x).cat((x, y, z), -1), [(2, 3, 1), (2, 3, 2), (2, 3, 3)]),
    "cat_promotes": (lambda x, y: lib(x).cat([x, y.double()]), [(2, 4), (3, 4)]),
    "cat_legacy_empty": (lambda x, y: lib(x).cat([x, y]), [(2, 4), (0,)]),
    "concat": (lambda x, y: lib(x).concat([x, y], 1), [(3, 2), (3, 4)]),
    "stack": (lambda x, y: lib(x).stack([x, y]), [(3, 4), (3, 4)]),
    "stack_dim1": (lambda x, y: lib(x).stack((x, y), 1), [(3, 4), (3, 4)]),
    "stack_last": (lambda x, y, z: lib(x).stack([x, y, z], -1), [(3, 4), (3, 4), (3, 4)]),
    "hstack": (lambda x, y: lib(x).hstack([x, y]), [(3, 2), (3, 4)]),
    "hstack_1d": (lambda x, y: lib(x).hstack([x, y]), [(3,), (4,)]),
    "vstack": (lambda x, y: lib(x).vstack([x, y]), [(4,), (2, 4)]),
}

SPLIT_CASES = {
    "split_int": (lambda x: x.split(2, 1), [(3, 5)]),
    "split_sizes": (lambda x: lib(x).split(x, [1, 3, 1], 1), [(3, 5)]),
    "split_dim0": (lambda x: x.split(1), [(3, 5)]),
    "chunk": (lambda x: x.chunk(3, 1), [(3, 5)]),
    "chunk_uneven": (lambda x: lib(x).chunk(x, 4), [(6, 2)]),
    "unbind": (lambda x: x.unbind(1), [(3, 4)]),
    "unbind_fn": (lambda x: lib(x).unbind(x), [(3, 4)]),
}

ALL_CASES = {**VIEW_CASES, **COPY_CASES, **SPLIT_CASES}


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_against_torch(name, device):
    fn, shapes = ALL_CASES[name]
    check(fn, shapes, device=device)


def test_split_leaves_some_outputs_unused():
    check(lambda x: x.split(2, 1)[1], [(3, 5)])
    check(lambda x: x.unbind(0)[2] * 2, [(3, 5)])


def test_view_of_view_backward():
    check(lambda x: x.view(2, 6).t().reshape(3, 4)[1:].unsqueeze(0).expand(2, 2, 4), [(3, 4)])


@pytest.mark.parametrize("name", [n for n in ALL_CASES if n not in ("flatten_0d", "cat_legacy_empty")])
def test_gradcheck(name):
    fn, shapes = ALL_CASES[name]
    rng = np.random.default_rng(0)
    inputs = [axonml.tensor(rng.standard_normal(s), dtype=axonml.float64, requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)


# --- views share memory and version counters --------------------------------------------------------

VIEWS = {
    "view": lambda x: x.view(12),
    "reshape": lambda x: x.reshape(2, 6),
    "transpose": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "expand_is_read_only_in_torch_too": None,
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(1, 2),
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 0)[0],
    "unbind": lambda x: x.unbind(0)[1],
    "getitem": lambda x: x[1:, ::2],
    "movedim": lambda x: x.movedim(0, 1),
    "mT": lambda x: x.mT,
}


@pytest.mark.parametrize("name", [n for n, f in VIEWS.items() if f is not None])
def test_view_shares_memory_and_version(name):
    make_view = VIEWS[name]
    results = []
    for lib_ in (torch, axonml):
        base = lib_.zeros(3, 4)
        v = make_view(base)
        assert v._version == base._version
        v.add_(1.0)
        results.append((base.numpy().copy(), base._version, v._version))
        base.mul_(3.0)
        results.append((v.numpy().copy(), v._version))
    (t_base, t_bv, t_vv), (t_view, t_vv2), (a_base, a_bv, a_vv), (a_view, a_vv2) = results
    np.testing.assert_array_equal(a_base, t_base)
    np.testing.assert_array_equal(a_view, t_view)
    assert a_bv == a_vv and a_vv2 == a_bv + 1


@pytest.mark.parametrize("make", [lambda x: x.flip(0), lambda x: x.repeat(1, 1), lambda x: x.t().reshape(12),
                                  lambda x: x.clone(), lambda x: x.roll(1, 0), lambda x: x.t().contiguous()])
def test_copies_do_not_share_memory(make):
    base = axonml.zeros(3, 4)
    out = make(base)
    out.add_(1.0)
    assert not base.numpy().any()
    assert base._version == 0


def test_contiguous_returns_self_when_contiguous():
    x = axonml.zeros(3, 4)
    assert x.contiguous() is x
    assert x.t().is_contiguous() is False
    assert x.t().contiguous().is_contiguous()


def test_strides_match_torch():
    for make in (lambda x: x.mT, lambda x: x.permute(2, 0, 1), lambda x: x[:, 1:, ::2], lambda x: x.unsqueeze(1),
                 lambda x: x.expand(2, 2, 3, 4), lambda x: x.narrow(2, 1, 2)):
        a, t = make(axonml.zeros(2, 3, 4)), make(torch.zeros(2, 3, 4))
        assert tuple(a.stride()) == tuple(t.stride())
        assert tuple(a.shape) == tuple(t.shape)


def test_T_warns_on_3d_like_torch():
    x = axonml.zeros(2, 3, 4)
    with pytest.warns(UserWarning):
        y = x.T
    assert tuple(y.shape) == (4, 3, 2)


def test_grad_fn_names():
    x = axonml.randn(3, 4, requires_grad=True)
    assert x.view(12).grad_fn.name() == "ViewBackward0"
    assert x.t().grad_fn.name() == "PermuteBackward0"
    assert axonml.cat([x, x]).grad_fn.name() == "CatBackward0"
    assert x.t().reshape(12).grad_fn.name() == "ReshapeBackward0"


def test_repeat_accumulates_gradient():
    x = axonml.ones(2, requires_grad=True)
    x.repeat(3, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_cat_int_and_float_promotes():
    a = axonml.cat([axonml.tensor([1, 2]), axonml.tensor([0.5])])
    assert a.dtype == axonml.float32
    np.testing.assert_allclose(a.numpy(), [1, 2, 0.5])
    assert axonml.stack([axonml.tensor([1]), axonml.tensor([2])]).dtype == axonml.int64


# --- errors: the exception type torch raises ------------------------------------------------------------

ERROR_CASES = {
    "view_non_contiguous": (lambda x: x.t().view(12), [(3, 4)]),
    "view_bad_size": (lambda x: x.view(5), [(3, 4)]),
    "view_two_inferred": (lambda x: x.view(-1, -1), [(3, 4)]),
    "reshape_bad_infer": (lambda x: x.reshape(5, -1), [(3, 4)]),
    "reshape_negative": (lambda x: x.reshape(-2, 6), [(3, 4)]),
    "t_3d": (lambda x: x.t(), [(2, 3, 4)]),
    "mT_1d": (lambda x: x.mT, [(3,)]),
    "transpose_dim": (lambda x: x.transpose(0, 2), [(3, 4)]),
    "permute_duplicate": (lambda x: x.permute(0, 0), [(3, 4)]),
    "permute_length": (lambda x: x.permute(0), [(3, 4)]),
    "expand_mismatch": (lambda x: x.expand(2, 3, 5), [(3, 4)]),
    "expand_too_few": (lambda x: x.expand(4), [(3, 4)]),
    "expand_leading_minus_one": (lambda x: x.expand(-1, 3, 4), [(3, 4)]),
    "squeeze_dim": (lambda x: x.squeeze(5), [(3, 4)]),
    "unsqueeze_dim": (lambda x: x.unsqueeze(3), [(3, 4)]),
    "flatten_order": (lambda x: x.flatten(1, 0), [(3, 4)]),
    "unflatten_sizes": (lambda x: x.unflatten(1, (3, -1)), [(3, 4)]),
    "narrow_length": (lambda x: x.narrow(1, 2, 3), [(3, 4)]),
    "narrow_start": (lambda x: x.narrow(0, 4, 1), [(3, 4)]),
    "select_index": (lambda x: x.select(1, 4), [(3, 4)]),
    "select_dim": (lambda x: x.select(2, 0), [(3, 4)]),
    "split_zero": (lambda x: x.split(0), [(3, 4)]),
    "split_sizes_sum": (lambda x: x.split([1, 1], 0), [(3, 4)]),
    "chunk_zero": (lambda x: x.chunk(0), [(3, 4)]),
    "repeat_too_few": (lambda x: x.repeat(2), [(3, 4)]),
    "movedim_duplicate": (lambda x: x.movedim((0, 0), (0, 1)), [(3, 4)]),
    "flip_duplicate": (lambda x: x.flip((0, 0)), [(3, 4)]),
    "tril_1d": (lambda x: lib(x).tril(x), [(3,)]),
    "cat_sizes": (lambda x, y: lib(x).cat([x, y]), [(3, 4), (3, 5)]),
    "cat_dim": (lambda x, y: lib(x).cat([x, y], 2), [(3, 4), (3, 4)]),
    "cat_zero_dim": (lambda x, y: lib(x).cat([x, y]), [(), ()]),
    "cat_ranks": (lambda x, y: lib(x).cat([x, y]), [(3, 4), (3, 4, 1)]),
    "cat_empty_list": (lambda x: lib(x).cat([]), [(3,)]),
    "stack_sizes": (lambda x, y: lib(x).stack([x, y]), [(3, 4), (3, 5)]),
    "stack_empty_list": (lambda x: lib(x).stack([]), [(3,)]),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name, device):
    fn, shapes = ERROR_CASES[name]
    check_raises(fn, shapes, device=device)


def test_view_error_message_suggests_reshape():
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use \.reshape\(\.\.\.\) instead"):
        axonml.zeros(3, 4).t().view(12)
    with pytest.raises(RuntimeError, match=r"shape '\[5\]' is invalid for input of size 12"):
        axonml.zeros(3, 4).view(5)


def test_cat_error_message_names_the_tensor():
    with pytest.raises(RuntimeError, match="Expected size 4 but got size 5 for tensor number 1 in the list"):
        axonml.cat([axonml.zeros(3, 4), axonml.zeros(3, 5)])


# --- diagonal, diag, diag_embed, unfold, repeat_interleave, meshgrid ---------------------------------------------

def _ns(x):
    return torch if isinstance(x, torch.Tensor) else axonml


@pytest.mark.parametrize("offset, dim1, dim2", [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (5, 0, 1), (0, -1, 0),
                                                (1, 2, 0), (-1, 1, 2)])
def test_diagonal(offset, dim1, dim2, device):
    check(lambda x: _ns(x).diagonal(x, offset, dim1, dim2), [(3, 4, 5)], device=device)
    check(lambda x: x.diagonal(offset=offset, dim1=dim1, dim2=dim2), [(4, 4, 2)], device=device)


def test_diagonal_is_a_view(device):
    x = axonml.zeros(3, 3, device=device)
    d = x.diagonal()
    d.add_(1)
    assert x.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert d._base is x


def test_diagonal_of_a_transposed_view_and_errors(device):
    check(lambda x: x.t().diagonal(1), [(4, 3)], device=device)
    check(lambda x: x[:, 1:].diagonal(-1), [(4, 5)], device=device)
    check_raises(lambda x: x.diagonal(), [(3,)], device=device)
    check_raises(lambda x: x.diagonal(0, 1, 1), [(3, 3)], device=device)
    check_raises(lambda x: x.diagonal(0, 0, 2), [(3, 3)], device=device)


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diag(offset, device):
    check(lambda x: _ns(x).diag(x, offset), [(4,)], device=device)
    check(lambda x: x.diag(offset), [(3, 5)], device=device)
    check_raises(lambda x: _ns(x).diag(x), [(2, 2, 2)], device=device)


@pytest.mark.parametrize("offset, dim1, dim2", [(0, -2, -1), (1, 0, 2), (-1, 2, 0), (2, 1, -1)])
def test_diag_embed(offset, dim1, dim2, device):
    check(lambda x: _ns(x).diag_embed(x, offset, dim1, dim2), [(2, 3)], device=device)
    check(lambda x: x.diag_embed(offset=offset), [(4,)], device=device)
    check_raises(lambda x: x.diag_embed(0, 1, 1), [(2, 3)], device=device)


@pytest.mark.parametrize("dimension, size, step", [(0, 3, 2), (1, 2, 1), (-1, 4, 3), (1, 5, 1), (0, 1, 1),
                                                   (2, 2, 4)])
def test_unfold(dimension, size, step, device):
    check(lambda x: x.unfold(dimension, size, step), [(7, 5, 6)], device=device)


def test_unfold_is_a_view_and_errors(device):
    x = axonml.zeros(6, device=device)
    windows = x.unfold(0, 2, 2)
    windows[1].add_(1)
    assert x.tolist() == [0, 0, 1, 1, 0, 0]
    check(lambda x: x.unfold(0, 1, 1), [np.array(2.5)], device=device)
    check(lambda x: x.t().unfold(0, 2, 1), [(3, 4)], device=device)
    check_raises(lambda x: x.unfold(0, 4, 1), [(3,)], device=device)
    check_raises(lambda x: x.unfold(0, 2, 0), [(3,)], device=device)
    check_raises(lambda x: x.unfold(2, 1, 1), [(3, 2)], device=device)


def test_unfold_gradcheck():
    x = axonml.randn(9, 2, dtype=axonml.float64, requires_grad=True)
    assert gradcheck(lambda t: t.unfold(0, 4, 2), (x,))
    assert gradcheck(lambda t: t.diagonal(1) * 2, (x.reshape(3, 6),))


REPEAT_COUNTS = np.array([1, 0, 3, 2])


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_repeat_interleave_int(dim, device):
    check(lambda x: _ns(x).repeat_interleave(x, 2, dim), [(3, 4)], device=device)
    check(lambda x: x.repeat_interleave(3, dim=dim), [(2, 3)], device=device)


def test_repeat_interleave_tensor(device):
    check(lambda x, r: x.repeat_interleave(r, dim=1), [(3, 4), REPEAT_COUNTS], device=device)
    check(lambda x, r: _ns(x).repeat_interleave(x, r, 0, output_size=6), [(4, 2), REPEAT_COUNTS], device=device)
    check(lambda x, r: x.repeat_interleave(r), [(2, 2), REPEAT_COUNTS], device=device)
    check(lambda r: _ns(r).repeat_interleave(r), [REPEAT_COUNTS], device=device)
    check(lambda r: _ns(r).repeat_interleave(r), [np.array([2, 1, 0, 1])], device=device)
    check(lambda x: x.repeat_interleave(2), [np.array(1.5)], device=device)
    check(lambda i: i.repeat_interleave(2, dim=0), [np.array([[1, 2], [3, 4]])], device=device)


def test_repeat_interleave_errors(device):
    check_raises(lambda x: x.repeat_interleave(-1), [(3,)], device=device)
    check_raises(lambda x, r: x.repeat_interleave(r, dim=0), [(3, 2), REPEAT_COUNTS], device=device)
    check_raises(lambda x, r: x.repeat_interleave(r.reshape(2, 2), dim=0), [(2, 2), REPEAT_COUNTS], device=device)
    check_raises(lambda r: _ns(r).repeat_interleave(-r), [REPEAT_COUNTS], device=device)
    check_raises(lambda x, r: x.repeat_interleave(r, 0, output_size=3), [(4, 2), REPEAT_COUNTS], device=device)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing, device):
    check(lambda a, b: _ns(a).meshgrid(a, b, indexing=indexing), [(3,), (4,)], device=device)
    check(lambda a, b, c: _ns(a).meshgrid([a, b, c], indexing=indexing), [(2,), (3,), (4,)], device=device)
    check(lambda a: _ns(a).meshgrid(a, indexing=indexing), [(3,)], device=device)
    check(lambda a, b: _ns(a).meshgrid(a, b, indexing=indexing), [np.array(2.0), (3,)], device=device)


def test_meshgrid_default_warns_and_errors(device):
    with pytest.warns(UserWarning):
        axonml.meshgrid(axonml.zeros(2, device=device), axonml.zeros(3, device=device))
    check_raises(lambda a, b: _ns(a).meshgrid(a, b, indexing="yx"), [(2,), (3,)], device=device)
    check_raises(lambda a, b: _ns(a).meshgrid(a, b, indexing="ij"), [(2, 2), (3,)], device=device)
    check_raises(lambda a, b: _ns(a).meshgrid(a, b.double(), indexing="ij"), [(2,), (3,)], device=device)


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diagflat(offset, device):
    check(lambda x: _ns(x).diagflat(x, offset), [(2, 3)], device=device)
    check(lambda x: x.diagflat(offset), [(4,)], device=device)
