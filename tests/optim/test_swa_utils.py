"""axonml.optim.swa_utils against torch.optim.swa_utils: averaged models, SWALR and update_bn."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn, optim
from axonml.optim import swa_utils
from tests.oracle.oracle import assert_close


def _models(seed=0):
    """The same Linear-BatchNorm-Linear model in axonml and torch."""
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 2))
    ours = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    ours.load_state_dict({k: axonml.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _perturb(ours, theirs, step):
    """Give both models the same new parameters and buffers, as a training step would."""
    rng = np.random.default_rng(step)
    with torch.no_grad():
        for (name, p), (_, q) in zip(theirs.state_dict().items(), ours.state_dict().items()):
            if p.is_floating_point():
                value = (p.numpy() + rng.standard_normal(p.shape).astype(np.float32)).astype(np.float32)
                if name.endswith("running_var"):
                    value = np.abs(value) + np.float32(0.1)
                p.copy_(torch.from_numpy(value))
                q.copy_(axonml.from_numpy(value.copy()))
            else:
                p.add_(1)
                q.add_(1)


def _assert_models_close(ours, theirs):
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        assert_close(ours_sd[key], value, "float32", what=key)


@pytest.mark.parametrize("averaging", ["swa", "ema-multi", "ema-multi-buffers", "ema", "custom"])
def test_averaged_model_matches_torch(averaging):
    ours_model, theirs_model = _models()
    kwargs = lambda utils: {
        "swa": {}, "ema-multi": dict(multi_avg_fn=utils.get_ema_multi_avg_fn(0.9)),
        "ema-multi-buffers": dict(multi_avg_fn=utils.get_ema_multi_avg_fn(0.8), use_buffers=True),
        "ema": dict(avg_fn=utils.get_ema_avg_fn(0.7)),
        "custom": dict(avg_fn=lambda averaged, current, n: averaged * 0.5 + current * 0.5 + n)}[averaging]
    ours = swa_utils.AveragedModel(ours_model, **kwargs(swa_utils))
    theirs = torch.optim.swa_utils.AveragedModel(theirs_model, **kwargs(torch.optim.swa_utils))
    for step in range(4):
        _perturb(ours_model, theirs_model, step)
        ours.update_parameters(ours_model)
        theirs.update_parameters(theirs_model)
        _assert_models_close(ours, theirs)
    assert int(ours.n_averaged) == int(theirs.n_averaged) == 4 and ours.n_averaged.dtype == axonml.int64
    x = np.random.default_rng(9).standard_normal((3, 4)).astype(np.float32)
    ours.eval()
    theirs.eval()
    assert_close(ours(axonml.from_numpy(x)), theirs(torch.from_numpy(x)).detach(), "float32", what="forward")
    assert all(not p.requires_grad or p.grad is None for p in ours.parameters())


def test_averaged_model_is_a_copy_on_the_device(device):
    model = nn.Linear(3, 2)
    averaged = swa_utils.AveragedModel(model, device=axonml.device(device))
    assert averaged.module is not model and averaged.module.weight.device.type == device
    assert averaged.n_averaged.device.type == device and model.weight.device.type == "cpu"
    averaged.update_parameters(model)
    np.testing.assert_array_equal(np.asarray(averaged.module.weight.detach().cpu()), np.asarray(model.weight.detach()))
    with axonml.no_grad():
        model.weight.add_(1.0)
    averaged.update_parameters(model)
    np.testing.assert_allclose(np.asarray(averaged.module.weight.detach().cpu()),
                               np.asarray(model.weight.detach()) - 0.5, rtol=1e-6)


def test_update_bn_matches_torch():
    ours, theirs = _models()
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((8, 4)).astype(np.float32) * (i + 1) for i in range(3)]
    ours.eval()
    theirs.eval()
    swa_utils.update_bn([(axonml.from_numpy(b), 0) for b in batches[:2]] + [axonml.from_numpy(batches[2])], ours)
    torch.optim.swa_utils.update_bn([(torch.from_numpy(b), 0) for b in batches[:2]] + [torch.from_numpy(batches[2])],
                                    theirs)
    _assert_models_close(ours, theirs)
    assert not ours.training and ours[1].momentum == 0.1


def test_update_bn_without_batch_norm_does_nothing():
    model = nn.Linear(2, 2)
    swa_utils.update_bn(iter(()), model)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4])
def test_swalr_matches_torch(strategy, anneal_epochs):
    make = lambda lib, tensor: [{"params": [tensor()], "lr": 0.5}, {"params": [tensor()], "lr": 0.1}]
    ours_opt = optim.SGD(make(axonml, lambda: axonml.zeros(1, requires_grad=True)), lr=0.1)
    theirs_opt = torch.optim.SGD(make(torch, lambda: torch.zeros(1, requires_grad=True)), lr=0.1)
    ours = swa_utils.SWALR(ours_opt, swa_lr=[0.05, 0.2], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    theirs = torch.optim.swa_utils.SWALR(theirs_opt, swa_lr=[0.05, 0.2], anneal_epochs=anneal_epochs,
                                         anneal_strategy=strategy)
    for epoch in range(7):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12), f"epoch {epoch}"
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    assert [g["swa_lr"] for g in ours_opt.param_groups] == [0.05, 0.2]
    state = ours.state_dict()
    assert {"anneal_epochs", "_anneal_strategy", "last_epoch", "base_lrs"} <= set(state) - {"optimizer", "anneal_func"}
    resumed = swa_utils.SWALR(optim.SGD([axonml.zeros(1, requires_grad=True)], lr=0.1), swa_lr=1.0)
    resumed.load_state_dict(state)
    assert resumed.anneal_func == ours.anneal_func and resumed.anneal_epochs == anneal_epochs


def test_errors_are_torchs():
    model = nn.Linear(2, 2)
    cases = [(lambda utils: utils.get_ema_multi_avg_fn(1.5), ValueError),
             (lambda utils: utils.get_ema_avg_fn(-0.1), ValueError)]
    for make, error in cases:
        with pytest.raises(error) as theirs:
            make(torch.optim.swa_utils)
        with pytest.raises(error) as ours:
            make(swa_utils)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for kwargs in (dict(anneal_strategy="exp"), dict(anneal_epochs=-1), dict(anneal_epochs=1.5),
                   dict(swa_lr=[0.1, 0.2])):
        arguments = {"swa_lr": 0.1, **kwargs}
        with pytest.raises(ValueError) as theirs:
            torch.optim.swa_utils.SWALR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), **arguments)
        with pytest.raises(ValueError) as ours:
            swa_utils.SWALR(optim.SGD([axonml.zeros(1, requires_grad=True)]), **arguments)
        if "swa_lr" not in kwargs:
            assert str(ours.value) == str(theirs.value)
