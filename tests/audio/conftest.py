"""Fixtures for the audio tests: the real speech recording."""
import os

import numpy as np
import pytest

_DEFAULT_SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", ".venv", "share", "axonml-test-data",
                               "sample.wav")


@pytest.fixture(scope="session")
def speech_path():
    """The 30 s, 16 kHz speech recording from pyannote-audio's sdist (make test extracts it);
    AXONML_SPEECH_SAMPLE names another file."""
    path = os.path.abspath(os.environ.get("AXONML_SPEECH_SAMPLE", _DEFAULT_SAMPLE))
    if not os.path.isfile(path):
        pytest.skip(f"speech sample not found (run `make test` set-up or set AXONML_SPEECH_SAMPLE): {path}")
    return path


@pytest.fixture(scope="session")
def speech(speech_path):
    """(float64 mono samples, sample_rate), read by soundfile as the independent reference reader."""
    import soundfile
    samples, sample_rate = soundfile.read(speech_path, dtype="float64", always_2d=True)
    return np.ascontiguousarray(samples[:, 0]), sample_rate
