"""Whether the OpenCL tests run here: they skip without a usable OpenCL device, or fail under
AXONML_REQUIRE_OPENCL=1 when no platform is installed at all. A device that is present but whose
compiler cannot build kernels for this machine (PoCL 3.0 on a CPU its LLVM does not know) skips
them with the compiler's reason, under AXONML_REQUIRE_OPENCL=1 too."""
import os

import pytest


def require_opencl() -> None:
    """Skip (or fail) the calling test unless an OpenCL device can run axonml's kernels."""
    from axonml import opencl
    from axonml.opencl import _devices
    if opencl.is_available():
        return
    broken = _devices.unusable()
    if broken:
        pytest.skip("OpenCL device(s) cannot compile kernels here: " +
                    "; ".join(f"{name}: {reason}" for name, reason in broken))
    if os.environ.get("AXONML_REQUIRE_OPENCL") == "1":
        pytest.fail("AXONML_REQUIRE_OPENCL=1 but no OpenCL platform/device is available")
    pytest.skip("no OpenCL platform")
