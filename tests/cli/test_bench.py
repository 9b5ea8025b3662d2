"""`axonml bench` as a user runs it: the table, --json, --profile with traces, and its errors."""
import json


def test_bench_prints_a_table_of_medians(run_cli):
    result = run_cli("bench", "--only", "matmul", "--repeat", "2")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].split()[:3] == ["case", "median", "ms"]
    assert lines[1].startswith("matmul") and float(lines[1].split()[1]) > 0


def test_bench_json_with_profile_and_trace(run_cli, tmp_path):
    result = run_cli("bench", "--only", "lenet-step", "--repeat", "1", "--json", "--profile", "--trace",
                     str(tmp_path / "traces"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    case, = report["results"]
    assert case["case"] == "lenet-step" and case["runs"] == 1 and case["median_ms"] > 0
    profile = case["profile"]
    assert profile["ops"] > 20 and profile["top"][0]["self_ms"] > 0
    trace = json.loads((tmp_path / "traces" / "lenet-step.trace.json").read_text())
    names = {event["name"] for event in trace["traceEvents"]}
    assert {"ConvNd", "ConvNdBackward0", "Optimizer.step#SGD.step"} <= names


def test_bench_errors(run_cli):
    result = run_cli("bench", "--only", "nonsense")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    result = run_cli("bench", "--trace", "x")
    assert result.returncode == 1 and "--trace needs --profile" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("bench", "--device", "tpu", "--only", "matmul")
    assert result.returncode == 1 and "tpu" in result.stderr and "Traceback" not in result.stderr
