"""BatchNorm, LayerNorm, GroupNorm, RMSNorm against PyTorch, running statistics included."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state, to_axonml
from tests.oracle.oracle import assert_close


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (8, 5)), ("BatchNorm1d", (4, 5, 6)),
                                        ("BatchNorm2d", (4, 5, 3, 3)), ("BatchNorm3d", (2, 5, 2, 3, 2))])
@pytest.mark.parametrize("options", [dict(), dict(affine=False), dict(momentum=None), dict(bias=False),
                                     dict(track_running_stats=False)])
def test_batchnorm_matches_torch(dtype, train, name, shape, options, device):
    ours, theirs = getattr(nn, name)(5, **options), getattr(torch.nn, name)(5, **options)
    with torch.no_grad():  # non-trivial starting statistics and affine parameters
        for t in list(theirs.parameters()) + [b for b in theirs.buffers() if b.is_floating_point()]:
            t.uniform_(0.5, 1.5)
    check_module(ours, theirs, [shape], dtype=dtype, train=train, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name,shape", [("BatchNorm2d", (4, 3, 5, 5)), ("BatchNorm3d", (4, 3, 2, 5, 4))])
def test_batchnorm_running_statistics_over_several_steps(momentum, name, shape, device):
    ours, theirs = getattr(nn, name)(3, momentum=momentum), getattr(torch.nn, name)(3, momentum=momentum)
    load_torch_state(ours, theirs)
    ours.to(device)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal(shape).astype(np.float32) * 3 + 1
        expected = theirs(torch.from_numpy(x))
        assert_close(ours(axonml.from_numpy(x).to(device)), expected, "float32", "training output")
    for buffer_name, buffer in theirs.named_buffers():
        assert_close(ours.get_buffer(buffer_name), buffer, "float32", buffer_name)
    assert int(ours.num_batches_tracked) == 4
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((2,) + shape[1:]).astype(np.float32)
    assert_close(ours(axonml.from_numpy(x).to(device)), theirs(torch.from_numpy(x)), "float32")


def test_batchnorm_input_dim_errors():
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.BatchNorm2d(3)(axonml.randn(2, 3, 4))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(axonml.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="expected 5D input \\(got 4D input\\)"):
        nn.BatchNorm3d(3)(axonml.randn(2, 3, 4, 4))


def test_batchnorm_state_dict_keys_and_reset():
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours(axonml.randn(8, 4))
    ours.reset_running_stats()
    assert int(ours.num_batches_tracked) == 0 and float(ours.running_var.sum()) == 4.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,options", [(5, {}), ((3, 5), {}), (5, dict(elementwise_affine=False)),
                                           (5, dict(bias=False)), (5, dict(eps=1e-2))])
def test_layernorm_matches_torch(dtype, shape, options, device):
    ours, theirs = nn.LayerNorm(shape, **options), torch.nn.LayerNorm(shape, **options)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    check_module(ours, theirs, [(2, 4, 3, 5)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [{}, dict(affine=False), dict(bias=False)])
def test_groupnorm_matches_torch(dtype, options, device):
    ours, theirs = nn.GroupNorm(3, 6, **options), torch.nn.GroupNorm(3, 6, **options)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    check_module(ours, theirs, [(2, 6, 4, 3)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError):
        nn.GroupNorm(4, 6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [{}, dict(eps=1e-3), dict(elementwise_affine=False)])
def test_rmsnorm_matches_torch(dtype, options, device):
    ours, theirs = nn.RMSNorm([3, 4], **options), torch.nn.RMSNorm([3, 4], **options)
    check_module(ours, theirs, [(2, 3, 4)], dtype=dtype, device=device)
    assert repr(ours) == repr(theirs)
