"""Lazy modules: layers that infer their input size (in_features, in_channels, num_features) on first use.

A lazy module holds UninitializedParameters until its first forward (or a load_state_dict, whose
tensors give the shapes); then it materializes them, initializes them as the eager layer would,
and becomes that layer (LazyLinear becomes Linear), as PyTorch's LazyModuleMixin does.
"""
from __future__ import annotations

from ..parameter import UninitializedBuffer, UninitializedParameter, _UninitializedMixin
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Infer the shapes of UninitializedParameters/Buffers from the first input, then become cls_to_become.

    A subclass implements ``initialize_parameters(*args, **kwargs)``, which materializes every
    uninitialized tensor and calls ``reset_parameters()``.

    Example::

        >>> m = nn.LazyLinear(10)
        >>> m(axonml.randn(2, 5)).shape
        axonml.Size([2, 10])
        >>> type(m).__name__, m.in_features
        ('Linear', 5)
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        tensors = list(self._parameters.values()) + list(self._buffers.values())
        return any(isinstance(t, _UninitializedMixin) for t in tensors)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _infer_parameters(self, module, args, kwargs=None):
        self.initialize_parameters(*args, **(kwargs or {}))
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        self._initialize_hook.remove()
        del self._initialize_hook
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
        return None

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """A state_dict's tensors give the uninitialized tensors their shapes before loading."""
        for name, t in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if isinstance(t, _UninitializedMixin) and key in state_dict:
                t.materialize(tuple(state_dict[key].shape))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self._input_size() != 0:
            super().reset_parameters()

    def _input_size(self) -> int:
        raise NotImplementedError


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is the last dim of its first input.

    Args:
        out_features: the size of each output sample.
        bias: learn an additive bias. Default: ``True``.

    Shape:
        - Input: (*, H_in), H_in inferred; Output: (*, out_features).

    Example::

        >>> m = nn.LazyLinear(30)
        >>> m(axonml.randn(128, 20)).shape, m.in_features
        (axonml.Size([128, 30]), 20)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def _input_size(self) -> int:
        return self.in_features

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    _spatial = 1

    def _input_size(self) -> int:
        return self.in_channels

    def _lazy_init(self, out_channels: int, bias: bool, device, dtype) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        batched = input.ndim == self._spatial + 2
        self.in_channels = input.shape[1 if batched else 0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


def _lazy_conv(name: str, eager, spatial: int, transposed: bool):
    shape = ", ".join(["L", "H, W", "D, H, W"][spatial - 1].split(", "))

    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode="zeros", device=None, dtype=None):
            LazyModuleMixin.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False,
                                     dilation, padding_mode)
            self._lazy_init(out_channels, bias, device, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode="zeros", device=None, dtype=None):
            LazyModuleMixin.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
            self._lazy_init(out_channels, bias, device, dtype)

    doc = (f"{eager.__name__} whose in_channels is inferred from its first input.\n\n"
           f"    Args: as :class:`{eager.__name__}`, without in_channels.\n\n"
           f"    Shape:\n        - Input: (N, C_in, {shape}) or (C_in, {shape}), C_in inferred; Output: as "
           f"{eager.__name__}'s.\n\n"
           f"    Example::\n\n        >>> nn.{name}(8, 3)(axonml.randn(2, 4{', 9' * spatial})).shape[1]\n        8\n    ")

    return type(name, (_LazyConvMixin, eager), {"__init__": __init__, "cls_to_become": eager, "_spatial": spatial,
                                                "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, True)


class _LazyNormMixin(LazyModuleMixin):
    _spatial = 1

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        from ... import _dtype, creation
        super().__init__(0, eps, momentum, False, False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = creation.tensor(0, dtype=_dtype.int64, device=device)

    def _input_size(self) -> int:
        return self.num_features

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]  # PyTorch's choice, for unbatched instance-norm input too
        for name in ("weight", "bias", "running_mean", "running_var"):
            t = getattr(self, name)
            if isinstance(t, _UninitializedMixin):
                t.materialize((self.num_features,))
        self.reset_parameters()


def _lazy_norm(name: str, eager, spatial: int):
    # PyTorch's lazy instance norms take the batch norms' defaults (affine and running stats on): so do these
    doc = (f"{eager.__name__} whose num_features is inferred from its first input.\n\n"
           f"    Args: as :class:`{eager.__name__}`, without num_features (affine=True, track_running_stats=True "
           f"by default, as PyTorch's).\n\n"
           f"    Shape:\n        - Input and Output: as {eager.__name__}'s, with C inferred.\n\n"
           f"    Example::\n\n        >>> nn.{name}()(axonml.randn(2, 4{', 5' * spatial})).shape[1]\n        4\n    ")
    return type(name, (_LazyNormMixin, eager), {"cls_to_become": eager, "_spatial": spatial, "__doc__": doc,
                                                "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, 1)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, 2)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, 3)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, 1)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, 2)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, 3)
