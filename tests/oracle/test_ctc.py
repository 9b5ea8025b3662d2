"""ctc_loss and nn.CTCLoss (axonml/ops/ctc.py) against PyTorch, forward and backward."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import assert_close, check, check_raises

FRAMES, BATCH, CLASSES = 12, 3, 5
INPUT_LENGTHS = [12, 9, 11]
TARGET_LENGTHS = [4, 2, 3]
# the first target repeats a label, so its alignments need a blank between the two
PADDED = np.array([[1, 2, 2, 4], [3, 1, 0, 0], [4, 4, 1, 0]])
CONCATENATED = np.concatenate([row[:n] for row, n in zip(PADDED, TARGET_LENGTHS)])


def _log_probs(seed=0):
    logits = np.random.default_rng(seed).standard_normal((FRAMES, BATCH, CLASSES))
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def _ctc(targets, input_lengths=INPUT_LENGTHS, target_lengths=TARGET_LENGTHS, **options):
    def fn(log_probs):
        if isinstance(log_probs, torch.Tensor):
            return torch.nn.functional.ctc_loss(log_probs, torch.from_numpy(targets), input_lengths, target_lengths,
                                                **options)
        return axonml.nn.functional.ctc_loss(log_probs, axonml.from_numpy(targets), input_lengths, target_lengths,
                                             **options)
    return fn


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss(reduction, layout, device):
    targets = PADDED if layout == "padded" else CONCATENATED
    check(_ctc(targets, reduction=reduction), [_log_probs()], device=device)


def test_ctc_loss_after_log_softmax(device):
    """torch's gradient convention (that of the logits under log_softmax) agrees with the true one there."""
    check(lambda x: _ctc(PADDED)(x.log_softmax(2)), [(FRAMES, BATCH, CLASSES)], device=device)


def test_other_blank_and_empty_target(device):
    targets = np.array([[0, 1, 0], [2, 2, 2], [3, 0, 1]])
    check(_ctc(targets, target_lengths=[3, 0, 2], blank=4, reduction="none"), [_log_probs(1)], device=device)


def test_unbatched(device):
    def fn(log_probs):
        lib = torch if isinstance(log_probs, torch.Tensor) else axonml
        return lib.nn.functional.ctc_loss(log_probs, lib.tensor([1, 3, 3]), lib.tensor(10), lib.tensor(3),
                                          reduction="none")
    check(fn, [_log_probs()[:10, 0]], device=device)


def test_infinite_losses_and_zero_infinity(device):
    """Four labels with a repeat need five frames: three give an infinite loss, or 0 with zero_infinity."""
    lengths = [3, 9, 11]
    check(_ctc(PADDED, lengths, zero_infinity=True, reduction="none"), [_log_probs()], device=device)
    check(_ctc(PADDED, lengths, zero_infinity=True), [_log_probs()], device=device)
    check(_ctc(PADDED, lengths, reduction="none"), [_log_probs()], device=device, grad=False)


def test_module_matches_functional(device):
    log_probs = axonml.from_numpy(_log_probs()).to(device)
    module = axonml.nn.CTCLoss(blank=0, reduction="sum")
    expected = torch.nn.CTCLoss(reduction="sum")(torch.from_numpy(_log_probs()), torch.from_numpy(PADDED),
                                                 INPUT_LENGTHS, TARGET_LENGTHS)
    assert_close(module(log_probs, axonml.from_numpy(PADDED), INPUT_LENGTHS, TARGET_LENGTHS), expected, "float64")
    assert "CTCLoss" in repr(module)


def test_gradcheck():
    logits = axonml.tensor(np.random.default_rng(2).standard_normal((6, 2, 4)), requires_grad=True)
    assert gradcheck(lambda x: axonml.nn.functional.ctc_loss(x.log_softmax(2), axonml.tensor([[1, 2], [3, 3]]),
                                                             [6, 5], [2, 2]), (logits,))


@pytest.mark.parametrize("call", [
    _ctc(PADDED, target_lengths=[5, 2, 3]),
    _ctc(PADDED, input_lengths=[13, 9, 11]),
    _ctc(PADDED, blank=5),
    _ctc(PADDED, reduction="average"),
], ids=range(4))
def test_errors_match_torch(call):
    check_raises(call, [_log_probs()])
