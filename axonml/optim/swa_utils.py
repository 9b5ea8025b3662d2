"""Stochastic weight averaging and exponential moving averages of a model, as torch.optim.swa_utils."""
from __future__ import annotations

import itertools
import math
from copy import deepcopy
from typing import Any, Callable, Iterable, Literal, Sequence

from .._dtype import int64
from ..autograd import no_grad
from ..creation import tensor as _tensor
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[Sequence[Tensor], Sequence[Tensor], Any], None]:
    r"""An in-place update of lists of averaged tensors to their exponential moving average,
    :math:`W^{EMA} \leftarrow \text{decay} \cdot W^{EMA} + (1 - \text{decay}) \cdot W^{model}` (a lerp for
    floating-point tensors), for ``AveragedModel(multi_avg_fn=...)``.

    Args:
        decay (float): decay rate in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    def ema_update(ema_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor], _) -> None:
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                if p_ema.is_floating_point():
                    p_ema.lerp_(p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[Sequence[Tensor], Sequence[Tensor], Any], None]:
    """An in-place update of lists of averaged tensors to the equally weighted average of the
    ``num_averaged + 1`` models seen (a lerp with weight ``1 / (num_averaged + 1)``)."""

    def swa_update(averaged_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   num_averaged: Tensor | int) -> None:
        with no_grad():
            for p_averaged, p_model in zip(averaged_param_list, current_param_list, strict=True):
                if p_averaged.is_floating_point():
                    p_averaged.lerp_(p_model, float(1 / (num_averaged + 1)))
                else:
                    p_averaged.add_(p_model - p_averaged, alpha=1.0 / (float(num_averaged) + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    r"""The exponential moving average of one tensor,
    :math:`\text{decay} \cdot W^{EMA} + (1 - \text{decay}) \cdot W^{model}`, for ``AveragedModel(avg_fn=...)``.

    Args:
        decay (float): decay rate in [0, 1]. Default: 0.999.
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The running equally weighted average of one tensor over ``num_averaged + 1`` models."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Tensor | int) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    r"""A copy of a model whose parameters are a running average of another model's, for Stochastic
    Weight Averaging (Izmailov et al., 2018) or an exponential moving average, as
    torch.optim.swa_utils.AveragedModel.

    The first ``update_parameters(model)`` copies the model's values; later ones average them in with
    ``multi_avg_fn`` (lists of tensors, in place), else ``avg_fn`` (one tensor, returns the new value),
    else the equal-weight SWA average. Buffers are copied from the model, or averaged too when
    ``use_buffers``. ``avg_fn`` and ``multi_avg_fn`` are not saved in the state dict; ``n_averaged``
    (an int64 buffer) is.

    Args:
        model (Module): the model to average.
        device (device, optional): where to keep the averaged copy. Default: the model's device.
        avg_fn (callable, optional): ``avg_fn(averaged, current, num_averaged) -> new averaged``.
        multi_avg_fn (callable, optional): ``multi_avg_fn(averaged_list, current_list, num_averaged)``,
            updating in place (e.g. ``get_ema_multi_avg_fn(0.999)``).
        use_buffers (bool): average the buffers as well as the parameters. Default: ``False``.

    Example::

        >>> swa_model = axonml.optim.swa_utils.AveragedModel(model)
        >>> ema_model = axonml.optim.swa_utils.AveragedModel(
        ...     model, multi_avg_fn=axonml.optim.swa_utils.get_ema_multi_avg_fn(0.999), use_buffers=True)
        >>> swa_model.update_parameters(model)   # after each epoch (or step)
        >>> axonml.optim.swa_utils.update_bn(loader, swa_model)
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
                 multi_avg_fn: Callable[[Sequence[Tensor], Sequence[Tensor], Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        n_averaged = _tensor(0, dtype=int64)
        self.register_buffer("n_averaged", n_averaged if device is None else n_averaged.to(device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average model's current parameters (and buffers, with ``use_buffers``) into this copy."""
        with no_grad():
            self._update(model)

    def _update(self, model: Module) -> None:
        if self.use_buffers:
            own = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            own, theirs = self.parameters(), model.parameters()
        averaged, current = [], []
        first = int(self.n_averaged) == 0
        for p_averaged, p_model in zip(own, theirs):
            p_model = p_model.detach().to(p_averaged.device)
            averaged.append(p_averaged.detach())
            current.append(p_model)
            if first:
                p_averaged.detach().copy_(p_model)
        if not first:
            n_averaged = self.n_averaged
            if self.avg_fn is not None and self.multi_avg_fn is None:
                for p_averaged, p_model in zip(averaged, current):
                    p_averaged.copy_(self.avg_fn(p_averaged, p_model, n_averaged.to(p_averaged.device)))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged, current, n_averaged)
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running statistics of every batch-norm layer of model with one pass over loader
    (a cumulative average, momentum None, from reset statistics), as after weight averaging.

    Args:
        loader (iterable): batches: tensors, or lists/tuples whose first element is the input.
        model (Module): the model whose batch-norm statistics to update.
        device (device, optional): where to move each batch before the forward pass.

    Example::

        >>> axonml.optim.swa_utils.update_bn(loader, swa_model)
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each param group's learning rate to a fixed ``swa_lr`` over ``anneal_epochs`` epochs,
    then hold it, as torch.optim.swa_utils.SWALR.

    Args:
        optimizer (Optimizer): the wrapped optimizer.
        swa_lr (float or list): the learning rate to reach, for all groups or one per group.
        anneal_epochs (int): number of epochs of the annealing phase. Default: 10.
        anneal_strategy (str): ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch (int): the index of the last epoch. Default: -1.

    Example::

        >>> swa_scheduler = axonml.optim.swa_utils.SWALR(optimizer, swa_lr=0.05, anneal_epochs=5)
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float], anneal_epochs: int = 10,
                 anneal_strategy: Literal["cos", "linear"] = "cos", last_epoch: int = -1) -> None:
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The lr this schedule started from, recovered from the current lr (the chainable form)."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute but the optimizer and the annealing function."""
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict``."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
