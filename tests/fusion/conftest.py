"""Fused kernels are built into a cache under a temporary AXONML_HOME, shared by the session."""
import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _kernel_cache(tmp_path_factory):
    previous = os.environ.get("AXONML_HOME")
    os.environ["AXONML_HOME"] = str(tmp_path_factory.mktemp("axonml_home"))
    yield
    if previous is None:
        os.environ.pop("AXONML_HOME", None)
    else:
        os.environ["AXONML_HOME"] = previous
