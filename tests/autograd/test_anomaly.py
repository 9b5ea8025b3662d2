"""Anomaly mode (axonml/autograd/anomaly_mode.py and the sweep's checks), as torch.autograd has it."""
import warnings

import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import detect_anomaly, set_detect_anomaly


def _nan_backward(lib, device=None):
    """0 / 0 in the forward's backward: DivBackward0 returns NaN for its first input."""
    x = lib.tensor([0.0, 1.0], requires_grad=True) if device is None else \
        lib.tensor([0.0, 1.0], device=device, requires_grad=True)
    y = x * 0
    return (y / y).sum()


def test_flags_default_off_and_restored():
    assert not axonml.is_anomaly_enabled() and axonml.is_anomaly_check_nan_enabled()
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = detect_anomaly(check_nan=False)
    with mode:
        assert axonml.is_anomaly_enabled() and not axonml.is_anomaly_check_nan_enabled()
        assert axonml.autograd.is_anomaly_enabled()
    assert not axonml.is_anomaly_enabled() and axonml.is_anomaly_check_nan_enabled()
    with set_detect_anomaly(True):
        assert axonml.is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not axonml.is_anomaly_enabled()
        assert axonml.is_anomaly_enabled()
    assert not axonml.is_anomaly_enabled()
    axonml.set_anomaly_enabled(True, False)
    assert axonml.is_anomaly_enabled() and not axonml.is_anomaly_check_nan_enabled()
    axonml.set_anomaly_enabled(False)
    assert not axonml.is_anomaly_enabled() and axonml.is_anomaly_check_nan_enabled()


def test_nan_gradient_names_the_node_as_torch(device):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError) as expected:
            _nan_backward(torch).backward()
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        mode = detect_anomaly()
    with mode, pytest.raises(RuntimeError) as error, pytest.warns(UserWarning) as caught:
        _nan_backward(axonml, device).backward()
    assert str(error.value) == str(expected.value)
    # the warning carries the forward call's traceback: this test's line that made the division
    message = str(caught[-1].message)
    assert message.startswith("Error detected in DivBackward0. Traceback of forward call that caused the error:")
    assert "test_anomaly.py" in message and "return (y / y).sum()" in message


def test_off_or_without_check_nan_the_nan_passes(device):
    for mode in (set_detect_anomaly(False), set_detect_anomaly(True, check_nan=False)):
        with mode:
            x = axonml.tensor([0.0, 1.0], device=device, requires_grad=True)
            y = x * 0
            (y / y).sum().backward()
        assert np.isnan(np.asarray(x.grad.cpu())).all()


def test_error_in_backward_shows_the_forward_trace():
    class Broken(axonml.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("broken backward")

    x = axonml.tensor([1.0], requires_grad=True)
    with set_detect_anomaly(True):
        y = Broken.apply(x)
        with pytest.raises(ValueError, match="broken backward"), pytest.warns(UserWarning) as caught:
            y.sum().backward()
    assert "Error detected in BrokenBackward0" in str(caught[-1].message)
    assert "y = Broken.apply(x)" in str(caught[-1].message)


def test_nodes_record_a_trace_only_while_enabled():
    x = axonml.tensor([1.0], requires_grad=True)
    assert (x * 2).grad_fn.forward_trace is None
    with set_detect_anomaly(True):
        assert "test_nodes_record_a_trace_only_while_enabled" in (x * 2).grad_fn.forward_trace


def test_create_graph_backward_is_checked():
    x = axonml.tensor([0.0, 1.0], requires_grad=True)
    with set_detect_anomaly(True):
        y = x * 0
        with pytest.raises(RuntimeError, match="returned nan values"), pytest.warns(UserWarning):
            axonml.autograd.grad((y / y).sum(), x, create_graph=True)


def test_decorator():
    with pytest.warns(UserWarning):
        @detect_anomaly()
        def inside():
            return axonml.is_anomaly_enabled()
    assert inside() and not axonml.is_anomaly_enabled()
