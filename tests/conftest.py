"""Shared fixtures: the device fixture runs device-neutral tests on cpu and on opencl."""
import os

import numpy as np
import pytest

import axonml

from .opencl_gate import require_opencl

SHARED_DATA = os.environ.get("AXONML_SHARED_DATA",
                             os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", ["cpu", "opencl"], indirect=True)


@pytest.fixture
def device(request):
    """'cpu' or 'opencl'. Without an OpenCL platform opencl cases skip, or fail under AXONML_REQUIRE_OPENCL=1."""
    if request.param == "opencl":
        require_opencl()
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    axonml.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def shared_data():
    """The folder of real datasets (MNIST IDX files, UCI digits); skips when it is absent."""
    path = os.path.abspath(SHARED_DATA)
    if not os.path.isdir(path):
        pytest.skip(f"real data folder not found (set AXONML_SHARED_DATA): {path}")
    return path
