import pytest

import axonml
from axonml import nn
from axonml.serialize import save_state_dict
from axonml.tui.layers import parse_shape, tree_from_checkpoint, tree_from_module, tree_from_name, visible_rows
from axonml.utils.metrics import write_config


def test_tree_from_module_has_output_shapes_and_parameter_counts():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 5 * 5, 3))
    tree = tree_from_module(model, (1, 5, 5))
    assert tree.kind == "Sequential" and tree.output_shape == (1, 3)
    conv, relu, flatten, linear = tree.children
    assert (conv.kind, conv.output_shape, conv.parameters) == ("Conv2d", (1, 4, 5, 5), 4 * 9 + 4)
    assert flatten.output_shape == (1, 100) and linear.parameters == 303
    assert tree.total == sum(p.numel() for p in model.parameters())


def test_collapsed_nodes_hide_their_descendants():
    tree = tree_from_name("lenet", (1, 28, 28))
    assert [node.name for _, node in visible_rows(tree, {"features", "classifier"})] == ["", "features", "classifier"]
    assert len(visible_rows(tree, set())) == 15
    assert tree.find("classifier.1").output_shape == (1, 120)


def test_checkpoint_of_a_known_architecture_gets_output_shapes(tmp_path):
    from axonml.cli.train import build_model
    model = build_model("lenet", (1, 8, 8))
    save_state_dict(model.state_dict(), tmp_path / "model.safetensors")
    write_config(tmp_path / "config.json", {"model": "lenet", "dataset": "digits"})
    tree, info = tree_from_checkpoint(str(tmp_path / "model.safetensors"))
    assert info["architecture"] == "lenet on digits"
    assert tree.output_shape == (1, 10) and tree.total == info["parameters"]


def test_bare_checkpoint_is_grouped_by_name(tmp_path):
    save_state_dict({"encoder.0.weight": axonml.zeros(4, 3), "encoder.0.bias": axonml.zeros(4),
                     "head.weight": axonml.zeros(2, 4)}, tmp_path / "weights.safetensors")
    tree, info = tree_from_checkpoint(str(tmp_path / "weights.safetensors"))
    assert tree.total == 12 + 4 + 8 and tree.kind == "checkpoint"
    assert tree.find("encoder").kind == "group" and tree.find("encoder.0").total == 16
    assert tree.find("head.weight").shape == (2, 4)


def test_errors():
    with pytest.raises(ValueError, match="unknown model"):
        tree_from_name("not-a-model")
    with pytest.raises(ValueError, match="3x224x224"):
        parse_shape("3xabc")
    assert parse_shape("3,32,32") == (3, 32, 32)
