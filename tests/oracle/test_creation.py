"""Creation ops against PyTorch: linspace's exact values for every dtype (integer ones included)."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import assert_close

LINSPACE_DTYPES = ["float32", "float64", "int64", "int32", "int16"]
LINSPACE_RANGES = [(0, 10), (-5, 3), (3, -11), (-5.5, 3.7), (0.1, 0.9), (2, 2), (1, 100)]


@pytest.mark.parametrize("dtype", LINSPACE_DTYPES)
@pytest.mark.parametrize("start, end", LINSPACE_RANGES)
@pytest.mark.parametrize("steps", [0, 1, 2, 7, 13, 20, 101])
def test_linspace_values_match_torch_exactly(start, end, steps, dtype, device):
    actual = axonml.linspace(start, end, steps, dtype=getattr(axonml, dtype), device=device)
    expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    assert actual.device.type == device
    assert str(actual.dtype) == str(expected.dtype).replace("torch", "axonml")
    np.testing.assert_array_equal(np.asarray(actual.cpu()), expected.numpy())


def test_linspace_integer_truncates_towards_zero():
    # computed in float64 then truncated: -0.9999999999999998 becomes 0, not -1
    assert axonml.linspace(-5, 3, 7, dtype=axonml.int64).tolist() == [-5, -3, -2, 0, 0, 1, 3]
    assert axonml.linspace(0, 10, 7, dtype=axonml.int64).tolist() == [0, 1, 3, 5, 6, 8, 10]


def test_linspace_uint8_wraps_like_torch():
    assert_close(axonml.linspace(-5, 3, 7, dtype=axonml.uint8), torch.linspace(-5, 3, 7, dtype=torch.uint8))


def test_linspace_errors():
    with pytest.raises(RuntimeError):
        torch.linspace(0, 1, -1)
    with pytest.raises(RuntimeError):
        axonml.linspace(0, 1, -1)
    with pytest.raises(TypeError):
        torch.linspace(0, 1, 2.5)
    with pytest.raises(TypeError):
        axonml.linspace(0, 1, 2.5)
