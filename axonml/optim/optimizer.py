"""Optimizer: parameter groups, per-parameter state and state dicts, as torch.optim.Optimizer has them."""
from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

from .._ext._autograd import get_profiler, get_tracer
from ..autograd import enable_grad
from ..tensor import Tensor, _backend_of

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks an optimizer argument that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _observed(step: Callable, name: str) -> Callable:
    """step, shown as one range (torch's "Optimizer.step#SGD.step") in a running profile, and noted by a running
    trace, which cannot record its in-place updates."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        tracer = get_tracer()
        if tracer is not None:
            tracer.untraceable("an optimizer step ran inside the traced function (its updates are not ops a graph "
                               "records)")
        if get_profiler() is None:
            return step(self, *args, **kwargs)
        from ..profiler import record_function
        with record_function(name):
            return step(self, *args, **kwargs)
    return wrapper


class Optimizer:
    """Base class of all optimizers.

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups (a ``"params"``
            entry plus any per-group options overriding ``defaults``).
        defaults (dict): the default optimization options of every group.

    Subclasses implement ``step``; the update of each parameter runs as one fused backend
    primitive over the parameter, its gradient and its state arrays.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _observed(cls.__dict__["step"], f"Optimizer.step#{cls.__name__}.step")

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__module__}.{type(params).__name__}")
        self.state: defaultdict[Tensor, dict] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. to unfreeze layers while training).

        Args:
            param_group (dict): ``"params"`` (a tensor or an ordered iterable of tensors, or of
                ``(name, tensor)`` pairs) and any options that differ from ``defaults``.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        param_group["params"] = tensors
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__module__}.{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if any(id(p) in existing for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none (bool): set ``.grad`` to None instead of filling it with zeros (a parameter
                whose grad is None is skipped by ``step``). Default: ``True``.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad.detach_()
                    xp = _backend_of(grad._data)
                    xp.copy_into(grad._data, xp.zeros((), grad._data.dtype))
                    grad._vc.value += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step; closure, if given, re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _evaluate(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as PyTorch lays it out.

        ``state`` maps each parameter's integer index (its position across all groups, in order)
        to its state dict; ``param_groups`` holds each group's options with ``params`` as a list of
        those indices. State tensors are returned by reference, as PyTorch does.
        """
        index_of: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state produced by ``state_dict`` (here or by ``axonml.load``) into this optimizer.

        Groups are matched by position and parameters by index. Floating-point state tensors are
        copied to each parameter's dtype and device; ``step`` counters are copied as they are.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        param_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                            chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Tensor, dict] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    # --- helpers for subclasses ---------------------------------------------------------------------
    @staticmethod
    def _bump_version(param: Tensor) -> None:
        """Record an in-place update of param, as PyTorch's version counter does."""
        param._vc.value += 1


def _cast_state(param: Tensor, value, key=None):
    """A copy of value with every tensor moved to param's device (and dtype, except ``step``)."""
    if isinstance(value, Tensor):
        if key == "step":
            out = value.detach().clone()
        elif param.is_floating_point() and value.is_floating_point():
            out = value.detach().to(device=param.device, dtype=param.dtype, copy=True)
        else:
            out = value.detach().to(device=param.device, copy=True)
        return out
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value
