"""Fixtures for the ONNX tests: the real models, found in the packages that ship them."""
import importlib.metadata

import pytest


def packaged_model(package: str, filename: str) -> str:
    """The path of an .onnx file installed by package (a data package of the test setup)."""
    distribution = importlib.metadata.distribution(package)
    for file in distribution.files or ():
        if str(file).endswith("/" + filename) or str(file) == filename:
            return str(distribution.locate_file(file))
    raise FileNotFoundError(f"{filename} is not in the installed package {package}")


@pytest.fixture(scope="session")
def real_model():
    return packaged_model
