"""`axonml analyze model|data|run|report` on real files: numbers checked against the model and the data."""
import base64
import json
import re

import numpy as np
import pytest

import axonml
from axonml.cli import train
from axonml.serialize import save_state_dict
from axonml.utils.metrics import MetricsLogger, write_config

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory like train's: config, weights of a LeNet for digits, and a metrics log of 2 epochs."""
    directory = tmp_path_factory.mktemp("run")
    axonml.manual_seed(0)
    model = train.build_model("lenet", train.INPUT_SHAPES["digits"])
    save_state_dict(model.state_dict(), directory / "model.safetensors")
    write_config(directory / "config.json", {**train.DEFAULTS, "model": "lenet", "lr": 0.05})
    with MetricsLogger(directory / "metrics.jsonl") as log:
        for step in range(1, 21):
            log.log(kind="step", step=step, epoch=(step - 1) // 10 + 1, split="train", loss=2.0 / step,
                    accuracy=min(1.0, 0.1 * step), lr=0.05)
            if step % 10 == 0:
                for split in ("train", "test"):
                    log.log(kind="epoch", step=step, epoch=step // 10, split=split, loss=1.0 / step, accuracy=0.9)
    return directory, model


def test_model_parameters_and_flops_per_layer(run_cli, run_dir):
    directory, model = run_dir
    result = run_cli("analyze", "model", str(directory), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["parameters"] == sum(p.numel() for p in model.parameters())
    assert summary["input_shape"] == [1, 1, 8, 8]
    layers = {layer["name"]: layer for layer in summary["layers"]}
    for name, module in model.named_modules():
        if isinstance(module, axonml.nn.Conv2d):
            _, channels, height, width = layers[name]["output_shape"]
            kh, kw = module.kernel_size
            assert layers[name]["flops"] == 2 * module.in_channels * kh * kw * channels * height * width + \
                channels * height * width
        if isinstance(module, axonml.nn.Linear):
            assert layers[name]["flops"] == 2 * module.in_features * module.out_features + module.out_features
            assert layers[name]["parameters"] == module.weight.numel() + module.bias.numel()
    assert summary["memory"]["parameters"] == 4 * summary["parameters"]
    assert summary["memory"]["training_adam"] > summary["memory"]["inference"]
    text = run_cli("analyze", "model", "mlp", "--dataset", "mnist", "--batch-size", "4")
    assert text.returncode == 0, text.stderr
    assert "MLP with input 4x1x28x28" in text.stdout and "Linear" in text.stdout
    assert re.search(r"parameters 235,146 \(235,146 trainable\)", text.stdout), text.stdout


def test_data_statistics_and_class_balance(run_cli, cli_main, tmp_path):
    from PIL import Image
    status, out, err = cli_main("analyze", "data", "digits", "--json")
    assert status == 0, err
    stats = json.loads(out)
    from axonml.vision.datasets import Digits
    test = Digits(train=False)
    counts = np.bincount([test[i][1] for i in range(len(test))], minlength=10)
    assert list(stats["splits"]["test"]["class_counts"].values()) == counts.tolist()
    assert stats["splits"]["test"]["balance"] == pytest.approx(counts.min() / counts.max())
    pixels = np.stack([test[i][0] for i in range(len(test))]).astype(np.float64) / 16
    assert stats["splits"]["test"]["pixel_mean"][0] == pytest.approx(pixels.mean(), abs=1e-4)
    assert stats["splits"]["test"]["pixel_std"][0] == pytest.approx(pixels.std(), abs=1e-4)
    folder = tmp_path / "images"
    for name, count, value in (("cat", 3, 0), ("dog", 1, 255)):
        (folder / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(np.full((4, 4, 3), value, np.uint8)).save(folder / name / f"{i}.png")
    text = run_cli("analyze", "data", str(folder))
    assert text.returncode == 0, text.stderr
    assert "all: 4 samples of 3x4x4" in text.stdout and "balance (smallest / largest class): 0.333" in text.stdout
    assert "pixel mean [0.25, 0.25, 0.25]" in text.stdout


def test_run_plot_and_reports_embed_the_png(run_cli, cli_main, run_dir, tmp_path):
    directory, _ = run_dir
    result = run_cli("analyze", "run", str(directory), "--out", str(tmp_path / "plot.png"))
    assert result.returncode == 0, result.stderr
    import matplotlib.image
    image = matplotlib.image.imread(tmp_path / "plot.png")
    assert image.shape[0] > 200 and image.shape[1] > 600
    html = run_cli("analyze", "report", str(directory))
    assert html.returncode == 0, html.stderr
    page = (directory / "report.html").read_text()
    embedded = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert embedded and base64.b64decode(embedded.group(1)).startswith(PNG)
    assert "<td>Conv2d</td>" in page and "<td>&quot;lenet&quot;</td>" in page
    status, _, err = cli_main("analyze", "report", directory, "--out", tmp_path / "r.md")
    assert status == 0, err
    text = (tmp_path / "r.md").read_text()
    image = re.search(r"!\[metrics\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", text)
    assert image and base64.b64decode(image.group(1)).startswith(PNG)
    assert "| test | 2 | 0.0500 | 90.00% |" in text


def test_analyze_errors(run_cli, cli_main, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "metrics.jsonl").write_text('{"step": 1}\nnot json\n')
    for args, code, message in [
        (["run", str(tmp_path / "missing")], 1, "no metrics log"),
        (["run", str(bad)], 1, "metrics.jsonl:2: not a JSON record"),
        (["model", "resnet999"], 1, "no such model or checkpoint"),
        (["model", "lenet", "--input-shape", "1,x"], 2, "expected sizes"),
        (["model", "lenet", "--input-shape", "3,5,5"], 1, "forward pass with input shape"),
        (["data", str(tmp_path / "nowhere")], 1, "no such dataset"),
        (["report", str(tmp_path / "nowhere")], 1, "no such run directory"),
        ([], 2, "WHAT"),
    ]:
        status, _, err = cli_main("analyze", *args)
        assert status == code and message in err and "Traceback" not in err, (args, err)
    result = run_cli("analyze", "run", str(bad))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "not a JSON record" in result.stderr
