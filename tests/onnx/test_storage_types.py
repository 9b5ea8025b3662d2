"""ONNX models holding the float8, float4, sub-byte and wide unsigned types, against onnx.reference."""
import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import axonml
import axonml.onnx

_PACKED = [(TensorProto.INT4, ml_dtypes.int4, axonml.int4, np.arange(-8, 8)),
           (TensorProto.UINT4, ml_dtypes.uint4, axonml.uint4, np.arange(0, 16)),
           (TensorProto.INT2, ml_dtypes.int2, axonml.int2, np.arange(-2, 2)),
           (TensorProto.UINT2, ml_dtypes.uint2, axonml.uint2, np.arange(0, 4)),
           (TensorProto.FLOAT4E2M1, ml_dtypes.float4_e2m1fn, axonml.float4_e2m1fn,
            np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.5, -1, -1.5, -2, -3, -4, -6]))]


def _model(nodes, inputs, outputs, initializers=(), opset=23):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def _run_both(model, *inputs):
    expected = ReferenceEvaluator(model).run(None, dict(zip([i.name for i in model.graph.input], inputs)))
    with axonml.no_grad():
        got = axonml.onnx.load(model)(*inputs)
    got = got if isinstance(got, tuple) else (got,)
    return [value.numpy() for value in got], expected


@pytest.mark.parametrize("code, np_type, dtype, values", _PACKED, ids=lambda v: getattr(v, "__name__", None))
def test_packed_initializers_and_constants_are_unpacked(code, np_type, dtype, values):
    """An odd element count leaves a half-used last byte: the unpacking must stop at the shape."""
    data = np.resize(values, 7 * 3).reshape(7, 3).astype(np_type)
    initializer = numpy_helper.from_array(data, "w")
    assert len(initializer.raw_data) < data.size  # stored packed, several elements to a byte
    constant = helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(data[::-1].copy(), "c"))
    nodes = [constant, helper.make_node("Cast", ["w"], ["w32"], to=TensorProto.FLOAT),
             helper.make_node("Cast", ["c"], ["c32"], to=TensorProto.FLOAT),
             helper.make_node("Identity", ["w"], ["w_out"])]
    model = _model(nodes, [], [helper.make_tensor_value_info("w32", TensorProto.FLOAT, [7, 3]),
                               helper.make_tensor_value_info("c32", TensorProto.FLOAT, [7, 3]),
                               helper.make_tensor_value_info("w_out", code, [7, 3])], [initializer])
    module = axonml.onnx.load(model)
    assert module.w.dtype == dtype
    w32, c32, w_out = module()
    np.testing.assert_array_equal(w32.numpy(), data.astype(np.float32))
    np.testing.assert_array_equal(c32.numpy(), data[::-1].astype(np.float32))
    assert w_out.dtype == dtype and w_out.numpy().dtype == np_type
    np.testing.assert_array_equal(w_out.numpy().view(np.uint8), data.view(np.uint8))


_FLOAT8 = {TensorProto.FLOAT8E4M3FN: axonml.float8_e4m3fn, TensorProto.FLOAT8E4M3FNUZ: axonml.float8_e4m3fnuz,
           TensorProto.FLOAT8E5M2: axonml.float8_e5m2, TensorProto.FLOAT8E5M2FNUZ: axonml.float8_e5m2fnuz}
_EDGES = np.array([0.0, -0.0, 1e-9, 0.3, -0.3, 239.0, 241.0, 447.0, 449.0, 465.0, -500.0, 57344.0, 61439.0, 61441.0,
                   1e6, -1e6, np.inf, -np.inf, np.nan], np.float32)


@pytest.mark.parametrize("code", list(_FLOAT8), ids=TensorProto.DataType.Name)
@pytest.mark.parametrize("saturate", [0, 1])
@pytest.mark.parametrize("source", [TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE],
                         ids=TensorProto.DataType.Name)
def test_cast_to_float8_saturates_as_the_attribute_says(code, saturate, source):
    with np.errstate(over="ignore"):  # float16 holds neither 1e6 nor 61441: they become infinities
        x = _EDGES.astype(helper.tensor_dtype_to_np_dtype(source))
    model = _model([helper.make_node("Cast", ["x"], ["y"], to=code, saturate=saturate)],
                   [helper.make_tensor_value_info("x", source, [x.size])],
                   [helper.make_tensor_value_info("y", code, [x.size])])
    (got,), (expected,) = _run_both(model, x)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.astype(np.float32), expected.astype(np.float32))


@pytest.mark.parametrize("round_mode", ["up", "down", "nearest"])
@pytest.mark.parametrize("saturate", [0, 1])
def test_cast_to_float8_e8m0_rounds_as_round_mode_says(round_mode, saturate):
    x = np.concatenate([_EDGES, np.array([1.5, 3.0, 0.75, 1.0000001, 2.0 ** 127 * 1.5, 2.0 ** -127, 5e-39],
                                         np.float32)])
    model = _model([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT8E8M0, saturate=saturate,
                                     round_mode=round_mode)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [x.size])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT8E8M0, [x.size])], opset=24)
    (got,), (expected,) = _run_both(model, x)
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))


def test_an_unknown_round_mode_is_refused_at_load_time():
    model = _model([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT8E8M0, round_mode="sideways")],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT8E8M0, [2])], opset=24)
    with pytest.raises(NotImplementedError, match="round_mode 'sideways'"):
        axonml.onnx.load(model)


@pytest.mark.parametrize("code", [TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64],
                         ids=TensorProto.DataType.Name)
def test_wide_unsigned_arithmetic_wraps_and_compares_as_unsigned(code):
    np_type = helper.tensor_dtype_to_np_dtype(code)
    top = np.iinfo(np_type).max
    a = np.array([0, 1, top, top - 1, 7], np_type)
    b = np.array([1, top, 2, top, 3], np_type)
    ops = ["Add", "Sub", "Mul", "Div", "Mod", "Max", "Min", "Greater", "Less", "Equal", "BitwiseAnd"]
    nodes = [helper.make_node(op, ["a", "b"], [op]) for op in ops]
    boolean = {"Greater", "Less", "Equal"}
    model = _model(nodes, [helper.make_tensor_value_info("a", code, [5]), helper.make_tensor_value_info("b", code, [5])],
                   [helper.make_tensor_value_info(op, TensorProto.BOOL if op in boolean else code, [5]) for op in ops])
    got, expected = _run_both(model, a, b)
    for op, value, reference in zip(ops, got, expected):
        assert value.dtype == reference.dtype, op
        np.testing.assert_array_equal(value, reference, err_msg=op)
