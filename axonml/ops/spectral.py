"""Spectral ops: the discrete Fourier transforms behind axonml.fft, and stft / istft.

Three transforms are primitives of the backends (complex-to-complex, real-to-complex and
complex-to-real over a tuple of axes); everything else (n / s resizing, hfft, the 2-d and n-d
spellings, stft's framing and istft's overlap-add) is composed from them and from tensor ops, so
gradients come from the three backwards below. Those are PyTorch's: the backward of a transform is
the transform the other way with the same scale (``norm`` swapped between "backward" and
"forward"); the real-to-complex backward zero-pads the half spectrum, the complex-to-real backward
doubles the entries that stand for two conjugate bins.
"""
from __future__ import annotations

import math
import numbers
import warnings

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import check_tensor

__all__ = ["stft", "istft"]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


# --- the three transforms ------------------------------------------------------------------------------

class FFTC2C(ArrayFunction):
    def forward(ctx, a, axes, norm, forward):
        ctx.axes, ctx.norm, ctx.forward = axes, norm, forward
        return ctx.xp.fft_c2c(a, axes, norm, forward)

    def backward(ctx, grad):
        return ctx.xp.fft_c2c(grad, ctx.axes, _DUAL[ctx.norm], not ctx.forward), None, None, None


class FFTR2C(ArrayFunction):
    def forward(ctx, a, axes, norm, onesided):
        ctx.axes, ctx.norm, ctx.onesided = axes, norm, onesided
        ctx.last_dim_size = a.shape[axes[-1]]
        return ctx.xp.fft_r2c(a, axes, norm, onesided)

    def backward(ctx, grad):
        xp = ctx.xp
        last = ctx.axes[-1]
        missing = ctx.last_dim_size - grad.shape[last]
        if ctx.onesided and missing > 0:
            pad_shape = grad.shape[:last] + (missing,) + grad.shape[last + 1:]
            grad = xp.concatenate([grad, xp.zeros(pad_shape, grad.dtype)], last)
        full = xp.fft_c2c(grad, ctx.axes, _DUAL[ctx.norm], False)
        return xp.copy(xp.real(full)), None, None, None


class FFTC2R(ArrayFunction):
    def forward(ctx, a, axes, norm, last_dim_size):
        ctx.axes, ctx.norm = axes, norm
        return ctx.xp.fft_c2r(a, axes, norm, last_dim_size)

    def backward(ctx, grad):
        xp = ctx.xp
        last = ctx.axes[-1]
        half = xp.fft_r2c(grad, ctx.axes, _DUAL[ctx.norm], True)
        doubled = grad.shape[last] - half.shape[last]
        if doubled > 0:
            scale_shape = [1] * half.ndim
            scale_shape[last] = half.shape[last]
            scale = xp.ones(tuple(scale_shape), _dtype.from_numpy_dtype(half.dtype).to_real().np)
            index = (slice(None),) * last + (slice(1, 1 + doubled),)
            xp.setitem(scale, index, 2)
            half = xp.mul(half, scale)
        return half, None, None, None


# --- argument handling shared by axonml.fft ----------------------------------------------------------------

def check_norm(norm) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'Invalid normalization mode: "{norm}"')
    return norm


def _wrap_dim(dim, ndim: int, name: str) -> int:
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                         f"{max(ndim, 1) - 1}], but got {dim})")
    return int(dim) % max(ndim, 1)


def resize_dim(x: Tensor, dim: int, n: int) -> Tensor:
    """x cut or zero-padded at the end of dim to n entries (differentiable)."""
    size = x._data.shape[dim]
    if n == size:
        return x
    if n < size:
        return x.narrow(dim, 0, n)
    from .shape import cat
    from ..creation import zeros
    pad_shape = list(x._data.shape)
    pad_shape[dim] = n - size
    return cat([x, zeros(pad_shape, dtype=x.dtype, device=x.device)], dim)


def as_complex_input(name: str, x: Tensor) -> Tensor:
    """x in the complex type PyTorch's transforms compute in (ints through the default float type)."""
    check_tensor(name, x)
    kind = x._data.dtype.kind
    if kind == "c":
        return x
    target = (x.dtype if kind in "fV" else _dtype.get_default_dtype()).to_complex()
    return x.to(target)


def as_real_input(name: str, x: Tensor) -> Tensor:
    check_tensor(name, x)
    kind = x._data.dtype.kind
    if kind == "c":
        raise RuntimeError(f"{name} expects a real input tensor, but got {x.dtype.scalar_name}")
    if kind in "fV":
        if x._data.dtype.itemsize == 2:
            return x.to(_dtype.float32)
        return x
    return x.to(_dtype.get_default_dtype())


def check_points(n: int) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"the number of data points must be an int, not {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return int(n)


def dims_and_sizes(name: str, x: Tensor, s, dim, default_last=None):
    """torch.fft's rule for (s, dim) of the n-d transforms -> (dims, sizes), sizes with -1 resolved.

    dim None with s None: every dim; dim None with s given: the last len(s) dims. default_last, if
    given, computes the last size from the input's size there when s does not give it (irfftn).
    """
    ndim = x._data.ndim
    if dim is None:
        dims = list(range(ndim)) if s is None else list(range(ndim - len(s), ndim))
    else:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        dims = [_wrap_dim(d, ndim, name) for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{name} dims must be unique")
    if s is not None:
        s = [s] if isinstance(s, numbers.Integral) else list(s)
        if len(s) != len(dims):
            raise RuntimeError(f"When given, dim and shape arguments must have the same length, got {len(dims)} "
                               f"and {len(s)}")
        if any(d < 0 for d in dims):
            raise RuntimeError(f"{name}: s has more entries than the input has dims")
    sizes = []
    for k, d in enumerate(dims):
        given = s[k] if s is not None else -1
        if given == -1:
            given = default_last(x._data.shape[d]) if (default_last is not None and k == len(dims) - 1) \
                else x._data.shape[d]
        sizes.append(check_points(given))
    return dims, sizes


def c2c(x: Tensor, dims, sizes, norm: str, forward: bool) -> Tensor:
    for d, n in zip(dims, sizes):
        x = resize_dim(x, d, n)
    if not dims:
        return x
    return apply(FFTC2C, x, tuple(dims), norm, forward)


def r2c(x: Tensor, dims, sizes, norm: str) -> Tensor:
    for d, n in zip(dims, sizes):
        x = resize_dim(x, d, n)
    return apply(FFTR2C, x, tuple(dims), norm, True)


def c2r(x: Tensor, dims, sizes, norm: str) -> Tensor:
    """The real inverse: the last dim's input is resized to sizes[-1] // 2 + 1 entries first."""
    for d, n in zip(dims[:-1], sizes[:-1]):
        x = resize_dim(x, d, n)
    x = resize_dim(x, dims[-1], sizes[-1] // 2 + 1)
    return apply(FFTC2R, x, tuple(dims), norm, sizes[-1])


# --- stft / istft ------------------------------------------------------------------------------------------

def _padded_window(window, win_length: int, n_fft: int, like: Tensor, name: str) -> Tensor:
    from ..creation import ones
    if window is None:
        window = ones(win_length, dtype=like.dtype.to_real(), device=like.device)
    else:
        check_tensor(name, window)
        if window._data.ndim != 1 or window._data.shape[0] != win_length:
            raise RuntimeError(f"{name}: expected a 1D window tensor of size equal to win_length={win_length}, but "
                               f"got window with size {list(window._data.shape)}")
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        from .nn import pad
        window = pad(window, [left, n_fft - win_length - left])
    return window


def _frame_args(name: str, n_fft, hop_length, win_length):
    if not isinstance(n_fft, numbers.Integral) or n_fft <= 0:
        raise RuntimeError(f"{name}: expected 0 < n_fft, but got n_fft={n_fft}")
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    if hop_length <= 0:
        raise RuntimeError(f"{name}: expected hop_length > 0, but got hop_length={hop_length}")
    if win_length <= 0 or win_length > n_fft:
        raise RuntimeError(f"{name}: expected 0 < win_length <= n_fft, but got win_length={win_length}")
    return int(n_fft), int(hop_length), int(win_length)


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None) -> Tensor:
    """The short-time Fourier transform, with torch.stft's arguments, defaults and output layout.

    Args:
        input: a signal (L) or a batch of signals (B, L), real or complex.
        n_fft: the size of each Fourier transform.
        hop_length: the step between frames (default n_fft // 4).
        win_length: the window's size, at most n_fft (default n_fft); the window is zero-padded to n_fft
            on both sides.
        window: a 1-d tensor of win_length (default a rectangular window).
        center: pad the signal by n_fft // 2 on both sides with pad_mode, so frame t is centred at t * hop.
        pad_mode: 'reflect', 'constant', 'replicate' or 'circular'.
        normalized: scale the frames by n_fft ** -0.5.
        onesided: keep the n_fft // 2 + 1 non-negative frequencies (default for real input and window).
        return_complex: a complex result (True), or its real view with a trailing dim of 2 (False). Required
            for real inputs, as in PyTorch.

    Shape:
        - Output: (B?, n_freq, n_frames) complex, or (B?, n_freq, n_frames, 2) real.

    Example:
        >>> x = axonml.randn(16000)
        >>> axonml.stft(x, 400, 160, window=axonml.hann_window(400), return_complex=True).shape
        axonml.Size([201, 101])
    """
    check_tensor("stft", input)
    complex_input = input._data.dtype.kind == "c" or (window is not None and window._data.dtype.kind == "c")
    if return_complex is None:
        if not complex_input:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if not return_complex:
        if complex_input:
            raise RuntimeError("stft: return_complex=False is not supported for complex inputs or windows")
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.", UserWarning)
    if input._data.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input._data.ndim}D")
    n_fft, hop_length, win_length = _frame_args("stft", n_fft, hop_length, win_length)
    batched = input if input._data.ndim == 2 else input.unsqueeze(0)
    if input._data.dtype.kind not in "fVc":
        raise RuntimeError(f"stft: expected a tensor of floating point or complex values, got {input.dtype}")
    if center:
        batched = _center_pad(batched, n_fft // 2, pad_mode)
    length = batched._data.shape[-1]
    if n_fft > length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    frames = batched.unfold(-1, n_fft, hop_length)                 # (B, n_frames, n_fft)
    frames = frames * _padded_window(window, win_length, n_fft, batched, "stft")
    onesided = (not complex_input) if onesided is None else onesided
    if onesided and complex_input:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    last = frames._data.ndim - 1
    if onesided:
        spectrum = r2c(frames, [last], [n_fft], norm)
    else:
        spectrum = c2c(as_complex_input("stft", frames), [last], [n_fft], norm, True)
    spectrum = spectrum.transpose(1, 2)                             # (B, n_freq, n_frames)
    if input._data.ndim == 1:
        spectrum = spectrum.squeeze(0)
    if not return_complex:
        from .complex import view_as_real
        return view_as_real(spectrum)
    return spectrum


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """The inverse of stft by overlap-add, divided by the overlapped squared window (torch.istft).

    Args:
        input: a complex spectrogram (B?, n_freq, n_frames), as stft returns it.
        n_fft, hop_length, win_length, window, center, normalized: as given to stft.
        onesided: whether input holds only the non-negative frequencies (default: n_freq != n_fft).
        length: trim or zero-pad the signal to this many samples.
        return_complex: a complex signal (needs onesided=False), else a real one.

    Shape:
        - Output: (B?, L) with L = length, or n_fft + hop * (n_frames - 1) less 2 * (n_fft // 2) when center.
    """
    check_tensor("istft", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex values, but got "
                           f"{input._data.ndim}")
    n_fft, hop_length, win_length = _frame_args("istft", n_fft, hop_length, win_length)
    batched = input if input._data.ndim == 3 else input.unsqueeze(0)
    n_freq, n_frames = batched._data.shape[1:]
    onesided = n_freq != n_fft if onesided is None else onesided
    if onesided:
        if n_fft // 2 + 1 != n_freq:
            raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to "
                               f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}")
    elif n_fft != n_freq:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to match "
                           f"n_fft when onesided=False, but got {n_freq}")
    if return_complex and onesided:
        raise RuntimeError("cannot have onesided output if window or input is complex")
    window = _padded_window(window, win_length, n_fft, batched, "istft")
    if not return_complex and window._data.dtype.kind == "c":
        raise RuntimeError("istft: a complex window needs return_complex=True")
    norm = "ortho" if normalized else "backward"
    spectra = batched.transpose(1, 2)                               # (B, n_frames, n_freq)
    if return_complex:
        frames = c2c(spectra, [2], [n_fft], norm, False)
    else:
        if not onesided:
            spectra = spectra.narrow(2, 0, n_fft // 2 + 1)
        frames = c2r(spectra, [2], [n_fft], norm)
    frames = frames * window                                       # (B, n_frames, n_fft)
    expected = n_fft + hop_length * (n_frames - 1)
    signal = _overlap_add(frames, hop_length, expected)
    envelope = _overlap_add((window * window).expand(1, n_frames, n_fft), hop_length, expected)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = expected - n_fft // 2 if center else expected
    stop = min(end, expected)
    signal = signal[:, start:stop]
    envelope = envelope[:, start:stop]
    if bool((envelope.abs().min() < 1e-11).item()) if envelope.numel() else False:
        raise RuntimeError("istft(...) window overlap add min: the window's squares overlap-add to zero somewhere")
    signal = signal / envelope
    if end > expected:
        from .nn import pad
        signal = pad(signal, [0, end - expected])
    if input._data.ndim == 2:
        signal = signal.squeeze(0)
    return signal


def _center_pad(signals: Tensor, half: int, pad_mode: str) -> Tensor:
    """signals (B, L) padded by half on both sides; reflection as two flipped slices and one cat (a single
    pass over the signal, where the general pad gathers every element)."""
    length = signals._data.shape[-1]
    if pad_mode == "reflect" and 0 < half < length:
        from .shape import cat
        before = signals[:, 1:half + 1].flip(-1)
        after = signals[:, length - half - 1:length - 1].flip(-1)
        return cat([before, signals, after], -1)
    from .nn import pad
    return pad(signals.unsqueeze(1), [half, half], mode=pad_mode).squeeze(1)


def _overlap_add(frames: Tensor, hop_length: int, total: int) -> Tensor:
    """sum over frames t of frames[:, t, :] placed at t * hop_length: (B, n_frames, n_fft) -> (B, total)."""
    from .conv import fold
    if frames._data.dtype.kind == "c":
        from .complex import complex as make_complex
        return make_complex(_overlap_add(frames.real.contiguous(), hop_length, total),
                            _overlap_add(frames.imag.contiguous(), hop_length, total))
    n_fft = frames._data.shape[-1]
    columns = frames.transpose(1, 2)                               # (B, n_fft, n_frames)
    return fold(columns, (1, total), (1, n_fft), stride=(1, hop_length)).reshape(frames._data.shape[0], total)
