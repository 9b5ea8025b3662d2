"""Optimizers (torch.optim's, and LAMB), learning-rate schedules and swa_utils, as torch.optim has them."""
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lamb import LAMB
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "ASGD", "LAMB", "LBFGS", "Muon",
           "NAdam", "RAdam", "RMSprop", "Rprop", "SGD", "lr_scheduler", "swa_utils"]
