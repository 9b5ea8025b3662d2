"""Anomaly detection for the backward pass: detect_anomaly and set_detect_anomaly, as torch.autograd has them.

While anomaly mode is on, every recorded graph node keeps the stack of the forward call that
made it, and the backward sweep checks each node's gradients: a backward that raises, or (with
check_nan) returns NaN, is reported with that stack, so that the op at fault can be found.
With the mode off, the sweep pays one flag read per node.
"""
from __future__ import annotations

import copy
import functools
import warnings

from .._ext._autograd import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_flags

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled"]


def set_anomaly_enabled(mode: bool, check_nan: bool = True) -> None:
    """Switch anomaly mode on or off (torch.set_anomaly_enabled); check_nan also checks gradients for NaN."""
    set_anomaly_flags(bool(mode), bool(check_nan))


class _AnomalyMode:
    """A context manager that is also a decorator, restoring the previous mode on exit."""

    def __exit__(self, *exc) -> bool:
        set_anomaly_flags(self._previous, self._previous_check_nan)
        return False

    def _remember(self) -> None:
        self._previous, self._previous_check_nan = is_anomaly_enabled(), is_anomaly_check_nan_enabled()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with copy.copy(self):
                return func(*args, **kwargs)
        return wrapper


class detect_anomaly(_AnomalyMode):
    """Enable anomaly detection inside the block (or the decorated function).

    Args:
        check_nan: also raise RuntimeError when a backward returns NaN, naming the node
            ("Function 'DivBackward0' returned nan values in its 0th output.")

    A backward that fails warns with the traceback of the forward call that created its node.

    Example::

        >>> x = axonml.tensor([0.0], requires_grad=True)
        >>> with axonml.autograd.detect_anomaly():
        ...     (x / x).sum().backward()
        RuntimeError: Function 'DivBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self._remember()
        set_anomaly_flags(True, bool(self.check_nan))


class set_detect_anomaly:
    """Set anomaly detection on or off; takes effect immediately, and as a context restores on exit.

    Args:
        mode: whether to enable anomaly detection
        check_nan: whether a backward returning NaN raises RuntimeError
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._remember()
        set_anomaly_flags(bool(mode), bool(check_nan))

    _remember = _AnomalyMode._remember
    __exit__ = _AnomalyMode.__exit__

    def __enter__(self) -> None:
        pass
