"""`axonml rename`: regex and glob renames, collisions refused, atomic writes, errors."""
import json

import numpy as np
import pytest

import axonml
from axonml.cli.errors import CommandError
from axonml.cli.rename import rename_keys
from axonml.serialize import load_state_dict, save_state_dict

KEYS = ["module.features.0.weight", "module.features.0.bias", "module.fc.1.weight", "module.fc.1.bias"]


def test_rename_keys_regex_glob_and_collisions():
    assert rename_keys(KEYS, [("^module\\.", ""), (r"fc\.(\d+)", r"classifier.\1")]) == {
        KEYS[0]: "features.0.weight", KEYS[1]: "features.0.bias",
        KEYS[2]: "classifier.1.weight", KEYS[3]: "classifier.1.bias"}
    assert rename_keys(KEYS, [("module.*.0.*", "body.*.*")], glob=True)[KEYS[0]] == "body.features.weight"
    assert rename_keys(KEYS, [("module.*.0.*", "body.*.*")], glob=True)[KEYS[2]] == KEYS[2]  # no full match
    with pytest.raises(CommandError, match="collision"):
        rename_keys(KEYS, [(r"\.(weight|bias)$", "")])
    with pytest.raises(CommandError, match="bad regular expression"):
        rename_keys(KEYS, [("(", "x")])


@pytest.fixture
def weights(tmp_path):
    state = {key: axonml.randn(2, 3) for key in KEYS}
    path = tmp_path / "model.safetensors"
    save_state_dict(state, path)
    return path, {k: v.numpy() for k, v in state.items()}


def test_rename_in_place_and_to_pth(run_cli, cli_main, weights, tmp_path):
    path, arrays = weights
    result = run_cli("rename", str(path), "--map", "^module\\.=", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["renamed"][KEYS[2]] == "fc.1.weight"
    renamed = load_state_dict(str(path))
    assert list(renamed) == [key.removeprefix("module.") for key in KEYS]
    np.testing.assert_array_equal(renamed["fc.1.weight"].numpy(), arrays[KEYS[2]])
    out = tmp_path / "renamed.pth"
    status, out_text, err = cli_main("rename", path, "--glob", "--map", "fc.*.*=head.*.*", "--out", out)
    assert status == 0 and "renamed 2 of 4 keys" in out_text, err
    import torch
    loaded = torch.load(out, weights_only=True)
    np.testing.assert_array_equal(loaded["head.1.bias"].numpy(), arrays[KEYS[3]])
    assert list(load_state_dict(str(path))) == list(renamed)  # --out left the input alone
    _, dry, _ = cli_main("rename", path, "--map", "features=body", "--dry-run")
    assert "would rename 2 of 4 keys" in dry and "features.0.bias -> body.0.bias" in dry
    assert list(load_state_dict(str(path))) == list(renamed)


def test_rename_errors_leave_the_file_alone(run_cli, cli_main, weights, tmp_path):
    path, _ = weights
    before = path.read_bytes()
    for args, code, message in [
        (["--map", r"\.(weight|bias)$="], 1, "collision"),
        (["--map", "nothing=here"], 1, "no key of"),
        (["--map", "nodelimiter"], 2, "expected OLD=NEW"),
        ([], 2, "--map"),
    ]:
        status, _, err = cli_main("rename", path, *args)
        assert status == code and message in err, (args, err)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(before[: len(before) // 2])
    result = run_cli("rename", str(corrupt), "--map", "a=b")
    assert result.returncode == 1 and "cannot read" in result.stderr and "Traceback" not in result.stderr
    assert cli_main("rename", tmp_path / "none.pth", "--map", "a=b")[0] == 1
