"""Grad modes: no_grad, enable_grad, inference_mode, set_grad_enabled (contexts and decorators)."""
from __future__ import annotations

import copy
import functools

from .._ext._autograd import is_grad_enabled, set_grad_enabled_flag

__all__ = ["no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
           "is_inference_mode_enabled"]

_inference_depth = 0


class _GradMode:
    """A context manager that is also a decorator, as in PyTorch (``@no_grad()`` and bare ``@no_grad``)."""

    _mode = True
    _takes_function = False  # whether the class may be used as a bare decorator

    def __new__(cls, *args, **kwargs):
        if cls._takes_function and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._previous = set_grad_enabled_flag(self._mode)
        return None

    def __exit__(self, *exc):
        set_grad_enabled_flag(self._previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with copy.copy(self):
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Disable gradient recording: ops inside produce tensors with no grad_fn."""

    _mode = False
    _takes_function = True


class enable_grad(_GradMode):
    """Re-enable gradient recording inside a no_grad block."""

    _mode = True
    _takes_function = True


class set_grad_enabled(_GradMode):
    """Set grad mode on or off; takes effect immediately, and as a context restores on exit."""

    def __init__(self, mode: bool):
        self._mode = bool(mode)
        self._previous = set_grad_enabled_flag(self._mode)

    def __enter__(self):
        return None

    def __call__(self, func):
        set_grad_enabled_flag(self._previous)  # as a decorator it applies only inside func
        return super().__call__(func)

    def __copy__(self):
        clone = _GradMode()
        clone._mode = self._mode
        return clone


class inference_mode(_GradMode):
    """no_grad for inference: nothing is recorded (``inference_mode(False)`` changes nothing)."""

    _takes_function = True

    def __init__(self, mode: bool = True):
        self._enabled = bool(mode)

    def __enter__(self):
        global _inference_depth
        self._previous = set_grad_enabled_flag(False) if self._enabled else is_grad_enabled()
        _inference_depth += self._enabled
        return None

    def __exit__(self, *exc):
        global _inference_depth
        _inference_depth -= self._enabled
        set_grad_enabled_flag(self._previous)
        return False


def is_inference_mode_enabled() -> bool:
    return _inference_depth > 0
