"""Transforms against torch's: forward, inverse, log |det J| and its gradient, shapes, signs and caching."""
import numpy as np
import pytest
import torch

import axonml

from .oracle import assert_close, dtype_for, numpy_of, pair

R = np.random.default_rng(9)
REAL = R.standard_normal((2, 3))
POSITIVE = R.uniform(0.2, 3.0, (2, 3))
SQUARE = R.standard_normal((2, 3, 3))
SPD = SQUARE @ np.swapaxes(SQUARE, -1, -2) + 3 * np.eye(3)
LOC, SCALE = R.standard_normal(3), R.uniform(0.5, 2.0, 3) * np.array([1, -1, 1])

# name -> (build(lib, t), input, has log |det J|)
CASES = {
    "Exp": (lambda L, t: L.D.ExpTransform(), REAL, True),
    "Affine": (lambda L, t: L.D.AffineTransform(t(LOC), t(SCALE)), REAL, True),
    "Affine-scalar": (lambda L, t: L.D.AffineTransform(1.5, -2.0), REAL, True),
    "Affine-event": (lambda L, t: L.D.AffineTransform(t(LOC), t(SCALE), event_dim=1), REAL, True),
    "Sigmoid": (lambda L, t: L.D.SigmoidTransform(), REAL, True),
    "Tanh": (lambda L, t: L.D.TanhTransform(), REAL, True),
    "Softplus": (lambda L, t: L.D.SoftplusTransform(), REAL, True),
    "Power": (lambda L, t: L.D.PowerTransform(t(np.array(2.5))), POSITIVE, True),
    "Softmax": (lambda L, t: L.D.SoftmaxTransform(), REAL, False),
    "StickBreaking": (lambda L, t: L.D.StickBreakingTransform(), REAL, True),
    "LowerCholesky": (lambda L, t: L.D.LowerCholeskyTransform(), SQUARE, False),
    "PositiveDefinite": (lambda L, t: L.D.PositiveDefiniteTransform(), SQUARE, False),
    "CorrCholesky": (lambda L, t: L.D.CorrCholeskyTransform(), REAL, True),
    "Reshape": (lambda L, t: L.D.ReshapeTransform((3,), (3, 1)), REAL, True),
    "Independent": (lambda L, t: L.D.IndependentTransform(L.D.ExpTransform(), 1), REAL, True),
    "Compose": (lambda L, t: L.D.ComposeTransform([L.D.AffineTransform(1.0, 2.0), L.D.ExpTransform(),
                                                   L.D.PowerTransform(t(np.array(0.5)))]), REAL, True),
    "Identity": (lambda L, t: L.D.identity_transform, REAL, True),
    "CDF": (lambda L, t: L.D.CumulativeDistributionTransform(L.D.Normal(t(LOC), t(np.abs(SCALE)))), REAL, True),
    "Cat": (lambda L, t: L.D.CatTransform([L.D.ExpTransform(), L.D.identity_transform, L.D.TanhTransform()],
                                          dim=1, lengths=[1, 1, 1]), REAL, True),
    "Cat-event": (lambda L, t: L.D.CatTransform([L.D.StickBreakingTransform(), L.D.StickBreakingTransform()],
                                                dim=0, lengths=[1, 1]), REAL, True),
    "Stack": (lambda L, t: L.D.StackTransform([L.D.SigmoidTransform(), L.D.AffineTransform(1.0, 3.0),
                                               L.D.SoftplusTransform()], dim=-1), REAL, True),
    "Inverse-Exp": (lambda L, t: L.D.ExpTransform().inv, POSITIVE, True),
    "Inverse-StickBreaking": (lambda L, t: L.D.StickBreakingTransform().inv,
                              POSITIVE / POSITIVE.sum(-1, keepdims=True), True),
}


def _make(name, device):
    ours, theirs = pair(device)
    build, x, has_jacobian = CASES[name]
    t_ours = (lambda a: axonml.tensor(np.asarray(a, dtype=dtype_for(device)), device=device))
    t_theirs = (lambda a: torch.tensor(np.asarray(a, dtype=np.float64)))
    return build(ours, t_ours), build(theirs, t_theirs), x, has_jacobian


@pytest.mark.parametrize("name", list(CASES))
def test_transform_equals_torch(name, device):
    ours, theirs, x_np, has_jacobian = _make(name, device)
    x = axonml.tensor(x_np.astype(dtype_for(device)), device=device, requires_grad=True)
    x_t = torch.tensor(x_np, requires_grad=True)
    y, y_t = ours(x), theirs(x_t)
    assert_close(y, y_t, device)
    assert_close(ours.inv(y.detach()), theirs.inv(y_t.detach()), device,
                 **({} if device == "cpu" else dict(rtol=1e-3, atol=1e-4)))
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(x_t.shape))
    assert tuple(ours.inverse_shape(y.shape)) == tuple(theirs.inverse_shape(y_t.shape))
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert ours.bijective == theirs.bijective
    if has_jacobian:
        ladj, ladj_t = ours.log_abs_det_jacobian(x, y), theirs.log_abs_det_jacobian(x_t, y_t)
        assert_close(ladj, ladj_t, device)
        assert ladj.requires_grad == ladj_t.requires_grad
        if ladj_t.requires_grad:
            ladj.sum().backward()
            ladj_t.sum().backward()
            assert_close(x.grad, x_t.grad, device)
        try:
            sign = theirs.sign
        except NotImplementedError:
            return
        assert_close(numpy_of(ours.sign), numpy_of(sign), device)


def test_inverse_of_inverse_is_the_transform_and_equality():
    ours, _ = pair("cpu")
    exp = ours.D.ExpTransform()
    assert exp.inv.inv is exp
    assert exp == ours.D.ExpTransform() and exp.inv == ours.D.ExpTransform().inv
    assert ours.D.AffineTransform(1.0, 2.0) == ours.D.AffineTransform(1.0, 2.0)
    assert ours.D.AffineTransform(1.0, 2.0) != ours.D.AffineTransform(1.0, 3.0)
    compose = ours.D.ComposeTransform([exp, ours.D.AffineTransform(0.0, 2.0)])
    assert compose.inv.inv is compose
    assert compose.inv.parts[0] == ours.D.AffineTransform(0.0, 2.0).inv


def test_cache_returns_the_cached_input():
    ours, _ = pair("cpu")
    tanh = ours.D.TanhTransform(cache_size=1)
    x = axonml.tensor([30.0, -25.0, 0.5], dtype=axonml.float64)
    y = tanh(x)
    assert tanh.inv(y) is x            # atanh(+-1) would be infinite
    assert tanh(x) is y
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        ours.D.ExpTransform(cache_size=2)
    assert ours.D.ExpTransform().with_cache(1)._cache_size == 1


def test_reshape_and_independent_shape_errors():
    ours, theirs = pair("cpu")
    with pytest.raises(ValueError, match="different numbers of elements"):
        ours.D.ReshapeTransform((2, 3), (4,))
    reshape = ours.D.ReshapeTransform((2, 3), (6,))
    with pytest.raises(ValueError, match="Shape mismatch"):
        reshape.forward_shape((5, 3, 2))
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        ours.D.StickBreakingTransform().forward_shape(())
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        ours.D.IndependentTransform(ours.D.ExpTransform(), 2)(axonml.tensor([1.0]))
    with pytest.raises(ValueError, match="not a flattened lower-diagonal number"):
        ours.D.CorrCholeskyTransform().forward_shape((4,))


def test_corr_cholesky_gives_unit_rows():
    ours, _ = pair("cpu")
    y = ours.D.CorrCholeskyTransform()(axonml.tensor(REAL))
    assert bool(ours.D.constraints.corr_cholesky.check(y).all())


def test_cat_and_stack_check_the_sliced_length():
    ours, theirs = pair("cpu")
    for lib, make in ((ours, axonml.tensor), (theirs, torch.tensor)):
        cat = lib.D.CatTransform([lib.D.ExpTransform(), lib.D.ExpTransform()], dim=0, lengths=[1, 2])
        with pytest.raises(AssertionError, match="must equal length 3"):
            cat(make(np.zeros((2, 2))))
        stack = lib.D.StackTransform([lib.D.ExpTransform()], dim=0)
        with pytest.raises(AssertionError, match="must equal len"):
            stack(make(np.zeros((2, 2))))
