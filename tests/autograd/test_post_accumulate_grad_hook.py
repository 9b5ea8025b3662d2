"""Tensor.register_post_accumulate_grad_hook against torch's."""
import numpy as np
import pytest
import torch

import axonml


def _run(lib, steps):
    p = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    handle = p.register_post_accumulate_grad_hook(lambda t: seen.append(np.array(t.grad.detach().numpy())))
    for scale in steps:
        (p * p * scale).sum().backward()
    handle.remove()
    (p * 7).sum().backward()
    return seen, p.grad.detach().numpy()


def test_hook_sees_the_accumulated_gradient_like_torch():
    seen, final = _run(axonml, [1.0, 2.0])
    expected_seen, expected_final = _run(torch, [1.0, 2.0])
    assert len(seen) == len(expected_seen) == 2
    for ours, theirs in zip(seen, expected_seen):
        np.testing.assert_allclose(ours, theirs)
    np.testing.assert_allclose(final, expected_final)


def test_hook_is_not_called_by_autograd_grad():
    p = axonml.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    p.register_post_accumulate_grad_hook(lambda t: calls.append(t))
    axonml.autograd.grad((p * 2).sum(), p)
    assert calls == []


def test_hook_on_non_leaf_or_no_grad_tensor_raises():
    p = axonml.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (p * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        axonml.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
