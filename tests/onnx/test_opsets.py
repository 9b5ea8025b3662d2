"""Ops whose definition changed between opsets 11 and 21, each at its old and new opset, against ONNX Runtime."""
import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import axonml
import axonml.onnx

_RNG = np.random.default_rng(7)
X = _RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)


def _model(opset, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "case", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    # the outputs' shapes, which the checker requires, from ONNX's own shape inference
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for output in model.graph.output:
        if not output.type.tensor_type.HasField("shape"):  # ops shape inference leaves open keep X's shape
            output.type.tensor_type.shape.CopyFrom(model.graph.input[0].type.tensor_type.shape)
    return model


def _float(name, shape=None):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


CASES = {
    # Softmax flattened to 2-D at axis before opset 13, a single axis after
    "softmax-11": (11, [helper.make_node("Softmax", ["x"], ["y"], axis=1)], []),
    "softmax-13": (13, [helper.make_node("Softmax", ["x"], ["y"], axis=1)], []),
    "logsoftmax-11-default-axis": (11, [helper.make_node("LogSoftmax", ["x"], ["y"])], []),
    # Split sizes: an attribute, then an input (13), then num_outputs (18)
    "split-11": (11, [helper.make_node("Split", ["x"], ["y", "z"], axis=3, split=[2, 3])], []),
    "split-13": (13, [helper.make_node("Split", ["x", "sizes"], ["y", "z"], axis=3)], [_ints("sizes", [2, 3])]),
    "split-18": (18, [helper.make_node("Split", ["x"], ["y", "z"], axis=2, num_outputs=2)], []),
    # reduction axes: attributes, then an input (ReduceSum 13, the others 18)
    "reducesum-11": (11, [helper.make_node("ReduceSum", ["x"], ["y"], axes=[1, 3], keepdims=0)], []),
    "reducesum-13": (13, [helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)], [_ints("axes", [1, 3])]),
    "reducemean-13": (13, [helper.make_node("ReduceMean", ["x"], ["y"], axes=[-1])], []),
    "reducemean-18": (18, [helper.make_node("ReduceMean", ["x", "axes"], ["y"])], [_ints("axes", [-1])]),
    "reducemax-18-noop": (18, [helper.make_node("ReduceMax", ["x"], ["y"], noop_with_empty_axes=1)], []),
    # Squeeze / Unsqueeze axes: attribute before 13
    "unsqueeze-11": (11, [helper.make_node("Unsqueeze", ["x"], ["y"], axes=[0, 5])], []),
    "unsqueeze-13": (13, [helper.make_node("Unsqueeze", ["x", "axes"], ["y"])], [_ints("axes", [0, 5])]),
    "squeeze-11": (11, [helper.make_node("Unsqueeze", ["x"], ["u"], axes=[1]),
                        helper.make_node("Squeeze", ["u"], ["y"], axes=[1])], []),
    # Clip bounds: inputs from 11 (absent ones unbounded)
    "clip-11-max-only": (11, [helper.make_node("Clip", ["x", "", "high"], ["y"])],
                         [numpy_helper.from_array(np.array(0.5, np.float32), "high")]),
    # Pad: pads input (11), constant_value, axes (18); modes
    "pad-11-reflect": (11, [helper.make_node("Pad", ["x", "pads"], ["y"], mode="reflect")],
                       [_ints("pads", [0, 0, 1, 2, 0, 0, 2, 1])]),
    "pad-18-axes-edge": (18, [helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], mode="edge")],
                         [_ints("pads", [1, 2, 2, 0]), _ints("axes", [2, 3])]),
    # Resize: roi and scales inputs (11), sizes; coordinate modes
    "resize-11-linear-align": (11, [helper.make_node("Resize", ["x", "roi", "scales"], ["y"], mode="linear",
                                                     coordinate_transformation_mode="align_corners")],
                               [numpy_helper.from_array(np.array([], np.float32), "roi"),
                                # whole output sizes: with fractional ones ONNX Runtime and the ONNX reference
                                # (which the node tests follow, and axonml too) differ
                                numpy_helper.from_array(np.array([1, 1, 2, 1.6], np.float32), "scales")]),
    "resize-13-cubic-sizes": (13, [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="cubic")],
                              [_ints("sizes", [2, 3, 7, 9])]),
    "resize-19-nearest-half-pixel-symmetric": (
        19, [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
                              coordinate_transformation_mode="half_pixel_symmetric")],
        [numpy_helper.from_array(np.array([1, 1, 1.7, 0.6], np.float32), "scales")]),
    # Slice with negative steps, Gather with negative indices
    "slice-13-negative-step": (13, [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
                               [_ints("starts", [-1, 4]), _ints("ends", [-10, 0]), _ints("axes", [2, 3]),
                                _ints("steps", [-2, -1])]),
    "gather-13-negative": (13, [helper.make_node("Gather", ["x", "index"], ["y"], axis=3)],
                           [_ints("index", [[-1, 0], [2, -2]])]),
    # LayerNormalization (17) and GroupNormalization's per-channel scale (21)
    "layernorm-17": (17, [helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=2)],
                     [numpy_helper.from_array(_RNG.standard_normal((4, 5)).astype(np.float32), "scale"),
                      numpy_helper.from_array(_RNG.standard_normal((4, 5)).astype(np.float32), "bias")]),
    "groupnorm-21": (21, [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=3)],
                     [numpy_helper.from_array(_RNG.standard_normal(3).astype(np.float32), "scale"),
                      numpy_helper.from_array(_RNG.standard_normal(3).astype(np.float32), "bias")]),
    # Gelu (20), Mish (18), HardSwish (14)
    "gelu-20-tanh": (20, [helper.make_node("Gelu", ["x"], ["y"], approximate="tanh")], []),
    "mish-18": (18, [helper.make_node("Mish", ["x"], ["y"])], []),
    "hardswish-14": (14, [helper.make_node("HardSwish", ["x"], ["y"])], []),
    # pooling: ceil_mode, asymmetric pads, dilations (AveragePool 19)
    "maxpool-12-ceil-dilated": (12, [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                                                      dilations=[1, 2], ceil_mode=1)], []),
    "averagepool-19-dilated-pads": (19, [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2],
                                                          dilations=[2, 1], pads=[1, 0, 0, 1],
                                                          count_include_pad=0)], []),
}


def _outputs(nodes):
    produced = [name for node in nodes for name in node.output]
    return [name for name in produced if not any(name in node.input for node in nodes)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_opset_definitions_match_onnxruntime(name):
    opset, nodes, initializers = CASES[name]
    model = _model(opset, nodes, [_float("x", list(X.shape))], [_float(out) for out in _outputs(nodes)],
                   initializers)
    data = model.SerializeToString()
    expected = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": X})
    got = axonml.onnx.load(model)(X)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    for value, reference in zip(got, expected):
        assert tuple(value.shape) == reference.shape
        np.testing.assert_allclose(value.detach().numpy(), reference, rtol=1e-5, atol=1e-5)
