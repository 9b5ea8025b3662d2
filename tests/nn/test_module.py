"""Module, Parameter and the containers: registration, traversal, state_dict, hooks, modes, conversion, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import to_axonml


def _net_class(lib, tensors):
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.conv = lib.Conv2d(1, 2, 3)
            self.bn = lib.BatchNorm2d(2)
            self.head = lib.Sequential(lib.Flatten(), lib.Linear(8, 3))
            self.register_buffer("steps", tensors.zeros(1))
            self.register_buffer("scratch", tensors.zeros(2), persistent=False)

        def forward(self, x):
            return self.head(self.bn(self.conv(x)))
    return Net


Net = _net_class(nn, axonml)
TorchNet = _net_class(torch.nn, torch)


def test_state_dict_keys_and_named_members_match_torch():
    ours, theirs = Net(), TorchNet()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in ours.head.named_parameters(prefix="h")] == ["h.1.weight", "h.1.bias"]
    assert "scratch" not in ours.state_dict()


def test_repr_matches_torch():
    assert repr(Net()) == repr(TorchNet())
    ml_ours = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    ml_theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()])
    assert repr(ml_ours) == repr(ml_theirs)


def test_parameter_is_tensor_requiring_grad_and_shares_memory():
    data = axonml.zeros(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, axonml.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    data.fill_(1.0)
    assert np.asarray(p.detach()).sum() == 6
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert type(p * 2) is axonml.Tensor
    clone = copy.deepcopy(p)
    assert isinstance(clone, nn.Parameter) and clone is not p and clone.requires_grad


def test_load_state_dict_roundtrip_and_strictness():
    source, target = Net(), Net()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        assert np.array_equal(np.asarray(a), np.asarray(b)), name
    state = source.state_dict()
    del state["conv.bias"]
    state["extra.weight"] = axonml.zeros(1)
    with pytest.raises(RuntimeError, match='Error\\(s\\) in loading state_dict for Net:\n\tMissing key\\(s\\) in '
                                           'state_dict: "conv.bias". \n\tUnexpected key\\(s\\) in state_dict: '
                                           '"extra.weight". '):
        target.load_state_dict(state)
    result = target.load_state_dict(state, strict=False)
    assert result.missing_keys == ["conv.bias"] and result.unexpected_keys == ["extra.weight"]


def test_load_state_dict_size_mismatch_raises_like_torch():
    state = Net().state_dict()
    state["head.1.weight"] = axonml.zeros(3, 9)
    with pytest.raises(RuntimeError, match="size mismatch for head.1.weight: copying a param with shape "
                                           "axonml.Size\\(\\[3, 9\\]\\) from checkpoint, the shape in current model "
                                           "is axonml.Size\\(\\[3, 8\\]\\)"):
        Net().load_state_dict(state)
    with pytest.raises(TypeError):
        Net().load_state_dict([("a", 1)])


def test_load_torch_state_dict_unchanged():
    theirs = TorchNet()
    ours = Net()
    ours.load_state_dict({k: to_axonml(v) for k, v in theirs.state_dict().items()})
    assert np.array_equal(np.asarray(ours.conv.weight.detach()), theirs.conv.weight.detach().numpy())


def test_load_keeps_parameter_identity_and_assign_replaces():
    net, source = Net(), Net()
    weight = net.conv.weight
    net.load_state_dict(source.state_dict())
    assert net.conv.weight is weight
    net.load_state_dict(source.state_dict(), assign=True)
    assert isinstance(net.conv.weight, nn.Parameter) and net.conv.weight.requires_grad


def test_batchnorm_state_without_num_batches_tracked_loads():
    bn = nn.BatchNorm1d(3)
    state = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(state).missing_keys == []


def test_forward_hooks_modify_and_remove():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(axonml.ones(1, 2))
    bias = np.asarray(layer.bias.detach())
    np.testing.assert_allclose(np.asarray(out.detach()), bias[None] + 1, rtol=1e-6)
    assert calls == [axonml.Size([1, 2])]
    pre.remove()
    post.remove()
    out = layer(axonml.ones(1, 2))
    expected = np.asarray(layer.weight.detach()).sum(1) + bias
    np.testing.assert_allclose(np.asarray(out.detach())[0], expected, rtol=1e-6)
    assert len(calls) == 1


def test_hooks_with_kwargs_prepend_and_always_call():
    class Adder(nn.Module):
        def forward(self, x, *, scale=1.0):
            if scale < 0:
                raise ValueError("negative")
            return x * scale

    m = Adder()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: order.append("second"))
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    assert float(m(axonml.ones(()))) == 3.0
    assert order == ["first", "second"]
    seen = []
    m2 = Adder()
    m2.register_forward_hook(lambda mod, args, kwargs, out: seen.append(out), with_kwargs=True, always_call=True)
    with pytest.raises(ValueError):
        m2(axonml.ones(()), scale=-1.0)
    assert seen == [None]


def test_train_eval_propagate_and_apply():
    net = Net()
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Conv2d", "BatchNorm2d", "Flatten", "Linear", "Sequential", "Net"]


def test_zero_grad_and_requires_grad():
    layer = nn.Linear(3, 2)
    layer(axonml.randn(4, 3)).sum().backward()
    assert layer.weight.grad is not None
    layer.zero_grad(set_to_none=False)
    assert not np.any(np.asarray(layer.weight.grad))
    layer.zero_grad()
    assert layer.weight.grad is None
    layer.requires_grad_(False)
    assert not any(p.requires_grad for p in layer.parameters())


def test_to_dtype_keeps_parameter_identity_and_converts_grad():
    net = Net()
    weight = net.conv.weight
    net(axonml.randn(2, 1, 4, 4)).sum().backward()
    net.double()
    assert net.conv.weight is weight and weight.dtype == axonml.float64
    assert weight.grad.dtype == axonml.float64
    assert net.bn.running_mean.dtype == axonml.float64
    assert net.bn.num_batches_tracked.dtype == axonml.int64
    net.to(axonml.float32)
    assert weight.dtype == axonml.float32
    net.to("cpu", dtype=axonml.float32)
    with pytest.raises(TypeError, match="floating point"):
        net.to(axonml.int64)
    assert net.cpu() is net and net.float() is net


def test_registration_rules_and_errors():
    m = nn.Module()
    m.register_buffer("buf", axonml.zeros(2))
    m.weight = nn.Parameter(axonml.zeros(2))
    with pytest.raises(TypeError):
        m.weight = axonml.zeros(2)
    m.weight = None
    assert m.weight is None and list(m.parameters()) == []
    with pytest.raises(KeyError):
        m.register_buffer("a.b", axonml.zeros(1))
    with pytest.raises(KeyError):
        m.register_parameter("buf", nn.Parameter(axonml.zeros(1)))
    with pytest.raises(TypeError):
        m.register_buffer("x", 3)
    with pytest.raises(TypeError):
        m.add_module("child", 3)
    with pytest.raises(TypeError):
        m.register_parameter("w", (nn.Parameter(axonml.zeros(1)) * 2))
    with pytest.raises(AttributeError):
        m.missing
    m.child = nn.Linear(1, 1)
    m.child = None
    assert list(m.children()) == []
    del m.buf
    assert list(m.buffers()) == []
    m.late = nn.Buffer(axonml.ones(1), persistent=False)
    assert "late" not in m.state_dict() and list(m.buffers())[0].shape == axonml.Size([1])


class NoInit(nn.Module):
    def __init__(self):
        self.layer = nn.Linear(1, 1)


def test_assignment_before_init_raises():
    with pytest.raises(AttributeError, match="before Module.__init__"):
        NoInit()


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("head.1.bias") is net.head[1].bias
    assert net.get_buffer("bn.running_var") is net.bn.running_var
    with pytest.raises(AttributeError):
        net.get_submodule("head.7")
    with pytest.raises(AttributeError):
        net.get_submodule("steps")


def test_shared_modules_and_parameters_counted_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    sliced = seq[1:]
    assert isinstance(sliced, nn.Sequential) and list(sliced) == layers[1:]
    assert list(sliced._modules) == ["1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"]
    seq.insert(0, nn.Tanh())
    assert isinstance(seq[0], nn.Tanh)
    with pytest.raises(IndexError):
        seq[10]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert named.fc is named[0] and list(named.state_dict()) == ["fc.weight", "fc.bias"]
    x = axonml.randn(4, 2)
    np.testing.assert_allclose(np.asarray(named(x).detach()), np.asarray(named.act(named.fc(x)).detach()))


def test_modulelist_moduledict_parameterlist_parameterdict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "Linear", "ReLU", "Tanh"]
    assert isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 3
    del ml[0]
    assert isinstance(ml[0], nn.Linear) and list(ml._modules) == ["0", "1", "2"]
    md = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.ReLU()})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md.update([("c", nn.Tanh())])
    assert list(md) == ["b", "a", "c"] and isinstance(md.pop("a"), nn.ReLU)
    pl = nn.ParameterList([axonml.zeros(2), nn.Parameter(axonml.ones(1))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(list(pl.parameters())) == 2
    theirs = torch.nn.ParameterList([torch.zeros(2), torch.nn.Parameter(torch.ones(1))])
    assert list(pl.state_dict()) == list(theirs.state_dict())
    pd = nn.ParameterDict({"w": axonml.zeros(2)})
    pd["v"] = axonml.ones(3)
    assert isinstance(pd["w"], nn.Parameter) and list(pd.keys()) == ["w", "v"]
    assert list(pd.state_dict()) == ["w", "v"]
    with pytest.raises(RuntimeError):
        pl()


def test_deepcopy_module_copies_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.conv.weight is not net.conv.weight
    assert isinstance(clone.conv.weight, nn.Parameter)
    np.testing.assert_array_equal(np.asarray(clone.conv.weight.detach()), np.asarray(net.conv.weight.detach()))
    with axonml.no_grad():
        clone.conv.weight.fill_(0.0)
    assert np.any(np.asarray(net.conv.weight.detach()))


def test_state_dict_tensors_share_memory_and_are_detached():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad
    with axonml.no_grad():
        layer.weight.fill_(2.0)
    assert float(state["weight"].sum()) == 8.0
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight
