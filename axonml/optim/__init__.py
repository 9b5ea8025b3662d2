"""Optimizers and learning-rate schedules, as torch.optim has them."""
from . import lr_scheduler
from .adafactor import Adafactor
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adafactor", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
