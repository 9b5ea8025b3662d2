"""conv1d / conv2d / conv3d and their transposes against PyTorch: stride, padding ('same', 'valid',
asymmetric), dilation, groups, bias; 3x3 stride-1 2-D cases with 16+ channels take the CPU's Winograd path."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _F(x):
    return torch.nn.functional if isinstance(x, torch.Tensor) else axonml


CONV2D_CASES = [
    # x shape, weight shape, options
    ((2, 3, 7, 6), (4, 3, 3, 3), dict()),
    ((2, 3, 7, 6), (4, 3, 3, 3), dict(padding=1)),
    ((2, 3, 7, 6), (4, 3, 3, 2), dict(stride=2, padding=(1, 0))),
    ((2, 3, 9, 8), (4, 3, 3, 3), dict(stride=(2, 3), padding=2, dilation=(2, 1))),
    ((1, 4, 6, 6), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ((2, 4, 5, 5), (4, 1, 3, 3), dict(groups=4, padding=1)),
    ((2, 3, 5, 6), (5, 3, 1, 1), dict()),
    ((2, 3, 5, 6), (5, 3, 1, 1), dict(stride=2)),
    ((2, 3, 6, 7), (2, 3, 3, 3), dict(padding="same")),
    ((2, 3, 6, 7), (2, 3, 4, 2), dict(padding="same")),
    ((2, 3, 8, 7), (2, 3, 2, 3), dict(padding="same", dilation=2)),
    ((2, 3, 6, 7), (2, 3, 3, 3), dict(padding="valid")),
    ((3, 6, 6), (4, 3, 3, 3), dict(padding=1)),
    ((5, 2, 4, 4), (3, 2, 4, 4), dict()),
    ((3, 2, 5, 5), (3, 2, 3, 3), dict(padding=1)),
    # Winograd: 3x3, stride 1, 16+ channels; odd sizes leave partial tiles, padding 0 and 2 shift them
    ((2, 16, 9, 11), (24, 16, 3, 3), dict(padding=1)),
    ((3, 16, 8, 8), (16, 16, 3, 3), dict()),
    ((1, 16, 5, 7), (16, 16, 3, 3), dict(padding=2)),
    ((2, 16, 6, 7), (17, 16, 3, 3), dict(padding="same")),
    ((16, 5, 6), (16, 16, 3, 3), dict(padding=(0, 1))),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, w_shape, options", CONV2D_CASES, ids=str)
def test_conv2d(x_shape, w_shape, options, bias, device):
    if bias:
        check(lambda x, w, b: _F(x).conv2d(x, w, b, **options), [x_shape, w_shape, (w_shape[0],)], device=device)
    else:
        check(lambda x, w: _F(x).conv2d(x, w, **options), [x_shape, w_shape], device=device)


CONV1D_CASES = [
    ((2, 3, 10), (4, 3, 3), dict()),
    ((2, 3, 10), (4, 3, 3), dict(stride=2, padding=1)),
    ((2, 4, 11), (6, 2, 3), dict(groups=2, dilation=2, padding=2)),
    ((2, 3, 10), (4, 3, 4), dict(padding="same")),
    ((2, 3, 10), (4, 3, 1), dict()),
    ((3, 10), (4, 3, 5), dict(padding=2)),
]

CONV3D_CASES = [
    ((2, 3, 5, 6, 7), (4, 3, 3, 3, 3), dict()),
    ((2, 3, 5, 6, 7), (4, 3, 3, 2, 3), dict(stride=(2, 1, 2), padding=(1, 0, 2))),
    ((1, 4, 6, 6, 6), (6, 2, 3, 3, 3), dict(groups=2, dilation=(2, 1, 1), padding=1)),
    ((2, 3, 4, 5, 6), (2, 3, 2, 3, 2), dict(padding="same")),
    ((2, 3, 4, 5, 6), (2, 3, 2, 2, 3), dict(padding="same", dilation=(1, 2, 1))),
    ((2, 3, 4, 5, 6), (5, 3, 1, 1, 1), dict()),
    ((2, 3, 4, 5, 6), (5, 3, 1, 1, 1), dict(stride=2)),
    ((3, 4, 5, 6), (4, 3, 3, 3, 3), dict(padding=1)),
    # Winograd over (H, W), the depth taps summed in its gemms
    ((2, 8, 4, 5, 6), (16, 8, 3, 3, 3), dict(padding=1)),
    ((2, 8, 5, 4, 7), (16, 8, 2, 3, 3), dict(padding=(2, 0, 1), dilation=(3, 1, 1))),
    ((1, 16, 3, 5, 5), (16, 16, 1, 3, 3), dict(padding="same")),
]


@pytest.mark.parametrize("name, x_shape, w_shape, options",
                         [("conv1d",) + case for case in CONV1D_CASES] + [("conv3d",) + case for case in CONV3D_CASES],
                         ids=str)
def test_conv1d_conv3d(name, x_shape, w_shape, options, device):
    check(lambda x, w, b: getattr(_F(x), name)(x, w, b, **options), [x_shape, w_shape, (w_shape[0],)],
          device=device)


def test_conv2d_batch_smaller_and_larger_than_threads(device):
    """One image (the product split over threads) and many images (one image per thread)."""
    check(lambda x, w, b: _F(x).conv2d(x, w, b, padding=1), [(1, 3, 9, 9), (5, 3, 3, 3), (5,)], device=device)
    check(lambda x, w, b: _F(x).conv2d(x, w, b, padding=1), [(9, 3, 9, 9), (5, 3, 3, 3), (5,)], device=device)


def test_conv2d_large_product(device):
    """Products big enough to be split into blocks of rows over the threads."""
    check(lambda x, w, b: _F(x).conv2d(x, w, b, padding=1), [(1, 16, 20, 20), (32, 16, 3, 3), (32,)],
          device=device, noncontiguous=(False,))


@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 5, 5), (4, 3, 3, 3)), ((2, 16, 5, 5), (16, 16, 3, 3))],
                         ids=["im2col", "winograd"])
def test_conv2d_only_some_inputs_need_grad(x_shape, w_shape):
    for needed in [(0,), (1,), (2,), (0, 2), (1, 2)]:
        check(lambda x, w, b: _F(x).conv2d(x, w, b, padding=1), [x_shape, w_shape, (w_shape[0],)],
              grad_inputs=needed, noncontiguous=(False,))


def test_conv2d_winograd_realistic_layer():
    """A 64-channel layer with initialised weights (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), as in training:
    against float64, Winograd's float32 output and gradients are as close as PyTorch's own float32 ones
    (the weight gradient sums 1024 products per entry, further from either than the oracle's tolerance)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 64, 16, 16)).astype(np.float32)
    w = (rng.uniform(-1, 1, (64, 64, 3, 3)) / np.sqrt(64 * 9)).astype(np.float32)
    grad = rng.standard_normal((4, 64, 16, 16)).astype(np.float32)

    def run(lib, dtype):
        xt, wt = lib.from_numpy(x).to(dtype).requires_grad_(), lib.from_numpy(w).to(dtype).requires_grad_()
        out = _F(xt).conv2d(xt, wt, padding=1)
        out.backward(lib.from_numpy(grad).to(dtype))
        return [np.asarray(t.detach().double()) for t in (out, xt.grad, wt.grad)]

    exact = run(torch, torch.float64)
    for ours, theirs, truth, what in zip(run(axonml, axonml.float32), run(torch, torch.float32), exact,
                                         ("output", "input grad", "weight grad")):
        assert np.abs(ours - truth).max() <= 2 * np.abs(theirs - truth).max(), what


@pytest.mark.parametrize("call, shapes", [
    (lambda x, w: _F(x).conv2d(x, w), [(2, 3), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w), [(1, 4, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w), [(1, 3, 2, 2), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, groups=2), [(1, 4, 8, 8), (3, 2, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, stride=2, padding="same"), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, padding=-1), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, stride=0), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, dilation=0), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, groups=0), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, padding="foo"), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w, stride=(1, 2, 3)), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x, w), [(1, 3, 8, 8), (4, 3, 3)]),
    (lambda x, w: _F(x).conv2d(x.double(), w), [(1, 3, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w, b: _F(x).conv2d(x, w, b), [(1, 3, 8, 8), (4, 3, 3, 3), (3,)]),
    (lambda x, w: _F(x).conv1d(x, w), [(1, 3, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv3d(x, w), [(1, 3, 8, 8), (4, 3, 3, 3, 3)]),
    (lambda x, w: _F(x).conv3d(x, w), [(1, 3, 8, 8, 8), (4, 3, 3, 3)]),
    (lambda x, w: _F(x).conv3d(x, w), [(1, 3, 2, 8, 8), (4, 3, 3, 3, 3)]),
    (lambda x, w: _F(x).conv3d(x, w, stride=(1, 2)), [(1, 3, 4, 4, 4), (4, 3, 3, 3, 3)]),
    (lambda x, w: _F(x).conv3d(x, w, groups=2), [(1, 3, 4, 4, 4), (4, 3, 3, 3, 3)]),
], ids=range(20))
def test_conv_errors(call, shapes):
    check_raises(call, shapes)


CONV_TRANSPOSE2D_CASES = [
    ((2, 4, 5, 5), (4, 3, 3, 3), dict()),
    ((2, 4, 5, 5), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 4), (4, 3, 3, 2), dict(stride=(2, 3), padding=(1, 0), output_padding=(0, 2))),
    ((2, 4, 5, 5), (4, 2, 3, 3), dict(groups=2, stride=2, dilation=2)),
    ((2, 4, 5, 5), (4, 3, 3, 3), dict(dilation=2, output_padding=1)),
    ((2, 4, 5, 5), (4, 3, 1, 1), dict()),
    ((4, 5, 5), (4, 3, 2, 2), dict(stride=2)),
    ((2, 16, 5, 6), (16, 16, 3, 3), dict(padding=1)),  # Winograd, through conv_nd_backward
]


@pytest.mark.parametrize("x_shape, w_shape, options", CONV_TRANSPOSE2D_CASES, ids=str)
def test_conv_transpose2d(x_shape, w_shape, options, device):
    out_channels = w_shape[1] * options.get("groups", 1)
    check(lambda x, w, b: _F(x).conv_transpose2d(x, w, b, **options), [x_shape, w_shape, (out_channels,)],
          device=device)


CONV_TRANSPOSE_ND_CASES = [
    ("conv_transpose1d", (2, 4, 7), (4, 3, 3), dict(stride=2, padding=1)),
    ("conv_transpose1d", (4, 7), (4, 2, 4), dict(output_padding=1, stride=2)),
    ("conv_transpose3d", (2, 4, 3, 4, 5), (4, 3, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose3d", (2, 4, 3, 4, 4), (4, 2, 2, 3, 2), dict(groups=2, stride=(1, 2, 3), dilation=(2, 1, 1))),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 3, 3, 3, 3), dict(stride=(3, 1, 2), output_padding=(2, 0, 1))),
    ("conv_transpose3d", (4, 3, 3, 3), (4, 2, 2, 2, 2), dict(stride=2)),
    ("conv_transpose3d", (2, 16, 3, 4, 5), (16, 8, 3, 3, 3), dict(padding=1)),  # Winograd
    ("conv_transpose3d", (2, 16, 3, 4, 5), (16, 8, 3, 3, 3), dict(dilation=(2, 1, 1), output_padding=(1, 0, 0))),
]


@pytest.mark.parametrize("name, x_shape, w_shape, options", CONV_TRANSPOSE_ND_CASES, ids=str)
def test_conv_transpose1d_conv_transpose3d(name, x_shape, w_shape, options, device):
    out_channels = w_shape[1] * options.get("groups", 1)
    check(lambda x, w, b: getattr(_F(x), name)(x, w, b, **options), [x_shape, w_shape, (out_channels,)],
          device=device)


def test_conv_transpose_only_weight_needs_grad():
    check(lambda x, w: _F(x).conv_transpose2d(x, w, stride=2), [(2, 4, 5, 5), (4, 3, 3, 3)], grad_inputs=(1,))
    check(lambda x, w: _F(x).conv_transpose2d(x, w, stride=2), [(2, 4, 5, 5), (4, 3, 3, 3)], grad_inputs=(0,))


@pytest.mark.parametrize("call, shapes", [
    (lambda x, w: _F(x).conv_transpose2d(x, w), [(1, 4, 5, 5), (3, 2, 3, 3)]),
    (lambda x, w: _F(x).conv_transpose2d(x, w, stride=2, output_padding=2), [(1, 4, 5, 5), (4, 2, 3, 3)]),
    (lambda x, w: _F(x).conv_transpose2d(x, w, padding="same"), [(1, 4, 5, 5), (4, 2, 3, 3)]),
    (lambda x, w: _F(x).conv_transpose2d(x, w, groups=3), [(1, 4, 5, 5), (4, 2, 3, 3)]),
    (lambda x, w, b: _F(x).conv_transpose2d(x, w, b), [(1, 4, 5, 5), (4, 2, 3, 3), (3,)]),
    (lambda x, w: _F(x).conv_transpose2d(x, w, padding=2), [(1, 4, 1, 1), (4, 2, 3, 3)]),
], ids=range(6))
def test_conv_transpose_errors(call, shapes):
    check_raises(call, shapes)


@pytest.mark.parametrize("shape, options", [((2, 3, 5, 5), dict(kernel_size=2)),
                                            ((2, 3, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=1)),
                                            ((2, 3, 7, 7), dict(kernel_size=3, dilation=2, padding=(2, 1))),
                                            ((3, 5, 5), dict(kernel_size=2))], ids=str)
def test_unfold_fold(shape, options, device):
    check(lambda x: _F(x).unfold(x, **options), [shape], device=device)
    blocks = _F(torch.zeros(1)).unfold(torch.zeros(shape), **options).shape
    check(lambda c: _F(c).fold(c, shape[-2:], **options), [tuple(blocks)], device=device)


@pytest.mark.parametrize("call, shape", [(lambda x: _F(x).unfold(x, 6), (2, 3, 5, 5)),
                                         (lambda x: _F(x).fold(x, (5, 5), 2), (1, 12, 15)),
                                         (lambda x: _F(x).fold(x, (5, 5), 2), (1, 13, 16))], ids=range(3))
def test_unfold_fold_errors(call, shape):
    check_raises(call, [shape])


def _double(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return axonml.tensor(rng.standard_normal(shape), dtype=axonml.float64, requires_grad=True)


def test_gradcheck():
    assert gradcheck(lambda x, w, b: axonml.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2)),
                     (_double(2, 2, 5, 6), _double(3, 2, 2, 3, seed=1), _double(3, seed=2)))
    assert gradcheck(lambda x, w: axonml.conv2d(x, w, groups=2, padding="same"),
                     (_double(1, 4, 4, 4), _double(2, 2, 2, 2, seed=1)))
    assert gradcheck(lambda x, w, b: axonml.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                     (_double(1, 2, 3, 3), _double(2, 3, 3, 3, seed=1), _double(3, seed=2)))
    assert gradcheck(lambda x, w, b: axonml.conv1d(x, w, b, padding=1),
                     (_double(2, 2, 6), _double(3, 2, 3, seed=1), _double(3, seed=2)))
    assert gradcheck(lambda x, w, b: axonml.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(1, 1, 2)),
                     (_double(1, 2, 3, 4, 5), _double(2, 2, 2, 2, 2, seed=1), _double(2, seed=2)))
    assert gradcheck(lambda x, w, b: axonml.conv_transpose3d(x, w, b, stride=2, padding=(0, 1, 0), output_padding=1),
                     (_double(1, 2, 2, 3, 2), _double(2, 2, 2, 3, 2, seed=1), _double(2, seed=2)))
    assert gradcheck(lambda x, w: axonml.conv2d(x, w, padding=1),  # Winograd
                     (_double(1, 16, 4, 5), _double(16, 16, 3, 3, seed=1)))
    assert gradcheck(lambda x, w: axonml.conv3d(x, w, padding=(1, 0, 1), dilation=(2, 1, 1)),  # Winograd
                     (_double(1, 8, 4, 4, 3), _double(16, 8, 2, 3, 3, seed=1)))


@pytest.mark.parametrize("x_shape, w_shape, options", [
    # patch matrices over 4 runs' worth (CHUNK_VALUES in _conv.pyx), built and multiplied a run of
    # output rows at a time: the stem's 7x7/2 with a partial last run; a dilated one whose runs
    # start inside the image
    ((2, 3, 101, 90), (8, 3, 7, 7), dict(stride=2, padding=3)),
    ((2, 8, 80, 61), (6, 8, 3, 5), dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1))),
    # Winograd over 288 tiles: more than one block, whose gemms read the kernels packed once per call
    ((2, 64, 24, 24), (64, 64, 3, 3), dict(padding=1)),
], ids=str)
def test_conv2d_large_reductions_against_float64(x_shape, w_shape, options):
    """Convolutions whose outputs or weight gradients sum hundreds to thousands of products, more
    than the oracle's float32 tolerance allows torch's own float32 result, are held to torch's
    float64: float64 to rounding, float32 to a bound relative to each result's size."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    x_torch, w_torch = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_torch = torch.nn.functional.conv2d(x_torch, w_torch, **options)
    grad = rng.standard_normal(tuple(out_torch.shape))
    out_torch.backward(torch.from_numpy(grad))
    expected = [out_torch.detach().numpy(), x_torch.grad.numpy(), w_torch.grad.numpy()]
    for dtype, rtol in [(np.float64, 1e-10), (np.float32, 2e-5)]:
        x_ax = axonml.tensor(x.astype(dtype), requires_grad=True)
        w_ax = axonml.tensor(w.astype(dtype), requires_grad=True)
        out = axonml.conv2d(x_ax, w_ax, **options)
        out.backward(axonml.from_numpy(grad.astype(dtype)))
        for name, actual, reference in zip(["output", "input grad", "weight grad"],
                                           [out.detach().numpy(), x_ax.grad.numpy(), w_ax.grad.numpy()], expected):
            np.testing.assert_allclose(actual, reference, rtol=0, atol=rtol * np.abs(reference).max(),
                                       err_msg=f"{name} {np.dtype(dtype).name}")


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_1, trans_2", [("N", "N"), ("N", "T"), ("T", "N"), ("T", "T")])
def test_kernel_gemm_matches_float64_product(trans_1, trans_2, dtype, threads):
    """The convolution kernels' gemm (AVX-512 for float32 where the core has it, else BLAS) on BLAS's
    column-major contract: partial tiles, depths across packed blocks, alpha and beta, and leading
    dimensions wider than the matrices, whose extra entries it must not touch; beta = 0 never
    reads the output (NaN there stays out of the result)."""
    from axonml._ext import _conv
    rng = np.random.default_rng(0)
    for m, n, k in [(2, 3, 1), (31, 13, 7), (33, 11, 300), (200, 50, 513), (37, 3100, 20), (5, 2, 0)]:
        for alpha, beta in [(1.0, 0.0), (0.5, 1.0), (1.0, -2.0)]:
            rows_1, cols_1 = (m, k) if trans_1 == "N" else (k, m)
            rows_2, cols_2 = (k, n) if trans_2 == "N" else (n, k)
            ld_1, ld_2, ld_out = rows_1 + 3, rows_2 + 2, m + 1
            op_1 = rng.standard_normal((cols_1, ld_1)).astype(dtype)  # column j at op_1[j, :rows_1]
            op_2 = rng.standard_normal((cols_2, ld_2)).astype(dtype)
            out = rng.standard_normal((n, ld_out)).astype(dtype)
            if beta == 0:
                out[:, :m] = np.nan
            first, second = op_1[:, :rows_1].T, op_2[:, :rows_2].T
            first, second = (first if trans_1 == "N" else first.T), (second if trans_2 == "N" else second.T)
            expected = alpha * (first.astype(np.float64) @ second.astype(np.float64))
            if beta:
                expected += beta * out[:, :m].T
            result = out.copy()
            _conv._gemm(trans_1, trans_2, m, n, k, alpha, op_1.reshape(-1), ld_1, op_2.reshape(-1), ld_2, beta,
                        result.reshape(-1), ld_out, threads)
            tolerance = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(result[:, :m].T, expected, rtol=tolerance, atol=tolerance * max(k, 1) ** 0.5,
                                       err_msg=f"m={m} n={n} k={k} alpha={alpha} beta={beta}")
            np.testing.assert_array_equal(result[:, m:], out[:, m:])
