"""``axonml.jit.compile``: a model or function traced per input signature, optimised and fused.

Each call is matched against the guards of the graphs compiled so far: the tensor inputs'
shapes, dtypes, devices and requires_grad, the other arguments' values, the module's training
flag and the grad mode. A miss traces the forward anew (that call runs eagerly, under the
tracer), runs the passes and keeps the graph; a hit replays the graph. Parameters are read at
each run, and their shapes, dtypes and devices are guards too (``model.to(...)`` re-traces).

A forward the tracer cannot stand for (Python reading a traced tensor's value: data-dependent
control flow; random numbers drawn outside ops; outputs that are not tensors) runs eagerly for
that signature, with one warning naming the reason.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .._ext import _autograd
from ..nn.modules.module import Module
from ..tensor import Tensor
from .interpreter import Interpreter
from .ir import Graph
from .passes import optimize
from .tracer import record
from .trace import _output_template, _state_names

__all__ = ["compile", "CompiledFunction"]

_EAGER = object()


class _Entry:
    __slots__ = ("interpreter", "params", "graph", "reason", "report")


class CompiledFunction:
    """What :func:`compile` returns: call it as the original; ``graphs()`` lists the compiled graphs.

    Attribute reads other than its own go to the original (``compiled.parameters()`` on a module).
    """

    def __init__(self, fn: Callable, fuse: bool, fullgraph: bool, cache_size_limit: int):
        self._fn = fn
        self._fuse = fuse
        self._fullgraph = fullgraph
        self._limit = cache_size_limit
        self._entries: dict = {}
        self._warned: set = set()
        functools.update_wrapper(self, fn, updated=()) if not isinstance(fn, Module) else None

    @property
    def original(self) -> Callable:
        return self._fn

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._fn, name)

    def graphs(self) -> list[Graph]:
        return [entry.graph for entry in self._entries.values() if entry.interpreter is not None]

    def eager_reasons(self) -> list[str]:
        return [entry.reason for entry in self._entries.values() if entry.interpreter is None]

    def __call__(self, *args, **kwargs):
        if kwargs:
            self._warn("keyword arguments are not traced")
            return self._fn(*args, **kwargs)
        key = self._key(args)
        if key is None:
            self._warn("an argument is neither a Tensor nor a hashable constant")
            return self._fn(*args)
        entry = self._entries.get(key)
        if entry is not None:
            if entry.interpreter is None:
                return self._fn(*args)
            if all(tensor._data.shape == shape and tensor._data.dtype == dtype and type(tensor._data) is kind
                   for tensor, shape, dtype, kind in entry.params):
                return entry.interpreter.run([a for a in args if isinstance(a, Tensor)])
        if len(self._entries) >= self._limit and key not in self._entries:
            self._warn(f"more than {self._limit} input signatures (cache_size_limit)")
            return self._fn(*args)
        return self._compile(key, args)

    def _key(self, args):
        parts = []
        for a in args:
            if isinstance(a, Tensor):
                data = a._data
                parts.append((data.shape, data.dtype, type(data), getattr(data, "backend", None), a._requires_grad))
            else:
                try:
                    hash(a)
                except TypeError:
                    return None
                parts.append(("const", type(a), a))
        training = self._fn.training if isinstance(self._fn, Module) else None
        return (training, _autograd.is_grad_enabled(), tuple(parts))

    def _warn(self, reason: str) -> None:
        if self._fullgraph:
            raise RuntimeError(f"axonml.jit.compile(fullgraph=True): {reason}")
        if reason not in self._warned:
            self._warned.add(reason)
            name = getattr(self._fn, "__name__", type(self._fn).__name__)
            warnings.warn(f"axonml.jit.compile: running {name} eagerly: {reason}", UserWarning, stacklevel=3)

    def _compile(self, key, args):
        positions = [k for k, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[k] for k in positions]

        def forward(*traced):
            full = list(args)
            for k, tensor in zip(positions, traced):
                full[k] = tensor
            return self._fn(*full)
        graph = Graph()
        entry = _Entry()
        entry.interpreter, entry.graph = None, graph
        with record(graph, _state_names(self._fn)) as recorder:
            for position, tensor in enumerate(tensors):
                recorder.input(tensor, f"input{position}")
            result = forward(*tensors)
            try:
                graph.output = _output_template(recorder, result)
            except TypeError as error:
                recorder.reasons.append(str(error))
        if recorder.reasons:
            entry.reason = recorder.reasons[0]
            self._entries[key] = entry
            self._warn(entry.reason)
            return result
        fuse = self._fuse and _compiler_available(self._warn)
        entry.report = optimize(graph, fuse=fuse, grad=_autograd.is_grad_enabled())
        entry.interpreter = Interpreter(graph)
        entry.params = [(v.tensor, v.tensor._data.shape, v.tensor._data.dtype, type(v.tensor._data))
                        for v in graph.externals if isinstance(v.tensor, Tensor)]
        entry.reason = None
        self._entries[key] = entry
        return result


def _compiler_available(warn) -> bool:
    from ..fusion.compiler import CompilerNotFoundError, find_compiler
    try:
        find_compiler()
        return True
    except CompilerNotFoundError as error:
        warnings.warn(f"axonml.jit.compile: elementwise chains are not fused: {error}", UserWarning, stacklevel=4)
        return False


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic=None, backend: str = "axonml",
            mode: str | None = None, options: dict | None = None, disable: bool = False, fuse: bool = True,
            cache_size_limit: int = 8):
    """Trace, optimise and fuse a model or function (``torch.compile``'s signature).

    The result behaves as the original in inference and in training: gradients reach the
    parameters through the compiled graph, whose ops are the forward's own (fused groups
    differentiate through their ops' own backward). It re-traces when input shapes, dtypes,
    devices, requires_grad, other arguments, the training flag or grad mode change, and runs
    eagerly, with a warning naming the reason, what cannot be traced.

    Args:
        model: a Module or a function of tensors; without it, returns a decorator.
        fullgraph: raise instead of falling back to eager.
        dynamic, backend, mode, options: accepted for torch.compile compatibility; graphs are
            always specialised to the input shapes, and ``backend`` must be ``"axonml"``.
        disable: return model unchanged.
        fuse: fuse elementwise chains into generated kernels and Linear + ReLU into one gemm.
        cache_size_limit: input signatures kept per compiled callable; beyond it, calls run eagerly.

    Example:
        >>> model = axonml.nn.Sequential(axonml.nn.Linear(8, 16), axonml.nn.ReLU())
        >>> compiled = axonml.jit.compile(model)
        >>> y = compiled(axonml.randn(4, 8))
    """
    if backend != "axonml":
        raise ValueError(f"axonml.jit.compile: unknown backend {backend!r} (only 'axonml')")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable, fuse=fuse, cache_size_limit=cache_size_limit)
    if not callable(model):
        raise TypeError(f"axonml.jit.compile: expected a Module or a function, got {type(model).__name__}")
    if disable:
        return model
    return CompiledFunction(model, fuse, fullgraph, cache_size_limit)
