"""`axonml serve`'s flags and file checks, before any server starts."""
import pytest

from axonml.cli import main


@pytest.mark.parametrize("arguments, message", [
    (["missing.axonml"], "no such model file"),
    (["{dir}/model.txt"], "serve reads"),
    (["{dir}/lenet.axonml", "--config", "{{not json"], "--config is not valid JSON"),
    (["{dir}/lenet.axonml", "--api-key", "bad\nkey"], "printable"),
])
def test_bad_files_and_values_are_one_line_errors(model_files, capsys, arguments, message):
    (model_files["dir"] / "model.txt").write_text("hello")
    assert main(["serve"] + [a.format(dir=model_files["dir"]) for a in arguments]) == 1
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


@pytest.mark.parametrize("flags", [["--port", "70000"], ["--workers", "0"], ["--max-batch-size", "x"],
                                   ["--batch-timeout-ms", "-1"], ["--device", "tpu"]])
def test_bad_flags_are_usage_errors(model_files, capsys, flags):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", str(model_files["dir"] / "lenet.axonml"), *flags])
    assert exit_info.value.code == 2
