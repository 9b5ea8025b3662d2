"""axonml.fft against torch.fft: every transform forward and backward, with n / s, dim and norm,
real and complex inputs, float32 and float64, on each device."""
import numpy as np
import pytest
import torch

import axonml
from tests.oracle.oracle import check as _check
from tests.oracle.oracle import namespace

NORMS = [None, "ortho", "forward"]


def _with_norms(cases):
    """Each case once, the norms taken in turn (every norm is reached, without the full product)."""
    return [case + (NORMS[k % len(NORMS)],) for k, case in enumerate(cases)]


def check(fn, inputs, *, device, strided=False):
    """The oracle's check, on contiguous inputs unless strided (test_c2c covers strided ones)."""
    _check(fn, inputs, device=device, noncontiguous=(False, True) if strided else (False,))


def _out(z):
    return namespace(z).view_as_real(z.resolve_conj()) if z.is_complex() else z


def _z(x, y):
    return namespace(x).complex(x, y)


C2C_CASES = [((16,), None, -1), ((6, 10), None, 0), ((4, 7), 12, -1), ((4, 9), 5, 1), ((3, 2, 8), 8, 1)]


@pytest.mark.parametrize("shape, n, dim, norm", _with_norms(C2C_CASES + C2C_CASES[2:3]))
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_c2c(name, shape, n, dim, norm, device):
    check(lambda a, b: _out(getattr(namespace(a).fft, name)(_z(a, b), n=n, dim=dim, norm=norm)), [shape, shape],
          device=device, strided=True)


@pytest.mark.parametrize("shape, n, dim, norm", _with_norms(C2C_CASES))
def test_fft_of_real_input(shape, n, dim, norm, device):
    check(lambda a: _out(namespace(a).fft.fft(a, n=n, dim=dim, norm=norm)), [shape], device=device)


@pytest.mark.parametrize("shape, n, dim, norm", _with_norms(C2C_CASES[1:] + [((5, 15), None, -1)]))
@pytest.mark.parametrize("name", ["rfft", "ihfft"])
def test_r2c(name, shape, n, dim, norm, device):
    check(lambda a: _out(getattr(namespace(a).fft, name)(a, n=n, dim=dim, norm=norm)), [shape], device=device)


@pytest.mark.parametrize("shape, n, dim, norm", _with_norms([((9,), None, -1), ((4, 5), 8, -1), ((4, 5), 9, -1),
                                                            ((2, 7, 4), None, 1), ((3, 9), 4, 1)]))
@pytest.mark.parametrize("name", ["irfft", "hfft"])
def test_c2r(name, shape, n, dim, norm, device):
    check(lambda a, b: getattr(namespace(a).fft, name)(_z(a, b), n=n, dim=dim, norm=norm), [shape, shape],
          device=device)


ND_CASES = [((4, 6), None, None), ((3, 4, 8), None, (-2, -1)), ((3, 4, 8), (5, 6), None), ((2, 4, 6), (4, -1), (0, 2)),
            ((3, 5, 4), None, (2, 0))]


@pytest.mark.parametrize("shape, s, dim, norm", _with_norms(ND_CASES[1:4]))
@pytest.mark.parametrize("name", ["fftn", "ifftn"])
def test_c2c_nd(name, shape, s, dim, norm, device):
    check(lambda a, b: _out(getattr(namespace(a).fft, name)(_z(a, b), s=s, dim=dim, norm=norm)), [shape, shape],
          device=device)


@pytest.mark.parametrize("shape, s, dim, norm", _with_norms(ND_CASES[:3]))
@pytest.mark.parametrize("name", ["rfftn", "ihfftn"])
def test_r2c_nd(name, shape, s, dim, norm, device):
    check(lambda a: _out(getattr(namespace(a).fft, name)(a, s=s, dim=dim, norm=norm)), [shape], device=device)


@pytest.mark.parametrize("shape, s, dim, norm", _with_norms(ND_CASES[2:]))
@pytest.mark.parametrize("name", ["irfftn", "hfftn"])
def test_c2r_nd(name, shape, s, dim, norm, device):
    check(lambda a, b: getattr(namespace(a).fft, name)(_z(a, b), s=s, dim=dim, norm=norm), [shape, shape],
          device=device)


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"])
def test_two_dimensional_spellings(name, device):
    real_input = name in ("rfft2", "ihfft2")
    if real_input:
        check(lambda a: _out(getattr(namespace(a).fft, name)(a)), [(3, 6, 8)], device=device)
    else:
        check(lambda a, b: _out(getattr(namespace(a).fft, name)(_z(a, b), s=(4, 6))), [(3, 6, 8), (3, 6, 8)],
              device=device)


@pytest.mark.parametrize("n, d", [(1, 1.0), (8, 1.0), (9, 0.5), (10, 1 / 16000)])
def test_frequencies(n, d):
    for name in ("fftfreq", "rfftfreq"):
        ours = getattr(axonml.fft, name)(n, d, dtype=axonml.float64)
        np.testing.assert_allclose(ours.numpy(), getattr(torch.fft, name)(n, d, dtype=torch.float64).numpy(),
                                   rtol=1e-15)
    assert axonml.fft.fftfreq(4).dtype is axonml.float32


@pytest.mark.parametrize("shape, dim", [((8,), None), ((5, 6), None), ((5, 6), 0), ((3, 4, 5), (0, 2))])
def test_shifts(shape, dim):
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    for name in ("fftshift", "ifftshift"):
        ours = getattr(axonml.fft, name)(axonml.tensor(values), dim=dim)
        np.testing.assert_array_equal(ours.numpy(), getattr(torch.fft, name)(torch.tensor(values), dim=dim).numpy())


def test_output_dtypes_follow_torch():
    for dtype in ("float32", "float64", "int64"):
        ours = axonml.fft.fft(axonml.ones(4, dtype=getattr(axonml, dtype)))
        theirs = torch.fft.fft(torch.ones(4, dtype=getattr(torch, dtype)))
        assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
        assert axonml.fft.rfft(axonml.ones(4, dtype=getattr(axonml, dtype))).dtype.name == \
            str(torch.fft.rfft(torch.ones(4, dtype=getattr(torch, dtype))).dtype).split(".")[-1]
    assert axonml.fft.irfft(axonml.ones(5, dtype=axonml.complex128)).dtype is axonml.float64


def test_bad_arguments_raise_as_torch():
    x = axonml.ones(8)
    with pytest.raises(ValueError, match="Invalid normalization mode"):
        axonml.fft.fft(x, norm="both")
    with pytest.raises(RuntimeError, match="Invalid number of data points"):
        axonml.fft.fft(x, n=0)
    with pytest.raises(RuntimeError, match="expects a real input"):
        axonml.fft.rfft(x + 1j)
    with pytest.raises(IndexError):
        axonml.fft.fft(x, dim=1)
    with pytest.raises(RuntimeError, match="same length"):
        axonml.fft.fftn(axonml.ones(4, 4), s=(4,), dim=(0, 1))


@pytest.mark.parametrize("n", [2 ** 14, 4000, 4097])
def test_float32_matches_torch_within_1e5_relative_on_long_signals(n, device):
    """Power-of-two lengths and (on OpenCL) Bluestein's lengths, against torch at float32 precision."""
    rng = np.random.default_rng(0)
    values = rng.standard_normal((2, n)).astype(np.float32)
    for name in ("rfft", "fft"):
        ours = getattr(axonml.fft, name)(axonml.tensor(values, device=device)).cpu().numpy()
        theirs = getattr(torch.fft, name)(torch.tensor(values)).numpy()
        assert np.abs(ours - theirs).max() <= 1e-5 * np.abs(theirs).max(), name
    spectrum = torch.fft.rfft(torch.tensor(values))
    ours = axonml.fft.irfft(axonml.tensor(spectrum.numpy(), device=device), n=n).cpu().numpy()
    np.testing.assert_allclose(ours, values, atol=1e-5 * np.abs(values).max())
