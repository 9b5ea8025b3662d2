import pytest

import axonml
from axonml.serialize import save_state_dict
from axonml.tui.files import describe_entry, list_directory
from axonml.tui.theme import detect_display
from axonml.utils.metrics import MetricsLogger, write_config


def test_list_directory_marks_runs_models_and_logs(tmp_path):
    run = tmp_path / "run1"
    with MetricsLogger(run / "metrics.jsonl") as log:
        log.log(step=1, epoch=1, loss=0.5)
    write_config(run / "config.json", {"epochs": 3})
    save_state_dict({"w": axonml.zeros(2, 3)}, tmp_path / "model.safetensors")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / ".hidden").write_text("")
    entries = list_directory(str(tmp_path))
    assert [(e.name, e.kind) for e in entries] == [("..", "parent"), ("run1", "run"), ("model.safetensors", "model"),
                                                   ("notes.txt", "file")]
    described = "\n".join(describe_entry(entries[1]))
    assert "1 records" in described and "epoch 1 of 3" in described and "epochs = 3" in described
    described = "\n".join(describe_entry(entries[2]))
    assert "1 tensors, 6 parameters" in described and "w" in described
    assert describe_entry(entries[3])[-1] == "hello"


def test_a_corrupt_model_file_is_described_as_an_error(tmp_path):
    (tmp_path / "broken.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{bad")
    entry = [e for e in list_directory(str(tmp_path)) if e.kind == "model"][0]
    assert describe_entry(entry)[0].startswith("cannot read broken.safetensors")


@pytest.mark.parametrize("environ, expected", [
    ({"TERM": "xterm-256color"}, (16, "braille")),
    ({"TERM": "xterm", "NO_COLOR": "1"}, (1, "braille")),
    ({"TERM": "xterm", "NO_COLOR": ""}, (16, "braille")),  # an empty NO_COLOR does not count
    ({"TERM": "vt100"}, (1, "ascii")),
    ({"TERM": "linux"}, (16, "block")),
])
def test_detect_display(environ, expected):
    display = detect_display(environ, encoding="UTF-8")
    assert (display.colors, display.glyphs) == expected


def test_detect_display_overrides_and_locale():
    assert detect_display({"TERM": "xterm"}, encoding="ANSI_X3.4-1968").glyphs == "ascii"
    assert detect_display({"TERM": "vt100"}, encoding="UTF-8", color="16", glyphs="block").colors == 16
    with pytest.raises(ValueError, match="color"):
        detect_display({}, encoding="UTF-8", color="256")
