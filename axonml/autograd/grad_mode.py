"""Grad modes: no_grad, enable_grad, inference_mode, set_grad_enabled (contexts and decorators)."""
from __future__ import annotations

import copy
import functools

from .._ext._autograd import (is_grad_enabled, is_inference_mode_enabled, set_grad_enabled_flag,
                              set_inference_mode_flag)

__all__ = ["no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
           "is_inference_mode_enabled"]

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
    """no_grad that also marks every tensor made inside as an inference tensor.

    Inference tensors cannot be saved for backward, take in-place updates or be made to require
    grad outside inference mode. ``inference_mode(False)`` turns the mode off inside.
    """

    _takes_function = True

    def __init__(self, mode: bool = True):
        self._enabled = bool(mode)

    def __enter__(self):
        self._previous_inference = set_inference_mode_flag(self._enabled)
        self._previous = set_grad_enabled_flag(False) if self._enabled else is_grad_enabled()
        return None

    def __exit__(self, *exc):
        set_grad_enabled_flag(self._previous)
        set_inference_mode_flag(self._previous_inference)
        return False
