"""Complex tensors against PyTorch: dtypes and promotion, printing, views, arithmetic and the
gradients of real losses through complex ops (PyTorch's conjugate-Wirtinger convention)."""
import itertools

import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import check, namespace

DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
               "complex64", "complex128"]


def _pair(name):
    return getattr(axonml, name), getattr(torch, name)


@pytest.mark.parametrize("a, b", list(itertools.combinations_with_replacement(DTYPE_NAMES, 2)))
def test_promote_types_table(a, b):
    (ax_a, th_a), (ax_b, th_b) = _pair(a), _pair(b)
    expected = str(torch.promote_types(th_a, th_b)).split(".")[-1]
    if expected == "complex32":   # float16 with a complex type: axonml has no complex32
        pytest.skip("complex32")
    assert axonml.promote_types(ax_a, ax_b).name == expected


SCALAR_CASES = [("float32", 1j), ("float64", 1j), ("int64", 1j), ("bool", 2j), ("complex64", 2.5), ("complex128", 3),
                ("int32", 1.5 + 0j)]


@pytest.mark.parametrize("name, scalar", SCALAR_CASES)
def test_result_type_with_python_scalars(name, scalar):
    ax = axonml.ones(3, dtype=getattr(axonml, name)) + scalar
    th = torch.ones(3, dtype=getattr(torch, name)) + scalar
    assert ax.dtype.name == str(th.dtype).split(".")[-1]
    np.testing.assert_allclose(ax.numpy(), th.numpy())


@pytest.mark.parametrize("dim_type, zero_type", [("float64", "complex64"), ("float32", "complex128"),
                                                 ("int64", "complex128"), ("complex64", "float64"),
                                                 ("int32", "complex64")])
def test_result_type_with_zero_dim_tensors(dim_type, zero_type):
    ax = axonml.ones(2, dtype=getattr(axonml, dim_type)) * axonml.tensor(1, dtype=getattr(axonml, zero_type))
    th = torch.ones(2, dtype=getattr(torch, dim_type)) * torch.tensor(1, dtype=getattr(torch, zero_type))
    assert ax.dtype.name == str(th.dtype).split(".")[-1]


def test_dtype_properties():
    assert axonml.complex64.is_complex and not axonml.complex64.is_floating_point and axonml.complex64.is_signed
    assert not axonml.float32.is_complex
    assert axonml.cfloat is axonml.complex64 and axonml.cdouble is axonml.complex128
    assert axonml.finfo(axonml.complex64).eps == torch.finfo(torch.complex64).eps
    assert axonml.tensor([1 + 2j]).dtype is axonml.complex64
    assert axonml.tensor([1, 2j]).dtype is axonml.complex64
    assert axonml.tensor(np.array([1j])).dtype is axonml.complex128
    assert axonml.zeros(2, dtype=axonml.float64).to(axonml.complex128).is_complex()
    assert not axonml.zeros(2).is_complex() and axonml.is_complex(axonml.zeros(2, dtype=axonml.cfloat))


@pytest.mark.parametrize("values", [[1 + 2j, 3 - 1j], [1 + 2j, 3.5 - 1e-5j], [[1 + 2j, 1], [0, -1j]], 2 + 3j,
                                    [0.12345 + 1j, -2.5 - 3.25j], []])
def test_repr_matches_torch(values):
    assert repr(axonml.tensor(values, dtype=axonml.complex64)) == \
        repr(torch.tensor(values, dtype=torch.complex64)).replace("torch.", "axonml.")
    assert repr(axonml.tensor(values, dtype=axonml.complex128)) == \
        repr(torch.tensor(values, dtype=torch.complex128)).replace("torch.", "axonml.")


def test_real_and_imag_are_views():
    z = axonml.tensor([1 + 2j, 3 - 1j, -2 + 0.5j])
    re, im = z.real, z.imag
    assert re.dtype is axonml.float32 and re.stride() == (2,) and im.stride() == (2,)
    re[0] = 10.0
    im[2] = -7.0
    assert z.tolist() == [10 + 2j, 3 - 1j, -2 - 7j]
    pairs = axonml.view_as_real(z)
    assert pairs.shape == (3, 2) and pairs.stride() == (2, 1)
    pairs[1, 1] = 4.0
    assert z[1].item() == 3 + 4j
    back = axonml.view_as_complex(pairs)
    back[0] = 0j
    assert z[0].item() == 0j
    x = axonml.zeros(3)
    assert x.real is x
    with pytest.raises(RuntimeError, match="non-complex"):
        x.imag


def test_view_errors_match_torch():
    for bad in (axonml.zeros(3, 3), axonml.zeros(3, 2, dtype=axonml.int64), axonml.zeros(2, 4)[:, ::2],
                axonml.zeros(3, 2)[:, :1], axonml.zeros(3, 3)[:, 1:]):
        with pytest.raises(RuntimeError):
            axonml.view_as_complex(bad)
    with pytest.raises(RuntimeError, match="complex tensors"):
        axonml.view_as_real(axonml.zeros(3))
    with pytest.raises(RuntimeError):
        axonml.complex(axonml.zeros(2), axonml.zeros(2, dtype=axonml.float64))
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        axonml.complex(axonml.ones(2, requires_grad=True), axonml.ones(2)).sum().backward()
    axonml.ones(2, dtype=axonml.complex64).requires_grad_()   # complex leaves may require grad
    with pytest.raises(RuntimeError):
        axonml.ones(2, dtype=axonml.int64).requires_grad_()


# --- forward and backward against torch: real inputs, complex in the middle, real outputs ---------------

def _z(x, y):
    return namespace(x).complex(x, y)


def _out(z):
    return namespace(z).view_as_real(z)


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1))]

CASES = {
    "add": (lambda a, b, c, d: _out(_z(a, b) + _z(c, d)), 2),
    "exp": (lambda a, b, c, d: _out(_z(a, b).exp() * _z(c, d)), 2),
    "sub": (lambda a, b, c, d: _out(_z(a, b) - _z(c, d)), 2),
    "mul": (lambda a, b, c, d: _out(_z(a, b) * _z(c, d)), 2),
    "div": (lambda a, b, c, d: _out(_z(a, b) / (_z(c, d) + 3)), 2),
    "mul_real": (lambda a, b, c, d: _out(_z(a, b) * c * (d + 0j)), 2),
    "neg_conj": (lambda a, b, c, d: _out(-_z(a, b).conj() * _z(c, d)), 2),
    "abs": (lambda a, b, c, d: (_z(a, b) * _z(c, d)).abs(), 2),
    "angle": (lambda a, b, c, d: (_z(a, b) * _z(c, d)).angle(), 2),
    "real_imag": (lambda a, b, c, d: (_z(a, b) * _z(c, d)).real * 2 - (_z(a, b) * _z(c, d)).imag, 2),
    "pow": (lambda a, b, c, d: _out((_z(a, b) + 2) ** 3 * _z(c, d)), 2),
    "pow_fraction": (lambda a, b, c, d: _out((_z(a, b) + 3) ** 0.5 + _z(c, d)), 2),
    "scalar": (lambda a, b, c, d: _out((2 - 1j) * _z(a, b) + _z(c, d) * 1.5j), 2),
    "polar": (lambda a, b, c, d: _out(namespace(a).polar(a.abs() + 0.5, b) * _z(c, d)), 2),
    "sum_mean": (lambda a, b, c, d: _out((_z(a, b) * _z(c, d)).sum(0) + (_z(a, b) * _z(c, d)).mean(0)), 2),
    "abs_squared": (lambda a, b, c, d: (_z(a, b) * _z(c, d).conj()).abs() ** 2, 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_ops_forward_backward(name, device):
    """Each op on one broadcast pair of shapes (the shapes taken in turn), contiguous and strided."""
    fn, _ = CASES[name]
    shapes = BINARY_SHAPES[sorted(CASES).index(name) % len(BINARY_SHAPES)]
    check(fn, [shapes[0], shapes[0], shapes[1], shapes[1]], device=device)


@pytest.mark.parametrize("name", ["mul", "div", "abs"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_broadcasting_gradients(name, shapes, device):
    fn, _ = CASES[name]
    check(fn, [shapes[0], shapes[0], shapes[1], shapes[1]], device=device, noncontiguous=(False,))


def test_view_as_real_and_complex_round_trip_gradients(device):
    def fn(x):
        ns = namespace(x)
        z = ns.view_as_complex(x)
        return ns.view_as_real(z * z).sum(-1) + z.abs()
    check(fn, [(3, 4, 2)], device=device, noncontiguous=(False,))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4,)), ((4,), (4, 2))])
def test_complex_matmul(shapes, device):
    check(lambda a, b, c, d: _out(_z(a, b) @ _z(c, d)), [shapes[0], shapes[0], shapes[1], shapes[1]], device=device)


def test_complex_leaf_grad_is_torchs():
    rng = np.random.default_rng(0)
    values = (rng.standard_normal((5,)) + 1j * rng.standard_normal((5,))).astype(np.complex128)
    w = (rng.standard_normal((5,)) + 1j * rng.standard_normal((5,))).astype(np.complex128)
    ax = axonml.tensor(values, requires_grad=True)
    th = torch.tensor(values, requires_grad=True)
    for framework, z in ((axonml, ax), (torch, th)):
        weight = framework.tensor(w)
        loss = (z * weight).abs().sum() + (z * z).real.sum() + z.angle().sum() + (z.conj() * z).real.sum()
        loss.backward()
    assert ax.grad.dtype is axonml.complex128
    np.testing.assert_allclose(ax.grad.numpy(), th.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_abs_of_zero_has_zero_gradient():
    z = axonml.zeros(2, dtype=axonml.complex64, requires_grad=True)
    z.abs().sum().backward()
    assert z.grad.tolist() == [0j, 0j]
    z.grad = None
    z.angle().sum().backward()
    assert z.grad.tolist() == [0j, 0j]


def test_angle_of_real_tensor_matches_torch():
    values = np.array([-2.0, 0.0, 3.0, np.nan], np.float32)
    np.testing.assert_array_equal(axonml.tensor(values).angle().numpy(), torch.tensor(values).angle().numpy())
    assert axonml.tensor([-1, 2]).angle().dtype is axonml.float32
