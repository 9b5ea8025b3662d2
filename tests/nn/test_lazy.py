"""Lazy modules: shapes inferred on the first forward, the eager class afterwards, torch's initialization."""
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module

CASES = [
    ("LazyLinear", (7,), (3, 5)),
    ("LazyConv1d", (4, 3), (2, 3, 9)),
    ("LazyConv2d", (4, 3), (2, 3, 6, 6)),
    ("LazyConv3d", (4, 2), (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), (2, 3, 4, 4)),
    ("LazyConvTranspose3d", (4, 2), (1, 3, 3, 3, 3)),
    ("LazyBatchNorm1d", (), (4, 3)),
    ("LazyBatchNorm2d", (), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", (1e-5, 0.1, True, False), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name, args, shape", CASES, ids=[c[0] for c in CASES])
def test_lazy_module_becomes_the_eager_one_and_matches_torch(name, args, shape, device):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    assert repr(ours) == repr(theirs)
    x = axonml.randn(*shape)
    ours(x)
    theirs(torch.from_numpy(x.numpy()))
    assert type(ours).__name__ == type(theirs).__name__ == name[len("Lazy"):]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs)
    check_module(ours, theirs, [shape], device=device)


def test_lazy_linear_initializes_like_linear():
    axonml.manual_seed(0)
    lazy = nn.LazyLinear(200)
    lazy(axonml.randn(2, 50))
    bound = 1 / 50 ** 0.5
    assert float(lazy.weight.abs().max()) <= bound and float(lazy.weight.abs().max()) > 0.9 * bound
    assert isinstance(lazy.weight, nn.Parameter) and not isinstance(lazy.weight, nn.UninitializedParameter)


def test_load_state_dict_materializes_a_lazy_module():
    source = nn.Linear(6, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(source.state_dict())
    assert tuple(lazy.weight.shape) == (3, 6)
    x = axonml.randn(4, 6)
    assert axonml.equal(lazy(x), source(x))


def test_uninitialized_parameter_has_no_shape():
    p = nn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="uninitialized"):
        p.shape
    assert repr(p) == "<UninitializedParameter>"
