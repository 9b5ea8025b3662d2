"""Every scheduler against torch.optim.lr_scheduler: the same lr (and momentum) sequence, bit for bit."""
import warnings

import pytest
import torch

import axonml
from axonml import optim
from axonml.optim import lr_scheduler

STEPS = 50
BASE_LRS = (0.1, 0.05)


def _optimizers(optimizer="SGD"):
    """An axonml and a torch optimizer, each with two param groups of different lrs."""
    options = dict(momentum=0.9) if optimizer == "SGD" else {}

    def build(module, make):
        params = [make(), make()]
        return getattr(module, optimizer)([{"params": [params[0]], "lr": BASE_LRS[0]},
                                           {"params": [params[1]], "lr": BASE_LRS[1]}], **options)

    return (build(optim, lambda: axonml.zeros(2, requires_grad=True)),
            build(torch.optim, lambda: torch.zeros(2, requires_grad=True)))


def _momenta(optimizer):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]


def _lambda(epoch):
    return 0.97 ** epoch + 0.01 * (epoch % 3)


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=12, eta_min=0.001),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=8),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=30, power=2.0),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=[_lambda, lambda e: 1.0 / (e + 1)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=5), m.CosineAnnealingLR(o, T_max=20),
            m.ExponentialLR(o, gamma=0.9)], milestones=[5, 25]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=10), m.ExponentialLR(o, gamma=0.95)]),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=7,
                                                   step_size_down=4),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5,
                                                    mode="triangular2", base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range",
                                                  gamma=0.97),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                 scale_fn=lambda x: 1.0 / (1 + x), scale_mode="iterations",
                                                 cycle_momentum=False),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    "OneCycleLR-cos": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-linear": lambda m, o: m.OneCycleLR(o, max_lr=0.8, total_steps=STEPS, anneal_strategy="linear",
                                                   pct_start=0.4, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(o, max_lr=0.8, epochs=5, steps_per_epoch=10,
                                                        three_phase=True, base_momentum=0.8, max_momentum=0.9),
}


def _sequences(make, optimizer, steps=STEPS):
    scheduler = make(optimizer)
    lrs = [scheduler.get_last_lr()]
    groups = [[g["lr"] for g in optimizer.param_groups]]
    momenta = [_momenta(optimizer)]
    for _ in range(steps - 1):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        groups.append([g["lr"] for g in optimizer.param_groups])
        momenta.append(_momenta(optimizer))
    return lrs, groups, momenta


# the optimizer only matters to OneCycleLR and CyclicLR, which cycle SGD's momentum or Adam's beta1
CASES = [(name, "SGD") for name in sorted(SCHEDULES)] + [(name, "Adam") for name in sorted(SCHEDULES)
                                                         if name.startswith(("OneCycleLR", "CyclicLR"))]


@pytest.mark.parametrize("name, optimizer", CASES)
def test_sequence_matches_torch(name, optimizer):
    ours, theirs = _optimizers(optimizer)
    make = SCHEDULES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _sequences(lambda o: make(torch.optim.lr_scheduler, o), theirs)
    actual = _sequences(lambda o: make(lr_scheduler, o), ours)
    assert actual[0] == expected[0], "get_last_lr()"
    assert actual[1] == expected[1], "param_groups' lr"
    assert actual[2] == expected[2], "momentum / beta1"


@pytest.mark.parametrize("mode, threshold_mode, min_lr", [("min", "rel", 0.0), ("max", "abs", [0.001, 0.02]),
                                                           ("min", "abs", 0.004), ("max", "rel", 0.0)])
def test_reduce_on_plateau_matches_torch(mode, threshold_mode, min_lr):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.9, 0.89999, 0.7, 0.71, 0.72, 0.73, 0.7, 0.74, 0.75, 0.69] * 4
    sign = 1 if mode == "min" else -1
    sequences = []
    for module, optimizer in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers()):
        scheduler = module.ReduceLROnPlateau(optimizer, mode=mode, factor=0.5, patience=2, threshold=0.01,
                                             threshold_mode=threshold_mode, cooldown=1, min_lr=min_lr, eps=1e-6)
        lrs = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(sign * metric)
            lrs.append((scheduler.get_last_lr(), scheduler.num_bad_epochs, scheduler.cooldown_counter))
        sequences.append(lrs)
    assert sequences[0] == sequences[1]
    assert sequences[0][-1][0] != list(BASE_LRS), "the metrics should have triggered reductions"


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "ConstantLR", "PolynomialLR"])
def test_step_with_epoch_uses_the_closed_form_like_torch(name):
    values = []
    for module, optimizer in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers()):
        scheduler = SCHEDULES[name](module, optimizer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 17, 9, 40):
                optimizer.step()
                scheduler.step(epoch)
                values.append(scheduler.get_last_lr())
    half = len(values) // 2
    assert values[:half] == values[half:]


@pytest.mark.parametrize("name", ["CosineAnnealingLR", "SequentialLR", "OneCycleLR-cos", "LambdaLR"])
def test_state_dict_resumes_the_schedule(name):
    make = SCHEDULES[name]
    optimizer, _ = _optimizers()
    scheduler = make(lr_scheduler, optimizer)
    for _ in range(20):
        optimizer.step()
        scheduler.step()
    saved_scheduler, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    expected = []
    for _ in range(20):
        optimizer.step()
        scheduler.step()
        expected.append(scheduler.get_last_lr())
    resumed_optimizer, _ = _optimizers()
    resumed = make(lr_scheduler, resumed_optimizer)
    resumed.load_state_dict(saved_scheduler)
    resumed_optimizer.load_state_dict(saved_optimizer)
    actual = []
    for _ in range(20):
        resumed_optimizer.step()
        resumed.step()
        actual.append(resumed.get_last_lr())
    assert actual == expected


def test_warmup_lr_is_linear_lr():
    assert lr_scheduler.WarmupLR is lr_scheduler.LinearLR


def test_errors_match_torch():
    cases = [
        ("LinearLR", dict(start_factor=0.0)), ("LinearLR", dict(end_factor=1.5)), ("ConstantLR", dict(factor=2.0)),
        ("ReduceLROnPlateau", dict(factor=1.0)), ("ReduceLROnPlateau", dict(mode="sideways")),
        ("ReduceLROnPlateau", dict(threshold_mode="sideways")), ("ReduceLROnPlateau", dict(min_lr=[0.1])),
        ("OneCycleLR", dict(max_lr=0.1)), ("OneCycleLR", dict(max_lr=0.1, total_steps=0)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=1.5)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="step")),
        ("OneCycleLR", dict(max_lr=[0.1], total_steps=10)),
        ("LambdaLR", dict(lr_lambda=[lambda e: 1.0])),
        ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, mode="sine")),
        ("CosineAnnealingWarmRestarts", dict(T_0=0)), ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=0)),
    ]
    for name, options in cases:
        ours, theirs = _optimizers()
        with pytest.raises(ValueError) as expected:
            getattr(torch.optim.lr_scheduler, name)(theirs, **options)
        with pytest.raises(ValueError) as actual:
            getattr(lr_scheduler, name)(ours, **options)
        assert str(actual.value) == str(expected.value), name
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)


def test_one_cycle_refuses_to_step_past_its_end():
    optimizer, _ = _optimizers()
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=3)
    scheduler.step()
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        scheduler.step()


@pytest.mark.parametrize("name", ["MultiStepLR", "OneCycleLR-three-phase", "SequentialLR", "ChainedScheduler"])
def test_state_dict_survives_axonml_save(name, tmp_path):
    make = SCHEDULES[name]
    optimizer, _ = _optimizers()
    scheduler = make(lr_scheduler, optimizer)
    for _ in range(13):
        optimizer.step()
        scheduler.step()
    axonml.save({"scheduler": scheduler.state_dict(), "optimizer": optimizer.state_dict()},
                tmp_path / "checkpoint.safetensors")
    expected = []
    for _ in range(20):
        optimizer.step()
        scheduler.step()
        expected.append(scheduler.get_last_lr())
    checkpoint = axonml.load(tmp_path / "checkpoint.safetensors")
    resumed_optimizer, _ = _optimizers()
    resumed = make(lr_scheduler, resumed_optimizer)
    resumed.load_state_dict(checkpoint["scheduler"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    actual = []
    for _ in range(20):
        resumed_optimizer.step()
        resumed.step()
        actual.append(resumed.get_last_lr())
    assert actual == expected


def test_reduce_on_plateau_state_survives_axonml_save(tmp_path):
    optimizer, _ = _optimizers()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)
    for metric in (1.0, 1.0, 1.0, 0.5):
        scheduler.step(metric)
    axonml.save(scheduler.state_dict(), tmp_path / "plateau.safetensors")
    resumed = lr_scheduler.ReduceLROnPlateau(_optimizers()[0], patience=1)
    resumed.load_state_dict(axonml.load(tmp_path / "plateau.safetensors"))
    assert (resumed.best, resumed.num_bad_epochs, resumed.mode_worse) == (0.5, 0, float("inf"))


def test_warm_restarts_with_fractional_epochs_match_torch():
    values = []
    for module, optimizer in zip((lr_scheduler, torch.optim.lr_scheduler), _optimizers()):
        scheduler = module.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=0.01)
        for epoch in (0.5, 1.25, 2.9, 3.0, 7.7, 12.2, 40.0, 1.0):
            optimizer.step()
            scheduler.step(epoch)
            values.append(scheduler.get_last_lr())
    half = len(values) // 2
    assert values[:half] == values[half:]
