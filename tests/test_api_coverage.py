"""The API coverage report: it runs against the installed torch, and the committed page is the one it writes."""
import os

from tests import api_coverage


def test_the_report_lists_present_and_missing_names_per_namespace():
    results = {r["label"]: r for r in api_coverage.survey()}
    assert {"torch", "Tensor", "nn", "nn.functional", "linalg", "optim"} <= set(results)
    torch_ns = results["torch"]
    assert "matmul" in torch_ns["present"] and "cuda" not in torch_ns["present"] + torch_ns["missing"]
    assert any("CUDA" in reason for reason in torch_ns["excluded"])
    page = api_coverage.render(list(results.values()))
    assert "| torch |" in page and "## Exclusion rules" in page


def test_the_committed_page_is_up_to_date():
    page = os.path.join(os.path.dirname(api_coverage.__file__), "..", "docs", "api-coverage.md")
    assert api_coverage.main(["--check", "--output", page]) == 0, \
        "docs/api-coverage.md is out of date: run python -m tests.api_coverage"
