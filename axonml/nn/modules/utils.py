"""Argument helpers shared by the layers: _single, _pair, _triple (PyTorch's _ntuple)."""
from __future__ import annotations

import collections.abc
from itertools import repeat


def _ntuple(n: int, name: str = "parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")


def _reverse_repeat_tuple(t: tuple, n: int) -> tuple:
    """(1, 2) with n=2 -> (2, 2, 1, 1): per-dim padding in the last-dim-first order F.pad expects."""
    return tuple(x for x in reversed(t) for _ in range(n))
