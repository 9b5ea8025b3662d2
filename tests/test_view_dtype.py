"""Tensor.view(dtype): the same bytes read as another type, a view of the same memory, errors as torch's."""
import numpy as np
import pytest
import torch

import axonml

TYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8"]


@pytest.mark.parametrize("source", ["float32", "float64", "int16", "uint8"])
@pytest.mark.parametrize("target", TYPES)
def test_view_dtype_reads_the_same_bytes_as_torch(source, target, device):
    values = np.arange(1, 17, dtype=np.float64).reshape(2, 8)
    ours = axonml.from_numpy(values.astype(getattr(np, source))).to(device)
    theirs = torch.from_numpy(values.astype(getattr(np, source)))
    try:
        expected = theirs.view(getattr(torch, target))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            ours.view(getattr(axonml, target))
        return
    result = ours.view(getattr(axonml, target))
    assert tuple(result.shape) == tuple(expected.shape) and result.dtype is getattr(axonml, target)
    assert result.cpu().view(axonml.uint8).numpy().tobytes() == expected.contiguous().view(torch.uint8).numpy().tobytes()


def test_view_dtype_shares_memory_and_never_requires_grad(device):
    x = axonml.zeros(4, dtype=axonml.int32).to(device)
    x.view(axonml.float32).fill_(1.0)
    assert x.tolist() == [1065353216] * 4
    floats = axonml.ones(2, 4, requires_grad=True).to(device)
    assert not floats.view(axonml.int32).requires_grad
    assert not floats.view(axonml.float16).requires_grad


@pytest.mark.parametrize("shape, make, target", [
    ((4, 4), lambda x: x.t(), "int8"),                  # last dim not contiguous
    ((3,), lambda x: x, "float64"),                     # size(-1) not divisible
    ((4, 4), lambda x: x[:, 1:3], "float64"),           # storage offset not divisible
    ((), lambda x: x, "float16"),                       # 0-d, different sizes
])
def test_view_dtype_errors_match_torch(shape, make, target, device):
    with pytest.raises(RuntimeError) as theirs:
        make(torch.ones(shape)).view(getattr(torch, target))
    with pytest.raises(RuntimeError) as ours:
        make(axonml.ones(shape).to(device)).view(getattr(axonml, target))
    assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]
