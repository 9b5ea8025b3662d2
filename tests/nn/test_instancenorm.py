"""InstanceNorm1d, 2d and 3d against PyTorch, running statistics included."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state
from tests.oracle.oracle import assert_close


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (4, 5, 6)), ("InstanceNorm1d", (5, 7)),
                                        ("InstanceNorm2d", (3, 5, 4, 4)), ("InstanceNorm2d", (5, 3, 4)),
                                        ("InstanceNorm3d", (2, 5, 3, 4, 2)), ("InstanceNorm3d", (5, 2, 3, 4))])
@pytest.mark.parametrize("options", [dict(), dict(affine=True), dict(track_running_stats=True),
                                     dict(affine=True, track_running_stats=True, momentum=None)])
def test_instancenorm_matches_torch(dtype, train, name, shape, options, device):
    ours, theirs = getattr(nn, name)(5, **options), getattr(torch.nn, name)(5, **options)
    with torch.no_grad():  # non-trivial starting statistics and affine parameters
        for t in list(theirs.parameters()) + [b for b in theirs.buffers() if b.is_floating_point()]:
            t.uniform_(0.5, 1.5)
    check_module(ours, theirs, [shape], dtype=dtype, train=train, device=device)
    assert repr(ours) == repr(theirs)


def test_instancenorm_running_statistics_over_several_steps():
    ours, theirs = nn.InstanceNorm2d(3, track_running_stats=True), torch.nn.InstanceNorm2d(3, track_running_stats=True)
    load_torch_state(ours, theirs)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 5, 5)).astype(np.float32) * 3 + 1
        theirs(torch.from_numpy(x))
        ours(axonml.from_numpy(x))
    for name, buffer in theirs.named_buffers():
        assert_close(ours.get_buffer(name), buffer, "float32", name)
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    assert_close(ours(axonml.from_numpy(x)), theirs(torch.from_numpy(x)), "float32", "eval output")


def test_instancenorm_input_checks_match_torch():
    for lib in (torch, axonml):
        with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
            lib.nn.InstanceNorm2d(3)(lib.ones(3, 4))
        with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4"):
            lib.nn.InstanceNorm1d(3, affine=True)(lib.ones(2, 4, 5))
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.ones(2, 4, 5))


def test_old_checkpoint_running_stats_are_reported():
    results = []
    for lib in (torch, axonml):
        layer = lib.nn.InstanceNorm1d(2)
        state = OrderedDict(running_mean=lib.zeros(2), running_var=lib.ones(2))
        state._metadata = {"": {}}
        with pytest.raises(RuntimeError) as error:
            layer.load_state_dict(state)
        results.append(str(error.value))
    assert results[1] == results[0]
    assert 'Unexpected running stats buffer(s) "running_mean" and "running_var" for InstanceNorm1d' in results[1]
