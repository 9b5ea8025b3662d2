"""Tensor: a backend array plus what autograd needs (requires_grad, grad, grad_fn, version).

The fields live in the Cython base class (axonml/_ext/_autograd.pyx) so that apply and the
backward sweep read them as C fields. The methods here are thin: each calls the op that
defines it in axonml/ops, where the math, the checks and the backward live.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from ._ext import _autograd
from .backends import cpu as _cpu_backend
from .backends import get_backend

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's torch.Size."""

    def __repr__(self) -> str:
        return f"axonml.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _backend_of(data):
    return _cpu_backend if type(data) is np.ndarray else data.backend


class Tensor(_autograd.TensorBase):
    """A multi-dimensional array on a device, with reverse-mode autograd.

    Create tensors with ``axonml.tensor``, ``zeros``, ``randn`` ... rather than this class.
    """

    __slots__ = ()
    __array_priority__ = 1000  # so ndarray + Tensor defers to Tensor.__radd__

    # --- basic properties -------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> _device_cls:
        return _backend_of(self._data).device

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_opencl(self) -> bool:
        return self.device.type == "opencl"

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.size) * self._data.dtype.itemsize

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is (0 for leaves)."""
        return self._output_nr

    def ndimension(self) -> int:
        return self._data.ndim

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor, raising as torch does for any other."""
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def is_same_size(self, other: "Tensor") -> bool:
        return tuple(self._data.shape) == tuple(other._data.shape)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.dtype.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_normalize_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(_backend_of(self._data).is_contiguous(self._data))

    def is_floating_point(self) -> bool:
        kind = self._data.dtype.kind  # ml_dtypes' types are 'V', int4 ... among them
        return kind == "f" or (kind == "V" and _dtype.from_numpy_dtype(self._data.dtype).is_floating_point)

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    @property
    def _version(self) -> int:
        return self._vc.value

    # --- autograd -------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self._node is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and not (self.is_floating_point() or self._data.dtype.kind == "c"):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients, got "
                               f"{self.dtype}")
        if requires_grad and self._is_inference and not _autograd.is_inference_mode_enabled():
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._node

    def is_inference(self) -> bool:
        """Whether this tensor was made inside ``inference_mode``."""
        return self._is_inference

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def data(self) -> "Tensor":
        return _make(self._data, vc=self._vc)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    def detach(self) -> "Tensor":
        """A tensor sharing this one's memory, cut from the graph."""
        return _make(self._data, vc=self._vc)

    def detach_(self) -> "Tensor":
        self._node = None
        self._requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .autograd import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            if self._leaf_hooks is None:
                self._leaf_hooks = []
            hooks = self._leaf_hooks
        else:
            if self._node.hooks is None:
                self._node.hooks = {}
            hooks = self._node.hooks.setdefault(self._output_nr, [])
        if hooks and getattr(hooks[-1], "retains_grad_of", None) is not None:
            hooks.insert(len(hooks) - 1, hook)  # retain_grad keeps the gradient after every other hook, as torch
        else:
            hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after backward has summed a gradient into this leaf's ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Keep .grad for a non-leaf tensor after backward."""
        if self._node is None:
            return
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.retains_grad:
            return
        import weakref
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                t.grad = grad.detach() if t.grad is None else t.grad + grad
        keep.retains_grad_of = ref
        self.register_hook(keep)

    @property
    def retains_grad(self) -> bool:
        """Whether retain_grad() was called on this non-leaf tensor."""
        if self._node is None or not self._node.hooks:
            return False
        return any(getattr(hook, "retains_grad_of", lambda: None)() is self
                   for hook in self._node.hooks.get(self._output_nr, ()))

    # --- conversion -------------------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        backend = _backend_of(self._data)
        if backend is not _cpu_backend and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                            "the tensor to host memory first.")
        return backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        """The values as a NumPy array: a CPU tensor's own memory unless copy=True (np.array's default)."""
        backend = _backend_of(self._data)
        array = backend.to_numpy(self._data)
        if copy and backend is _cpu_backend and (dtype is None or np.dtype(dtype) == array.dtype):
            return array.copy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __dlpack__(self, stream=None, **kwargs):
        """A DLPack capsule of this CPU tensor's memory (other devices: move it with .cpu() first)."""
        if _backend_of(self._data) is not _cpu_backend:
            raise BufferError(f"DLPack export is supported for CPU tensors only, not {self.device}")
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__() if _backend_of(self._data) is _cpu_backend else (4, 0)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return _backend_of(self._data).to_numpy(self._data).reshape(()).item()

    def apply_(self, callable):
        """Replace every element x by callable(x), in Python: slow, CPU only, as torch's apply_."""
        return self._map_in_place("apply_", callable)

    def map_(self, tensor: "Tensor", callable):
        """Replace every element x by callable(x, y), y the element of tensor (broadcast to self), CPU only."""
        return self._map_in_place("map_", callable, tensor)

    def map2_(self, x: "Tensor", y: "Tensor", callable):
        """Replace every element a by callable(a, b, c), b and c the elements of x and y, CPU only."""
        return self._map_in_place("map2_", callable, x, y)

    def _map_in_place(self, name: str, callable, *others: "Tensor"):
        if _backend_of(self._data) is not _cpu_backend or any(_backend_of(o._data) is not _cpu_backend
                                                              for o in others):
            raise TypeError(f"{name} is only implemented on CPU tensors")
        if self._requires_grad and self._node is None and _autograd.is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        columns = [np.broadcast_to(o._data, self._data.shape).ravel().tolist() for o in others]
        values = [callable(*row) for row in zip(self._data.ravel().tolist(), *columns)]
        result = np.array(values, dtype=self._data.dtype).reshape(self._data.shape)
        _cpu_backend.copy_into(self._data, result)
        self._vc.value += 1
        return self

    def tolist(self):
        return _backend_of(self._data).to_numpy(self._data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its Python number (f"{loss:.4f}"); others only with an empty spec, as torch."""
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ._format import format_tensor
        return format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        """Pickle as values (a NumPy array) plus requires_grad and device, so tensors cross process
        boundaries (DataLoader workers under spawn). Files use axonml.save, which never pickles."""
        return (_rebuild_tensor, (type(self), self.__array__(), self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        out = _make(_backend_of(self._data).copy(self._data))
        out._requires_grad = self._requires_grad
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    # --- device and dtype movement ------------------------------------------------------------------
    def to(self, *args, **kwargs) -> "Tensor":
        """to(dtype) / to(device) / to(device, dtype) / to(other): a converted tensor (self if nothing changes)."""
        device, dtype, copy = _parse_to(self, args, kwargs)
        from .ops.elementwise import cast
        from .ops.device import to_device
        out = self
        if dtype is not None and dtype.np != self._data.dtype:
            out = cast(out, dtype)
        if device is not None and get_backend(device) is not _backend_of(out._data):
            out = to_device(out, device)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def opencl(self, index: int = 0) -> "Tensor":
        return self.to(_device_cls("opencl", index))

    def type(self, dtype=None):
        if dtype is None:
            return f"axonml.{self.dtype.scalar_name}Tensor"  # axonml.FloatTensor, axonml.LongTensor ...
        return self.to(dtype)

    def float(self) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        return self.to(_dtype.float16)

    def bfloat16(self) -> "Tensor":
        return self.to(_dtype.bfloat16)

    def cfloat(self) -> "Tensor":
        return self.to(_dtype.complex64)

    def cdouble(self) -> "Tensor":
        return self.to(_dtype.complex128)

    # --- complex numbers (ops/complex.py) and spectral ops (ops/spectral.py) -------------------------------
    @property
    def real(self) -> "Tensor":
        return _complex.real(self)

    @property
    def imag(self) -> "Tensor":
        return _complex.imag(self)

    def conj(self) -> "Tensor":
        return _complex.conj(self)

    def conj_physical(self) -> "Tensor":
        return _complex.conj_physical(self)

    def resolve_conj(self) -> "Tensor":
        return self

    def resolve_neg(self) -> "Tensor":
        return self

    def is_conj(self) -> bool:
        return False

    def angle(self) -> "Tensor":
        return _complex.angle(self)

    def stft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
             normalized=False, onesided=None, return_complex=None) -> "Tensor":
        return _spectral.stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized, onesided,
                              return_complex)

    def istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
              onesided=None, length=None, return_complex=False) -> "Tensor":
        return _spectral.istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length,
                               return_complex)

    def long(self) -> "Tensor":
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        return self.to(_dtype.int16)

    def byte(self) -> "Tensor":
        return self.to(_dtype.uint8)

    def char(self) -> "Tensor":
        return self.to(_dtype.int8)

    def bool(self) -> "Tensor":
        return self.to(_dtype.bool)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from .creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    # --- in-place plumbing ------------------------------------------------------------------------------
    def _inplace(self, result: "Tensor") -> "Tensor":
        """Write result (an op's out-of-place output) into self and move self onto result's graph node."""
        _check_inplace(self)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(result._data.shape)}")
        if result._data.dtype != self._data.dtype and not _can_cast(result._data.dtype, self._data.dtype):
            raise RuntimeError(f"result type {_dtype.from_numpy_dtype(result._data.dtype).scalar_name} can't be "
                               f"cast to the desired output type {self.dtype.scalar_name}")
        node = result._node
        if node is not None and node.fn._saved is not None and any(s is self._data for s in node.fn._saved):
            _keep_original_for_backward(node.fn, self)
        _backend_of(self._data).copy_into(self._data, result._data)
        self._vc.value += 1
        if result._node is not None:
            if result._data.dtype != self._data.dtype:
                from .ops.elementwise import cast
                result = cast(result, self.dtype)
            self._node = result._node
            self._output_nr = result._output_nr
            self._requires_grad = True
            if self._base is not None:
                _indexing.rebase_view(self)
        return self

    # ===================================================================================================
    # Methods defined by the ops. Each section is owned by one ops module; keep them in that order.
    # ===================================================================================================

    # --- elementwise (ops/elementwise.py) ---------------------------------------------------------------
    def __add__(self, other):
        return _elementwise.add(self, other)

    def __radd__(self, other):
        return _elementwise.add(other, self)

    def __sub__(self, other):
        return _elementwise.sub(self, other)

    def __rsub__(self, other):
        return _elementwise.sub(other, self)

    def __mul__(self, other):
        return _elementwise.mul(self, other)

    def __rmul__(self, other):
        return _elementwise.mul(other, self)

    def __truediv__(self, other):
        return _elementwise.div(self, other)

    def __rtruediv__(self, other):
        return _elementwise.div(other, self)

    def __neg__(self):
        return _elementwise.neg(self)

    def add(self, other, *, alpha=1):
        return _elementwise.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _elementwise.sub(self, other, alpha=alpha)

    def mul(self, other):
        return _elementwise.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return _elementwise.div(self, other, rounding_mode=rounding_mode)

    def neg(self):
        return _elementwise.neg(self)

    def add_(self, other, *, alpha=1):
        return self._inplace(_elementwise.add(self, other, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        return self._inplace(_elementwise.sub(self, other, alpha=alpha))

    def mul_(self, other):
        return self._inplace(_elementwise.mul(self, other))

    def div_(self, other, *, rounding_mode=None):
        return self._inplace(_elementwise.div(self, other, rounding_mode=rounding_mode))

    true_divide = div
    true_divide_ = div_
    multiply = mul
    multiply_ = mul_
    subtract = sub
    subtract_ = sub_
    divide = div
    divide_ = div_
    negative = neg

    def neg_(self):
        return self._inplace(_elementwise.neg(self))

    negative_ = neg_

    def __pos__(self):
        return _elementwise.positive(self)

    def positive(self):
        return _elementwise.positive(self)

    def __pow__(self, exponent):
        return _elementwise.pow(self, exponent)

    def __rpow__(self, base):
        return _elementwise.pow(base, self)

    def pow(self, exponent):
        return _elementwise.pow(self, exponent)

    def pow_(self, exponent):
        return self._inplace(_elementwise.pow(self, exponent))

    def __ipow__(self, exponent):
        return self.pow_(exponent)

    def square(self):
        return _elementwise.square(self)

    def square_(self):
        return self._inplace(_elementwise.square(self))

    def __floordiv__(self, other):
        return _elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _elementwise.floor_divide(other, self)

    def floor_divide(self, other):
        return _elementwise.floor_divide(self, other)

    def floor_divide_(self, other):
        return self._inplace(_elementwise.floor_divide(self, other))

    def __mod__(self, other):
        return _elementwise.remainder(self, other)

    def __rmod__(self, other):
        return _elementwise.remainder(other, self)

    def remainder(self, other):
        return _elementwise.remainder(self, other)

    def remainder_(self, other):
        return self._inplace(_elementwise.remainder(self, other))

    def fmod(self, other):
        return _elementwise.fmod(self, other)

    def fmod_(self, other):
        return self._inplace(_elementwise.fmod(self, other))

    def __abs__(self):
        return _elementwise.abs(self)

    def abs(self):
        return _elementwise.abs(self)

    def abs_(self):
        return self._inplace(_elementwise.abs(self))

    absolute = abs
    absolute_ = abs_

    def sign(self):
        return _elementwise.sign(self)

    def sign_(self):
        return self._inplace(_elementwise.sign(self))

    def floor(self):
        return _elementwise.floor(self)

    def floor_(self):
        return self._inplace(_elementwise.floor(self))

    def ceil(self):
        return _elementwise.ceil(self)

    def ceil_(self):
        return self._inplace(_elementwise.ceil(self))

    def trunc(self):
        return _elementwise.trunc(self)

    def trunc_(self):
        return self._inplace(_elementwise.trunc(self))

    fix = trunc
    fix_ = trunc_

    def round(self, *, decimals=0):
        return _elementwise.round(self, decimals=decimals)

    def round_(self, *, decimals=0):
        return self._inplace(_elementwise.round(self, decimals=decimals))

    def exp(self):
        return _elementwise.exp(self)

    def exp_(self):
        return self._inplace(_elementwise.exp(self))

    def exp2(self):
        return _elementwise.exp2(self)

    def exp2_(self):
        return self._inplace(_elementwise.exp2(self))

    def copysign(self, other):
        return _elementwise.copysign(self, other)

    def copysign_(self, other):
        return self._inplace(_elementwise.copysign(self, other))

    def log(self):
        return _elementwise.log(self)

    def log_(self):
        return self._inplace(_elementwise.log(self))

    def log2(self):
        return _elementwise.log2(self)

    def log2_(self):
        return self._inplace(_elementwise.log2(self))

    def log10(self):
        return _elementwise.log10(self)

    def log10_(self):
        return self._inplace(_elementwise.log10(self))

    def log1p(self):
        return _elementwise.log1p(self)

    def log1p_(self):
        return self._inplace(_elementwise.log1p(self))

    def expm1(self):
        return _elementwise.expm1(self)

    def expm1_(self):
        return self._inplace(_elementwise.expm1(self))

    def sqrt(self):
        return _elementwise.sqrt(self)

    def sqrt_(self):
        return self._inplace(_elementwise.sqrt(self))

    def rsqrt(self):
        return _elementwise.rsqrt(self)

    def rsqrt_(self):
        return self._inplace(_elementwise.rsqrt(self))

    def reciprocal(self):
        return _elementwise.reciprocal(self)

    def reciprocal_(self):
        return self._inplace(_elementwise.reciprocal(self))

    def sin(self):
        return _elementwise.sin(self)

    def sin_(self):
        return self._inplace(_elementwise.sin(self))

    def cos(self):
        return _elementwise.cos(self)

    def cos_(self):
        return self._inplace(_elementwise.cos(self))

    def tan(self):
        return _elementwise.tan(self)

    def tan_(self):
        return self._inplace(_elementwise.tan(self))

    def tanh(self):
        return _elementwise.tanh(self)

    def tanh_(self):
        return self._inplace(_elementwise.tanh(self))

    def sigmoid(self):
        return _elementwise.sigmoid(self)

    def sigmoid_(self):
        return self._inplace(_elementwise.sigmoid(self))

    def erf(self):
        return _elementwise.erf(self)

    def erf_(self):
        return self._inplace(_elementwise.erf(self))

    def relu(self):
        return _activation.relu(self)

    def relu_(self):
        return self._inplace(_activation.relu(self))

    def hardshrink(self, lambd=0.5):
        return _activation.hardshrink(self, lambd)

    def prelu(self, weight):
        return _activation.prelu(self, weight)

    def clamp(self, min=None, max=None):
        return _elementwise.clamp(self, min, max)

    def clamp_(self, min=None, max=None):
        return self._inplace(_elementwise.clamp(self, min, max))

    clip = clamp
    clip_ = clamp_

    def clamp_min(self, min):
        return _elementwise.clamp(self, min=min)

    def clamp_min_(self, min):
        return self._inplace(_elementwise.clamp(self, min=min))

    def clamp_max(self, max):
        return _elementwise.clamp(self, max=max)

    def clamp_max_(self, max):
        return self._inplace(_elementwise.clamp(self, max=max))

    def maximum(self, other):
        return _elementwise.maximum(self, other)

    def minimum(self, other):
        return _elementwise.minimum(self, other)

    def where(self, condition, other):
        return _elementwise.where(condition, self, other)

    def lerp(self, end, weight):
        return _elementwise.lerp(self, end, weight)

    def lerp_(self, end, weight):
        return self._inplace(_elementwise.lerp(self, end, weight))

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _elementwise.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace(_elementwise.addcmul(self, tensor1, tensor2, value=value))

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _elementwise.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace(_elementwise.addcdiv(self, tensor1, tensor2, value=value))

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _elementwise.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._inplace(_elementwise.nan_to_num(self, nan, posinf, neginf))

    def isnan(self):
        return _elementwise.isnan(self)

    def isinf(self):
        return _elementwise.isinf(self)

    def isfinite(self):
        return _elementwise.isfinite(self)

    # comparisons return bool tensors; __hash__ (above) stays identity-based
    def __eq__(self, other):
        if not isinstance(other, Tensor) and not isinstance(other, numbers.Number):
            return NotImplemented
        return _elementwise.eq(self, other)

    def __ne__(self, other):
        if not isinstance(other, Tensor) and not isinstance(other, numbers.Number):
            return NotImplemented
        return _elementwise.ne(self, other)

    def __lt__(self, other):
        return _elementwise.lt(self, other)

    def __le__(self, other):
        return _elementwise.le(self, other)

    def __gt__(self, other):
        return _elementwise.gt(self, other)

    def __ge__(self, other):
        return _elementwise.ge(self, other)

    def eq(self, other):
        return _elementwise.eq(self, other)

    def ne(self, other):
        return _elementwise.ne(self, other)

    def lt(self, other):
        return _elementwise.lt(self, other)

    def le(self, other):
        return _elementwise.le(self, other)

    def gt(self, other):
        return _elementwise.gt(self, other)

    def ge(self, other):
        return _elementwise.ge(self, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def eq_(self, other):
        return self._inplace(_elementwise.eq(self, other))

    def ne_(self, other):
        return self._inplace(_elementwise.ne(self, other))

    def lt_(self, other):
        return self._inplace(_elementwise.lt(self, other))

    def le_(self, other):
        return self._inplace(_elementwise.le(self, other))

    def gt_(self, other):
        return self._inplace(_elementwise.gt(self, other))

    def ge_(self, other):
        return self._inplace(_elementwise.ge(self, other))

    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

    def logical_and(self, other):
        return _elementwise.logical_and(self, other)

    def logical_or(self, other):
        return _elementwise.logical_or(self, other)

    def logical_xor(self, other):
        return _elementwise.logical_xor(self, other)

    def logical_not(self):
        return _elementwise.logical_not(self)

    def logical_and_(self, other):
        return self._inplace(_elementwise.logical_and(self, other))

    def logical_or_(self, other):
        return self._inplace(_elementwise.logical_or(self, other))

    def logical_xor_(self, other):
        return self._inplace(_elementwise.logical_xor(self, other))

    def logical_not_(self):
        return self._inplace(_elementwise.logical_not(self))

    def __and__(self, other):
        return _elementwise.bitwise_and(self, other)

    def __rand__(self, other):
        return _elementwise.bitwise_and(other, self)

    def __or__(self, other):
        return _elementwise.bitwise_or(self, other)

    def __ror__(self, other):
        return _elementwise.bitwise_or(other, self)

    def __xor__(self, other):
        return _elementwise.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _elementwise.bitwise_xor(other, self)

    def __invert__(self):
        return _elementwise.bitwise_not(self)

    def __iand__(self, other):
        return self._inplace(_elementwise.bitwise_and(self, other))

    def __ior__(self, other):
        return self._inplace(_elementwise.bitwise_or(self, other))

    def __ixor__(self, other):
        return self._inplace(_elementwise.bitwise_xor(self, other))

    def __lshift__(self, other):
        return _elementwise.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _elementwise.bitwise_left_shift(other, self)

    def __ilshift__(self, other):
        return self._inplace(_elementwise.bitwise_left_shift(self, other))

    def __rshift__(self, other):
        return _elementwise.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _elementwise.bitwise_right_shift(other, self)

    def __irshift__(self, other):
        return self._inplace(_elementwise.bitwise_right_shift(self, other))

    def bitwise_left_shift(self, other):
        return _elementwise.bitwise_left_shift(self, other)

    def bitwise_left_shift_(self, other):
        return self._inplace(_elementwise.bitwise_left_shift(self, other))

    def bitwise_right_shift(self, other):
        return _elementwise.bitwise_right_shift(self, other)

    def bitwise_right_shift_(self, other):
        return self._inplace(_elementwise.bitwise_right_shift(self, other))

    def bitwise_and(self, other):
        return _elementwise.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _elementwise.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _elementwise.bitwise_xor(self, other)

    def bitwise_not(self):
        return _elementwise.bitwise_not(self)

    def bitwise_and_(self, other):
        return self._inplace(_elementwise.bitwise_and(self, other))

    def bitwise_or_(self, other):
        return self._inplace(_elementwise.bitwise_or(self, other))

    def bitwise_xor_(self, other):
        return self._inplace(_elementwise.bitwise_xor(self, other))

    def bitwise_not_(self):
        return self._inplace(_elementwise.bitwise_not(self))

    def asin(self):
        return _elementwise.asin(self)

    def asin_(self):
        return self._inplace(_elementwise.asin(self))

    def arcsin(self):
        return _elementwise.asin(self)

    def arcsin_(self):
        return self._inplace(_elementwise.asin(self))

    def acos(self):
        return _elementwise.acos(self)

    def acos_(self):
        return self._inplace(_elementwise.acos(self))

    def arccos(self):
        return _elementwise.acos(self)

    def arccos_(self):
        return self._inplace(_elementwise.acos(self))

    def atan(self):
        return _elementwise.atan(self)

    def atan_(self):
        return self._inplace(_elementwise.atan(self))

    def arctan(self):
        return _elementwise.atan(self)

    def arctan_(self):
        return self._inplace(_elementwise.atan(self))

    def sinh(self):
        return _elementwise.sinh(self)

    def sinh_(self):
        return self._inplace(_elementwise.sinh(self))

    def cosh(self):
        return _elementwise.cosh(self)

    def cosh_(self):
        return self._inplace(_elementwise.cosh(self))

    def asinh(self):
        return _elementwise.asinh(self)

    def asinh_(self):
        return self._inplace(_elementwise.asinh(self))

    def arcsinh(self):
        return _elementwise.asinh(self)

    def arcsinh_(self):
        return self._inplace(_elementwise.asinh(self))

    def acosh(self):
        return _elementwise.acosh(self)

    def acosh_(self):
        return self._inplace(_elementwise.acosh(self))

    def arccosh(self):
        return _elementwise.acosh(self)

    def arccosh_(self):
        return self._inplace(_elementwise.acosh(self))

    def atanh(self):
        return _elementwise.atanh(self)

    def atanh_(self):
        return self._inplace(_elementwise.atanh(self))

    def arctanh(self):
        return _elementwise.atanh(self)

    def arctanh_(self):
        return self._inplace(_elementwise.atanh(self))

    def deg2rad(self):
        return _elementwise.deg2rad(self)

    def deg2rad_(self):
        return self._inplace(_elementwise.deg2rad(self))

    def rad2deg(self):
        return _elementwise.rad2deg(self)

    def rad2deg_(self):
        return self._inplace(_elementwise.rad2deg(self))

    def sinc(self):
        return _elementwise.sinc(self)

    def sinc_(self):
        return self._inplace(_elementwise.sinc(self))

    def fmax(self, other):
        return _elementwise.fmax(self, other)

    def fmin(self, other):
        return _elementwise.fmin(self, other)

    def float_power(self, exponent):
        return _elementwise.float_power(self, exponent)

    def float_power_(self, exponent):
        if self.dtype != _dtype.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.scalar_name} but the "
                               "operation's result requires dtype Double")
        return self._inplace(_elementwise.float_power(self, exponent))

    def heaviside(self, values):
        return _elementwise.heaviside(self, values)

    def heaviside_(self, values):
        return self._inplace(_elementwise.heaviside(self, values))

    def gcd(self, other):
        return _elementwise.gcd(self, other)

    def gcd_(self, other):
        return self._inplace(_elementwise.gcd(self, other))

    def lcm(self, other):
        return _elementwise.lcm(self, other)

    def lcm_(self, other):
        return self._inplace(_elementwise.lcm(self, other))

    def ldexp(self, other):
        return _elementwise.ldexp(self, other)

    def ldexp_(self, other):
        return self._inplace(_elementwise.ldexp(self, other))

    def logaddexp2(self, other):
        return _elementwise.logaddexp2(self, other)

    def nextafter(self, other):
        return _elementwise.nextafter(self, other)

    def nextafter_(self, other):
        return self._inplace(_elementwise.nextafter(self, other))

    def frexp(self):
        return _elementwise.frexp(self)

    def sgn(self):
        return _elementwise.sgn(self)

    def sgn_(self):
        return self._inplace(_elementwise.sgn(self))

    def signbit(self):
        return _elementwise.signbit(self)

    def frac(self):
        return _elementwise.frac(self)

    def frac_(self):
        return self._inplace(_elementwise.frac(self))

    def isneginf(self):
        return _elementwise.isneginf(self)

    def isposinf(self):
        return _elementwise.isposinf(self)

    def atan2(self, other):
        return _elementwise.atan2(self, other)

    def atan2_(self, other):
        return self._inplace(_elementwise.atan2(self, other))

    def arctan2(self, other):
        return _elementwise.atan2(self, other)

    def arctan2_(self, other):
        return self._inplace(_elementwise.atan2(self, other))

    def hypot(self, other):
        return _elementwise.hypot(self, other)

    def hypot_(self, other):
        return self._inplace(_elementwise.hypot(self, other))

    def logaddexp(self, other):
        return _elementwise.logaddexp(self, other)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _elementwise.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _elementwise.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return _elementwise.equal(self, other)

    def zero_(self):
        """Fill with zeros, in place."""
        return self._inplace(_elementwise._filled(self, 0))

    def fill_(self, value):
        """Fill with value (a number or a 0-dim tensor), in place."""
        return self._inplace(_elementwise._filled(self, value))

    def copy_(self, src, non_blocking=False):
        """Copy src's values into self, broadcasting and casting to self's dtype; differentiable w.r.t. src."""
        return self._inplace(_elementwise._copied(self, src))

    # --- reductions (ops/reduce.py) -------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce.sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce.mean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def nansum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce.nansum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce.nanmean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def count_nonzero(self, dim=None, *, axis=None):
        return _reduce.count_nonzero(self, dim, axis=axis)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return _reduce.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return _reduce.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return _reduce.prod(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        return _reduce.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        return _reduce.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def aminmax(self, *, dim=None, keepdim=False, axis=None, keepdims=None):
        return _reduce.aminmax(self, dim=dim, keepdim=keepdim, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _reduce.norm(self, p, dim, keepdim, dtype)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _reduce.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def cumsum(self, dim=None, *, dtype=None, axis=None):
        return _reduce.cumsum(self, dim, dtype=dtype, axis=axis)

    def cumsum_(self, dim=None, *, dtype=None, axis=None):
        return self._inplace(_reduce.cumsum(self, dim, dtype=dtype, axis=axis))

    def cumprod(self, dim=None, *, dtype=None, axis=None):
        return _reduce.cumprod(self, dim, dtype=dtype, axis=axis)

    def cumprod_(self, dim=None, *, dtype=None, axis=None):
        return self._inplace(_reduce.cumprod(self, dim, dtype=dtype, axis=axis))

    def cummax(self, dim=None, *, axis=None):
        return _reduce.cummax(self, dim, axis=axis)

    def cummin(self, dim=None, *, axis=None):
        return _reduce.cummin(self, dim, axis=axis)

    def logcumsumexp(self, dim=None, *, axis=None):
        return _reduce.logcumsumexp(self, dim, axis=axis)

    # --- sorting and order statistics (ops/sort.py) ---------------------------------------------------------
    def sort(self, dim=-1, descending=False, *, stable=False, axis=None):
        return _sort.sort(self, dim, descending, stable=stable, axis=axis)

    def argsort(self, dim=-1, descending=False, *, stable=False, axis=None):
        return _sort.argsort(self, dim, descending, stable=stable, axis=axis)

    def msort(self):
        return _sort.msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _sort.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return _sort.kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _sort.median(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def nanmedian(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _sort.nanmedian(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mode(self, dim=-1, keepdim=False, *, axis=None, keepdims=None):
        return _sort.mode(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _sort.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _sort.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return _sort.bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        return _sort.histc(self, bins, min, max)

    # --- random sampling (ops/random.py) ----------------------------------------------------------------------
    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        return self._inplace(_random.uniform_fill(self, from_, to, generator))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return self._inplace(_random.normal_fill(self, mean, std, generator))

    def bernoulli_(self, p=0.5, *, generator=None):
        return self._inplace(_random.bernoulli_fill(self, p, generator))

    def random_(self, from_=None, to=None, *, generator=None):
        return self._inplace(_random.random_fill(self, from_, to, generator))

    def exponential_(self, lambd=1.0, *, generator=None):
        return self._inplace(_random.exponential_fill(self, lambd, generator))

    def bernoulli(self, p=None, *, generator=None):
        return _random.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return _random.multinomial(self, num_samples, replacement, generator=generator)

    # --- shapes and views (ops/shape.py) ------------------------------------------------------------------
    def view(self, *shape):
        return _shape.view(self, *shape)

    def view_as(self, other):
        return _shape.view_as(self, other)

    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def reshape_as(self, other):
        return _shape.reshape_as(self, other)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        return _shape.transpose(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def t(self):
        return _shape.t(self)

    @property
    def T(self):
        return _shape.reverse_dims(self)

    @property
    def mT(self):
        return _shape.matrix_transpose(self)

    @property
    def H(self):
        """The conjugate transpose of a matrix (the transpose: axonml tensors are real)."""
        if self._data.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D "
                               "tensor.")
        return _shape.reverse_dims(self)

    @property
    def mH(self):
        """The conjugate transpose of the last two dims (mT: axonml tensors are real)."""
        return _shape.matrix_transpose(self)

    def adjoint(self):
        return _shape.matrix_transpose(self)

    def movedim(self, source, destination):
        return _shape.movedim(self, source, destination)

    def moveaxis(self, source, destination):
        return _shape.movedim(self, source, destination)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand_as(self, other)

    # --- composed functions (axonml/ops/compose.py) -------------------------------------------------
    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _compose.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return self._inplace(_compose.addmv(self, mat, vec, beta=beta, alpha=alpha))

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return _compose.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return self._inplace(_compose.addr(self, vec1, vec2, beta=beta, alpha=alpha))

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _compose.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._inplace(_compose.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _compose.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._inplace(_compose.addbmm(self, batch1, batch2, beta=beta, alpha=alpha))

    def inner(self, other):
        return _compose.inner(self, other)

    def kron(self, other):
        return _compose.kron(self, other)

    def vdot(self, other):
        return _compose.vdot(self, other)

    def ger(self, vec2):
        return _compose.ger(self, vec2)

    def dist(self, other, p=2):
        return _compose.dist(self, other, p)

    def renorm(self, p, dim, maxnorm):
        return _compose.renorm(self, p, dim, maxnorm)

    def renorm_(self, p, dim, maxnorm):
        return self._inplace(_compose.renorm(self, p, dim, maxnorm))

    def trace(self):
        return _compose.trace(self)

    def rot90(self, k=1, dims=(0, 1)):
        return _compose.rot90(self, k, dims)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return _compose.diff(self, n, dim, prepend, append)

    def ravel(self):
        return _compose.ravel(self)

    def take_along_dim(self, indices, dim=None):
        return _compose.take_along_dim(self, indices, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return _compose.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections):
        return _compose.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return _compose.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return _compose.dsplit(self, indices_or_sections)

    def select_scatter(self, src, dim, index):
        return _compose.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return _compose.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return _compose.diagonal_scatter(self, src, offset, dim1, dim2)

    def index_copy(self, dim, index, source):
        return _compose.index_copy(self, dim, index, source)

    def index_copy_(self, dim, index, source):
        return self._inplace(_compose.index_copy(self, dim, index, source))

    def masked_scatter(self, mask, source):
        return _compose.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask, source):
        return self._inplace(_compose.masked_scatter(self, mask, source))

    def put(self, index, source, accumulate: bool = False):
        """A copy with the elements at flat indices index (into the row-major flattening) set to source's."""
        flat = self.reshape(-1).index_put((index.reshape(-1),), source.reshape(-1), accumulate)
        return flat.reshape(self.shape)

    def put_(self, index, source, accumulate: bool = False):
        return self._inplace(self.put(index, source, accumulate))

    def sum_to_size(self, *size):
        """Sum this tensor down to size, which must be expandable to this tensor's shape (expand's adjoint)."""
        if len(size) == 1 and not isinstance(size[0], numbers.Integral):
            size = tuple(size[0])
        size = tuple(int(n) for n in size)
        shape = tuple(self._data.shape)
        lead = len(shape) - len(size)
        if lead < 0 or any(n != 1 and n != m for n, m in zip(size, shape[lead:])):
            raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                               f"{{{', '.join(map(str, shape))}}}.")
        dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1 and shape[lead + i] != 1)
        return self.sum(dims, keepdim=True).reshape(size) if dims else self

    def broadcast_to(self, size):
        return _shape.broadcast_to(self, size)

    def squeeze(self, dim=None, *, axis=None):
        return _shape.squeeze(self, dim, axis=axis)

    def unsqueeze(self, dim=None, *, axis=None):
        return _shape.unsqueeze(self, dim, axis=axis)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _shape.unflatten(self, dim, sizes)

    def narrow(self, dim, start, length):
        return _shape.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _shape.select(self, dim, index)

    def contiguous(self, memory_format=None):
        return _shape.contiguous(self)

    def clone(self, *, memory_format=None):
        return _shape.clone(self)

    def repeat(self, *repeats):
        return _shape.repeat(self, *repeats)

    def tile(self, *dims):
        return _shape.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def flip(self, *dims):
        return _shape.flip(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def fliplr(self):
        return _shape.fliplr(self)

    def flipud(self):
        return _shape.flipud(self)

    def roll(self, shifts, dims=None):
        return _shape.roll(self, shifts, dims)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _shape.unbind(self, dim)

    def tril(self, diagonal=0):
        return _shape.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _shape.triu(self, diagonal)

    def tril_(self, diagonal=0):
        return self._inplace(_shape.tril(self, diagonal))

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _shape.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return _shape.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return _shape.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset=0):
        return _shape.diagflat(self, offset)

    def unfold(self, dimension, size, step):
        return _shape.unfold(self, dimension, size, step)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return _shape.repeat_interleave(self, repeats, dim, output_size=output_size)

    def triu_(self, diagonal=0):
        return self._inplace(_shape.triu(self, diagonal))

    # --- indexing (ops/indexing.py) ---------------------------------------------------------------------------
    def __getitem__(self, index):
        return _indexing.getitem(self, index)

    def __setitem__(self, index, value):
        _indexing.setitem(self, index, value)

    def gather(self, dim, index, *, sparse_grad=False):
        return _indexing.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _indexing.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return self._inplace(_indexing.scatter(self, dim, index, src, value=value, reduce=reduce))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return _indexing.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._inplace(_indexing.scatter_reduce(self, dim, index, src, reduce, include_self=include_self))

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        return _indexing.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        return self._inplace(_indexing.index_reduce(self, dim, index, source, reduce, include_self=include_self))

    def scatter_add(self, dim, index, src):
        return _indexing.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return self._inplace(_indexing.scatter_add(self, dim, index, src))

    def index_select(self, dim, index):
        return _indexing.index_select(self, dim, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return _indexing.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._inplace(_indexing.index_add(self, dim, index, source, alpha=alpha))

    def index_fill(self, dim, index, value):
        return _indexing.index_fill(self, dim, index, value)

    def index_fill_(self, dim, index, value):
        return self._inplace(_indexing.index_fill(self, dim, index, value))

    def index_put(self, indices, values, accumulate=False):
        return _indexing.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return self._inplace(_indexing.index_put(self, indices, values, accumulate))

    def masked_fill(self, mask, value):
        return _indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return self._inplace(_indexing.masked_fill(self, mask, value))

    def masked_select(self, mask):
        return _indexing.masked_select(self, mask)

    def take(self, index):
        return _indexing.take(self, index)

    def nonzero(self, *, as_tuple=False):
        return _indexing.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return _indexing.argwhere(self)

    # --- linear algebra (ops/linalg.py) ------------------------------------------------------------------------
    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _linalg.matmul(other, self)

    def matmul(self, other):
        return _linalg.matmul(self, other)

    def mm(self, mat2):
        return _linalg.mm(self, mat2)

    def bmm(self, mat2):
        return _linalg.bmm(self, mat2)

    def mv(self, vec):
        return _linalg.mv(self, vec)

    def dot(self, other):
        return _linalg.dot(self, other)

    def outer(self, vec2):
        return _linalg.outer(self, vec2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def cross(self, other, dim=None):
        return _linalg.cross(self, other, dim)

    # --- decompositions (ops/decomposition.py) ----------------------------------------------------------------
    def det(self):
        return _decomposition.det(self)

    def logdet(self):
        return _decomposition.logdet(self)

    def slogdet(self):
        return _decomposition.slogdet(self)

    def inverse(self):
        return _decomposition.inverse(self)

    def cholesky(self, upper=False):
        return _decomposition.cholesky(self, upper)

    def cholesky_solve(self, input2, upper=False):
        return _decomposition.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        return _decomposition.cholesky_inverse(self, upper)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        return _decomposition.triangular_solve(self, A, upper, transpose, unitriangular)

    def qr(self, some=True):
        return _decomposition.qr(self, some)

    def svd(self, some=True, compute_uv=True):
        return _decomposition.svd(self, some, compute_uv)

    def pinverse(self, rcond=1e-15):
        return _decomposition.pinverse(self, rcond)

    def matrix_power(self, n):
        return _decomposition.matrix_power(self, n)

    def matrix_exp(self):
        return _decomposition.matrix_exp(self)

    # --- special functions (ops/special.py) --------------------------------------------------------------------
    def lgamma(self):
        return _special.lgamma(self)

    def lgamma_(self):
        return self._inplace(_special.lgamma(self))

    def digamma(self):
        return _special.digamma(self)

    def digamma_(self):
        return self._inplace(_special.digamma(self))

    def polygamma(self, n):
        return _special.polygamma(n, self)

    def polygamma_(self, n):
        return self._inplace(_special.polygamma(n, self))

    def mvlgamma(self, p):
        return _special.mvlgamma(self, p)

    def mvlgamma_(self, p):
        return self._inplace(_special.mvlgamma(self, p))

    def erfc(self):
        return _special.erfc(self)

    def erfc_(self):
        return self._inplace(_special.erfc(self))

    def erfinv(self):
        return _special.erfinv(self)

    def erfinv_(self):
        return self._inplace(_special.erfinv(self))

    def i0(self):
        return _special.i0(self)

    def i0_(self):
        return self._inplace(_special.i0(self))

    def igamma(self, other):
        return _special.igamma(self, other)

    def igamma_(self, other):
        return self._inplace(_special.igamma(self, other))

    def igammac(self, other):
        return _special.igammac(self, other)

    def igammac_(self, other):
        return self._inplace(_special.igammac(self, other))

    def xlogy(self, other):
        return _special.xlogy(self, other)

    def xlogy_(self, other):
        return self._inplace(_special.xlogy(self, other))

    def logit(self, eps=None):
        return _special.logit(self, eps)

    def logit_(self, eps=None):
        return self._inplace(_special.logit(self, eps))

    # --- statistics (ops/statistics.py) ------------------------------------------------------------------------
    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _statistics.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _statistics.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        return _statistics.histogram(self, bins, range=range, weight=weight, density=density)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return _statistics.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return _statistics.corrcoef(self)


    # --- neural-network ops (ops/nn.py, ops/conv.py, ops/pool.py, ops/loss.py) -------------------------------
    def softmax(self, dim, dtype=None):
        return _nn.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _nn.log_softmax(self, dim, dtype=dtype)


class _RemovableHandle:
    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _make(data, vc=None) -> Tensor:
    """A tensor with no graph holding data (a backend array); vc shares a version counter (views)."""
    t = _autograd.wrap_array(data, _backend_of(data) if type(data) is not np.ndarray else None)
    if vc is not None:
        t._vc = vc
    return t


def _rebuild_tensor(cls, array, requires_grad: bool, device: str) -> Tensor:
    t = _make(array)
    if device != "cpu":
        t = t.to(device)
    if cls is not Tensor:
        rebuilt = cls.__new__(cls)
        rebuilt._data, rebuilt._vc = t._data, t._vc
        t = rebuilt
    t._requires_grad = requires_grad
    return t


def _normalize_dim(dim: int, ndim: int) -> int:
    """PyTorch's dim wrapping, with its IndexError for an out-of-range dim."""
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return dim + ndim if dim < 0 else (0 if ndim == 0 else dim)


def _keep_original_for_backward(fn, target: Tensor) -> None:
    """Give fn a copy of target's memory before an in-place write: its backward reads the original
    (abs_, log_, pow_ ... save their input), as PyTorch keeps the original self for such ops."""
    original = _backend_of(target._data).copy(target._data)
    fn._saved = tuple(original if s is target._data else s for s in fn._saved)
    if fn._saved_versions:
        fn._saved_versions = [v for v in fn._saved_versions if v[2]() is not target] or None


def _check_inplace(t: Tensor) -> None:
    if t._is_inference and not _autograd.is_inference_mode_enabled():
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                           "clone to get a normal tensor before doing inplace update.See "
                           "https://github.com/pytorch/rfcs/pull/17 for more details.")
    if not _autograd.is_grad_enabled():
        return
    if t._requires_grad and t._node is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = t._base
    if base is not None and base._requires_grad and base._node is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _can_cast(src, dst) -> bool:
    """PyTorch's in-place rule: a result may not move to a lower category (float -> int, int -> bool)."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    return order[src.kind] <= order[dst.kind]


def _parse_to(t: Tensor, args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (_device_cls, str)) and not (isinstance(a, str) and a in _dtype._BY_NAME):
            device = a
        elif isinstance(a, bool):
            pass
        else:
            dtype = a
    if device is not None:
        device = _device_cls(device)
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
    return device, dtype, copy


_autograd.register(Tensor, _cpu_backend)

from .ops import elementwise as _elementwise  # noqa: E402  (the ops import Tensor)
from .ops import activation as _activation  # noqa: E402
from .ops import reduce as _reduce  # noqa: E402
from .ops import sort as _sort  # noqa: E402
from .ops import random as _random  # noqa: E402
from .ops import shape as _shape  # noqa: E402
from .ops import compose as _compose  # noqa: E402
from .ops import indexing as _indexing  # noqa: E402
from .ops import linalg as _linalg  # noqa: E402
from .ops import decomposition as _decomposition  # noqa: E402
from .ops import nn as _nn  # noqa: E402
from .ops import special as _special  # noqa: E402
from .ops import statistics as _statistics  # noqa: E402
from .ops import complex as _complex  # noqa: E402
from .ops import spectral as _spectral  # noqa: E402
