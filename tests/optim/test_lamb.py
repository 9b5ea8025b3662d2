"""LAMB against a NumPy transcription of Algorithm 2 of You et al. (2019), written here independently."""
import numpy as np
import pytest

import axonml
from axonml import optim
from tests.oracle.oracle import TOLERANCES
from tests.optim.trajectory import STEPS, _gradient, _initial_params, require_primitives


def _lamb_reference(params, steps, lr, betas, eps, weight_decay, maximize, sign):
    """The paper's update in float64: moments, bias correction, Adam ratio plus decay, trust ratio."""
    beta1, beta2 = betas
    params = [p.astype(np.float64) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        for i, x in enumerate(params):
            g = _gradient(x.astype(np.float64), t - 1, i, sign)
            g = -g if maximize else g
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            r = m_hat / (np.sqrt(v_hat) + eps) + weight_decay * x
            x_norm, r_norm = np.linalg.norm(x), np.linalg.norm(r)
            trust_ratio = x_norm / r_norm if x_norm > 0 and r_norm > 0 else 1.0
            params[i] = x - lr * trust_ratio * r
    return params, m, v


OPTIONS = [dict(lr=0.01, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0, maximize=False),
           dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, maximize=False),
           dict(lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, maximize=True)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"wd={o['weight_decay']},maximize={o['maximize']}")
def test_lamb_follows_the_papers_formula(options, dtype, device):
    require_primitives(device, "lamb_step", "sgd_step")
    arrays = _initial_params(dtype)
    arrays.append(np.zeros(4, dtype))  # a zero parameter: trust ratio 1 on the first step
    sign = -1 if options["maximize"] else 1
    params = [axonml.from_numpy(a.copy()).to(device).requires_grad_() for a in arrays]
    optimizer = optim.LAMB(params, **options)
    for step in range(STEPS):
        for i, p in enumerate(params):
            p.grad = axonml.from_numpy(_gradient(np.asarray(p.detach().cpu()), step, i, sign)).to(device)
        optimizer.step()
    expected, exp_avg, exp_avg_sq = _lamb_reference(arrays, STEPS, **options, sign=sign)
    tol = TOLERANCES[dtype]
    for i, p in enumerate(params):
        assert p.dtype == axonml.float32 if dtype == "float32" else axonml.float64
        np.testing.assert_allclose(np.asarray(p.detach().cpu()), expected[i], **tol, err_msg=f"param {i}")
        state = optimizer.state[p]
        assert list(state) == ["step", "exp_avg", "exp_avg_sq"] and float(state["step"]) == STEPS
        np.testing.assert_allclose(np.asarray(state["exp_avg"].cpu()), exp_avg[i], **tol)
        np.testing.assert_allclose(np.asarray(state["exp_avg_sq"].cpu()), exp_avg_sq[i], **tol)


def test_lamb_scales_each_tensor_by_its_trust_ratio():
    """One step from zero moments: r = g / (|g| + eps) elementwise, scaled to the parameter's norm."""
    x = axonml.tensor([3.0, 4.0], requires_grad=True)
    optimizer = optim.LAMB([x], lr=0.1, eps=0.0)
    x.grad = axonml.tensor([1.0, -2.0])
    optimizer.step()
    r = np.array([1.0, -1.0])
    np.testing.assert_allclose(np.asarray(x.detach()), [3.0, 4.0] - 0.1 * (5.0 / np.sqrt(2.0)) * r, rtol=1e-6)


def test_lamb_state_dict_round_trip(tmp_path):
    params = [axonml.from_numpy(a.copy()).requires_grad_() for a in _initial_params("float64")]
    twin = [p.detach().clone().requires_grad_() for p in params]
    ours, reference = optim.LAMB(params, lr=0.01, weight_decay=0.01), optim.LAMB(twin, lr=0.01, weight_decay=0.01)
    for step in range(STEPS):
        if step == STEPS // 2:
            axonml.save(ours.state_dict(), tmp_path / "lamb.safetensors")
            ours = optim.LAMB(params, lr=1.0)
            ours.load_state_dict(axonml.load(tmp_path / "lamb.safetensors"))
        for i, (p, q) in enumerate(zip(params, twin)):
            g = _gradient(np.asarray(p.detach()), step, i, 1)
            p.grad, q.grad = axonml.from_numpy(g), axonml.from_numpy(g.copy())
        ours.step()
        reference.step()
    for p, q in zip(params, twin):
        np.testing.assert_array_equal(np.asarray(p.detach()), np.asarray(q.detach()))


@pytest.mark.parametrize("options, message", [(dict(lr=-1.0), "Invalid learning rate"),
                                              (dict(eps=-1.0), "Invalid epsilon value"),
                                              (dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
                                              (dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
                                              (dict(weight_decay=-1.0), "Invalid weight_decay value")])
def test_lamb_invalid_arguments(options, message):
    with pytest.raises(ValueError, match=message):
        optim.LAMB([axonml.zeros(2, requires_grad=True)], **options)
