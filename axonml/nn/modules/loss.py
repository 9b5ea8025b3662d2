"""Loss functions as modules; each forward calls its functional op with the stored reduction."""
from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["L1Loss", "MSELoss", "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "CosineEmbeddingLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss", "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss"]


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction that the deprecated size_average/reduce arguments stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=3)
    return reduction


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error: |input - target|, reduced by ``reduction`` (``'none'``, ``'mean'``, ``'sum'``).

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        size_average, reduce: deprecated; use ``reduction``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.L1Loss()(axonml.randn(3, 5, requires_grad=True), axonml.randn(3, 5))
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error: (input - target) ** 2, reduced by ``reduction``.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        size_average, reduce: deprecated; use ``reduction``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MSELoss()
        >>> loss(axonml.randn(3, 5, requires_grad=True), axonml.randn(3, 5)).shape
        axonml.Size([])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices, given log-probabilities (N, C) or (N, C, d1, ...).

    Args:
        weight: a rescaling weight per class, shape (C,).
        ignore_index: a target value that contributes neither loss nor gradient. Default: -100.
        reduction: ``'none'``, ``'mean'`` (weighted mean) or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`.
        - Target: :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`, class indices in [0, C).
        - Output: scalar, or the target's shape with ``reduction='none'``.

    Example::

        >>> loss = nn.NLLLoss()
        >>> loss(F.log_softmax(axonml.randn(3, 5), dim=1), axonml.tensor([1, 0, 4])).shape
        axonml.Size([])
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between logits and class indices (or class probabilities).

    Args:
        weight: a rescaling weight per class, shape (C,).
        ignore_index: a target value that contributes neither loss nor gradient. Default: -100.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution. Default: 0.0.

    Shape:
        - Input: (C), (N, C) or (N, C, d1, ...); Target: class indices (), (N) or (N, d1, ...),
          or probabilities shaped as the input.

    Example::

        >>> loss = nn.CrossEntropyLoss()(axonml.randn(3, 5, requires_grad=True), axonml.tensor([1, 0, 4]))
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross entropy between probabilities and targets in [0, 1].

    Args:
        weight: a rescaling weight broadcast against the input.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.BCELoss()
        >>> loss(axonml.rand(3), axonml.tensor([0.0, 1.0, 1.0])).shape
        axonml.Size([])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one numerically stable step.

    Args:
        weight: a rescaling weight broadcast against the input.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight on positive examples, broadcast along the class dimension.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.BCEWithLogitsLoss()
        >>> loss(axonml.randn(3), axonml.tensor([0.0, 1.0, 1.0])).shape
        axonml.Size([])
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.weight: Tensor | None
        self.pos_weight: Tensor | None

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta (d = input - target).

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        beta: where the loss turns from quadratic to linear. Default: 1.0.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.SmoothL1Loss(beta=0.5)
        >>> loss(axonml.randn(3, 5), axonml.randn(3, 5)).shape
        axonml.Size([])
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta) (d = input - target).

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        delta: where the loss turns from quadratic to linear. Default: 1.0.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.HuberLoss(delta=0.5)
        >>> loss(axonml.randn(3, 5), axonml.randn(3, 5)).shape
        axonml.Size([])
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of target from input (input in log space).

    Args:
        reduction: ``'none'``, ``'mean'``, ``'batchmean'`` or ``'sum'``. Default: ``'mean'``.
        log_target: whether target is in log space too. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, log-probabilities.
        - Target: :math:`(*)`, the shape of the input.
        - Output: scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.KLDivLoss(reduction='batchmean')
        >>> loss(F.log_softmax(axonml.randn(3, 5), dim=1), F.softmax(axonml.randn(3, 5), dim=1)).shape
        axonml.Size([])
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MarginRankingLoss(_Loss):
    """max(0, -y * (x1 - x2) + margin): ranks x1 above x2 where y is 1 and below where y is -1.

    Args:
        margin: the required gap. Default: 0.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input1, Input2, Target: (N) or (); Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.MarginRankingLoss(0.5)(axonml.randn(3), axonml.randn(3), axonml.tensor([1., -1., 1.]))
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x where y is 1, max(0, margin - x) where y is -1: for inputs that are distances.

    Args:
        margin: Default: 1.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: (*); Target: (*), of 1 and -1; Output: scalar, or (*) with ``reduction='none'``.

    Example::

        >>> loss = nn.HingeEmbeddingLoss()
        >>> loss(axonml.randn(4), axonml.tensor([1.0, -1.0, 1.0, -1.0])).shape
        axonml.Size([])
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y * x)): the two-class logistic loss with targets 1 and -1.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        size_average, reduce: deprecated; use ``reduction``.

    Shape:
        - Input: (*); Target: (*); Output: scalar, or (*) with ``reduction='none'``.

    Example::

        >>> loss = nn.SoftMarginLoss()
        >>> loss(axonml.randn(4), axonml.tensor([1.0, -1.0, 1.0, -1.0])).shape
        axonml.Size([])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss over C classes, averaged over the classes of each sample.

    Args:
        weight: a rescaling weight per class, shape (C,).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: (N, C); Target: (N, C) of 0 and 1; Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiLabelSoftMarginLoss()
        >>> loss(axonml.randn(2, 3), axonml.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])).shape
        axonml.Size([])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: sum over j != y of max(0, margin - x[y] + x[j]) ** p, over C.

    Args:
        p: 1 or 2. Default: 1.
        margin: Default: 1.
        weight: a rescaling weight per class, shape (C,).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: (N, C) or (C); Target: (N) or () class indices; Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiMarginLoss()
        >>> loss(axonml.randn(3, 4), axonml.tensor([3, 0, 1])).shape
        axonml.Size([])
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss between each target class and each non-target class.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        size_average, reduce: deprecated; use ``reduction``.

    Shape:
        - Input: (N, C) or (C); Target: int64 of the same shape, target classes ended by -1;
          Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiLabelMarginLoss()
        >>> loss(axonml.randn(1, 4), axonml.tensor([[3, 0, -1, 1]])).shape
        axonml.Size([])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) where y is 1, max(0, cos(x1, x2) - margin) where y is -1.

    Args:
        margin: in [-1, 1]; 0 to 0.5 is suggested. Default: 0.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input1, Input2: (N, D) or (D); Target: (N) or (); Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.CosineEmbeddingLoss(margin=0.2)
        >>> loss(axonml.randn(3, 5), axonml.randn(3, 5), axonml.tensor([1, -1, 1])).shape
        axonml.Size([])
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm pairwise distance.

    Args:
        margin: Default: 1.
        p: the norm degree of the distance. Default: 2.
        eps: Default: 1e-6.
        swap: use min(d(a, n), d(p, n)) as the negative distance (Balntas et al., 2016). Default: ``False``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Anchor, Positive, Negative: (N, D) or (D); Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> a, p, n = (axonml.randn(8, 16) for _ in range(3))
        >>> loss = nn.TripletMarginLoss(margin=1.0)(a, p, n)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """TripletMarginLoss with any distance function (pairwise_distance when None).

    Args:
        distance_function: (x, y) -> distances. Default: ``None`` (Euclidean pairwise distance).
        margin: Default: 1.
        swap: Default: ``False``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Anchor, Positive, Negative: (N, *); Output: scalar, or (N) with ``reduction='none'``.

    Example::

        >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance())
        >>> loss(axonml.randn(3, 5), axonml.randn(3, 5), axonml.randn(3, 5)).shape
        axonml.Size([])
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        from .distance import PairwiseDistance
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of targets under a Poisson distribution of the predicted rate.

    Args:
        log_input: the input is the log of the rate. Default: ``True``.
        full: add Stirling's term for log(target!). Default: ``False``.
        eps: guards log(input) when ``log_input=False``. Default: 1e-8.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: (*); Target: (*); Output: scalar, or (*) with ``reduction='none'``.

    Example::

        >>> loss = nn.PoissonNLLLoss()
        >>> loss(axonml.randn(3, 5), axonml.rand(3, 5) * 4).shape
        axonml.Size([])
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average: bool | None = None,
                 eps: float = 1e-8, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of targets under a Gaussian with predicted mean and variance.

    Args:
        full: add the constant 0.5 * log(2 pi). Default: ``False``.
        eps: the variance is clamped below at eps (gradients pass through). Default: 1e-6.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: (N, *); Target: (N, *); Var: (N, *), (N, *) with one dim of size 1, one dim fewer, or a float;
          Output: scalar, or (N, *) with ``reduction='none'``.

    Example::

        >>> loss = nn.GaussianNLLLoss()
        >>> loss(axonml.randn(3, 5), axonml.randn(3, 5), axonml.rand(3, 5) + 0.1).shape
        axonml.Size([])
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss of unsegmented sequences (see :func:`F.ctc_loss`).

    Args:
        blank: the blank label. Default: 0.
        reduction: ``'none'``, ``'mean'`` (each loss divided by its target length, then averaged) or
            ``'sum'``. Default: ``'mean'``.
        zero_infinity: replace infinite losses and their gradients by 0. Default: ``False``.

    Shape:
        - Log_probs: (T, N, C) or (T, C); Targets: (N, S) or (sum(target_lengths),);
          Input_lengths and Target_lengths: (N,); Output: scalar, or (N,) with ``reduction='none'``.

    Example::

        >>> ctc = nn.CTCLoss()
        >>> log_probs = axonml.randn(30, 2, 10).log_softmax(2)
        >>> ctc(log_probs, axonml.randint(1, 10, (2, 6)), [30, 25], [6, 4]).shape
        axonml.Size([])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths, target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
