"""layer_norm, batch_norm (with running statistics), group_norm, instance_norm and rms_norm against PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradcheck
from tests.oracle.oracle import assert_close, check, check_raises


def f64(shape, seed=0, requires_grad=True):
    return axonml.from_numpy(np.random.default_rng(seed).standard_normal(shape)).requires_grad_(requires_grad)


# --- layer_norm ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 5), (3, 5)), ((7,), 7), ((2, 3, 4), (4,))])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm(shape, normalized, affine, device):
    normalized_shape = (normalized,) if isinstance(normalized, int) else normalized
    inputs = [shape]
    if affine != "none":
        inputs.append(normalized_shape)
    if affine == "both":
        inputs.append(normalized_shape)
    check(lambda x, *p: F.layer_norm(x, normalized, *p, eps=1e-5), inputs,
          torch_fn=lambda x, *p: TF.layer_norm(x, normalized_shape, *p, eps=1e-5), device=device)


def test_layer_norm_bias_only_and_eps():
    check(lambda x, b: F.layer_norm(x, (5,), None, b, eps=0.1), [(3, 5), (5,)],
          torch_fn=lambda x, b: TF.layer_norm(x, (5,), None, b, eps=0.1))


def test_layer_norm_errors():
    check_raises(lambda x: F.layer_norm(x, (4,)), [(2, 3)], torch_fn=lambda x: TF.layer_norm(x, (4,)))
    check_raises(lambda x, w: F.layer_norm(x, (3,), w), [(2, 3), (4,)],
                 torch_fn=lambda x, w: TF.layer_norm(x, (3,), w))


def test_layer_norm_gradcheck():
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), [f64((3, 2, 4)), f64((2, 4), 1), f64((2, 4), 2)])


# --- batch_norm ---------------------------------------------------------------------------------

BN_SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 5), (3, 4, 6, 7)]  # the last: whole 16-lane blocks and a tail


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training(shape, affine, device):
    channels = (shape[1],)
    inputs = [shape] + ([channels, channels] if affine else [])
    check(lambda x, *p: F.batch_norm(x, None, None, *p, training=True), inputs,
          torch_fn=lambda x, *p: TF.batch_norm(x, None, None, *p, training=True), device=device)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_eval_uses_running_statistics(shape, device):
    channels = shape[1]
    rng = np.random.default_rng(5)
    mean = rng.standard_normal(channels)
    var = rng.random(channels) + 0.5

    def ours(x, w, b):
        return F.batch_norm(x, axonml.from_numpy(mean.astype(x.dtype.name)).to(x.device),
                            axonml.from_numpy(var.astype(x.dtype.name)).to(x.device), w, b, training=False)

    def theirs(x, w, b):
        return TF.batch_norm(x, torch.from_numpy(mean).to(x.dtype), torch.from_numpy(var).to(x.dtype), w, b,
                             training=False)
    check(ours, [shape, (channels,), (channels,)], torch_fn=theirs, device=device)


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_running_statistics_match_torch(shape, dtype):
    channels = shape[1]
    ours = [axonml.zeros(channels, dtype=getattr(axonml, dtype)), axonml.ones(channels, dtype=getattr(axonml, dtype))]
    theirs = [torch.zeros(channels, dtype=getattr(torch, dtype)), torch.ones(channels, dtype=getattr(torch, dtype))]
    rng = np.random.default_rng(1)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(dtype)
        out = F.batch_norm(axonml.from_numpy(x), *ours, training=True, momentum=0.3, eps=1e-3)
        expected = TF.batch_norm(torch.from_numpy(x), *theirs, training=True, momentum=0.3, eps=1e-3)
        assert_close(out, expected, dtype)
    assert_close(ours[0], theirs[0], dtype, "running_mean")
    assert_close(ours[1], theirs[1], dtype, "running_var")
    assert ours[0]._version == 4


def test_batch_norm_errors():
    def call(training, mean_size, shape=(1, 3)):
        def run(x, fn, lib):
            running = None if mean_size is None else lib.zeros(mean_size)
            return fn(x, running, None if mean_size is None else lib.ones(mean_size), training=training)
        check_raises(lambda x: run(x, F.batch_norm, axonml), [shape], torch_fn=lambda x: run(x, TF.batch_norm, torch))
    call(True, 3)                    # one value per channel in training: ValueError
    call(False, None, (4, 3))        # eval without running statistics
    call(True, 4, (4, 3))            # running_mean of the wrong size


def test_batch_norm_gradcheck():
    x, w, b = f64((4, 3, 2)), f64((3,), 1), f64((3,), 2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    mean, var = axonml.zeros(3, dtype=axonml.float64), axonml.ones(3, dtype=axonml.float64) * 2
    assert gradcheck(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False), [x, w, b])


# --- group_norm, instance_norm, rms_norm ------------------------------------------------------------

@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((2, 4, 3, 3), 2), ((3, 4), 2), ((2, 6, 2, 2), 1)])
def test_group_norm(shape, groups, device):
    channels = (shape[1],)
    check(lambda x, w, b: F.group_norm(x, groups, w, b), [shape, channels, channels],
          torch_fn=lambda x, w, b: TF.group_norm(x, groups, w, b), device=device)
    check(lambda x: F.group_norm(x, groups), [shape], torch_fn=lambda x: TF.group_norm(x, groups), device=device)


def test_group_norm_errors():
    check_raises(lambda x: F.group_norm(x, 4), [(2, 6, 3)], torch_fn=lambda x: TF.group_norm(x, 4))


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 4)])
def test_instance_norm(shape, device):
    channels = (shape[1],)
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [shape, channels, channels],
          torch_fn=lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), device=device)


def test_instance_norm_running_statistics_match_torch():
    x = np.random.default_rng(2).standard_normal((4, 3, 6)).astype(np.float32)
    ours = [axonml.zeros(3), axonml.ones(3)]
    theirs = [torch.zeros(3), torch.ones(3)]
    out = F.instance_norm(axonml.from_numpy(x), *ours, momentum=0.2)
    expected = TF.instance_norm(torch.from_numpy(x), *theirs, momentum=0.2)
    assert_close(out, expected)
    assert_close(ours[0], theirs[0], what="running_mean")
    assert_close(ours[1], theirs[1], what="running_var")
    out = F.instance_norm(axonml.from_numpy(x), *ours, use_input_stats=False)
    assert_close(out, TF.instance_norm(torch.from_numpy(x), *theirs, use_input_stats=False))


@pytest.mark.parametrize("shape,normalized", [((3, 8), (8,)), ((2, 3, 4), (3, 4))])
def test_rms_norm(shape, normalized, device):
    check(lambda x, w: F.rms_norm(x, normalized, w), [shape, normalized],
          torch_fn=lambda x, w: TF.rms_norm(x, normalized, w), device=device)
    check(lambda x: F.rms_norm(x, normalized, eps=1e-3), [shape],
          torch_fn=lambda x: TF.rms_norm(x, normalized, eps=1e-3), device=device)
