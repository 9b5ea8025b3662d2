"""Autograd features, each checked against what PyTorch does with the same script."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import Function, gradcheck, numerical_gradient

LIBS = [torch, axonml]
ids = ["torch", "axonml"]


def grads_of(script):
    """Run script(lib) in torch and in axonml; return both results (nested numbers) for comparison."""
    return [_plain(script(lib)) for lib in LIBS]


def _plain(value):
    if isinstance(value, (torch.Tensor, axonml.Tensor)):
        return np.asarray(value.detach().numpy()).tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def same_in_both(script):
    """script(lib) returns a list of tensors; each must match between torch and axonml."""
    expected, actual = grads_of(script)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(e, dtype=float), rtol=1e-6)


# --- requires_grad and leaves -------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_requires_grad_flags(lib):
    x = lib.ones(3)
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)
    z = lib.tensor([1.0, 2.0], requires_grad=True)
    assert z.requires_grad
    z.requires_grad = False
    assert not z.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        lib.ones(2, dtype=lib.int64).requires_grad_()
    with lib.no_grad():
        w = x * 2
    assert w.is_leaf and not w.requires_grad


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_grad_accumulates_across_backward_calls(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0, 9.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_gradients_from_several_paths_sum():
    same_in_both(lambda lib: [_several_paths(lib)])


def _several_paths(lib):
    x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    a = x * 3
    b = a * x + a - x / 2
    (b * b).sum().backward()
    return x.grad


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_grad_fn_structure(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y + 1
    assert z.grad_fn.name() == "AddBackward0"
    assert y.grad_fn.name() == "MulBackward0"
    (first, first_nr), (second, _) = z.grad_fn.next_functions
    assert first is y.grad_fn and first_nr == 0 and second is None
    leaf_edge = y.grad_fn.next_functions[0][0]
    assert leaf_edge.name().endswith("AccumulateGrad") and leaf_edge.variable is x
    s = z.sum()
    assert s.grad_fn.name() == "SumBackward0"


def test_multiple_output_edges_point_at_their_output():
    x = axonml.randn(4, 3, requires_grad=True)
    a, b = x.split(2)
    s = a + b
    assert s.grad_fn.next_functions[0] == (a.grad_fn, 0)
    assert s.grad_fn.next_functions[1] == (b.grad_fn, 1)


# --- backward arguments ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_backward_on_non_scalar_needs_gradient(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(gradient=lib.tensor([1.0, 0.5, -1.0]))
    assert x.grad.tolist() == [2.0, 2.0, -6.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_backward_gradient_shape_mismatch_raises(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        (x * 2).backward(gradient=lib.ones(2))


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_backward_on_tensor_without_grad_raises(lib):
    with pytest.raises(RuntimeError, match="does not require grad"):
        lib.ones(2).sum().backward()


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_backward_twice_needs_retain_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_backward_inputs_restricts_accumulation(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]


# --- autograd.grad ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_autograd_grad(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * w * x
    gx, gw = lib.autograd.grad(y, (x, w), grad_outputs=lib.tensor([1.0, 2.0, 3.0]), retain_graph=True)
    assert gx.tolist() == [1.0, -8.0, 36.0] and gw.tolist() == [1.0, 8.0, 27.0]
    assert x.grad is None and w.grad is None
    (gx2,) = lib.autograd.grad(y.sum(), x)
    assert gx2.tolist() == [1.0, -4.0, 12.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        lib.autograd.grad(y.sum(), x)


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_autograd_grad_allow_unused(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    unused = lib.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        lib.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = lib.autograd.grad(y, [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gu is None


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_autograd_grad_of_intermediate(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = lib.autograd.grad(y, h)
    assert gh.tolist() == [6.0, 12.0]


# --- detach ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_detach_shares_memory_and_version(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    d.add_(1.0)
    assert y.tolist() == [3.0, 5.0]
    assert y._version == 1 and d._version == 1


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_detach_then_inplace_breaks_saved_tensor(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h * h
    h.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_detach_inplace(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


# --- grad modes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_grad_mode_context_managers(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        assert not (x * 2).requires_grad
        with lib.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert lib.is_grad_enabled()
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with lib.inference_mode():
        assert not (x * 2).requires_grad
        assert lib.is_inference_mode_enabled()
    assert not lib.is_inference_mode_enabled()
    with lib.inference_mode(False):
        assert (x * 2).requires_grad


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_grad_mode_restored_after_exception(lib):
    with pytest.raises(ZeroDivisionError):
        with lib.no_grad():
            1 / 0
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_grad_modes_as_decorators(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def called_no_grad(t):
        return t * 2

    @lib.no_grad
    def bare_no_grad(t):
        return t * 2

    @lib.inference_mode()
    def called_inference(t):
        return t * 2

    @lib.inference_mode
    def bare_inference(t):
        return t * 2

    @lib.enable_grad()
    def with_grad(t):
        return t * 2

    @lib.set_grad_enabled(False)
    def set_off(t):
        return t * 2

    assert lib.is_grad_enabled()  # defining the decorated function changed nothing
    for fn in (called_no_grad, bare_no_grad, called_inference, bare_inference, set_off):
        assert not fn(x).requires_grad
        assert lib.is_grad_enabled()
    with lib.no_grad():
        assert with_grad(x).requires_grad
        assert not lib.is_grad_enabled()
    assert called_no_grad.__name__ == "called_no_grad"


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_set_grad_enabled_as_a_call(lib):
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


# --- hooks and retain_grad -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_hooks_modify_gradients(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    y = x * 3
    handle = y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    assert seen == [[21.0, 39.0]]  # (2*3x + 1) * 3, before the leaf's second hook
    assert x.grad.tolist() == [210.0, 390.0]
    handle.remove()
    x.grad = None
    y2 = x * 3
    (y2 * y2).sum().backward()
    assert x.grad.tolist() == [180.0, 360.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_leaf_hook_applies_to_autograd_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (gx,) = lib.autograd.grad((x * 3).sum(), x)
    assert gx.tolist() == [30.0, 30.0] and x.grad is None


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_retained_grad_sees_hooks_registered_later(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    y.sum().backward()
    assert y.grad.tolist() == [100.0, 100.0] and x.grad.tolist() == [200.0, 200.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_hook_on_tensor_without_grad_raises(lib):
    with pytest.raises(RuntimeError):
        lib.ones(2).register_hook(lambda g: g)


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_retain_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.retain_grad()  # a second call changes nothing
    z = x * 3
    assert y.retains_grad and not z.retains_grad and not x.retains_grad
    (y * y).sum().backward(retain_graph=True)
    assert y.grad.tolist() == [4.0, 8.0]
    (y * y).sum().backward()
    assert y.grad.tolist() == [8.0, 16.0]
    x.retain_grad()  # a no-op on leaves
    assert x.grad.tolist() == [16.0, 32.0]


# --- custom Function -----------------------------------------------------------------------------------------

def _custom_functions(lib):
    base = lib.autograd.Function

    class ScaledExp(base):
        @staticmethod
        def forward(ctx, x, scale):
            assert isinstance(x, lib.Tensor) and not isinstance(scale, lib.Tensor)
            y = x.exp() * scale if hasattr(x, "exp") else None
            ctx.save_for_backward(y)
            ctx.scale = scale
            return y

        @staticmethod
        def backward(ctx, grad):
            assert isinstance(grad, lib.Tensor)
            (y,) = ctx.saved_tensors
            return grad * y, None

    class MulAdd(base):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, grad_product, grad_sum):
            a, b = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad_product * b + grad_sum, None

    return ScaledExp, MulAdd


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_custom_function_multiple_outputs(lib):
    _, MulAdd = _custom_functions(lib)
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, -1.0])
    p, s = MulAdd.apply(a, b)
    assert p.requires_grad and s.requires_grad
    assert p.grad_fn is s.grad_fn
    (p * 2 + s).sum().backward()
    assert a.grad.tolist() == [7.0, -1.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_custom_function_unused_output_gets_zero_grad(lib):
    _, MulAdd = _custom_functions(lib)
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    p, _ = MulAdd.apply(a, lib.tensor([3.0, -1.0]))
    p.sum().backward()
    assert a.grad.tolist() == [3.0, -1.0]


def test_custom_function_saved_tensor_inplace_is_detected():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = axonml.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Square.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_custom_function_gradcheck():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    x = axonml.tensor(np.linspace(-1, 1, 5), dtype=axonml.float64, requires_grad=True)
    assert gradcheck(Cube.apply, (x,))


# --- in-place operations and version counters ------------------------------------------------------------------

@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_inplace_on_saved_tensor_raises_at_backward(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    y = h * h
    h.add_(1.0)
    assert h._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_error_message_names_the_tensor_like_torch():
    messages = []
    for lib in LIBS:
        a = lib.ones(3, requires_grad=True)
        b = a * 1
        c = b * b
        b.add_(1.0)
        leaf = lib.ones(2, requires_grad=True)
        y = leaf * leaf
        with lib.no_grad():
            leaf.add_(1.0)
        for loss in (c.sum(), y.sum()):
            with pytest.raises(RuntimeError) as error:
                loss.backward()
            message = str(error.value).split(" instead.")[0]
            messages.append(message.replace("torch.", "").replace("axonml.", ""))
    assert messages[:2] == messages[2:]
    assert "which is output 0 of Add, is at version 1; expected version 0" in messages[0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_inplace_on_unsaved_tensor_is_fine(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    y = h + 2  # add saves nothing
    h.mul_(5.0)
    (y.sum() + h.sum()).backward()
    assert x.grad.tolist() == [6.0, 6.0, 6.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_inplace_result_is_differentiated(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.mul_(2.0)
    h.add_(x)
    h.sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_inplace_on_leaf_requiring_grad_raises(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0:1].add_(1.0)
    with lib.no_grad():
        x.add_(1.0)
    assert x.tolist() == [2.0, 3.0] and x.is_leaf


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_views_share_version_counter(lib):
    x = lib.zeros(2, 3)
    v = x.view(6)
    t = x.t()
    row = x[1]
    x.add_(1.0)
    assert v._version == t._version == row._version == x._version == 1
    row.mul_(2.0)
    assert x._version == 2 and v._version == 2
    assert v.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=ids)
def test_inplace_through_view_of_saved_tensor_is_detected(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    y = h * h
    with lib.no_grad():
        h[1:].mul_(0.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_through_view_updates_base_gradient():
    def script(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        base = x * 1
        base[0].mul_(3.0)
        base.t()[1].add_(x[:, 0])
        (base * base).sum().backward()
        return [base, x.grad]
    same_in_both(script)


def test_setitem_into_view_updates_base_gradient():
    def script(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        w = lib.tensor([7.0, 8.0], requires_grad=True)
        base = x * 2
        base[1][:2] = w * w
        (base * x).sum().backward()
        return [base, x.grad, w.grad]
    same_in_both(script)


# --- gradcheck and numerical_gradient ----------------------------------------------------------------------------

def test_numerical_gradient_matches_analytic():
    x = axonml.tensor([0.5, -1.0, 2.0], dtype=axonml.float64)
    w = axonml.tensor([3.0, 1.0, -2.0], dtype=axonml.float64)
    gx, gw = numerical_gradient(lambda a, b: (a * a * b).sum(), (x, w))
    np.testing.assert_allclose(gx, 2 * x.numpy() * w.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gw, x.numpy() ** 2, rtol=1e-6)


def test_gradcheck_passes_for_correct_and_fails_for_wrong_backward():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * grad  # should be 2 * x * grad

    x = axonml.tensor([0.5, -1.0, 2.0], dtype=axonml.float64, requires_grad=True)
    assert gradcheck(lambda t: t * t, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (x,))


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError):
        gradcheck(lambda t: t * 2, (axonml.ones(2, dtype=axonml.float64),))


def test_inplace_through_view_of_transposed_layout_base():
    def script(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        base = x.t() * 1  # a result whose memory is laid out column-major on the CPU
        base.t().view(-1)[1:4].mul_(x[0])
        base[:, 1].add_(2.0)
        (base * base).sum().backward()
        return [base, x.grad]
    same_in_both(script)


def test_inplace_write_through_view_into_tensor_without_grad():
    def script(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        base = lib.zeros(3, 2)
        base[1].add_(w * 3)
        base.unsqueeze(0)[0, 2].sub_(w)
        assert base.requires_grad and not base.is_leaf
        (base * base).sum().backward()
        return [base, w.grad]
    same_in_both(script)


def test_inplace_through_view_in_no_grad_leaves_graph_alone():
    x = axonml.tensor([1.0, 2.0], requires_grad=True)
    base = x * 2
    node = base.grad_fn
    with axonml.no_grad():
        base[0].mul_(10.0)
    assert base.grad_fn is node


def test_tensors_pickle_as_values_for_worker_processes():
    import pickle
    import axonml
    from axonml import nn
    t = axonml.arange(6.0).reshape(2, 3).requires_grad_()
    back = pickle.loads(pickle.dumps(t))
    assert type(back) is axonml.Tensor and back.requires_grad and back.grad_fn is None
    assert back.tolist() == t.tolist()
    p = pickle.loads(pickle.dumps(nn.Parameter(axonml.ones(2))))
    assert isinstance(p, nn.Parameter) and p.requires_grad


def test_num_threads_round_trip():
    import axonml
    before = axonml.get_num_threads()
    axonml.set_num_threads(1)
    assert axonml.get_num_threads() == 1
    axonml.set_num_threads(before)
    with pytest.raises(ValueError):
        axonml.set_num_threads(0)
