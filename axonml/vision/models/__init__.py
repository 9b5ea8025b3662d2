"""Vision models built from axonml.nn."""
from .lenet import LeNet, lenet
from .mlp import MLP
from .simplecnn import SimpleCNN

__all__ = ["LeNet", "lenet", "SimpleCNN", "MLP"]
