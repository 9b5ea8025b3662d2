"""The OpenCL-only tests skip without an OpenCL device, or fail under AXONML_REQUIRE_OPENCL=1."""
import os

import pytest

from axonml import opencl


@pytest.fixture(autouse=True)
def _require_opencl():
    if not opencl.is_available():
        if os.environ.get("AXONML_REQUIRE_OPENCL") == "1":
            pytest.fail("AXONML_REQUIRE_OPENCL=1 but no OpenCL platform/device is available")
        pytest.skip("no OpenCL platform")


@pytest.fixture
def backend():
    from axonml.backends.opencl import get_opencl_backend
    return get_opencl_backend(0)
