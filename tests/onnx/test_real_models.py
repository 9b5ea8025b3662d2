"""Real models imported from their packages, against ONNX Runtime on the same inputs (rtol 1e-3, atol 1e-4)."""
import numpy as np
import onnxruntime
import pytest

import axonml
import axonml.onnx

RTOL, ATOL = 1e-3, 1e-4

PP_OCR = {
    "det": ("ch_PP-OCRv4_det_infer.onnx", (1, 3, 96, 128)),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", (1, 3, 48, 80)),
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (2, 3, 48, 96)),
}


def _reference(path, inputs):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {meta.name: value for meta, value in zip(session.get_inputs(), inputs)})


def _run(model, inputs, device):
    with axonml.no_grad():
        outputs = model(*[axonml.tensor(value, device=device) for value in inputs])
    return [value.cpu().numpy() for value in (outputs if isinstance(outputs, tuple) else (outputs,))]


def _image(shape, seed):
    """A normalised image-like input: smooth gradients plus strokes, as the OCR models expect."""
    rng = np.random.default_rng(seed)
    batch, channels, height, width = shape
    rows, columns = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
    image = np.stack([np.sin(3 * rows + c) * np.cos(5 * columns) for c in range(channels)])
    strokes = (rng.random((batch, 1, height, width)) > 0.97).astype(np.float32)
    return (0.5 * image[None] + strokes - 0.2).astype(np.float32).repeat(batch, 0)[:, :channels]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PP_OCR))
def test_pp_ocr_matches_onnxruntime(real_model, name, device):
    filename, shape = PP_OCR[name]
    path = real_model("rapidocr-onnxruntime", filename)
    inputs = [_image(shape, seed=len(name))]
    model = axonml.onnx.load(path).to(device)
    for got, expected in zip(_run(model, inputs, device), _reference(path, inputs), strict=True):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.slow
@pytest.mark.parametrize("rate, chunk", [(16000, 512), (8000, 256)])
def test_silero_vad_matches_onnxruntime_over_a_stream(real_model, device, rate, chunk):
    path = real_model("silero-vad", "silero_vad.onnx")
    model = axonml.onnx.load(path).to(device)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    time = np.arange(4 * chunk) / rate
    rng = np.random.default_rng(0)
    # silence, then a voiced-like harmonic tone, carrying the recurrent state from chunk to chunk
    tone = 0.3 * np.sin(2 * np.pi * 220 * time) + 0.1 * np.sin(2 * np.pi * 660 * time)
    audio = np.where(time < time[chunk], 0.0, tone)
    audio = (audio + 0.01 * rng.standard_normal(audio.shape)).astype(np.float32)
    state = np.zeros((2, 1, 128), np.float32)
    reference_state = state
    sample_rate = np.array(rate, np.int64)
    for start in range(0, len(audio), chunk):
        piece = audio[None, start:start + chunk]
        probability, state = _run(model, [piece, state, sample_rate], device)
        expected, reference_state = session.run(None, {"input": piece, "state": reference_state, "sr": sample_rate})
        np.testing.assert_allclose(probability, expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(state, reference_state, rtol=RTOL, atol=ATOL)
