"""LBFGS against torch.optim.LBFGS: the same closure on the same parameters, with and without the
strong-Wolfe line search."""
import numpy as np
import pytest
import torch

import axonml
from axonml import optim
from tests.oracle.oracle import assert_close


def _problem(dtype, seed=0):
    """A smooth, well-conditioned least-squares problem with a quartic term, over two parameters
    (one of them stored transposed, so that its gradient is not contiguous)."""
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((16, 4)).astype(dtype)
    targets = rng.standard_normal((16, 3)).astype(dtype)
    weight = np.ascontiguousarray(rng.standard_normal((4, 3)).astype(dtype).T)
    bias = rng.standard_normal(3).astype(dtype)
    return inputs, targets, weight, bias


class _Twins:
    def __init__(self, dtype, device):
        inputs, targets, weight, bias = _problem(dtype)
        self.ours = [axonml.from_numpy(weight.copy()).to(device).requires_grad_(),
                     axonml.from_numpy(bias.copy()).to(device).requires_grad_()]
        self.theirs = [torch.from_numpy(weight.copy()).requires_grad_(), torch.from_numpy(bias.copy()).requires_grad_()]
        self.data_ours = (axonml.from_numpy(inputs).to(device), axonml.from_numpy(targets).to(device))
        self.data_theirs = (torch.from_numpy(inputs), torch.from_numpy(targets))

    @staticmethod
    def loss(params, data):
        (weight, bias), (inputs, targets) = params, data
        residual = inputs @ weight.t() + bias - targets
        return (residual * residual).mean() + 0.05 * (weight ** 4).sum()

    def closures(self, ours, theirs):
        def ours_closure():
            ours.zero_grad()
            loss = self.loss(self.ours, self.data_ours)
            loss.backward()
            return loss

        def theirs_closure():
            theirs.zero_grad()
            loss = self.loss(self.theirs, self.data_theirs)
            loss.backward()
            return loss

        return ours_closure, theirs_closure


def _assert_lbfgs_states_close(ours, theirs, dtype):
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd["state"]) == list(theirs_sd["state"]) == [0]
    ours_state, theirs_state = ours_sd["state"][0], theirs_sd["state"][0]
    assert sorted(ours_state) == sorted(theirs_state)
    for key in ("func_evals", "n_iter"):
        assert ours_state[key] == theirs_state[key], key
    for key in ("d", "prev_flat_grad"):
        assert_close(ours_state[key], theirs_state[key], dtype, what=key)
    for key in ("old_dirs", "old_stps", "ro"):
        assert len(ours_state[key]) == len(theirs_state[key]), key
        for i, (a, b) in enumerate(zip(ours_state[key], theirs_state[key])):
            assert_close(a, b, dtype, what=f"{key}[{i}]")
    for key in ("t", "H_diag", "prev_loss"):
        np.testing.assert_allclose(float(ours_state[key]), float(theirs_state[key]), rtol=1e-4 if dtype == "float32"
                                   else 1e-7, err_msg=key)
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(lr=0.5, max_iter=8, history_size=4),
                                     dict(lr=1, max_iter=10, history_size=3, line_search_fn="strong_wolfe"),
                                     dict(lr=1, max_iter=5, max_eval=7, line_search_fn="strong_wolfe")],
                         ids=["fixed-step", "strong_wolfe", "strong_wolfe-max_eval"])
def test_lbfgs_matches_torch(options, dtype, device):
    twins = _Twins(dtype, device)
    ours, theirs = optim.LBFGS(twins.ours, **options), torch.optim.LBFGS(twins.theirs, **options)
    ours_closure, theirs_closure = twins.closures(ours, theirs)
    # float32 rounding (a different gemm) grows as the iterates converge: one step of up to
    # max_iter iterations in float32, four in float64
    for step in range(1 if dtype == "float32" else 4):
        ours_loss, theirs_loss = ours.step(ours_closure), theirs.step(theirs_closure)
        assert_close(ours_loss, theirs_loss, dtype, what=f"loss of step {step}")
        for i, (a, b) in enumerate(zip(twins.ours, twins.theirs)):
            assert_close(a, b, dtype, what=f"param {i} after step {step}")
    _assert_lbfgs_states_close(ours, theirs, dtype)


def test_lbfgs_converges_on_rosenbrock_as_torch_does():
    x0 = np.array([-1.5, 2.0, 0.5, -0.7], dtype=np.float64)
    ours, theirs = axonml.from_numpy(x0.copy()).requires_grad_(), torch.from_numpy(x0.copy()).requires_grad_()
    rosenbrock = lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    opt_ours = optim.LBFGS([ours], line_search_fn="strong_wolfe", max_iter=100, tolerance_grad=1e-10)
    opt_theirs = torch.optim.LBFGS([theirs], line_search_fn="strong_wolfe", max_iter=100, tolerance_grad=1e-10)

    def closure(optimizer, x):
        def evaluate():
            optimizer.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss
        return evaluate

    for _ in range(3):
        opt_ours.step(closure(opt_ours, ours))
        opt_theirs.step(closure(opt_theirs, theirs))
    # 4-d Rosenbrock has a local minimum near (-0.776, 0.613, 0.382, 0.146), which this start reaches
    np.testing.assert_allclose(np.asarray(ours.detach()), [-0.7757, 0.6130, 0.3820, 0.1459], atol=1e-4)
    np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), rtol=1e-7, atol=1e-9)
    assert opt_ours.state[ours]["func_evals"] == opt_theirs.state[theirs]["func_evals"]


def test_lbfgs_returns_at_once_when_the_gradient_is_already_small():
    x = axonml.zeros(3, requires_grad=True)
    optimizer = optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        optimizer.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    assert float(optimizer.step(closure)) == 0.0
    assert len(calls) == 1 and optimizer.state[x]["func_evals"] == 1 and "d" not in optimizer.state[x]


def test_lbfgs_state_dict_round_trip_continues_like_torch():
    twins = _Twins("float64", "cpu")
    options = dict(lr=1, max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    ours, theirs = optim.LBFGS(twins.ours, **options), torch.optim.LBFGS(twins.theirs, **options)
    ours_closure, theirs_closure = twins.closures(ours, theirs)
    ours.step(ours_closure)
    theirs.step(theirs_closure)
    restored = optim.LBFGS(twins.ours, **{**options, "lr": 0.1})
    restored.load_state_dict(ours.state_dict())
    ours_closure, _ = twins.closures(restored, theirs)
    for _ in range(2):
        restored.step(ours_closure)
        theirs.step(theirs_closure)
    for a, b in zip(twins.ours, twins.theirs):
        assert_close(a, b, "float64", what="param after resuming")
    _assert_lbfgs_states_close(restored, theirs, "float64")


def test_lbfgs_errors_are_torchs():
    a, b = axonml.zeros(2, requires_grad=True), axonml.zeros(2, requires_grad=True)
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(2, requires_grad=True)]}])
    with pytest.raises(ValueError) as ours:
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        optim.LBFGS([a], lr=-1.0)
    with pytest.raises(TypeError, match="requires a closure"):
        optim.LBFGS([a]).step(None)
    optimizer = optim.LBFGS([a], line_search_fn="armijo")
    a.grad = None

    def closure():
        optimizer.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optimizer.step(closure)
    assert optim.LBFGS([a], max_iter=8).defaults["max_eval"] == 10
