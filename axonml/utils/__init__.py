"""PyTorch's ``torch.utils`` spellings: ``axonml.utils.data`` is :mod:`axonml.data`;
``axonml.utils.checkpoint`` trades compute for memory."""
from . import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
