"""The ONNX backend node test cases (shipped in the `onnx` package) run through axonml.onnx.load.

    python -m tests.onnx.node_conformance            # rewrite the table in docs/onnx.md
    python -m tests.onnx.node_conformance --check    # exit 1 if that table is out of date

A case is in scope when every op of its graph is one axonml claims (axonml.onnx.claimed_ops()).
Cases with one op are counted under that op; the function-expanded cases (several primitive
ops standing for one function op) are counted under "expanded functions". A case is
"unsupported type" when load() refuses it for an element type or a value kind (sequence,
optional) that axonml has no tensor for; every other case must run and match the expected
outputs within the case's own rtol/atol.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import warnings

import numpy as np
from onnx import TensorProto, numpy_helper

import axonml
from axonml import onnx as axonml_onnx

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "onnx.md")
BEGIN, END = "<!-- node-tests:begin -->", "<!-- node-tests:end -->"
EXPANDED = "expanded functions"

# Cases of claimed ops that axonml runs but does not match, each with its reason.
KNOWN_FAILURES = {
    **{name: "float16/bfloat16 attention: outputs differ from the expected ones by up to half a unit in the "
             "last place of the half type, beyond the case's rtol of 1e-3" for name in (
        "test_attention_4d_causal_bf16_expanded", "test_attention_4d_causal_fp16_expanded",
        "test_attention_4d_padded_kv_bf16_expanded", "test_attention_4d_causal_padded_kv_bf16_expanded",
        "test_attention_4d_attn_mask_causal_bf16_expanded", "test_attention_3d_causal_bf16_expanded")},
    **{name: "training-mode dropout draws from axonml's RNG, the expected output from NumPy's" for name in (
        "test_training_dropout_default", "test_training_dropout_default_mask", "test_training_dropout",
        "test_training_dropout_mask")},
}


def load_cases():
    """Every node case of the installed onnx package (generated in memory; takes some seconds)."""
    from onnx.backend.test.loader import load_model_tests
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_model_tests(kind="node")


def op_of(case) -> str | None:
    """The op a case is counted under, or None when it uses an op axonml does not claim."""
    ops = {node.op_type for node in case.model.graph.node}
    if not ops <= set(axonml_onnx.claimed_ops()):
        return None
    return next(iter(ops)) if len(ops) == 1 else EXPANDED


def _array(value) -> np.ndarray:
    return numpy_helper.to_array(value) if isinstance(value, TensorProto) else np.asarray(value)


def is_type_refusal(error: NotImplementedError) -> bool:
    """Whether load() refused the model only for element types or value kinds axonml has no tensor for."""
    lines = [line.strip() for line in str(error).splitlines()[1:] if line.strip()]
    return bool(lines) and all(("has no axonml dtype" in line or "has no such dtype" in line or "only tensor" in line or
                                line.startswith(("Sequence", "Optional"))) for line in lines)


def run_case(case) -> str:
    """'passed' or 'unsupported type'; raises AssertionError (or the op's error) on a mismatch."""
    try:
        model = axonml_onnx.load(case.model)
    except NotImplementedError as error:
        if is_type_refusal(error):
            return "unsupported type"
        raise
    for inputs, expected in case.data_sets:
        with axonml.no_grad():
            got = model(*[_array(value) for value in inputs])
        got = got if isinstance(got, tuple) else (got,)
        assert len(got) == len(expected), f"{len(got)} outputs, expected {len(expected)}"
        for index, (value, reference) in enumerate(zip(got, expected)):
            value, reference = value.detach().cpu().numpy(), _array(reference)
            assert value.shape == reference.shape, f"output {index}: shape {value.shape}, expected {reference.shape}"
            assert value.dtype == reference.dtype, f"output {index}: dtype {value.dtype}, expected {reference.dtype}"
            if reference.dtype.kind in "fV":
                np.testing.assert_allclose(value.astype(np.float64), reference.astype(np.float64), rtol=case.rtol,
                                           atol=case.atol, err_msg=f"output {index}")
            else:
                np.testing.assert_array_equal(value, reference, err_msg=f"output {index}")
    return "passed"


def tally(cases) -> dict:
    """{op: Counter(passed=, unsupported type=, failed=)} over the in-scope cases."""
    counts: dict = collections.defaultdict(collections.Counter)
    for case in cases:
        op = op_of(case)
        if op is None:
            continue
        try:
            outcome = run_case(case)
        except Exception:  # noqa: BLE001 - any error is a failed case here
            outcome = "failed"
        counts[op][outcome] += 1
    return counts


def table(counts: dict) -> str:
    total = collections.Counter()
    for row in counts.values():
        total.update(row)
    cases = sum(total.values())
    typed = cases - total["unsupported type"]
    lines = [
        f"{len(counts) - (EXPANDED in counts)} claimed ops; {cases} node cases use only claimed ops "
        f"(onnx {__import__('onnx').__version__}).",
        "",
        f"- passed: **{total['passed']} of {typed}** cases within axonml's element types "
        f"({100 * total['passed'] / max(typed, 1):.1f}%)",
        f"- passed: {total['passed']} of all {cases} cases ({100 * total['passed'] / max(cases, 1):.1f}%); "
        f"{total['unsupported type']} need an element type or value kind axonml has no tensor for "
        "(string, sequences, optionals) and are refused at load time with NotImplementedError",
        "",
        "Claimed ops: " + ", ".join(f"`{op}`" for op in axonml_onnx.claimed_ops()) + ".",
        "",
        "| op | cases | passed | unsupported type | failed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for op in sorted(counts, key=lambda name: (name == EXPANDED, name)):
        row = counts[op]
        lines.append(f"| {op} | {sum(row.values())} | {row['passed']} | {row['unsupported type']} | "
                     f"{row['failed']} |")
    return "\n".join(lines)


def _render(document: str, generated: str) -> str:
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(document):
        raise SystemExit(f"{DOC} has no {BEGIN} ... {END} block")
    return pattern.sub(lambda match: f"{BEGIN}\n{generated}\n{END}", document)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/onnx.md is out of date")
    args = parser.parse_args(argv)
    with open(DOC, encoding="utf-8") as handle:
        document = handle.read()
    updated = _render(document, table(tally(load_cases())))
    if args.check:
        if updated != document:
            print("docs/onnx.md is out of date: run python -m tests.onnx.node_conformance", file=sys.stderr)
            return 1
        return 0
    with open(DOC, "w", encoding="utf-8") as handle:
        handle.write(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
