"""Losses against PyTorch: every reduction, class weights, ignore_index, label smoothing, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import axonml
import axonml.nn.functional as F
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(42)
TARGET_2D = np.array([0, 3, 1, 4, 4, 2])
TARGET_ND = RNG.integers(0, 5, size=(3, 4, 2))
CLASS_WEIGHT = RNG.random(5) + 0.2


def both(name, *args, **kwargs):
    return (lambda *xs, **more: getattr(F, name)(*xs, *args, **kwargs, **more),
            lambda *xs, **more: getattr(TF, name)(*xs, *args, **kwargs, **more))


def f64(shape, seed=0, requires_grad=True):
    return axonml.from_numpy(np.random.default_rng(seed).standard_normal(shape)).requires_grad_(requires_grad)


# --- cross_entropy and nll_loss ---------------------------------------------------------------------

CLASS_CASES = [((6, 5), TARGET_2D), ((3, 5, 4, 2), TARGET_ND), ((5,), np.array(3)),
               ((6, 5), np.where(TARGET_2D == 4, -100, TARGET_2D)), ((3, 5, 4, 2), np.where(TARGET_ND == 1, 7, TARGET_ND))]


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", range(len(CLASS_CASES)))
@pytest.mark.parametrize("weighted", [False, True])
def test_class_index_losses(name, reduction, case, weighted, device):
    shape, target = CLASS_CASES[case]
    ignore = 7 if case == 4 else -100
    inputs = [shape, target] + ([CLASS_WEIGHT] if weighted else [])
    ax, th = both(name, ignore_index=ignore, reduction=reduction)
    check(lambda x, t, *w: ax(x, t, *w), inputs, torch_fn=lambda x, t, *w: th(x, t, *w), grad_inputs=[0],
          device=device)


@pytest.mark.parametrize("smoothing", [0.1, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(smoothing, reduction, weighted, device):
    target = np.where(TARGET_2D == 4, -100, TARGET_2D)
    inputs = [(6, 5), target] + ([CLASS_WEIGHT] if weighted else [])
    ax, th = both("cross_entropy", reduction=reduction, label_smoothing=smoothing)
    check(ax, inputs, torch_fn=th, grad_inputs=[0], device=device)
    check(ax, [(3, 5, 4, 2), TARGET_ND] + ([CLASS_WEIGHT] if weighted else []), torch_fn=th, grad_inputs=[0],
          device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4), (5,)])
def test_cross_entropy_probability_targets(reduction, smoothing, shape, device):
    probs = RNG.random(shape)
    probs /= probs.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    ax, th = both("cross_entropy", reduction=reduction, label_smoothing=smoothing)
    check(ax, [shape, probs], torch_fn=th, device=device)
    check(ax, [shape, probs, CLASS_WEIGHT], torch_fn=th, grad_inputs=[0, 1], device=device)


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_wide_rows(smoothing, weighted, device):
    # 1000 and 37 classes run the vectorized float32 row loops: whole blocks of 16 and a tail
    for classes in (1000, 37):
        rng = np.random.default_rng(classes)
        target = rng.integers(0, classes, 9)
        target[4] = -100
        inputs = [rng.standard_normal((9, classes)) * 6, target] + ([rng.random(classes) + 0.2] if weighted else [])
        ax, th = both("cross_entropy", label_smoothing=smoothing)
        check(ax, inputs, torch_fn=th, grad_inputs=[0], device=device)


def test_cross_entropy_infinite_logits_give_nan_as_in_torch():
    logits = np.zeros((3, 20))
    logits[0, 3], logits[1, 0], logits[2, 5] = np.inf, -np.inf, np.nan
    ax, th = both("cross_entropy", reduction="none")
    check(ax, [logits, np.array([3, 1, 2])], torch_fn=th, grad=False)


def test_cross_entropy_all_ignored_and_empty_give_nan():
    ax, th = both("cross_entropy")
    check(ax, [(3, 5), np.array([-100, -100, -100])], torch_fn=th)
    check(ax, [(0, 5), np.zeros(0, np.int64)], torch_fn=th, grad=False)


def test_cross_entropy_matches_log_softmax_then_nll():
    x = f64((8, 6))
    target = axonml.tensor([0, 5, 2, 2, 1, 3, 4, 0])
    fused = F.cross_entropy(x, target)
    composed = F.nll_loss(F.log_softmax(x, 1), target)
    np.testing.assert_allclose(float(fused), float(composed), rtol=1e-12)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_index_gradcheck(name):
    target = axonml.tensor([0, 2, 1, 2])
    weight = axonml.tensor([0.5, 2.0, 1.0], dtype=axonml.float64)
    assert gradcheck(lambda x: getattr(F, name)(x, target, weight=weight), [f64((4, 3))])
    nd_target = axonml.tensor([[0, 2], [1, -100]])
    assert gradcheck(lambda x: getattr(F, name)(x, nd_target, reduction="sum"), [f64((2, 3, 2))])


def test_cross_entropy_smoothing_and_probability_gradcheck():
    target = axonml.tensor([0, 2, 1, -100])
    assert gradcheck(lambda x: F.cross_entropy(x, target, label_smoothing=0.3), [f64((4, 3))])
    probs = axonml.from_numpy(np.random.default_rng(1).dirichlet(np.ones(3), size=4)).requires_grad_()
    assert gradcheck(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1), [f64((4, 3)), probs])


CLASS_ERRORS = [
    ((3, 5), np.array([0, 1, 7]), {}),                          # target out of range: IndexError
    ((3, 5), np.array([0, 1, -3]), {}),
    ((3, 5), np.array([0, 1, 2], np.int32), {}),                # int32 target: RuntimeError
    ((3, 5), np.array([0, 1]), {}),                             # batch mismatch: ValueError
    ((2, 5, 4), np.zeros((2, 3), np.int64), {}),                # spatial mismatch: RuntimeError
    ((3, 5), np.zeros((3, 4), np.float32), {}),                 # float target of another shape
    ((3, 5), np.array([0, 1, 2]), {"reduction": "foo"}),        # ValueError
    ((3, 5), np.array([0, 1, 2]), {"weight": "wrong"}),         # weight of the wrong size
]


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("case", range(len(CLASS_ERRORS)))
def test_class_index_errors(name, case):
    shape, target, kwargs = CLASS_ERRORS[case]
    if kwargs.get("weight") == "wrong":
        check_raises(lambda x, t, w: getattr(F, name)(x, t, weight=w), [shape, target, (4,)],
                     torch_fn=lambda x, t, w: getattr(TF, name)(x, t, weight=w))
        return
    ax, th = both(name, **kwargs)
    check_raises(ax, [shape, target], torch_fn=th)


def test_cross_entropy_label_smoothing_error():
    ax, th = both("cross_entropy", label_smoothing=1.5)
    check_raises(ax, [(3, 5), np.array([0, 1, 2])], torch_fn=th)


def test_legacy_size_average_and_reduce():
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning):
            ax, th = both("cross_entropy", size_average=size_average, reduce=reduce)
            check(ax, [(6, 5), TARGET_2D], torch_fn=th, grad_inputs=[0])


# --- regression losses -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
                                         ("smooth_l1_loss", {"beta": 0.3}), ("smooth_l1_loss", {"beta": 0.0}),
                                         ("huber_loss", {}), ("huber_loss", {"delta": 0.4})])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(name, kwargs, reduction, device):
    ax, th = both(name, reduction=reduction, **kwargs)
    check(ax, [(4, 5), (4, 5)], torch_fn=th, device=device)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_weighted(name, reduction):
    weight = RNG.random((4, 5))
    ax, th = both(name, reduction=reduction)
    check(lambda x, t, w: ax(x, t, weight=w), [(4, 5), (4, 5), weight],
          torch_fn=lambda x, t, w: th(x, t, weight=w))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_broadcast_with_warning(name):
    ax, th = both(name)
    with pytest.warns(UserWarning, match="target size"):
        check(ax, [(4, 1), (3,)], torch_fn=th)


def test_regression_losses_mixed_dtypes():
    check(lambda x, t: F.mse_loss(x, t.double()), [(3, 4), (3, 4)], torch_fn=lambda x, t: TF.mse_loss(x, t.double()),
          dtypes=("float32",))
    check(lambda x, t: F.l1_loss(x, t), [(4,), np.array([1, 2, 3, 4])], torch_fn=lambda x, t: TF.l1_loss(x, t))


@pytest.mark.parametrize("name,kwargs,shapes", [("mse_loss", {}, [(3, 2), (4,)]),
                                                ("smooth_l1_loss", {"beta": -1.0}, [(3,), (3,)]),
                                                ("huber_loss", {"delta": 0.0}, [(3,), (3,)]),
                                                ("l1_loss", {"reduction": "avg"}, [(3,), (3,)])])
def test_regression_loss_errors(name, kwargs, shapes):
    ax, th = both(name, **kwargs)
    check_raises(ax, shapes, torch_fn=th)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_gradcheck(name):
    assert gradcheck(lambda x, t: getattr(F, name)(x, t), [f64((3, 4)), f64((3, 4), 1)])


# --- binary cross-entropy ------------------------------------------------------------------------------

PROBS = RNG.uniform(0.02, 0.98, (4, 3))
TARGETS = RNG.random((4, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted, device):
    ax, th = both("binary_cross_entropy", reduction=reduction)
    inputs = [PROBS, TARGETS] + ([RNG.random(3)] if weighted else [])
    check(lambda x, t, *w: ax(x, t, *w), inputs, torch_fn=lambda x, t, *w: th(x, t, *w), grad_inputs=[0, 1],
          device=device)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    ax, th = both("binary_cross_entropy", reduction="none")
    check(ax, [np.array([0.0, 1.0, 0.5, 1e-50]), np.array([1.0, 0.0, 1.0, 1.0])], torch_fn=th, grad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(reduction, options, device):
    ax, th = both("binary_cross_entropy_with_logits", reduction=reduction)
    weight = RNG.random((4, 3)) if options in ("weight", "both") else None
    pos_weight = RNG.random(3) * 3 if options in ("pos_weight", "both") else None

    def call(fn, lib):
        def run(x, t, *extra):
            extra = list(extra)
            w = extra.pop(0) if weight is not None else None
            pw = extra.pop(0) if pos_weight is not None else None
            return fn(x, t, weight=w, pos_weight=pw)
        return run
    inputs = [(4, 3) , TARGETS] + [a for a in (weight, pos_weight) if a is not None]
    check(call(ax, axonml), inputs, torch_fn=call(th, torch), grad_inputs=[0, 1], device=device)


def test_binary_cross_entropy_with_logits_extreme_logits():
    ax, th = both("binary_cross_entropy_with_logits", reduction="none")
    check(ax, [np.array([-500.0, -30.0, 0.0, 30.0, 500.0]), np.array([1.0, 0.0, 0.5, 1.0, 0.0])], torch_fn=th)


@pytest.mark.parametrize("name,shapes", [("binary_cross_entropy", [np.array([[0.5], [0.2]]), np.array([0.5, 0.1])]),
                                         ("binary_cross_entropy", [np.array([1.5]), np.array([0.5])]),
                                         ("binary_cross_entropy_with_logits", [(3, 1), (3,)])])
def test_binary_cross_entropy_errors(name, shapes):
    ax, th = both(name)
    check_raises(ax, shapes, torch_fn=th)


def test_binary_cross_entropy_gradcheck():
    probs = axonml.from_numpy(PROBS).requires_grad_()
    assert gradcheck(lambda x, t: F.binary_cross_entropy(x, t), [probs, axonml.from_numpy(TARGETS).requires_grad_()])
    pos_weight = axonml.tensor([0.5, 2.0, 1.5], dtype=axonml.float64)
    assert gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=pos_weight),
                     [f64((4, 3)), axonml.from_numpy(TARGETS).requires_grad_()])


# --- kl_div ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target, device):
    target = RNG.dirichlet(np.ones(5), size=4)
    if log_target:
        target = np.log(target)
    log_input = np.log(RNG.dirichlet(np.ones(5), size=4))
    ax, th = both("kl_div", reduction=reduction, log_target=log_target)
    check(ax, [log_input, target], torch_fn=th, device=device)


def test_kl_div_zero_target_contributes_zero():
    target = RNG.dirichlet(np.ones(5), size=4)
    target[0, 1] = 0.0
    ax, th = both("kl_div", reduction="none")
    check(ax, [np.log(RNG.dirichlet(np.ones(5), size=4)), target], torch_fn=th, grad_inputs=[0])


def test_kl_div_mean_warns():
    ax, th = both("kl_div", reduction="mean")
    with pytest.warns(UserWarning, match="batchmean"):
        check(ax, [(3, 4), RNG.random((3, 4))], torch_fn=th, grad_inputs=[0])
