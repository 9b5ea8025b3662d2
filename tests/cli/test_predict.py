"""`axonml predict`: images, tensors and CSV rows through a classifier; the hand-over to language models."""
import json
import os
import sys
import types

import numpy as np
import pytest

import axonml
from axonml.cli import train
from axonml.serialize import save_state_dict
from axonml.utils.metrics import write_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("run")
    axonml.manual_seed(5)
    model = train.build_model("mlp", train.INPUT_SHAPES["digits"])
    save_state_dict(model.state_dict(), directory / "model.safetensors")
    write_config(directory / "config.json", {**train.DEFAULTS, "model": "mlp", "lr": 0.05})
    return directory, model.eval()


def _classes(model, batch):
    with axonml.no_grad():
        return model(axonml.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))).argmax(dim=1).tolist()


def test_images_tensors_and_csv_give_the_models_classes(run_cli, cli_main, run_dir, tmp_path):
    from PIL import Image
    from axonml.vision.datasets import Digits
    directory, model = run_dir
    digits = Digits(train=False)
    raw = np.stack([digits[i][0] for i in range(3)]).astype(np.float32)  # pixels 0..16
    model_input = (raw / 16 - 0.5) / 0.5
    expected = _classes(model, model_input[:, None])
    for i in range(3):  # light digits on dark, 4x larger than the model's input
        pixels = np.round(raw[i] * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels).resize((32, 32), Image.NEAREST).save(tmp_path / f"digit{i}.png")
    Image.fromarray(255 - np.round(raw[0] * 255 / 16).astype(np.uint8)).save(tmp_path / "ink.png")
    np.save(tmp_path / "batch.npy", model_input[:, None])
    np.savetxt(tmp_path / "rows.csv", raw.reshape(3, 64), delimiter=",", header=",".join(f"p{i}" for i in range(64)),
               comments="")
    save_state_dict({"first": axonml.from_numpy(model_input[0])}, tmp_path / "one.safetensors")
    result = run_cli("predict", str(directory), "digit0.png", "digit1.png", "digit2.png", "batch.npy",
                     "one.safetensors", "--json", "--top-k", "2")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["input"] for row in rows] == ["digit0.png", "digit1.png", "digit2.png", "batch.npy[0]",
                                              "batch.npy[1]", "batch.npy[2]", "one.safetensors:first"]
    assert all(len(row["predictions"]) == 2 for row in rows)
    top = [row["predictions"][0]["class"] for row in rows]
    assert top == expected + expected + expected[:1]
    probability = rows[3]["predictions"]
    assert probability[0]["probability"] >= probability[1]["probability"] > 0
    status, out, err = cli_main("predict", directory, "rows.csv", "--scale", "16", "--top-k", "1")
    assert status == 0, err
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == [str(c) for c in expected]
    status, out, err = cli_main("predict", directory, "ink.png", "--invert", "--top-k", "1")
    assert out.startswith(f"ink.png: {expected[0]} ("), err


def test_predict_errors(run_cli, cli_main, run_dir, tmp_path):
    directory, _ = run_dir
    (tmp_path / "note.txt").write_text("hello")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "short.csv").write_text("1,2,3\n")
    np.save(tmp_path / "odd.npy", np.zeros(10, dtype=np.float32))
    for inputs, message in [(["missing.png"], "no such input file"), (["note.txt"], "text needs a language model"),
                            (["broken.png"], "cannot read image"), (["short.csv"], "row 1 has 3 values"),
                            (["odd.npy"], "10 values do not make samples"), ([], "at least one INPUT")]:
        status, _, err = cli_main("predict", directory, *inputs)
        assert status == 1 and message in err and err.count("\n") == 1, (inputs, err)
    result = run_cli("predict", str(directory), "x.png", "--top-k", "0")
    assert result.returncode == 2 and "must be a positive integer" in result.stderr


def test_language_models_are_handed_to_axonml_llm_cli(cli_main, monkeypatch, tmp_path):
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text('{"model_type": "llama"}')
    received = []
    fake = types.ModuleType("axonml.llm.cli")
    fake.run_predict = lambda args: received.append(vars(args)) or 0
    monkeypatch.setitem(sys.modules, "axonml.llm.cli", fake)
    status, _, err = cli_main("predict", gguf, "--prompt", "Hi", "--top-k", "5", "--seed", "2")
    assert status == 0, err
    sent = {key: received[-1][key] for key in ("model_path", "prompt", "chat", "max_new_tokens", "temperature", "top_k",
                                               "top_p", "repetition_penalty", "seed", "embed", "json", "device")}
    assert sent == {"model_path": str(gguf), "prompt": "Hi", "chat": False, "max_new_tokens": 64, "temperature": 0.0,
                    "top_k": 5, "top_p": None, "repetition_penalty": None, "seed": 2, "embed": None, "json": False,
                    "device": "cpu"}
    status, _, err = cli_main("predict", hf, "--chat", "--embed", "a", "--embed", "b", "--top-p", "0.9",
                              "--temperature", "0.7", "--json")
    assert status == 0, err
    assert received[-1]["embed"] == ["a", "b"] and received[-1]["chat"] and received[-1]["top_p"] == 0.9
    assert received[-1]["temperature"] == 0.7 and received[-1]["json"]
    status, _, err = cli_main("predict", tmp_path / "nope.gguf", "--prompt", "Hi")
    assert status == 1 and "no such model" in err
    monkeypatch.setitem(sys.modules, "axonml.llm.cli", None)  # an axonml without the language-model CLI
    status, _, err = cli_main("predict", gguf, "--prompt", "Hi")
    assert status == 1 and "no language-model command line" in err and err.count("\n") == 1, err
    assert len(received) == 2
