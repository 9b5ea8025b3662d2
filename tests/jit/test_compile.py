"""axonml.jit.compile: same outputs, gradients and buffer updates as eager; guards; eager fallback."""
import copy

import numpy as np
import pytest

import axonml
from axonml import jit, nn
from axonml.vision import models


def _twins(model):
    """The model and an independent copy with the same parameters and buffers."""
    twin = copy.deepcopy(model)
    return model, twin


def _check_same(model, make_inputs, train: bool, steps: int = 2, rtol=1e-5, atol=1e-5):
    eager, twin = _twins(model)
    compiled = jit.compile(twin)
    eager.train(train)
    twin.train(train)
    for step in range(steps):
        inputs = make_inputs()
        axonml.manual_seed(100 + step)  # the same dropout masks in both
        out_eager = eager(*inputs)
        axonml.manual_seed(100 + step)
        out_compiled = compiled(*inputs)
        outs_e = out_eager if isinstance(out_eager, tuple) else (out_eager,)
        outs_c = out_compiled if isinstance(out_compiled, tuple) else (out_compiled,)
        for a, b in zip(outs_e, outs_c):
            if isinstance(a, tuple):
                continue
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=rtol, atol=atol)
        if train:
            eager.zero_grad()
            twin.zero_grad()
            outs_e[0].square().sum().backward()
            outs_c[0].square().sum().backward()
            for (name, p), q in zip(eager.named_parameters(), twin.parameters()):
                if p.grad is None:
                    assert q.grad is None, name
                    continue
                np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=rtol * 10, atol=atol * 10,
                                           err_msg=name)
        for (name, a), b in zip(eager.named_buffers(), twin.buffers()):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=rtol, atol=atol, err_msg=name)
    assert compiled.graphs(), compiled.eager_reasons()
    return compiled


MODELS = {
    "mlp": (lambda: models.MLP(in_features=20, hidden_sizes=(32, 16), num_classes=5),
            lambda: (axonml.randn(4, 20),)),
    "lenet": (lambda: models.LeNet(), lambda: (axonml.randn(2, 1, 28, 28),)),
    "simplecnn": (lambda: models.SimpleCNN(), lambda: (axonml.randn(2, 1, 28, 28),)),
    "resnet18": (lambda: models.resnet18(num_classes=10), lambda: (axonml.randn(2, 3, 32, 32),)),
    "transformer_encoder_layer": (lambda: nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True),
                                  lambda: (axonml.randn(2, 5, 16),)),
    "lstm": (lambda: nn.LSTM(6, 8, num_layers=2, batch_first=True), lambda: (axonml.randn(3, 4, 6),)),
}


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("name", list(MODELS))
def test_models_match_eager(name, train):
    build, make_inputs = MODELS[name]
    axonml.manual_seed(0)
    _check_same(build(), make_inputs, train)


def test_dropout_in_training_draws_the_same_masks_as_eager():
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    _check_same(model, lambda: (axonml.randn(16, 8),), train=True, steps=3)


def test_retraces_on_new_shape_dtype_and_training_flag():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU())
    compiled = jit.compile(model)
    compiled(axonml.randn(3, 4))
    compiled(axonml.randn(3, 4))
    assert len(compiled.graphs()) == 1
    compiled(axonml.randn(5, 4))
    assert len(compiled.graphs()) == 2
    model.eval()
    x = axonml.randn(5, 4)
    np.testing.assert_allclose(compiled(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    assert len(compiled.graphs()) == 3
    model.double()
    x = axonml.randn(5, 4, dtype=axonml.float64)
    out = compiled(x)
    assert out.dtype == axonml.float64
    np.testing.assert_allclose(out.detach().numpy(), model(x).detach().numpy(), rtol=1e-12)


def test_data_dependent_control_flow_falls_back_with_a_warning():
    def f(x):
        return x * 2 if x.sum() > 0 else x - 1

    compiled = jit.compile(f)
    with pytest.warns(UserWarning, match=r"running f eagerly: Tensor.__bool__\(\)"):
        compiled(axonml.ones(3))
    np.testing.assert_array_equal(compiled(-axonml.ones(3)).numpy(), [-2.0, -2.0, -2.0])
    assert compiled.eager_reasons() and not compiled.graphs()


def test_a_whole_training_step_falls_back_with_a_warning_and_keeps_training():
    """A graph holds the forward's ops: a replay of a step would neither differentiate nor update."""
    axonml.manual_seed(0)
    model = nn.Linear(4, 3)
    optimizer = axonml.optim.SGD(model.parameters(), lr=0.1)
    x, target = axonml.randn(5, 4), axonml.tensor([0, 2, 1, 1, 0])

    def train_step(x, target):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), target)
        loss.backward()
        optimizer.step()
        return loss
    compiled = jit.compile(train_step)
    with pytest.warns(UserWarning, match=r"running train_step eagerly: backward\(\) or autograd.grad\(\) ran inside"):
        losses = [compiled(x, target).item()]
    losses += [compiled(x, target).item() for _ in range(2)]
    assert losses[0] > losses[1] > losses[2] and not compiled.graphs()

    def update_only(x):
        optimizer.step()
        return x * 2
    with pytest.warns(UserWarning, match="an optimizer step ran inside the traced function"):
        jit.compile(update_only)(x)


def test_fullgraph_raises_instead():
    compiled = jit.compile(lambda x: x * float(x.sum()), fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph"):
        compiled(axonml.ones(2))


def test_fused_chain_is_used_and_differentiable():
    def f(x, y):
        return ((x * 1.5 + y).relu() - 0.25) * y / (x.abs() + 1.0)

    compiled = jit.compile(f)
    x, y = axonml.randn(50, requires_grad=True), axonml.randn(50, requires_grad=True)
    compiled(x, y)
    out = compiled(x, y)
    assert [node.kind for node in compiled.graphs()[0].nodes] == ["fused"]
    np.testing.assert_allclose(out.detach().numpy(), f(x, y).detach().numpy(), rtol=1e-6)
    out.sum().backward()
    gx, gy = x.grad.numpy().copy(), y.grad.numpy().copy()
    x.grad = y.grad = None
    f(x, y).sum().backward()
    np.testing.assert_allclose(gx, x.grad.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gy, y.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_decorator_and_disable():
    @jit.compile
    def f(x):
        return x.exp() + 1

    x = axonml.randn(3)
    np.testing.assert_allclose(f(x).numpy(), x.exp().numpy() + 1, rtol=1e-6)
    g = lambda x: x  # noqa: E731
    assert jit.compile(g, disable=True) is g
    with pytest.raises(ValueError, match="backend"):
        jit.compile(g, backend="inductor")


def test_transformer_layer_and_cnn_use_the_fused_reductions_and_convolutions():
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
    compiled = _check_same(layer, lambda: (axonml.randn(2, 5, 16),), train=True)
    names = [node.op for node in compiled.graphs()[0].nodes]
    assert names.count("FusedReduction[Add+LayerNorm]") == 2, names
    compiled = _check_same(models.LeNet(), lambda: (axonml.randn(2, 1, 28, 28),), train=True)
    assert any(node.op.startswith("FusedConv[") for node in compiled.graphs()[0].nodes)


def test_inference_graphs_fuse_attention_training_graphs_do_not_and_cpu_linears_keep_their_bias():
    layer = nn.TransformerEncoderLayer(32, 4, 64, batch_first=True).eval()
    compiled = jit.compile(layer)
    x = axonml.randn(3, 7, 32)
    with axonml.no_grad():
        compiled(x)
        np.testing.assert_allclose(compiled(x).numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-5)
    names = [node.op for node in compiled.graphs()[0].nodes]
    assert "FusedAttention" in names and names.count("FusedReduction[Add+LayerNorm]") == 2, names
    assert _linear_activations(compiled.graphs()[0]) == [None, None, "relu", None]  # the gemm adds bias and ReLU
    compiled(x)
    names = [node.op for node in compiled.graphs()[1].nodes]
    assert "FusedAttention" not in names and _linear_activations(compiled.graphs()[1]) == [None, None, "relu", None]


def _linear_activations(graph) -> list:
    return [node.args[3] for node in graph.nodes if node.op.startswith("AutotunedLinear") and node.args[2] is not None]
