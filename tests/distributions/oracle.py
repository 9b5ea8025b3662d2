"""One oracle for the distribution tests: build the same distribution in axonml and in torch from the same
NumPy parameters, and compare any of their results."""
import numpy as np
import torch

import axonml
import axonml.distributions as D
import torch.distributions as TD

# float64 on the CPU; OpenCL runs float32, so its results are compared at float32 precision
TOLERANCE = {"cpu": dict(rtol=1e-9, atol=1e-10), "opencl": dict(rtol=2e-4, atol=2e-5)}


def dtype_for(device):
    return np.float64 if device == "cpu" else np.float32


class Lib:
    """Tensor construction for one library: ``lib.t(array)`` and the distributions namespace ``lib.D``."""

    def __init__(self, name, device="cpu"):
        self.name = name
        self.device = device
        self.D = D if name == "axonml" else TD

    def t(self, array, requires_grad=False):
        array = np.asarray(array)
        if self.name == "axonml":
            return axonml.tensor(array, device=self.device, requires_grad=requires_grad)
        return torch.tensor(array, requires_grad=requires_grad)


def pair(device):
    return Lib("axonml", device), Lib("torch")


def numpy_of(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, axonml.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(ours, theirs, device="cpu", **overrides):
    ours, theirs = numpy_of(ours), numpy_of(theirs)
    precision = "opencl" if ours.dtype == np.float32 or theirs.dtype == np.float32 else device
    tolerance = dict(TOLERANCE[precision], **overrides)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), equal_nan=True, **tolerance)
