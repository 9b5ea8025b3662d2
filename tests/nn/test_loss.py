"""Loss modules against PyTorch, every reduction."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module

REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", dict(beta=0.5)),
                                         ("HuberLoss", dict(delta=0.7))])
def test_regression_losses(reduction, name, kwargs, device):
    ours, theirs = getattr(nn, name)(reduction=reduction, **kwargs), getattr(torch.nn, name)(reduction=reduction,
                                                                                            **kwargs)
    check_module(ours, theirs, [(4, 5), (4, 5)], dtype="float64", device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, dict(label_smoothing=0.1), dict(ignore_index=2), dict(weight=True)])
def test_cross_entropy_and_nll(reduction, options, device):
    rng = np.random.default_rng(0)
    target = rng.integers(0, 4, size=(6,))
    kwargs = dict(options)
    weight = rng.uniform(0.5, 2.0, 4)
    if kwargs.pop("weight", False):
        ours = nn.CrossEntropyLoss(weight=axonml.tensor(weight), reduction=reduction, **kwargs)
        theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), reduction=reduction, **kwargs)
    else:
        ours = nn.CrossEntropyLoss(reduction=reduction, **kwargs)
        theirs = torch.nn.CrossEntropyLoss(reduction=reduction, **kwargs)
    check_module(ours, theirs, [(6, 4), target], dtype="float64", device=device)
    if "label_smoothing" not in options:
        nll_ours = nn.NLLLoss(reduction=reduction, ignore_index=options.get("ignore_index", -100))
        nll_theirs = torch.nn.NLLLoss(reduction=reduction, ignore_index=options.get("ignore_index", -100))
        check_module(nll_ours, nll_theirs, [(6, 4), target], dtype="float64", device=device)


def test_cross_entropy_spatial_target_float32(device):
    target = np.random.default_rng(1).integers(0, 3, size=(2, 4, 5))
    check_module(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), [(2, 3, 4, 5), target], device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_losses(reduction, device):
    rng = np.random.default_rng(2)
    probabilities = rng.uniform(0.05, 0.95, (4, 3))
    target = rng.uniform(0, 1, (4, 3))
    check_module(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), [probabilities, target],
                 dtype="float64", device=device)
    weight, pos_weight = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    ours = nn.BCEWithLogitsLoss(weight=axonml.tensor(weight), pos_weight=axonml.tensor(pos_weight),
                                reduction=reduction)
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(weight), pos_weight=torch.tensor(pos_weight),
                                        reduction=reduction)
    check_module(ours, theirs, [(4, 3), target], dtype="float64", device=device)


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss(reduction, log_target, device):
    rng = np.random.default_rng(3)
    target = rng.uniform(0.1, 1, (4, 5))
    if log_target:
        target = np.log(target)
    check_module(nn.KLDivLoss(reduction=reduction, log_target=log_target),
                 torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), [(4, 5), target], dtype="float64",
                 device=device)


def test_weight_is_a_buffer_and_legacy_arguments():
    ours = nn.CrossEntropyLoss(weight=axonml.ones(3))
    theirs = torch.nn.CrossEntropyLoss(weight=torch.ones(3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(nn.BCEWithLogitsLoss().state_dict()) == list(torch.nn.BCEWithLogitsLoss().state_dict())
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.L1Loss(reduce=False).reduction == "none"
