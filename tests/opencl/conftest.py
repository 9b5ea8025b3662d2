"""The OpenCL-only tests run only where an OpenCL device can run axonml's kernels (tests/opencl_gate.py)."""
import pytest

from ..opencl_gate import require_opencl


@pytest.fixture(autouse=True)
def _require_opencl():
    require_opencl()


@pytest.fixture
def backend():
    from axonml.backends.opencl import get_opencl_backend
    return get_opencl_backend(0)
