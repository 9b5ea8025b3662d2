"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2016) for large vocabularies."""
from __future__ import annotations

import itertools
from collections import namedtuple
from typing import Sequence

import numpy as np

from ...tensor import Tensor
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """An efficient approximation of a softmax over many classes, sorted by frequency.

    The head scores the ``cutoffs[0]`` most frequent classes and one entry per cluster of the
    rest; each cluster's classes are scored by a tail of two linear maps through a smaller
    projection (in_features // div_value ** (i + 1) features for cluster i). A class's
    log-probability is its head score, or its cluster's head score plus its score within the cluster.

    Args:
        in_features: features of each input row
        n_classes: the number of classes
        cutoffs: increasing class indices in [1, n_classes - 1] at which the clusters start
        div_value: how much each successive cluster's projection shrinks. Default: 4.0
        head_bias: whether the head has a bias. Default: ``False``

    Shape:
        - input: (N, in_features) or (in_features,)
        - target: (N,) or (), class indices in [0, n_classes)
        - output: (N,) or (), each target's log-probability; loss: a scalar, the mean negative output

    Returns:
        a named tuple (output, loss).

    Example::

        >>> asm = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, cutoffs=[20, 200])
        >>> output, loss = asm(axonml.randn(8, 64), axonml.randint(0, 1000, (8,)))
        >>> asm.log_prob(axonml.randn(8, 64)).shape
        axonml.Size([8, 1000])
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            self.tail.append(Sequential(
                Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                Linear(hidden, self.cutoffs[i + 1] - self.cutoffs[i], bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for projection, output in self.tail:
            projection.reset_parameters()
            output.reset_parameters()

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, n_classes={self.n_classes}, cutoffs={self.cutoffs[:-1]}"

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        from ...creation import tensor
        labels = np.asarray(target.tolist(), dtype=np.int64).reshape(-1)
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{labels.min()}, {labels.max()}] were found. ")
        # the head entry each row reads: its class in the shortlist, else its cluster's
        cluster_of = np.searchsorted(np.asarray(self.cutoffs), labels, side="right")  # 0 for the shortlist
        head_index = np.where(cluster_of == 0, labels, self.shortlist_size + cluster_of - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, tensor(head_index, device=input.device).unsqueeze(1)).squeeze(1)
        for i in range(1, self.n_clusters + 1):
            rows = np.flatnonzero(cluster_of == i)
            if rows.size == 0:
                continue
            rows_tensor = tensor(rows, device=input.device)
            relative = tensor(labels[rows] - self.cutoffs[i - 1], device=input.device)
            cluster_logprob = F.log_softmax(self.tail[i - 1](input.index_select(0, rows_tensor)), dim=1)
            local = cluster_logprob.gather(1, relative.unsqueeze(1)).squeeze(1)
            output = output.index_add(0, rows_tensor, local)
        loss = (output * -1).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """The log-probabilities of all n_classes, from the input and the head's output."""
        from ...ops.shape import cat
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, _ in enumerate(itertools.pairwise(self.cutoffs)):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of every class, (N, in_features) to (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row, (N, in_features) to (N,): log_prob(input).argmax(1), with the
        tails evaluated only for rows whose head prefers a cluster."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        outside = np.flatnonzero(np.asarray(output.tolist()) >= self.shortlist_size)
        if outside.size == 0:
            return output
        from ...creation import tensor
        rows = tensor(outside, device=input.device)
        full = self._get_full_log_prob(input.index_select(0, rows), head_output.index_select(0, rows))
        return output.index_copy(0, rows, full.argmax(dim=1))
