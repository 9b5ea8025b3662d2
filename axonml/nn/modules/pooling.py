"""Pooling layers: max, average, power-average and adaptive average/max pooling in 1-D, 2-D and 3-D,
fractional max pooling, and max unpooling."""
from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _pair, _single, _triple

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d",
           "LPPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d", "MaxUnpool1d",
           "MaxUnpool2d", "MaxUnpool3d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    r"""Max over sliding windows of (N, C, L) or (C, L) input.

    Args:
        kernel_size: window size.
        stride: window step. Default: kernel_size.
        padding: implicit -inf padding on both sides. Default: 0.
        dilation: spacing of window elements. Default: 1.
        return_indices: also return the argmax indices (for MaxUnpool). Default: ``False``.
        ceil_mode: round the output length up instead of down. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, with :math:`L_{out} = \lfloor (L_{in} + 2 \cdot
          padding - dilation \cdot (kernel\_size - 1) - 1) / stride \rfloor + 1`
          (rounded up with ceil_mode).

    Example::

        >>> m = nn.MaxPool1d(3, stride=2)
        >>> m(axonml.randn(20, 16, 50)).shape
        axonml.Size([20, 16, 24])
    """

    def forward(self, input: Tensor):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W) or (C, H, W) input; arguments as :class:`MaxPool1d` (ints or pairs).

    Args:
        As :class:`MaxPool1d` (each size an int or a pair).

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, each size as for
          :class:`MaxPool1d`.

    Example::

        >>> nn.MaxPool2d(3, stride=2)(axonml.randn(20, 16, 50, 32)).shape
        axonml.Size([20, 16, 24, 15])
    """

    def forward(self, input: Tensor):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W) input; arguments as :class:`MaxPool1d`
    (ints or triples).

    Args:
        As :class:`MaxPool1d` (each size an int or a triple).

    Shape:
        - Input: (N, C, D, H, W) or (C, D, H, W)
        - Output: (N, C, D_out, H_out, W_out), each size as :func:`~axonml.nn.functional.max_pool1d` computes it

    Example::

        >>> nn.MaxPool3d((3, 2, 2), stride=(2, 1, 2))(axonml.randn(20, 16, 50, 44, 31)).shape
        axonml.Size([20, 16, 24, 43, 15])
    """

    def forward(self, input: Tensor):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    r"""Mean over sliding windows of (N, C, L) or (C, L) input.

    Args:
        kernel_size: window size.
        stride: window step. Default: kernel_size.
        padding: implicit zero padding on both sides. Default: 0.
        ceil_mode: round the output length up instead of down. Default: ``False``.
        count_include_pad: count the padding zeros in the mean. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, with :math:`L_{out} = \lfloor (L_{in} + 2 \cdot
          padding - kernel\_size) / stride \rfloor + 1`
          (rounded up with ceil_mode).

    Example::

        >>> m = nn.AvgPool1d(3, stride=2)
        >>> m(axonml.randn(20, 16, 50)).shape
        axonml.Size([20, 16, 24])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) input.

    Args:
        kernel_size: window size (int or pair).
        stride: window step. Default: kernel_size.
        padding: implicit zero padding. Default: 0.
        ceil_mode: round the output size up instead of down. Default: ``False``.
        count_include_pad: count the padding zeros in the mean. Default: ``True``.
        divisor_override: divide by this instead of the window size. Default: ``None``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, each size as for
          :class:`AvgPool1d`.

    Example::

        >>> m = nn.AvgPool2d(3, stride=2)
        >>> m(axonml.randn(20, 16, 50, 32)).shape
        axonml.Size([20, 16, 24, 15])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W) input; arguments as :class:`AvgPool2d`
    (ints or triples).

    Args:
        As :class:`AvgPool2d` (each size an int or a triple).

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`, each size as for
          :class:`AvgPool1d`.

    Example::

        >>> nn.AvgPool3d(3, stride=2)(axonml.randn(20, 16, 50, 44, 31)).shape
        axonml.Size([20, 16, 24, 21, 15])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    r"""Power-average pooling of (N, C, L) or (C, L) input: (sum of x ** p over each window) ** (1 / p).

    Args:
        norm_type: the exponent p; ``inf`` gives max pooling of abs(x).
        kernel_size: window size.
        stride: window step. Default: kernel_size.
        ceil_mode: round the output length up instead of down. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, :math:`L_{out} = \lfloor (L_{in} - kernel\_size) /
          stride \rfloor + 1`.

    Example::

        >>> m = nn.LPPool1d(2, 3, stride=2)
        >>> m(axonml.randn(20, 16, 50)).shape
        axonml.Size([20, 16, 24])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling of (N, C, H, W) or (C, H, W) input; arguments as :class:`LPPool1d` (ints or pairs).

    Args:
        As :class:`LPPool1d` (kernel_size and stride ints or pairs).

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, each size as for :class:`LPPool1d`.

    Example::

        >>> nn.LPPool2d(2, 3, stride=2)(axonml.randn(20, 16, 50, 32)).shape
        axonml.Size([20, 16, 24, 15])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """Power-average pooling of (N, C, D, H, W) or (C, D, H, W) input; arguments as :class:`LPPool1d`.

    Args:
        As :class:`LPPool1d` (kernel_size and stride ints or triples).

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`, each size as for
          :class:`LPPool1d`.

    Example::

        >>> m = nn.LPPool3d(2, 3, stride=2)
        >>> m(axonml.randn(20, 16, 50, 44, 31)).shape
        axonml.Size([20, 16, 24, 21, 15])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling to a fixed output length, whatever the input length.

    Args:
        output_size: the target length L_out.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, the output_size.

    Example::

        >>> m = nn.AdaptiveAvgPool1d(5)
        >>> m(axonml.randn(1, 64, 8)).shape
        axonml.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed output size (H_out, W_out) (an int for a square; ``None`` keeps that dim).

    Args:
        output_size: the target (H_out, W_out), an int for a square; ``None`` keeps that dim.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, the output_size.

    Example::

        >>> nn.AdaptiveAvgPool2d((5, 7))(axonml.randn(1, 64, 8, 9)).shape
        axonml.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling to a fixed output size (D_out, H_out, W_out) (an int for a cube; ``None`` keeps that dim).

    Args:
        output_size: the target (D_out, H_out, W_out), an int for a cube; ``None`` keeps that dim.

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`, the output_size.

    Example::

        >>> nn.AdaptiveAvgPool3d((5, 7, 9))(axonml.randn(1, 64, 8, 9, 10)).shape
        axonml.Size([1, 64, 5, 7, 9])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length; ``return_indices`` also returns the argmax indices.

    Args:
        output_size: the target size (L_out); ``None`` keeps that dim.
        return_indices: also return the argmax indices. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, the output_size.

    Example::

        >>> m = nn.AdaptiveMaxPool1d(5)
        >>> m(axonml.randn(1, 64, 8)).shape
        axonml.Size([1, 64, 5])
    """

    def forward(self, input: Tensor):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size; ``return_indices`` also returns the argmax indices.

    Args:
        output_size: the target size (H_out, W_out; an int for a square); ``None`` keeps that dim.
        return_indices: also return the argmax indices. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, the output_size.

    Example::

        >>> m = nn.AdaptiveMaxPool2d((5, 7))
        >>> m(axonml.randn(1, 64, 8, 9)).shape
        axonml.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size (D_out, H_out, W_out); ``return_indices`` also returns the argmax indices.

    Args:
        output_size: the target size (D_out, H_out, W_out; an int for a cube); ``None`` keeps that dim.
        return_indices: also return the argmax indices. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`, the output_size.

    Example::

        >>> m = nn.AdaptiveMaxPool3d((5, 7, 9))
        >>> m(axonml.randn(1, 64, 8, 9, 10)).shape
        axonml.Size([1, 64, 5, 7, 9])
    """

    def forward(self, input: Tensor):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _FractionalMaxPoolNd(Module):
    _ntuple = staticmethod(_pair)

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = self._ntuple(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = self._ntuple(output_size) if output_size is not None else None
        self.output_ratio = self._ntuple(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) input: windows at pseudo-random starts.

    Args:
        kernel_size: window size (int or pair).
        output_size: the output (H_out, W_out), or
        output_ratio: the output size as a fraction (in (0, 1)) of the input's.
        return_indices: also return the argmax indices (for MaxUnpool2d). Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, from output_size or output_ratio.

    Example::

        >>> nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(axonml.randn(20, 16, 50, 32)).shape
        axonml.Size([20, 16, 25, 16])
    """

    def forward(self, input: Tensor):
        return F.fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W) input; arguments as
    :class:`FractionalMaxPool2d` (ints or triples).

    Args:
        As :class:`FractionalMaxPool2d` (sizes ints or triples).

    Shape:
        - Input: :math:`(N, C, T_{in}, H_{in}, W_{in})` or :math:`(C, T_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C, T_{out}, H_{out}, W_{out})` or :math:`(C, T_{out}, H_{out}, W_{out})`, from output_size
          or output_ratio.

    Example::

        >>> m = nn.FractionalMaxPool3d(3, output_size=(13, 12, 11))
        >>> m(axonml.randn(20, 16, 50, 32, 16)).shape
        axonml.Size([20, 16, 13, 12, 11])
    """

    _ntuple = staticmethod(_triple)

    def forward(self, input: Tensor):
        return F.fractional_max_pool3d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)


class _MaxUnpoolNd(Module):
    _ntuple = staticmethod(_single)

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = self._ntuple(kernel_size)
        self.stride = self._ntuple(stride if stride is not None else kernel_size)
        self.padding = self._ntuple(padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d`: each maximum put back at its index, zeros elsewhere.

    Args:
        kernel_size: the pooling's window size.
        stride: the pooling's step. Default: kernel_size.
        padding: the pooling's padding. Default: 0.

    Shape:
        - Input: (N, C, L_in) or (C, L_in), with indices of the same shape
        - Output: (N, C, L_out), L_out = (L_in - 1) * stride - 2 * padding + kernel_size, or ``output_size``

    Example::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> unpool(*pool(axonml.randn(1, 1, 8))).shape
        axonml.Size([1, 1, 8])
    """

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    r"""The partial inverse of :class:`MaxPool2d`; arguments as :class:`MaxUnpool1d` (ints or pairs).

    Args:
        As :class:`MaxUnpool1d` (sizes ints or pairs).

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, with indices of the same shape.
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = (H_{in} - 1) \cdot stride[0] - 2 \cdot padding[0] +
          kernel\_size[0]`
          (W likewise), or output_size.

    Example::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> values, indices = pool(axonml.randn(1, 1, 5, 5))
        >>> unpool(values, indices, output_size=(5, 5)).shape
        axonml.Size([1, 1, 5, 5])
    """

    _ntuple = staticmethod(_pair)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d`; arguments as :class:`MaxUnpool1d` (ints or triples).

    Args:
        As :class:`MaxUnpool1d` (sizes ints or triples).

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`, with indices of the same
          shape.
        - Output: each spatial size as for :class:`MaxUnpool2d`, or output_size.

    Example::

        >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
        >>> values, indices = pool(axonml.randn(1, 1, 4, 4, 4))
        >>> unpool(values, indices).shape
        axonml.Size([1, 1, 4, 4, 4])
    """

    _ntuple = staticmethod(_triple)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)
