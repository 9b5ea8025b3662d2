"""The conventions every command follows: --version, --help with examples, exit codes 0/1/2, and errors
as one line on stderr unless --debug asks for the traceback."""

import pytest

from .fake_servers import cli, run_axonml  # noqa: F401 - the fixture

MY_FAMILIES = ["data", "zip", "upload", "gpu", "hub", "dataset", "kaggle"]


def test_version_usage_errors_and_debug(cli, tmp_path):  # noqa: F811
    result = run_axonml("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("axonml ")
    result = cli()
    assert result.returncode == 2 and "required" in result.stderr
    result = cli("data", "info", "--bogus-flag", "x")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr
    quiet = run_axonml("zip", "list", "missing.zip", cwd=tmp_path)
    assert quiet.returncode == 1 and quiet.stderr.count("\n") == 1 and "Traceback" not in quiet.stderr
    for argv in (("--debug", "zip", "list", "missing.zip"), ("zip", "list", "missing.zip", "--debug")):
        loud = run_axonml(*argv, cwd=tmp_path)
        assert loud.returncode == 1 and "Traceback (most recent call last)" in loud.stderr
        assert loud.stderr.rstrip().endswith(quiet.stderr.rstrip())


def test_an_unexpected_exception_is_one_line_with_a_hint(capsys):
    from axonml.cli.errors import report
    assert report("data", ZeroDivisionError("division by zero"), debug=False) == 1
    err = capsys.readouterr().err
    assert err == "axonml data: error: ZeroDivisionError: division by zero (run with --debug for the traceback)\n"
    assert report("data", FileNotFoundError("no such file: x"), debug=False) == 1
    assert capsys.readouterr().err == "axonml data: error: no such file: x\n"
    assert report("data", KeyboardInterrupt(), debug=False) == 130


@pytest.mark.parametrize("family", MY_FAMILIES)
def test_every_command_has_help_with_examples(family):
    import argparse
    from axonml.cli import build_parser
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[family]
    assert "examples:" in sub.format_help()
    for action in sub._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                text = child.format_help()
                assert "examples:" in text and f"axonml {family} {name}" in text, (family, name)
                assert "--debug" in text


def _imported_by(*argv) -> set:
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "axonml", *argv], capture_output=True,
                            text=True, timeout=60)
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_help_version_and_usage_errors_answer_before_the_framework_is_imported():
    for argv in (("--help",), ("--version",), ("train", "--help"), ("bogus",)):
        modules = _imported_by(*argv)
        assert "axonml.cli" in modules
        assert not modules & {"axonml.tensor", "axonml.nn", "numpy", "ml_dtypes"}, argv
    assert {"axonml.tensor", "numpy"} <= _imported_by("gpu", "list", "--json")


def test_the_package_namespace_is_whole_when_the_command_runs(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "probe.py"
    script.write_text("import axonml\nprint(callable(axonml.tensor), axonml.Tensor.__name__, axonml.nn.Linear.__name__)\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "Tensor", "Linear"], result.stderr


def test_positionals_may_follow_options():
    from axonml.cli import build_parser
    parser = build_parser()
    args = parser.parse_args(["predict", "model.axonml", "--top-k", "3", "a.png", "b.png"])
    assert args.inputs == ["a.png", "b.png"] and args.top_k == 3
    args = parser.parse_args(["dataset", "download", "mnist", "--root", "data", "cifar10"])
    assert args.names == ["mnist", "cifar10"] and args.root == "data"
