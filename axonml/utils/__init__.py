"""PyTorch's ``torch.utils`` spellings: ``axonml.utils.data`` is :mod:`axonml.data`."""
from . import data

__all__ = ["data"]
