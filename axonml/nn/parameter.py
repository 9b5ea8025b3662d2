"""Parameter and Buffer: the tensors a Module registers when they are assigned as attributes."""
from __future__ import annotations

from ..tensor import Tensor, _make

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


def _share(cls, data: Tensor) -> Tensor:
    """A new instance of cls sharing data's memory and version counter, with no graph."""
    t = Tensor.__new__(cls)
    t._data = data._data
    t._vc = data._vc
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute registers it.

    Args:
        data (Tensor): the parameter's values; the parameter shares its memory. Default: an empty tensor.
        requires_grad (bool): whether the parameter requires gradient. Default: ``True``.

    Example::

        >>> weight = nn.Parameter(axonml.randn(3, 4))
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        param = _share(cls, data)
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copied = Tensor.__deepcopy__(self, memo)
        result = type(self)(copied.detach(), self.requires_grad)
        result.grad = copied.grad
        memo[id(self)] = result
        return result


class Buffer(Tensor):
    """Marks a tensor to be registered as a module buffer when assigned as an attribute.

    Assigning ``self.name = Buffer(t)`` is ``self.register_buffer("name", t, persistent)``; the
    module stores ``t`` itself (a plain Tensor), as PyTorch does.

    Args:
        data (Tensor): the buffer's values.
        persistent (bool): whether the buffer is part of the module's state_dict. Default: ``True``.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer data must be a Tensor, got {type(data).__name__}")
        buffer = _share(cls, data)
        buffer.persistent = persistent
        return buffer

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True):
        pass


class _UninitializedMixin:
    """A tensor with no shape yet: a lazy module materializes it on its first forward."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor memory of the given shape (uninitialized values) and make it a cls_to_become."""
        from ..creation import empty
        data = empty(tuple(shape), device=device if device is not None else self.device,
                     dtype=dtype if dtype is not None else self.dtype)
        self._data = data._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def size(self, dim=None):
        return self.shape

    def numel(self) -> int:
        return self.shape

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        result = type(self)(self.requires_grad, device=self.device, dtype=self.dtype)
        memo[id(self)] = result
        return result


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A parameter whose shape a lazy module (LazyLinear, LazyConv2d ...) infers from its first input.

    Args:
        requires_grad (bool): Default: ``True``.
        device, dtype: of the parameter once materialized.
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from ..creation import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape a lazy module infers from its first input."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from ..creation import empty
        t = _share(cls, empty(0, device=device, dtype=dtype))
        t.requires_grad_(requires_grad)
        return t

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass


def _as_plain_tensor(t: Tensor) -> Tensor:
    """A plain Tensor sharing t's memory (what a Buffer marker becomes once registered)."""
    out = _make(t._data, vc=t._vc)
    out._requires_grad = t._requires_grad
    return out
