"""Activation checkpointing (torch.utils.checkpoint): keep the graph of a block, drop what it saved for
backward, and recompute the block's forward when backward first needs those arrays.

This is PyTorch's non-reentrant checkpoint. The forward runs normally, recording its nodes; then every
node the block recorded gives up the arrays it saved for backward, holding a
:class:`~axonml.autograd.function.RecomputedSaved` instead. When backward first reads one of them, the
block runs again from its inputs, with the random state it had the first time (so dropout draws the same
mask), and each original node takes the arrays its twin saved. Because the graph itself is kept,
``autograd.grad``, hooks and parameters used inside the block behave as without checkpointing; the
memory the block held between forward and backward is what its nodes saved (arrays an op keeps as ctx
attributes, such as small statistics, stay).
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

from .. import random as _random
from .._ext import _autograd
from ..autograd.function import RecomputedSaved
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _tensors(value) -> list:
    """The tensors in a (nested) tuple, list or dict of outputs."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _recorded_nodes(outputs, first: int) -> list:
    """The nodes recorded from sequence number first on that outputs depend on, in creation order."""
    stack = [t._node for t in _tensors(outputs) if t._node is not None and t._node.sequence_nr >= first]
    seen, nodes = set(), []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        for edge in node.next_edges:
            if edge is not None and edge[0].sequence_nr >= first and edge[0] not in seen:
                stack.append(edge[0])
    nodes.sort(key=lambda n: n.sequence_nr)
    return nodes


class _Recomputation:
    """One checkpointed call: what it needs to run again, and (weakly) the ctxs that wait for its arrays."""

    def __init__(self, function, args, kwargs, rng_state, nodes):
        self.function, self.args, self.kwargs, self.rng_state = function, args, kwargs, rng_state
        self.ctxs = [weakref.ref(node.fn) for node in nodes]
        self.types = [type(node.fn) for node in nodes]

    def unpack(self, ctx):
        if self.function is not None:
            self._recompute()
        saved = ctx._saved
        if type(saved) is RecomputedSaved:
            raise RuntimeError("axonml.utils.checkpoint: the recomputed forward did not save what the original "
                               "forward saved")
        return saved

    def _recompute(self):
        inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) and a.is_floating_point()
                  else a for a in self.args]
        current = None
        if self.rng_state is not None:
            current = _random.get_rng_state()
            _random.set_rng_state(self.rng_state)
        try:
            with enable_grad():
                first = _autograd.next_sequence_nr()
                outputs = self.function(*inputs, **self.kwargs)
        finally:
            if current is not None:
                _random.set_rng_state(current)
        nodes = _recorded_nodes(outputs, first)
        if [type(node.fn) for node in nodes] != self.types:
            raise RuntimeError(f"axonml.utils.checkpoint: recomputing the forward recorded {len(nodes)} ops where the "
                               f"original forward recorded {len(self.types)} (or different ones): the checkpointed "
                               "function must compute the same thing when run again")
        for ref, node in zip(self.ctxs, nodes):
            original, twin = ref(), node.fn
            if original is None:
                continue
            saved = twin._saved
            if type(saved) is RecomputedSaved:  # a checkpoint nested inside this one
                saved = saved.recompute(twin)
            if type(original._saved) is RecomputedSaved:
                original._saved = saved
        self.function = self.args = self.kwargs = self.rng_state = None


def checkpoint(function: Callable, *args, use_reentrant: bool | None = None, preserve_rng_state: bool = True,
               **kwargs) -> Any:
    """Run function(*args, **kwargs) without keeping the arrays its backward needs; recompute them in backward.

    Args:
        function: the block to checkpoint; it must compute the same ops when run again on the same inputs.
        *args: its inputs (tensors are detached and re-attached for the recomputation).
        use_reentrant: False (the default) or None; axonml implements the non-reentrant checkpoint only.
        preserve_rng_state: replay the random state during recomputation, so that random ops (dropout)
            draw what they drew in forward.
        **kwargs: keyword arguments for function.

    Returns:
        what function returns.

    Example::

        >>> block = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 512))
        >>> y = checkpoint(block, x, use_reentrant=False)
        >>> y.sum().backward()          # block's forward runs a second time here
    """
    if use_reentrant:
        raise NotImplementedError("axonml.utils.checkpoint implements the non-reentrant checkpoint only: pass "
                                  "use_reentrant=False")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    rng_state = _random.get_rng_state() if preserve_rng_state else None
    first = _autograd.next_sequence_nr()
    outputs = function(*args, **kwargs)
    nodes = _recorded_nodes(outputs, first)
    if not nodes:
        return outputs
    recomputation = _Recomputation(function, args, kwargs, rng_state, nodes)
    for node in nodes:
        if node.fn._saved is not None:
            node.fn._saved = RecomputedSaved(recomputation.unpack)
    return outputs


def checkpoint_sequential(functions, segments: int, input: Tensor, use_reentrant: bool | None = None,
                          **kwargs) -> Tensor:
    """Run a sequence of modules (or functions) in segments, checkpointing all but the last.

    Args:
        functions: an ``nn.Sequential`` or a list of modules/functions, applied in order.
        segments: how many chunks to split them into.
        input: the input of the first function.
        use_reentrant: as for :func:`checkpoint`.
        **kwargs: ``preserve_rng_state``, as for :func:`checkpoint`.

    Example::

        >>> model = nn.Sequential(*[nn.Sequential(nn.Linear(256, 256), nn.ReLU()) for _ in range(16)])
        >>> out = checkpoint_sequential(model, 4, x, use_reentrant=False)
    """
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"Unexpected keyword arguments: {', '.join(kwargs)}")
    if hasattr(functions, "children"):
        functions = list(functions.children())
    functions = list(functions)

    def run(start: int, end: int):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve_rng_state)
    return run(end + 1, len(functions) - 1)(input)
