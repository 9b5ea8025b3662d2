"""nn.AdaptiveLogSoftmaxWithLoss (axonml/nn/modules/adaptive.py) against torch, with torch's weights loaded."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state
from tests.oracle.oracle import assert_close

TARGETS = np.array([0, 3, 7, 12, 25, 29, 5, 18, 2, 21])  # the shortlist and all three clusters


def _pair(dtype="float32", **options):
    torch.manual_seed(0)
    options = dict(dict(in_features=64, n_classes=30, cutoffs=[6, 15, 24]), **options)
    th = torch.nn.AdaptiveLogSoftmaxWithLoss(**options)
    ax = nn.AdaptiveLogSoftmaxWithLoss(**options)
    if dtype == "float64":
        th.double()
        ax.double()
    load_torch_state(ax, th)
    return ax, th


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [{}, dict(div_value=2.0, head_bias=True), dict(cutoffs=[10])], ids=str)
def test_forward_and_backward_match_torch(dtype, options, device):
    ax, th = _pair(**options)
    targets = TARGETS % 30
    check_module(ax, th, [(10, 64), targets], dtype=dtype, load=False, device=device)


def test_unbatched(device):
    ax, th = _pair()
    check_module(ax, th, [(64,), np.array(25)], load=False, device=device)


def test_output_is_a_named_tuple_and_state_dict_names_are_torchs():
    ax, th = _pair()
    result = ax(axonml.randn(4, 64), axonml.tensor([0, 7, 20, 29]))
    assert result._fields == ("output", "loss") and result.loss.ndim == 0
    assert list(ax.state_dict()) == list(th.state_dict()) == \
        ["head.weight", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight", "tail.1.1.weight",
         "tail.2.0.weight", "tail.2.1.weight"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_prob_and_predict_match_torch(dtype, device):
    ax, th = _pair(dtype)
    ax.to(device)
    x = np.random.default_rng(1).standard_normal((40, 64)).astype(dtype) * 3
    th_x, ax_x = torch.from_numpy(x), axonml.from_numpy(x).to(device)
    tolerance = dtype if device == "cpu" else "float32"
    assert_close(ax.log_prob(ax_x), th.log_prob(th_x), tolerance, "log_prob")
    expected = th.predict(th_x)
    assert (expected >= 6).any() and (expected < 6).any()  # both paths of predict are taken
    np.testing.assert_array_equal(np.asarray(ax.predict(ax_x).cpu()), expected.numpy())


def test_errors_match_torch():
    for options in (dict(cutoffs=[]), dict(cutoffs=[15, 6]), dict(cutoffs=[0, 6]), dict(cutoffs=[6, 30]),
                    dict(cutoffs=[6, 6])):
        with pytest.raises(ValueError):
            torch.nn.AdaptiveLogSoftmaxWithLoss(16, 30, **options)
        with pytest.raises(ValueError):
            nn.AdaptiveLogSoftmaxWithLoss(16, 30, **options)
    ax, th = _pair()
    for x, t in (((3, 64), [1, 2]), ((3, 64), [[1, 2, 3]]), ((2, 2, 64), [1, 2]), ((3, 64), [1, 2, 30]),
                 ((3, 64), [-1, 2, 3]), ((3, 64), 4)):
        with pytest.raises(RuntimeError):
            th(torch.zeros(x), torch.tensor(t))
        with pytest.raises(RuntimeError):
            ax(axonml.zeros(x), axonml.tensor(t))
