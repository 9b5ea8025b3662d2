"""Window functions, logspace, range and scalar_tensor (axonml/ops/windows.py) against torch's values."""
import warnings

import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 33])
def test_window_values(device, name, periodic, length):
    for dtype in ("float32", "float64"):
        ours = getattr(axonml, name)(length, periodic, dtype=getattr(axonml, dtype), device=device)
        theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
        assert ours.dtype == getattr(axonml, dtype) and ours.device.type == device
        assert_close(ours, theirs, dtype, f"{name}({length}, {periodic}) {dtype}")


def test_window_parameters(device):
    assert_close(axonml.hamming_window(9, False, 0.5, 0.4, device=device),
                 torch.hamming_window(9, False, 0.5, 0.4))
    assert_close(axonml.kaiser_window(10, True, 5.0, device=device), torch.kaiser_window(10, True, 5.0))
    assert_close(axonml.kaiser_window(10, False, 0.5, dtype=axonml.float64), torch.kaiser_window(10, False, 0.5,
                 dtype=torch.float64), "float64")
    window = axonml.hann_window(6, requires_grad=True)
    assert window.requires_grad and window.is_leaf
    assert axonml.hann_window(4).dtype == axonml.get_default_dtype()


@pytest.mark.parametrize("name", WINDOWS)
def test_window_errors(name):
    for call in (lambda m: getattr(m, name)(-1), lambda m: getattr(m, name)(5, dtype=m.int64)):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(axonml)


@pytest.mark.parametrize("args,kwargs", [((0, 2, 5), {}), ((-1.5, 3, 7), {"base": 2.0}), ((1, 0, 4), {}),
                                         ((0, 3, 4), {"dtype": "int64"}), ((0, 1, 1), {}), ((0, 1, 0), {}),
                                         ((0, 2, 6), {"dtype": "float64", "base": 3.0})])
def test_logspace(device, args, kwargs):
    ax_kwargs = {k: getattr(axonml, v) if k == "dtype" else v for k, v in kwargs.items()}
    th_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ours = axonml.logspace(*args, device=device, **ax_kwargs)
    theirs = torch.logspace(*args, **th_kwargs)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_close(ours, theirs, kwargs.get("dtype", "float32"))


def test_logspace_errors():
    with pytest.raises(RuntimeError):
        axonml.logspace(0, 1, -1)
    with pytest.raises(TypeError):
        axonml.logspace(0, 1, 2.5)


@pytest.mark.parametrize("args,kwargs", [((1, 4), {}), ((0, 1, 0.3), {}), ((4, 1, -1), {}), ((2, 2), {}),
                                         ((0, 10, 3), {"dtype": "int64"}), ((0.5, 2.5, 0.5), {"dtype": "float64"})])
def test_range(device, args, kwargs):
    ax_kwargs = {k: getattr(axonml, v) for k, v in kwargs.items()}
    th_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    with pytest.warns(UserWarning, match="deprecated"):
        ours = axonml.range(*args, device=device, **ax_kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.range(*args, **th_kwargs)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_close(ours, theirs, kwargs.get("dtype", "float32"))


def test_range_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in ((0, 1, 0), (1, 0)):
            with pytest.raises(RuntimeError):
                torch.range(*args)
            with pytest.raises(RuntimeError):
                axonml.range(*args)


def test_scalar_tensor(device):
    for value, dtype in ((3, None), (2.5, None), (7, "int64"), (True, "bool"), (1.25, "float64")):
        ours = axonml.scalar_tensor(value, dtype=getattr(axonml, dtype) if dtype else None, device=device)
        theirs = torch.scalar_tensor(value, dtype=getattr(torch, dtype) if dtype else None)
        assert ours.shape == () and str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.item() == theirs.item()
    assert axonml.scalar_tensor(1.0, requires_grad=True).requires_grad
    with pytest.raises(TypeError):
        axonml.scalar_tensor("a")
