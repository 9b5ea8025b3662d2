"""Imported ONNX models on axonml against ONNX Runtime (CPU) in the same process.

    pytest benchmarks/test_bench_onnx.py -s

The real models of the test suite (PP-OCR detection, recognition and direction classification
from rapidocr-onnxruntime, Silero VAD), one inference each: axonml with one thread against ONNX
Runtime with one intra-op thread, both with their default thread counts, and axonml on
OpenCL against ONNX Runtime's default CPU run. Each case records ``ratio_vs_onnxruntime``
(axonml time / ONNX Runtime time, lower is better).
"""
import importlib.metadata

import numpy as np
import onnxruntime
import pytest

import axonml
import axonml.onnx


def _model_path(package, filename):
    distribution = importlib.metadata.distribution(package)
    return str(distribution.locate_file(next(f for f in distribution.files if str(f).endswith("/" + filename))))


_RNG = np.random.default_rng(0)
MODELS = {
    "ppocr-det": ("rapidocr-onnxruntime", "ch_PP-OCRv4_det_infer.onnx",
                  lambda: [_RNG.random((1, 3, 320, 320), dtype=np.float32)]),
    "ppocr-rec": ("rapidocr-onnxruntime", "ch_PP-OCRv4_rec_infer.onnx",
                  lambda: [_RNG.random((1, 3, 48, 320), dtype=np.float32)]),
    "ppocr-cls": ("rapidocr-onnxruntime", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                  lambda: [_RNG.random((1, 3, 48, 192), dtype=np.float32)]),
    "silero-vad": ("silero-vad", "silero_vad.onnx",
                   lambda: [0.1 * _RNG.standard_normal((1, 512), dtype=np.float32), np.zeros((2, 1, 128), np.float32),
                            np.array(16000, np.int64)]),
}
ROUNDS = {"ppocr-det": 5, "ppocr-rec": 5, "ppocr-cls": 10, "silero-vad": 30}


def _session(path, threads):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def _runner(model, inputs, device):
    values = [axonml.tensor(value, device=device) for value in inputs]

    def run():
        with axonml.no_grad():
            outputs = model(*values)
        for output in outputs if isinstance(outputs, tuple) else (outputs,):
            output.cpu().numpy()  # wait for the device
    return run


@pytest.mark.parametrize("thread_mode", ["one-thread", "default-threads"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_model_cpu(compare, benchmark, name, thread_mode):
    package, filename, make_inputs = MODELS[name]
    path = _model_path(package, filename)
    inputs = make_inputs()
    session = _session(path, 1 if thread_mode == "one-thread" else 0)
    feed = {meta.name: value for meta, value in zip(session.get_inputs(), inputs)}
    model = axonml.onnx.load(path)
    previous = axonml.get_num_threads()
    if thread_mode == "one-thread":
        axonml.set_num_threads(1)
    try:
        compare(_runner(model, inputs, "cpu"), lambda: session.run(None, feed), rounds=ROUNDS[name],
                name="onnxruntime", warmup=1, blocks=1)
        benchmark.extra_info["axonml_threads"] = axonml.get_num_threads()
    finally:
        axonml.set_num_threads(previous)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_model_opencl(compare, benchmark, name):
    from axonml import opencl
    if not opencl.is_available():
        pytest.skip("no OpenCL platform")
    package, filename, make_inputs = MODELS[name]
    path = _model_path(package, filename)
    inputs = make_inputs()
    session = _session(path, 0)
    feed = {meta.name: value for meta, value in zip(session.get_inputs(), inputs)}
    model = axonml.onnx.load(path).to("opencl")
    compare(_runner(model, inputs, "opencl"), lambda: session.run(None, feed), rounds=ROUNDS[name],
            name="onnxruntime", warmup=2, blocks=1)
    benchmark.extra_info["axonml_device"] = str(opencl.default_device() if hasattr(opencl, "default_device")
                                                else "opencl")
