"""The onnx package's backend node cases for every op axonml claims, one test per case."""
import re

import pytest

from tests.onnx import node_conformance as conformance

_CASES = [case for case in conformance.load_cases() if conformance.op_of(case) is not None]


def _param(case):
    marks = ()
    if case.name in conformance.KNOWN_FAILURES:
        marks = pytest.mark.xfail(reason=conformance.KNOWN_FAILURES[case.name], strict=True)
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in _CASES])
def test_node_case(case):
    assert conformance.run_case(case) in ("passed", "unsupported type")


def test_claimed_ops_cover_the_issue_list():
    required = {"Add", "Sub", "Mul", "Div", "Pow", "Relu", "Sigmoid", "Tanh", "MatMul", "Gemm", "Conv",
                "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
                "LayerNormalization", "Softmax", "LogSoftmax", "Reshape", "Transpose", "Concat", "Split", "Slice",
                "Gather", "Squeeze", "Unsqueeze", "Flatten", "Expand", "Shape", "Cast", "Constant",
                "ConstantOfShape", "Where", "ReduceMean", "ReduceSum", "Resize", "Pad", "Clip", "Erf", "Range",
                "If", "Loop", "LSTM", "GRU", "RNN"}
    assert required <= set(conformance.axonml_onnx.claimed_ops())


def test_docs_table_is_current_and_meets_the_target():
    counts = conformance.tally(_CASES)
    with open(conformance.DOC, encoding="utf-8") as handle:
        document = handle.read()
    assert conformance._render(document, conformance.table(counts)) == document, \
        "docs/onnx.md is out of date: run python -m tests.onnx.node_conformance"
    passed = sum(row["passed"] for row in counts.values())
    cases = sum(sum(row.values()) for row in counts.values())
    assert passed / cases >= 0.95, f"{passed} of {cases} node cases pass (the refused ones counted as failures)"
    assert re.search(r"passed: \*\*\d+ of \d+\*\*", document)
